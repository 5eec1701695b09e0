"""Reading the trail: the chain's state, its verification, and entries within a reader's reach."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import func, select

from roundtable.audit.chain import HEAD_ID
from roundtable.audit.models import GENESIS_HASH, AuditChainHead, AuditEntry, entry_hash, hashed_fields
from roundtable.core.time import utcnow
from roundtable.extensions import db

HASHED = ("seq", "at", "actor_id", "actor", "action", "subject_type", "subject_id", "community_id", "data")


@dataclass
class ChainState:
    length: int
    last_hash: str
    ok: bool
    verified_at: datetime
    first_broken_seq: int | None = None
    reason: str = ""


def verify_chain(batch: int = 2000) -> ChainState:
    """Walk every entry in order; the first entry whose number, link or hash is wrong is reported.

    Read in batches by key range rather than one query per row, so a long
    chain costs a few hundred queries, and memory stays flat.
    """
    expected_seq, prev_hash, last_seen = 1, GENESIS_HASH, 0
    while True:
        rows = db.session.execute(
            select(*AuditEntry.__table__.columns).where(AuditEntry.seq > last_seen).order_by(AuditEntry.seq).limit(batch)
        ).all()
        if not rows:
            break
        for entry in rows:
            problem = None
            if entry.seq != expected_seq:
                problem = gettext("编号不连续:应为 %(expected)s,实为 %(seq)s(条目被删除或移动)",
                                  expected=expected_seq, seq=entry.seq)
            elif entry.prev_hash != prev_hash:
                problem = gettext("与前一条的哈希链接不符(前一条被改动、删除或顺序被调换)")
            elif entry_hash(hashed_fields(**{k: getattr(entry, k) for k in HASHED}), entry.prev_hash) != entry.hash:
                problem = gettext("条目内容与其哈希不符(条目被改动)")
            if problem:
                return ChainState(last_seen, prev_hash, False, utcnow(), min(expected_seq, entry.seq), problem)
            prev_hash, last_seen, expected_seq = entry.hash, entry.seq, expected_seq + 1
    head = db.session.execute(
        select(AuditChainHead.length, AuditChainHead.last_hash).where(AuditChainHead.id == HEAD_ID)
    ).first()
    length = expected_seq - 1
    if head is None and length == 0:
        return ChainState(0, GENESIS_HASH, True, utcnow())
    if head is None or head.length != length or head.last_hash != prev_hash:
        recorded = head.length if head is not None else 0
        return ChainState(
            length, prev_hash, False, utcnow(), length + 1 if recorded > length else length,
            gettext("链尾不符:记录的长度为 %(recorded)s,实有 %(length)s 条(末尾条目被删除或改动)",
                    recorded=recorded, length=length),
        )
    return ChainState(length, prev_hash, True, utcnow())


def entries_in(community_ids: list[int], *, action: str = "", subject_type: str = "",
               page: int = 1, per_page: int = 50):
    """Newest first, only the communities the reader may see; returns (entries, total)."""
    query = select(AuditEntry).where(AuditEntry.community_id.in_(community_ids))
    if action:
        query = query.where(AuditEntry.action.startswith(action, autoescape=True))
    if subject_type:
        query = query.where(AuditEntry.subject_type == subject_type)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    entries = db.session.scalars(
        query.order_by(AuditEntry.seq.desc()).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return entries, total


