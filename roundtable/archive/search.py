"""Archive search over published resolutions and cases, always inside the reader's communities.

Cases are found through the case search index (``roundtable.cases.search_index``:
character bigrams on PostgreSQL, FTS5 trigrams on SQLite), so 停车 finds 超时停车
without reading every case. Resolutions are few (one or two per meeting) and
are matched by substring (LIKE) over their title, points and commitments.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import gettext
from sqlalchemy import Select, exists, or_, select
from sqlalchemy.orm import selectinload

from roundtable.cases.models import CATEGORIES, STATUS_LABELS, Case
from roundtable.cases.search_index import text_match
from roundtable.core.time import LOCAL_TZ
from roundtable.extensions import db
from roundtable.meetings.models import Meeting, MeetingCase
from roundtable.resolutions.models import FROZEN_STATUSES, Commitment, Resolution
from roundtable.resolutions.models import STATUS_LABELS as RESOLUTION_STATUS_LABELS

KINDS = {"all": "全部", "resolutions": "决议", "cases": "工单"}
MAX_QUERY = 50


@dataclass
class ArchiveFilters:
    q: str = ""
    kind: str = "all"
    community_id: int | None = None
    department_id: int | None = None
    category: str = ""
    topic_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    status: str = ""
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args) -> ArchiveFilters:
        """Read the query string; anything malformed is dropped with a message, never a 500."""
        filters = cls(q=(args.get("q") or "").strip()[:MAX_QUERY])
        kind = args.get("kind") or "all"
        filters.kind = kind if kind in KINDS else "all"
        for name in ("community_id", "department_id", "topic_id"):
            raw = (args.get(name.removesuffix("_id")) or "").strip()
            if raw:
                if raw.isdigit():
                    setattr(filters, name, int(raw))
                else:
                    filters.errors.append("筛选条件有误,已忽略。")
        category = args.get("category") or ""
        filters.category = category if category in CATEGORIES else ""
        status = args.get("status") or ""
        filters.status = status if status in STATUS_LABELS or status in FROZEN_STATUSES else ""
        for name, label in (("date_from", "起始日期"), ("date_to", "截止日期")):
            raw = (args.get(name) or "").strip()
            if raw:
                try:
                    setattr(filters, name, date.fromisoformat(raw))
                except ValueError:
                    filters.errors.append(gettext("%(field)s「%(value)s」不是有效日期(格式:2026-11-01),已忽略。",
                                                  field=gettext(label), value=raw))
        if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
            filters.errors.append(gettext("起始日期晚于截止日期,已交换。"))
            filters.date_from, filters.date_to = filters.date_to, filters.date_from
        return filters

    @property
    def active(self) -> bool:
        return any((self.q, self.community_id, self.department_id, self.category, self.topic_id,
                    self.date_from, self.date_to, self.status, self.kind != "all"))

    def span(self) -> tuple[datetime | None, datetime | None]:
        """Beijing calendar days as a half-open UTC interval."""
        start = datetime.combine(self.date_from, time(), LOCAL_TZ) if self.date_from else None
        end = datetime.combine(self.date_to + timedelta(days=1), time(), LOCAL_TZ) if self.date_to else None
        return start, end


@dataclass
class CaseHit:
    case: Case
    meetings: list[Meeting]
    resolutions: list[Resolution]


@dataclass
class ResolutionHit:
    resolution: Resolution
    meeting: Meeting
    cases: list[Case]


def _scope(community_ids: list[int], filters: ArchiveFilters) -> list[int]:
    if filters.community_id is None:
        return community_ids
    return [filters.community_id] if filters.community_id in community_ids else []


def case_query(community_ids: list[int], filters: ArchiveFilters) -> Select:
    query = select(Case).where(Case.community_id.in_(_scope(community_ids, filters)))
    if filters.q:
        # Never by the complainant's name: the archive says a person complained, not who.
        query = query.where(text_match(filters.q, ("external_number", "description", "address")))
    if filters.department_id:
        query = query.where(Case.responsible_department_id == filters.department_id)
    if filters.category:
        query = query.where(Case.category == filters.category)
    if filters.topic_id:
        query = query.where(Case.topic_id == filters.topic_id)
    if filters.status:
        query = query.where(Case.status == filters.status)
    start, end = filters.span()
    if start:
        query = query.where(Case.received_at >= start)
    if end:
        query = query.where(Case.received_at < end)
    return query.order_by(Case.received_at.desc(), Case.id.desc())


def resolution_query(community_ids: list[int], filters: ArchiveFilters) -> Select:
    """Published and superseded versions only: drafts are not part of the archive."""
    statuses = [filters.status] if filters.status in FROZEN_STATUSES else list(FROZEN_STATUSES)
    if filters.status and filters.status not in FROZEN_STATUSES:
        statuses = []
    query = (
        select(Resolution)
        .join(Meeting, Meeting.id == Resolution.meeting_id)
        .where(Resolution.community_id.in_(_scope(community_ids, filters)), Resolution.status.in_(statuses))
    )
    if filters.q:
        in_commitments = exists().where(
            Commitment.resolution_id == Resolution.id, Commitment.action.icontains(filters.q, autoescape=True)
        )
        query = query.where(or_(Resolution.title.icontains(filters.q, autoescape=True),
                                Resolution.agreed_points.icontains(filters.q, autoescape=True),
                                Meeting.title.icontains(filters.q, autoescape=True),
                                in_commitments))
    if filters.department_id:
        query = query.where(exists().where(Commitment.resolution_id == Resolution.id,
                                           Commitment.department_id == filters.department_id))
    linked_case = select(MeetingCase.case_id).where(MeetingCase.meeting_id == Resolution.meeting_id)
    if filters.category:
        query = query.where(exists().where(Case.id.in_(linked_case), Case.category == filters.category))
    if filters.topic_id:
        query = query.where(or_(Meeting.topic_id == filters.topic_id,
                                exists().where(Case.id.in_(linked_case), Case.topic_id == filters.topic_id)))
    start, end = filters.span()
    if start:
        query = query.where(Resolution.published_at >= start)
    if end:
        query = query.where(Resolution.published_at < end)
    return query.order_by(Resolution.published_at.desc(), Resolution.id.desc())


def _page(query: Select, page: int, per_page: int):
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def search_cases(community_ids: list[int], filters: ArchiveFilters, page: int = 1, per_page: int = 20):
    """A page of matching cases, each with its meetings and their published resolutions."""
    result = _page(case_query(community_ids, filters).options(selectinload(Case.topic)), page, per_page)
    ids = [case.id for case in result.items]
    meetings_by_case: dict[int, list[Meeting]] = {i: [] for i in ids}
    for case_id, meeting in db.session.execute(
        select(MeetingCase.case_id, Meeting).join(Meeting, Meeting.id == MeetingCase.meeting_id)
        .where(MeetingCase.case_id.in_(ids)).order_by(Meeting.starts_at)
    ):
        meetings_by_case[case_id].append(meeting)
    resolutions = _published_by_meeting({m.id for ms in meetings_by_case.values() for m in ms})
    hits = [CaseHit(case, meetings_by_case[case.id],
                    [r for m in meetings_by_case[case.id] for r in resolutions.get(m.id, [])])
            for case in result.items]
    return hits, result


def search_resolutions(community_ids: list[int], filters: ArchiveFilters, page: int = 1, per_page: int = 20):
    """A page of matching resolutions, each with its meeting and the cases it answered."""
    result = _page(resolution_query(community_ids, filters).options(selectinload(Resolution.meeting)), page, per_page)
    cases = cases_by_meeting({r.meeting_id for r in result.items})
    return [ResolutionHit(r, r.meeting, cases.get(r.meeting_id, [])) for r in result.items], result


def _published_by_meeting(meeting_ids) -> dict[int, list[Resolution]]:
    found: dict[int, list[Resolution]] = {}
    if meeting_ids:
        for resolution in db.session.scalars(
            select(Resolution).where(Resolution.meeting_id.in_(meeting_ids), Resolution.status.in_(FROZEN_STATUSES))
            .order_by(Resolution.version.desc())
        ):
            found.setdefault(resolution.meeting_id, []).append(resolution)
    return found


def cases_by_meeting(meeting_ids) -> dict[int, list[Case]]:
    found: dict[int, list[Case]] = {}
    if meeting_ids:
        for meeting_id, case in db.session.execute(
            select(MeetingCase.meeting_id, Case).join(Case, Case.id == MeetingCase.case_id)
            .where(MeetingCase.meeting_id.in_(meeting_ids)).order_by(Case.received_at)
        ):
            found.setdefault(meeting_id, []).append(case)
    return found


def case_in_reach(community_ids: list[int], case_id: int) -> Case | None:
    case = db.session.get(Case, case_id)
    return case if case is not None and case.community_id in community_ids else None


def resolution_in_reach(community_ids: list[int], resolution_id: int) -> Resolution | None:
    resolution = db.session.get(Resolution, resolution_id)
    if resolution is None or resolution.community_id not in community_ids or resolution.status not in FROZEN_STATUSES:
        return None
    return resolution


def case_links(case: Case) -> CaseHit:
    meetings = list(db.session.scalars(
        select(Meeting).join(MeetingCase, MeetingCase.meeting_id == Meeting.id)
        .where(MeetingCase.case_id == case.id).order_by(Meeting.starts_at)
    ))
    resolutions = _published_by_meeting({m.id for m in meetings})
    return CaseHit(case, meetings, [r for m in meetings for r in resolutions.get(m.id, [])])


STATUS_CHOICES = {**{s: STATUS_LABELS[s] for s in STATUS_LABELS},
                  **{s: RESOLUTION_STATUS_LABELS[s] for s in FROZEN_STATUSES}}
