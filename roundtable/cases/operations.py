"""Operations on cases. Each validates first, then changes, writes the timeline and flushes.

The caller (a route, an import, the Open311 API, a meeting) commits once.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext, lazy_gettext
from sqlalchemy import select

from roundtable.auth.models import User
from roundtable.cases.models import (
    NEEDS_REASON_STATUSES,
    STATUS_LABELS,
    TERMINAL_STATUSES,
    TRANSITIONS,
    Case,
    CaseEvent,
    Topic,
)
from roundtable.cases.validation import CaseFieldErrors, CaseFields
from roundtable.communities.models import Community, Department
from roundtable.core.errors import Conflict, NotFound, OperationError
from roundtable.core.time import utcnow
from roundtable.extensions import db

EDITABLE_FIELDS = (
    "category",
    "urgency",
    "description",
    "address",
    "complainant_name",
    "complainant_phone",
    "received_at",
    "latitude",
    "longitude",
)


def deadline_for(urgency: str, received_at: datetime) -> datetime:
    """Due time from urgency; the hours per urgency come from configuration."""
    hours = current_app.config["CASE_DEADLINE_HOURS"][urgency]
    return received_at + timedelta(hours=hours)


def find_existing(community: Community, source: str, external_number: str) -> Case | None:
    return db.session.scalar(
        select(Case).where(
            Case.community_id == community.id,
            Case.source == source,
            Case.external_number == external_number,
        )
    )


def add_event(case: Case, kind: str, actor: User | None, note: str = "", **data) -> CaseEvent:
    event = CaseEvent(
        case=case,
        kind=kind,
        actor_id=actor.id if actor else None,
        note=note,
        from_status=data.pop("from_status", None),
        to_status=data.pop("to_status", None),
        data=data,
        at=utcnow(),
    )
    db.session.add(event)
    return event


def create_case(
    community: Community,
    fields: CaseFields,
    actor: User | None,
    *,
    event_kind: str = "created",
    note: str = "",
) -> Case:
    """File a new case; its number must be new for this community and source."""
    if find_existing(community, fields.source, fields.external_number):
        raise CaseFieldErrors({"external_number": gettext("编号「%(number)s」已存在", number=fields.external_number)})
    case = Case(
        community_id=community.id,
        external_number=fields.external_number,
        source=fields.source,
        category=fields.category,
        urgency=fields.urgency,
        description=fields.description,
        address=fields.address,
        complainant_name=fields.complainant_name,
        complainant_phone=fields.complainant_phone,
        received_at=fields.received_at,
        due_at=deadline_for(fields.urgency, fields.received_at),
        latitude=fields.latitude,
        longitude=fields.longitude,
        status="received",
        created_by_id=actor.id if actor else None,
    )
    db.session.add(case)
    add_event(case, event_kind, actor, note, to_status="received")
    db.session.flush()
    return case


def update_case(
    case: Case,
    fields: CaseFields,
    actor: User,
    note: str = "",
    *,
    expected_version: int | None = None,
) -> list[str]:
    """Edit a case's details; the timeline records which fields changed (never the phone itself).

    ``expected_version`` is the version the editor saw: if someone changed the case
    since, saving would silently undo their work, so the edit is refused instead.
    """
    if expected_version is not None and expected_version != case.version:
        raise Conflict("该工单已被他人修改,下面是最新内容,请确认后重新修改。", code="stale")
    if case.is_terminal:
        raise OperationError("已办结的工单不能修改,请先重新办理。")
    if (fields.source, fields.external_number) != (case.source, case.external_number):
        other = find_existing(case.community, fields.source, fields.external_number)
        if other is not None and other.id != case.id:
            raise CaseFieldErrors({"external_number": gettext("编号「%(number)s」已存在", number=fields.external_number)})
    changed = []
    for name in ("external_number", "source", *EDITABLE_FIELDS):
        new = getattr(fields, name)
        if getattr(case, name) != new:
            setattr(case, name, new)
            changed.append(name)
    if {"urgency", "received_at"} & set(changed):
        case.due_at = deadline_for(case.urgency, case.received_at)
    if changed:
        add_event(case, "edited", actor, note, fields=changed)
    db.session.flush()
    return changed


def change_status(
    case: Case,
    new_status: str,
    actor: User | None,
    note: str = "",
    *,
    parent: Case | None = None,
    **data,
) -> CaseEvent:
    """Move a case along the status machine; a transition not in it is refused, nothing changed."""
    if new_status not in TRANSITIONS:
        raise OperationError("未知状态「%(status)s」。", status=new_status)
    if not case.can_move_to(new_status):
        raise OperationError(
            "工单不能从「%(before)s」变为「%(after)s」。",
            code="forbidden_transition",
            before=lazy_gettext(STATUS_LABELS[case.status]),
            after=lazy_gettext(STATUS_LABELS[new_status]),
        )
    if new_status == "duplicate":
        if parent is None:
            raise OperationError("标记为重复件时必须指定原工单。")
        if parent.id == case.id or parent.community_id != case.community_id:
            raise OperationError("原工单无效。")
        if parent.status == "duplicate":
            parent = parent.parent or parent
        case.parent_id = parent.id
        data["parent_id"] = parent.id
        data["parent_number"] = parent.external_number
    if new_status in NEEDS_REASON_STATUSES and not note.strip():
        raise OperationError("退单或非本辖区需要填写原因。")
    now = utcnow()
    old_status = case.status
    case.status = new_status
    if new_status == "contacted" and case.first_contacted_at is None:
        case.first_contacted_at = now
    if new_status in TERMINAL_STATUSES:
        case.closed_at = now
    elif new_status == "reopened":
        case.closed_at = None
    event = add_event(case, "status", actor, note, from_status=old_status, to_status=new_status, **data)
    db.session.flush()
    return event


def transition_case(
    case: Case, new_status: str, actor: User, note: str = "", *, parent_number: str = ""
) -> CaseEvent:
    """A status change as a secretary asks for it: the parent of a duplicate given by its number."""
    parent = None
    if new_status == "duplicate":
        parent_number = parent_number.strip()
        if not parent_number:
            raise OperationError("标记为重复件时必须填写原工单编号。")
        matches = db.session.scalars(
            select(Case).where(Case.community_id == case.community_id, Case.external_number == parent_number)
        ).all()
        if not matches:
            raise OperationError("本社区没有编号为「%(number)s」的工单。", number=parent_number)
        if len(matches) > 1:
            raise OperationError("编号「%(number)s」对应多个来源的工单,请在原工单页面处理。", number=parent_number)
        parent = matches[0]
    return change_status(case, new_status, actor, note.strip(), parent=parent)


def assign_department(case: Case, department: Department | None, actor: User) -> None:
    case.responsible_department_id = department.id if department else None
    add_event(case, "edited", actor, department.name if department else "", fields=["responsible_department"])
    db.session.flush()


def set_topic(case: Case, topic: Topic | None, actor: User) -> None:
    if topic is not None and topic.community_id != case.community_id:
        raise NotFound("议题不存在。")
    case.topic_id = topic.id if topic else None
    add_event(case, "topic", actor, topic.title if topic else "", topic_id=topic.id if topic else None)
    db.session.flush()


def reveal_phone(case: Case, actor: User) -> str:
    """Return the full number and record who saw it, when."""
    add_event(case, "phone_reveal", actor)
    db.session.flush()
    return case.complainant_phone


def add_note(case: Case, actor: User, note: str) -> CaseEvent:
    note = note.strip()
    if not note:
        raise OperationError("备注不能为空。")
    if len(note) > 2000:
        raise OperationError("备注不能超过2000个字符。")
    event = add_event(case, "note", actor, note)
    db.session.flush()
    return event


def record_follow_up(case: Case, actor: User | None, resolved: bool, satisfied: bool, note: str = "") -> None:
    """回访: the resident's own verdict, which the 三率 figures count (no actor: the resident's own link)."""
    if not case.is_answered:
        raise OperationError("答复居民之后才能登记回访结果。")
    case.resolved = resolved
    case.satisfied = satisfied
    case.followed_up_at = utcnow()
    add_event(case, "follow_up", actor, note, resolved=resolved, satisfied=satisfied)
    db.session.flush()


def create_topic(community: Community, title: str, description: str = "", theme_month: str | None = None) -> Topic:
    title = _check_topic_title(community.id, title)
    theme_month = _check_theme_month(community.id, theme_month)
    topic = Topic(community_id=community.id, title=title, description=description.strip(), theme_month=theme_month)
    db.session.add(topic)
    db.session.flush()
    return topic


def update_topic(topic: Topic, title: str, description: str = "", theme_month: str | None = None) -> Topic:
    title = _check_topic_title(topic.community_id, title, topic)
    theme_month = _check_theme_month(topic.community_id, theme_month, topic)
    topic.title = title
    topic.description = description.strip()
    topic.theme_month = theme_month
    db.session.flush()
    return topic


def set_theme_month(topic: Topic, theme_month: str | None) -> None:
    """Make the topic the month's theme (每月一题), or stop it being one with ``None``."""
    topic.theme_month = _check_theme_month(topic.community_id, theme_month, topic)
    db.session.flush()


_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _check_topic_title(community_id: int, title: str, topic: Topic | None = None) -> str:
    title = (title or "").strip()
    if not title:
        raise OperationError("议题名称不能为空。")
    if len(title) > 100:
        raise OperationError("议题名称不能超过100个字符。")
    other = db.session.scalar(select(Topic).where(Topic.community_id == community_id, Topic.title == title))
    if other is not None and other is not topic:
        raise Conflict("议题「%(title)s」已存在。", title=title)
    return title


def _check_theme_month(community_id: int, theme_month: str | None, topic: Topic | None = None) -> str | None:
    """每月一题 means one theme a month: a second topic for the same month is refused."""
    theme_month = (theme_month or "").strip()
    if not theme_month:
        return None
    if not _MONTH.match(theme_month):
        raise OperationError("月份格式应为 2026-11 这样的 年-月。")
    other = db.session.scalar(
        select(Topic).where(Topic.community_id == community_id, Topic.theme_month == theme_month)
    )
    if other is not None and other is not topic:
        raise Conflict("%(month)s 的每月一题已是「%(title)s」,一个月只能有一个每月一题。", month=theme_month, title=other.title)
    return theme_month
