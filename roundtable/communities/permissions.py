"""Named permission predicates, shared by routes, templates and socket handlers."""
from __future__ import annotations

from roundtable.auth.models import User

STAFF_ROLES = ("secretary",)
READ_ROLES = ("secretary", "auditor")


def can_manage_cases(user: User, community_id: int) -> bool:
    return user.is_authenticated and user.role_in(community_id) in STAFF_ROLES


def can_read_cases(user: User, community_id: int) -> bool:
    return user.is_authenticated and user.role_in(community_id) in READ_ROLES


def can_reveal_phone(user: User, community_id: int) -> bool:
    """Only the community's own staff may see a complainant's full number, and it is logged."""
    return can_manage_cases(user, community_id)


def can_administer(user: User) -> bool:
    return user.is_authenticated and user.is_admin
