"""Filing a case from an Open311 GeoReport v2 POST. It flushes; the route commits."""
from __future__ import annotations

import secrets

from roundtable.cases.models import CATEGORIES, Case
from roundtable.cases.operations import create_case, find_existing
from roundtable.cases.validation import CaseFieldErrors, clean_case_fields
from roundtable.communities.models import Community
from roundtable.core.errors import OperationError
from roundtable.extensions import db
from roundtable.open311.models import ApiKey
from roundtable.open311.queries import service_request_id

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


def submit_request(api_key: ApiKey, params) -> Case:
    """File the request as a new case of the key's community (source ``open311``).

    ``email``, ``device_id``, ``media_url`` and ``attribute[...]`` are accepted
    and ignored: we have nowhere to keep them, and the case needs none of them.
    """

    def value(name: str) -> str:
        return str(params.get(name) or "").strip()

    code = value("service_code")
    if not code:
        raise OperationError("缺少 service_code。")
    if code not in CATEGORIES:
        raise OperationError(f"未知的 service_code「{code[:30]}」,可用的见 services 列表。")
    address, lat, long = value("address_string"), value("lat"), value("long")
    if not address and not (lat and long):
        raise OperationError("缺少位置:请提供 address_string,或 lat 和 long(不支持 address_id)。")
    raw = {
        # A placeholder until the case has its id: the number we answer with is id-based.
        "external_number": f"{ID_PLACEHOLDER}{secrets.token_hex(8)}",
        "source": "open311",
        "category": code,
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
    community = db.session.get(Community, api_key.community_id)
    case = create_case(community, fields, None, note="通过 Open311 接口提交")
    number = service_request_id(case)
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
