"""The ballot channels (phone, paper, assistance, proxy) in a record, and the proxies a holder carries.

The count by channel reads the live tables: ``roundtable.live.queries.channel_counts``."""
from __future__ import annotations

from sqlalchemy import select

from roundtable.ballots.models import CHANNEL_LABELS, CHANNELS, Proxy
from roundtable.extensions import db


def channel_rows_for_record(counts: dict[str, int]) -> list[dict]:
    return [{"channel": c, "label": CHANNEL_LABELS[c], "count": counts.get(c, 0)} for c in CHANNELS]


def proxies_held(meeting_id: int, holder_id: int) -> list[Proxy]:
    return list(db.session.scalars(
        select(Proxy).where(Proxy.meeting_id == meeting_id, Proxy.holder_id == holder_id).order_by(Proxy.id)))


def proxies_of_meeting(meeting_id: int) -> list[Proxy]:
    return list(db.session.scalars(select(Proxy).where(Proxy.meeting_id == meeting_id).order_by(Proxy.id)))
