"""Explicit entries, for the events a flush listener cannot see: reads, and meanings beyond a column.

Like every operation they flush and never commit: the entry belongs to the
caller's transaction and disappears with it on a rollback.
"""
from __future__ import annotations

from roundtable.audit.chain import append_entries
from roundtable.extensions import db


def record(action: str, *, subject_type: str = "", subject_id: int | None = None,
           community_id: int | None = None, data: dict | None = None) -> dict:
    """Append one entry after whatever the session still has to flush (so the order is the order of events)."""
    db.session.flush()
    entry = {
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "community_id": community_id,
        "data": data or {},
    }
    return append_entries(db.session(), [entry])[0]


def record_case_read(case, user, where: str) -> dict:
    """An auditor looked at a case: the trail says who read which case, and on which page."""
    return record(
        "case.read",
        subject_type="case",
        subject_id=case.id,
        community_id=case.community_id,
        data={"page": where, "reader_id": user.id},
    )
