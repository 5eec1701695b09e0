"""Resolution pages: the secretary drafts and publishes, units confirm and report, anyone verifies.

Every route: who is asking and in which community, one operation, one
commit, a redirect with the operation's message. Another community's ids
answer 404. Publishing only queues a job; the worker process renders.
"""
from __future__ import annotations

import hashlib
import re

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from roundtable.communities.context import community_required, current_community
from roundtable.communities.permissions import can_manage_cases, can_read_cases
from roundtable.core.actions import act, flash_form_errors
from roundtable.core.errors import OperationError
from roundtable.core.permissions import load_or_404, load_part_or_404
from roundtable.core.time import as_utc, utcnow
from roundtable.extensions import db
from roundtable.jobs.queries import job_status
from roundtable.meetings.models import Meeting
from roundtable.meetings.queries import all_departments, community_organizations
from roundtable.resolutions import operations, queries
from roundtable.resolutions.forms import (
    ActionForm,
    CommitmentForm,
    ContestForm,
    ProgressForm,
    PublishForm,
    ResolutionForm,
    VerifyForm,
)
from roundtable.resolutions.models import Commitment, Resolution
from roundtable.resolutions.permissions import (
    can_answer_commitment,
    can_draft_resolution,
    can_manage_resolution,
    can_read_resolution,
    can_view_commitment,
    has_commitments_to_answer,
    is_unit_staff,
)

bp = Blueprint("resolutions", __name__)


def commitment_context(commitment: Commitment) -> dict:
    from roundtable.escalation.routes import commitment_context as escalation_context

    return escalation_context(commitment)

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


# --- helpers ----------------------------------------------------------------------------------


def _to(resolution: Resolution, anchor: str = ""):
    return redirect(url_for("resolutions.show", resolution_id=resolution.id) + (f"#{anchor}" if anchor else ""))


def _unit_choices(resolution: Resolution) -> list[tuple[str, str]]:
    """Departments the meeting summoned first, then every other department, then the community's units."""
    summoned = {i.department_id for i in resolution.meeting.invitations if i.department_id}
    departments = sorted(all_departments(), key=lambda d: (d.id not in summoned, d.name))
    return (
        [("", "请选择")]
        + [(f"department:{d.id}", _("部门 · %(name)s", name=d.name)) for d in departments]
        + [(f"organization:{o.id}", f"{o.kind_label} · {o.name}") for o in community_organizations(resolution.community_id)]
    )


def _commitment_form(resolution: Resolution, commitment: Commitment | None = None, formdata=None) -> CommitmentForm:
    form = CommitmentForm(formdata=formdata) if formdata is not None else CommitmentForm()
    form.unit.choices = _unit_choices(resolution)
    if commitment is not None and request.method == "GET":
        form.unit.data = (
            f"department:{commitment.department_id}" if commitment.department_id else f"organization:{commitment.organization_id}"
        )
        form.action.data = commitment.action
        from roundtable.core.time import local

        form.deadline.data = local(commitment.deadline).replace(tzinfo=None)
    return form


def _commitment_fields(form: CommitmentForm) -> operations.CommitmentFields:
    deadline = as_utc(form.deadline.data) if form.deadline.data else None
    return operations.CommitmentFields(unit=form.unit.data or "", action=form.action.data or "", deadline=deadline)


public_pdf_url = queries.public_pdf_url


# --- the secretary's pages --------------------------------------------------------------------


@bp.route("/resolutions/")
@community_required(can=can_read_cases)
def list_resolutions():
    community = current_community()
    return render_template(
        "resolutions/list.html",
        resolutions=queries.resolutions_of_community(community.id),
        overdue=queries.overdue_commitments(community.id),
        now=utcnow(),
    )


@bp.route("/meetings/<int:meeting_id>/resolution", methods=["POST"])
@community_required(can=can_manage_cases)
def start(meeting_id: int):
    meeting = load_or_404(Meeting, meeting_id, can=can_draft_resolution)
    if not ActionForm().validate_on_submit():
        abort(403)
    resolution = act(lambda: operations.start_resolution(meeting, current_user), "已根据会议记录生成决议草稿。")
    if isinstance(resolution, Resolution):
        return _to(resolution)
    return redirect(url_for("meetings.show", meeting_id=meeting.id))


