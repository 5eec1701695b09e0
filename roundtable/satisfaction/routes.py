"""The one-screen satisfaction page (a bearer link, one per person and case) and the secretary's flags."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from roundtable.communities.context import community_of_request, community_required
from roundtable.communities.permissions import can_manage_case, can_manage_cases, can_read_cases
from roundtable.core.actions import act, flash_form_errors
from roundtable.core.permissions import load_or_404
from roundtable.core.time import utcnow
from roundtable.satisfaction import operations, queries
from roundtable.satisfaction.forms import ActionForm, AnswerForm
from roundtable.satisfaction.models import FLAG_NEW_MEETING, SatisfactionRequest

bp = Blueprint("satisfaction", __name__)


@bp.route("/s/<token>", methods=["GET", "POST"])
def answer(token: str) -> ResponseReturnValue:
    satisfaction = queries.by_token(token)
    if satisfaction is None:
        abort(404)
    form = AnswerForm()
    if request.method == "POST":
        if form.validate_on_submit():
            act(lambda: operations.answer(satisfaction, form.resolved.data, form.satisfied.data, form.comment.data or ""),
                "")
        else:
            flash_form_errors(form)
        return redirect(url_for("satisfaction.answer", token=token))
    return render_template(
        "satisfaction/answer.html",
        satisfaction=satisfaction,
        case=satisfaction.case,
        expired=satisfaction.answered_at is None and satisfaction.is_expired(utcnow()),
        form=form,
    )


@bp.route("/satisfaction/")
@community_required(can=can_read_cases)
def flags() -> ResponseReturnValue:
    community = community_of_request()
    return render_template("satisfaction/flags.html", flags=queries.open_flags(community.id),
                           answers=queries.recent_answers(community.id), form=ActionForm(),
                           manage=can_manage_cases(current_user, community.id))


@bp.route("/satisfaction/<int:request_id>/<action>", methods=["POST"])
@community_required(can=can_manage_cases)
def handle(request_id: int, action: str) -> ResponseReturnValue:
    satisfaction = load_or_404(SatisfactionRequest, request_id, can=can_manage_case)
    if action not in operations.FLAG_ACTIONS:
        abort(404)
    if ActionForm().validate_on_submit():
        if act(lambda: operations.handle_flag(satisfaction, current_user, action), "已处理。") and action == FLAG_NEW_MEETING:
            return redirect(url_for("meetings.new", case=satisfaction.case_id, satisfaction=satisfaction.id))
    return redirect(url_for("satisfaction.flags"))
