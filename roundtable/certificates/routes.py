"""Certificate pages: the secretary authorises kinds and decides requests, residents ask from the
phone, anyone checks a scanned QR, department staff look certificates up under their login."""
from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select

from roundtable.certificates import operations
from roundtable.certificates.forms import ActionForm, KindForm, LookUpForm, ReasonForm, RequestForm
from roundtable.certificates.jobs import check_url, qr_file
from roundtable.certificates.models import STATES, Certificate, CertificateKind
from roundtable.certificates.permissions import (
    can_ask_for,
    can_look_up_certificates,
    can_manage_certificate_item,
    can_manage_certificates,
    can_read_register,
    can_see_certificate,
)
from roundtable.communities.context import community_of_request, community_required
from roundtable.communities.permissions import can_take_part, is_member
from roundtable.core.actions import act, flash_form_errors
from roundtable.core.login import login_required
from roundtable.core.permissions import load_or_404
from roundtable.core.time import as_utc
from roundtable.extensions import db
from roundtable.jobs.operations import enqueue
from roundtable.meetings.queries import all_departments
from roundtable.resolutions.models import Resolution

bp = Blueprint("certificates", __name__)


def _photo(form: RequestForm) -> tuple[bytes | None, str | None]:
    upload = form.photo.data
    if not upload or not getattr(upload, "filename", ""):
        return None, None
    return upload.read(operations.PHOTO_MAX + 1), upload.mimetype


def _kinds(community_id: int) -> list[CertificateKind]:
    return list(db.session.scalars(select(CertificateKind).where(CertificateKind.community_id == community_id).order_by(CertificateKind.id)))


@bp.get("/certificates/")
@community_required(can=is_member)
def index() -> ResponseReturnValue:
    community = community_of_request()
    reader = can_read_register(current_user, community.id)
    query = select(Certificate).where(Certificate.community_id == community.id)
    if not reader:
        query = query.where(Certificate.applicant_id == current_user.id)
    certificates = list(db.session.scalars(query.order_by(Certificate.id.desc()).limit(500)))
    published = list(db.session.scalars(select(Resolution).where(
        Resolution.community_id == community.id, Resolution.status == "published").order_by(Resolution.id.desc())))
    kind_form = KindForm()
    kind_form.department.choices = [("", "—")] + [(str(d.id), d.name) for d in all_departments()]
    return render_template(
        "certificates/index.html", certificates=certificates, kinds=_kinds(community.id), reader=reader,
        manage=can_manage_certificates(current_user, community.id), published=published, kind_form=kind_form,
        states=STATES,
    )


@bp.post("/certificates/kinds")
@community_required(can=can_manage_certificates)
def authorise() -> ResponseReturnValue:
    raw = request.form.get("resolution", "")
    if not raw.isdigit():
        abort(404)
    resolution = load_or_404(Resolution, int(raw), can=can_manage_certificate_item)
    form = KindForm()
    form.department.choices = []
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for("certificates.index"))
    department = int(form.department.data) if (form.department.data or "").isdigit() else None
    fields = operations.KindFields(form.name.data, form.clause.data, form.eligibility.data, form.statement.data,
                                   form.validity_days.data, form.needs_plate.data, department)
    act(lambda: operations.authorise_kind(resolution, fields, current_user), "已按决议设立这种证明。")
    return redirect(url_for("certificates.index"))


@bp.route("/certificates/kinds/<int:kind_id>/request", methods=["GET", "POST"])
@community_required(can=can_take_part)
def ask(kind_id: int) -> ResponseReturnValue:
    kind = load_or_404(CertificateKind, kind_id, can=can_ask_for)
    secretary = can_manage_certificates(current_user, kind.community_id)
    form = RequestForm()
    if request.method == "GET" and not secretary:
        form.applicant_name.data = current_user.display_name
    if form.validate_on_submit():
        photo, photo_type = _photo(form)
        fields = operations.RequestFields(
            form.applicant_name.data, form.plate.data or "", as_utc(form.window_start.data), as_utc(form.window_end.data),
            form.reason.data, photo, photo_type,
        )
        applicant = None if secretary else current_user
        recorded_by = current_user if secretary else None
        certificate = act(lambda: operations.request_certificate(kind, fields, applicant, recorded_by),
                           "申请已提交,社区审核后会告诉您结果。")
        if isinstance(certificate, Certificate):
            return redirect(url_for("certificates.show", certificate_id=certificate.id))
    elif request.method == "POST":
        flash_form_errors(form)
    return render_template("certificates/ask.html", kind=kind, form=form, secretary=secretary)


