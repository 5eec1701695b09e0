"""Meeting pages for the community's staff, the summons page of department staff (吹哨报到),
and the invitee's token pages (/j/<token>), which need no account.

Every route: check permission, call one operation, commit once, redirect with a
message. A refused operation is rolled back and its message shown.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from roundtable.communities.context import community_required, current_community
from roundtable.communities.permissions import can_manage_cases, can_read_cases
from roundtable.core.actions import act, flash_form_errors
from roundtable.core.permissions import load_or_404, load_part_or_404
from roundtable.core.time import as_utc, local, utcnow
from roundtable.extensions import db
from roundtable.live.outcome import meeting_summary
from roundtable.meetings import operations, queries
from roundtable.meetings.calendar import invitation_calendar, meeting_calendar
from roundtable.meetings.forms import (
    AgendaItemForm,
    ConfirmForm,
    DepartmentSummonForm,
    GuestInviteForm,
    MeetingForm,
    OrganizationInviteForm,
    ReasonForm,
    ReportInForm,
    ResidentInviteForm,
)
from roundtable.meetings.models import REPORT_IN_LABELS, RSVP_LABELS, AgendaItem, Invitation, Meeting
from roundtable.meetings.permissions import (
    can_hand_out_links,
    can_manage_meeting,
    can_report_in,
    can_see_department_record,
    can_view_meeting,
    is_department_staff,
)
from roundtable.meetings.qr import join_link, join_qr_svg, join_qr_svg_document, public_url
from roundtable.resolutions.queries import latest_published, public_pdf_url

bp = Blueprint("meetings", __name__)
invite_bp = Blueprint("invite", __name__)

LINK_KEEP_DAYS_DEFAULT = 7
_DAY = timedelta(days=1)


# --- helpers ----------------------------------------------------------------------------------


def _to_meeting(meeting: Meeting, anchor: str = ""):
    return redirect(url_for("meetings.show", meeting_id=meeting.id) + (f"#{anchor}" if anchor else ""))


NO_SUCH_INVITATION = "找不到这个邀请,请检查链接是否完整。"


def _choose(label: str, options) -> list:
    return [("", label)] + list(options)


def _meeting_form(community_id: int, meeting: Meeting | None = None) -> MeetingForm:
    form = MeetingForm()
    form.host_id.choices = _choose("请选择", ((u.id, u.display_name) for u in queries.community_members(community_id, "secretary")))
    form.topic_id.choices = _choose("无", ((t.id, t.title) for t in queries.community_topics(community_id)))
    form.previous_meeting_id.choices = _choose(
        "无(第一次会议)",
        (
            (m.id, f"{m.title}({local(m.starts_at):%Y-%m-%d})")
            for m in queries.meetings_of_community(community_id)
            if meeting is None or m.id != meeting.id
        ),
    )
    cases = {c.id: c for c in queries.open_cases(community_id)}
    if meeting is not None:
        cases.update({c.id: c for c in meeting.cases})
    form.case_ids.choices = [
        (c.id, " · ".join((c.external_number, _(c.category_label), _(c.status_label), c.address))) for c in cases.values()
    ]
    return form


def _fields(form: MeetingForm) -> operations.MeetingFields:
    return operations.MeetingFields(
        kind=form.kind.data,
        title=form.title.data or "",
        description=form.description.data or "",
        venue=form.venue.data or "",
        online_url=form.online_url.data or "",
        starts_at=as_utc(form.starts_at.data),
        duration_minutes=form.duration_minutes.data,
        host_id=form.host_id.data,
        topic_id=form.topic_id.data,
        previous_meeting_id=form.previous_meeting_id.data,
        case_ids=list(form.case_ids.data or []),
        speech_minutes=form.speech_minutes.data,
        speeches_per_motion=form.speeches_per_motion.data,
        quorum=form.quorum.data,
        majority_rule=form.majority_rule.data,
    )


def _agenda_form(meeting: Meeting, item: AgendaItem | None = None) -> AgendaItemForm:
    form = AgendaItemForm(obj=item) if item is not None and request.method == "GET" else AgendaItemForm()
    form.case_id.choices = _choose("无", ((c.id, c.external_number) for c in meeting.cases))
    return form


def _agenda_fields(form: AgendaItemForm) -> operations.AgendaFields:
    return operations.AgendaFields(
        title=form.title.data or "", minutes=form.minutes.data, case_id=form.case_id.data, notes=form.notes.data or ""
    )


def _invite_forms(meeting: Meeting) -> dict:
    invited_users = {i.user_id for i in meeting.invitations}
    invited_departments = {i.department_id for i in meeting.invitations}
    invited_organizations = {i.organization_id for i in meeting.invitations}
    resident = ResidentInviteForm(prefix="resident")
    resident.user_id.choices = _choose(
        "请选择",
        ((u.id, u.display_name) for u in queries.community_members(meeting.community_id, "resident") if u.id not in invited_users),
    )
    department = DepartmentSummonForm(prefix="department")
    department.department_id.choices = _choose(
        "请选择", ((d.id, d.name) for d in queries.all_departments() if d.id not in invited_departments)
    )
    if department.reply_due_at.data is None:
        department.reply_due_at.data = local(min(meeting.starts_at, utcnow().replace(second=0, microsecond=0) + _DAY)).replace(tzinfo=None)
    organization = OrganizationInviteForm(prefix="organization")
    organization.organization_id.choices = _choose(
        "请选择",
        (
            (o.id, f"{o.name}({o.kind_label})")
            for o in queries.community_organizations(meeting.community_id)
            if o.id not in invited_organizations
        ),
    )
    return {
        "resident": resident,
        "guest": GuestInviteForm(prefix="guest"),
        "department": department,
        "organization": organization,
    }


def _live_join_url(token: str) -> str | None:
    """The live meeting's join page, when the live blueprint is installed."""
    for rule in current_app.url_map.iter_rules():
        if rule.rule == "/live/join/<token>":
            return url_for(rule.endpoint, token=token)
    return None