@bp.route("/resolutions/<int:resolution_id>")
@community_required(can=can_read_cases)
def show(resolution_id: int):
    resolution = load_or_404(Resolution, resolution_id, can=can_read_resolution)
    manage = can_manage_resolution(current_user, resolution)
    job = job_status(resolution.publish_job_id, community_id=resolution.community_id) if resolution.publish_job_id else None
    return render_template(
        "resolutions/show.html",
        resolution=resolution,
        record=resolution.record or {},
        manage=manage,
        editable=manage and not resolution.is_frozen and not operations.is_publishing(resolution),
        job=job,
        publishing=operations.is_publishing(resolution),
        edit_form=ResolutionForm(formdata=None, obj=resolution),
        commitment_form=_commitment_form(resolution, formdata=None) if manage else None,
        publish_form=PublishForm(formdata=None),
        action_form=ActionForm(),
        unconfirmed=operations.unconfirmed(resolution),
        versions=queries.resolutions_of_meeting(resolution.meeting),
        public_url=public_pdf_url(resolution) if resolution.is_frozen else None,
        now=utcnow(),
    )


@bp.route("/resolutions/<int:resolution_id>/edit", methods=["POST"])
@community_required(can=can_manage_cases)
def edit(resolution_id: int):
    resolution = load_or_404(Resolution, resolution_id, can=can_manage_resolution)
    form = ResolutionForm()
    if form.validate_on_submit():
        act(lambda: operations.update_resolution(resolution, form.title.data, form.agreed_points.data),
             "决议已保存。")
    else:
        flash_form_errors(form)
    return _to(resolution)


@bp.route("/resolutions/<int:resolution_id>/commitments", methods=["POST"])
@community_required(can=can_manage_cases)
def add_commitment(resolution_id: int):
    resolution = load_or_404(Resolution, resolution_id, can=can_manage_resolution)
    form = _commitment_form(resolution)
    if form.validate_on_submit():
        act(lambda: operations.add_commitment(resolution, _commitment_fields(form)), "已添加承诺。")
    else:
        flash_form_errors(form)
    return _to(resolution, "commitments")


@bp.route("/resolutions/<int:resolution_id>/commitments/<int:commitment_id>/edit", methods=["GET", "POST"])
@community_required(can=can_manage_cases)
def edit_commitment(resolution_id: int, commitment_id: int):
    resolution = load_or_404(Resolution, resolution_id, can=can_manage_resolution)
    commitment = load_part_or_404(resolution, Commitment, commitment_id, key="resolution_id")
    form = _commitment_form(resolution, commitment)
    if request.method == "POST":
        if form.validate_on_submit():
            if act(lambda: operations.update_commitment(commitment, _commitment_fields(form)),
                    "承诺已修改,已请承诺单位重新确认。"):
                return _to(resolution, "commitments")
        else:
            flash_form_errors(form)
        if resolution.is_frozen:
            return _to(resolution, "commitments")
    elif resolution.is_frozen:
        flash(operations.FROZEN_MESSAGE, "error")
        return _to(resolution, "commitments")
    return render_template("resolutions/commitment_form.html", resolution=resolution, commitment=commitment, form=form)


@bp.route("/resolutions/<int:resolution_id>/commitments/<int:commitment_id>/delete", methods=["POST"])
@community_required(can=can_manage_cases)
def remove_commitment(resolution_id: int, commitment_id: int):
    resolution = load_or_404(Resolution, resolution_id, can=can_manage_resolution)
    commitment = load_part_or_404(resolution, Commitment, commitment_id, key="resolution_id")
    if ActionForm().validate_on_submit():
        act(lambda: operations.remove_commitment(commitment), "已删除承诺。")
    return _to(resolution, "commitments")


@bp.route("/resolutions/<int:resolution_id>/send", methods=["POST"])
@community_required(can=can_manage_cases)
def send(resolution_id: int):
    resolution = load_or_404(Resolution, resolution_id, can=can_manage_resolution)
    if ActionForm().validate_on_submit():
        act(lambda: operations.send_for_confirmation(resolution), "已请各承诺单位确认。")
    return _to(resolution, "commitments")


