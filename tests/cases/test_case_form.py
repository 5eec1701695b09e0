"""A secretary files and edits cases through the form; bad input gets a clear message, nothing written."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from roundtable.cases.models import Case
from roundtable.cases.operations import change_status
from roundtable.core.time import format_local, utcnow
from roundtable.extensions import db
from tests.cases.helpers import case_count, html


def filled(**changes) -> dict:
    data = {
        "external_number": "12345-2025010001",
        "source": "hotline",
        "category": "noise",
        "urgency": "ordinary",
        "description": "楼下商铺夜间噪声扰民",
        "address": "西河沿街8号楼",
        "complainant_name": "王建国",
        "complainant_phone": "139 8765 4321",
        "received_at": "2025-01-05T09:30",
    }
    data.update(changes)
    return data


def test_a_secretary_files_a_case_with_a_deadline_from_its_urgency(client, as_secretary):
    response = client.post("/cases/new", data=filled())
    assert response.status_code == 302
    case = db.session.scalar(db.select(Case).filter_by(external_number="12345-2025010001"))
    assert response.headers["Location"].endswith(f"/cases/{case.id}")
    # The form's time is Beijing time: 09:30 in Beijing is 01:30 UTC.
    assert case.received_at == datetime(2025, 1, 5, 1, 30, tzinfo=UTC)
    assert case.due_at == case.received_at + timedelta(days=7)
    assert case.community_id == as_secretary.a.community.id
    assert case.complainant_phone == "13987654321"
    assert [(e.kind, e.actor_id) for e in case.events] == [("created", as_secretary.a.secretary.id)]


def test_the_deadline_hours_come_from_configuration(app, client, as_secretary):
    app.config["CASE_DEADLINE_HOURS"] = {**app.config["CASE_DEADLINE_HOURS"], "emergency": 1}
    client.post("/cases/new", data=filled(urgency="emergency"))
    case = db.session.scalar(db.select(Case).filter_by(external_number="12345-2025010001"))
    assert case.due_at - case.received_at == timedelta(hours=1)


def test_missing_fields_are_named_and_nothing_is_written(client, as_secretary):
    before = case_count()
    response = client.post("/cases/new", data={"source": "hotline", "urgency": "ordinary"})
    page = html(response)
    assert response.status_code == 400
    assert page.count("不能为空") >= 3  # number, description, address
    assert "请选择类别" in page
    assert case_count() == before


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"complainant_phone": "12ab"}, "电话号码格式不正确"),
        ({"received_at": "明天上午"}, "无法识别的时间"),
        ({"category": "unicorns"}, "未知类别"),
        ({"description": "长" * 4001}, "不能超过4000个字符"),
    ],
)
def test_bad_values_are_refused_with_a_message(client, as_secretary, changes, message):
    before = case_count()
    response = client.post("/cases/new", data=filled(**changes))
    assert response.status_code == 400
    assert message in html(response)
    assert case_count() == before


def test_a_received_time_in_the_future_is_refused(client, as_secretary):
    tomorrow = format_local(utcnow() + timedelta(days=1), "%Y-%m-%dT%H:%M")
    response = client.post("/cases/new", data=filled(received_at=tomorrow))
    assert response.status_code == 400
    assert "受理时间不能晚于现在" in html(response)
    assert db.session.scalar(db.select(Case).filter_by(external_number="12345-2025010001")) is None


def test_a_number_already_filed_for_the_same_source_is_refused(client, as_secretary):
    taken = as_secretary.a.case.external_number
    before = case_count()
    response = client.post("/cases/new", data=filled(external_number=taken))
    assert response.status_code == 400
    assert f"编号「{taken}」已存在" in html(response)
    assert case_count() == before


def test_the_same_number_may_exist_in_another_community(client, as_secretary):
    response = client.post("/cases/new", data=filled(external_number=as_secretary.b.case.external_number))
    assert response.status_code == 302


def test_the_form_keeps_what_was_typed_after_an_error(client, as_secretary):
    page = html(client.post("/cases/new", data=filled(complainant_phone="12ab")))
    assert "楼下商铺夜间噪声扰民" in page and "西河沿街8号楼" in page


def test_editing_changes_the_case_and_logs_which_fields(client, as_secretary):
    case = as_secretary.a.case
    form = client.get(f"/cases/{case.id}/edit")
    assert form.status_code == 200
    data = filled(external_number=case.external_number, complainant_phone="", version=str(case.version),
                  urgency="emergency", received_at=format_local(case.received_at, "%Y-%m-%dT%H:%M"))
    response = client.post(f"/cases/{case.id}/edit", data=data)
    assert response.status_code == 302
    assert case.description == "楼下商铺夜间噪声扰民" and case.urgency == "emergency"
    assert case.complainant_phone == "13812345678"  # an empty phone box keeps the number
    assert case.due_at == case.received_at + timedelta(hours=2)
    event = case.events[-1]
    assert event.kind == "edited" and "complainant_phone" not in event.data["fields"]
    assert {"category", "urgency", "description", "address"} <= set(event.data["fields"])


def test_a_stale_edit_is_refused_with_a_clear_message(client, as_secretary):
    case = as_secretary.a.case
    seen_version = case.version
    # Meanwhile a colleague dispatches the case.
    change_status(case, "dispatched", as_secretary.a.secretary, "派单")
    db.session.commit()
    data = filled(external_number=case.external_number, version=str(seen_version))
    response = client.post(f"/cases/{case.id}/edit", data=data)
    assert response.status_code == 409
    assert "该工单已被他人修改" in html(response)
    db.session.refresh(case)
    assert case.description != "楼下商铺夜间噪声扰民"
    assert case.events[-1].kind == "status"
    # The form now shows the current version, so saving again is a deliberate choice.
    assert f'name="version" type="hidden" value="{case.version}"' in html(response)


def test_a_closed_case_cannot_be_edited(client, as_secretary):
    case = as_secretary.a.case
    change_status(case, "out_of_scope", as_secretary.a.secretary, "不属于本社区")
    db.session.commit()
    response = client.post(f"/cases/{case.id}/edit", data=filled(version=str(case.version)))
    assert response.status_code == 400
    assert "已办结的工单不能修改" in html(response)
    assert case.description != "楼下商铺夜间噪声扰民"


def test_an_edit_to_a_number_already_taken_is_refused(client, as_secretary):
    w = as_secretary
    other = Case(**{k: getattr(w.a.case, k) for k in ("community_id", "source", "category", "urgency", "description",
                                                       "address", "received_at", "due_at")}, external_number="TAKEN-1")
    db.session.add(other)
    db.session.commit()
    response = client.post(f"/cases/{w.a.case.id}/edit", data=filled(external_number="TAKEN-1", version=str(w.a.case.version)))
    assert response.status_code == 400
    assert "编号「TAKEN-1」已存在" in html(response)
    db.session.refresh(w.a.case)
    assert w.a.case.external_number != "TAKEN-1"


def test_editing_an_imported_case_keeps_its_source_and_coordinates(client, as_secretary):
    from tests.factories import make_case

    case = make_case(as_secretary.a.community, source="open311", latitude=39.89, longitude=116.39)
    db.session.commit()
    page = html(client.get(f"/cases/{case.id}/edit"))
    assert '<option selected value="open311">' in page or 'value="open311" selected' in page
    data = filled(external_number=case.external_number, source="open311", complainant_phone="",
                  version=str(case.version))
    assert client.post(f"/cases/{case.id}/edit", data=data).status_code == 302
    assert (case.source, case.latitude, case.longitude) == ("open311", 39.89, 116.39)
