"""What the Open311 API reads: keys, services, code mappings, and cases as service requests.

No function here ever returns a complainant's name or phone: ``as_service_request``
is the only way a case leaves through this API, and it names its fields one by one.
In public read mode (``OPEN311_PUBLIC_READ``) it names even fewer: nothing a
resident wrote (description, notes) and no location finer than the community.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from roundtable.cases.models import CATEGORIES, TERMINAL_STATUSES, Case
from roundtable.communities.models import Community
from roundtable.core.errors import OperationError
from roundtable.core.time import as_utc, utcnow
from roundtable.core.types import JsonObject
from roundtable.extensions import db
from roundtable.open311.formats import w3c_datetime
from roundtable.open311.models import ApiKey, ServiceCodeMapping

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement, Select

# The spec's defaults: without dates, the last 90 days; never more than 1000 requests.
DEFAULT_WINDOW = timedelta(days=90)
MAX_REQUESTS = 1000

# Page sizes of the GeoReport v2 pagination extension (page, page_size).
DEFAULT_PAGE_SIZE = MAX_REQUESTS

# Cases from the hotline or another Open311 system keep the number their sender gave them,
# so the sender can read the status back by its own number; every other case gets ours.
ID_PREFIX = "RT-"
_OUR_ID = re.compile(r"^RT-(\d{1,9})$")
SOURCES_KEEPING_THEIR_ID = ("hotline", "open311")

# The fields public read mode returns: nothing that names, reaches or locates a person.
PUBLIC_FIELDS = (
    "service_request_id", "roundtable_request_id", "status", "status_notes", "service_name", "service_code",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
    "address", "media_url",
)

# Per category: (group, keywords, description) for the service list.
SERVICE_DETAILS = {
    "parking": ("交通出行", "停车,违停,占道,车辆", "胡同街巷停车、违停和占道"),
    "noise": ("生态环境", "噪声,噪音,扰民,施工", "施工、设备、商户等噪声扰民"),
    "roads": ("市政设施", "道路,路面,井盖,路灯", "道路、井盖、路灯等市政设施"),
    "power": ("市政设施", "供电,停电,电线,电表", "供电和老旧线路"),
    "water_heating": ("市政设施", "供水,停水,供暖,暖气", "供水和冬季供暖"),
    "property": ("物业住房", "物业,电梯,楼道,维修", "物业服务和公共设施维护"),
    "sanitation": ("生态环境", "垃圾,卫生,清扫,异味", "垃圾清运和环境卫生"),
    "elderly": ("民生服务", "养老,助餐,老人,照护", "养老服务和老年餐桌"),
    "housing": ("物业住房", "产权,房屋,漏雨,危房", "房屋产权和房屋安全"),
    "other": ("其他", "其他", "其他诉求"),
}


def find_active_key(raw_key: str) -> ApiKey | None:
    if not raw_key:
        return None
    return db.session.scalar(
        select(ApiKey).where(ApiKey.key_hash == ApiKey.hash_key(raw_key), ApiKey.revoked_at.is_(None))
    )


def find_community(jurisdiction_id: str) -> Community | None:
    text = (jurisdiction_id or "").strip()
    if not text.isdigit() or len(text) > 9:
        return None
    return db.session.get(Community, int(text))


def list_services() -> list[JsonObject]:
    return [
        {
            "service_code": code,
            "service_name": name,
            "description": SERVICE_DETAILS.get(code, ("", "", ""))[2],
            "metadata": False,
            "type": "realtime",
            "keywords": SERVICE_DETAILS.get(code, ("", "", ""))[1],
            "group": SERVICE_DETAILS.get(code, ("其他", "", ""))[0],
        }
        for code, name in CATEGORIES.items()
    ]


def our_request_id(case: Case) -> str:
    return f"{ID_PREFIX}{case.id}"


def service_request_id(case: Case) -> str:
    """The sender's number for hotline and Open311 cases (what residents and the sender quote), else ``RT-<id>``.

    A request filed by POST carries ``RT-<id>`` as its number, so the same rule covers it.
    """
    return case.external_number if case.source in SOURCES_KEEPING_THEIR_ID else our_request_id(case)


def service_code_map(community_id: int) -> dict[str, str]:
    """Another system's service code → our category, as the community's secretary mapped it."""
    return dict(db.session.execute(
        select(ServiceCodeMapping.external_code, ServiceCodeMapping.category)
        .where(ServiceCodeMapping.community_id == community_id)
    ).all())


def category_for_code(code: str, mapping: dict[str, str]) -> str | None:
    """Our category for a service code: ours as is, another system's through the mapping, else None."""
    if code in CATEGORIES:
        return code
    return mapping.get(code)