def _ics(body: bytes, filename: str) -> Response:
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# --- meetings ---------------------------------------------------------------------------------


@bp.route("/meetings/")
@community_required(can=can_read_cases)
def list_meetings():
    community = current_community()
    return render_template("meetings/list.html", meetings=queries.meetings_of_community(community.id))


@bp.route("/meetings/new", methods=["GET", "POST"])
@community_required(can=can_manage_cases)
def new():
    community = current_community()
    form = _meeting_form(community.id)
    notes: list[str] = []
    if request.method == "GET":
        form.host_id.data = current_user.id
        notes = _prefill(form, community.id)
    if form.validate_on_submit():
        created = act(lambda: operations.create_meeting(community, _fields(form), current_user), "会议草稿已创建。")
        if isinstance(created, Meeting):
            return _to_meeting(created)
    return (render_template("meetings/form.html", form=form, meeting=None, prefill_notes=notes),
            (400 if request.method == "POST" else 200))


def _prefill(form: MeetingForm, community_id: int) -> list[str]:
    """A new meeting started from cases (``?case=``, repeatable), from a commitment taken back to a
    meeting (``?commitment=``: its cases, the earlier meeting and what happened) or from a flagged
    satisfaction answer (``?satisfaction=``). Ids of another community are a 404; a case that
    cannot go on the agenda is named in a note, never dropped silently."""
    from roundtable.meetings.prefill import prefill_from

    context = prefill_from(
        community_id,
        case_ids=request.args.getlist("case", type=int),
        commitment_id=request.args.get("commitment", type=int),
        satisfaction_id=request.args.get("satisfaction", type=int),
    )
    if context is None:
        abort(404)
    offered = {choice[0] for choice in form.case_ids.choices}
    form.case_ids.data = [case.id for case in context.cases if case.id in offered]
    if context.title:
        form.title.data = context.title
    if context.description:
        form.description.data = context.description
    if context.previous_meeting_id and any(c[0] == context.previous_meeting_id for c in form.previous_meeting_id.choices):
        form.previous_meeting_id.data = context.previous_meeting_id
    return context.notes + [
        _("工单%(number)s已办结,不能上会;如需重议,请先在工单页「重新办理」。", number=case.external_number)
        for case in context.cases if case.id not in offered
    ]


@bp.route("/meetings/<int:meeting_id>")
@community_required(can=can_read_cases)
def show(meeting_id: int):
    meeting = load_or_404(Meeting, meeting_id, can=can_view_meeting)
    manage = can_manage_meeting(current_user, meeting)
    return render_template(
        "meetings/show.html",
        meeting=meeting,
        manage=manage,
        series=queries.meeting_series(meeting),
        case_meetings={case.id: queries.meetings_for_case(case) for case in meeting.cases},
        agenda_form=_agenda_form(meeting) if manage else None,
        invite_forms=_invite_forms(meeting) if manage and meeting.is_editable else None,
        confirm=ConfirmForm(),
        join_links={i.id: join_link(i) for i in meeting.invitations} if can_hand_out_links(current_user, meeting) else None,
        report_labels=REPORT_IN_LABELS,
        rsvp_labels=RSVP_LABELS,
        now=utcnow(),
        minutes=_minutes_of(meeting),
        **_proxy_context(meeting, manage),
    )


