"""A secretary works a case: notes, the responsible department, and the resident's follow-up (回访)."""
from __future__ import annotations

from roundtable.cases.operations import change_status
from roundtable.extensions import db
from tests.cases.helpers import html


def reply(case, actor):
    for status in ("dispatched", "contacted", "replied"):
        change_status(case, status, actor)
    db.session.commit()


def test_a_note_goes_on_the_timeline(client, as_secretary):
    case = as_secretary.a.case
    response = client.post(f"/cases/{case.id}/notes", data={"note": "已与物业沟通 <b>周三</b> 到场"})
    assert response.status_code == 302
    assert case.events[-1].kind == "note"
    page = html(client.get(f"/cases/{case.id}"))
    assert "已与物业沟通 &lt;b&gt;周三&lt;/b&gt; 到场" in page  # people's text is escaped


def test_an_empty_note_is_refused(client, as_secretary):
    case = as_secretary.a.case
    response = client.post(f"/cases/{case.id}/notes", data={"note": "   "})
    assert response.status_code == 400 and "备注不能为空" in html(response)
    assert len(case.events) == 1


def test_the_responsible_department_is_assigned_and_cleared(client, as_secretary):
    w = as_secretary
    case = w.a.case
    assert w.department.name in html(client.get(f"/cases/{case.id}"))
    client.post(f"/cases/{case.id}/department", data={"department_id": str(w.department.id)})
    assert case.responsible_department_id == w.department.id
    assert case.events[-1].data["fields"] == ["responsible_department"]
    client.post(f"/cases/{case.id}/department", data={"department_id": ""})
    assert case.responsible_department_id is None


def test_an_unknown_department_is_refused(client, as_secretary):
    case = as_secretary.a.case
    assert client.post(f"/cases/{case.id}/department", data={"department_id": "4242"}).status_code == 404
    assert case.responsible_department_id is None and len(case.events) == 1


def test_the_follow_up_form_appears_once_the_case_is_replied(client, as_secretary):
    w = as_secretary
    case = w.a.case
    assert "/follow-up" not in html(client.get(f"/cases/{case.id}"))
    response = client.post(f"/cases/{case.id}/follow-up", data={"resolved": "yes", "satisfied": "yes"})
    assert response.status_code == 400 and "答复居民之后才能登记回访结果" in html(response)
    assert case.followed_up_at is None

    reply(case, w.a.secretary)
    assert "/follow-up" in html(client.get(f"/cases/{case.id}"))
    response = client.post(f"/cases/{case.id}/follow-up", data={"resolved": "yes", "satisfied": "no", "note": "停车有改善"})
    assert response.status_code == 302
    assert (case.resolved, case.satisfied) == (True, False) and case.followed_up_at is not None
    event = case.events[-1]
    assert (event.kind, event.data, event.note) == ("follow_up", {"resolved": True, "satisfied": False}, "停车有改善")
    assert "已解决 · 不满意" in html(client.get(f"/cases/{case.id}"))


def test_a_follow_up_needs_both_answers(client, as_secretary):
    w = as_secretary
    reply(w.a.case, w.a.secretary)
    response = client.post(f"/cases/{w.a.case.id}/follow-up", data={"resolved": "yes", "satisfied": "maybe"})
    assert response.status_code == 400 and "居民是否满意" in html(response)
    assert w.a.case.followed_up_at is None


def test_another_communitys_case_is_not_found(client, as_secretary):
    assert client.get(f"/cases/{as_secretary.b.case.id}").status_code == 404
    assert client.get("/cases/999999").status_code == 404


def test_the_case_page_lists_the_meetings_that_took_it_up(client, auth, world):
    """A case that needs several meetings shows them in order, each linked from the timeline too."""
    from datetime import timedelta

    from roundtable.core.time import utcnow
    from tests.factories import make_meeting

    first = make_meeting(world.a.community, world.a.secretary, title="第一次协调会", cases=[world.a.case],
                         starts_at=utcnow() + timedelta(days=1))
    second = make_meeting(world.a.community, world.a.secretary, title="第二次协调会", cases=[world.a.case],
                          starts_at=utcnow() + timedelta(days=8))
    db.session.commit()
    auth.login("a_secretary")
    html = client.get(f"/cases/{world.a.case.id}").get_data(as_text=True)
    assert html.index("第一次协调会") < html.index("第二次协调会")
    assert f"/meetings/{first.id}" in html and f"/meetings/{second.id}" in html
