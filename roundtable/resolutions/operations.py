"""Operations on resolutions and commitments. Each checks everything first (OperationError in
Chinese), then changes, notifies and flushes; the caller commits once.

Publishing is split in two: ``request_publication`` (in the web request) checks
and queues the ``render_resolution`` job; ``publish_rendered`` (in the worker,
after WeasyPrint) freezes the version, supersedes the previous one and
attaches the document to every linked case.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from flask import current_app

from roundtable.auth.models import User
from roundtable.cases.models import STATUS_LABELS
from roundtable.cases.operations import add_event, change_status
from roundtable.communities.models import Department, Organization
from roundtable.core.errors import Conflict, NotAllowed, NotFound, OperationError
from roundtable.core.time import local, utcnow
from roundtable.extensions import db
from roundtable.jobs.models import Job
from roundtable.jobs.operations import enqueue
from roundtable.meetings.models import Meeting
from roundtable.resolutions import queries
from roundtable.resolutions.models import (
    CONFIRMED,
    CONTESTED,
    PENDING,
    Commitment,
    CommitmentReport,
    EvidenceFile,
    Resolution,
)
from roundtable.resolutions.permissions import can_answer_commitment

TITLE_MAX = 200
POINTS_MAX = 20_000
ACTION_MAX = 2000
REASON_MAX = 2000
NOTE_MAX = 4000
COMMITMENTS_MAX = 50

EVIDENCE_MAX_FILES = 5
EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
# Declared types are not trusted: a file is accepted by what its first bytes are.
EVIDENCE_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)

FROZEN_MESSAGE = "已发布的决议不能修改;如需更正,请发布新版本。"


def _path(endpoint: str, **values) -> str:
    """A site-relative link for notifications, which the worker also writes outside any request."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


# What publishing did to each case (kept in ``case_outcomes``, shown through ``_()``).
MOVED = "已转为「已定方案」"
ALREADY_THERE = "已是「已定方案」"
CANNOT_MOVE = "工单当前为「%(status)s」,不能转为「已定方案」,请在工单页面处理"


def _notify(user: User, title: str, body: str, link: str, /, **params: object) -> None:
    """``title`` and ``body`` are message ids with ``params`` (shown in each reader's language)."""
    from roundtable.notifications.operations import notify

    notify(user, title, body, link, params=params)


def unit_staff(commitment: Commitment) -> list[User]:
    unit = commitment.department or commitment.organization
    return [member.user for member in unit.members if member.user.active] if unit is not None else []


def publish_job(resolution: Resolution) -> Job | None:
    return db.session.get(Job, resolution.publish_job_id) if resolution.publish_job_id else None


def is_publishing(resolution: Resolution) -> bool:
    job = publish_job(resolution)
    return job is not None and job.status in ("queued", "running") and not resolution.is_frozen


def _require_editable(resolution: Resolution) -> None:
    if resolution.is_frozen:
        raise Conflict(FROZEN_MESSAGE, code="frozen")
    if is_publishing(resolution):
        raise Conflict("决议正在生成发布文件,暂时不能修改。", code="publishing")


# ---------------------------------------------------------------- drafting


def start_resolution(meeting: Meeting, actor: User) -> Resolution:
    """A draft for a concluded meeting, pre-filled from what the meeting recorded."""
    if meeting.status != "concluded":
        raise OperationError("会议结束后才能起草决议。", code="not_concluded")
    if queries.open_version(meeting) is not None:
        raise Conflict("这次会议已有一份正在起草的决议。", code="draft_exists")
    if queries.latest_published(meeting.id) is not None:
        raise Conflict("这次会议的决议已发布;如需更正,请在已发布的决议上发起新版本。", code="published_exists")
    resolution = Resolution(
        community_id=meeting.community_id,
        meeting_id=meeting.id,
        version=1,
        status="draft",
        title=f"{meeting.title}决议"[:TITLE_MAX],
        reference=f"{meeting.community.name}〔{local(meeting.starts_at):%Y}〕{meeting.id}号",
        record=queries.meeting_record(meeting),
        created_by_id=actor.id,
        created_at=utcnow(),
    )
    db.session.add(resolution)
    db.session.flush()
    return resolution


