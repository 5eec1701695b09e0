"""Lookups of satisfaction requests."""
from __future__ import annotations

import re

from sqlalchemy import select

from roundtable.extensions import db
from roundtable.satisfaction.models import FLAG_OPEN, SatisfactionRequest

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,32}$")


def by_token(token: str) -> SatisfactionRequest | None:
    if not token or not _TOKEN.match(token):
        return None
    return db.session.scalar(select(SatisfactionRequest).where(SatisfactionRequest.token == token))


def open_flags(community_id: int) -> list[SatisfactionRequest]:
    return list(db.session.scalars(
        select(SatisfactionRequest).where(SatisfactionRequest.community_id == community_id,
                                          SatisfactionRequest.flag == FLAG_OPEN)
        .order_by(SatisfactionRequest.answered_at)
    ))


def recent_answers(community_id: int, limit: int = 50) -> list[SatisfactionRequest]:
    return list(db.session.scalars(
        select(SatisfactionRequest).where(SatisfactionRequest.community_id == community_id,
                                          SatisfactionRequest.answered_at.is_not(None))
        .order_by(SatisfactionRequest.answered_at.desc()).limit(limit)
    ))


def open_for_invitation(invitation_id: int) -> list[SatisfactionRequest]:
    """A resident's unanswered requests, shown on their invitation page."""
    return list(db.session.scalars(
        select(SatisfactionRequest).where(SatisfactionRequest.invitation_id == invitation_id,
                                          SatisfactionRequest.answered_at.is_(None))
        .order_by(SatisfactionRequest.id)
    ))