def _proxy_context(meeting: Meeting, manage: bool) -> dict:
    from roundtable.ballots.routes import proxy_context

    return proxy_context(meeting, manage)


def _minutes_of(meeting: Meeting):
    from roundtable.minutes.queries import minutes_of

    return minutes_of(meeting.id) if meeting.status == "concluded" else None


@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@community_required(can=can_manage_cases)
def edit(meeting_id: int):
    meeting = load_or_404(Meeting, meeting_id, can=can_manage_meeting)
    form = _meeting_form(meeting.community_id, meeting)
    if request.method == "GET":
        form.process(obj=meeting)
        form.starts_at.data = local(meeting.starts_at).replace(tzinfo=None)
        form.case_ids.data = [link.case_id for link in meeting.case_links]
    elif form.validate_on_submit():
        if act(lambda: operations.update_meeting(meeting, _fields(form), current_user), "会议已保存。"):
            return _to_meeting(meeting)
    return render_template("meetings/form.html", form=form, meeting=meeting), (400 if request.method == "POST" else 200)


@bp.route("/meetings/<int:meeting_id>/schedule", methods=["POST"])
@community_required(can=can_manage_cases)
def schedule(meeting_id: int):
    meeting = load_or_404(Meeting, meeting_id, can=can_manage_meeting)
    if ConfirmForm().validate_on_submit():
        act(lambda: operations.transition_meeting(meeting, "scheduled", current_user), "会议已安排,关联工单已进入议事。")
    return _to_meeting(meeting)


@bp.route("/meetings/<int:meeting_id>/unschedule", methods=["POST"])
@community_required(can=can_manage_cases)
def unschedule(meeting_id: int):
    meeting = load_or_404(Meeting, meeting_id, can=can_manage_meeting)
    if ConfirmForm().validate_on_submit():
        act(lambda: operations.transition_meeting(meeting, "draft", current_user), "会议已退回草稿。")
    return _to_meeting(meeting)


@bp.route("/meetings/<int:meeting_id>/cancel", methods=["GET", "POST"])
@community_required(can=can_manage_cases)
def cancel(meeting_id: int):
    meeting = load_or_404(Meeting, meeting_id, can=can_manage_meeting)
    form = ReasonForm()
    if form.validate_on_submit():
        if act(lambda: operations.cancel_meeting(meeting, current_user, form.reason.data), "会议已取消。"):
            return _to_meeting(meeting)
    return render_template("meetings/cancel.html", meeting=meeting, form=form), (400 if request.method == "POST" else 200)


@bp.route("/meetings/<int:meeting_id>/calendar.ics")
@community_required(can=can_read_cases)
def calendar(meeting_id: int):
    meeting = load_or_404(Meeting, meeting_id, can=can_view_meeting)
    url = public_url("meetings.show", meeting_id=meeting.id)
    return _ics(meeting_calendar(meeting, url), f"meeting-{meeting.id}.ics")


# --- agenda -----------------------------------------------------------------------------------


@bp.route("/meetings/<int:meeting_id>/agenda", methods=["POST"])
@community_required(can=can_manage_cases)
def add_agenda_item(meeting_id: int):
    meeting = load_or_404(Meeting, meeting_id, can=can_manage_meeting)
    form = _agenda_form(meeting)
    if form.validate_on_submit():
        act(lambda: operations.add_agenda_item(meeting, _agenda_fields(form)), "议程已添加。")
    else:
        flash_form_errors(form)
    return _to_meeting(meeting, "agenda")


@bp.route("/meetings/<int:meeting_id>/agenda/<int:item_id>/edit", methods=["GET", "POST"])
@community_required(can=can_manage_cases)
def edit_agenda_item(meeting_id: int, item_id: int):
    meeting = load_or_404(Meeting, meeting_id, can=can_manage_meeting)
    item = load_part_or_404(meeting, AgendaItem, item_id, key="meeting_id")
    form = _agenda_form(meeting, item)
    if form.validate_on_submit():
        if act(lambda: operations.update_agenda_item(item, _agenda_fields(form)), "议程已保存。"):
            return _to_meeting(meeting, "agenda")
    return render_template("meetings/agenda_item.html", meeting=meeting, item=item, form=form), (
        400 if request.method == "POST" else 200
    )


