"""The community fund (社区经费) per period, the projects residents propose, and the budget vote.

Money is stored in fen (integers), never floats. A budget vote's rule, ballot
form, secrecy and quorum are fixed before it opens; the projects on the ballot
and their costs are copied into the vote when it opens, so that later edits
cannot change what people voted on.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from roundtable.core.audit_naming import Audited, NotAudited
from roundtable.core.ids import random_id
from roundtable.core.time import utcnow
from roundtable.core.types import UTCDateTime
from roundtable.extensions import Model
from roundtable.funds.rules import APPROVAL, POINTS, RULES

if TYPE_CHECKING:
    from roundtable.auth.models import User
    from roundtable.communities.models import Community
    from roundtable.live.models import Poll
    from roundtable.meetings.models import Meeting
    from roundtable.resolutions.models import Resolution

# --- proposals ---------------------------------------------------------------------------------
SUBMITTED, ACCEPTED, MERGED, DECLINED = "submitted", "accepted", "merged", "declined"
PROPOSAL_STATES = {SUBMITTED: "待审核", ACCEPTED: "已列入表决", MERGED: "已合并", DECLINED: "未采纳"}
PROPOSAL_TRANSITIONS: dict[str, tuple[str, ...]] = {
    SUBMITTED: (ACCEPTED, MERGED, DECLINED),
    ACCEPTED: (SUBMITTED, MERGED, DECLINED),  # back to review while no vote has opened on it
    MERGED: (),
    DECLINED: (),
}
ORIGINS = {"resident": "居民提出", "case": "由诉求转来", "topic": "由议题转来", "secretary": "社区提出"}

# --- votes -------------------------------------------------------------------------------------
DRAFT, OPEN, CLOSED, HANDED_OFF = "draft", "open", "closed", "handed_off"
VOTE_STATES = {DRAFT: "准备中", OPEN: "投票中", CLOSED: "已计票", HANDED_OFF: "已转为决议"}
VOTE_TRANSITIONS: dict[str, tuple[str, ...]] = {DRAFT: (OPEN,), OPEN: (CLOSED,), CLOSED: (HANDED_OFF,), HANDED_OFF: ()}
PERIOD, LIVE = "period", "live"
MODES = {PERIOD: "一段时间内用个人链接投票", LIVE: "在会议上用手机现场投票"}
FORMS = {APPROVAL: "在预算内勾选项目", POINTS: "分配积分"}
__all__ = ["RULES"]


class Fund(Model):
    """One fund of one community for one period, e.g. 党建服务群众经费 2026."""

    __tablename__ = "funds"
    __audit__ = Audited("fund", describe=("name", "amount_fen", "period_start", "period_end"))

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    community: Mapped[Community] = relationship("Community")
    proposals: Mapped[list[Proposal]] = relationship(back_populates="fund", order_by="Proposal.id")
    votes: Mapped[list[BudgetVote]] = relationship(back_populates="fund", order_by="BudgetVote.id")


class Proposal(Model):
    """A project proposed for the fund: by a resident from the phone, or by the secretary from a case or topic."""

    __tablename__ = "fund_proposals"
    __audit__ = Audited(
        "fund_proposal",
        describe=("fund_id", "title", "cost_fen", "origin", "state"),
        on_change=(("state", "review"),),
        on_create="propose",
        secret=frozenset({"photo"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    cost_fen: Mapped[int] = mapped_column(BigInteger)
    place: Mapped[str] = mapped_column(String(100), default="")
    origin: Mapped[str] = mapped_column(String(20), default="resident")
    proposer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"))
    photo: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    photo_type: Mapped[str | None] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(20), default=SUBMITTED, index=True)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("fund_proposals.id"))
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    fund: Mapped[Fund] = relationship(back_populates="proposals")
    proposer: Mapped[User | None] = relationship("User", foreign_keys=[proposer_id])
    merged_into: Mapped[Proposal | None] = relationship(remote_side=[id], foreign_keys=[merged_into_id])

    def can_move_to(self, state: str) -> bool:
        return state in PROPOSAL_TRANSITIONS.get(self.state, ())

    @property
    def is_in_play(self) -> bool:
        """Submitted or accepted: it may still be reviewed, merged or put to the vote."""
        return self.state in (SUBMITTED, ACCEPTED)

    @property
    def state_label(self) -> str:
        return PROPOSAL_STATES.get(self.state, self.state)


class BudgetVote(Model):
    """The residents' vote on the accepted proposals of a fund (居民说了算)."""

    __tablename__ = "fund_votes"
    __audit__ = Audited(
        "fund_vote",
        describe=("fund_id", "mode", "form", "rule", "secret", "quorum", "state"),
        on_change=(("state", "state"),),
        secret=frozenset({"receipt_key", "result"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    mode: Mapped[str] = mapped_column(String(10), default=PERIOD)
    form: Mapped[str] = mapped_column(String(10), default=APPROVAL)
    points: Mapped[int] = mapped_column(Integer, default=10)  # points each voter distributes (form "points")
    rule: Mapped[str] = mapped_column(String(20))
    secret: Mapped[bool] = mapped_column(Boolean, default=True)
    quorum: Mapped[int] = mapped_column(Integer, default=0)  # ballots needed for the result to stand
    state: Mapped[str] = mapped_column(String(20), default=DRAFT, index=True)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"))
    poll_id: Mapped[int | None] = mapped_column(ForeignKey("live_polls.id"))
    # [{proposal_id, title, cost_fen, option_id}] copied when the vote opens.
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    receipt_key: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    resolution_id: Mapped[int | None] = mapped_column(ForeignKey("resolutions.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    fund: Mapped[Fund] = relationship(back_populates="votes")
    meeting: Mapped[Meeting | None] = relationship("Meeting")
    poll: Mapped[Poll | None] = relationship("Poll")
    resolution: Mapped[Resolution | None] = relationship("Resolution")

    def can_move_to(self, state: str) -> bool:
        return state in VOTE_TRANSITIONS.get(self.state, ())

    @property
    def is_counted(self) -> bool:
        """Closed or handed off: the count is there to read."""
        return self.state in (CLOSED, HANDED_OFF)

    @property
    def state_label(self) -> str:
        return VOTE_STATES.get(self.state, self.state)

    def receipt_for(self, voter_id: int) -> str | None:
        """Same voter, same receipt. Secret votes: derived from the ballot key outside the database
        (live/secret_ballots.py), also after the count. Named votes: while open; the key is erased at the close."""
        if self.secret:
            from roundtable.live import secret_ballots

            return secret_ballots.fund_vote_receipt(self.id, voter_id)
        if not self.receipt_key:
            return None
        return hmac.new(self.receipt_key.encode(), f"fund-vote:{self.id}:{voter_id}".encode(), hashlib.sha256).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(16)


class BudgetVoter(Model):
    """A resident's personal link to a period vote, and whether (not what) they voted."""

    __tablename__ = "fund_voters"
    __audit__ = NotAudited(
        'a personal link marked as voted, in order, would time-stamp each voter; the count records the receipts',
    )
    __table_args__ = (UniqueConstraint("vote_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("fund_votes.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    token: Mapped[str] = mapped_column(String(32), unique=True, default=new_token)
    voted: Mapped[bool] = mapped_column(Boolean, default=False)
    idempotency_key: Mapped[str | None] = mapped_column(String(64))

    vote: Mapped[BudgetVote] = relationship()
    user: Mapped[User] = relationship("User")


class BudgetSealedBallot(Model):
    """What was voted in a secret period vote *while it is open*: the choices and the receipt sealed
    (X25519 sealed box, padded to one size) to the vote's public key, whose private key is derived
    from the deployment's ballot key outside the database (live/secret_ballots.py).

    Written in the transaction that marks the voter as having voted, so an acknowledged ballot is
    durable, yet the database files, the WAL and dead tuples show only ciphertext beside the voter.
    At the count the rows are opened, written as plain ``BudgetBallot`` rows in shuffled order, and deleted.
    """

    __tablename__ = "fund_sealed_ballots"
    __audit__ = NotAudited("same: sealed budget ballots, written beside their voters, opened and deleted at the count")
    __table_args__ = ({"sqlite_with_rowid": False},)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    vote_id: Mapped[int] = mapped_column(ForeignKey("fund_votes.id"), index=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class BudgetBallot(Model):
    """What was voted: {proposal id: points}. Named votes: written with the vote. Secret votes: written
    only at the count, opened from the sealed rows, shuffled, naming nobody and carrying no time (random key)."""

    __tablename__ = "fund_ballots"
    __audit__ = NotAudited("like live ballots: the vote's count records the receipts, never who voted what")

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    vote_id: Mapped[int] = mapped_column(ForeignKey("fund_votes.id"), index=True)
    voter_id: Mapped[int | None] = mapped_column(ForeignKey("fund_voters.id"), unique=True)  # named votes only
    choices: Mapped[dict[str, int]] = mapped_column(JSON)
    receipt: Mapped[str] = mapped_column(String(64))
