"""A secretary moves cases along the 接诉即办 status machine; anything else is refused untouched."""
from __future__ import annotations

import pytest

from roundtable.cases.models import STATUSES, TRANSITIONS
from roundtable.cases.operations import change_status, transition_case
from roundtable.core.errors import OperationError
from roundtable.extensions import db
from tests.cases.helpers import html
from tests.factories import make_case

FORBIDDEN = [(old, new) for old in STATUSES for new in STATUSES if new not in TRANSITIONS[old]]
ALLOWED = [(old, new) for old in STATUSES for new in TRANSITIONS[old]]


def put_in(case, status):
    case.status = status
    db.session.flush()


def snapshot(case):
    return (case.status, len(case.events), case.parent_id, case.closed_at, case.first_contacted_at)


def test_every_forbidden_transition_is_refused_and_changes_nothing(world):
    case, parent = world.a.case, make_case(world.a.community)
    assert len(FORBIDDEN) > 100  # the machine is strict: most pairs are not allowed
    for old, new in FORBIDDEN:
        put_in(case, old)
        before = snapshot(case)
        with pytest.raises(OperationError) as refused:
            # A reason and a parent are given, so only the machine itself can refuse.
            change_status(case, new, world.a.secretary, "原因", parent=parent)
        assert refused.value.code == "forbidden_transition", (old, new)
        assert snapshot(case) == before, (old, new)


def test_every_allowed_transition_is_recorded_in_the_timeline(world):
    case, parent = world.a.case, make_case(world.a.community)
    for old, new in ALLOWED:
        put_in(case, old)
        case.parent_id = None
        transition_case(case, new, world.a.secretary, f"{old}到{new}", parent_number=parent.external_number)
        event = case.events[-1]
        assert (case.status, event.kind, event.from_status, event.to_status) == (new, "status", old, new)
        assert event.actor_id == world.a.secretary.id and event.note == f"{old}到{new}"
        assert event.at is not None


def test_the_first_contact_is_remembered_and_stops_the_overdue_clock(world):
    case = world.a.case
    transition_case(case, "dispatched", world.a.secretary)
    transition_case(case, "contacted", world.a.secretary, "已电话联系")
    assert case.first_contacted_at is not None
    assert not case.is_overdue()


def test_a_duplicate_points_at_its_parent_in_the_same_community(client, as_secretary):
    w = as_secretary
    parent = make_case(w.a.community, external_number="12345-PARENT")
    db.session.commit()
    response = client.post(
        f"/cases/{w.a.case.id}/status", data={"status": "duplicate", "parent_number": "12345-PARENT"}
    )
    assert response.status_code == 302
    page = html(client.get(f"/cases/{w.a.case.id}"))
    assert f'href="/cases/{parent.id}"' in page and "12345-PARENT" in page
    assert w.a.case.status == "duplicate" and w.a.case.parent_id == parent.id


def test_a_duplicate_of_another_communitys_case_is_refused(client, as_secretary):
    w = as_secretary
    response = client.post(
        f"/cases/{w.a.case.id}/status", data={"status": "duplicate", "parent_number": w.b.case.external_number}
    )
    assert response.status_code == 400
    assert "本社区没有编号为" in html(response)
    assert w.a.case.status == "received" and w.a.case.parent_id is None


def test_a_duplicate_needs_a_parent_number(client, as_secretary):
    response = client.post(f"/cases/{as_secretary.a.case.id}/status", data={"status": "duplicate"})
    assert response.status_code == 400
    assert "必须填写原工单编号" in html(response)
    assert as_secretary.a.case.status == "received"


@pytest.mark.parametrize("status", ["return_requested", "out_of_scope"])
def test_returning_a_case_needs_a_reason(client, as_secretary, status):
    case = as_secretary.a.case
    response = client.post(f"/cases/{case.id}/status", data={"status": status, "note": "  "})
    assert response.status_code == 400
    assert "需要填写原因" in html(response)
    assert case.status == "received" and len(case.events) == 1

    response = client.post(f"/cases/{case.id}/status", data={"status": status, "note": "不属于本社区管辖"})
    assert response.status_code == 302
    assert case.status == status and case.events[-1].note == "不属于本社区管辖"


def test_a_forbidden_transition_posted_anyway_is_refused_with_a_message(client, as_secretary):
    case = as_secretary.a.case
    response = client.post(f"/cases/{case.id}/status", data={"status": "closed_resolved"})
    assert response.status_code == 400
    assert "工单不能从「已接收」变为「已办结(解决)」" in html(response)
    assert case.status == "received" and len(case.events) == 1


def test_an_unknown_status_is_refused(client, as_secretary):
    response = client.post(f"/cases/{as_secretary.a.case.id}/status", data={"status": "deleted"})
    assert response.status_code == 400
    assert "未知状态" in html(response)


def test_the_page_offers_only_the_allowed_transitions(client, as_secretary):
    case = as_secretary.a.case
    page = html(client.get(f"/cases/{case.id}"))
    offered = {s for s in STATUSES if f'<option value="{s}"' in page}
    assert offered == set(TRANSITIONS["received"])


def test_the_timeline_shows_who_changed_what_and_when(client, as_secretary):
    case = as_secretary.a.case
    client.post(f"/cases/{case.id}/status", data={"status": "dispatched", "note": "派给区交通支队"})
    page = html(client.get(f"/cases/{case.id}"))
    timeline = page[page.index('class="timeline'):]
    assert "已接收 → 已派单" in timeline
    assert "派给区交通支队" in timeline
    assert "a_secretary" in timeline