@bp.route("/meetings/<int:meeting_id>/agenda/<int:item_id>/delete", methods=["POST"])
@community_required(can=can_manage_cases)
def remove_agenda_item(meeting_id: int, item_id: int):
    meeting = load_or_404(Meeting, meeting_id, can=can_manage_meeting)
    item = load_part_or_404(meeting, AgendaItem, item_id, key="meeting_id")
    if ConfirmForm().validate_on_submit():
        act(lambda: operations.remove_agenda_item(item), "议程已删除。")
    return _to_meeting(meeting, "agenda")


@bp.route("/meetings/<int:meeting_id>/agenda/<int:item_id>/move/<direction>", methods=["POST"])
@community_required(can=can_manage_cases)
def move_agenda_item(meeting_id: int, item_id: int, direction: str):
    meeting = load_or_404(Meeting, meeting_id, can=can_manage_meeting)
    item = load_part_or_404(meeting, AgendaItem, item_id, key="meeting_id")
    if ConfirmForm().validate_on_submit():
        act(lambda: operations.move_agenda_item(item, direction), "议程顺序已调整。")
    return _to_meeting(meeting, "agenda")


# --- invitations ------------------------------------------------------------------------------


def _invite_action(meeting: Meeting, kind: str, form) -> Callable[[], object]:
    if kind == "resident":
        return lambda: operations.invite_resident(meeting, form.user_id.data)
    if kind == "guest":
        return lambda: operations.invite_guest(meeting, form.guest_name.data, form.guest_phone.data)
    if kind == "department":
        return lambda: operations.summon_department(
            meeting, form.department_id.data, as_utc(form.reply_due_at.data)
        )
    return lambda: operations.invite_organization(meeting, form.organization_id.data)


INVITE_DONE = {"resident": "已邀请居民。", "guest": "已邀请列席居民。", "department": "已吹哨,等待部门报到。", "organization": "已邀请单位。"}


@bp.route("/meetings/<int:meeting_id>/invite/<kind>", methods=["POST"])
@community_required(can=can_manage_cases)
def invite(meeting_id: int, kind: str):
    meeting = load_or_404(Meeting, meeting_id, can=can_manage_meeting)
    if kind not in INVITE_DONE:
        abort(404)
    form = _invite_forms(meeting)[kind]
    if kind != "guest":
        # Already-invited or foreign ids are not among the choices; let the operation say why.
        getattr(form, f"{'user' if kind == 'resident' else kind}_id").pre_validate = lambda _form: None
    if form.validate_on_submit():
        act(_invite_action(meeting, kind, form), INVITE_DONE[kind])
    else:
        flash_form_errors(form)
    return _to_meeting(meeting, "invitations")


@bp.route("/meetings/<int:meeting_id>/invitations/<int:invitation_id>/delete", methods=["POST"])
@community_required(can=can_manage_cases)
def remove_invitation(meeting_id: int, invitation_id: int):
    meeting = load_or_404(Meeting, meeting_id, can=can_manage_meeting)
    invitation = load_part_or_404(meeting, Invitation, invitation_id, key="meeting_id")
    if ConfirmForm().validate_on_submit():
        act(lambda: operations.remove_invitation(invitation), "邀请已撤回。")
    return _to_meeting(meeting, "invitations")


@bp.route("/meetings/<int:meeting_id>/invitations/<int:invitation_id>/sheet")
@community_required(can=can_read_cases)
def invitation_sheet(meeting_id: int, invitation_id: int):
    """A printable invitation with the QR code, for residents who do not use a smartphone."""
    meeting = load_or_404(Meeting, meeting_id, can=can_hand_out_links)
    invitation = load_part_or_404(meeting, Invitation, invitation_id, key="meeting_id")
    link = join_link(invitation)
    return render_template("meetings/sheet.html", meeting=meeting, invitation=invitation, link=link, qr_svg=join_qr_svg(link))


@bp.route("/meetings/<int:meeting_id>/invitations/<int:invitation_id>/qr.svg")
@community_required(can=can_read_cases)
def invitation_qr(meeting_id: int, invitation_id: int):
    meeting = load_or_404(Meeting, meeting_id, can=can_hand_out_links)
    invitation = load_part_or_404(meeting, Invitation, invitation_id, key="meeting_id")
    svg = join_qr_svg_document(join_link(invitation))
    return Response(svg, mimetype="image/svg+xml")


# --- 吹哨报到: department staff -----------------------------------------------------------------


@bp.route("/summons")
@login_required
def summons():
    """The department inbox: every summons to the caller's departments."""
    if not current_user.department_ids:
        abort(403)
    items = queries.summons_for(current_user)
    forms = {i.id: ReportInForm(prefix=f"r{i.id}", attendee_names=i.attendee_names) for i in items}
    return render_template(
        "meetings/summons.html", summons=items, forms=forms, labels=REPORT_IN_LABELS, now=utcnow(),
        departments=[link.department for link in current_user.department_links],
    )


