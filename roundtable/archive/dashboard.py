"""The 三率 (response, resolution, satisfaction rates) and what sits beside them on the dashboard.

Every table is built once, as display rows, and the page, the CSV and the
XLSX all print those same rows: an export cannot disagree with the page.
Formulas and weights come from ``THREE_RATES`` in the configuration and are
printed on the page, so a reader can redo any figure by hand.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import TypedDict

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select

from roundtable.archive.figures import MINUTES, PERCENT, SCORE, Figure, ratio, score
from roundtable.cases.models import Case, Topic
from roundtable.communities.models import Community, Department
from roundtable.core.time import LOCAL_TZ, format_local, utcnow
from roundtable.escalation.queries import DASHBOARD_HEADERS, DASHBOARD_TITLE, escalated_open_commitments
from roundtable.extensions import db
from roundtable.meetings.models import Invitation
from roundtable.resolutions.models import Commitment, Resolution


class RateSettings(TypedDict):
    """``THREE_RATES``: how the rates are weighed and which dates put a case in a month."""

    weights: dict[str, float]
    excluded_statuses: list[str]
    response_month_by: str
    follow_up_month_by: str


DEFAULT_THREE_RATES: RateSettings = {
    # 综合得分 = Σ weight × rate; Beijing's 接诉即办 assessment weighs solving and satisfaction most.
    "weights": {"response": 0.1, "resolution": 0.45, "satisfaction": 0.45},
    # Cases that are not the community's to answer count in no rate.
    "excluded_statuses": ["duplicate", "out_of_scope"],
    # Which date puts a case in a month: the response by when it came in, the verdict by the follow-up.
    "response_month_by": "received_at",
    "follow_up_month_by": "followed_up_at",
}

# The two ways a follow-up can be dated into a month (THREE_RATES "follow_up_month_by").
FOLLOW_UP_MONTH_RULES = {
    "followed_up_at": "回访计入回访日期所在的月份(当月回访的工单,不论何时受理)",
    "received_at": "回访计入工单受理日期所在的月份(当月受理、已经回访的工单)",
}

FORMULAS = {
    "response": "响应率 = 在期限内首次联系的工单数 ÷ 应响应的工单数",
    "resolution": "解决率 = 回访为“已解决”的工单数 ÷ 已回访的工单数",
    "satisfaction": "满意率 = 回访为“满意”的工单数 ÷ 已回访的工单数",
}
DENOMINATORS = {
    "response": "应响应:当月受理(按受理日期)、且已首次联系或已过办理期限的工单;尚未到期也未联系的不计入。",
    "follow_up": "已回访:按下述月份规则计入当月、且有回访结果的工单。",
    "rounding": "比率和得分按精确分数计算,只在显示时四舍五入保留一位小数(页面、CSV、XLSX 与图表相同)。",
}


def settings() -> RateSettings:
    configured = current_app.config.get("THREE_RATES") or {}
    merged: RateSettings = {**DEFAULT_THREE_RATES, **configured,
              "weights": {**DEFAULT_THREE_RATES["weights"], **configured.get("weights", {})}}
    if merged["follow_up_month_by"] not in FOLLOW_UP_MONTH_RULES:
        current_app.logger.error("THREE_RATES follow_up_month_by must be one of %s, not %r; using %s",
                                 ", ".join(FOLLOW_UP_MONTH_RULES), merged["follow_up_month_by"],
                                 DEFAULT_THREE_RATES["follow_up_month_by"])
        merged["follow_up_month_by"] = DEFAULT_THREE_RATES["follow_up_month_by"]
    merged["response_month_by"] = "received_at"
    return merged


def month_span(month: str) -> tuple[datetime, datetime]:
    """'2026-11' → the month in Beijing time, as UTC bounds [start, end)."""
    year, number = (int(part) for part in month.split("-"))
    start = datetime(year, number, 1, tzinfo=LOCAL_TZ)
    end = datetime(year + (number == 12), number % 12 + 1, 1, tzinfo=LOCAL_TZ)
    return start, end


def previous_months(month: str, count: int) -> list[str]:
    year, number = (int(part) for part in month.split("-"))
    months = []
    for _ in range(count):
        months.append(f"{year:04d}-{number:02d}")
        year, number = (year - 1, 12) if number == 1 else (year, number - 1)
    return list(reversed(months))


@dataclass
class Rates:
    """Counts behind the three rates of one group (a community, a department or a month)."""

    label: str
    received: int = 0
    response_base: int = 0
    responded_on_time: int = 0
    followed_up: int = 0
    resolved: int = 0
    satisfied: int = 0

    @property
    def response(self) -> Fraction | None:
        return ratio(self.responded_on_time, self.response_base)

    @property
    def resolution(self) -> Fraction | None:
        return ratio(self.resolved, self.followed_up)

    @property
    def satisfaction(self) -> Fraction | None:
        return ratio(self.satisfied, self.followed_up)

    def score(self, weights: dict) -> Fraction | None:
        return score({"response": self.response, "resolution": self.resolution,
                      "satisfaction": self.satisfaction}, weights)


def _in(moment: datetime | None, start: datetime, end: datetime) -> bool:
    return moment is not None and start <= moment < end


def count_rates(cases: list[Case], start: datetime, end: datetime, label: str, config: RateSettings,
                now: datetime | None = None) -> Rates:
    now = now or utcnow()
    rates = Rates(label)
    for case in cases:
        if case.status in config["excluded_statuses"]:
            continue
        if _in(getattr(case, config["response_month_by"]), start, end):
            rates.received += 1
            if case.first_contacted_at is not None or case.due_at < now:
                rates.response_base += 1
                if case.first_contacted_at is not None and case.first_contacted_at <= case.due_at:
                    rates.responded_on_time += 1
        if _in(getattr(case, config["follow_up_month_by"]), start, end) and case.followed_up_at is not None:
            rates.followed_up += 1
            rates.resolved += bool(case.resolved)
            rates.satisfied += bool(case.satisfied)
    return rates


Cell = int | str | Figure | datetime | None


def cell_text(cell: Cell) -> str:
    """How the page (and the CSV) prints one cell."""
    if cell is None:
        return "—"
    if isinstance(cell, datetime):
        return format_local(cell)
    return str(cell)


@dataclass(frozen=True)
class Chart:
    """What a table's chart plots: one series per column, one category per row."""

    kind: str  # "bar" (categories across) or "line" (a trend over months)
    columns: tuple[int, ...]
    unit: str = "%"


