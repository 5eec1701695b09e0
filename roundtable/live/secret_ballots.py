"""Secret-ballot storage: the ONE place that writes, counts and opens what was voted in a secret poll.

Every ballot path (phones through ``ballot_box``, the host's assisted votes,
paper and proxy ballots, budget polls) stores a secret poll's ballot through
``ballot_values`` and reads it back through ``choices``/``receipts``/``open_at_close``.
A secret fund budget vote over a period (personal links) is sealed and opened with
``seal_fund_ballot``/``unseal_fund_ballot``, whose rows roundtable/funds/operations.py writes
(``fund_ballot_row``, ``open_fund_vote_at_count``): the same sealing and the
same close, with keys derived under the fund-vote purposes, so a live poll and a fund
vote that share an id never share a key.
Threat model and residual risks: docs/security.md.

- *Who voted* is a ``SecretVoter`` row (UNIQUE per poll and participant: no double vote).
- *What was voted* is, while the poll is open, a ``SealedBallot``: the choices and the
  receipt sealed (libsodium sealed box, X25519 + XSalsa20-Poly1305) to the poll's public key.
  The poll's private key is derived (HKDF-SHA256) from the deployment's ballot key and the
  poll id; the ballot key lives in ``BALLOT_KEY`` or a 0600 file, never in the database. Both
  rows are in the transaction that acknowledges the vote, so an acknowledged ballot survives
  kill -9; a database file, a WAL page or a dead tuple shows a voter beside ciphertext.
- At the close, under the exclusive poll lock, the sealed rows are opened, the plain choices
  are written as ``SecretVote`` rows in one shuffled multi-row insert, the sealed rows are
  deleted and the voter rows rewritten shuffled: after the close every plain choice carries
  the close's transaction id and a random key, none a voter's.
- The receipt is an HMAC of the participant under a per-poll key derived from the same ballot
  key: a repeat, also after the close, gets the same receipt, and the database alone cannot
  compute anyone's.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import random
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask, current_app
from nacl.public import PrivateKey, SealedBox
from sqlalchemy import String, delete, insert, select

from roundtable.core.ids import random_id
from roundtable.core.sql import any_of
from roundtable.core.types import JsonObject
from roundtable.extensions import db
from roundtable.live.models import Poll, SealedBallot, SecretVote, SecretVoter

if TYPE_CHECKING:
    pass

# Every sealed ballot starts with this tag (format version 1), then the sealed box.
MAGIC = b"RTB1"
# Plaintexts are padded to one size, so a ciphertext's length says nothing about the choices.
PLAINTEXT_SIZE = 512


class BallotKeyMissing(RuntimeError):
    """No ballot key configured where one must exist (production)."""


def _key_file() -> Path:
    configured = current_app.config.get("BALLOT_KEY_FILE")
    if configured:
        return Path(configured)
    from roundtable.config import INSTANCE_DIR

    return INSTANCE_DIR / "ballot_key"


def ballot_key() -> bytes:
    """The deployment's 32-byte ballot key: ``BALLOT_KEY`` (hex), else the key file, created once (0600)."""
    configured = current_app.config.get("BALLOT_KEY")
    if configured:
        key = bytes.fromhex(configured)
        if len(key) != 32:
            raise BallotKeyMissing("BALLOT_KEY must be 64 hexadecimal digits")
        return key
    path = _key_file()
    if not path.exists():
        from roundtable.config import write_private_file

        try:
            write_private_file(path, secrets.token_hex(32))
        except FileExistsError:  # another process created it first
            pass
    return bytes.fromhex(path.read_text().strip())


# Key purposes (HKDF "info"): one pair per kind of secret vote.
LIVE_POLL_SEALING, LIVE_POLL_RECEIPT = b"sealing key", b"receipt key"
FUND_VOTE_SEALING, FUND_VOTE_RECEIPT = b"fund vote sealing key", b"fund vote receipt key"
# A fund ballot holds up to 20 projects with points: a larger fixed size, the same for every ballot,
# still small enough that a sealed row stays whole on one database page.
FUND_PLAINTEXT_SIZE = 768


def _derive(purpose: bytes, poll_id: int) -> bytes:
    """HKDF-SHA256 (RFC 5869, one block) of the ballot key for one purpose and poll."""
    salt = b"roundtable secret ballots v1"
    prk = hmac.new(salt, ballot_key(), hashlib.sha256).digest()
    info = purpose + b":" + str(poll_id).encode()
    return hmac.new(prk, info + b"\x01", hashlib.sha256).digest()


