"""Reading escalations: a community's policy, the steps of a commitment, the street's overdue list, the dashboard marks."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from roundtable.communities.models import Community
from roundtable.core.time import utcnow
from roundtable.escalation.models import (
    RETURN_OPEN,
    RETURN_REASSIGNED,
    RETURN_TO_MEETING,
    STEP_LABELS,
    STEPS,
    CommitmentReturn,
    EscalationPolicy,
    EscalationStep,
)
from roundtable.extensions import db
from roundtable.resolutions.models import Commitment, Resolution


@dataclass
class Policy:
    remind_before: timedelta
    supervise_after: timedelta
    custom: bool = False

    def due_at(self, step: str, deadline: datetime) -> datetime:
        if step == "remind":
            return deadline - self.remind_before
        if step == "urge":
            return deadline
        return deadline + self.supervise_after


def policy_for(community_id: int) -> Policy:
    row = db.session.scalar(select(EscalationPolicy).where(EscalationPolicy.community_id == community_id))
    if row is not None:
        return Policy(timedelta(hours=row.remind_before_hours), timedelta(hours=row.supervise_after_hours), True)
    config = current_app.config
    return Policy(timedelta(hours=config.get("ESCALATION_REMIND_BEFORE_HOURS", 48)),
                  timedelta(hours=config.get("ESCALATION_SUPERVISE_AFTER_HOURS", 72)))


def returns_of(commitment: Commitment) -> list[CommitmentReturn]:
    return list(db.session.scalars(
        select(CommitmentReturn).where(CommitmentReturn.commitment_id == commitment.id).order_by(CommitmentReturn.id)
    ))


def open_return(commitment: Commitment) -> CommitmentReturn | None:
    return db.session.scalar(select(CommitmentReturn).where(
        CommitmentReturn.commitment_id == commitment.id, CommitmentReturn.state == RETURN_OPEN))


def round_of(commitment: Commitment) -> int:
    """Assignment round: 1, plus one for every reassignment (a new unit starts its steps afresh)."""
    reassigned = db.session.scalar(select(func.count()).select_from(CommitmentReturn).where(
        CommitmentReturn.commitment_id == commitment.id, CommitmentReturn.state == RETURN_REASSIGNED))
    return 1 + (reassigned or 0)


def handed_to_meeting(commitment: Commitment) -> bool:
    return (db.session.scalar(select(func.count()).select_from(CommitmentReturn).where(
        CommitmentReturn.commitment_id == commitment.id, CommitmentReturn.state == RETURN_TO_MEETING)) or 0) > 0


def steps_of(commitment: Commitment) -> list[EscalationStep]:
    return list(db.session.scalars(
        select(EscalationStep).where(EscalationStep.commitment_id == commitment.id)
        .order_by(EscalationStep.round, EscalationStep.at, EscalationStep.id)
    ))


@dataclass
class CommitmentEscalation:
    """What the commitment's page and lists show about its escalation."""

    commitment: Commitment
    steps: list[EscalationStep] = field(default_factory=list)
    returns: list[CommitmentReturn] = field(default_factory=list)
    level: str | None = None  # the highest step of the current round
    open_return: CommitmentReturn | None = None
    to_meeting: bool = False
    next_step: str | None = None
    next_at: datetime | None = None

    @property
    def level_label(self) -> str:
        return STEP_LABELS.get(self.level or "", "")

    @property
    def next_label(self) -> str:
        return STEP_LABELS.get(self.next_step or "", "")


def view(commitment: Commitment) -> CommitmentEscalation:
    steps = steps_of(commitment)
    returns = returns_of(commitment)
    current = round_of(commitment)
    fired = [s.step for s in steps if s.round == current]
    level = max(fired, key=STEPS.index) if fired else None
    result = CommitmentEscalation(commitment, steps, returns, level,
                                  next((r for r in returns if r.state == RETURN_OPEN), None),
                                  any(r.state == RETURN_TO_MEETING for r in returns))
    if not commitment.is_done and result.open_return is None and not result.to_meeting:
        policy = policy_for(commitment.community_id)
        pending = [s for s in STEPS if s not in fired]
        if pending:
            result.next_step = pending[0]
            result.next_at = policy.due_at(pending[0], commitment.deadline)
    return result


def street_overdue(street_ids: set[int], now: datetime | None = None) -> list[CommitmentEscalation]:
    """Every published commitment of the streets' communities not done and past its deadline (or under 督办), oldest first."""
    if not street_ids:
        return []
    now = now or utcnow()
    supervised = select(EscalationStep.commitment_id).where(EscalationStep.step == "supervise")
    rows = db.session.scalars(
        select(Commitment)
        .join(Resolution, Resolution.id == Commitment.resolution_id)
        .join(Community, Community.id == Commitment.community_id)
        .where(Community.street_id.in_(street_ids), Resolution.status == "published",
               Commitment.done_at.is_(None), (Commitment.deadline < now) | Commitment.id.in_(supervised))
        .order_by(Commitment.deadline, Commitment.id)
    )
    return [view(c) for c in rows]


def open_returns(community_id: int) -> list[CommitmentReturn]:
    return list(db.session.scalars(
        select(CommitmentReturn).where(CommitmentReturn.community_id == community_id, CommitmentReturn.state == RETURN_OPEN)
        .order_by(CommitmentReturn.returned_at)
    ))


# The dashboard table's words (module level, so that they reach the English catalog).
DASHBOARD_TITLE = ("承诺提醒、催办与督办",)
DASHBOARD_HEADERS = ["社区", "承诺单位", "承诺事项", "期限", "当前阶段", "时间"]
STAGE_RETURNED, STAGE_TO_MEETING = "退单", "退回会议重议"
STAGE_LABELS = (STAGE_RETURNED, STAGE_TO_MEETING)


def escalated_open_commitments(community_ids: list[int]) -> list[tuple[Commitment, str, datetime | None]]:
    """Every open published commitment that was escalated or returned, with its current step and since when
    (the dashboard's marks: ``roundtable.archive.dashboard``)."""
    escalated = select(EscalationStep.commitment_id).union(select(CommitmentReturn.commitment_id))
    rows = db.session.scalars(
        select(Commitment).join(Resolution, Resolution.id == Commitment.resolution_id)
        .where(Commitment.community_id.in_(community_ids), Resolution.status == "published",
               Commitment.done_at.is_(None), Commitment.id.in_(escalated))
        .order_by(Commitment.deadline, Commitment.id)
    )
    marks = []
    for commitment in rows:
        info = view(commitment)
        at: datetime | None
        if info.open_return is not None:
            stage, at = STAGE_RETURNED, info.open_return.returned_at
        elif info.to_meeting:
            stage, at = STAGE_TO_MEETING, info.returns[-1].decided_at
        else:
            latest = [s for s in info.steps if s.step == info.level]
            stage, at = info.level_label, latest[-1].at if latest else None
        marks.append((commitment, stage, at))
    return marks
