"""CSV and XLSX of a dashboard table, cell for cell what the page shows.

The CSV carries the page's text (UTF-8 with a byte-order mark, so that Excel
on a Chinese Windows opens it without mojibake). The XLSX carries numbers that
Excel can add up and chart: counts as integers, rates as fractions under a
percent format, scores and minutes as decimals, deadlines as dates; each is
the figure already rounded half up, so a cell shows what the page shows.

Any text cell that a spreadsheet would read as a formula (starting with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is neutralised by
``neutralise_cell`` (``core.spreadsheet.neutralise``, the one place for it, used by every export).
"""
from __future__ import annotations

import csv
import io
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from roundtable.archive.dashboard import Table, cell_text
from roundtable.archive.figures import MINUTES, PERCENT, Figure
from roundtable.core.spreadsheet import neutralise as neutralise_cell
from roundtable.core.time import local

NUMBER_FORMATS = {PERCENT: "0.0%", MINUTES: "0.0"}
SCORE_FORMAT = "0.0"
DATE_FORMAT = "yyyy-mm-dd hh:mm"



def table_csv(table: Table, headers: list[str] | None = None, title: str | None = None) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise_cell(header) for header in headers or table.headers])
    for row in table.rows:
        writer.writerow([_csv_text(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_text(cell) -> str:
    text = cell_text(cell)
    # Numbers (counts, rates, scores) are ours and may be negative; only people's text is neutralised.
    return text if isinstance(cell, (int, Figure)) else neutralise_cell(text)


def table_xlsx(table: Table, headers: list[str] | None = None, title: str | None = None) -> bytes:
    headers = headers or table.headers
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _sheet_title(title or table.title)
    sheet.append([neutralise_cell(header) for header in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row_number, row in enumerate(table.rows, start=2):
        for column, value in enumerate(row, start=1):
            _write(sheet.cell(row=row_number, column=column), value)
    for index, header in enumerate(headers, start=1):
        longest = max([_width(header)] + [_width(cell_text(row[index - 1])) for row in table.rows])
        sheet.column_dimensions[get_column_letter(index)].width = min(max(longest + 2, 8), 60)
    sheet.freeze_panes = "B2"  # the header row and the label column stay in view
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write(cell, value) -> None:
    if isinstance(value, Figure):
        cell.value = value.spreadsheet_value
        cell.number_format = NUMBER_FORMATS.get(value.kind, SCORE_FORMAT)
    elif isinstance(value, bool) or value is None:
        cell.value = None if value is None else str(value)
    elif isinstance(value, int):
        cell.value = value
        cell.number_format = "0"
    elif isinstance(value, datetime):
        cell.value = local(value).replace(tzinfo=None)  # Excel has no time zones: Beijing time
        cell.number_format = DATE_FORMAT
    else:
        cell.value = neutralise_cell(str(value))
        cell.data_type = "s"  # never a formula, whatever the text


def _width(text: str) -> int:
    """Display width: a Chinese character is about two Latin ones wide."""
    return sum(2 if ord(char) > 0x2E7F else 1 for char in text)


def _sheet_title(title: str) -> str:
    for char in "[]:*?/\\":
        title = title.replace(char, "-")
    return title[:31] or "Sheet"
