"""Appending to the chain: one writer at a time, inside the caller's transaction.

Two transactions that both read the last hash and append after it would fork
the chain. So the read of the head happens under a lock held until the
transaction ends: PostgreSQL takes a transaction-level advisory lock; SQLite
has one writer at a time, and a no-op write to the head first makes sure this
transaction holds the write lock before it reads (with WAL, a transaction that
read an older snapshot cannot then write: it fails instead of forking).
The entries are written with Core statements on the session's connection, so
they share its transaction and never re-enter the ORM flush.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from roundtable.audit.actor import current_actor
from roundtable.audit.models import GENESIS_HASH, AuditChainHead, AuditEntry, entry_hash, hashed_fields
from roundtable.core.time import utcnow

# Any constant works; this one spells "audit" so that it is recognisable in pg_locks.
ADVISORY_LOCK_KEY = 0x6175646974
HEAD_ID = 1


def _lock_and_read_head(connection) -> tuple[int, str, bool]:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK_KEY})")
    else:
        connection.execute(
            update(AuditChainHead).where(AuditChainHead.id == HEAD_ID).values(length=AuditChainHead.length)
        )
    row = connection.execute(
        select(AuditChainHead.length, AuditChainHead.last_hash).where(AuditChainHead.id == HEAD_ID)
    ).first()
    if row is None:
        return 0, GENESIS_HASH, False
    return row.length, row.last_hash, True


def append_entries(session: Session, entries: list[dict], at: datetime | None = None) -> list[dict]:
    """Chain ``entries`` (action, subject_type, subject_id, community_id, data) after the last one."""
    if not entries:
        return []
    connection = session.connection()
    length, prev_hash, head_exists = _lock_and_read_head(connection)
    actor = current_actor()
    moment = at or utcnow()
    rows = []
    for entry in entries:
        length += 1
        fields = hashed_fields(
            seq=length,
            at=moment,
            actor_id=entry.get("actor_id", actor.user_id),
            actor=entry.get("actor", actor.label),
            action=entry["action"],
            subject_type=entry.get("subject_type", ""),
            subject_id=entry.get("subject_id"),
            community_id=entry.get("community_id"),
            data=entry.get("data") or {},
        )
        digest = entry_hash(fields, prev_hash)
        rows.append({**fields, "at": moment, "prev_hash": prev_hash, "hash": digest})
        prev_hash = digest
    connection.execute(insert(AuditEntry), rows)
    if head_exists:
        connection.execute(
            update(AuditChainHead).where(AuditChainHead.id == HEAD_ID).values(length=length, last_hash=prev_hash)
        )
    else:
        connection.execute(insert(AuditChainHead).values(id=HEAD_ID, length=length, last_hash=prev_hash))
    return rows
