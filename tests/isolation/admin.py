"""Isolation specs of the administrator's pages.

They are platform data, not one community's, so they are not scoped by the current
community: instead no community member gets in at all. Every request below, aimed at
community B's people and places, must answer 403 to A's secretary, resident and auditor.
"""
from roundtable.escalation.models import StreetSupervisor
from roundtable.extensions import db
from tests.isolation import foreign

NON_ADMINS = ("a_secretary", "a_resident", "a_auditor")


def world_extras(world):
    """B's secretary supervises B's street (督办), for the removal to be aimed at."""
    row = StreetSupervisor(user_id=world.b.secretary.id, street_id=world.b.community.street_id)
    db.session.add(row)
    db.session.flush()
    world.b.extra.update(supervisor=row)


def _b_membership(w) -> int:
    return w.b.resident.memberships[0].id


def _person(w, suffix="", method="POST", data=None):
    """A request at B's secretary's admin page (or one of its actions)."""
    return (method, f"/admin/people/{w.b.secretary.id}{suffix}", data or {})


def _admin(build):
    return foreign(build, as_users=NON_ADMINS)


SPECS = {
    "admin.people": _admin(lambda w: [("GET", "/admin/people"), ("GET", "/admin/people?q=b_")]),
    "admin.create_person": _admin(
        lambda w: [
            ("GET", "/admin/people/new"),
            ("POST", "/admin/people/new", {"username": "intruder", "display_name": "x", "password": "long-enough-1"}),
        ]
    ),
    "admin.person": _admin(
        lambda w: [_person(w, method="GET"), _person(w, data={"display_name": "改名", "is_admin": "y"})]
    ),
    "admin.deactivate": _admin(lambda w: [_person(w, "/deactivate")]),
    "admin.reactivate": _admin(lambda w: [_person(w, "/reactivate")]),
    "admin.reset_password": _admin(lambda w: [_person(w, "/password", data={"password": "new-pass-123"})]),
    "admin.give_membership": _admin(
        lambda w: [_person(w, "/memberships", data={"community_id": w.b.community.id, "role": "secretary"})]
    ),
    "admin.take_membership": _admin(lambda w: [("POST", f"/admin/memberships/{_b_membership(w)}/remove")]),
    "admin.give_department": _admin(
        lambda w: [_person(w, "/departments", data={"department_id": w.department.id})]
    ),
    "admin.take_department": _admin(
        lambda w: [("POST", f"/admin/department-links/{w.department_staff.department_links[0].id}/remove")]
    ),
    "admin.give_organization": _admin(
        lambda w: [_person(w, "/organizations", data={"organization_id": w.b.organization.id})]
    ),
    "admin.take_organization": _admin(
        lambda w: [("POST", f"/admin/organization-links/{w.organization_staff.organization_links[0].id}/remove")]
    ),
    "admin.supervisors": _admin(lambda w: [("GET", "/admin/supervisors")]),
    "admin.assign_supervisor": _admin(
        lambda w: [("POST", "/admin/supervisors", {"username": "a_secretary", "street_id": w.b.community.street_id})]
    ),
    "admin.give_supervisor": _admin(lambda w: [_person(w, "/supervisor", data={"street_id": w.b.community.street_id})]),
    "admin.take_supervisor": _admin(lambda w: [("POST", f"/admin/supervisors/{w.b.extra['supervisor'].id}/remove")]),
    "admin.places": _admin(lambda w: [("GET", "/admin/places")]),
    "admin.new_street": _admin(lambda w: [("POST", "/admin/streets/new", {"name": "新街道"})]),
    "admin.street_rename": _admin(
        lambda w: [("POST", f"/admin/streets/{w.b.community.street_id}/rename", {"name": "改名街道"})]
    ),
    "admin.new_community": _admin(
        lambda w: [("POST", "/admin/communities/new", {"street_id": w.b.community.street_id, "name": "新社区"})]
    ),
    "admin.community_rename": _admin(
        lambda w: [("POST", f"/admin/communities/{w.b.community.id}/rename", {"name": "改名社区"})]
    ),
    "admin.new_department": _admin(lambda w: [("POST", "/admin/departments/new", {"name": "新部门"})]),
    "admin.department_rename": _admin(
        lambda w: [("POST", f"/admin/departments/{w.department.id}/rename", {"name": "改名部门"})]
    ),
}
