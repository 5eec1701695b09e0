"""Minutes of a concluded meeting and the attendees' reviews of them.

The structured part (``record``) is generated from what the system saw and is
never edited by hand; the secretary writes only the narrative. Attendees approve
or suggest a correction through their invitation link while the review runs;
the secretary accepts or answers each suggestion.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roundtable.core.audit_naming import Audited
from roundtable.core.time import utcnow
from roundtable.core.types import UTCDateTime
from roundtable.extensions import Model

if TYPE_CHECKING:
    from roundtable.auth.models import User
    from roundtable.meetings.models import Invitation, Meeting

DRAFT, IN_REVIEW, APPROVED = "draft", "in_review", "approved"
STATE_LABELS = {DRAFT: "草稿", IN_REVIEW: "与会者审阅中", APPROVED: "已审定"}
# Allowed moves of the minutes; anything else is refused.
TRANSITIONS: dict[str, tuple[str, ...]] = {DRAFT: (IN_REVIEW,), IN_REVIEW: (APPROVED,), APPROVED: ()}

APPROVE, CORRECT = "approve", "correct"
VERDICT_LABELS = {APPROVE: "同意", CORRECT: "建议更正"}
OPEN, ACCEPTED, ANSWERED = "open", "accepted", "answered"
ANSWER_LABELS = {OPEN: "待书记答复", ACCEPTED: "已采纳", ANSWERED: "已答复"}


class Minutes(Model):
    """One meeting's minutes; ``record`` is the structured part, ``narrative`` and ``item_notes`` are written."""

    __tablename__ = "minutes"
    __audit__ = Audited("minutes", secret=frozenset({"record"}))
    __table_args__ = (UniqueConstraint("meeting_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"))
    state: Mapped[str] = mapped_column(String(20), default=DRAFT, index=True)
    record: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    narrative: Mapped[str] = mapped_column(Text, default="")
    # Narrative per agenda item: {"<agenda position>": "text"}.
    item_notes: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    review_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    meeting: Mapped[Meeting] = relationship("Meeting")
    approved_by: Mapped[User | None] = relationship("User")
    reviews: Mapped[list[MinutesReview]] = relationship("MinutesReview", back_populates="minutes", cascade="all, delete-orphan",
                           order_by="MinutesReview.id")

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)

    def can_move_to(self, state: str) -> bool:
        return state in TRANSITIONS.get(self.state, ())

    @property
    def is_approved(self) -> bool:
        """Approved minutes are final: no more edits, reviews or answers."""
        return self.state == APPROVED

    @property
    def open_corrections(self) -> list[MinutesReview]:
        return [r for r in self.reviews if r.verdict == CORRECT and r.answer_state == OPEN]


class MinutesReview(Model):
    """One attendee's answer to the draft: approve, or a short correction the secretary must answer."""

    __tablename__ = "minutes_reviews"
    __audit__ = Audited("minutes_review")
    __table_args__ = (UniqueConstraint("minutes_id", "invitation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("minutes.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id"))
    verdict: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answer_state: Mapped[str] = mapped_column(String(10), default=OPEN)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revision: Mapped[int] = mapped_column(Integer, default=1)

    minutes: Mapped[Minutes] = relationship("Minutes", back_populates="reviews")
    invitation: Mapped[Invitation] = relationship("Invitation")

    @property
    def verdict_label(self) -> str:
        return VERDICT_LABELS.get(self.verdict, self.verdict)

    @property
    def answer_label(self) -> str:
        return ANSWER_LABELS.get(self.answer_state, self.answer_state)
