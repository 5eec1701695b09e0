"""The attack of the security review, repeated: rejoin secret voters and their choices from the database files.

21 voters cast a secret yes/no/abstain ballot, each in a transaction of its own
(the easiest case for the attacker: one voter per commit), and the poll is
closed. The attacker then reads, on SQLite, the write-ahead log frame by frame
(and is even told which commit was whose), on PostgreSQL every heap tuple of
the ballot tables including dead ones, with their ``xmin``, through
``pageinspect``. For each voter the attacker predicts a choice from what the
voter's own commit (or transaction id) reveals, and falls back on the most
common choice, which the published result tells everyone.

Without the ballot key the attacker must match no more voters than that
fallback alone does (chance). With the key (the residual risk named in
docs/security.md) the same attack rejoins every voter: proof that the attack
is real and reads the right bytes.
"""
from __future__ import annotations

import random
from collections import Counter

import pytest
from sqlalchemy import text

from roundtable.extensions import db
from roundtable.live import operations, secret_ballots
from roundtable.live.models import Poll
from tests.live.conftest import build_room
from tests.security.forensics import WalTap, score, sealed_in, tuples

VOTERS = 21
SEALED_LENGTH = len(secret_ballots.MAGIC) + 48 + secret_ballots.PLAINTEXT_SIZE


def _secret_poll(world):
    room = build_room(world, guests=VOTERS - 1)
    voters = room.voters
    for voter in voters:
        operations.check_in(voter)
    motion = operations.propose_motion(room.meeting, voters[0], "夜间错时停车试行三个月")
    operations.second_motion(room.meeting, voters[1], motion.id)
    poll = operations.open_poll(room.meeting, world.a.secretary, motion.id, "yes_no", secret=True)
    db.session.commit()
    options = {option.code: option.id for option in poll.options}
    plan = ["yes"] * 8 + ["no"] * 7 + ["abstain"] * 6
    random.Random(7).shuffle(plan)
    return room, poll.id, voters, {voter.id: options[code] for voter, code in zip(voters, plan)}, options


def _vote_one_by_one(room, poll_id, voters, truth, after_commit=lambda voter: None):
    for voter in voters:
        operations.cast_vote(room.meeting, voter, poll_id, [truth[voter.id]], f"key-{voter.id}")
        db.session.commit()
        after_commit(voter)


def _close(room, world, poll_id):
    result = operations.close_poll(room.meeting, world.a.secretary, poll_id)
    db.session.commit()
    return result


def _choice_in(blob: bytes, options: dict[str, int]) -> int | None:
    """A plaintext choice in raw bytes: the JSON ``[id]`` a ballot row stores."""
    found = {option_id for option_id in options.values() if f"[{option_id}]".encode() in blob}
    return found.pop() if len(found) == 1 else None




# ---------------------------------------------------------------- SQLite: the write-ahead log


def test_the_sqlite_wal_does_not_link_voters_to_choices(app, world, is_postgres):
    if is_postgres:
        pytest.skip("the SQLite attack; PostgreSQL has its own below")
    room, poll_id, voters, truth, options = _secret_poll(world)
    tap = WalTap()
    commits = tap.commits
    _vote_one_by_one(room, poll_id, voters, truth, tap)
    _close(room, world, poll_id)
    whole_wal = tap.whole()
    assert all(f"[{option_id}]".encode() in whole_wal for option_id in options.values()), \
        "the close wrote plain choices into the WAL: the attacker reads the right file"

    # Each commit rewrites whole pages, so the votes page of a commit holds every earlier vote too:
    # the attacker takes the choice whose plaintext occurs once more than in the commit before.
    without_key, before = {}, Counter()
    for voter in voters:
        now = Counter({option_id: commits[voter.id].count(f"[{option_id}]".encode()) for option_id in options.values()})
        grown = [option_id for option_id in options.values() if now[option_id] > before[option_id]]
        without_key[voter.id] = grown[0] if len(grown) == 1 else _choice_in(commits[voter.id], options)
        before = now
    attack, chance = score(without_key, truth)
    assert attack <= chance, f"the WAL linked {attack} of {VOTERS} voters (chance: {chance})"

    # The key holder (residual risk): decrypt the sealed ballots new in each voter's commit.
    seen: set[bytes] = set()
    with_key = {}
    for voter in voters:
        fresh = [blob for blob in sealed_in(commits[voter.id], SEALED_LENGTH) if blob not in seen]
        seen.update(fresh)
        opened = {secret_ballots.unseal(poll_id, blob)[0][0] for blob in fresh}
        with_key[voter.id] = opened.pop() if len(opened) == 1 else None
    assert score(with_key, truth)[0] == VOTERS


# ---------------------------------------------------------------- PostgreSQL: dead tuples and xmin



def test_postgres_dead_tuples_and_xmin_do_not_link_voters_to_choices(app, world, is_postgres):
    if not is_postgres:
        pytest.skip("the PostgreSQL attack; SQLite has its own above")
    db.session.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
    for table in ("live_secret_voters", "live_secret_votes", "live_sealed_ballots"):
        db.session.execute(text(f"ALTER TABLE {table} SET (autovacuum_enabled = false)"))
    db.session.commit()
    room, poll_id, voters, truth, options = _secret_poll(world)
    _vote_one_by_one(room, poll_id, voters, truth)
    _close(room, world, poll_id)

    voter_tuples = tuples("live_secret_voters")
    invitation_of = {}  # xmin → invitation ids written by that transaction
    for xmin, attrs in voter_tuples:
        invitation_of.setdefault(xmin, set()).add(int.from_bytes(attrs[2][:4], "little"))
    assert any(len(ids) == 1 for ids in invitation_of.values()), "dead voter tuples are there to be read"
    plain_by_xmin: dict[int, list[bytes]] = {}
    for xmin, attrs in tuples("live_secret_votes") + tuples("live_sealed_ballots"):
        plain_by_xmin.setdefault(xmin, []).append(b"".join(a for a in attrs if a))

    without_key, with_key = {}, {}
    for xmin, ids in invitation_of.items():
        if len(ids) != 1:
            continue  # the close's rewrite: every voter at once
        (invitation_id,) = ids
        if invitation_id not in truth:
            continue  # dead tuples of earlier tests' polls (the test database is emptied, not vacuumed)
        blobs = plain_by_xmin.get(xmin, [])
        choices = {c for c in (_choice_in(blob, options) for blob in blobs) if c is not None}
        without_key[invitation_id] = choices.pop() if len(choices) == 1 else None
        opened = {secret_ballots.unseal(poll_id, sealed)[0][0] for blob in blobs for sealed in sealed_in(blob, SEALED_LENGTH)}
        with_key[invitation_id] = opened.pop() if len(opened) == 1 else None
    assert len(with_key) == VOTERS, "each voter's transaction is visible by its xmin"
    attack, chance = score(without_key, truth)
    assert attack <= chance, f"dead tuples linked {attack} of {VOTERS} voters (chance: {chance})"
    assert score(with_key, truth)[0] == VOTERS  # the key holder's residual risk, as documented

    # After the close nothing sealed is left alive, and the plain choices all carry one xmin.
    assert not db.session.scalar(text("SELECT count(*) FROM live_sealed_ballots"))
    assert db.session.scalar(text("SELECT count(DISTINCT xmin::text) FROM live_secret_votes")) == 1
    assert db.session.get(Poll, poll_id).state == "closed"
