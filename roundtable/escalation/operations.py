"""Escalation operations: the periodic pass, 退单 and the secretary's decision. They flush; the caller commits.

``escalate_due`` is idempotent and safe to run in several processes at once:
each step is one row, UNIQUE per (commitment, round, step), inserted in a
savepoint before anyone is told; the loser of a race tells nobody.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from roundtable.auth.models import User
from roundtable.cases.operations import add_event
from roundtable.communities.models import Community, Department, Membership, Organization
from roundtable.core.errors import Conflict, NotAllowed, OperationError
from roundtable.core.time import format_local, utcnow
from roundtable.escalation import queries
from roundtable.escalation.models import (
    REMIND,
    RETURN_OPEN,
    RETURN_REASSIGNED,
    RETURN_TRANSITIONS,
    STEP_LABELS,
    STEPS,
    SUPERVISE,
    URGE,
    CommitmentReturn,
    EscalationPolicy,
    EscalationStep,
    StreetSupervisor,
)
from roundtable.escalation.permissions import can_decide_return, can_return_commitment
from roundtable.extensions import db
from roundtable.i18n import community_language
from roundtable.resolutions.models import Commitment, Resolution

REASON_MAX = 2000
HOURS_MAX = 24 * 90


# Notice titles, kept as message ids (a step's name goes in as ``step_label``, translated when shown).
STEP_TITLE = "%(step_label)s:%(unit)s的承诺「%(action)s」期限 %(deadline)s"
RETURN_TITLE = "%(unit)s退单:%(action)s"
REASSIGNED_TITLE = "承诺改派给%(unit)s:%(action)s"


def _path(endpoint: str, **values: object) -> str:
    return current_app.url_map.bind("localhost").build(endpoint, values)


def _notify(users: Iterable[User], title: str, body: str, link: str, /, **params: object) -> None:
    """``title`` and ``body`` are message ids with ``params`` (shown in each reader's language)."""
    from roundtable.notifications.operations import notify

    seen: set[int] = set()
    for user in users:
        if user.id not in seen and user.active:
            seen.add(user.id)
            notify(user, title, body, link, params=params)


def _unit_staff(commitment: Commitment) -> list[User]:
    from roundtable.resolutions.operations import unit_staff

    return unit_staff(commitment)


def _secretaries(community_id: int) -> list[User]:
    return list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.community_id == community_id, Membership.role == "secretary")
    ))


def _supervisors(community_id: int) -> list[User]:
    return list(db.session.scalars(
        select(User).join(StreetSupervisor, StreetSupervisor.user_id == User.id)
        .join(Community, Community.street_id == StreetSupervisor.street_id)
        .where(Community.id == community_id)
    ))


def _on_cases(commitment: Commitment, note: str, **data: object) -> None:
    """A timeline entry on every case the commitment's meeting was about."""
    for case in commitment.resolution.meeting.cases:
        add_event(case, "escalation", None, note, commitment_id=commitment.id, **data)


# ---------------------------------------------------------------- the periodic pass


def _fire(commitment: Commitment, round_: int, step: str, now: datetime) -> bool:
    """Record one step; False when it was already recorded (here or by another process)."""
    row = EscalationStep(commitment_id=commitment.id, community_id=commitment.community_id, round=round_,
                         step=step, at=now, deadline=commitment.deadline)
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        return False
    label = STEP_LABELS[step]
    when = format_local(commitment.deadline)
    with community_language():  # the case's history is kept in the community's language
        title = _(STEP_TITLE, step_label=_(label), unit=commitment.unit_name, action=commitment.action[:40], deadline=when)
    link = _path("resolutions.commitment", commitment_id=commitment.id)
    users = list(_unit_staff(commitment))
    if step in (URGE, SUPERVISE):
        users += _secretaries(commitment.community_id)
    if step == SUPERVISE:
        users += _supervisors(commitment.community_id)
    _notify(users, STEP_TITLE, "%(action_text)s", link, step_label=label, unit=commitment.unit_name,
            action=commitment.action[:40], deadline=when, action_text=commitment.action)
    _on_cases(commitment, title, step=step, round=round_)
    return True


