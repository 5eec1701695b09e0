"""Who is on the other end of a socket, and what they may do in the meeting they joined.

A connection keeps its credential (a token, or the user id and session
version). ``actor_for`` checks it against the database; the result is kept
per connection as ids (``roundtable.live.actor_cache``) and every event is
checked against that, until a revocation (logout, deactivation, a role change,
a removed membership or invitation, a new host) forgets it: the next event
checks the database again. ``Actor`` loads its rows only when a handler uses
them, so that a vote costs no query before its group is written.
"""
from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import or_, select

from roundtable.auth.models import User
from roundtable.auth.session import load_user
from roundtable.core.errors import NotAllowed, OperationError
from roundtable.extensions import db
from roundtable.meetings.models import Invitation, Meeting
from roundtable.meetings.permissions import can_manage_meeting

Row = TypeVar("Row")


def is_live_host(user: User | None, meeting: Meeting) -> bool:
    """The meeting's host, or any secretary of its community (who can stand in)."""
    if user is None or not user.is_authenticated:
        return False
    return meeting.host_id == user.id or can_manage_meeting(user, meeting)


def may_take_sides(actor: Actor) -> bool:
    """May this caller post a position or vote? Participants yes; the host stays neutral (主持中立)."""
    return actor.invitation_id is not None and not actor.host


class Actor:
    """The caller in one meeting. Built from rows (``actor_for``) or from ids (the cache); the
    rows of the latter are read on first use, in the event's own session."""

    def __init__(
        self,
        meeting: Meeting | None = None,
        invitation: Invitation | None = None,
        user: User | None = None,
        host: bool = False,
        watcher: bool = False,
        *,
        meeting_id: int | None = None,
        invitation_id: int | None = None,
        user_id: int | None = None,
        username: str | None = None,
    ):
        self._meeting, self._invitation, self._user = meeting, invitation, user
        resolved = meeting.id if meeting is not None else meeting_id
        if resolved is None:
            raise ValueError("an actor is always someone in one meeting")
        self.meeting_id: int = resolved
        self.invitation_id = invitation.id if invitation is not None else invitation_id
        self.user_id = user.id if user is not None else user_id
        self.username = user.username if user is not None else username
        self.host, self.watcher = host, watcher

    def _row(self, model: type[Row], object_id: int | None) -> Row:
        row = db.session.get(model, object_id)
        if row is None:  # deleted since it was checked: the revocation is on its way
            raise NotAllowed("您无权进入这场会议。")
        return row

    @property
    def meeting(self) -> Meeting:
        if self._meeting is None:
            self._meeting = self._row(Meeting, self.meeting_id)
        return self._meeting

    @property
    def invitation(self) -> Invitation | None:
        if self._invitation is None and self.invitation_id is not None:
            self._invitation = self._row(Invitation, self.invitation_id)
        return self._invitation

    @property
    def user(self) -> User | None:
        if self._user is None and self.user_id is not None:
            self._user = self._row(User, self.user_id)
        return self._user

    @property
    def role(self) -> str:
        if self.watcher:
            return "watcher"
        return "host" if self.host else "participant"


def credential_from(auth: object, user: User | None) -> dict[str, Any] | None:
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


def invitation_of(user: User, meeting: Meeting) -> Invitation | None:
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


def refuse_ended_meeting(credential: dict[str, Any] | None, meeting_id: int | None) -> None:
    """MeetingEnded for an invitation or watch token whose meeting was cancelled, concluded or is gone."""
    if (credential or {}).get("kind") not in ("invitation", "watch"):
        return
    if not meeting_id:  # the token's own meeting no longer exists
        raise MeetingEnded("会议已结束或已取消。")
    status = db.session.scalar(select(Meeting.status).where(Meeting.id == meeting_id))
    if status in ENDED_STATUSES:
        raise MeetingEnded("会议已结束或已取消。")


def actor_for(credential: dict[str, Any] | None, meeting: Meeting | int) -> Actor:
    """The caller as seen by ``meeting`` (a row, or an id: an invitation token needs no meeting row);
    NotAllowed when the credential does not open it."""
    credential = credential or {}
    kind = credential.get("kind")
    if kind == "invitation":
        meeting_id = meeting if isinstance(meeting, int) else meeting.id
        invitation = db.session.scalar(select(Invitation).where(Invitation.token == credential["token"]))
        if invitation is not None and invitation.meeting_id == meeting_id:
            if isinstance(meeting, int):
                return Actor(invitation=invitation, meeting_id=meeting_id)
            return Actor(meeting, invitation=invitation)
        raise NotAllowed("您无权进入这场会议。")
    row = db.session.get(Meeting, meeting) if isinstance(meeting, int) else meeting
    if row is None:
        raise NotAllowed("您无权进入这场会议。")
    if kind == "watch":
        if row.watch_token == credential["token"]:
            return Actor(row, watcher=True)
    elif kind == "user":
        user = load_user(credential["session_id"])
        if user is not None:
            invitation = invitation_of(user, row)
            host = is_live_host(user, row)
            if host or invitation is not None:
                return Actor(row, invitation=invitation, user=user, host=host)
    raise NotAllowed("您无权进入这场会议。")


def watched_meeting_id(credential: dict[str, Any] | None) -> int | None:
    """For a watch token, the one meeting it shows (watchers may join without naming it)."""
    credential = credential or {}
    if credential.get("kind") == "watch":
        return db.session.scalar(select(Meeting.id).where(Meeting.watch_token == credential["token"]))
    if credential.get("kind") == "invitation":
        return db.session.scalar(select(Invitation.meeting_id).where(Invitation.token == credential["token"]))
    return None
