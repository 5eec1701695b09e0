"""The community secretary keeps her own community's list of residents and of its
property managers and property-rights units — and only her own."""
from __future__ import annotations

from sqlalchemy import select

from roundtable.auth.models import User
from roundtable.communities.models import Membership, Organization
from roundtable.extensions import db


def person(username: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == username))


def test_secretary_sees_only_her_own_residents(client, auth, world):
    auth.login("a_secretary")
    page = client.get("/community/people").get_data(as_text=True)
    assert "a_resident" in page
    assert "b_resident" not in page
    assert "a_auditor" not in page  # the list is of residents only


def test_residents_and_auditors_cannot_manage_people(client, auth, world):
    for username in ("a_resident", "a_auditor"):
        auth.login(username)
        assert client.get("/community/people").status_code == 403
        assert client.get("/community/organizations").status_code == 403
        auth.logout()


def test_secretary_creates_an_account_for_a_resident(client, auth, world):
    auth.login("a_secretary")
    response = client.post(
        "/community/people/new",
        data={"username": "zhaoshufen", "display_name": "赵淑芬", "phone": "13600001111", "password": "first-pass-1"},
    )
    assert response.status_code == 302
    assert "赵淑芬" in client.get("/community/people").get_data(as_text=True)
    created = person("zhaoshufen")
    assert created.role_in(world.a.community.id) == "resident"
    assert created.role_in(world.b.community.id) is None
    auth.logout()
    assert auth.login("zhaoshufen", "first-pass-1").status_code == 302


def test_a_refused_new_account_writes_nothing(client, auth, world):
    auth.login("a_secretary")
    response = client.post(
        "/community/people/new", data={"username": "b_resident", "display_name": "重名", "password": "first-pass-1"}
    )
    assert response.status_code == 400 and "已被使用" in response.get_data(as_text=True)
    response = client.post(
        "/community/people/new", data={"username": "newbie", "display_name": "新人", "password": "short"}
    )
    assert response.status_code == 400 and "密码至少需要8位" in response.get_data(as_text=True)
    assert person("newbie") is None
    assert person("b_resident").role_in(world.a.community.id) is None


def test_secretary_adds_a_person_who_already_has_an_account(client, auth, world):
    world.department_staff.phone = "13811112222"
    db.session.commit()
    auth.login("a_secretary")
    added = client.post("/community/people/invite", data={"username": "traffic_staff", "phone": "138-1111-2222"})
    assert added.status_code == 302
    assert person("traffic_staff").role_in(world.a.community.id) == "resident"


def test_inviting_refuses_unknown_names_and_people_already_here(client, auth, world):
    world.a.auditor.phone = "13833334444"
    db.session.commit()
    auth.login("a_secretary")
    unknown = client.post("/community/people/invite", data={"username": "nobody", "phone": "13800000000"})
    assert unknown.status_code == 400 and "没有与这个用户名和手机号码相符的可用账号" in unknown.get_data(as_text=True)
    auditor = client.post("/community/people/invite", data={"username": "a_auditor", "phone": "13833334444"})
    assert auditor.status_code == 400 and "已是本社区的审计员" in auditor.get_data(as_text=True)
    assert person("a_auditor").role_in(world.a.community.id) == "auditor"  # not demoted


def test_secretary_removes_a_resident(client, auth, world):
    auth.login("a_secretary")
    membership_id = world.a.resident.memberships[0].id
    assert client.post(f"/community/people/{membership_id}/remove").status_code == 302
    assert person("a_resident").role_in(world.a.community.id) is None
    assert person("a_resident").active  # out of the community, not out of the platform


def test_secretary_cannot_remove_staff_or_anyone_in_b(client, auth, world):
    auth.login("a_secretary")
    auditor_membership = world.a.auditor.memberships[0].id
    assert client.post(f"/community/people/{auditor_membership}/remove").status_code == 403
    b_membership = world.b.resident.memberships[0].id
    assert client.post(f"/community/people/{b_membership}/remove").status_code == 404
    assert db.session.get(Membership, auditor_membership) is not None
    assert db.session.get(Membership, b_membership) is not None


def test_secretary_adds_and_renames_organizations(client, auth, world):
    auth.login("a_secretary")
    response = client.post(
        "/community/organizations/new", data={"name": "黄寺大街24号院产权单位", "kind": "property_rights"}
    )
    assert response.status_code == 302
    created = db.session.scalar(select(Organization).where(Organization.name == "黄寺大街24号院产权单位"))
    assert created.community_id == world.a.community.id and created.kind == "property_rights"

    assert client.post(f"/community/organizations/{created.id}/rename", data={"name": "黄寺24号院产权方"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Organization, created.id).name == "黄寺24号院产权方"

    page = client.get("/community/organizations").get_data(as_text=True)
    assert "黄寺24号院产权方" in page and "西河沿社区物业" in page
    assert "东河沿社区物业" not in page


def test_organization_input_is_checked(client, auth, world):
    auth.login("a_secretary")
    taken = client.post("/community/organizations/new", data={"name": "西河沿社区物业", "kind": "property_manager"})
    assert taken.status_code == 400 and "单位「西河沿社区物业」已存在" in taken.get_data(as_text=True)
    kind = client.post("/community/organizations/new", data={"name": "某单位", "kind": "bank"})
    assert kind.status_code == 400 and "请从列表中选择" in kind.get_data(as_text=True)
    blank = client.post(f"/community/organizations/{world.a.organization.id}/rename", data={"name": " "})
    assert blank.status_code == 400 and "请输入名称" in blank.get_data(as_text=True)


def test_secretary_cannot_rename_bs_organization(client, auth, world):
    auth.login("a_secretary")
    response = client.post(f"/community/organizations/{world.b.organization.id}/rename", data={"name": "抢来的"})
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Organization, world.b.organization.id).name == "东河沿社区物业"


def test_the_secretary_finds_her_pages_in_the_menu(client, auth, world):
    auth.login("a_secretary")
    header = client.get("/community/people").get_data(as_text=True)
    assert 'href="/community/people"' in header and 'href="/community/organizations"' in header
    auth.logout()
    auth.login("a_resident")
    assert 'href="/community/people"' not in client.get("/home").get_data(as_text=True)
