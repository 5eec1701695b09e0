"""Who may do what with resolutions and commitments; shared by routes and templates.

Departments serve many communities, so a commitment is reachable by its
unit's staff whatever community they are in, and by the staff of the
commitment's own community; nobody else learns it exists.
"""
from __future__ import annotations

from roundtable.auth.models import User
from roundtable.communities.permissions import can_manage_cases, can_read_cases


def can_draft_resolution(user: User, meeting) -> bool:
    """The community's secretaries draft from a concluded meeting."""
    return can_manage_cases(user, meeting.community_id)


def can_manage_resolution(user: User, resolution) -> bool:
    return can_manage_cases(user, resolution.community_id)


def can_read_resolution(user: User, resolution) -> bool:
    """Secretaries and auditors read drafts; the public reads only what was published."""
    return can_read_cases(user, resolution.community_id)


def is_unit_staff(user: User, commitment) -> bool:
    """Staff of the department or organization the commitment names (its only voices)."""
    if not user.is_authenticated:
        return False
    if commitment.department_id is not None:
        return commitment.department_id in user.department_ids
    return commitment.organization_id is not None and commitment.organization_id in user.organization_ids


def can_answer_commitment(user: User, commitment) -> bool:
    """Confirm, contest, report progress: the unit itself, under its own login."""
    return is_unit_staff(user, commitment)


def can_view_commitment(user: User, commitment) -> bool:
    """The unit, and the readers of the commitment's community (evidence included)."""
    return is_unit_staff(user, commitment) or can_read_cases(user, commitment.community_id)


def has_commitments_to_answer(user: User) -> bool:
    return user.is_authenticated and bool(user.department_links or user.organization_links)
