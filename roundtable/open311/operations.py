"""Filing a case from an Open311 GeoReport v2 POST, and the community's service-code mapping.

Each function flushes; the route commits.
"""
from __future__ import annotations

import secrets
from collections.abc import Mapping

from roundtable.auth.models import User
from roundtable.cases.models import CATEGORIES, Case
from roundtable.cases.operations import create_case, find_existing
from roundtable.cases.validation import CaseFieldErrors, clean_case_fields
from roundtable.communities.models import Community
from roundtable.core.errors import Conflict, OperationError
from roundtable.extensions import db
from roundtable.open311.models import ApiKey, ServiceCodeMapping
from roundtable.open311.queries import category_for_code, our_request_id, service_code_map

MAX_CODE = 100

ID_PLACEHOLDER = "open311-"

# Our field → the spec's parameter, so an error names what the client sent.
PARAMETER_OF = {
    "category": "service_code",
    "description": "description",
    "address": "address_string",
    "complainant_name": "first_name/last_name",
    "complainant_phone": "phone",
    "latitude": "lat",
    "longitude": "long",
}


def submit_request(api_key: ApiKey, params: Mapping[str, object]) -> Case:
    """File the request as a new case of the key's community (source ``open311``).

    ``email``, ``device_id``, ``media_url`` and ``attribute[...]`` are accepted
    and ignored: we have nowhere to keep them, and the case needs none of them.
    """

    def value(name: str) -> str:
        return str(params.get(name) or "").strip()

    code = value("service_code")
    if not code:
        raise OperationError("缺少 service_code。")
    category = category_for_code(code, service_code_map(api_key.community_id))
    if category is None:
        raise OperationError(
            "未知的 service_code「%(service_code)s」:可用的见 services 列表,其他系统的代码需由社区在“Open311 代码对照”中对应到类别。",
            service_code=code[:30],
        )
    address, lat, long = value("address_string"), value("lat"), value("long")
    if not address and not (lat and long):
        raise OperationError("缺少位置:请提供 address_string,或 lat 和 long(不支持 address_id)。")
    raw = {
        # A placeholder until the case has its id: the number we answer with is id-based.
        "external_number": f"{ID_PLACEHOLDER}{secrets.token_hex(8)}",
        "source": "open311",
        "category": category,
        "urgency": "ordinary",
        "description": value("description"),
        "address": address or f"坐标 {lat},{long}",
        "complainant_name": _full_name(value("first_name"), value("last_name")),
        "complainant_phone": value("phone"),
        "latitude": lat,
        "longitude": long,
    }
    try:
        fields = clean_case_fields(raw, default_source="open311")
    except CaseFieldErrors as exc:
        raise OperationError(
            ";".join(f"{PARAMETER_OF.get(name, name)}: {message}" for name, message in exc.errors.items())
        ) from None
    community = api_key.community
    case = create_case(community, fields, None, note="通过 Open311 接口提交")
    number = our_request_id(case)
    if find_existing(community, case.source, number):  # e.g. a case imported from another Roundtable
        number = f"{number}-{secrets.token_hex(3)}"
    case.external_number = number
    db.session.flush()
    return case


def _full_name(first: str, last: str) -> str:
    """Chinese names are surname first and unspaced; others are "first last"."""
    if (first + last).isascii():
        return f"{first} {last}".strip()
    return f"{last}{first}"


def add_code_mapping(community: Community, external_code: str, category: str, actor: User) -> ServiceCodeMapping:
    """Map another system's service code to one of our categories, for this community only."""
    code = (external_code or "").strip()
    if not code:
        raise OperationError("请填写对方系统的服务代码。")
    if len(code) > MAX_CODE:
        raise OperationError("服务代码太长(最多 100 个字符)。")
    if code in CATEGORIES:
        raise OperationError("这是本系统自己的类别代码,无需对照。")
    if category not in CATEGORIES:
        raise OperationError("请选择一个类别。")
    if code in service_code_map(community.id):
        raise Conflict("这个服务代码已经有对照了;如需修改,请先删除原来的对照。")
    mapping = ServiceCodeMapping(community_id=community.id, external_code=code, category=category,
                                 created_by_id=actor.id)
    db.session.add(mapping)
    db.session.flush()
    return mapping


def remove_code_mapping(mapping: ServiceCodeMapping) -> None:
    db.session.delete(mapping)
    db.session.flush()
