"""Archive search finds Chinese words inside longer text, only within reach; exports equal the page."""
from __future__ import annotations

import csv
import io
import re

from openpyxl import load_workbook
from sqlalchemy import select

from roundtable.audit.models import AuditEntry
from roundtable.core.time import utcnow
from roundtable.extensions import db
from roundtable.resolutions import operations as resolutions
from tests.factories import make_case, make_concluded_meeting


def _publish_without_rendering(world):
    """A published resolution, status set directly: rendering the PDF is the resolutions tests' business."""
    concluded = make_concluded_meeting(world)
    resolution = resolutions.start_resolution(concluded.meeting, world.a.secretary)
    resolutions.update_resolution(resolution, "西河沿街超时停车圆桌会议决议", "一、加强巡查提醒。")
    resolution.status, resolution.published_at, resolution.sha256 = "published", utcnow(), "ab" * 32
    db.session.commit()
    return resolution, concluded


def test_a_search_for_parking_finds_overtime_parking_cases_and_their_resolution(client, auth, world):
    resolution, concluded = _publish_without_rendering(world)
    auth.login("a_auditor")
    page = client.get("/archive/?q=停车").get_data(as_text=True)
    assert "西河沿街超时停车圆桌会议决议" in page
    for case in concluded.cases:
        assert case.external_number in page
    assert f"/archive/resolutions/{resolution.id}" in page  # case → resolution link
    assert "13812345678" not in page and "李秀兰" not in page


def test_the_auditor_reads_the_whole_street_the_secretary_only_her_community(client, auth, world, elsewhere):
    _community, _auditor, other_street_case = elsewhere
    auth.login("a_auditor")
    page = client.get("/archive/?q=停车&kind=cases").get_data(as_text=True)
    assert world.a.case.external_number in page and world.b.case.external_number in page
    assert other_street_case.external_number not in page
    auth.logout()
    auth.login("a_secretary")
    page = client.get("/archive/?q=停车&kind=cases").get_data(as_text=True)
    assert world.a.case.external_number in page
    assert world.b.case.external_number not in page


def test_a_word_that_is_not_there_finds_nothing_and_percent_signs_are_literal(client, auth, world):
    make_case(world.a.community, world.a.secretary, description="噪声扰民")
    db.session.commit()
    auth.login("a_auditor")
    assert "没有找到工单" in client.get("/archive/?q=供暖&kind=cases").get_data(as_text=True)
    assert "没有找到工单" in client.get("/archive/?q=%25&kind=cases").get_data(as_text=True)


def test_bad_filters_get_a_chinese_message_not_a_500(client, auth, world):
    auth.login("a_auditor")
    response = client.get("/archive/?q=停车&date_from=2026-02-30&community=abc")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "不是有效日期" in text and "筛选条件有误" in text


def test_an_auditor_opening_a_case_is_itself_recorded(client, auth, world):
    auth.login("a_auditor")
    assert client.get(f"/archive/cases/{world.b.case.id}").status_code == 200
    db.session.expire_all()
    last = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert (last.action, last.subject_id, last.actor) == ("case.read", world.b.case.id, "a_auditor")


def test_an_auditor_of_another_street_cannot_open_our_case(client, auth, world, elsewhere):
    auth.login("c_auditor")
    assert client.get(f"/archive/cases/{world.a.case.id}").status_code == 404


def _page_table(html: str, key: str) -> list[list[str]]:
    block = re.search(rf'<table data-table="{key}">(.*?)</table>', html, re.S).group(1)
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", block, re.S):
        rows.append([re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)])
    return rows


def _as_excel_shows(cell) -> str:
    """A cell's text under its number format, as Excel displays it ("—" for an empty figure)."""
    if cell.value is None:
        return "—"
    if cell.number_format == "0.0%":
        return f"{cell.value * 100:.1f}%"
    if cell.number_format == "0.0":
        return f"{cell.value:.1f}"
    if cell.number_format == "yyyy-mm-dd hh:mm":
        return cell.value.strftime("%Y-%m-%d %H:%M")
    return str(cell.value)


def test_every_dashboard_table_exports_to_csv_and_xlsx_exactly_as_the_page_shows_it(client, auth, world, october):
    auth.login("a_auditor")
    html = client.get("/archive/dashboard?month=2026-10").get_data(as_text=True)
    for key in ("communities", "departments", "months", "themes", "report_in", "overdue"):
        shown = [row for row in _page_table(html, key) if row != ["暂无数据。"]]
        raw = client.get(f"/archive/dashboard/{key}.csv?month=2026-10").data.decode("utf-8-sig")
        assert list(csv.reader(io.StringIO(raw))) == shown, key
        sheet = load_workbook(io.BytesIO(client.get(f"/archive/dashboard/{key}.xlsx?month=2026-10").data)).active
        cells = [[_as_excel_shows(cell) for cell in row] for row in sheet.iter_rows()]
        assert cells == shown, key
    assert _page_table(html, "communities")[1][4] == "50.0%"
