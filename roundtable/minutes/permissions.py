"""Who may do what with minutes; shared by routes and templates."""
from __future__ import annotations

from typing import TYPE_CHECKING

from roundtable.auth.models import User
from roundtable.communities.permissions import can_manage_cases, can_read_cases

if TYPE_CHECKING:
    from roundtable.meetings.models import Invitation
    from roundtable.minutes.models import Minutes



def can_edit_minutes(user: User, minutes: Minutes) -> bool:
    """The community's secretaries write the narrative, send the draft, answer corrections, approve."""
    return can_manage_cases(user, minutes.community_id)


def can_read_minutes(user: User, minutes: Minutes) -> bool:
    return can_read_cases(user, minutes.community_id)


def can_review_minutes(invitation: Invitation, minutes: Minutes) -> bool:
    """An attendee of the meeting (checked in), through their own invitation link."""
    return invitation.meeting_id == minutes.meeting_id and invitation.checked_in_at is not None
