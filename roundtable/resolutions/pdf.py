"""Archival PDFs (PDF/A-3b) of documents such as resolutions, rendered by WeasyPrint.

Three things matter here and each is easy to lose silently:

* **Nothing is fetched from outside.** Resolutions quote what residents typed.
  Jinja escapes that text, and as a second wall WeasyPrint only ever sees
  :class:`StaticOnlyURLFetcher`, which answers for our own ``static/`` folder
  and refuses ``file:``, ``http(s):``, ``data:`` and every other scheme. A
  refusal is an ordinary exception, so WeasyPrint logs it and renders on
  without the resource.
* **Font subsetting goes through HarfBuzz.** Without ``libharfbuzz-subset``
  WeasyPrint falls back to fontTools, which takes about fifteen seconds for a
  two-page Chinese document (Noto CJK has ~65 000 glyphs) instead of a third of
  a second. WeasyPrint only whispers about it, so we warn loudly, once.
* **The machine-readable record travels inside the PDF** as a PDF/A-3
  associated file, so the archive copy is self-contained.

Rendering is CPU-bound and holds the GIL: call it from a job worker
(``roundtable.jobs``), never from the process serving live meetings.
"""
from __future__ import annotations

import contextlib
import io
import logging
import mimetypes
import urllib.parse
from collections.abc import Iterable
from pathlib import Path

from weasyprint import HTML, Attachment
from weasyprint.urls import URLFetcher, URLFetcherResponse

from roundtable.config import PROJECT_ROOT

log = logging.getLogger("roundtable.pdf")

STATIC_ROOT = PROJECT_ROOT / "static"
STATIC_SCHEME = "roundtable-static"
STATIC_URL_PATH = "/static/"
#: Documents are rendered against this base, so ``href="css/print.css"`` and the
#: pages' own ``/static/css/print.css`` both name a file of ``static/``.
STATIC_BASE_URL = f"{STATIC_SCHEME}:{STATIC_URL_PATH}"
PDF_VARIANT = "pdf/a-3b"

# urljoin only resolves relative references for schemes it knows to be
# hierarchical; without this, "../img/seal.png" inside print.css would stay relative.
if STATIC_SCHEME not in urllib.parse.uses_relative:
    urllib.parse.uses_relative.append(STATIC_SCHEME)

Attachments = Iterable[tuple[str, bytes, str]]


class URLRefused(ValueError):
    """A resource a document asked for that we will not read (WeasyPrint logs it and skips it)."""


def static_only_url_fetcher(url: str, *, static_root: Path = STATIC_ROOT) -> URLFetcherResponse:
    """Serve ``roundtable-static:/static/<file>`` from ``static_root``; refuse everything else.

    The resolved path must stay inside ``static_root`` (no ``..``, no symlink
    out), so a crafted URL cannot reach the rest of the disk.
    """
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError as exc:
        raise URLRefused(f"malformed URL refused: {url[:80]}") from exc
    if parts.scheme.lower() != STATIC_SCHEME or parts.netloc:
        raise URLRefused(f"only our static files are served, refused: {url[:80]}")
    path = urllib.parse.unquote(parts.path)
    if not path.startswith(STATIC_URL_PATH):
        raise URLRefused(f"outside {STATIC_URL_PATH}, refused: {url[:80]}")
    root = static_root.resolve()
    target = (root / path[len(STATIC_URL_PATH):]).resolve()
    if not target.is_relative_to(root) or not target.is_file():
        raise URLRefused(f"no such static file, refused: {url[:80]}")
    mime_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    if mime_type.startswith("text/"):
        mime_type += "; charset=utf-8"
    return URLFetcherResponse(url, target.read_bytes(), {"Content-Type": mime_type})


