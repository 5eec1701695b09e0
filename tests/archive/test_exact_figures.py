"""Rates and scores are exact fractions rounded half up once, the same on the page, in CSV, XLSX and charts."""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta
from fractions import Fraction

from openpyxl import load_workbook

from roundtable.archive.dashboard import build_dashboard, count_rates, month_span, settings
from roundtable.archive.exports import neutralise_cell, table_csv, table_xlsx
from roundtable.archive.figures import SCORE, Figure, percent, score
from roundtable.extensions import db
from tests.archive.conftest import beijing
from tests.factories import make_case


def test_ties_round_half_up_not_to_even():
    assert percent(Fraction(1, 16)) == "6.3%"  # 6.25 %: a float rounds it to 6.2
    assert Figure(Fraction(6025, 100), SCORE).text() == "60.3"
    assert Figure(Fraction(6015, 100), SCORE).text() == "60.2"  # 60.15 is not a float tie either way
    assert percent(Fraction(1, 8)) == "12.5%" and percent(Fraction(1, 3)) == "33.3%"
    assert percent(Fraction(2, 3)) == "66.7%" and percent(None) == "—"
    assert Figure(Fraction(1, 16)).spreadsheet_value == 0.063
    assert Figure(Fraction(1, 16)).chart_value == 6.3


def test_the_score_uses_the_configured_weights_exactly():
    # 0.1 × 50 + 0.45 × 62.5 + 0.45 × 60 = 60.125 → 60.1; with 0.45 as a float it would not be exact.
    rates = {"response": Fraction(1, 2), "resolution": Fraction(5, 8), "satisfaction": Fraction(3, 5)}
    assert score(rates, {"response": 0.1, "resolution": 0.45, "satisfaction": 0.45}) == Fraction(481, 8)
    assert score({**rates, "response": None}, {"response": 0.1, "resolution": 0.45, "satisfaction": 0.45}) is None


def _sixteen_cases_one_satisfied(world):
    """16 cases followed up in October 2026: one satisfied (1/16 = 6.25%), all contacted on time."""
    made = []
    for number in range(16):
        case = make_case(world.a.community, world.a.secretary, received_at=beijing(1 + number % 20))
        case.due_at = case.received_at + timedelta(days=7)
        case.first_contacted_at = case.received_at + timedelta(hours=1)
        case.followed_up_at = beijing(25)
        case.resolved = number < 8
        case.satisfied = number == 0
        case.status = "closed_resolved"
        made.append(case)
    db.session.commit()
    return made


def test_a_tie_is_rounded_up_on_the_page_in_csv_xlsx_and_chart(app, client, auth, world):
    _sixteen_cases_one_satisfied(world)
    # response 1, resolution 1/2, satisfaction 1/16: 0.38 × 100 + 0.42 × 50 + 0.2 × 6.25 = 60.25 exactly.
    app.config["THREE_RATES"] = {"weights": {"response": 0.38, "resolution": 0.42, "satisfaction": 0.2}}
    board = build_dashboard([world.a.community.id], "2026-10")
    row = board.tables["communities"].rows[0]
    assert row[9].value == Fraction(1, 16) and row[10].value == Fraction(6025, 100)

    auth.login("a_auditor")
    html = client.get("/archive/dashboard?month=2026-10").get_data(as_text=True)
    page_row = _page_rows(html, "communities")[1]
    assert page_row[9] == "6.3%" and page_row[10] == "60.3"

    raw = client.get("/archive/dashboard/communities.csv?month=2026-10").data
    assert raw.startswith("\ufeff".encode())
    csv_row = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))[1]
    assert csv_row[9] == "6.3%" and csv_row[10] == "60.3"

    sheet = load_workbook(io.BytesIO(client.get("/archive/dashboard/communities.xlsx?month=2026-10").data)).active
    assert sheet["J2"].value == 0.063 and sheet["J2"].number_format == "0.0%" and sheet["J2"].data_type == "n"
    assert sheet["K2"].value == 60.3 and sheet["K2"].data_type == "n"

    chart = _chart(html, "communities")
    satisfaction = next(s for s in chart["series"] if s["name"] == "满意率")
    score_series = next(s for s in chart["series"] if s["name"] == "综合得分")
    assert satisfaction["data"][0] == 6.3 and score_series["data"][0] == 60.3


