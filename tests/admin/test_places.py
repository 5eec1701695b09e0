"""The administrator keeps the map: streets, their communities, and the departments."""
from __future__ import annotations

from sqlalchemy import select

from roundtable.communities.models import Community, Department, Street
from roundtable.extensions import db


def names(model) -> list[str]:
    db.session.expire_all()
    return sorted(db.session.scalars(select(model.name)))


def test_places_page_lists_streets_communities_and_departments(admin_client, world):
    page = admin_client.get("/admin/places").get_data(as_text=True)
    for name in ("大栅栏街道", "西河沿社区", "东河沿社区", "区交通支队"):
        assert name in page


def test_create_a_street_and_a_community_in_it(admin_client, world):
    assert admin_client.post("/admin/streets/new", data={"name": "天桥街道", "district": "西城区"}).status_code == 302
    street = db.session.scalar(select(Street).where(Street.name == "天桥街道"))
    assert street.district == "西城区"
    response = admin_client.post("/admin/communities/new", data={"street_id": street.id, "name": "永安路社区"})
    assert response.status_code == 302
    assert db.session.scalar(select(Community).where(Community.name == "永安路社区")).street_id == street.id


def test_duplicates_and_blanks_are_refused_with_a_message(admin_client, world):
    street_id = world.a.community.street_id
    for url, data, message in (
        ("/admin/streets/new", {"name": "大栅栏街道"}, "街道「大栅栏街道」已存在"),
        ("/admin/streets/new", {"name": "  "}, "请输入街道名称"),
        ("/admin/communities/new", {"street_id": street_id, "name": "西河沿社区"}, "社区「西河沿社区」已存在"),
        ("/admin/communities/new", {"street_id": 9999, "name": "新社区"}, "请从列表中选择"),
        ("/admin/departments/new", {"name": "区交通支队"}, "部门「区交通支队」已存在"),
    ):
        response = admin_client.post(url, data=data)
        assert response.status_code == 400, data
        assert message in response.get_data(as_text=True), data
    assert names(Street) == ["大栅栏街道"]
    assert names(Community) == ["东河沿社区", "西河沿社区"]
    assert names(Department) == ["区交通支队"]


def test_rename_street_community_and_department(admin_client, world):
    admin_client.post(f"/admin/streets/{world.a.community.street_id}/rename", data={"name": "大栅栏街道办事处"})
    admin_client.post(f"/admin/communities/{world.a.community.id}/rename", data={"name": "西河沿社区居委会"})
    admin_client.post(f"/admin/departments/{world.department.id}/rename", data={"name": "西城交通支队"})
    assert names(Street) == ["大栅栏街道办事处"]
    assert "西河沿社区居委会" in names(Community)
    assert names(Department) == ["西城交通支队"]


def test_a_rename_onto_a_taken_name_is_refused_beside_that_row(admin_client, world):
    response = admin_client.post(f"/admin/communities/{world.a.community.id}/rename", data={"name": "东河沿社区"})
    assert response.status_code == 400
    assert "社区「东河沿社区」已存在" in response.get_data(as_text=True)
    assert names(Community) == ["东河沿社区", "西河沿社区"]
    assert admin_client.post("/admin/departments/9999/rename", data={"name": "x"}).status_code == 404


def test_new_department_shows_up_for_staff_links(admin_client, world):
    admin_client.post("/admin/departments/new", data={"name": "区房管局"})
    page = admin_client.get(f"/admin/people/{world.a.resident.id}").get_data(as_text=True)
    assert "区房管局" in page
