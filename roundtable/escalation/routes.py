"""Escalation pages: 退单 by the unit, the secretary's decision, the community's policy, the street's overdue list."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from roundtable.communities.context import community_of_request, community_required
from roundtable.communities.permissions import can_manage_cases
from roundtable.core.actions import act, flash_form_errors
from roundtable.core.login import login_required
from roundtable.core.permissions import load_or_404
from roundtable.core.time import as_utc, utcnow
from roundtable.escalation import operations, queries
from roundtable.escalation.forms import DecideForm, PolicyForm, ReturnForm
from roundtable.escalation.models import RETURN_TO_MEETING, CommitmentReturn
from roundtable.escalation.permissions import (
    can_decide,
    can_decide_return,
    can_return_commitment,
    can_set_escalation_policy,
    can_supervise_street,
    supervised_street_ids,
)
from roundtable.extensions import db
from roundtable.meetings.queries import all_departments, community_organizations
from roundtable.resolutions.models import Commitment
from roundtable.resolutions.permissions import is_unit_staff

bp = Blueprint("escalation", __name__)


@bp.app_context_processor
def _supervisor_nav() -> dict[str, Callable[[], bool]]:
    return {"may_supervise_street": lambda: can_supervise_street(current_user)}


def unit_choices(commitment: Commitment) -> list[tuple[str, str]]:
    choices = [(f"department:{d.id}", d.name) for d in all_departments()]
    choices += [(f"organization:{o.id}", o.name) for o in community_organizations(commitment.community_id)]
    return choices


def commitment_context(commitment: Commitment) -> dict[str, Any]:
    """What the commitment page shows about escalation: steps, returns and the forms the caller may use."""
    decide_form = DecideForm(formdata=None)
    decide_form.unit.choices = unit_choices(commitment)
    return {
        "escalation": queries.view(commitment),
        "may_return": can_return_commitment(current_user, commitment),
        "may_decide": can_decide_return(current_user, commitment),
        "return_form": ReturnForm(formdata=None),
        "decide_form": decide_form,
    }


def _to(commitment: Commitment) -> ResponseReturnValue:
    return redirect(url_for("resolutions.commitment", commitment_id=commitment.id) + "#escalation")


@bp.route("/commitments/<int:commitment_id>/return", methods=["POST"])
@login_required
def return_commitment(commitment_id: int) -> ResponseReturnValue:
    commitment = db.session.get(Commitment, commitment_id)
    if commitment is None or not is_unit_staff(current_user, commitment):
        abort(404)
    form = ReturnForm()
    if form.validate_on_submit():
        act(lambda: operations.return_commitment(commitment, current_user, form.reason.data), "已退单,等待社区书记处理。")
    else:
        flash_form_errors(form)
    return _to(commitment)


@bp.route("/commitment-returns/<int:return_id>/decide", methods=["POST"])
@community_required(can=can_manage_cases)
def decide(return_id: int) -> ResponseReturnValue:
    returned = load_or_404(CommitmentReturn, return_id, can=can_decide)
    commitment = returned.commitment
    form = DecideForm()
    form.unit.choices = unit_choices(commitment)
    if form.validate_on_submit():
        deadline = as_utc(form.deadline.data) if form.deadline.data else None
        done = act(lambda: operations.decide_return(returned, current_user, form.decision.data, form.unit.data or "",
                                                    deadline, form.note.data or ""), "退单已处理。")
        if done and form.decision.data == RETURN_TO_MEETING:  # straight on to the new meeting, filled in
            return redirect(url_for("meetings.new", commitment=commitment.id))
    else:
        flash_form_errors(form)
    return _to(commitment)


@bp.route("/escalation/policy", methods=["GET", "POST"])
@community_required(can=can_set_escalation_policy)
def policy() -> ResponseReturnValue:
    community = community_of_request()
    current = queries.policy_for(community.id)
    form = PolicyForm(data={"remind_before_hours": int(current.remind_before.total_seconds() // 3600),
                            "supervise_after_hours": int(current.supervise_after.total_seconds() // 3600)})
    if form.is_submitted():
        if form.validate():
            if act(lambda: operations.set_policy(community, form.remind_before_hours.data, form.supervise_after_hours.data),
                   "催督办设置已保存。"):
                return redirect(url_for("escalation.policy"))
        else:
            flash_form_errors(form)
    return render_template("escalation/policy.html", form=form, policy=current,
                           returns=queries.open_returns(community.id))


@bp.route("/street/overdue")
@login_required
def street_overdue() -> ResponseReturnValue:
    streets = supervised_street_ids(current_user)
    if not streets:
        abort(403)
    return render_template("escalation/street.html", rows=queries.street_overdue(streets), now=utcnow())