@dataclass
class Table:
    """One dashboard table: what the page shows, every export writes and the chart plots."""

    key: str
    title: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    chart: Chart | None = None
    title_args: dict = field(default_factory=dict)

    def chart_data(self, translate=lambda text: text) -> dict | None:
        """The chart's categories and series, taken from the very cells of the table."""
        if self.chart is None or not self.rows:
            return None
        return {
            "kind": self.chart.kind,
            "unit": translate(self.chart.unit),
            "categories": [cell_text(row[0]) for row in self.rows],
            "series": [
                {"name": translate(self.headers[column]),
                 "unit": translate(self._unit_of(column, self.chart.unit)),
                 "decimals": 1 if any(isinstance(row[column], Figure) for row in self.rows) else 0,
                 "data": [_plotted(row[column]) for row in self.rows]}
                for column in self.chart.columns
            ],
        }

    def _unit_of(self, column: int, chart_unit: str) -> str:
        kinds = {cell.kind for cell in (row[column] for row in self.rows) if isinstance(cell, Figure)}
        if kinds == {PERCENT}:
            return "%"
        return CHART_UNITS["score"] if kinds == {SCORE} else chart_unit


def _plotted(cell: Cell) -> float | int | None:
    if isinstance(cell, Figure):
        return cell.chart_value
    if isinstance(cell, int):
        return cell
    return None