def escalate_due(now: datetime | None = None) -> int:
    """Fire every step that is due and not yet recorded; returns how many fired."""
    now = now or utcnow()
    horizon_hours = max(
        [current_app.config.get("ESCALATION_REMIND_BEFORE_HOURS", 48)]
        + list(db.session.scalars(select(EscalationPolicy.remind_before_hours)))
    )
    candidates = list(db.session.scalars(
        select(Commitment).join(Resolution, Resolution.id == Commitment.resolution_id)
        .where(Resolution.status == "published", Commitment.done_at.is_(None),
               Commitment.deadline <= now + timedelta(hours=horizon_hours))
        .order_by(Commitment.deadline, Commitment.id)
    ))
    fired = 0
    policies: dict[int, queries.Policy] = {}
    for commitment in candidates:
        if queries.open_return(commitment) is not None or queries.handed_to_meeting(commitment):
            continue  # the secretary decides first; nothing runs on a returned commitment
        policy = policies.setdefault(commitment.community_id, queries.policy_for(commitment.community_id))
        round_ = queries.round_of(commitment)
        done = {s.step for s in queries.steps_of(commitment) if s.round == round_}
        for step in STEPS:
            if step in done or now < policy.due_at(step, commitment.deadline):
                continue
            if step == REMIND and now >= commitment.deadline:
                continue  # past the deadline a reminder says nothing the 催办 does not
            fired += _fire(commitment, round_, step, now)
    db.session.flush()
    return fired


# ---------------------------------------------------------------- policy


def set_policy(community: Community, remind_before_hours: int, supervise_after_hours: int) -> EscalationPolicy:
    for value in (remind_before_hours, supervise_after_hours):
        if value is None or not 1 <= value <= HOURS_MAX:
            raise OperationError("时长须在1到2160小时之间。", code="bad_hours")
    policy = db.session.scalar(select(EscalationPolicy).where(EscalationPolicy.community_id == community.id))
    if policy is None:
        policy = EscalationPolicy(community_id=community.id)
        db.session.add(policy)
    policy.remind_before_hours = remind_before_hours
    policy.supervise_after_hours = supervise_after_hours
    db.session.flush()
    return policy


# ---------------------------------------------------------------- 退单 and the secretary's decision


def return_commitment(commitment: Commitment, user: User, reason: str) -> CommitmentReturn:
    """The unit hands the commitment back with its reason; escalation stops until the secretary decides."""
    if not can_return_commitment(user, commitment):
        raise NotAllowed("只有承诺单位的工作人员可以退单。")
    if commitment.resolution.status != "published":
        raise OperationError("决议发布后才能退单。", code="not_published")
    if commitment.is_done:
        raise OperationError("这项承诺已报告完成。", code="done")
    if queries.open_return(commitment) is not None or queries.handed_to_meeting(commitment):
        raise Conflict("这项承诺已经退单。", code="already_returned")
    reason = (reason or "").strip()
    if not reason:
        raise OperationError("退单须说明理由。", code="reason_required")
    if len(reason) > REASON_MAX:
        raise OperationError("理由不能超过2000个字符。", code="reason_too_long")
    unit = (f"department:{commitment.department_id}" if commitment.department_id
            else f"organization:{commitment.organization_id}")
    returned = CommitmentReturn(commitment_id=commitment.id, community_id=commitment.community_id, reason=reason,
                                returned_by_id=user.id, returned_at=utcnow(), from_unit=unit,
                                from_unit_name=commitment.unit_name, state=RETURN_OPEN)
    db.session.add(returned)
    db.session.flush()
    with community_language():
        title = _(RETURN_TITLE, unit=commitment.unit_name, action=commitment.action[:40])
    _notify(_secretaries(commitment.community_id), RETURN_TITLE, "%(reason)s",
            _path("resolutions.commitment", commitment_id=commitment.id),
            unit=commitment.unit_name, action=commitment.action[:40], reason=reason)
    _on_cases(commitment, f"{title}({reason})", returned=True)
    return returned


