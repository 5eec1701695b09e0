"""A resolution becomes an archival PDF/A-3b: Chinese text, its JSON record inside, nothing fetched.

Residents' own words go into resolutions. Whatever they typed (an image of
/etc/passwd, links to other servers, @import, <script>) must neither become
markup nor make the renderer read a file or open a connection.
"""
from __future__ import annotations

import contextlib
import json
import logging
import re
import shutil
import sys

import pytest
from flask import render_template_string

from roundtable.resolutions import pdf as pdfmod
from roundtable.resolutions.pdf import (
    STATIC_ROOT,
    StaticOnlyURLFetcher,
    URLRefused,
    document_context,
    embedded_files,
    harfbuzz_subsetting_available,
    pdf_text,
    pdfa_identification,
    render_pdf,
    static_only_url_fetcher,
)

SENTENCE = "经协商,物业公司同意在三号楼东侧增设非机动车停放区。"
RECORD = {"meeting": "西河沿社区圆桌会议", "points": [SENTENCE], "votes": {"yes": 12, "no": 1}}

HOSTILE = (
    '<img src="file:///etc/passwd">'
    '<img src="http://127.0.0.1:9/x.png">'
    '<link rel="stylesheet" href="https://example.org/x.css">'
    '<style>@import url(http://example.org/import.css);</style>'
    '<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==">'
    '<script>document.write("执行了脚本")</script>'
)
HOSTILE_URLS = {
    "file:///etc/passwd",
    "http://127.0.0.1:9/x.png",
    "https://example.org/x.css",
    "http://example.org/import.css",
}

RESOLUTION_TEMPLATE = """{% extends "pdf/base.html" %}
{% block body %}<h2>决议事项</h2><p class="user-text">{{ point }}</p>{% endblock %}"""


def render_resolution(point: str, **kwargs) -> tuple[str, bytes]:
    with document_context():  # as in the worker: an app, no request
        html = render_template_string(
            RESOLUTION_TEMPLATE, point=point, title="圆桌会议决议", organization="大栅栏街道西河沿社区",
            reference="西河沿〔2025〕3号",
        )
    return html, render_pdf(html, **kwargs)


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


_audit_log: list[tuple[str, str]] | None = None


def _audit(event, args):
    if _audit_log is not None and event in ("open", "socket.connect", "urllib.Request", "subprocess.Popen"):
        _audit_log.append((event, str(args[0]) if args else ""))


sys.addaudithook(_audit)


@contextlib.contextmanager
def watching_files_and_sockets():
    """Record every file Python opens and every connection it makes (audit hooks see them all)."""
    global _audit_log
    _audit_log = seen = []
    try:
        yield seen
    finally:
        _audit_log = None


def test_the_chinese_sentence_of_the_resolution_is_in_the_pdf_text(app):
    _, document = render_resolution(SENTENCE)
    text = flat(pdf_text(document))
    assert flat(SENTENCE) in text
    assert "圆桌会议决议" in text
    assert "第1页/共1页" in text, "page numbers come from print.css @page"


def test_the_pdf_identifies_itself_as_pdf_a_3b(app):
    _, document = render_resolution(SENTENCE)
    assert document.startswith(b"%PDF-1.7")
    assert pdfa_identification(document) == ("3", "B")


def test_the_machine_readable_record_travels_inside_the_pdf(app):
    record = json.dumps(RECORD, ensure_ascii=False).encode()
    _, document = render_resolution(
        SENTENCE, attachments=[("resolution.json", record, "决议的机器可读记录")]
    )
    files = embedded_files(document)
    assert list(files) == ["resolution.json"]
    assert json.loads(files["resolution.json"]) == RECORD
    from io import BytesIO

    from pypdf import PdfReader

    associated = PdfReader(BytesIO(document)).trailer["/Root"]["/AF"]
    # WeasyPrint 70 lists the one file spec twice in /AF; what matters is which and how related.
    assert {spec.idnum for spec in associated} and len({spec.idnum for spec in associated}) == 1
    assert associated[0].get_object()["/AFRelationship"] == "/Data"


def test_fonts_are_subset_by_harfbuzz_not_the_slow_fonttools_path(app, monkeypatch):
    from weasyprint.pdf.fonts import Font

    assert harfbuzz_subsetting_available(), "install libharfbuzz-subset0 (scripts/ensure_system_packages.sh)"
    calls = {"harfbuzz": 0, "fonttools": 0}
    harfbuzz_subset = Font._harfbuzz_subset

    def spy_harfbuzz(self, *args, **kwargs):
        calls["harfbuzz"] += 1
        return harfbuzz_subset(self, *args, **kwargs)

    def refuse_fonttools(self, *args, **kwargs):
        calls["fonttools"] += 1
        raise AssertionError("fontTools subsetting (15 s for two Chinese pages) was used")

    monkeypatch.setattr(Font, "_harfbuzz_subset", spy_harfbuzz)
    monkeypatch.setattr(Font, "_fonttools_subset", refuse_fonttools)
    _, document = render_resolution(SENTENCE * 40)

    assert calls == {"harfbuzz": calls["harfbuzz"], "fonttools": 0}
    assert calls["harfbuzz"] >= 2, "serif body and sans headings are both subset"
    assert len(document) < 2_000_000, "subset fonts, not the whole Noto CJK collection"