def community_mappings(community: Community) -> list[ServiceCodeMapping]:
    return list(db.session.scalars(
        select(ServiceCodeMapping).where(ServiceCodeMapping.community_id == community.id)
        .order_by(ServiceCodeMapping.external_code)
    ))


@dataclass
class RequestFilters:
    service_request_ids: list[str] = field(default_factory=list)
    service_codes: list[str] = field(default_factory=list)
    start: datetime | None = None
    end: datetime | None = None
    statuses: list[str] = field(default_factory=list)
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE


@dataclass
class RequestPage:
    """One page of requests, and whether another follows (for the pagination extension's links)."""

    cases: list[Case]
    page: int
    page_size: int
    has_next: bool


def _with_details(query: Select[Case]) -> Select[Case]:
    return query.options(selectinload(Case.events), selectinload(Case.responsible_department))


def find_requests(community_ids: list[int], filters: RequestFilters) -> RequestPage:
    """One page of the communities' requests matching the filters; ids given override every other filter."""
    query = select(Case).where(Case.community_id.in_(community_ids))
    if filters.service_request_ids:
        query = query.where(_ids_clause(filters.service_request_ids))
    else:
        start = filters.start
        if start is None:
            start = (filters.end or utcnow()) - DEFAULT_WINDOW
        query = query.where(Case.received_at >= start)
        if filters.end is not None:
            query = query.where(Case.received_at <= filters.end)
        if filters.service_codes:
            query = query.where(Case.category.in_(filters.service_codes))
        if filters.statuses == ["open"]:
            query = query.where(Case.status.not_in(TERMINAL_STATUSES))
        elif filters.statuses == ["closed"]:
            query = query.where(Case.status.in_(TERMINAL_STATUSES))
    query = (query.order_by(Case.received_at.desc(), Case.id.desc())
             .offset((filters.page - 1) * filters.page_size).limit(filters.page_size + 1))
    cases = list(db.session.scalars(_with_details(query)))
    return RequestPage(cases[:filters.page_size], filters.page, filters.page_size, len(cases) > filters.page_size)


def find_request(community_ids: list[int], request_id: str) -> Case | None:
    query = select(Case).where(Case.community_id.in_(community_ids), _ids_clause([request_id]))
    return db.session.scalars(_with_details(query.order_by(Case.id))).first()


def _ids_clause(ids: list[str]) -> ColumnElement[bool]:
    """By the sender's number (hotline, Open311) or by ours (``RT-<id>``, any case)."""
    our_ids = [int(match.group(1)) for match in map(_OUR_ID.match, ids) if match]
    return or_(
        and_(Case.source.in_(SOURCES_KEEPING_THEIR_ID), Case.external_number.in_(ids)),
        Case.id.in_(our_ids),
    )