def update_resolution(resolution: Resolution, title: str, agreed_points: str) -> None:
    """The host writes the agreed points (one per line); confirmations of commitments stay."""
    _require_editable(resolution)
    title = (title or "").strip()
    agreed_points = (agreed_points or "").strip()
    if not title:
        raise OperationError("请填写决议标题。")
    if len(title) > TITLE_MAX:
        raise OperationError("决议标题不能超过%(max)d个字符。", max=TITLE_MAX)
    if len(agreed_points) > POINTS_MAX:
        raise OperationError("决议事项不能超过%(max)d个字符。", max=POINTS_MAX)
    resolution.title = title
    resolution.agreed_points = agreed_points
    db.session.flush()


@dataclass
class CommitmentFields:
    unit: str  # "department:<id>" or "organization:<id>"
    action: str
    deadline: datetime | None


class CheckedCommitment(NamedTuple):
    department: Department | None
    organization: Organization | None
    action: str
    deadline: datetime


def _checked_commitment(resolution: Resolution, fields: CommitmentFields) -> CheckedCommitment:
    kind, _, raw_id = (fields.unit or "").partition(":")
    department: Department | None = None
    organization: Organization | None = None
    if kind == "department" and raw_id.isdigit():
        department = db.session.get(Department, int(raw_id))
    elif kind == "organization" and raw_id.isdigit():
        organization = db.session.get(Organization, int(raw_id))
        if organization is not None and organization.community_id != resolution.community_id:
            organization = None
    if department is None and organization is None:
        raise OperationError("请选择承诺的部门或单位。")
    action = (fields.action or "").strip()
    if not action:
        raise OperationError("请填写承诺事项。")
    if len(action) > ACTION_MAX:
        raise OperationError("承诺事项不能超过%(max)d个字符。", max=ACTION_MAX)
    if fields.deadline is None or fields.deadline.tzinfo is None:
        raise OperationError("请填写完成期限。")
    if fields.deadline <= utcnow():
        raise OperationError("完成期限须在将来。")
    return CheckedCommitment(department, organization, action, fields.deadline)


def _ask_to_confirm(commitment: Commitment) -> None:
    resolution = commitment.resolution
    for user in unit_staff(commitment):
        _notify(
            user,
            "请确认决议承诺:%(title)s",
            "%(unit)s:%(action)s(期限 %(deadline)s)",
            _path("resolutions.commitment", commitment_id=commitment.id),
            title=resolution.title, unit=commitment.unit_name, action=commitment.action,
            deadline=f"{local(commitment.deadline):%Y-%m-%d}",
        )


def add_commitment(resolution: Resolution, fields: CommitmentFields) -> Commitment:
    _require_editable(resolution)
    if len(resolution.commitments) >= COMMITMENTS_MAX:
        raise OperationError("一份决议最多%(max)d项承诺。", max=COMMITMENTS_MAX)
    department, organization, action, deadline = _checked_commitment(resolution, fields)
    commitment = Commitment(
        community_id=resolution.community_id,
        position=max((c.position for c in resolution.commitments), default=0) + 1,
        department=department,
        organization=organization,
        action=action,
        deadline=deadline,
        state=PENDING,
    )
    resolution.commitments.append(commitment)
    db.session.flush()
    if resolution.status == "awaiting_confirmations":
        _ask_to_confirm(commitment)
    return commitment


def update_commitment(commitment: Commitment, fields: CommitmentFields) -> None:
    """A changed commitment is a new promise: its confirmation is asked for again."""
    resolution = commitment.resolution
    _require_editable(resolution)
    department, organization, action, deadline = _checked_commitment(resolution, fields)
    commitment.department = department
    commitment.organization = organization
    commitment.department_id = department.id if department else None
    commitment.organization_id = organization.id if organization else None
    commitment.action = action
    commitment.deadline = deadline
    commitment.state = PENDING
    commitment.answered_by_id = None
    commitment.answered_at = None
    db.session.flush()
    if resolution.status == "awaiting_confirmations":
        _ask_to_confirm(commitment)


