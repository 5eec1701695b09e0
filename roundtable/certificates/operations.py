"""Verbs of certificates: authorise a kind, request, issue, refuse, revoke, look up. Flush, never commit."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from roundtable.audit.operations import record
from roundtable.auth.models import User
from roundtable.certificates.models import (
    CHECK_EXPIRED,
    CHECK_REVOKED,
    CHECK_UNKNOWN,
    CHECK_VALID,
    EXPIRED,
    ISSUED,
    REFUSED,
    REQUESTED,
    REVOKED,
    Certificate,
    CertificateKind,
)
from roundtable.communities.models import Department
from roundtable.core.errors import Conflict, NotFound, OperationError
from roundtable.core.time import local, utcnow
from roundtable.core.uploads import looks_like_image
from roundtable.extensions import db

if TYPE_CHECKING:
    from roundtable.resolutions.models import Resolution

PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}
PHOTO_MAX = 3 * 1024 * 1024
# 京A12345, 京AD12345 (new energy), 京A1234学 ...: a province character, a letter, 5 or 6 letters/digits.
PLATE = re.compile(r"^[\u4e00-\u9fff][A-Z][A-Z0-9]{4,5}[A-Z0-9\u4e00-\u9fff]$")
MAX_WINDOW = timedelta(days=2)


def normalized_plate(text: str) -> str:
    return re.sub(r"[\s·.\-]", "", (text or "").upper())


def _text(value: str | None, limit: int, empty_message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise OperationError(empty_message)
    if len(value) > limit:
        raise OperationError("填写的内容过长。")
    return value


@dataclass
class KindFields:
    name: str
    clause: str
    eligibility: str
    statement: str
    validity_days: int
    needs_plate: bool
    department_id: int | None


def authorise_kind(resolution: Resolution, fields: KindFields, actor: User) -> CertificateKind:
    """A published resolution authorises certificates of a kind; drafts cannot."""
    if resolution.status != "published":
        raise OperationError("只有已发布的决议才能授权出具证明。", code="not_published")
    if not 1 <= (fields.validity_days or 0) <= 366:
        raise OperationError("有效期须在1到366天之间。")
    department = None
    if fields.department_id is not None:
        department = db.session.get(Department, fields.department_id)
        if department is None:
            raise NotFound("找不到所选的部门。")
    kind = CertificateKind(
        community_id=resolution.community_id, resolution_id=resolution.id,
        name=_text(fields.name, 60, "请填写证明名称。"), clause=_text(fields.clause, 2000, "请填写所依据的决议条款。"),
        eligibility=_text(fields.eligibility, 2000, "请填写谁可以申请。"),
        statement=_text(fields.statement, 2000, "请填写证明的内容。"), validity_days=fields.validity_days,
        needs_plate=bool(fields.needs_plate), department_id=department.id if department else None,
        created_by_id=actor.id,
    )
    db.session.add(kind)
    db.session.flush()
    return kind


@dataclass
class RequestFields:
    applicant_name: str
    plate: str
    window_start: datetime | None
    window_end: datetime | None
    reason: str
    photo: bytes | None = None
    photo_type: str | None = None


def request_certificate(kind: CertificateKind, fields: RequestFields, applicant: User | None, recorded_by: User | None) -> Certificate:
    """A resident asks from the phone, or the secretary records a request for someone without one."""
    if not kind.active:
        raise OperationError("这种证明已停止出具。")
    plate = normalized_plate(fields.plate)
    if kind.needs_plate and not PLATE.match(plate):
        raise OperationError("车牌号格式不正确,例如 京A12345。", code="bad_plate")
    if fields.window_start is None or fields.window_end is None or fields.window_end <= fields.window_start:
        raise OperationError("请填写停车的日期和起止时间,结束须晚于开始。")
    if fields.window_end - fields.window_start > MAX_WINDOW:
        raise OperationError("一张证明的时间段不能超过两天。")
    if fields.photo is not None:
        if fields.photo_type not in PHOTO_TYPES or not looks_like_image(fields.photo, fields.photo_type):
            raise OperationError("照片只能是 JPEG、PNG 或 WebP 格式。")
        if len(fields.photo) > PHOTO_MAX:
            raise OperationError("照片不能超过3MB。")
    certificate = Certificate(
        community_id=kind.community_id, kind=kind, applicant_id=applicant.id if applicant else None,
        applicant_name=_text(fields.applicant_name, 64, "请填写申请人姓名。"), plate=plate if kind.needs_plate else "",
        window_start=fields.window_start, window_end=fields.window_end,
        reason=_text(fields.reason, 1000, "请填写申请原因。"), photo=fields.photo or None,
        photo_type=fields.photo_type if fields.photo else None, state=REQUESTED,
        recorded_by_id=recorded_by.id if recorded_by else None,
    )
    db.session.add(certificate)
    db.session.flush()
    return certificate


def _next_number(certificate: Certificate, now: datetime) -> str:
    year = local(now).year
    prefix = f"{certificate.kind.community.name}证〔{year}〕"
    issued = db.session.scalar(
        select(func.count(Certificate.id)).where(
            Certificate.community_id == certificate.community_id, Certificate.number.like(f"{prefix}%")
        )
    )
    return f"{prefix}{(issued or 0) + 1:04d}号"


def issue(certificate: Certificate, actor: User) -> Certificate:
    """Number it and fix its validity: from the start of the window, for the kind's number of days."""
    if not certificate.can_move_to(ISSUED):
        raise Conflict("这份申请已经处理过。", code="bad_transition")
    now = utcnow()
    for _attempt in range(3):  # two secretaries issuing at once: the UNIQUE number decides, the loser takes the next
        try:
            with db.session.begin_nested():
                certificate.number = _next_number(certificate, now)
                certificate.state = ISSUED
                certificate.decided_by_id = actor.id
                certificate.decided_at = now
                certificate.valid_from = certificate.window_start
                certificate.valid_until = certificate.window_start + timedelta(days=certificate.kind.validity_days)
                db.session.flush()
            return certificate
        except IntegrityError:
            continue
    raise Conflict("编号冲突,请重试。")