@bp.route("/resolutions/<int:resolution_id>/publish", methods=["POST"])
@community_required(can=can_manage_cases)
def publish(resolution_id: int):
    resolution = load_or_404(Resolution, resolution_id, can=can_manage_resolution)
    form = PublishForm()
    if form.validate_on_submit():
        act(
            lambda: operations.request_publication(resolution, current_user, form.reason.data or "", request.host_url),
            "正在生成决议文件,完成后自动发布。",
        )
    else:
        flash_form_errors(form)
    return _to(resolution, "publish")


@bp.route("/resolutions/<int:resolution_id>/job.json")
@community_required(can=can_read_cases)
def job(resolution_id: int):
    """Progress of the publication job, for the page's small poller (the page also refreshes itself)."""
    resolution = load_or_404(Resolution, resolution_id, can=can_read_resolution)
    status = job_status(resolution.publish_job_id, community_id=resolution.community_id) if resolution.publish_job_id else None
    return jsonify(ok=True, job=status, resolution_status=resolution.status, published=resolution.is_frozen)


@bp.route("/resolutions/<int:resolution_id>/correct", methods=["POST"])
@community_required(can=can_manage_cases)
def correct(resolution_id: int):
    resolution = load_or_404(Resolution, resolution_id, can=can_manage_resolution)
    if not ActionForm().validate_on_submit():
        abort(400)
    correction = act(lambda: operations.start_correction(resolution, current_user), "已创建更正版本草稿。")
    return _to(correction if isinstance(correction, Resolution) else resolution)


# --- department and organization staff ---------------------------------------------------------


def _visible_commitment(commitment_id: int) -> Commitment:
    """The unit's staff from anywhere; the community's readers only in that community; else 404."""
    commitment = db.session.get(Commitment, commitment_id)
    if commitment is None:
        abort(404)
    if is_unit_staff(current_user, commitment):
        return commitment
    community = current_community()
    if community is None or community.id != commitment.community_id or not can_view_commitment(current_user, commitment):
        abort(404)
    return commitment


def _answerable(commitment_id: int) -> Commitment:
    commitment = _visible_commitment(commitment_id)
    if not can_answer_commitment(current_user, commitment):
        abort(403)
    return commitment


def _to_commitment(commitment: Commitment):
    return redirect(url_for("resolutions.commitment", commitment_id=commitment.id))


@bp.route("/commitments")
@login_required
def my_commitments():
    if not has_commitments_to_answer(current_user):
        abort(403)
    from roundtable.escalation.queries import view

    commitments = queries.commitments_for_user(current_user)
    return render_template(
        "resolutions/commitments.html", commitments=commitments, now=utcnow(),
        escalations={c.id: view(c) for c in commitments},
    )


@bp.route("/commitments/<int:commitment_id>")
@login_required
def commitment(commitment_id: int):
    commitment = _visible_commitment(commitment_id)
    answer = can_answer_commitment(current_user, commitment)
    return render_template(
        "resolutions/commitment.html",
        commitment=commitment,
        resolution=commitment.resolution,
        answer=answer,
        action_form=ActionForm(),
        contest_form=ContestForm(formdata=None),
        progress_form=ProgressForm(formdata=None),
        now=utcnow(),
        limits=operations,
        **commitment_context(commitment),
    )


@bp.route("/commitments/<int:commitment_id>/confirm", methods=["POST"])
@login_required
def confirm(commitment_id: int):
    commitment = _answerable(commitment_id)
    if ActionForm().validate_on_submit():
        act(lambda: operations.confirm_commitment(commitment, current_user), "已确认本单位的承诺。")
    return _to_commitment(commitment)


@bp.route("/commitments/<int:commitment_id>/contest", methods=["POST"])
@login_required
def contest(commitment_id: int):
    commitment = _answerable(commitment_id)
    form = ContestForm()
    if form.validate_on_submit():
        act(lambda: operations.contest_commitment(commitment, current_user, form.reason.data), "已提出异议,主持人会看到您的理由。")
    else:
        flash_form_errors(form)
    return _to_commitment(commitment)