def as_service_request(case: Case, public: bool = False) -> JsonObject:
    """A case in the spec's fields; complainant name and phone are deliberately absent.

    Once a resolution decided the case, status_notes names it and media_url is
    its public PDF, so the hotline platform can show residents the document.
    ``roundtable_request_id`` is our own number (``RT-<id>``) beside the sender's.
    ``public``: only ``PUBLIC_FIELDS``; the address is the community, status_notes
    only a published resolution's (a desk note may name a resident).
    """
    from roundtable.resolutions.queries import current_for_case, public_pdf_url, status_note

    resolution = current_for_case(case)
    if public:
        return {
            "service_request_id": service_request_id(case),
            "roundtable_request_id": our_request_id(case),
            "status": "closed" if case.is_terminal else "open",
            "status_notes": status_note(resolution) if resolution else "",
            "service_name": case.category_label,
            "service_code": case.category,
            "agency_responsible": case.responsible_department.name if case.responsible_department else "",
            "service_notice": "",
            "requested_datetime": w3c_datetime(case.received_at),
            "updated_datetime": w3c_datetime(case.updated_at),
            "expected_datetime": w3c_datetime(case.due_at),
            "address": case.community.name,
            "media_url": public_pdf_url(resolution) if resolution else "",
        }
    return {
        "service_request_id": service_request_id(case),
        "roundtable_request_id": our_request_id(case),
        "status": "closed" if case.is_terminal else "open",
        "status_notes": status_note(resolution) if resolution else case.latest_note,
        "service_name": case.category_label,
        "service_code": case.category,
        "description": case.description,
        "agency_responsible": case.responsible_department.name if case.responsible_department else "",
        "service_notice": "",
        "requested_datetime": w3c_datetime(case.received_at),
        "updated_datetime": w3c_datetime(case.updated_at),
        "expected_datetime": w3c_datetime(case.due_at),
        "address": case.address,
        "address_id": "",
        "zipcode": "",
        "lat": case.latitude,
        "long": case.longitude,
        "media_url": public_pdf_url(resolution) if resolution else "",
    }


def filters_from(args: Mapping[str, object], mapping: dict[str, str] | None = None) -> RequestFilters:
    """The spec's query parameters, each checked; a malformed one is refused by name.

    ``service_code`` takes our codes and, through ``mapping``, the caller's own.
    ``page`` and ``page_size`` are the GeoReport v2 pagination extension.
    """
    ids = _split(args.get("service_request_id"))
    if len(ids) > MAX_REQUESTS:
        raise OperationError("service_request_id 一次最多 %(max)s 个。", max=MAX_REQUESTS)
    codes = []
    for code in _split(args.get("service_code")):
        category = category_for_code(code, mapping or {})
        if category is None:
            raise OperationError("未知的 service_code「%(service_code)s」。", service_code=code[:30])
        codes.append(category)
    start = _w3c(args.get("start_date"), "start_date")
    end = _w3c(args.get("end_date"), "end_date")
    if start and end and start > end:
        raise OperationError("start_date 不能晚于 end_date。")
    statuses = sorted({status.lower() for status in _split(args.get("status"))})
    for status in statuses:
        if status not in ("open", "closed"):
            raise OperationError("status 只能是 open 或 closed,收到「%(status)s」。", status=status[:20])
    page = _positive(args.get("page"), "page", 1, 10**6)
    page_size = _positive(args.get("page_size"), "page_size", DEFAULT_PAGE_SIZE, MAX_REQUESTS)
    return RequestFilters(ids, codes, start, end, statuses, page, page_size)


def _positive(value: object, name: str, default: int, largest: int) -> int:
    text = str(value or "").strip()
    if not text:
        return default
    if not text.isdigit() or not 1 <= int(text) <= largest:
        raise OperationError("%(name)s 应为 1 到 %(largest)s 之间的整数,收到「%(text)s」。", name=name, largest=largest, text=text[:20])
    return int(text)


def _split(value: object) -> list[str]:
    return [part.strip() for part in str(value or "").split(",") if part.strip()]


# A "+" in an unencoded query string arrives as a space: "…T08:00:00 08:00".
_LOST_PLUS = re.compile(r" (\d{2}:?\d{2})$")


def _w3c(value: object, name: str) -> datetime | None:
    text = str(value or "").strip()
    if not text:
        return None
    text = _LOST_PLUS.sub(r"+\1", text).replace("Z", "+00:00")
    try:
        return as_utc(datetime.fromisoformat(text))
    except ValueError:
        raise OperationError("%(name)s 格式不正确,应为 W3C 日期时间,如 2026-11-20T08:00:00+08:00。", name=name) from None