def refuse(certificate: Certificate, reason: str, actor: User) -> Certificate:
    if not certificate.can_move_to(REFUSED):
        raise Conflict("这份申请已经处理过。", code="bad_transition")
    certificate.refusal_reason = _text(reason, 1000, "请写明不予出具的原因,申请人会看到。")
    certificate.state = REFUSED
    certificate.decided_by_id = actor.id
    certificate.decided_at = utcnow()
    db.session.flush()
    return certificate


def revoke(certificate: Certificate, reason: str, actor: User) -> Certificate:
    if not certificate.can_move_to(REVOKED):
        raise Conflict("只有已出具的证明才能撤销。", code="bad_transition")
    certificate.revoke_reason = _text(reason, 1000, "请写明撤销原因。")
    certificate.state = REVOKED
    certificate.revoked_by_id = actor.id
    certificate.revoked_at = utcnow()
    db.session.flush()
    return certificate


@dataclass(frozen=True)
class CheckResult:
    """What the public check page shows: never the name, the reason or the full plate."""

    status: str
    number: str = ""
    kind: str = ""
    community: str = ""
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    masked_plate: str = ""
    revoked_at: datetime | None = None


def check(token: str, now: datetime | None = None) -> CheckResult:
    certificate = db.session.scalar(select(Certificate).where(Certificate.check_token == token)) if token and len(token) <= 64 else None
    if certificate is None or certificate.state not in (ISSUED, REVOKED):
        return CheckResult(CHECK_UNKNOWN)
    shown = certificate.shown_state(now)
    status = {ISSUED: CHECK_VALID, EXPIRED: CHECK_EXPIRED, REVOKED: CHECK_REVOKED}[shown]
    return CheckResult(
        status, certificate.number or "", certificate.kind.name, certificate.kind.community.full_name,
        certificate.valid_from, certificate.valid_until, certificate.masked_plate, certificate.revoked_at,
    )


def look_up(user: User, query: str) -> list[Certificate]:
    """Department staff find certificates of kinds naming their department, by number or plate; audited."""
    query = (query or "").strip()
    if not query or len(query) > 40:
        raise OperationError("请输入证明编号或车牌号。")
    plate = normalized_plate(query)
    found = list(db.session.scalars(
        select(Certificate).join(CertificateKind).where(
            CertificateKind.department_id.in_(user.department_ids or [-1]),
            Certificate.state.in_((ISSUED, REVOKED)),
            or_(Certificate.number == query, Certificate.plate == plate),
        ).order_by(Certificate.id.desc()).limit(50)
    ))
    record(
        "certificate.lookup", subject_type="certificate", subject_id=found[0].id if len(found) == 1 else None,
        community_id=found[0].community_id if len({c.community_id for c in found}) == 1 else None,
        data={"reader_id": user.id, "by": "plate" if PLATE.match(plate) else "number",
              "found": [c.id for c in found]},
    )
    return found
