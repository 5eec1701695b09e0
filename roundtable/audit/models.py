"""AuditEntry and the chain head.

The hash of an entry covers every field that means something plus the hash of
the entry before it, so editing, removing or reordering any row breaks the
chain from there on. The head row remembers the length and last hash: without
it, deleting the *last* entry would leave a shorter chain that still verifies.
"""
from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import JSON, BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from roundtable.core.audit_naming import NotAudited
from roundtable.core.types import UTCDateTime
from roundtable.extensions import Model

GENESIS_HASH = "0" * 64


def canonical_time(moment: datetime) -> str:
    """Microsecond precision is what both SQLite and PostgreSQL give back, so the hash survives a round trip."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def json_safe(value):
    """Reduce a value to JSON types whose text never changes between databases (no floats from clocks)."""
    if isinstance(value, datetime):
        return canonical_time(value if value.tzinfo else value.replace(tzinfo=UTC))
    if isinstance(value, (Decimal,)):
        return str(value)
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [json_safe(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return repr(value)
    return str(value)


def canonical_json(fields: dict) -> str:
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def entry_hash(fields: dict, prev_hash: str) -> str:
    payload = canonical_json({**fields, "prev_hash": prev_hash})
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class AuditEntry(Model):
    """One change, who made it, and the hash that ties it to everything before it."""

    __tablename__ = "audit_entries"
    __audit__ = NotAudited("the trail itself")
    __table_args__ = (
        Index("ix_audit_entries_community_seq", "community_id", "seq"),
        Index("ix_audit_entries_subject", "subject_type", "subject_id"),
    )

    # Assigned under the chain lock, never by the database: a gap means a deleted row.
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(Integer)  # users.id, no foreign key: the log outlives rows
    actor: Mapped[str] = mapped_column(String(80), default="")
    action: Mapped[str] = mapped_column(String(60), index=True)
    subject_type: Mapped[str] = mapped_column(String(40), default="")
    subject_id: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    community_id: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    def hashed_fields(self) -> dict:  # noqa: D401 - the fields the hash covers
        return hashed_fields(
            seq=self.seq,
            at=self.at,
            actor_id=self.actor_id,
            actor=self.actor,
            action=self.action,
            subject_type=self.subject_type,
            subject_id=self.subject_id,
            community_id=self.community_id,
            data=self.data,
        )


def hashed_fields(*, seq, at, actor_id, actor, action, subject_type, subject_id, community_id, data) -> dict:
    return {
        "seq": seq,
        "at": canonical_time(at),
        "actor_id": actor_id,
        "actor": actor or "",
        "action": action,
        "subject_type": subject_type or "",
        "subject_id": subject_id,
        "community_id": community_id,
        "data": json_safe(data or {}),
    }


class AuditChainHead(Model):
    """The single row that says how long the chain is and how it ends (id is always 1)."""

    __tablename__ = "audit_chain_head"
    __audit__ = NotAudited("the trail's own bookkeeping")

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    length: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)
