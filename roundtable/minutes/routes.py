"""Minutes pages: the secretary edits, sends, answers and approves; attendees review through their link."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from roundtable.communities.context import community_required
from roundtable.communities.permissions import can_manage_cases, can_read_cases
from roundtable.core.actions import act, flash_form_errors
from roundtable.core.permissions import load_or_404
from roundtable.extensions import db
from roundtable.meetings import queries as meeting_queries
from roundtable.meetings.models import Invitation, Meeting
from roundtable.meetings.permissions import can_view_meeting
from roundtable.minutes import operations, queries
from roundtable.minutes.forms import ActionForm, AnswerForm, NarrativeForm, ReviewForm
from roundtable.minutes.models import Minutes, MinutesReview
from roundtable.minutes.permissions import can_edit_minutes, can_read_minutes, can_review_minutes

bp = Blueprint("minutes", __name__)


def _minutes_of(meeting_id: int, *, edit: bool) -> Minutes:
    meeting = load_or_404(Meeting, meeting_id, can=can_view_meeting)
    minutes = queries.minutes_of(meeting.id)
    if minutes is None:
        abort(404)
    allowed = can_edit_minutes if edit else can_read_minutes
    if not allowed(current_user, minutes):
        abort(403)
    return minutes


def _to(minutes: Minutes) -> ResponseReturnValue:
    return redirect(url_for("minutes.show", meeting_id=minutes.meeting_id))


@bp.route("/meetings/<int:meeting_id>/minutes")
@community_required(can=can_read_cases)
def show(meeting_id: int) -> ResponseReturnValue:
    minutes = _minutes_of(meeting_id, edit=False)
    return render_template(
        "minutes/show.html",
        minutes=minutes,
        section=queries.section_of(minutes),
        attendees=queries.attendees(minutes),
        manage=can_edit_minutes(current_user, minutes),
        narrative_form=NarrativeForm(narrative=minutes.narrative),
        action_form=ActionForm(),
        answer_form=AnswerForm(),
    )


@bp.route("/meetings/<int:meeting_id>/minutes/edit", methods=["POST"])
@community_required(can=can_manage_cases)
def edit(meeting_id: int) -> ResponseReturnValue:
    minutes = _minutes_of(meeting_id, edit=True)
    form = NarrativeForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _to(minutes)
    notes = {key[len("note-"):]: value for key, value in request.form.items() if key.startswith("note-")}
    act(lambda: operations.update_narrative(minutes, form.narrative.data or "", notes), "纪要已保存。")
    return _to(minutes)


@bp.route("/meetings/<int:meeting_id>/minutes/send", methods=["POST"])
@community_required(can=can_manage_cases)
def send(meeting_id: int) -> ResponseReturnValue:
    minutes = _minutes_of(meeting_id, edit=True)
    if ActionForm().validate_on_submit():
        act(lambda: operations.send_for_review(minutes), "纪要已发给与会者审阅。")
    return _to(minutes)


@bp.route("/meetings/<int:meeting_id>/minutes/approve", methods=["POST"])
@community_required(can=can_manage_cases)
def approve(meeting_id: int) -> ResponseReturnValue:
    minutes = _minutes_of(meeting_id, edit=True)
    if ActionForm().validate_on_submit():
        act(lambda: operations.approve_minutes(minutes, current_user), "纪要已审定,将随决议发布。")
    return _to(minutes)


@bp.route("/minutes/reviews/<int:review_id>/answer", methods=["POST"])
@community_required(can=can_manage_cases)
def answer(review_id: int) -> ResponseReturnValue:
    review = db.session.get(MinutesReview, review_id)
    if review is None:
        abort(404)
    minutes = _minutes_of(review.minutes.meeting_id, edit=True)
    form = AnswerForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _to(minutes)
    act(lambda: operations.answer_review(review, current_user, form.decision.data == "accept", form.answer.data or ""),
        "已答复。")
    return _to(minutes)


# --- the attendee's invitation link -----------------------------------------------------------


def _attendee(token: str) -> tuple[Invitation, Minutes]:
    invitation = meeting_queries.invitation_by_token(token)
    minutes = queries.minutes_of(invitation.meeting_id) if invitation is not None else None
    if invitation is None or minutes is None or minutes.state == "draft" or not can_review_minutes(invitation, minutes):
        abort(404)
    return invitation, minutes


@bp.route("/j/<token>/minutes", methods=["GET", "POST"])
def review(token: str) -> ResponseReturnValue:
    invitation, minutes = _attendee(token)
    form = ReviewForm()
    if request.method == "POST":
        if form.validate_on_submit():
            act(lambda: operations.submit_review(minutes, invitation, form.verdict.data, form.text.data or ""),
                "谢谢,您的意见已提交。")
        else:
            flash_form_errors(form)
        return redirect(url_for("minutes.review", token=token))
    return render_template(
        "minutes/review.html",
        invitation=invitation,
        minutes=minutes,
        section=queries.section_of(minutes),
        mine=queries.review_of(minutes, invitation),
        window_open=queries.review_window_open(minutes),
        form=form,
    )