@bp.route("/summons/<int:invitation_id>/report", methods=["POST"])
@login_required
def report(invitation_id: int):
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or not can_report_in(current_user, invitation):
        abort(404)
    form = ReportInForm(prefix=f"r{invitation.id}")
    if form.validate_on_submit():
        act(lambda: operations.report_in(invitation, current_user, form.attendee_names.data), "已报到。")
    else:
        flash_form_errors(form)
    return redirect(url_for("meetings.summons"))


@bp.route("/departments/<int:department_id>/response")
@login_required
def department_response(department_id: int):
    """Response times to summons: the department's whole record, or a community's own summons."""
    from roundtable.communities.models import Department

    department = db.session.get(Department, department_id)
    community = current_community()
    if department is None or not can_see_department_record(
        current_user, department_id, community.id if community else None
    ):
        abort(404)
    scope = None
    if not is_department_staff(current_user, department_id):
        if community is None or not queries.community_summoned(community.id, department_id):
            abort(404)
        scope = community.id
    figures = queries.department_response(department_id, scope)
    return render_template(
        "meetings/department.html", department=department, figures=figures, scope=community if scope else None,
        labels=REPORT_IN_LABELS,
    )


# --- the invitee's token pages ----------------------------------------------------------------

EXPIRED_MESSAGES = {
    "cancelled": "这次会议已经取消,邀请链接已失效。",
    "ended": "这次会议已经结束多日,邀请链接已失效。",
}


def _invitation_for(token: str) -> Invitation:
    """The invitation of this token, or a clear page saying why the link does not open."""
    invitation = queries.invitation_by_token(token)
    if invitation is None:
        abort(Response(render_template("invite/unavailable.html", message=NO_SUCH_INVITATION), 404))
    keep_days = current_app.config.get("INVITATION_LINK_DAYS", LINK_KEEP_DAYS_DEFAULT)
    reason = queries.link_expiry(invitation, keep_days)
    if reason:
        # Gone, not missing: the page says why, and an ended meeting's public summary stays reachable.
        meeting = invitation.meeting
        summary_url = url_for("live_pages.watch", token=meeting.watch_token) if reason == "ended" else None
        abort(Response(render_template(
            "invite/unavailable.html", message=EXPIRED_MESSAGES[reason], meeting=meeting, summary_url=summary_url,
            cancelled=reason == "cancelled",
        ), 410))
    return invitation


@invite_bp.route("/j/<token>")
def join(token: str):
    invitation = _invitation_for(token)
    meeting = invitation.meeting
    ended = meeting.has_sat
    resolution = latest_published(meeting.id) if meeting.status == "concluded" else None
    return render_template(
        "invite/join.html",
        invitation=invitation,
        meeting=meeting,
        summary=meeting_summary(meeting, invitation) if ended else None,
        resolution=resolution,
        resolution_pdf=public_pdf_url(resolution) if resolution else None,
        copy_link=join_link(invitation),
        form=ConfirmForm(),
        rsvp_labels=RSVP_LABELS,
        changing=request.args.get("change") == "1",
        live_url=_live_join_url(token) if invitation.meeting.is_holding else None,
        **_after_meeting_links(invitation),
    )


def _after_meeting_links(invitation: Invitation) -> dict:
    """After the meeting: the minutes to review and the satisfaction questions, through the same link."""
    from roundtable.minutes.permissions import can_review_minutes
    from roundtable.minutes.queries import minutes_of
    from roundtable.satisfaction.queries import open_for_invitation

    minutes = minutes_of(invitation.meeting_id) if invitation.meeting.status == "concluded" else None
    return {
        "minutes_open": minutes is not None and minutes.state != "draft" and can_review_minutes(invitation, minutes),
        "satisfaction_requests": open_for_invitation(invitation.id),
    }


@invite_bp.route("/j/<token>/rsvp", methods=["POST"])
def rsvp(token: str):
    invitation = _invitation_for(token)
    if ConfirmForm().validate_on_submit():
        answer = request.form.get("answer", "")
        act(lambda: operations.record_rsvp(invitation, answer), "已收到您的回复,谢谢!")
    return redirect(url_for("invite.join", token=token))


@invite_bp.route("/j/<token>/calendar.ics")
def join_calendar(token: str):
    invitation = _invitation_for(token)
    return _ics(invitation_calendar(invitation, join_link(invitation)), "meeting.ics")
