"""提醒 before the deadline, 催办 at it, 督办 after a further period; 退单 and reassignment; the street's list."""
from __future__ import annotations

from datetime import timedelta

import pytest

from roundtable.archive.dashboard import build_dashboard
from roundtable.cases.models import CaseEvent
from roundtable.core.errors import OperationError
from roundtable.core.time import format_local
from roundtable.escalation import operations, queries
from roundtable.escalation.models import EscalationStep
from roundtable.extensions import db
from roundtable.notifications.models import Notification
from tests.factories import make_user


@pytest.fixture
def supervisor(world):
    """The street office's 督办 officer of 大栅栏街道."""
    user = make_user("street_supervisor", display_name="街道督办")
    operations.add_supervisor(user, world.a.community.street_id)
    db.session.commit()
    return user


def titles(user) -> list[str]:
    return [n.shown_title for n in db.session.scalars(db.select(Notification).where(Notification.user_id == user.id))]


def steps(commitment) -> list[str]:
    return [s.step for s in queries.steps_of(commitment)]


def case_notes(case) -> list[str]:
    return [e.note for e in db.session.scalars(
        db.select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "escalation"))]


def test_steps_fire_at_their_times_with_notifications_timeline_and_dashboard(world, published, concluded, supervisor):
    traffic = published.commitments[0]
    deadline = traffic.deadline
    policy = queries.policy_for(traffic.community_id)
    assert operations.escalate_due(deadline - policy.remind_before - timedelta(minutes=1)) == 0
    assert steps(traffic) == []

    assert operations.escalate_due(deadline - policy.remind_before + timedelta(minutes=1)) >= 1
    db.session.commit()
    assert steps(traffic) == ["remind"]
    assert any(t.startswith("提醒") for t in titles(world.department_staff))
    assert not any("催办" in t for t in titles(world.a.secretary))
    assert all(len([n for n in case_notes(case) if n.startswith("提醒")]) == 2 for case in concluded.cases)  # 2 commitments
    # running again fires nothing new
    assert operations.escalate_due(deadline - timedelta(hours=1)) == 0

    operations.escalate_due(deadline + timedelta(minutes=1))
    db.session.commit()
    assert steps(traffic) == ["remind", "urge"]
    assert any(t.startswith("催办") for t in titles(world.department_staff))
    assert any(t.startswith("催办") for t in titles(world.a.secretary))
    assert not titles(supervisor)

    operations.escalate_due(deadline + policy.supervise_after + timedelta(minutes=1))
    db.session.commit()
    assert steps(traffic) == ["remind", "urge", "supervise"]
    assert any(t.startswith("督办") for t in titles(supervisor))
    assert any(n.startswith("督办") for n in case_notes(concluded.cases[0]))

    board = build_dashboard([world.a.community.id], format_local(deadline, "%Y-%m"),
                            now=deadline + policy.supervise_after + timedelta(hours=1))
    stages = [row[4] for row in board.tables["escalations"].rows]
    assert stages == ["督办", "督办"]
    street = queries.street_overdue({world.a.community.street_id}, deadline + timedelta(days=5))
    assert [row.level for row in street] == ["supervise", "supervise"]


def test_a_step_fires_once_even_when_two_passes_race(world, published):
    traffic = published.commitments[0]
    later = traffic.deadline + timedelta(minutes=1)
    db.session.add(EscalationStep(commitment_id=traffic.id, community_id=traffic.community_id, round=1,
                                  step="urge", at=later, deadline=traffic.deadline))
    db.session.commit()  # another process recorded the 催办 first
    assert operations._fire(traffic, 1, "urge", later) is False  # the UNIQUE row wins; nobody is told twice
    operations.escalate_due(later)
    db.session.commit()
    assert steps(traffic).count("urge") == 1


def test_done_commitments_are_not_escalated(world, published):
    from roundtable.resolutions import operations as resolutions

    traffic = published.commitments[0]
    resolutions.report_progress(traffic, world.department_staff, "已完成", True, [])
    operations.escalate_due(traffic.deadline + timedelta(days=30))
    assert steps(traffic) == []


