"""Keys for communities A and B, and a helper to read the API's answers in either format."""
from __future__ import annotations

from dataclasses import dataclass
from xml.etree.ElementTree import fromstring

import pytest

from roundtable.extensions import db
from roundtable.open311.models import ApiKey

# The spec's field names (GeoReport v2), fixed here so the API cannot drift from them.
REQUEST_FIELDS = {
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
    "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url",
    "roundtable_request_id",  # ours (RT-<id>) beside the sender's number in service_request_id
}
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
POST_ANSWER_FIELDS = {"service_request_id", "service_notice", "account_id"}
ERROR_FIELDS = {"code", "description"}


@dataclass
class Keys:
    a: str
    b: str


@pytest.fixture
def keys(world) -> Keys:
    """One working API key for each community."""
    _, key_a = ApiKey.issue(world.a.community.id, "A 的 12345 对接")
    _, key_b = ApiKey.issue(world.b.community.id, "B 的 12345 对接")
    db.session.commit()
    return Keys(key_a, key_b)


def xml_rows(response, root: str, item: str) -> list[dict]:
    """Parse an XML answer back into flat dicts, checking its root and item element names."""
    element = fromstring(response.data)
    assert element.tag == root
    assert all(child.tag == item for child in element)
    return [{field.tag: field.text or "" for field in child} for child in element]


def rows(response, root: str = "service_requests", item: str = "request") -> list[dict]:
    if response.mimetype == "text/xml":
        return xml_rows(response, root, item)
    assert response.mimetype == "application/json"
    return response.get_json()
