"""Bringing cases in from a file in two steps: check (nothing written to cases), then import.

``check_file`` keeps what it found in an ``ImportBatch`` so that ``import_batch``
imports exactly the rows the secretary saw in the report, in one transaction.
"""
from __future__ import annotations

import hashlib
from datetime import datetime

from flask import current_app
from flask_babel import gettext

from roundtable.auth.models import User
from roundtable.cases.models import Case, ImportBatch
from roundtable.cases.operations import add_event, create_case, find_existing
from roundtable.cases.validation import CaseFieldErrors, CaseFields, clean_case_fields, parse_datetime
from roundtable.communities.models import Community
from roundtable.core.errors import Conflict, OperationError
from roundtable.core.time import utcnow
from roundtable.extensions import db
from roundtable.imports.parsers import FORMATS, ParsedFile, RawRow, parse_upload
from roundtable.open311.queries import category_for_code, service_code_map

# Kinds of report lines: a row that cannot be imported, and one that is already there.
ERROR = "error"
DUPLICATE = "duplicate"

MAX_FILENAME = 200


def max_upload_bytes() -> int:
    """2 MB holds thousands of work orders; a larger file is more likely a wrong one."""
    return current_app.config.get("IMPORT_MAX_BYTES", 2 * 1024 * 1024)


def check_file(community: Community, actor: User, filename: str, data: bytes, declared_format: str = "") -> ImportBatch:
    """Validate a whole file and keep the report and the importable rows; no case is written."""
    if declared_format and declared_format not in FORMATS:
        raise OperationError("未知文件类型。")
    parsed = parse_upload(
        filename,
        data,
        max_bytes=max_upload_bytes(),
        max_rows=current_app.config.get("IMPORT_MAX_ROWS", 5000),
        declared=declared_format,
    )
    valid_rows, report = _judge_rows(community, parsed)
    batch = ImportBatch(
        community_id=community.id,
        uploaded_by_id=actor.id,
        filename=_clean_filename(filename),
        file_format=parsed.file_format,
        sha256=hashlib.sha256(data).hexdigest(),
        valid_rows=valid_rows,
        errors=report,
        status="pending",
        skipped_count=sum(1 for line in report if line["kind"] == DUPLICATE),
    )
    db.session.add(batch)
    db.session.flush()
    return batch


def _judge_rows(community: Community, parsed: ParsedFile) -> tuple[list[dict], list[dict]]:
    """Every row is judged: importable, a duplicate (in the file or already filed), or an error."""
    now = utcnow()
    valid_rows: list[dict] = []
    report: list[dict] = []
    first_line_of: dict[tuple[str, str], int] = {}
    code_map = service_code_map(community.id)
    for row in parsed.rows:
        number = str(row.values.get("external_number") or "").strip()[:40]
        if row.service_code:
            category = category_for_code(row.service_code, code_map)
            if category is None:
                # Never guessed: the secretary maps the code (Open311 代码对照) and checks the file again.
                report.append(_line(row, number, ERROR, _join(
                    row.problem, gettext("未知的 service_code「%(code)s」:没有对应的类别,请先在“Open311 代码对照”中添加",
                                         code=row.service_code[:30]))))
                continue
            row.values["category"] = category
        try:
            fields = clean_case_fields(row.values, default_source=parsed.default_source, now=now)
            closed_at = _closed_at(row, now)
        except CaseFieldErrors as exc:
            report.append(_line(row, number, ERROR, _join(row.problem, exc.summary())))
            continue
        if row.problem:
            report.append(_line(row, number, ERROR, row.problem))
            continue
        key = (fields.source, fields.external_number)
        if key in first_line_of:
            report.append(_line(row, number, DUPLICATE, gettext("与第 %(line)s 行的工单编号重复", line=first_line_of[key])))
            continue
        first_line_of[key] = row.line
        if find_existing(community, *key):
            report.append(_line(row, number, DUPLICATE, gettext("该工单已导入过,将跳过")))
            continue
        valid_rows.append({"line": row.line, "fields": fields.as_dict(), "closed_at": closed_at})
    return valid_rows, report


def _closed_at(row: RawRow, now) -> str | None:
    if not row.closed:
        return None
    try:
        return (parse_datetime(row.closed_at) if row.closed_at else now).isoformat()
    except ValueError as exc:
        raise CaseFieldErrors({"updated_datetime": str(exc)}) from None


def _line(row: RawRow, number: str, kind: str, reason: str) -> dict:
    return {"line": row.line, "number": number, "kind": kind, "reason": reason}


def _join(*reasons: str) -> str:
    return ";".join(reason for reason in reasons if reason)


def _clean_filename(filename: str) -> str:
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return (name or "未命名文件")[:MAX_FILENAME]


def import_batch(batch: ImportBatch, actor: User) -> int:
    """Create the checked rows' cases; rows filed meanwhile are skipped. Returns how many were created.

    Refused for a batch that is not pending or has nothing left to import. The
    caller commits once, so a failure on any row leaves no case behind.
    """
    _refuse_unless_pending(batch)
    if not batch.valid_rows:
        raise OperationError("没有可导入的新工单:所有行都有错误或已导入过。")
    community = db.session.get_one(Community, batch.community_id)
    created = skipped = 0
    for row in batch.valid_rows:
        fields = CaseFields.from_dict(row["fields"])
        if find_existing(community, fields.source, fields.external_number):
            skipped += 1
            continue
        note = f"从文件「{batch.filename}」第 {row['line']} 行导入"
        try:
            case = create_case(community, fields, actor, event_kind="imported", note=note)
        except CaseFieldErrors as exc:
            raise OperationError("第 %(line)s 行:%(problem)s", line=row["line"], problem=exc.summary()) from None
        if row.get("closed_at"):
            _record_closed_elsewhere(case, actor, row["closed_at"])
        created += 1
    batch.status = "imported"
    batch.created_count = created
    batch.skipped_count += skipped
    batch.finished_at = utcnow()
    batch.valid_rows = []  # the rows carry complainants' phones; the cases now hold them
    db.session.flush()
    return created


def _record_closed_elsewhere(case: Case, actor: User, closed_at: str) -> None:
    """Open311 "closed" means resolved where the request came from; the timeline says so.

    This is history being recorded, not a step taken on our desk, so it does not
    walk the status machine.
    """
    case.status = "closed_resolved"
    case.closed_at = datetime.fromisoformat(closed_at)
    add_event(case, "status", actor, "来源系统中已办结", from_status="received", to_status="closed_resolved")
    db.session.flush()


def discard_batch(batch: ImportBatch) -> None:
    _refuse_unless_pending(batch)
    batch.status = "discarded"
    batch.finished_at = utcnow()
    batch.valid_rows = []
    db.session.flush()


def _refuse_unless_pending(batch: ImportBatch) -> None:
    # Lock the batch so that a double-clicked confirm waits for the first and sees it done.
    db.session.refresh(batch, with_for_update=True)
    if batch.status == "imported":
        raise Conflict("这个文件已经导入过了,不能重复导入。")
    if batch.status == "discarded":
        raise OperationError("这次导入已放弃,请重新上传文件。")

