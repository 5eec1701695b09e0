"""The demo's months of cases give the 三率 dashboard real figures on first run, with timelines in order."""
from __future__ import annotations

from sqlalchemy import select

from roundtable.archive.dashboard import build_dashboard, cell_text, previous_months
from roundtable.cases.models import Case
from roundtable.communities.models import Community
from roundtable.core.time import format_local, utcnow
from roundtable.extensions import db


def test_the_demo_dashboard_has_figures_this_month_and_in_the_months_before(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    community = db.session.scalar(select(Community).where(Community.name == "西河沿社区"))
    this_month = format_local(utcnow(), "%Y-%m")
    board = build_dashboard([community.id], this_month)

    row = [cell_text(cell) for cell in board.tables["communities"].rows[0]]
    assert row[0] == "西河沿社区"
    assert int(row[5]) >= 2  # followed up this month
    assert row[7] != "—" and row[9] != "—" and row[10] != "—"  # resolution, satisfaction, score
    assert board.tables["departments"].rows, "the demo's cases have responsible departments"

    months = {cell_text(r[0]): [cell_text(c) for c in r] for r in board.tables["months"].rows}
    for month in previous_months(this_month, 6)[:-1]:
        assert months[month][1] != "0" and months[month][9] != "—", month
    # The months are not all alike: the trend has something to show.
    assert len({months[m][9] for m in months}) > 1

    now = utcnow()
    for case in db.session.scalars(select(Case).where(Case.followed_up_at.is_not(None))):
        moments = [event.at for event in case.events]
        assert moments == sorted(moments) and moments[-1] <= now, case.external_number
        assert case.received_at <= case.first_contacted_at <= case.closed_at <= case.followed_up_at <= now
        assert case.status in ("closed_resolved", "closed_unresolved")
        assert (case.status == "closed_resolved") == case.resolved