class StaticOnlyURLFetcher(URLFetcher):
    """The fetcher WeasyPrint gets; it also keeps what was asked, served and refused.

    WeasyPrint 70 expects a :class:`URLFetcher` (it reads ``_fail_on_errors``
    when a fetch fails), so this subclasses it, but never uses its urllib
    handlers: every request goes through :func:`static_only_url_fetcher`.
    """

    def __init__(self, static_root: Path = STATIC_ROOT):
        super().__init__(allowed_protocols=(STATIC_SCHEME,), fail_on_errors=False)
        self.static_root = static_root
        self.requested: list[str] = []
        self.served: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        self.requested.append(url)
        try:
            response = static_only_url_fetcher(url, static_root=self.static_root)
        except URLRefused:
            self.refused.append(url)
            log.info("PDF resource refused: %s", url[:200])
            raise
        self.served.append(url)
        return response


def harfbuzz_subsetting_available() -> bool:
    """The exact test WeasyPrint's ``Font.subset`` makes before taking the HarfBuzz path."""
    from weasyprint.pdf import fonts

    return bool(fonts.harfbuzz_subset) and bool(fonts.harfbuzz.hb_version_atleast(4, 1, 0))


_slow_subsetting_reported = False


def _warn_once_if_subsetting_is_slow() -> None:
    global _slow_subsetting_reported
    if _slow_subsetting_reported or harfbuzz_subsetting_available():
        return
    _slow_subsetting_reported = True
    log.warning(
        "HarfBuzz font subsetting (libharfbuzz-subset0, >= 4.1) is NOT available: WeasyPrint "
        "falls back to fontTools and a 2-page Chinese PDF takes ~15 s instead of ~0.3 s. "
        "Install it: apt-get install libharfbuzz-subset0 (scripts/ensure_system_packages.sh)."
    )


def render_pdf(
    html: str,
    *,
    attachments: Attachments = (),
    base_url: str = STATIC_BASE_URL,
    url_fetcher: StaticOnlyURLFetcher | None = None,
    pdf_identifier: bytes | None = None,
) -> bytes:
    """Render trusted, already-escaped HTML to PDF/A-3b bytes.

    ``attachments`` are ``(file name, content, description)``; they are
    embedded as associated files with relationship ``Data`` (the record the
    visible document was derived from). Pass ``url_fetcher`` to inspect what the
    document asked for.
    """
    _warn_once_if_subsetting_is_slow()
    fetcher = url_fetcher or StaticOnlyURLFetcher()
    embedded = [
        Attachment(
            string=content,
            name=name,
            description=description,
            relationship="Data",
            url_fetcher=fetcher,
        )
        for name, content, description in attachments
    ]
    document = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
    return document.write_pdf(
        pdf_variant=PDF_VARIANT,
        attachments=embedded,
        pdf_identifier=pdf_identifier,
    )


@contextlib.contextmanager
def document_context():
    """A request context for rendering templates in a worker, where there is no request.

    Template helpers (the locale selector, ``current_user``) expect one. An
    archival document (resolution, certificate) is in the community's language,
    the default locale, whoever triggered it and whatever their browser asks for.
    """
    from flask import current_app, has_request_context

    from roundtable.i18n import community_language

    with community_language():
        if has_request_context():
            yield
            return
        with current_app.test_request_context("/"):
            yield


def pdf_text(pdf: bytes) -> str:
    """All text of the PDF as pypdf extracts it, page after page."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def embedded_files(pdf: bytes) -> dict[str, bytes]:
    """The files embedded in the PDF, by name (the first one when a name repeats)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    return {name: contents[0] for name, contents in reader.attachments.items() if contents}


def pdfa_identification(pdf: bytes) -> tuple[str | None, str | None]:
    """``(part, conformance)`` from the XMP ``pdfaid`` schema, e.g. ``("3", "B")``."""
    from pypdf import PdfReader

    xmp = PdfReader(io.BytesIO(pdf)).xmp_metadata
    if xmp is None:
        return None, None
    return xmp.pdfaid_part, xmp.pdfaid_conformance
