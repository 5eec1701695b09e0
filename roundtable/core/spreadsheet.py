"""Spreadsheet cells from text people typed: never a formula (CSV and XLSX injection).

A topic titled ``=HYPERLINK("http://…","点我")`` would otherwise be a live
formula in Excel or WPS when an auditor opens the export. ``neutralise`` is the
ONE rule every CSV and XLSX export applies to every cell: text starting with
``= + - @``, a tab or a carriage return (also after leading spaces, and the
full-width ``＝ ＋ － ＠`` that spreadsheet programs accept too) gets a leading
apostrophe, so it is shown as the text it is. Numbers the system computes are
written as numbers by the exports and never pass through here.
"""
from __future__ import annotations

from typing import overload

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


@overload
def neutralise(value: str) -> str: ...
@overload
def neutralise(value: object) -> object: ...
def neutralise(value: object) -> object:
    """The cell as a spreadsheet must store it: formula-like text prefixed with ``'``; other values unchanged."""
    if not isinstance(value, str) or not value:
        return value
    if value.lstrip(" ").startswith(TRIGGERS) or value.startswith(TRIGGERS):
        return "'" + value
    return value


