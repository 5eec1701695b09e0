"""CSV and XLSX of a dashboard table, cell for cell what the page shows."""
from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from roundtable.archive.dashboard import Table
from roundtable.core.spreadsheet import neutralise_row


def table_csv(table: Table) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel on a Chinese Windows opens it without mojibake."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(neutralise_row(table.headers))
    writer.writerows(neutralise_row(row) for row in table.rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def table_xlsx(table: Table) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = table.title[:31].replace("/", "-")
    sheet.append(neutralise_row(table.headers))
    for row in table.rows:
        sheet.append(neutralise_row(row))
    for cells in sheet.iter_rows():
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, never a formula, whatever it starts with
    for index, header in enumerate(table.headers, start=1):
        width = max([len(header)] + [len(row[index - 1]) for row in table.rows]) * 2 + 2
        sheet.column_dimensions[get_column_letter(index)].width = min(width, 60)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
