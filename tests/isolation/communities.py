"""Isolation specs of the secretary's community pages (/community/...).

A's secretary aiming at B's residents or organizations gets 404 (they are looked up
inside her current community). The list pages carry no id to aim with: residents
and auditors get 403 there, and tests/communities checks that a secretary's lists
show only her own community.
"""
from tests.isolation import foreign

NOT_SECRETARIES = ("a_resident", "a_auditor")
EVERYONE = ("a_secretary", "a_resident", "a_auditor")


def _b_resident_membership(w) -> int:
    return w.b.resident.memberships[0].id


SPECS = {
    "community.people": foreign(lambda w: [("GET", "/community/people")], as_users=NOT_SECRETARIES),
    "community.create_person": foreign(
        lambda w: [
            (
                "POST",
                "/community/people/new",
                {"username": "new_one", "display_name": "新人", "password": "long-enough-1"},
            )
        ],
        as_users=NOT_SECRETARIES,
    ),
    "community.invite_person": foreign(
        lambda w: [("POST", "/community/people/invite", {"username": "b_resident"})], as_users=NOT_SECRETARIES
    ),
    "community.remove_person": foreign(
        lambda w: [("POST", f"/community/people/{_b_resident_membership(w)}/remove")], as_users=EVERYONE
    ),
    "community.organizations": foreign(lambda w: [("GET", "/community/organizations")], as_users=NOT_SECRETARIES),
    "community.create_org": foreign(
        lambda w: [("POST", "/community/organizations/new", {"name": "新物业", "kind": "property_manager"})],
        as_users=NOT_SECRETARIES,
    ),
    "community.rename_org": foreign(
        lambda w: [("POST", f"/community/organizations/{w.b.organization.id}/rename", {"name": "抢来的名字"})],
        as_users=EVERYONE,
    ),
}
