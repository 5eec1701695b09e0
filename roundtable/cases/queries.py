"""Read-only questions the case desk asks, always inside one community.

``filter_cases`` is the one query behind the desk list; the 100,000-case
benchmark calls the same function, so what it measures is what people get.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import selectinload
from sqlalchemy.sql import operators

from roundtable.cases.models import CATEGORIES, STATUSES, TERMINAL_STATUSES, URGENCIES, Case, Topic
from roundtable.cases.search_index import text_match
from roundtable.communities.models import Community, Department
from roundtable.core.time import utcnow
from roundtable.extensions import db

SORTS = {
    "received_desc": (Case.received_at.desc(), Case.id.desc()),
    "received_asc": (Case.received_at.asc(), Case.id.asc()),
    "due_asc": (Case.due_at.asc(), Case.id.asc()),
    "due_desc": (Case.due_at.desc(), Case.id.desc()),
}
SORT_LABELS = {
    "received_desc": "受理时间(新→旧)",
    "received_asc": "受理时间(旧→新)",
    "due_asc": "办理期限(近→远)",
    "due_desc": "办理期限(远→近)",
}
DEFAULT_SORT = "received_desc"


@dataclass
class CaseFilters:
    """What a secretary narrowed the list to; unknown values are dropped, never an error."""

    status: str = ""
    category: str = ""
    urgency: str = ""
    overdue: bool = False
    topic_id: int | None = None
    q: str = ""
    sort: str = DEFAULT_SORT

    @classmethod
    def from_args(cls, args) -> CaseFilters:
        topic = (args.get("topic") or "").strip()
        sort = args.get("sort") or DEFAULT_SORT
        return cls(
            status=_known(args.get("status"), STATUSES),
            category=_known(args.get("category"), CATEGORIES),
            urgency=_known(args.get("urgency"), URGENCIES),
            overdue=args.get("overdue") in ("1", "on", "true"),
            topic_id=int(topic) if topic.isdigit() else None,
            q=(args.get("q") or "").strip()[:100],
            sort=sort if sort in SORTS else DEFAULT_SORT,
        )

    @property
    def active(self) -> bool:
        return bool(self.status or self.category or self.urgency or self.overdue or self.topic_id or self.q)


def _known(value: str | None, allowed) -> str:
    return value if value is not None and value in allowed else ""


def overdue_clause(now: datetime):
    """SQL twin of ``Case.is_overdue``: past due, not contacted, not finished."""
    return and_(
        Case.status.not_in(TERMINAL_STATUSES),
        Case.first_contacted_at.is_(None),
        Case.due_at < now,
    )


def filter_cases(
    community: Community,
    *,
    status: str = "",
    category: str = "",
    urgency: str = "",
    overdue: bool = False,
    topic_id: int | None = None,
    q: str = "",
    sort: str = DEFAULT_SORT,
    now: datetime | None = None,
) -> Select:
    """The desk list of one community as a statement, ready to paginate.

    The text search finds a substring of the number, description, address or
    complainant's name (停车 finds 超时停车) through the search index
    (``roundtable.cases.search_index``); the phone number is deliberately not searchable.
    """
    stmt = select(Case).where(Case.community_id == community.id)
    if status:
        stmt = stmt.where(Case.status == status)
    if category:
        stmt = stmt.where(Case.category == category)
    if urgency:
        stmt = stmt.where(Case.urgency == urgency)
    if overdue:
        stmt = stmt.where(overdue_clause(now or utcnow()))
    if topic_id:
        stmt = stmt.where(Case.topic_id == topic_id)
    if q:
        stmt = stmt.where(text_match(q))
    return stmt.options(selectinload(Case.topic)).order_by(*SORTS.get(sort, SORTS[DEFAULT_SORT]))


def case_page(community: Community, filters: CaseFilters, page: int, per_page: int):
    """One page of the filtered list (Flask-SQLAlchemy pagination, out-of-range pages are empty)."""
    stmt = filter_cases(community, **asdict(filters))
    if filters.q:
        return SearchPagination(select=stmt, sort=filters.sort, session=db.session(), page=page,
                                per_page=per_page, error_out=False)
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


class SearchPagination(SelectPagination):
    """A text search's page and its total from one pass over its matches.

    The matches (id and sort keys only) are found first, in a subquery the
    planner may not merge into the sorted outer query (``OFFSET 0``): otherwise
    it may walk the received-time index and compute every case's bigrams on the
    way, which for a rare word means all of them. The page's ids and
    ``count(*) OVER ()`` come from those narrow rows in one pass (not a page
    query and a count query each reading every match); then the page's cases
    are loaded by id.
    """

    def _query_items(self) -> list:
        session = self._query_args["session"]
        matches = (select(Case.id, Case.received_at, Case.due_at)
                   .where(self._query_args["select"].whereclause).offset(0).subquery("matches"))
        rows = session.execute(
            select(matches.c.id, func.count().over().label("total_matches"))
            .order_by(*_sort_columns(matches.c, self._query_args["sort"]))
            .limit(self.per_page).offset(self._query_offset)
        ).all()
        self._counted = rows[0].total_matches if rows else None
        ids = [row.id for row in rows]
        loaded = {case.id: case for case in session.scalars(
            select(Case).where(Case.id.in_(ids)).options(selectinload(Case.topic)))}
        return [loaded[case_id] for case_id in ids]

    def _query_count(self) -> int:
        if self._counted is not None:
            return self._counted
        return super()._query_count()  # a page past the end: count the matches the plain way


def _sort_columns(columns, sort: str) -> list:
    """The order of ``SORTS[sort]`` on the columns of a subquery of cases."""
    return [columns[clause.element.key].desc() if clause.modifier is operators.desc_op
            else columns[clause.element.key].asc()
            for clause in SORTS.get(sort, SORTS[DEFAULT_SORT])]
def community_topics(community: Community) -> list[Topic]:
    """Themes of the month first (newest month first), then the rest by title."""
    return list(
        db.session.scalars(
            select(Topic)
            .where(Topic.community_id == community.id)
            .order_by(Topic.theme_month.is_(None), Topic.theme_month.desc(), Topic.title)
        )
    )


def case_counts_by_topic(community: Community) -> dict[int, int]:
    rows = db.session.execute(
        select(Case.topic_id, func.count(Case.id))
        .where(Case.community_id == community.id, Case.topic_id.is_not(None))
        .group_by(Case.topic_id)
    )
    return {topic_id: count for topic_id, count in rows if topic_id is not None}


def status_counts(topic: Topic) -> dict[str, int]:
    """How many of the topic's cases are in each status, in the status machine's order."""
    rows = dict(
        db.session.execute(
            select(Case.status, func.count(Case.id))
            .where(Case.community_id == topic.community_id, Case.topic_id == topic.id)
            .group_by(Case.status)
        ).all()
    )
    return {status: rows[status] for status in STATUSES if status in rows}


def topic_cases(topic: Topic) -> list[Case]:
    return list(
        db.session.scalars(
            select(Case)
            .where(Case.community_id == topic.community_id, Case.topic_id == topic.id)
            .order_by(Case.received_at.desc(), Case.id.desc())
        )
    )


def all_departments() -> list[Department]:
    return list(db.session.scalars(select(Department).order_by(Department.name)))
