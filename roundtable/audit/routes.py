"""The auditor's page of the trail: the chain's state, verified on every visit, and the entries in reach."""
from __future__ import annotations

import json

from flask import Blueprint, abort, g, render_template, request
from flask_babel import gettext
from flask_login import current_user, login_required

from roundtable.audit import queries
from roundtable.audit.operations import record_case_read
from roundtable.communities.permissions import archive_community_ids, can_read_audit_trail, is_street_auditor_of
from roundtable.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/audit")

PER_PAGE = 50

# Pages of other domains that show one case; an auditor's visit there is recorded like one here.
# The one path for "an auditor read this case": every page that shows a whole case, by its view argument.
CASE_READ_ENDPOINTS = {"cases.case_detail": "case_id", "archive.case": "case_id"}


# What the trail keeps instead of a secret or personal value (audit/listener.py), shown translated.
REDACTED_MARK = "<已隐去>"


@bp.app_template_filter("audit_json")
def audit_json(data) -> str:
    """Chinese stays readable (Flask's tojson would print \\uXXXX escapes)."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return text.replace(json.dumps(REDACTED_MARK, ensure_ascii=False), json.dumps(gettext(REDACTED_MARK), ensure_ascii=False))


@bp.route("/")
@login_required
def trail():
    if not can_read_audit_trail(current_user):
        abort(403)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    action = (request.args.get("action") or "").strip()[:60]
    entries, total = queries.entries_in(
        archive_community_ids(current_user), action=action, page=page, per_page=PER_PAGE
    )
    return render_template(
        "audit/trail.html",
        state=queries.verify_chain(),
        entries=entries,
        total=total,
        page=page,
        pages=max((total + PER_PAGE - 1) // PER_PAGE, 1),
        action=action,
    )


def record_auditor_case_reads(response):
    """After a case page answered an auditor, write the read into the trail (a read has no transaction of its own)."""
    endpoint = request.endpoint
    if response.status_code != 200 or endpoint not in CASE_READ_ENDPOINTS:
        return response
    user = g.get("_login_user")
    if user is None or not user.is_authenticated:
        return response
    from roundtable.cases.models import Case

    case = db.session.get(Case, (request.view_args or {}).get(CASE_READ_ENDPOINTS[endpoint]))
    if case is not None and is_street_auditor_of(user, case.community):
        record_case_read(case, user, endpoint)
        db.session.commit()
    return response
