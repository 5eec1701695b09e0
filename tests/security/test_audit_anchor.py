"""The audit chain's two rewrites that plain verification cannot see, caught with a signed anchor.

Attacks, as someone with write access to the database would do them:
truncation (delete the last entries, rewrite the head) and recomputation (edit
an entry, recompute every later hash and the head). Both pass ``flask audit
verify`` alone; both fail ``flask audit verify --anchor`` with a checkpoint file
or with a published resolution PDF; a checkpoint forged to match fails its
signature.
"""
from __future__ import annotations

import json

from sqlalchemy import delete, select, update

from roundtable.audit.anchor import Checkpoint, checkpoint
from roundtable.audit.models import AuditChainHead, AuditEntry, entry_hash
from roundtable.audit.queries import HASHED
from roundtable.extensions import db
from tests.factories import make_case


def _some_history(world, cases: int = 6):
    for _ in range(cases):
        make_case(world.a.community, world.a.secretary)
    db.session.commit()


def _truncate(keep: int) -> None:
    db.session.execute(delete(AuditEntry).where(AuditEntry.seq > keep))
    last = db.session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == keep))
    db.session.execute(update(AuditChainHead).values(length=keep, last_hash=last))
    db.session.commit()


def _recompute_from(seq: int) -> None:
    """Edit entry ``seq`` and recompute every later hash and the head: a chain that verifies."""
    entries = list(db.session.scalars(select(AuditEntry).where(AuditEntry.seq >= seq).order_by(AuditEntry.seq)))
    prev = db.session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == seq - 1)) if seq > 1 else "0" * 64
    entries[0].actor = "nobody"
    for entry in entries:
        entry.prev_hash = prev
        entry.hash = entry_hash(entry.hashed_fields(), prev)
        prev = entry.hash
    db.session.flush()
    db.session.execute(update(AuditChainHead).values(last_hash=prev))
    db.session.commit()


def _verify(runner, *anchors):
    args = ["audit", "verify"]
    for anchor in anchors:
        args += ["--anchor", str(anchor)]
    return runner.invoke(args=args)


def test_checkpoint_command_writes_a_signed_head(app, world, runner, tmp_path):
    _some_history(world)
    out = tmp_path / "cp.json"
    result = runner.invoke(args=["audit", "checkpoint", "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    head = db.session.get(AuditChainHead, 1)
    assert data["seq"] == head.length and data["hash"] == head.last_hash and data["signature"]
    assert _verify(runner, out).exit_code == 0


def test_truncating_the_tail_and_rewriting_the_head_is_caught(app, world, runner, tmp_path):
    _some_history(world)
    anchor = tmp_path / "anchor.json"
    anchor.write_text(checkpoint().to_json())
    _truncate(keep=3)
    assert _verify(runner).exit_code == 0, "the naive rewrite passes plain verification"
    result = _verify(runner, anchor)
    assert result.exit_code == 1 and "截短" in result.output


def test_recomputing_the_chain_is_caught(app, world, runner, tmp_path):
    _some_history(world)
    anchor = tmp_path / "anchor.json"
    anchor.write_text(checkpoint().to_json())
    _recompute_from(2)
    assert _verify(runner).exit_code == 0, "the recomputed chain passes plain verification"
    result = _verify(runner, anchor)
    assert result.exit_code == 1 and "改写" in result.output


def test_a_checkpoint_forged_to_match_fails_its_signature(app, world, runner, tmp_path):
    _some_history(world)
    real = checkpoint()
    _recompute_from(2)
    head = db.session.get(AuditChainHead, 1)
    forged = Checkpoint(real.seq, head.last_hash, real.at, real.public_key, real.signature)
    anchor = tmp_path / "forged.json"
    anchor.write_text(forged.to_json())
    result = _verify(runner, anchor)
    assert result.exit_code == 1 and "签名无效" in result.output
    other_key = Checkpoint(real.seq, head.last_hash, real.at, "ab" * 32, real.signature)
    anchor.write_text(other_key.to_json())
    assert "不受信任" in _verify(runner, anchor).output


def test_fields_hashed_are_the_ones_the_attack_rewrites():
    assert "actor" in HASHED
