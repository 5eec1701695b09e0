"""The administrator names street supervisors (督办), lists and removes them; a supervisor sees every
overdue commitment of the street's communities in one list, and nothing once removed."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from roundtable.communities.operations import create_community, get_or_create_street
from roundtable.core.time import utcnow
from roundtable.escalation.models import StreetSupervisor
from roundtable.extensions import db
from tests.factories import PASSWORD, make_user
from tests.resolutions.conftest import concluded, drafted, published  # noqa: F401 - fixtures


def rows() -> list[tuple[str, str]]:
    db.session.expire_all()
    return [(r.user.username, r.street.name) for r in db.session.scalars(select(StreetSupervisor))]


def test_the_admin_assigns_lists_and_removes_supervisors(admin_client, world):
    officer = make_user("street_officer", display_name="街道督办员")
    other_street = get_or_create_street("天桥街道", "西城区")
    create_community(other_street, "天桥社区")
    db.session.commit()
    street_id = world.a.community.street_id

    assert admin_client.get("/admin/supervisors").status_code == 200
    assert admin_client.post("/admin/supervisors", data={"username": "street_officer", "street_id": str(street_id)}).status_code == 302
    page = admin_client.get("/admin/supervisors").get_data(as_text=True)
    assert "街道督办员" in page and "大栅栏街道" in page
    # bad input: clear messages, nothing written
    for form, message in (({"username": "street_officer", "street_id": str(street_id)}, "已是大栅栏街道的督办"),
                          ({"username": "nobody", "street_id": str(street_id)}, "没有这个用户名"),
                          ({"username": "street_officer", "street_id": "999999"}, "请从列表中选择"),
                          ({"username": "", "street_id": str(street_id)}, "请填写用户名")):
        answer = admin_client.post("/admin/supervisors", data=form)
        assert answer.status_code == 400 and message in answer.get_data(as_text=True), message
    assert rows() == [("street_officer", "大栅栏街道")]
    # from the person's page too: a second street
    assert admin_client.post(f"/admin/people/{officer.id}/supervisor", data={"street_id": str(other_street.id)}).status_code == 302
    person_page = admin_client.get(f"/admin/people/{officer.id}").get_data(as_text=True)
    assert "天桥街道" in person_page and "取消督办" in person_page
    assert sorted(rows()) == [("street_officer", "大栅栏街道"), ("street_officer", "天桥街道")]

    first = db.session.scalar(select(StreetSupervisor).where(StreetSupervisor.street_id == street_id))
    version = officer.session_version
    assert admin_client.post(f"/admin/supervisors/{first.id}/remove").status_code == 302
    assert rows() == [("street_officer", "天桥街道")]
    db.session.refresh(officer)
    assert officer.session_version != version  # their sessions end, as for every role taken away
    assert admin_client.post(f"/admin/supervisors/{first.id}/remove").status_code == 404


def test_a_supervisor_sees_the_streets_overdue_commitments_until_removed(world, published, client, auth):
    traffic, property_ = published.commitments
    traffic.deadline = utcnow() - timedelta(days=3)
    db.session.commit()
    officer = make_user("street_officer", display_name="街道督办员")
    elsewhere = make_user("far_officer", display_name="别的街道")
    db.session.add_all([StreetSupervisor(user_id=officer.id, street_id=world.a.community.street_id),
                        StreetSupervisor(user_id=elsewhere.id, street_id=get_or_create_street("天桥街道", "西城区").id)])
    db.session.commit()

    client.post("/login", data={"username": "far_officer", "password": PASSWORD})
    far = client.get("/street/overdue").get_data(as_text=True)
    assert traffic.action not in far and "没有逾期" in far
    client.post("/logout")
    client.post("/login", data={"username": "street_officer", "password": PASSWORD})
    page = client.get("/street/overdue").get_data(as_text=True)
    assert traffic.action in page and property_.action not in page  # overdue only
    assert world.a.community.name in page
    # removed: the list is closed to them
    db.session.delete(db.session.scalar(select(StreetSupervisor).where(StreetSupervisor.user_id == officer.id)))
    db.session.commit()
    assert client.get("/street/overdue").status_code in (302, 403)