@bp.get("/certificates/<int:certificate_id>")
@login_required
def show(certificate_id: int) -> ResponseReturnValue:
    certificate = load_or_404(Certificate, certificate_id, can=can_see_certificate, refuse=404)
    url = check_url(certificate, request.host_url) if certificate.number else ""
    return render_template(
        "certificates/show.html", certificate=certificate, manage=can_manage_certificates(current_user, certificate.community_id),
        action_form=ActionForm(), reason_form=ReasonForm(), check_url=url,
    )


@bp.post("/certificates/<int:certificate_id>/issue")
@community_required(can=can_manage_certificates)
def issue(certificate_id: int) -> ResponseReturnValue:
    certificate = load_or_404(Certificate, certificate_id, can=can_manage_certificate_item)
    if not ActionForm().validate_on_submit():
        abort(400)

    def issue_and_render() -> None:
        operations.issue(certificate, current_user)
        certificate.pdf_job_id = enqueue(
            "render_certificate", {"certificate_id": certificate.id, "base_url": request.host_url},
            community_id=certificate.community_id,
        ).id
        db.session.flush()

    act(issue_and_render, "证明已出具,PDF 正在生成。")
    return redirect(url_for("certificates.show", certificate_id=certificate.id))


@bp.post("/certificates/<int:certificate_id>/refuse")
@community_required(can=can_manage_certificates)
def refuse(certificate_id: int) -> ResponseReturnValue:
    certificate = load_or_404(Certificate, certificate_id, can=can_manage_certificate_item)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    else:
        act(lambda: operations.refuse(certificate, form.reason.data, current_user), "已决定不予出具,申请人会看到原因。")
    return redirect(url_for("certificates.show", certificate_id=certificate.id))


@bp.post("/certificates/<int:certificate_id>/revoke")
@community_required(can=can_manage_certificates)
def revoke(certificate_id: int) -> ResponseReturnValue:
    certificate = load_or_404(Certificate, certificate_id, can=can_manage_certificate_item)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    else:
        act(lambda: operations.revoke(certificate, form.reason.data, current_user), "证明已撤销。")
    return redirect(url_for("certificates.show", certificate_id=certificate.id))


@bp.get("/certificates/<int:certificate_id>/pdf")
@login_required
def pdf(certificate_id: int) -> ResponseReturnValue:
    certificate = load_or_404(Certificate, certificate_id, can=can_see_certificate, refuse=404)
    data = db.session.scalar(select(Certificate.pdf).where(Certificate.id == certificate.id))
    if not data:
        abort(404)
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f"inline; filename=certificate-{certificate.id}.pdf", "X-Content-Type-Options": "nosniff"})


@bp.get("/certificates/<int:certificate_id>/qr.svg")
@login_required
def qr(certificate_id: int) -> ResponseReturnValue:
    """The check QR code as a stand-alone SVG file (with its namespace, so browsers render it as an image)."""
    certificate = load_or_404(Certificate, certificate_id, can=can_see_certificate, refuse=404)
    if not certificate.number:
        abort(404)
    return Response(qr_file(check_url(certificate, request.host_url)), mimetype="image/svg+xml",
                    headers={"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})


@bp.get("/certificates/<int:certificate_id>/photo")
@login_required
def photo(certificate_id: int) -> ResponseReturnValue:
    certificate = load_or_404(Certificate, certificate_id, can=can_see_certificate, refuse=404)
    data = db.session.scalar(select(Certificate.photo).where(Certificate.id == certificate.id))
    if not data:
        abort(404)
    return Response(data, mimetype=certificate.photo_type,
                    headers={"Content-Security-Policy": "default-src 'none'", "X-Content-Type-Options": "nosniff"})


@bp.get("/c/<token>")
def check(token: str) -> ResponseReturnValue:
    """What a traffic officer sees after scanning: valid / expired / revoked / unknown, the plate masked."""
    result = operations.check(token)
    return render_template("certificates/check.html", result=result), (404 if result.status == "unknown" else 200)


@bp.route("/certificates/lookup", methods=["GET", "POST"])
@login_required
def look_up() -> ResponseReturnValue:
    if not can_look_up_certificates(current_user):
        abort(403)
    form = LookUpForm()
    found = None
    if form.validate_on_submit():
        # Committed even though nothing changes: the look-up leaves its audit entry.
        looked_up = act(lambda: operations.look_up(current_user, form.query.data), "")
        found = looked_up if isinstance(looked_up, list) else None
    elif request.method == "POST":
        flash_form_errors(form)
    return render_template("certificates/lookup.html", form=form, found=found)
