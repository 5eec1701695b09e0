"""Who is on the other end of a socket, re-checked against the database on every event.

A connection keeps only its credential (a token, or the user id and session
version); the actor is rebuilt from the database for each event, so that an
invitation removed or a secretary demoted mid-meeting loses access at once.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select

from roundtable.auth.models import User
from roundtable.auth.session import load_user
from roundtable.core.errors import NotAllowed, OperationError
from roundtable.extensions import db
from roundtable.meetings.models import Invitation, Meeting
from roundtable.meetings.permissions import can_manage_meeting

VOTING_SIDES = ("resident",)


def is_live_host(user: User | None, meeting: Meeting) -> bool:
    """The meeting's host, or any secretary of its community (who can stand in)."""
    if user is None or not user.is_authenticated:
        return False
    return meeting.host_id == user.id or can_manage_meeting(user, meeting)


def can_vote(invitation: Invitation | None) -> bool:
    """Residents decide; departments and organizations speak and answer but do not vote."""
    return invitation is not None and invitation.side in VOTING_SIDES


def may_take_sides(actor: "Actor") -> bool:
    """May this caller post a position or vote? Participants yes; the host stays neutral (主持中立)."""
    return actor.invitation is not None and not actor.host


@dataclass
class Actor:
    meeting: Meeting
    invitation: Invitation | None = None
    user: User | None = None
    host: bool = False
    watcher: bool = False

    @property
    def role(self) -> str:
        if self.watcher:
            return "watcher"
        return "host" if self.host else "participant"


def credential_from(auth, user: User | None) -> dict | None:
    """What a connection may keep: the token it showed, or the logged-in user; None refuses it."""
    token = auth.get("token") if isinstance(auth, dict) else None
    if token is not None:
        if not isinstance(token, str) or not 0 < len(token) <= 64:
            return None
        if db.session.scalar(select(Invitation.id).where(Invitation.token == token)):
            return {"kind": "invitation", "token": token}
        if db.session.scalar(select(Meeting.id).where(Meeting.watch_token == token)):
            return {"kind": "watch", "token": token}
        return None
    if user is not None and user.is_authenticated:
        return {"kind": "user", "session_id": user.get_id()}
    return None


def invitation_of(user, meeting: Meeting) -> Invitation | None:
    """The invitation through which a logged-in person takes part: their own as a resident,
    or their department's or organization's (staff join for the unit they work for)."""
    if not user.is_authenticated:
        return None
    holders = [Invitation.user_id == user.id]
    if user.department_ids:
        holders.append(Invitation.department_id.in_(user.department_ids))
    if user.organization_ids:
        holders.append(Invitation.organization_id.in_(user.organization_ids))
    return db.session.scalar(
        select(Invitation).where(Invitation.meeting_id == meeting.id, or_(*holders)).order_by(Invitation.id).limit(1)
    )


# Meetings a bearer link no longer opens: a cancelled or concluded meeting's room is closed to
# invitation and watch tokens (the phone shows the meeting's summary page instead); an
# adjourned meeting will go on, so its links still join.
ENDED_STATUSES = ("cancelled", "concluded")


class MeetingEnded(OperationError):
    code = "meeting_ended"


def actor_for(credential: dict | None, meeting: Meeting) -> Actor:
    """The caller as seen by ``meeting``; NotAllowed when the credential does not open it,
    MeetingEnded when it is a token and the meeting was cancelled or concluded."""
    kind = (credential or {}).get("kind")
    if kind in ("invitation", "watch") and meeting.status in ENDED_STATUSES:
        raise MeetingEnded("会议已结束或已取消。")
    if kind == "invitation":
        invitation = db.session.scalar(select(Invitation).where(Invitation.token == credential["token"]))
        if invitation is not None and invitation.meeting_id == meeting.id:
            return Actor(meeting, invitation=invitation)
    elif kind == "watch":
        if meeting.watch_token == credential["token"]:
            return Actor(meeting, watcher=True)
    elif kind == "user":
        user = load_user(credential["session_id"])
        if user is not None:
            invitation = invitation_of(user, meeting)
            host = is_live_host(user, meeting)
            if host or invitation is not None:
                return Actor(meeting, invitation=invitation, user=user, host=host)
    raise NotAllowed("您无权进入这场会议。")


def token_meeting_gone(credential: dict | None) -> bool:
    """A token that opened a meeting which no longer exists (its page is gone too)."""
    return (credential or {}).get("kind") in ("invitation", "watch") and watched_meeting_id(credential) is None


def watched_meeting_id(credential: dict | None) -> int | None:
    """For a watch token, the one meeting it shows (watchers may join without naming it)."""
    if (credential or {}).get("kind") == "watch":
        return db.session.scalar(select(Meeting.id).where(Meeting.watch_token == credential["token"]))
    if (credential or {}).get("kind") == "invitation":
        return db.session.scalar(select(Invitation.meeting_id).where(Invitation.token == credential["token"]))
    return None
