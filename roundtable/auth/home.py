"""What waits for department and organization staff when they log in: the home page's lists."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import or_, select

from roundtable.auth.models import User
from roundtable.core.time import LOCAL_TZ, local, utcnow
from roundtable.extensions import db

if TYPE_CHECKING:
    from roundtable.meetings.models import Invitation, Meeting
    from roundtable.resolutions.models import Commitment


@dataclass(frozen=True)
class StaffWaiting:
    summons: list[Invitation] = field(default_factory=list)        # Invitation: summoned, not yet reported in
    commitments: list[Commitment] = field(default_factory=list)    # Commitment: asked of the unit, not yet confirmed
    meetings: list[Meeting] = field(default_factory=list)       # Meeting: live now or today, with the unit invited

    @property
    def empty(self) -> bool:
        return not (self.summons or self.commitments or self.meetings)


def _today_bounds(now: datetime) -> tuple[datetime, datetime]:
    day = local(now).date()
    start = datetime.combine(day, time.min, tzinfo=LOCAL_TZ)
    return start, start + timedelta(days=1)


def staff_waiting(user: User, now: datetime | None = None) -> StaffWaiting:
    from roundtable.meetings.models import Invitation, Meeting
    from roundtable.meetings.queries import summons_for
    from roundtable.resolutions.queries import commitments_for_user

    now = now or utcnow()
    summons = [i for i in summons_for(user) if i.reported_at is None and not i.meeting.is_finished]
    commitments = [c for c in commitments_for_user(user) if c.state == "pending"]
    holders = [Invitation.user_id == user.id]
    if user.department_ids:
        holders.append(Invitation.department_id.in_(user.department_ids))
    if user.organization_ids:
        holders.append(Invitation.organization_id.in_(user.organization_ids))
    start, end = _today_bounds(now)
    meetings = list(db.session.scalars(
        select(Meeting)
        .join(Invitation, Invitation.meeting_id == Meeting.id)
        .where(
            or_(*holders),
            or_(Meeting.status.in_(("live", "adjourned")),
                (Meeting.status == "scheduled") & (Meeting.starts_at >= start) & (Meeting.starts_at < end)),
        )
        .distinct()
        .order_by(Meeting.starts_at)
    ))
    return StaffWaiting(summons, commitments, meetings)