def poll_private_key(poll_id: int) -> PrivateKey:
    return PrivateKey(_derive(LIVE_POLL_SEALING, poll_id))


def receipt(poll_id: int, invitation_id: int) -> str:
    """The participant's receipt in a secret poll: the same for every repeat, computable only with the key."""
    key = _derive(LIVE_POLL_RECEIPT, poll_id)
    return hmac.new(key, f"{poll_id}:{invitation_id}".encode(), hashlib.sha256).hexdigest()


def _seal_padded(private: PrivateKey, ballot: JsonObject, size: int) -> bytes:
    plain = json.dumps(ballot, separators=(",", ":"), sort_keys=True).encode()
    if len(plain) > size - 1:
        raise ValueError("ballot too large to seal")
    padded = plain + b"\x00" * (size - len(plain))
    return MAGIC + SealedBox(private.public_key).encrypt(padded)


def _unseal_padded(private: PrivateKey, sealed: bytes) -> JsonObject:
    if not sealed.startswith(MAGIC):
        raise ValueError("not a sealed ballot")
    ballot: JsonObject = json.loads(SealedBox(private).decrypt(bytes(sealed[len(MAGIC):])).rstrip(b"\x00"))
    return ballot


def seal(poll_id: int, choices: list[int], receipt_text: str) -> bytes:
    return _seal_padded(poll_private_key(poll_id), {"c": sorted(choices), "r": receipt_text}, PLAINTEXT_SIZE)


def unseal(poll_id: int, sealed: bytes) -> tuple[list[int], str]:
    ballot = _unseal_padded(poll_private_key(poll_id), sealed)
    return list(ballot["c"]), ballot["r"]


def ballot_values(poll_id: int, invitation_id: int, chosen: list[int], receipt_text: str,
                  assisted_by_id: int | None) -> tuple[JsonObject, JsonObject]:
    """(who voted, what was voted) of one secret ballot as the values of a ``SecretVoter`` and a
    ``SealedBallot`` row, for a bulk insert; each with its own random key, neither naming the other."""
    voter = {"id": random_id(), "poll_id": poll_id, "invitation_id": invitation_id, "assisted_by_id": assisted_by_id}
    sealed = {"id": random_id(), "poll_id": poll_id, "sealed": seal(poll_id, chosen, receipt_text)}
    return voter, sealed


def _opened(poll: Poll) -> list[tuple[list[int], str]]:
    rows = db.session.scalars(select(SealedBallot.sealed).where(SealedBallot.poll_id == poll.id))
    return [unseal(poll.id, sealed) for sealed in rows]


def choices(poll: Poll, *, remembered: bool = False) -> list[list[int]]:
    """Every ballot's choices: opened from the sealed rows while the poll is open, plain after the close.

    ``remembered`` (the live tally of an open poll): see ``_remembered_choices``.
    """
    if poll.state == "open":
        if remembered:
            return _remembered_choices(poll)
        return [chosen for chosen, _receipt in _opened(poll)]
    return list(db.session.scalars(select(SecretVote.choices).where(SecretVote.poll_id == poll.id)))


REMEMBERED_POLLS = 16
OPENED_KEY = "live_opened_ballots"
opened_count = 0  # sealed ballots opened for live tallies by this process, for tests and benchmarks


def _remembered_choices(poll: Poll) -> list[list[int]]:
    """The choices of an open secret poll for its live tally, each sealed ballot opened once per process.

    With several server processes every tally counts the database (the others write
    ballots too), and opening every sealed ballot at every tally made a tally's cost
    grow with the ballots so far (a sealed box open is ~0.1 ms: 1,000 ballots, four
    tallies a second, per process). Here the process reads the ids of the sealed rows,
    opens only those it has not opened before, and keeps the choices by sealed-row id
    (a random key, which names no voter) in memory, for the last ``REMEMBERED_POLLS``
    polls; ``forget_opened`` drops a poll at its close. Nothing of it is written
    anywhere; the close still opens every row from the database.
    """
    global opened_count

    kept: dict[int, dict[str, list[int]]] = current_app.extensions.setdefault(OPENED_KEY, {})
    known = kept.pop(poll.id, {})
    ids = list(db.session.scalars(select(SealedBallot.id).where(SealedBallot.poll_id == poll.id)))
    missing = [sealed_id for sealed_id in ids if sealed_id not in known]
    for start in range(0, len(missing), 500):
        rows = db.session.execute(select(SealedBallot.id, SealedBallot.sealed).where(
            SealedBallot.poll_id == poll.id, any_of(SealedBallot.id, missing[start:start + 500], String)))
        for sealed_id, sealed in rows:
            known[sealed_id] = unseal(poll.id, sealed)[0]
            opened_count += 1
    current = {sealed_id: known[sealed_id] for sealed_id in ids if sealed_id in known}
    kept[poll.id] = current  # most recent last
    while len(kept) > REMEMBERED_POLLS:
        kept.pop(next(iter(kept)))
    return list(current.values())


def forget_opened(app: Flask, poll_id: int) -> None:
    """The poll closed: drop what this process opened of it for live tallies."""
    app.extensions.get(OPENED_KEY, {}).pop(poll_id, None)


def receipts(poll: Poll) -> list[str]:
    if poll.state == "open":
        return sorted(receipt_text for _chosen, receipt_text in _opened(poll))
    return sorted(db.session.scalars(select(SecretVote.receipt).where(SecretVote.poll_id == poll.id)))


def _rewrite_channels(poll: Poll, shuffle: Callable[[list[JsonObject]], None]) -> None:
    """The rows saying a ballot came on paper or by proxy sit beside who voted, written in voting
    order: rewritten shuffled at the close like the voter rows, so their order says nothing either."""
    from roundtable.ballots.models import BallotChannel

    columns = (BallotChannel.poll_id, BallotChannel.invitation_id, BallotChannel.channel, BallotChannel.proxy_id,
               BallotChannel.recorded_by_id)
    rows = [dict(row._mapping) for row in db.session.execute(select(*columns).where(BallotChannel.poll_id == poll.id))]
    if not rows:
        return
    db.session.execute(delete(BallotChannel).where(BallotChannel.poll_id == poll.id)
                       .execution_options(synchronize_session=False))
    shuffle(rows)
    db.session.execute(insert(BallotChannel), [dict(row, id=random_id()) for row in rows])


def open_at_close(poll: Poll) -> list[JsonObject]:
    """At the close (caller holds the exclusive poll lock): plain choices written shuffled, the sealed
    rows deleted, the voters rewritten shuffled. Returns ``[{receipt, choices}]`` sorted by receipt."""
    shuffle = random.SystemRandom().shuffle
    opened = _opened(poll)
    shuffle(opened)
    db.session.execute(
        delete(SealedBallot).where(SealedBallot.poll_id == poll.id).execution_options(synchronize_session=False)
    )
    if opened:
        db.session.execute(insert(SecretVote), [
            {"id": random_id(), "poll_id": poll.id, "choices": chosen, "receipt": receipt_text}
            for chosen, receipt_text in opened
        ])
    voters = [dict(row._mapping) for row in db.session.execute(
        select(SecretVoter.poll_id, SecretVoter.invitation_id, SecretVoter.assisted_by_id).where(SecretVoter.poll_id == poll.id)
    )]
    db.session.execute(delete(SecretVoter).where(SecretVoter.poll_id == poll.id).execution_options(synchronize_session=False))
    shuffle(voters)
    if voters:
        db.session.execute(insert(SecretVoter), [dict(row, id=random_id()) for row in voters])
    _rewrite_channels(poll, shuffle)
    return sorted(({"receipt": r, "choices": c} for c, r in opened), key=lambda entry: entry["receipt"])



# ------------------------------------------------------------ fund budget votes (period, personal links)


def fund_vote_private_key(vote_id: int) -> PrivateKey:
    return PrivateKey(_derive(FUND_VOTE_SEALING, vote_id))


def fund_vote_receipt(vote_id: int, voter_id: int) -> str:
    """A resident's receipt in a secret fund vote: the same for every repeat (also after the count),
    computable only with the ballot key."""
    key = _derive(FUND_VOTE_RECEIPT, vote_id)
    return hmac.new(key, f"fund-vote:{vote_id}:{voter_id}".encode(), hashlib.sha256).hexdigest()


def seal_fund_ballot(vote_id: int, choices: dict[int, int], receipt_text: str) -> bytes:
    ballot = {"c": {str(project): int(points) for project, points in choices.items()}, "r": receipt_text}
    return _seal_padded(fund_vote_private_key(vote_id), ballot, FUND_PLAINTEXT_SIZE)


def unseal_fund_ballot(vote_id: int, sealed: bytes) -> tuple[dict[str, int], str]:
    ballot = _unseal_padded(fund_vote_private_key(vote_id), sealed)
    return dict(ballot["c"]), ballot["r"]
