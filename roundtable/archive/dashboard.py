"""The 三率 (response, resolution, satisfaction rates) and what sits beside them on the dashboard.

Every table is built once, as display rows, and the page, the CSV and the
XLSX all print those same rows: an export cannot disagree with the page.
Formulas and weights come from ``THREE_RATES`` in the configuration and are
printed on the page, so a reader can redo any figure by hand.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from roundtable.cases.models import Case, Topic
from roundtable.communities.models import Community, Department
from roundtable.core.time import LOCAL_TZ, format_local, utcnow
from roundtable.extensions import db
from roundtable.meetings.models import Invitation
from roundtable.resolutions.models import Commitment, Resolution

DEFAULT_THREE_RATES = {
    # 综合得分 = Σ weight × rate; Beijing's 接诉即办 assessment weighs solving and satisfaction most.
    "weights": {"response": 0.1, "resolution": 0.45, "satisfaction": 0.45},
    # Cases that are not the community's to answer count in no rate.
    "excluded_statuses": ["duplicate", "out_of_scope"],
    # Which date puts a case in a month: the response by when it came in, the verdict by the follow-up.
    "response_month_by": "received_at",
    "follow_up_month_by": "followed_up_at",
}

FORMULAS = {
    "response": "响应率 = 在期限内首次联系的工单数 ÷ 应响应的工单数(当月受理、已联系或已过期限)",
    "resolution": "解决率 = 回访为“已解决”的工单数 ÷ 已回访的工单数",
    "satisfaction": "满意率 = 回访为“满意”的工单数 ÷ 已回访的工单数",
}


def settings() -> dict:
    configured = current_app.config.get("THREE_RATES") or {}
    return {**DEFAULT_THREE_RATES, **configured,
            "weights": {**DEFAULT_THREE_RATES["weights"], **configured.get("weights", {})}}


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

    @staticmethod
    def _share(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def response(self):
        return self._share(self.responded_on_time, self.response_base)

    @property
    def resolution(self):
        return self._share(self.resolved, self.followed_up)

    @property
    def satisfaction(self):
        return self._share(self.satisfied, self.followed_up)

    def score(self, weights: dict) -> float | None:
        rates = {"response": self.response, "resolution": self.resolution, "satisfaction": self.satisfaction}
        if any(rates[name] is None for name in weights if weights[name]):
            return None
        return sum(weights[name] * (rates[name] or 0) for name in weights) * 100


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _in(moment: datetime | None, start: datetime, end: datetime) -> bool:
    return moment is not None and start <= moment < end


def count_rates(cases: list[Case], start: datetime, end: datetime, label: str, config: dict,
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


@dataclass
class Table:
    """One dashboard table: what the page shows and every export writes."""

    key: str
    title: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    bars: list[tuple[str, float | None]] = field(default_factory=list)  # for the chart: (label, 0..1)


RATE_HEADERS = ["受理", "应响应", "按时响应", "响应率", "已回访", "已解决", "解决率", "满意", "满意率", "综合得分"]


def _rate_row(rates: Rates, weights: dict) -> list[str]:
    score = rates.score(weights)
    return [rates.label, str(rates.received), str(rates.response_base), str(rates.responded_on_time),
            percent(rates.response), str(rates.followed_up), str(rates.resolved), percent(rates.resolution),
            str(rates.satisfied), percent(rates.satisfaction), "—" if score is None else f"{score:.1f}"]


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
    config: dict
    tables: dict[str, Table]

    @property
    def formulas(self) -> dict:
        return FORMULAS


def build_dashboard(community_ids: list[int], month: str, now: datetime | None = None, months: int = 6) -> Dashboard:
    now = now or utcnow()
    config = settings()
    weights = config["weights"]
    start, end = month_span(month)
    communities = list(db.session.scalars(select(Community).where(Community.id.in_(community_ids)).order_by(Community.id)))
    cases = _cases_touching(community_ids, start, end)
    tables: dict[str, Table] = {}

    table = Table("communities", "各社区三率", ["社区", *RATE_HEADERS])
    for community in communities:
        rates = count_rates([c for c in cases if c.community_id == community.id], start, end, community.name, config, now)
        table.rows.append(_rate_row(rates, weights))
        table.bars.append((community.name, rates.response))
    total = count_rates(cases, start, end, "合计", config, now)
    table.rows.append(_rate_row(total, weights))
    tables["communities"] = table

    departments = {d.id: d.name for d in db.session.scalars(select(Department))}
    table = Table("departments", "各部门三率(按工单的承办部门)", ["部门", *RATE_HEADERS])
    for department_id in sorted({c.responsible_department_id for c in cases if c.responsible_department_id}):
        rates = count_rates([c for c in cases if c.responsible_department_id == department_id], start, end,
                            departments.get(department_id, str(department_id)), config, now)
        table.rows.append(_rate_row(rates, weights))
        table.bars.append((rates.label, rates.resolution))
    tables["departments"] = table

    table = Table("months", "逐月三率", ["月份", *RATE_HEADERS])
    span = previous_months(month, months)
    trend_start, _ = month_span(span[0])
    trend_cases = _cases_touching(community_ids, trend_start, end)
    for label in span:
        m_start, m_end = month_span(label)
        rates = count_rates(trend_cases, m_start, m_end, label, config, now)
        table.rows.append(_rate_row(rates, weights))
        table.bars.append((label, rates.satisfaction))
    tables["months"] = table

    tables["themes"] = _themes(community_ids, month, communities)
    tables["report_in"] = _report_in(community_ids, start, end, now, departments)
    tables["overdue"] = _overdue_commitments(community_ids, now, communities)
    from roundtable.escalation.queries import dashboard_table

    tables["escalations"] = dashboard_table(community_ids, communities)
    return Dashboard(month, communities, config, tables)


def _themes(community_ids: list[int], month: str, communities: list[Community]) -> Table:
    names = {c.id: c.name for c in communities}
    table = Table("themes", f"每月一题({month})", ["社区", "议题", "工单数", "已办结", "已回访", "已解决", "满意"])
    for topic in db.session.scalars(
        select(Topic).where(Topic.community_id.in_(community_ids), Topic.theme_month == month).order_by(Topic.community_id)
    ):
        cases = list(topic.cases)
        table.rows.append([
            names.get(topic.community_id, ""), topic.title, str(len(cases)),
            str(sum(c.is_terminal for c in cases)), str(sum(c.followed_up_at is not None for c in cases)),
            str(sum(bool(c.resolved) for c in cases)), str(sum(bool(c.satisfied) for c in cases)),
        ])
        table.bars.append((topic.title, None))
    return table


def _minutes(delta: timedelta) -> str:
    minutes = delta.total_seconds() / 60
    return f"{minutes:.0f} 分钟" if minutes < 120 else f"{minutes / 60:.1f} 小时"


def _report_in(community_ids, start, end, now, departments) -> Table:
    """How fast each department reported in (报到) after being summoned (吹哨) this month."""
    table = Table("report_in", "部门报到用时", ["部门", "吹哨次数", "已报到", "按时", "迟到", "未报到", "报到用时中位数", "按时率"])
    summons = list(db.session.scalars(
        select(Invitation).where(
            Invitation.community_id.in_(community_ids), Invitation.department_id.is_not(None),
            Invitation.summoned_at >= start, Invitation.summoned_at < end,
        )
    ))
    for department_id in sorted({s.department_id for s in summons}):
        own = [s for s in summons if s.department_id == department_id]
        states = [s.report_in_state(now) for s in own]
        delays = [s.reported_at - s.summoned_at for s in own if s.reported_at is not None]
        decided = sum(state in ("on_time", "late", "missing") for state in states)
        on_time = states.count("on_time")
        share = on_time / decided if decided else None
        table.rows.append([
            departments.get(department_id, str(department_id)), str(len(own)), str(len(delays)), str(on_time),
            str(states.count("late")), str(states.count("missing")),
            _minutes(statistics.median(delays)) if delays else "—", percent(share),
        ])
        table.bars.append((table.rows[-1][0], share))
    return table


def _overdue_commitments(community_ids, now, communities) -> Table:
    names = {c.id: c.name for c in communities}
    table = Table("overdue", "逾期未完成的承诺", ["社区", "决议", "承诺单位", "承诺事项", "期限", "逾期天数"])
    for commitment in db.session.scalars(
        select(Commitment).join(Resolution, Resolution.id == Commitment.resolution_id).where(
            Commitment.community_id.in_(community_ids), Resolution.status == "published",
            Commitment.done_at.is_(None), Commitment.deadline < now,
        ).order_by(Commitment.deadline)
    ):
        table.rows.append([
            names.get(commitment.community_id, ""), commitment.resolution.title, commitment.unit_name,
            commitment.action, format_local(commitment.deadline), str((now - commitment.deadline).days),
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
    return this_month, f"月份「{raw}」无效(格式:2026-11),已显示本月。"