def _unit(community_id: int, raw: str) -> tuple[Department | None, Organization | None]:
    kind, _sep, raw_id = (raw or "").partition(":")
    if kind == "department" and raw_id.isdigit():
        return db.session.get(Department, int(raw_id)), None
    if kind == "organization" and raw_id.isdigit():
        organization = db.session.get(Organization, int(raw_id))
        if organization is not None and organization.community_id == community_id:
            return None, organization
    return None, None


def decide_return(returned: CommitmentReturn, actor: User, decision: str, unit: str = "",
                  deadline: datetime | None = None, note: str = "") -> None:
    """Reassign the commitment to another unit (a new round of steps), or take it back to a meeting."""
    commitment = returned.commitment
    if not can_decide_return(actor, commitment):
        raise NotAllowed("只有本社区书记可以处理退单。")
    if decision not in RETURN_TRANSITIONS.get(returned.state, ()):
        raise Conflict("这次退单已处理。", code="already_decided")
    note = (note or "").strip()
    if len(note) > REASON_MAX:
        raise OperationError("说明不能超过2000个字符。", code="note_too_long")
    now = utcnow()
    if decision == RETURN_REASSIGNED:
        department, organization = _unit(commitment.community_id, unit)
        if department is None and organization is None:
            raise OperationError("请选择改派的部门或单位。", code="bad_unit")
        if (department and department.id == commitment.department_id) or (
                organization and organization.id == commitment.organization_id):
            raise OperationError("请改派给另一个部门或单位。", code="same_unit")
        if deadline is not None and (deadline.tzinfo is None or deadline <= now):
            raise OperationError("完成期限须在将来。", code="bad_deadline")
        commitment.department = department
        commitment.organization = organization
        commitment.department_id = department.id if department else None
        commitment.organization_id = organization.id if organization else None
        if deadline is not None:
            commitment.deadline = deadline
        returned.to_unit_name = commitment.unit_name
    returned.state = decision
    returned.decision_note = note
    returned.decided_by_id = actor.id
    returned.decided_at = now
    db.session.flush()
    link = _path("resolutions.commitment", commitment_id=commitment.id)
    with community_language():
        if decision == RETURN_REASSIGNED:
            title = _(REASSIGNED_TITLE, unit=commitment.unit_name, action=commitment.action[:40])
        else:
            title = _("承诺退回会议重议:%(action)s", action=commitment.action[:40])
    if decision == RETURN_REASSIGNED:
        _notify(_unit_staff(commitment), REASSIGNED_TITLE, "%(note)s" if note else "", link,
                unit=commitment.unit_name, action=commitment.action[:40], note=note)
    _on_cases(commitment, title if not note else f"{title}({note})", decision=decision)


def assign_supervisor(user: User, street_id: int | None) -> StreetSupervisor:
    """An administrator makes a person a street supervisor (督办); refused when they already are one there."""
    from roundtable.communities.models import Street

    street = db.session.get(Street, street_id) if street_id else None
    if street is None:
        raise OperationError("请选择街道。", code="bad_street")
    if not user.active:
        raise OperationError("这个账号已停用,不能担任街道督办。", code="inactive")
    if db.session.scalar(select(StreetSupervisor).where(
            StreetSupervisor.user_id == user.id, StreetSupervisor.street_id == street.id)) is not None:
        raise Conflict("%(name)s已是%(street)s的督办。", code="already_supervisor", name=user.display_name,
                       street=street.name)
    return add_supervisor(user, street.id)


def remove_supervisor(row: StreetSupervisor) -> None:
    """The person no longer supervises the street; their open sessions end, as for every role taken away."""
    from roundtable.auth.operations import log_out_everywhere

    user = row.user
    db.session.delete(row)
    log_out_everywhere(user)
    db.session.flush()


def add_supervisor(user: User, street_id: int) -> StreetSupervisor:
    existing = db.session.scalar(select(StreetSupervisor).where(
        StreetSupervisor.user_id == user.id, StreetSupervisor.street_id == street_id))
    if existing is not None:
        return existing
    row = StreetSupervisor(user_id=user.id, street_id=street_id)
    db.session.add(row)
    db.session.flush()
    return row
