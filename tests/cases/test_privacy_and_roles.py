"""Complainants' phones stay masked unless a secretary reveals one (logged); auditors only read."""
from __future__ import annotations

import pytest

from roundtable.cases.operations import change_status
from roundtable.extensions import db
from tests.cases.helpers import case_count, event_count, html

FULL, MASKED = "13812345678", "138****5678"


def desk_pages(w):
    case, topic = w.a.case, w.a.topic
    return ["/cases/", f"/cases/?q={case.external_number}", f"/cases/{case.id}", f"/cases/topics/{topic.id}",
            "/cases/topics"]


@pytest.mark.parametrize("who", ["a_secretary", "a_auditor"])
def test_the_full_number_appears_on_no_desk_page(client, auth, world, who):
    auth.login(who)
    for url in desk_pages(world):
        response = client.get(url)
        assert response.status_code == 200, url
        assert FULL not in html(response), url
    assert MASKED in html(client.get("/cases/"))
    assert MASKED in html(client.get(f"/cases/{world.a.case.id}"))


def test_the_edit_form_does_not_carry_the_number(client, as_secretary):
    page = html(client.get(f"/cases/{as_secretary.a.case.id}/edit"))
    assert FULL not in page and MASKED in page


def test_a_secretary_reveals_the_number_once_and_it_is_logged(client, as_secretary):
    w = as_secretary
    response = client.post(f"/cases/{w.a.case.id}/reveal")
    assert response.status_code == 200
    assert FULL in html(response)
    assert "no-store" in response.headers["Cache-Control"]
    event = w.a.case.events[-1]
    assert (event.kind, event.actor_id) == ("phone_reveal", w.a.secretary.id)
    assert event.at is not None
    # The timeline shows who looked; the next visit is masked again.
    page = html(client.get(f"/cases/{w.a.case.id}"))
    assert FULL not in page
    assert "查看完整电话" in page


def test_the_auditor_sees_no_write_buttons(client, as_auditor):
    page = html(client.get(f"/cases/{as_auditor.a.case.id}"))
    for action in ("/reveal", "/edit", "/status", "/notes", "/department", "/topic\""):
        assert f"/cases/{as_auditor.a.case.id}{action}" not in page
    assert "/cases/new" not in html(client.get("/cases/"))
    topic_page = html(client.get(f"/cases/topics/{as_auditor.a.topic.id}"))
    assert "/theme" not in topic_page and "/edit" not in topic_page


def write_requests(w):
    case, topic = w.a.case.id, w.a.topic.id
    return [
        ("GET", "/cases/new", {}),
        ("POST", "/cases/new", {"external_number": "AUD-1", "category": "noise", "description": "x", "address": "y"}),
        ("GET", f"/cases/{case}/edit", {}),
        ("POST", f"/cases/{case}/edit", {"external_number": "AUD-1", "category": "noise", "description": "x",
                                          "address": "y"}),
        ("POST", f"/cases/{case}/status", {"status": "dispatched"}),
        ("POST", f"/cases/{case}/notes", {"note": "审计员的备注"}),
        ("POST", f"/cases/{case}/follow-up", {"resolved": "yes", "satisfied": "yes"}),
        ("POST", f"/cases/{case}/department", {"department_id": str(w.department.id)}),
        ("POST", f"/cases/{case}/topic", {"topic_id": ""}),
        ("POST", f"/cases/{case}/reveal", {}),
        ("GET", "/cases/topics/new", {}),
        ("POST", "/cases/topics/new", {"title": "审计员议题"}),
        ("GET", f"/cases/topics/{topic}/edit", {}),
        ("POST", f"/cases/topics/{topic}/edit", {"title": "改名"}),
        ("POST", f"/cases/topics/{topic}/theme", {"theme_month": "2026-01"}),
    ]


def test_every_write_route_refuses_the_auditor(client, as_auditor):
    w = as_auditor
    cases, events = case_count(), event_count()
    for method, url, data in write_requests(w):
        response = client.open(url, method=method, data=data)
        assert response.status_code == 403, (method, url)
        assert FULL not in html(response)
    assert (case_count(), event_count()) == (cases, events)
    db.session.refresh(w.a.case)
    db.session.refresh(w.a.topic)
    assert w.a.case.status == "received" and w.a.case.topic_id == w.a.topic.id
    assert w.a.topic.title.endswith("停车议题") and w.a.topic.theme_month is None


def test_residents_never_reach_the_desk(client, auth, world):
    auth.login("a_resident")
    for url in ["/cases/", f"/cases/{world.a.case.id}", "/cases/topics", f"/cases/topics/{world.a.topic.id}"]:
        response = client.get(url)
        assert response.status_code == 403, url
        assert FULL not in html(response) and MASKED not in html(response)
    assert client.post(f"/cases/{world.a.case.id}/reveal").status_code == 403
    assert not any(e.kind == "phone_reveal" for e in world.a.case.events)


def test_logged_out_visitors_are_sent_to_the_login_page(client, world):
    response = client.get(f"/cases/{world.a.case.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_timeline_note_never_leaks_the_number_through_the_reveal_entry(client, as_secretary):
    w = as_secretary
    client.post(f"/cases/{w.a.case.id}/reveal")
    change_status(w.a.case, "dispatched", w.a.secretary, "")
    db.session.commit()
    assert w.a.case.latest_note == ""
    assert FULL not in html(client.get("/cases/"))
