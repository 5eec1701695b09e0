"""The English catalog covers every Chinese string of the interface.

Extraction uses babel.cfg exactly as `make messages` does (including the label
tables and exception messages collected by translations/extract.py), so a string
added to the sources without an English translation fails here with its location.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"

# printf-style (%(name)s, %s, %d) and str.format / JavaScript-style ({n}, {name}) placeholders.
PLACEHOLDER = re.compile(r"%\([A-Za-z_]\w*\)[sdifr]|%[sdifr]|\{[A-Za-z_]\w*\}")


def _extracted() -> dict[str, list[str]]:
    """msgid → ["file:line", ...] for every message in roundtable/**.py and templates/**.html."""
    if str(ROOT) not in sys.path:  # babel.cfg names translations.extract as an extractor
        sys.path.insert(0, str(ROOT))
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map
    ):  # default keywords (_, gettext, ngettext, ...) plus those of babel.cfg
        for msgid in message if isinstance(message, tuple) else (message,):
            found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


@pytest.fixture(scope="module")
def catalog():
    with open(CATALOG, "rb") as fh:
        return read_po(fh)


@pytest.fixture(scope="module")
def extracted():
    return _extracted()


def test_extraction_finds_the_interface(extracted):
    # Guards against a babel.cfg that silently matches nothing.
    assert "登录" in extracted  # a template string
    assert any(where.startswith("roundtable/") for places in extracted.values() for where in places)


def test_every_string_has_an_english_translation(catalog, extracted):
    missing = []
    for msgid, places in sorted(extracted.items(), key=lambda item: item[1][0]):
        entry = catalog.get(msgid)
        if entry is None:
            # a plural's second form is stored under the singular
            entry = next((m for m in catalog if isinstance(m.id, tuple) and msgid in m.id), None)
        strings = [] if entry is None else (entry.string if isinstance(entry.string, tuple) else (entry.string,))
        if entry is None or entry.fuzzy or not strings or not all(s and s.strip() for s in strings):
            missing.append(f"{places[0]}: {msgid!r}")
    assert not missing, (
        f"{len(missing)} strings have no English translation (run `make messages`, then translate "
        "translations/en/LC_MESSAGES/messages.po):\n" + "\n".join(missing)
    )


def test_no_fuzzy_entries(catalog):
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not fuzzy, f"fuzzy entries (check the translation, then remove the flag): {fuzzy}"


def test_placeholders_survive_translation(catalog):
    wrong = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for index, string in enumerate(strings):
            source = ids[min(index, len(ids) - 1)]
            expected = sorted(PLACEHOLDER.findall(source))
            got = sorted(PLACEHOLDER.findall(string))
            # a singular English form may leave out the count ("one case")
            if got != expected and not (len(ids) > 1 and index == 0 and set(got) <= set(expected)):
                wrong.append(f"{ids[0]!r}: {expected} → {string!r}: {got}")
    assert not wrong, "placeholders differ between msgid and msgstr:\n" + "\n".join(wrong)


def test_login_page_in_both_languages(client):
    english = client.get("/login?lang=en")
    assert english.status_code == 200
    page = english.get_data(as_text=True)
    assert "Log in" in page, "English login page is not translated; is translations/en/LC_MESSAGES/messages.mo compiled (make)?"
    assert "登录</h1>" not in page

    chinese = client.get("/login?lang=zh_CN")
    assert chinese.status_code == 200
    page = chinese.get_data(as_text=True)
    assert "登录" in page
    assert "Log in" not in page


def test_no_refusal_names_a_parameter_code():
    """``code`` is the refusal's own name (``OperationError(message, code=...)``): a
    message parameter spelled ``%(code)s`` would be taken as that name and shown unfilled."""
    import ast

    offenders = []
    for path in (ROOT / "roundtable").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", "")
            text = node.args[0].value
            if name.endswith(("Error", "Rejected", "Allowed", "NotFound", "Conflict")) and isinstance(text, str) and "%(code)" in text:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []
