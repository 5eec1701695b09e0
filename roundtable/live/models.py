"""What happens in the room, kept in the database so that every phone and every process agrees."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from roundtable.core.audit_naming import AuditDraft, Audited, NotAudited
from roundtable.core.ids import random_id
from roundtable.core.time import utcnow
from roundtable.core.types import UTCDateTime
from roundtable.extensions import Model
from roundtable.live.results import BUDGET, POINTS, PollResult

if TYPE_CHECKING:
    from roundtable.auth.models import User
    from roundtable.meetings.models import Invitation

# A motion: proposed → seconded → voting → decided; a budget vote is put by the host straight to voting.
PROPOSED, SECONDED, VOTING, DECIDED = "proposed", "seconded", "voting", "decided"
MOTION_TRANSITIONS: dict[str, tuple[str, ...]] = {
    PROPOSED: (SECONDED,), SECONDED: (VOTING,), VOTING: (DECIDED,), DECIDED: (),
}
# A poll: open → closed, once.
POLL_OPEN, POLL_CLOSED = "open", "closed"
POLL_TRANSITIONS: dict[str, tuple[str, ...]] = {POLL_OPEN: (POLL_CLOSED,), POLL_CLOSED: ()}

STANCES = {"support": "支持", "oppose": "反对", "concern": "关切", "neutral": "中立"}
POLL_KINDS = {"yes_no": "赞成/反对/弃权", "single": "单选", "multiple": "多选"}
# The budget kinds (BUDGET, POINTS) are defined beside the rules that count them (live/results.py).
ALL_POLL_KINDS = {**POLL_KINDS, BUDGET: "预算表决(在预算内勾选项目)", POINTS: "预算表决(分配积分)"}
YES_NO_OPTIONS = (("yes", "赞成"), ("no", "反对"), ("abstain", "弃权"))
# The stance a raised hand states first (南塘议事规则, "立场明确"); for and against take turns.
HAND_STANCES = {"support": "赞成", "oppose": "反对", "other": "其他"}
ALTERNATING_STANCES = ("support", "oppose")


class SpeakingRequest(Model):
    """A raised hand on one agenda item: waiting → speaking → done, or lowered/dropped."""

    __tablename__ = "live_speaking_requests"
    __audit__ = NotAudited("the queue of raised hands changes every few seconds and decides nothing")

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_items.id"))
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id"), index=True)
    state: Mapped[str] = mapped_column(String(10), default="waiting")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    stance: Mapped[str] = mapped_column(String(10), default="other", server_default="other")
    # Set when the host gave the floor to someone other than the proposed next speaker.
    override_reason: Mapped[str | None] = mapped_column(Text)

    invitation: Mapped[Invitation] = relationship("Invitation")


class Position(Model):
    """A stance on the current item; the host may hide it, never delete it."""

    __tablename__ = "live_positions"
    __audit__ = Audited(
        "position",
        describe=("meeting_id", "invitation_id", "stance", "agenda_item_id"),
        on_change=(("hidden_at", "hide"),),
        on_create="post",
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_items.id"))
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id"), index=True)
    stance: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    invitation: Mapped[Invitation] = relationship("Invitation")
    hidden_by: Mapped[User | None] = relationship("User")

    def refine_audit(self, entry: AuditDraft) -> AuditDraft | None:
        """The text is personal: the trail keeps its hash, enough to show it was not changed afterwards."""
        if entry["action"] == "position.post":
            entry["data"]["text_sha256"] = hashlib.sha256((self.text or "").encode("utf-8")).hexdigest()
        return entry


class Motion(Model):
    """A proposal put to the meeting; it needs a seconder before it can be put to a vote."""

    __tablename__ = "live_motions"
    __audit__ = Audited(
        "motion",
        describe=("meeting_id", "proposer_id", "state"),
        on_change=(("seconder_id", "second"), ("state", "state")),
        on_create="propose",
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_items.id"))
    text: Mapped[str] = mapped_column(Text)
    # None: put to the meeting by the host (a budget vote), not proposed from the floor.
    proposer_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id"))
    seconder_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id"))
    # MOTION_TRANSITIONS
    state: Mapped[str] = mapped_column(String(10), default=PROPOSED)
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    seconded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    proposer: Mapped[Invitation | None] = relationship("Invitation", foreign_keys=[proposer_id])
    seconder: Mapped[Invitation | None] = relationship("Invitation", foreign_keys=[seconder_id])

    def can_move_to(self, state: str) -> bool:
        """Whether MOTION_TRANSITIONS allows going from the present state to ``state``."""
        return state in MOTION_TRANSITIONS.get(self.state, ())


class Poll(Model):
    """A vote on a seconded motion; rule and quorum are copied from the meeting when it opens.

    ``receipt_key`` makes receipts reproducible for repeats while the poll is
    open and is erased at the close, so that afterwards no receipt can be
    recomputed from a participant (see docs/live-protocol.md §7).
    """

    __tablename__ = "live_polls"
    __audit__ = Audited(
        "poll",
        describe=("meeting_id", "motion_id", "kind", "secret", "rule", "quorum"),
        on_change=(("state", "close"),),
        on_create="open",
        secret=frozenset({"receipt_key", "result"}),
    )
    __table_args__ = (UniqueConstraint("motion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    motion_id: Mapped[int] = mapped_column(ForeignKey("live_motions.id"))
    kind: Mapped[str] = mapped_column(String(10))
    secret: Mapped[bool] = mapped_column(Boolean, default=False)
    min_choices: Mapped[int] = mapped_column(Integer, default=1)
    max_choices: Mapped[int] = mapped_column(Integer, default=1)
    rule: Mapped[str] = mapped_column(String(30))
    quorum: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(10), default=POLL_OPEN)  # POLL_TRANSITIONS
    receipt_key: Mapped[str | None] = mapped_column(String(64), default=lambda: secrets.token_hex(32))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Budget polls only: the fund's amount in fen; a ballot's options' costs must not exceed it.
    budget_fen: Mapped[int | None] = mapped_column(BigInteger)

    motion: Mapped[Motion] = relationship("Motion")
    options: Mapped[list[PollOption]] = relationship(
        "PollOption", back_populates="poll", cascade="all, delete-orphan", order_by="PollOption.position"
    )

    def receipt_for(self, invitation_id: int) -> str | None:
        """Same participant, same poll, same receipt; None once the key is erased at the close."""
        if not self.receipt_key:
            return None
        message = f"{self.id}:{invitation_id}".encode()
        return hmac.new(self.receipt_key.encode(), message, hashlib.sha256).hexdigest()

    @property
    def is_open(self) -> bool:
        return self.state == POLL_OPEN

    def can_move_to(self, state: str) -> bool:
        """Whether POLL_TRANSITIONS allows going from the present state to ``state``."""
        return state in POLL_TRANSITIONS.get(self.state, ())

    @property
    def closed_result(self) -> PollResult | None:
        """What the close stored, typed; None while the poll is open."""
        if self.state != POLL_CLOSED or not self.result:
            return None
        return PollResult.from_stored(self, self.result)

    def refine_audit(self, entry: AuditDraft) -> AuditDraft | None:
        """Opened with its options; closed with counts, total, outcome and every receipt, never who voted what."""
        if entry["action"] == "poll.open":
            entry["data"]["options"] = [option.label for option in self.options]
        elif entry["action"] == "poll.close" and (result := self.closed_result) is not None:
            entry["data"].update(self._audit_at_close(result))
        return entry

    def _audit_at_close(self, result: PollResult) -> dict[str, Any]:
        if self.secret:
            receipts = result.receipts()
        else:
            session = object_session(self)
            assert session is not None
            receipts = sorted(session.scalars(select(Ballot.receipt).where(Ballot.poll_id == self.id)))
        stored = result.to_dict(with_ballots=False)
        return {key: stored[key] for key in ("counts", "total", "result", "quorum_met")} | {"receipts": receipts}


class PollOption(Model):
    __tablename__ = "live_poll_options"
    __audit__ = NotAudited("part of the poll; recorded in poll.open")

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("live_polls.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(100))
    # "yes", "no", "abstain" for yes/no polls, so that rules need not read labels.
    code: Mapped[str | None] = mapped_column(String(10))
    # Budget polls only: the project's cost in fen.
    cost_fen: Mapped[int | None] = mapped_column(BigInteger)

    poll: Mapped[Poll] = relationship("Poll", back_populates="options")

    @property
    def shown_label(self) -> str:
        """赞成 / 反对 / 弃权 in the reader's language; the other options as the host wrote them."""
        from flask_babel import gettext

        return gettext(self.label) if self.code in dict(YES_NO_OPTIONS) else self.label


class Ballot(Model):
    """A named ballot: who voted what, together. UNIQUE keeps it to one per participant."""

    __tablename__ = "live_ballots"
    __audit__ = NotAudited(
        "one entry per vote would time-stamp each voter's choice; the poll's close records counts and receipts",
    )
    __table_args__ = (UniqueConstraint("poll_id", "invitation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("live_polls.id"), index=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id"))
    choices: Mapped[list[int]] = mapped_column(JSON)
    receipt: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str] = mapped_column(String(64))
    assisted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    invitation: Mapped[Invitation] = relationship("Invitation")


class SecretVoter(Model):
    """Who voted in a secret poll, and nothing about what.

    Random key, no timestamp, no reference to ``SecretVote``: see
    docs/live-protocol.md §7. SQLite keeps it WITHOUT ROWID so that rows sit in
    key order, not insertion order.
    """

    __tablename__ = "live_secret_voters"
    __audit__ = NotAudited("same: entries in voting order would rejoin secret voters and votes")
    __table_args__ = (UniqueConstraint("poll_id", "invitation_id"), {"sqlite_with_rowid": False})

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    poll_id: Mapped[int] = mapped_column(ForeignKey("live_polls.id"), index=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id"))
    assisted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class SealedBallot(Model):
    """What was voted in a secret poll *while it is open*: the choices and the receipt sealed
    (X25519 sealed box) to the poll's public key, whose private key is derived from the
    deployment's ballot key, which never enters the database (live/secret_ballots.py).

    Written in the voter's transaction, so the commit that acknowledges a ballot holds it
    (durable after kill -9), yet whoever reads the database files, its WAL or its dead tuples
    sees only ciphertext beside the voter row. At the close the rows are opened, written as
    plain ``SecretVote`` rows in shuffled order in one transaction, and deleted.
    """

    __tablename__ = "live_sealed_ballots"
    __audit__ = NotAudited("same: sealed ballots, written beside their voters, opened and deleted at the close")
    __table_args__ = ({"sqlite_with_rowid": False},)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    poll_id: Mapped[int] = mapped_column(ForeignKey("live_polls.id"), index=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class SecretVote(Model):
    """What was voted in a secret poll, and nothing about who: written only at the close, all at once
    and shuffled, from the opened ``SealedBallot`` rows (same rules as SecretVoter)."""

    __tablename__ = "live_secret_votes"
    __audit__ = NotAudited("same")
    __table_args__ = ({"sqlite_with_rowid": False},)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    poll_id: Mapped[int] = mapped_column(ForeignKey("live_polls.id"), index=True)
    choices: Mapped[list[int]] = mapped_column(JSON)
    receipt: Mapped[str] = mapped_column(String(64))
