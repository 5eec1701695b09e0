"""Read-only questions about meetings: lists, series, summons and response-time figures."""
from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import gettext
from sqlalchemy import select

from roundtable.auth.models import User
from roundtable.cases.models import TERMINAL_STATUSES, Case, Topic
from roundtable.communities.models import Department, Membership, Organization
from roundtable.core.privacy import scrub_phones
from roundtable.core.time import utcnow
from roundtable.extensions import db
from roundtable.meetings.models import SIDES, Invitation, Meeting, MeetingCase


def meetings_of_community(community_id: int) -> list[Meeting]:
    """Upcoming and recent first: the ones still ahead sorted soonest first, then the past."""
    meetings = db.session.scalars(
        select(Meeting).where(Meeting.community_id == community_id).order_by(Meeting.starts_at.desc())
    ).all()
    now = utcnow()
    ahead = sorted((m for m in meetings if m.starts_at >= now), key=lambda m: m.starts_at)
    return ahead + [m for m in meetings if m.starts_at < now]


def meetings_for_case(case: Case) -> list[Meeting]:
    """Every meeting that took up this case, in the order they were held (a case may need several)."""
    return list(
        db.session.scalars(
            select(Meeting)
            .join(MeetingCase, MeetingCase.meeting_id == Meeting.id)
            .where(MeetingCase.case_id == case.id, Meeting.community_id == case.community_id)
            .order_by(Meeting.starts_at, Meeting.id)
        )
    )


def meeting_series(meeting: Meeting) -> list[Meeting]:
    """The chain of meetings this one belongs to, first meeting first (previous_meeting links)."""
    earlier: list[Meeting] = []
    seen = {meeting.id}
    current = meeting.previous_meeting
    while current is not None and current.id not in seen:
        earlier.append(current)
        seen.add(current.id)
        current = current.previous_meeting
    later: list[Meeting] = []
    current = meeting
    while True:
        following = db.session.scalar(
            select(Meeting)
            .where(Meeting.previous_meeting_id == current.id, Meeting.status != "cancelled")
            .order_by(Meeting.starts_at, Meeting.id)
            .limit(1)
        )
        if following is None or following.id in seen:
            break
        later.append(following)
        seen.add(following.id)
        current = following
    series = list(reversed(earlier)) + [meeting] + later
    return series if len(series) > 1 else []


def open_cases(community_id: int) -> list[Case]:
    return list(
        db.session.scalars(
            select(Case)
            .where(Case.community_id == community_id, Case.status.not_in(TERMINAL_STATUSES))
            .order_by(Case.received_at.desc())
        )
    )


def community_members(community_id: int, role: str) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.community_id == community_id, Membership.role == role, User.active.is_(True))
            .order_by(User.display_name)
        )
    )


def community_topics(community_id: int) -> list[Topic]:
    return list(db.session.scalars(select(Topic).where(Topic.community_id == community_id).order_by(Topic.title)))


def community_organizations(community_id: int) -> list[Organization]:
    return list(
        db.session.scalars(
            select(Organization).where(Organization.community_id == community_id).order_by(Organization.name)
        )
    )


def all_departments() -> list[Department]:
    return list(db.session.scalars(select(Department).order_by(Department.name)))


# Tokens are URL-safe base64 (models.new_token); anything else (a NUL byte breaks PostgreSQL) never matches.
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def invitation_by_token(token: str) -> Invitation | None:
    if not token or not _TOKEN_SHAPE.match(token):
        return None
    return db.session.scalar(select(Invitation).where(Invitation.token == token))


def link_expiry(invitation: Invitation, keep_days: int, now: datetime | None = None) -> str | None:
    """Why an invitation link no longer opens: 'cancelled', 'ended', or None while it works.

    A concluded meeting's link keeps working for ``keep_days`` so that residents
    can still look up what they attended.
    """
    meeting = invitation.meeting
    if meeting.status == "cancelled":
        return "cancelled"
    if meeting.status == "concluded":
        ended = meeting.ended_at or meeting.starts_at
        if (now or utcnow()) > ended + timedelta(days=keep_days):
            return "ended"
    return None


def summons_for(user: User) -> list[Invitation]:
    """Summons to the user's departments, the ones still to answer first."""
    if not user.department_ids:
        return []
    summons = db.session.scalars(
        select(Invitation)
        .join(Meeting, Invitation.meeting_id == Meeting.id)
        .where(Invitation.department_id.in_(user.department_ids), Invitation.summoned_at.is_not(None))
        .order_by(Meeting.starts_at.desc())
    ).all()
    return sorted(summons, key=lambda i: i.reported_at is not None)


def community_summoned(community_id: int, department_id: int) -> bool:
    return (
        db.session.scalar(
            select(Invitation.id)
            .where(
                Invitation.community_id == community_id,
                Invitation.department_id == department_id,
                Invitation.summoned_at.is_not(None),
            )
            .limit(1)
        )
        is not None
    )


@dataclass
class ResponseFigures:
    """How fast a department reports in when summoned."""

    summons: list[Invitation] = field(default_factory=list)
    on_time: int = 0
    late: int = 0
    missing: int = 0
    waiting: int = 0
    median: timedelta | None = None

    @property
    def decided(self) -> int:
        return self.on_time + self.late + self.missing

    @property
    def share_on_time(self) -> float | None:
        """On-time reports among summons whose outcome is known (a still-open deadline is not counted)."""
        return self.on_time / self.decided if self.decided else None


def department_response(department_id: int, community_id: int | None = None, now: datetime | None = None) -> ResponseFigures:
    """Response figures over all summons of a department, or only one community's summons."""
    query = (
        select(Invitation)
        .where(Invitation.department_id == department_id, Invitation.summoned_at.is_not(None))
        .order_by(Invitation.summoned_at.desc())
    )
    if community_id is not None:
        query = query.where(Invitation.community_id == community_id)
    figures = ResponseFigures(summons=list(db.session.scalars(query)))
    now = now or utcnow()
    states = Counter(invitation.report_in_state(now) for invitation in figures.summons)
    figures.on_time, figures.late = states["on_time"], states["late"]
    figures.missing, figures.waiting = states["missing"], states["waiting"]
    delays = [(invitation.reported_at - invitation.summoned_at).total_seconds() for invitation in figures.summons
              if invitation.reported_at is not None and invitation.summoned_at is not None]
    if delays:
        figures.median = timedelta(seconds=statistics.median(delays))
    return figures


class ParticipantLabels:
    """The published documents' names for participants (the resolution and the minutes use the same ones).

    Resident invitations get ``居民1``, ``居民2`` ... in invitation order unless they consented to a name."""

    def __init__(self, invitations: list[Invitation]):
        residents = [i for i in invitations if i.side == "resident"]
        self._numbers = {invitation.id: n for n, invitation in enumerate(residents, start=1)}

    def __call__(self, invitation: Invitation | None) -> str:
        if invitation is None:
            return ""
        if invitation.side == "resident":
            if invitation.consent_to_name and invitation.display_name:
                return scrub_phones(invitation.display_name)
            return gettext("居民%(n)s", n=self._numbers.get(invitation.id, ""))
        return scrub_phones(invitation.display_name or gettext(SIDES.get(invitation.side, "")))