@bp.route("/commitments/<int:commitment_id>/progress", methods=["POST"])
@login_required
def progress(commitment_id: int):
    commitment = _answerable(commitment_id)
    form = ProgressForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _to_commitment(commitment)
    uploads = [
        operations.Upload(storage.filename or "", storage.read(operations.EVIDENCE_MAX_BYTES + 1))
        for storage in request.files.getlist(form.files.name)
        if storage and storage.filename
    ]
    outcomes = act(
        lambda: operations.report_progress(commitment, current_user, form.note.data or "", form.done.data, uploads),
        "进展已记录。",
    )
    if isinstance(outcomes, list) and outcomes:
        moved = [o["number"] for o in outcomes if o["moved"]]
        stuck = [o["number"] for o in outcomes if not o["moved"]]
        if moved:
            flash(_("承诺已全部完成,工单 %(numbers)s 已转为「已答复」,请社区回访居民。", numbers=_("、").join(moved)), "success")
        if stuck:
            flash(_("工单 %(numbers)s 当前状态不能转为「已答复」,请社区在工单页面处理。", numbers=_("、").join(stuck)), "error")
    return _to_commitment(commitment)


@bp.route("/commitments/<int:commitment_id>/evidence/<int:file_id>")
@login_required
def evidence(commitment_id: int, file_id: int):
    commitment = _visible_commitment(commitment_id)
    try:
        evidence = operations.evidence_of(commitment, file_id)
    except OperationError:
        abort(404)
    response = Response(evidence.data, mimetype=evidence.content_type)
    from urllib.parse import quote

    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(evidence.filename)}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- public: verification and published documents ----------------------------------------------


def _verify_answer(form: VerifyForm) -> tuple[dict | None, str | None]:
    """(verdict, the hash that was checked) from an upload, a typed hash or ?id= / ?sha256=."""
    if request.method == "POST":
        if not form.validate_on_submit():
            flash_form_errors(form)
            return None, None
        upload = request.files.get(form.file.name)
        if upload and upload.filename:
            digest = hashlib.sha256(upload.read()).hexdigest()
            return queries.verdict(queries.by_sha256(digest)), digest
        typed = (form.sha256.data or "").strip().lower()
        if not typed:
            flash("请上传决议 PDF 或输入其 SHA-256。", "error")
            return None, None
        if not _SHA256.match(typed):
            flash("SHA-256 应为64位十六进制字符。", "error")
            return None, None
        return queries.verdict(queries.by_sha256(typed)), typed
    typed = (request.args.get("sha256") or "").strip().lower()
    if typed:
        if not _SHA256.match(typed):
            flash("SHA-256 应为64位十六进制字符。", "error")
            return None, None
        return queries.verdict(queries.by_sha256(typed)), typed
    raw_id = request.args.get("id", "")
    if raw_id:
        resolution = queries.public_resolution(int(raw_id)) if raw_id.isdigit() and len(raw_id) < 10 else None
        return queries.verdict(resolution), None
    return None, None


@bp.route("/verify", methods=["GET", "POST"])
def verify():
    form = VerifyForm()
    answer, checked = _verify_answer(form)
    if answer and answer.get("resolution") is not None:
        answer["pdf_url"] = public_pdf_url(answer["resolution"])
    return render_template("resolutions/verify.html", form=form, answer=answer, checked=checked)


def _pdf_response(resolution: Resolution | None) -> Response:
    if resolution is None or resolution.pdf is None:
        abort(404)
    response = Response(resolution.pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f"inline; filename=resolution-{resolution.id}-v{resolution.version}.pdf"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["ETag"] = resolution.sha256
    return response


@bp.route("/r/<int:resolution_id>.pdf")
def public_pdf(resolution_id: int):
    return _pdf_response(queries.public_resolution(resolution_id))


@bp.route("/r/sha256/<sha256>.pdf")
def public_pdf_by_hash(sha256: str):
    sha256 = sha256.lower()
    return _pdf_response(queries.by_sha256(sha256) if _SHA256.match(sha256) else None)


@bp.app_template_global()
def resolutions_for_case(case) -> list[Resolution]:
    """For the case page: the published (and superseded) resolutions of the case's meetings."""
    return queries.published_for_case(case)


@bp.app_template_global()
def resolutions_for_meeting(meeting) -> list[Resolution]:
    """For the meeting page: every version drafted or published for it."""
    return queries.resolutions_of_meeting(meeting)