RATE_HEADERS = ["受理", "应响应", "按时响应", "响应率", "已回访", "已解决", "解决率", "满意", "满意率", "综合得分"]
# Columns (after the label) the rate charts plot: the three rates and the score.
RATE_CHART_COLUMNS = (4, 7, 9, 10)
TABLE_TITLES = {
    "communities": "各社区三率",
    "departments": "各部门三率(按工单的承办部门)",
    "months": "逐月三率",
    "themes": "每月一题(%(month)s)",
    "report_in": "部门报到用时",
    "overdue": "逾期未完成的承诺",
}
TABLE_HEADERS = {
    "themes": ["议题", "社区", "工单数", "已办结", "已回访", "已解决", "满意"],
    "report_in": ["部门", "吹哨次数", "已报到", "按时", "迟到", "未报到", "报到用时中位数(分钟)", "按时率"],
    "overdue": ["承诺单位", "社区", "决议", "承诺事项", "期限", "逾期天数"],
}
CHART_UNITS = {"%": "%", "score": "分", "cases": "件", "minutes": "分钟", "days": "天"}


def _rate_row(rates: Rates, weights: dict) -> list[Cell]:
    return [rates.label, rates.received, rates.response_base, rates.responded_on_time,
            Figure(rates.response), rates.followed_up, rates.resolved, Figure(rates.resolution),
            rates.satisfied, Figure(rates.satisfaction), Figure(rates.score(weights), SCORE)]


def _cases_touching(community_ids: list[int], start: datetime, end: datetime) -> list[Case]:
    """Cases received or followed up in the span: the only ones any rate of the span can count."""
    return list(db.session.scalars(
        select(Case).where(
            Case.community_id.in_(community_ids),
            ((Case.received_at >= start) & (Case.received_at < end))
            | ((Case.followed_up_at >= start) & (Case.followed_up_at < end)),
        )
    ))


@dataclass
class Dashboard:
    month: str
    communities: list[Community]
    config: RateSettings
    tables: dict[str, Table]

    @property
    def formulas(self) -> dict:
        return FORMULAS

    @property
    def denominators(self) -> dict:
        return DENOMINATORS

    @property
    def follow_up_rule(self) -> str:
        return FOLLOW_UP_MONTH_RULES[self.config["follow_up_month_by"]]


def build_dashboard(community_ids: list[int], month: str, now: datetime | None = None, months: int = 6) -> Dashboard:
    now = now or utcnow()
    config = settings()
    weights = config["weights"]
    start, end = month_span(month)
    communities = list(db.session.scalars(select(Community).where(Community.id.in_(community_ids)).order_by(Community.id)))
    cases = _cases_touching(community_ids, start, end)
    tables: dict[str, Table] = {}
    rate_chart = Chart("bar", RATE_CHART_COLUMNS)

    table = Table("communities", TABLE_TITLES["communities"], ["社区", *RATE_HEADERS], chart=rate_chart)
    for community in communities:
        rates = count_rates([c for c in cases if c.community_id == community.id], start, end, community.name, config, now)
        table.rows.append(_rate_row(rates, weights))
    table.rows.append(_rate_row(count_rates(cases, start, end, gettext("合计"), config, now), weights))
    tables["communities"] = table

    departments = {d.id: d.name for d in db.session.scalars(select(Department))}
    table = Table("departments", TABLE_TITLES["departments"], ["部门", *RATE_HEADERS], chart=rate_chart)
    for department_id in sorted({c.responsible_department_id for c in cases if c.responsible_department_id}):
        rates = count_rates([c for c in cases if c.responsible_department_id == department_id], start, end,
                            departments.get(department_id, str(department_id)), config, now)
        table.rows.append(_rate_row(rates, weights))
    tables["departments"] = table

    table = Table("months", TABLE_TITLES["months"], ["月份", *RATE_HEADERS], chart=Chart("line", RATE_CHART_COLUMNS))
    span = previous_months(month, months)
    trend_start, _ = month_span(span[0])
    trend_cases = _cases_touching(community_ids, trend_start, end)
    for label in span:
        m_start, m_end = month_span(label)
        table.rows.append(_rate_row(count_rates(trend_cases, m_start, m_end, label, config, now), weights))
    tables["months"] = table

    tables["themes"] = _themes(community_ids, month, communities)
    tables["report_in"] = _report_in(community_ids, start, end, now, departments)
    tables["overdue"] = _overdue_commitments(community_ids, now, communities)
    tables["escalations"] = _escalations(community_ids, communities)
    return Dashboard(month, communities, config, tables)