def test_a_missing_harfbuzz_subsetter_is_reported_loudly_once(monkeypatch, caplog):
    monkeypatch.setattr(pdfmod, "harfbuzz_subsetting_available", lambda: False)
    monkeypatch.setattr(pdfmod, "_slow_subsetting_reported", False)
    with caplog.at_level(logging.WARNING, logger="roundtable.pdf"):
        pdfmod._warn_once_if_subsetting_is_slow()
        pdfmod._warn_once_if_subsetting_is_slow()
    warnings = [r for r in caplog.records if "libharfbuzz-subset0" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING


def test_user_text_is_escaped_so_hostile_tags_never_become_markup(app):
    fetcher = StaticOnlyURLFetcher()
    html, document = render_resolution(f"{SENTENCE}{HOSTILE}", url_fetcher=fetcher)

    assert "<img" not in html and "<script" not in html and "<style>" not in html
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html
    assert fetcher.requested == ["roundtable-static:/static/css/print.css"], "only our stylesheet was asked for"
    shown = flat(pdf_text(document))
    assert flat('<img src="file:///etc/passwd">') in shown, "the text is shown as the resident typed it"


def test_hostile_markup_reaching_the_renderer_fetches_and_runs_nothing(app):
    """Second wall: even if markup got through unescaped, the fetcher refuses every outside URL."""
    fetcher = StaticOnlyURLFetcher()
    html = (
        '<html><head><link rel="stylesheet" href="css/print.css">'
        '<link rel="attachment" href="file:///etc/passwd"></head>'
        f"<body><h1>决议</h1><p>{SENTENCE}</p>{HOSTILE}"
        '<a rel="attachment" href="file:///etc/hostname">附件</a></body></html>'
    )
    with watching_files_and_sockets() as seen:
        document = render_pdf(html, url_fetcher=fetcher)

    assert fetcher.served == ["roundtable-static:/static/css/print.css"]
    assert HOSTILE_URLS <= set(fetcher.refused)
    assert any(url.startswith("data:image/png") for url in fetcher.refused)
    assert "file:///etc/hostname" in fetcher.refused
    assert embedded_files(document) == {}, "<link rel=attachment> pointing outside embeds nothing"

    connections = [target for event, target in seen if event in ("socket.connect", "urllib.Request")]
    assert connections == []
    opened = [target for event, target in seen if event == "open" and target.startswith("/")]
    assert "/etc/passwd" not in opened and "/etc/hostname" not in opened
    ours = [p for p in opened if p.startswith(str(STATIC_ROOT.parent)) and not p.startswith(sys.prefix)]
    assert [p for p in ours if not p.startswith(str(STATIC_ROOT))] == [], "WeasyPrint's own files aside"
    assert "执行了脚本" not in pdf_text(document), "WeasyPrint runs no script"


def test_our_own_static_stylesheet_and_image_are_served(app, tmp_path):
    from PIL import Image

    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    (static / "img").mkdir()
    shutil.copy(STATIC_ROOT / "css" / "print.css", static / "css" / "print.css")
    (static / "css" / "seal.css").write_text('.seal { background: url("../img/seal.png"); }')
    Image.new("RGB", (40, 40), "red").save(static / "img" / "seal.png")
    fetcher = StaticOnlyURLFetcher(static_root=static)

    document = render_pdf(
        '<link rel="stylesheet" href="css/print.css"><link rel="stylesheet" href="/static/css/seal.css">'
        f'<p>{SENTENCE}</p><img src="img/seal.png" alt="公章"><div class="seal">印</div>',
        url_fetcher=fetcher,
    )

    assert fetcher.refused == []
    assert set(fetcher.served) == {
        "roundtable-static:/static/css/print.css",
        "roundtable-static:/static/css/seal.css",
        "roundtable-static:/static/img/seal.png",
    }
    from io import BytesIO

    from pypdf import PdfReader

    assert len(PdfReader(BytesIO(document)).pages[0].images) >= 1


@pytest.mark.parametrize("url", [
    "roundtable-static:/static/../roundtable/config.py",
    "roundtable-static:/static/%2e%2e/%2e%2e/etc/passwd",
    "roundtable-static:/etc/passwd",
    "roundtable-static://evil.example/static/css/print.css",
    "roundtable-static:/static/css/missing.css",
    "file:///etc/passwd",
    "FILE:///etc/passwd",
    "https://example.org/static/css/print.css",
    "ftp://example.org/x.png",
    "data:text/css,body{}",
    "/static/css/print.css",
])
def test_the_fetcher_refuses_anything_but_an_existing_file_of_our_static_folder(url):
    with pytest.raises(URLRefused):
        static_only_url_fetcher(url)


def test_a_symlink_in_static_cannot_lead_outside_it(tmp_path):
    static = tmp_path / "static"
    static.mkdir()
    (static / "innocent.css").symlink_to("/etc/passwd")
    with pytest.raises(URLRefused):
        static_only_url_fetcher("roundtable-static:/static/innocent.css", static_root=static)
    (static / "real.css").write_text("p { color: black }")
    served = static_only_url_fetcher("roundtable-static:/static/real.css", static_root=static)
    assert served.read() == b"p { color: black }" and served.content_type == "text/css"
