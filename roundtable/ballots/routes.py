"""The secretary records a proxy (委托) with its consent on the meeting page."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from roundtable.ballots import operations, queries
from roundtable.ballots.forms import ProxyForm, RevokeProxyForm
from roundtable.ballots.models import Proxy
from roundtable.communities.context import community_required
from roundtable.communities.permissions import can_manage_cases
from roundtable.core.actions import act, flash_form_errors
from roundtable.core.permissions import load_or_404
from roundtable.core.time import as_utc
from roundtable.extensions import db
from roundtable.meetings.models import Meeting
from roundtable.meetings.permissions import can_manage_meeting, can_vote

bp = Blueprint("ballots", __name__)


def proxy_context(meeting: Meeting, manage: bool) -> dict[str, Any]:
    """What the meeting page shows about proxies, and the form when the secretary may record one."""
    form = None
    if manage and meeting.status in operations.PROXY_STATUSES:
        form = ProxyForm(formdata=None)
        voters = [(i.id, i.display_name) for i in meeting.invitations if can_vote(i)]
        form.grantor_id.choices = voters
        form.holder_id.choices = voters
    revoke_form = RevokeProxyForm(formdata=None) if manage and meeting.status in operations.PROXY_STATUSES else None
    return {"proxies": queries.proxies_of_meeting(meeting.id), "proxy_form": form, "revoke_form": revoke_form}


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


@bp.route("/meetings/<int:meeting_id>/proxies/<int:proxy_id>/revoke", methods=["POST"])
@community_required(can=can_manage_cases)
def revoke(meeting_id: int, proxy_id: int) -> ResponseReturnValue:
    meeting = load_or_404(Meeting, meeting_id, can=can_manage_meeting)
    proxy = db.session.get(Proxy, proxy_id)
    if proxy is None or proxy.meeting_id != meeting.id:
        abort(404)
    form = RevokeProxyForm()
    if form.validate_on_submit():
        act(lambda: operations.revoke_proxy(proxy, form.revoke_means.data, form.revoke_note.data or "", current_user),
            "委托已撤销。")
    else:
        flash_form_errors(form)
    return redirect(url_for("meetings.show", meeting_id=meeting.id) + "#proxies")
