"""Named permission predicates, shared by routes, templates and socket handlers."""
from __future__ import annotations

from typing import TYPE_CHECKING

from roundtable.auth.models import User

if TYPE_CHECKING:
    from roundtable.communities.models import Community, Membership
    from roundtable.core.permissions import CommunityOwned

STAFF_ROLES = ("secretary",)
READ_ROLES = ("secretary", "auditor")


def can_manage_cases(user: User, community_id: int) -> bool:
    return user.is_authenticated and user.role_in(community_id) in STAFF_ROLES


def can_read_cases(user: User, community_id: int) -> bool:
    return user.is_authenticated and user.role_in(community_id) in READ_ROLES


def can_read_case(user: User, case: CommunityOwned) -> bool:
    """A case or topic is read by its community's secretaries and auditors (routes guard changes by role)."""
    return can_read_cases(user, case.community_id)


def can_manage_case(user: User, case: CommunityOwned) -> bool:
    """A case or topic is changed only by its community's secretaries."""
    return can_manage_cases(user, case.community_id)


def can_manage_community_item(user: User, item: CommunityOwned) -> bool:
    """A membership or an organization of a community is managed by that community's secretaries."""
    return can_manage_cases(user, item.community_id)


def can_remove_member(user: User, membership: Membership) -> bool:
    """A secretary takes residents out of her community; staff roles are the administrator's."""
    return can_manage_cases(user, membership.community_id) and membership.role == "resident"


def is_member(user: User, community_id: int) -> bool:
    """Any role in the community: residents, secretaries and auditors alike."""
    return user.is_authenticated and user.role_in(community_id) is not None


def can_take_part(user: User, community_id: int) -> bool:
    """Residents and secretaries act as members (propose, ask); auditors only read."""
    return user.is_authenticated and user.role_in(community_id) in ("resident", "secretary")


def can_reveal_phone(user: User, community_id: int) -> bool:
    """Only the community's own staff may see a complainant's full number, and it is logged."""
    return can_manage_cases(user, community_id)


def can_administer(user: User) -> bool:
    return user.is_authenticated and user.is_admin


# --- Auditor reach (审计): read-only across a street ------------------------------------------
# An auditor membership in any community of a street lets its holder read the archive, the
# dashboard and the audit trail of every community of that street, and nothing else; on the
# per-community pages (case desk, meetings) an auditor still reads only the current community.


def auditor_street_ids(user: User) -> set[int]:
    if not user.is_authenticated:
        return set()
    return {m.community.street_id for m in user.memberships if m.role == "auditor"}


def archive_community_ids(user: User) -> list[int]:
    """Communities whose archive ``user`` may read: the street for auditors, their own for secretaries."""
    from sqlalchemy import select

    from roundtable.communities.models import Community
    from roundtable.extensions import db

    if not user.is_authenticated:
        return []
    ids = {m.community_id for m in user.memberships if m.role == "secretary"}
    streets = auditor_street_ids(user)
    if streets:
        ids.update(db.session.scalars(select(Community.id).where(Community.street_id.in_(streets))))
    return sorted(ids)


def can_read_archive(user: User) -> bool:
    return user.is_authenticated and any(m.role in READ_ROLES for m in user.memberships)


def can_read_audit_trail(user: User) -> bool:
    return bool(auditor_street_ids(user))


def is_street_auditor_of(user: User, community: Community) -> bool:
    """True when ``user`` reads ``community`` as an auditor (their reads of cases are themselves audited)."""
    return community.street_id in auditor_street_ids(user)
