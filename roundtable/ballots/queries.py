"""The ballot channels (phone, paper, assistance, proxy) in a record, and the proxies a holder carries.

The count by channel reads the live tables: ``roundtable.live.queries.channel_counts``."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from roundtable.ballots.models import CHANNEL_LABELS, CHANNELS, Proxy
from roundtable.extensions import db
from roundtable.meetings.models import Invitation


def channel_rows_for_record(counts: dict[str, int]) -> list[dict[str, str | int]]:
    return [{"channel": c, "label": CHANNEL_LABELS[c], "count": counts.get(c, 0)} for c in CHANNELS]


def proxies_held(meeting_id: int, holder_id: int) -> list[Proxy]:
    return list(db.session.scalars(
        select(Proxy).where(Proxy.meeting_id == meeting_id, Proxy.holder_id == holder_id, Proxy.revoked_at.is_(None))
        .order_by(Proxy.id)))


def proxy_granted(invitation: Invitation | None) -> dict[str, Any] | None:
    """For a grantor's phone: the proxy they gave that is in force (to whom, since when), or None."""
    if invitation is None:
        return None
    proxy = db.session.scalar(select(Proxy).where(
        Proxy.meeting_id == invitation.meeting_id, Proxy.grantor_id == invitation.id, Proxy.revoked_at.is_(None)))
    if proxy is None:
        return None
    return {"id": proxy.id, "holder": {"id": proxy.holder.id, "name": proxy.holder.display_name},
            "consent_at": proxy.consent_at.isoformat()}


def proxies_of_meeting(meeting_id: int) -> list[Proxy]:
    return list(db.session.scalars(select(Proxy).where(Proxy.meeting_id == meeting_id).order_by(Proxy.id)))
