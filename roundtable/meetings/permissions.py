"""Who may do what with a meeting, its invitations and a department's summons.

One predicate per question, shared by routes and templates (and the live
namespace), so that a page that shows a button and the route behind it can
never disagree.
"""
from __future__ import annotations

from typing import Protocol

from roundtable.auth.models import User
from roundtable.communities.permissions import can_manage_cases, can_read_cases

VOTING_SIDES = ("resident",)


class Seated(Protocol):
    """An invitation, or a plain row of one, as far as voting asks: which side it sits on."""

    @property
    def side(self) -> str: ...


def can_vote(invitation: Seated | None) -> bool:
    """Residents decide; departments and organizations speak and answer but do not vote."""
    return invitation is not None and invitation.side in VOTING_SIDES


def can_manage_meeting(user: User, meeting) -> bool:
    """The community's secretaries prepare, schedule, cancel and invite."""
    return can_manage_cases(user, meeting.community_id)


def can_hand_out_links(user: User, meeting) -> bool:
    """Bearer links (invitation tokens, their QR codes and printed sheets) are seen only by those
    who hand them out: the meeting's host and its community's secretaries. An auditor reads the
    meeting, never a link that would let them act as an invitee."""
    if not user.is_authenticated:
        return False
    return meeting.host_id == user.id or can_manage_meeting(user, meeting)


def can_view_meeting(user: User, meeting) -> bool:
    """Secretaries and auditors of the meeting's community read everything about it."""
    return can_read_cases(user, meeting.community_id)


def can_report_in(user: User, invitation) -> bool:
    """Only staff of the summoned department answer its summons (报到)."""
    return (
        user.is_authenticated
        and invitation.department_id is not None
        and invitation.department_id in user.department_ids
    )


def is_department_staff(user: User, department_id: int) -> bool:
    return user.is_authenticated and department_id in user.department_ids


def can_see_department_record(user: User, department_id: int, community_id: int | None) -> bool:
    """A department's staff see its whole record; a secretary sees only their community's summons.

    ``community_id`` is the secretary's current community (or None when the
    caller has none); the route still checks that this community summoned the
    department at least once before showing anything.
    """
    if is_department_staff(user, department_id):
        return True
    return community_id is not None and can_manage_cases(user, community_id)
