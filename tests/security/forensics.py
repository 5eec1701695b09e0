"""The attacker's tools shared by the secret-ballot forensic tests: what a backup holder reads."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from sqlalchemy import text

from roundtable.extensions import db
from roundtable.live import secret_ballots


def sealed_in(blob: bytes, length: int) -> list[bytes]:
    """Every sealed ballot of ``length`` bytes found in raw bytes (by the sealing's magic prefix)."""
    found, start = [], blob.find(secret_ballots.MAGIC)
    while start >= 0:
        found.append(blob[start:start + length])
        start = blob.find(secret_ballots.MAGIC, start + 1)
    return found


def score(predictions: dict[int, int | None], truth: dict[int, int]) -> tuple[int, int]:
    """(voters matched by the attack with the majority fallback, voters matched by the fallback alone)."""
    majority = Counter(truth.values()).most_common(1)[0][0]
    attack = sum((predictions.get(v) or majority) == truth[v] for v in truth)
    return attack, sum(majority == truth[v] for v in truth)


class WalTap:
    """Copies the SQLite WAL frames each voter's commit adds: the attacker is told whose commit is whose."""

    def __init__(self) -> None:
        self.wal = Path(str(db.engine.url.database) + "-wal")
        db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.session.commit()
        self.position = self.wal.stat().st_size if self.wal.exists() else 0
        self.commits: dict[int, bytes] = {}

    def __call__(self, voter) -> None:
        data = self.wal.read_bytes()
        assert len(data) >= self.position, "the WAL was checkpointed during the vote"
        self.commits[voter.id] = data[self.position:]
        self.position = len(data)

    def whole(self) -> bytes:
        return self.wal.read_bytes()


def tuples(table: str) -> list[tuple[int, list[bytes | None]]]:
    """Every tuple of ``table``, live or dead, with its xmin and raw attributes (pageinspect)."""
    pages = db.session.scalar(text("SELECT pg_relation_size(:t) / current_setting('block_size')::int"), {"t": table})
    rows = []
    for page in range(pages):
        for xmin, attrs in db.session.execute(text(
            "SELECT t_xmin::text::bigint, t_attrs FROM heap_page_item_attrs(get_raw_page(:t, :p), CAST(:t AS regclass)) "
            "WHERE t_xmin IS NOT NULL"
        ), {"t": table, "p": page}):
            rows.append((xmin, [bytes(a) if a is not None else None for a in attrs]))
    return rows