def _escalations(community_ids: list[int], communities: list[Community]) -> Table:
    """Every open commitment that was escalated or returned, with its current step."""
    names = {c.id: c.name for c in communities}
    table = Table("escalations", DASHBOARD_TITLE[0], list(DASHBOARD_HEADERS))
    for commitment, stage, at in escalated_open_commitments(community_ids):
        table.rows.append([names.get(commitment.community_id, ""), commitment.unit_name, commitment.action,
                           format_local(commitment.deadline), stage, format_local(at)])
    return table


def _themes(community_ids: list[int], month: str, communities: list[Community]) -> Table:
    names = {c.id: c.name for c in communities}
    table = Table("themes", TABLE_TITLES["themes"], TABLE_HEADERS["themes"],
                  chart=Chart("bar", (2, 3, 5, 6), CHART_UNITS["cases"]), title_args={"month": month})
    for topic in db.session.scalars(
        select(Topic).where(Topic.community_id.in_(community_ids), Topic.theme_month == month).order_by(Topic.community_id)
    ):
        cases = list(topic.cases)
        table.rows.append([
            topic.title, names.get(topic.community_id, ""), len(cases),
            sum(c.is_terminal for c in cases), sum(c.followed_up_at is not None for c in cases),
            sum(bool(c.resolved) for c in cases), sum(bool(c.satisfied) for c in cases),
        ])
    return table


def _report_in(community_ids, start, end, now, departments) -> Table:
    """How fast each department reported in (报到) after being summoned (吹哨) this month."""
    table = Table("report_in", TABLE_TITLES["report_in"],
                  TABLE_HEADERS["report_in"],
                  chart=Chart("bar", (6,), CHART_UNITS["minutes"]))
    summons = list(db.session.scalars(
        select(Invitation).where(
            Invitation.community_id.in_(community_ids), Invitation.department_id.is_not(None),
            Invitation.summoned_at >= start, Invitation.summoned_at < end,
        )
    ))
    for department_id in sorted({s.department_id for s in summons if s.department_id is not None}):
        own = [s for s in summons if s.department_id == department_id]
        states = [s.report_in_state(now) for s in own]
        seconds = [int((s.reported_at - s.summoned_at).total_seconds())
                   for s in own if s.reported_at is not None and s.summoned_at is not None]
        decided = sum(state in ("on_time", "late", "missing") for state in states)
        on_time = states.count("on_time")
        median = Figure(Fraction(statistics.median(seconds)) / 60, MINUTES) if seconds else Figure(None, MINUTES)
        table.rows.append([
            departments.get(department_id, str(department_id)), len(own), len(seconds), on_time,
            states.count("late"), states.count("missing"), median, Figure(ratio(on_time, decided), PERCENT),
        ])
    return table


def _overdue_commitments(community_ids, now, communities) -> Table:
    names = {c.id: c.name for c in communities}
    table = Table("overdue", TABLE_TITLES["overdue"], TABLE_HEADERS["overdue"],
                  chart=Chart("bar", (5,), CHART_UNITS["days"]))
    for commitment in db.session.scalars(
        select(Commitment).join(Resolution, Resolution.id == Commitment.resolution_id).where(
            Commitment.community_id.in_(community_ids), Resolution.status == "published",
            Commitment.done_at.is_(None), Commitment.deadline < now,
        ).order_by(Commitment.deadline)
    ):
        table.rows.append([
            commitment.unit_name, names.get(commitment.community_id, ""), commitment.resolution.title,
            commitment.action, commitment.deadline, (now - commitment.deadline).days,
        ])
    return table


def parse_month(raw: str | None, now: datetime | None = None) -> tuple[str, str | None]:
    """A 'YYYY-MM' from the query string, or this month with a message when it is malformed."""
    this_month = format_local(now or utcnow(), "%Y-%m")
    if not raw:
        return this_month, None
    try:
        year, number = raw.split("-")
        if len(year) == 4 and 1 <= int(number) <= 12 and 2000 <= int(year) <= 2100:
            return f"{int(year):04d}-{int(number):02d}", None
    except ValueError:
        pass
    return this_month, gettext("月份「%(value)s」无效(格式:2026-11),已显示本月。", value=raw)