def remove_commitment(commitment: Commitment) -> None:
    """Delete a draft commitment; one a unit has handed back (退单) stays, with its return on record."""
    from sqlalchemy import select

    from roundtable.escalation.models import CommitmentReturn

    resolution = commitment.resolution
    _require_editable(resolution)
    if db.session.scalar(select(CommitmentReturn.id).where(CommitmentReturn.commitment_id == commitment.id).limit(1)):
        raise Conflict("这项承诺已被退单,退单记录须保留,不能删除;请改派或修改这项承诺。", code="has_returns")
    resolution.commitments.remove(commitment)
    db.session.flush()


def send_for_confirmation(resolution: Resolution) -> None:
    """draft → awaiting_confirmations: every unit with a commitment is asked to confirm it."""
    _require_editable(resolution)
    if resolution.status != "draft":
        raise OperationError("决议已在等待确认。")
    if not resolution.points:
        raise OperationError("请先写下会议达成的决议事项。")
    if not resolution.commitments:
        raise OperationError("决议还没有承诺事项,无需确认,可直接发布。")
    resolution.status = "awaiting_confirmations"
    resolution.sent_at = utcnow()
    db.session.flush()
    for commitment in resolution.commitments:
        if not commitment.is_confirmed:
            _ask_to_confirm(commitment)


def _require_answerable(commitment: Commitment, user: User) -> Resolution:
    if not can_answer_commitment(user, commitment):
        raise NotAllowed("只有承诺单位的工作人员可以确认本单位的承诺。")
    resolution = commitment.resolution
    _require_editable(resolution)
    if resolution.status != "awaiting_confirmations":
        raise OperationError("这份决议尚未送交确认。")
    return resolution


def confirm_commitment(commitment: Commitment, user: User) -> None:
    _require_answerable(commitment, user)
    commitment.state = CONFIRMED
    commitment.answered_by_id = user.id
    commitment.answered_at = utcnow()
    commitment.contest_reason = ""
    db.session.flush()


def contest_commitment(commitment: Commitment, user: User, reason: str) -> None:
    """A unit disagrees; the reason goes to the host, who revises the commitment or publishes with a reason."""
    resolution = _require_answerable(commitment, user)
    reason = (reason or "").strip()
    if not reason:
        raise OperationError("提出异议须说明理由。")
    if len(reason) > REASON_MAX:
        raise OperationError("理由不能超过%(max)d个字符。", max=REASON_MAX)
    commitment.state = CONTESTED
    commitment.answered_by_id = user.id
    commitment.answered_at = utcnow()
    commitment.contest_reason = reason
    db.session.flush()
    hosts = {u.id: u for u in (resolution.created_by, resolution.meeting.host) if u is not None}
    for host in hosts.values():
        _notify(
            host,
            "%(unit)s对决议承诺有异议",
            "%(reason)s",
            _path("resolutions.show", resolution_id=resolution.id),
            unit=commitment.unit_name, reason=reason,
        )


# ---------------------------------------------------------------- publishing


def unconfirmed(resolution: Resolution) -> list[Commitment]:
    return [c for c in resolution.commitments if not c.is_confirmed]


def require_public_base_url() -> None:
    """In production a published PDF's verification link must name the configured public address:
    taken from a request's Host header, anyone could have it point elsewhere."""
    if current_app.config.get("REQUIRE_PUBLIC_BASE_URL") and not current_app.config.get("PUBLIC_BASE_URL"):
        raise OperationError(
            "尚未配置本系统的公开地址(PUBLIC_BASE_URL),无法在决议上印出核验链接;请管理员配置后再发布。",
            code="no_public_base_url",
        )


