"""The secretary records a proxy (委托) with its consent on the meeting page."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from roundtable.ballots import operations, queries
from roundtable.ballots.forms import ProxyForm
from roundtable.communities.context import community_required
from roundtable.communities.permissions import can_manage_cases
from roundtable.core.actions import act, flash_form_errors
from roundtable.core.permissions import load_or_404
from roundtable.core.time import as_utc
from roundtable.live.permissions import can_vote
from roundtable.meetings.models import Meeting
from roundtable.meetings.permissions import can_manage_meeting

bp = Blueprint("ballots", __name__)


def proxy_context(meeting: Meeting, manage: bool) -> dict[str, Any]:
    """What the meeting page shows about proxies, and the form when the secretary may record one."""
    form = None
    if manage and meeting.status in operations.PROXY_STATUSES:
        form = ProxyForm(formdata=None)
        voters = [(i.id, i.display_name) for i in meeting.invitations if can_vote(i)]
        form.grantor_id.choices = voters
        form.holder_id.choices = voters
    return {"proxies": queries.proxies_of_meeting(meeting.id), "proxy_form": form}


@bp.route("/meetings/<int:meeting_id>/proxies", methods=["POST"])
@community_required(can=can_manage_cases)
def grant(meeting_id: int) -> ResponseReturnValue:
    meeting = load_or_404(Meeting, meeting_id, can=can_manage_meeting)
    form = ProxyForm()
    voters = [(i.id, i.display_name) for i in meeting.invitations if can_vote(i)]
    form.grantor_id.choices = voters
    form.holder_id.choices = voters
    if form.validate_on_submit():
        consent_at = as_utc(form.consent_at.data) if form.consent_at.data else None
        act(lambda: operations.grant_proxy(meeting, form.grantor_id.data, form.holder_id.data, form.consent_means.data,
                                           consent_at, current_user), "委托已登记。")
    else:
        flash_form_errors(form)
    return redirect(url_for("meetings.show", meeting_id=meeting.id) + "#proxies")