def test_xlsx_cells_are_numbers_with_formats_a_header_and_frozen_panes(client, auth, world, october):
    auth.login("a_auditor")
    sheet = load_workbook(io.BytesIO(client.get("/archive/dashboard/communities.xlsx?month=2026-10").data)).active
    assert sheet["A1"].value == "社区" and sheet["A1"].font.bold
    assert sheet.freeze_panes == "B2"
    counts = [sheet.cell(row=2, column=column) for column in (2, 3, 4, 6, 7, 9)]
    assert all(cell.data_type == "n" and isinstance(cell.value, int) for cell in counts)
    assert [cell.value for cell in counts] == [4, 4, 2, 4, 3, 2]
    assert sheet["E2"].value == 0.5 and sheet["E2"].number_format == "0.0%"
    assert sheet.column_dimensions["A"].width >= 10


def test_the_page_says_which_month_a_follow_up_counts_in_and_the_rule_is_configurable(app, client, auth, world, october):
    auth.login("a_auditor")
    html = client.get("/archive/dashboard?month=2026-10").get_data(as_text=True)
    assert "回访计入回访日期所在的月份" in html and "应响应:当月受理" in html

    # By the received month, case 6 (received in September, followed up in October) leaves October.
    app.config["THREE_RATES"] = {"follow_up_month_by": "received_at"}
    start, end = month_span("2026-10")
    rates = count_rates(october.cases, start, end, "西河沿社区", settings())
    assert (rates.followed_up, rates.resolved, rates.satisfied) == (3, 2, 1)
    html = client.get("/archive/dashboard?month=2026-10").get_data(as_text=True)
    assert "回访计入工单受理日期所在的月份" in html

    app.config["THREE_RATES"] = {"follow_up_month_by": "whenever"}  # a mistake: the default, said on the page
    assert settings()["follow_up_month_by"] == "followed_up_at"


def test_the_chart_data_equal_the_tables(client, auth, world, october):
    auth.login("a_auditor")
    html = client.get("/archive/dashboard?month=2026-10").get_data(as_text=True)
    for key in ("communities", "departments", "months", "themes", "report_in", "overdue"):
        rows = _page_rows(html, key)
        headers, body = rows[0], [row for row in rows[1:] if row != ["暂无数据。"]]
        chart = _chart(html, key)
        if not body:
            assert chart is None, key
            continue
        assert chart["categories"] == [row[0] for row in body], key
        for series in chart["series"]:
            column = headers.index(series["name"])
            shown = [row[column] for row in body]
            plotted = ["—" if value is None else (f"{value}%" if series["unit"] == "%" else str(value))
                       for value in series["data"]]
            assert plotted == shown, (key, series["name"])


def test_text_a_spreadsheet_would_run_is_neutralised_in_csv_and_xlsx(app, world):
    for text in ("=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise_cell(text) == "'" + text
    assert neutralise_cell("西河沿") == "西河沿"
    board = build_dashboard([world.a.community.id], "2026-10")
    table = board.tables["communities"]
    table.rows[0][0] = "=1+2"
    assert "'=1+2" in table_csv(table).decode("utf-8-sig")
    sheet = load_workbook(io.BytesIO(table_xlsx(table))).active
    assert sheet["A2"].value == "'=1+2" and sheet["A2"].data_type == "s"


def _page_rows(html: str, key: str) -> list[list[str]]:
    block = re.search(rf'<table data-table="{key}">(.*?)</table>', html, re.S).group(1)
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", block, re.S)]


def _chart(html: str, key: str):
    found = re.search(rf'<script type="application/json" id="chart-data-{key}">(.*?)</script>', html, re.S)
    return json.loads(found.group(1)) if found else None
