"""Archive pages: search, a case and a resolution as the archive shows them, and the 三率 dashboard.

Read-only for everyone: no route here accepts a POST. Auditors read across
their street, secretaries their own communities; a case opened by an auditor
is written into the audit trail in the same request.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, render_template, request
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy import select

from roundtable.archive import dashboard as board
from roundtable.archive import search
from roundtable.archive.exports import table_csv, table_xlsx
from roundtable.cases.models import CATEGORIES, Topic
from roundtable.communities.models import Community, Department
from roundtable.communities.permissions import archive_community_ids, can_read_archive
from roundtable.extensions import db
from roundtable.funds.queries import fund_uses

bp = Blueprint("archive", __name__, url_prefix="/archive")
PER_PAGE = 20


def _reach() -> list[int]:
    if not can_read_archive(current_user):
        abort(403)
    community_ids = archive_community_ids(current_user)
    if not community_ids:
        abort(403)
    return community_ids


@bp.app_template_filter("mask_name")
def mask_name(name: str | None) -> str:
    """李秀兰 → 李**: the archive says a person complained, never who."""
    name = (name or "").strip()
    return name[0] + "*" * max(len(name) - 1, 1) if name else ""


COMMUNITY_FILTER_WRONG = "社区筛选条件有误,已显示全部。"


@bp.route("/")
@login_required
def index():
    community_ids = _reach()
    filters = search.ArchiveFilters.from_args(request.args)
    if filters.community_id is not None and filters.community_id not in community_ids:
        abort(404)
    for message in filters.errors:
        flash(message, "error")
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    case_hits = resolution_hits = case_page = resolution_page = None
    if filters.active:
        if filters.kind in ("all", "resolutions"):
            resolution_hits, resolution_page = search.search_resolutions(community_ids, filters, page, PER_PAGE)
        if filters.kind in ("all", "cases"):
            case_hits, case_page = search.search_cases(community_ids, filters, page, PER_PAGE)
    return render_template(
        "archive/search.html",
        filters=filters,
        case_hits=case_hits,
        case_page=case_page,
        resolution_hits=resolution_hits,
        resolution_page=resolution_page,
        communities=_communities(community_ids),
        departments=list(db.session.scalars(select(Department).order_by(Department.name))),
        topics=list(db.session.scalars(select(Topic).where(Topic.community_id.in_(community_ids)).order_by(Topic.title))),
        categories=CATEGORIES,
        statuses=search.STATUS_CHOICES,
        kinds=search.KINDS,
    )


def _communities(community_ids: list[int]) -> list[Community]:
    return list(db.session.scalars(select(Community).where(Community.id.in_(community_ids)).order_by(Community.id)))


@bp.route("/cases/<int:case_id>")
@login_required
def case(case_id: int):
    found = search.case_in_reach(_reach(), case_id)
    if found is None:
        abort(404)
    # An auditor's read is recorded by audit.routes.record_auditor_case_reads, as for the case desk.
    return render_template("archive/case.html", hit=search.case_links(found))


@bp.route("/resolutions/<int:resolution_id>")
@login_required
def resolution(resolution_id: int):
    found = search.resolution_in_reach(_reach(), resolution_id)
    if found is None:
        abort(404)
    cases = search.cases_by_meeting({found.meeting_id}).get(found.meeting_id, [])
    from roundtable.minutes.queries import archive_section

    return render_template("archive/resolution.html", resolution=found, cases=cases, minutes=archive_section(found))


def _dashboard():
    community_ids = _reach()
    month, problem = board.parse_month(request.args.get("month"))
    wanted = request.args.get("community", "")
    if wanted:
        if not wanted.isdigit():
            problem = problem or COMMUNITY_FILTER_WRONG
        elif int(wanted) not in community_ids:
            abort(404)  # another street's community: as if it did not exist
        else:
            community_ids = [int(wanted)]
    return board.build_dashboard(community_ids, month), problem


@bp.route("/dashboard")
@login_required
def dashboard():
    result, problem = _dashboard()
    if problem:
        flash(problem, "error")
    return render_template(
        "archive/dashboard.html",
        board=result,
        titles={key: gettext(table.title, **table.title_args) for key, table in result.tables.items()},
        charts={key: table.chart_data(gettext) for key, table in result.tables.items()},
        communities=_communities(archive_community_ids(current_user)),
        selected=request.args.get("community", ""),
        fund_uses=fund_uses([community.id for community in result.communities]),
    )


@bp.app_template_filter("cell")
def cell(value) -> str:
    """A dashboard cell as the page prints it (the CSV writes the same text)."""
    return board.cell_text(value)


EXPORTS = {"csv": ("text/csv; charset=utf-8", table_csv), "xlsx": (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", table_xlsx)}


@bp.route("/dashboard/<key>.<fmt>")
@login_required
def export(key: str, fmt: str):
    if fmt not in EXPORTS:
        abort(404)
    result, _problem = _dashboard()
    table = result.tables.get(key)
    if table is None:
        abort(404)
    mimetype, render = EXPORTS[fmt]
    headers = [gettext(header) for header in table.headers]
    response = Response(render(table, headers, gettext(table.title, **table.title_args)), mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename=roundtable-{key}-{result.month}.{fmt}"
    return response