def request_publication(resolution: Resolution, actor: User, reason: str = "", base_url: str = "") -> Job:
    """Queue the rendering; with an unconfirmed commitment only when the host says why (printed)."""
    _require_editable(resolution)
    require_public_base_url()
    if not resolution.points:
        raise OperationError("请先写下会议达成的决议事项。")
    if resolution.commitments and resolution.status == "draft":
        raise OperationError("请先把承诺送交各单位确认。")
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise OperationError("说明不能超过%(max)d个字符。", max=REASON_MAX)
    waiting = unconfirmed(resolution)
    if waiting and not reason:
        names = "、".join(dict.fromkeys(c.unit_name for c in waiting))
        raise OperationError(
            "还有%(count)d项承诺未确认(%(names)s);全部确认后才能发布,或填写未确认即发布的理由(将印在决议上)。",
            code="unconfirmed",
            count=len(waiting),
            names=names,
        )
    resolution.unconfirmed_reason = reason if waiting else ""
    resolution.publish_requested_by_id = actor.id
    job = enqueue(
        "render_resolution",
        {"resolution_id": resolution.id, "base_url": base_url},
        community_id=resolution.community_id,
    )
    resolution.publish_job_id = job.id
    db.session.flush()
    return job


def record_bytes(record: dict) -> bytes:
    """The exact bytes embedded and hashed: stable key order, UTF-8, no ASCII escaping."""
    return json.dumps(record, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")


def publish_rendered(resolution: Resolution, pdf: bytes, record: dict, published_at: datetime) -> list[dict]:
    """Freeze the version the worker rendered; supersede the previous one; attach to every linked case.

    Returns what happened to each case: a case that cannot move to
    「已定方案」 keeps its status, and the reason is recorded on its timeline
    and on the resolution, instead of failing the publication.
    """
    if resolution.is_frozen:
        raise Conflict("这份决议已经发布。", code="frozen")
    actor = db.session.get(User, resolution.publish_requested_by_id) if resolution.publish_requested_by_id else None
    previous = resolution.supersedes
    resolution.status = "published"
    resolution.published_at = published_at
    resolution.pdf = pdf
    resolution.sha256 = hashlib.sha256(pdf).hexdigest()
    resolution.record = record
    resolution.record_sha256 = hashlib.sha256(record_bytes(record)).hexdigest()
    if previous is not None and previous.status == "published":
        previous.status = "superseded"
        previous.superseded_at = published_at
    link = _path("resolutions.public_pdf", resolution_id=resolution.id)
    outcomes = []
    note = f"决议「{resolution.title}」第{resolution.version}版已发布:{link}"
    for case in resolution.meeting.cases:
        add_event(case, "resolution", actor, note, resolution_id=resolution.id, version=resolution.version,
                  sha256=resolution.sha256, link=link)
        outcome = {"case_id": case.id, "number": case.external_number, "moved": False, "message": ""}
        if case.status == "action_scheduled":
            outcome["message"] = ALREADY_THERE
        elif "action_scheduled" in case.allowed_transitions():
            change_status(case, "action_scheduled", actor, f"依据决议第{resolution.version}版",
                          resolution_id=resolution.id)
            outcome.update(moved=True, message=MOVED)
        else:
            outcome.update(message=CANNOT_MOVE, status=case.status)
            add_event(case, "note", actor, "决议已发布,但" + CANNOT_MOVE % {"status": STATUS_LABELS.get(case.status, case.status)} + "。")
        outcomes.append(outcome)
    resolution.case_outcomes = outcomes
    db.session.flush()
    for commitment in resolution.commitments:
        for user in unit_staff(commitment):
            _notify(user, "决议已发布:%(title)s", "%(action)s",
                    _path("resolutions.commitment", commitment_id=commitment.id),
                    title=resolution.title, action=commitment.action)
    return outcomes


def start_correction(resolution: Resolution, actor: User) -> Resolution:
    """A new version of a published resolution, copied for editing; the published one stays as it is."""
    if resolution.status != "published":
        raise OperationError("只能更正当前已发布的版本。")
    if queries.open_version(resolution.meeting) is not None:
        raise Conflict("这次会议已有一份正在起草的新版本。", code="draft_exists")
    correction = Resolution(
        community_id=resolution.community_id,
        meeting_id=resolution.meeting_id,
        version=resolution.version + 1,
        supersedes_id=resolution.id,
        status="draft",
        title=resolution.title,
        reference=resolution.reference,
        agreed_points=resolution.agreed_points,
        record=queries.meeting_record(resolution.meeting),
        created_by_id=actor.id,
        created_at=utcnow(),
    )
    for position, old in enumerate(resolution.commitments, start=1):
        correction.commitments.append(Commitment(
            community_id=resolution.community_id, position=position, department_id=old.department_id,
            organization_id=old.organization_id, action=old.action, deadline=old.deadline, state=PENDING,
        ))
    db.session.add(correction)
    db.session.flush()
    return correction


# ---------------------------------------------------------------- follow-up


@dataclass
class Upload:
    filename: str
    data: bytes


def _checked_upload(upload: Upload) -> tuple[str, str]:
    name = (upload.filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(ch for ch in name if ch.isprintable())[:200] or "证明材料"
    if not upload.data:
        raise OperationError("文件「%(name)s」是空的。", name=name)
    if len(upload.data) > EVIDENCE_MAX_BYTES:
        raise OperationError("文件「%(name)s」超过%(mb)dMB。", name=name, mb=EVIDENCE_MAX_BYTES // (1024 * 1024))
    for signature, content_type in EVIDENCE_SIGNATURES:
        if upload.data.startswith(signature):
            return name, content_type
    raise OperationError("文件「%(name)s」不是 JPEG、PNG 图片或 PDF 文件。", name=name)


def report_progress(commitment: Commitment, user: User, note: str, done: bool, uploads: list[Upload]) -> list[dict]:
    """The unit reports progress, with evidence; when every commitment is done, the cases are replied.

    Returns what happened to each linked case when the last commitment was
    done (empty otherwise).
    """
    if not can_answer_commitment(user, commitment):
        raise NotAllowed("只有承诺单位的工作人员可以报告进展。")
    resolution = commitment.resolution
    if resolution.status == "superseded":
        raise OperationError("这份决议已被新版本取代,请在新版本的承诺中报告进展。")
    if resolution.status != "published":
        raise OperationError("决议发布后才能报告进展。")
    if commitment.is_done:
        raise OperationError("这项承诺已报告完成。")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise OperationError("进展说明不能超过%(max)d个字符。", max=NOTE_MAX)
    if not note and not uploads and not done:
        raise OperationError("请填写进展说明或上传证明材料。")
    if len(uploads) > EVIDENCE_MAX_FILES:
        raise OperationError("一次最多上传%(max)d个文件。", max=EVIDENCE_MAX_FILES)
    checked = [(_checked_upload(upload), upload.data) for upload in uploads]
    now = utcnow()
    report = CommitmentReport(
        community_id=commitment.community_id, author_id=user.id, note=note, marks_done=bool(done), at=now
    )
    for (name, content_type), data in checked:
        report.files.append(EvidenceFile(
            community_id=commitment.community_id, filename=name, content_type=content_type, size=len(data),
            sha256=hashlib.sha256(data).hexdigest(), data=data, uploaded_at=now,
        ))
    commitment.reports.append(report)
    if done:
        commitment.done_at = now
    db.session.flush()
    if done and all(c.is_done for c in resolution.commitments):
        from roundtable.satisfaction.operations import ask_after_completion

        outcomes = _reply_cases(resolution, user)
        ask_after_completion(resolution)
        return outcomes
    return []


def _reply_cases(resolution: Resolution, actor: User) -> list[dict]:
    outcomes = []
    for case in resolution.meeting.cases:
        outcome = {"number": case.external_number, "moved": False}
        if "replied" in case.allowed_transitions():
            change_status(case, "replied", actor, f"决议第{resolution.version}版的承诺已全部完成",
                          resolution_id=resolution.id)
            outcome["moved"] = True
        outcomes.append(outcome)
    db.session.flush()
    return outcomes


def evidence_of(commitment: Commitment, file_id: int) -> EvidenceFile:
    evidence = db.session.get(EvidenceFile, file_id)
    if evidence is None or evidence.report.commitment_id != commitment.id:
        raise NotFound("找不到该文件。")
    return evidence