def test_return_and_reassignment_start_a_new_round(world, published, concluded):
    from roundtable.communities.operations import add_department_member, create_department

    traffic = published.commitments[0]
    operations.escalate_due(traffic.deadline + timedelta(minutes=1))
    with pytest.raises(OperationError):
        operations.return_commitment(traffic, world.department_staff, "  ")
    with pytest.raises(OperationError):
        operations.return_commitment(traffic, world.a.secretary, "不归我们管")
    returned = operations.return_commitment(traffic, world.department_staff, "停车收费不归交通支队管")
    db.session.commit()
    assert any("退单" in t for t in titles(world.a.secretary))
    assert any("退单" in n for n in case_notes(concluded.cases[0]))
    with pytest.raises(OperationError):
        operations.return_commitment(traffic, world.department_staff, "再退一次")
    # nothing runs while the secretary decides
    assert operations.escalate_due(traffic.deadline + timedelta(days=30)) == 1  # only the property manager's
    assert steps(traffic) == ["remind", "urge"] or steps(traffic) == ["urge"]

    city = create_department("区城管执法局")
    city_staff = make_user("city_staff")
    add_department_member(city_staff, city)
    with pytest.raises(OperationError):
        operations.decide_return(returned, world.a.secretary, "reassigned", f"department:{world.department.id}")
    new_deadline = traffic.deadline + timedelta(days=20)
    operations.decide_return(returned, world.a.secretary, "reassigned", f"department:{city.id}", new_deadline, "改派城管")
    db.session.commit()
    assert traffic.department_id == city.id and traffic.deadline == new_deadline
    assert any("改派" in t for t in titles(city_staff))
    with pytest.raises(OperationError):
        operations.decide_return(returned, world.a.secretary, "to_meeting")
    # the new unit's steps start afresh
    operations.escalate_due(new_deadline + timedelta(minutes=1))
    db.session.commit()
    assert [s.round for s in queries.steps_of(traffic) if s.step == "urge"] == [1, 2]
    assert any(t.startswith("催办") for t in titles(city_staff))


def test_back_to_a_meeting_stops_escalation_but_stays_listed(world, published, supervisor):
    traffic = published.commitments[0]
    returned = operations.return_commitment(traffic, world.department_staff, "需要重新商议")
    operations.decide_return(returned, world.a.secretary, "to_meeting", note="下次圆桌会议再议")
    db.session.commit()
    operations.escalate_due(traffic.deadline + timedelta(days=10))
    assert "urge" not in steps(traffic)
    street = queries.street_overdue({world.a.community.street_id}, traffic.deadline + timedelta(days=10))
    assert any(row.commitment.id == traffic.id and row.to_meeting for row in street)


def test_policy_per_community(world, published):
    traffic = published.commitments[0]
    operations.set_policy(world.a.community, 24 * 10, 1)
    with pytest.raises(OperationError):
        operations.set_policy(world.a.community, 0, 1)
    db.session.commit()
    assert operations.escalate_due(traffic.deadline - timedelta(days=9)) >= 1
    assert steps(traffic) == ["remind"]
    operations.escalate_due(traffic.deadline + timedelta(hours=2))
    assert steps(traffic) == ["remind", "urge", "supervise"]


def test_pages(world, published, supervisor, client, login):
    traffic = published.commitments[0]
    operations.escalate_due(traffic.deadline + timedelta(minutes=1))
    db.session.commit()
    login("traffic_staff")
    page = client.get(f"/commitments/{traffic.id}").get_data(as_text=True)
    assert "催办" in page and 'id="return-form"' in page
    assert "催办" in client.get("/commitments").get_data(as_text=True)
    assert client.get("/street/overdue").status_code == 403
    client.post(f"/commitments/{traffic.id}/return", data={"reason": "<i>不归我们</i>"})
    login("a_secretary")
    page = client.get(f"/commitments/{traffic.id}").get_data(as_text=True)
    assert "&lt;i&gt;" in page and "decide-form" in page
    assert client.get("/escalation/policy").status_code == 200
    assert client.post("/escalation/policy", data={"remind_before_hours": "x", "supervise_after_hours": "2"}).status_code == 200
    login("b_secretary")
    returned = queries.open_return(traffic)
    assert client.post(f"/commitment-returns/{returned.id}/decide", data={"decision": "to_meeting"}).status_code == 404
    login("street_supervisor")
    assert client.get("/street/overdue").status_code == 200


def test_the_worker_pass_runs_escalation_and_minutes(world, published):
    from roundtable.escalation.jobs import follow_up_pass
    from roundtable.jobs.registry import load_handler_modules, periodic_tasks

    load_handler_modules()
    assert "follow_up" in periodic_tasks()
    traffic = published.commitments[0]
    assert follow_up_pass(traffic.deadline + timedelta(minutes=5)) >= 2
    assert "urge" in steps(traffic)
