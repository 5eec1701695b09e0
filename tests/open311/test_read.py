"""Another system reads a community's cases as Open311 service requests."""
from __future__ import annotations

from datetime import timedelta
from xml.etree.ElementTree import fromstring

import pytest

from roundtable.cases.models import CATEGORIES
from roundtable.cases.operations import add_note, assign_department, change_status
from roundtable.core.time import utcnow
from roundtable.extensions import db
from tests.factories import make_case
from tests.open311.conftest import ERROR_FIELDS, REQUEST_FIELDS, SERVICE_FIELDS, rows


@pytest.fixture
def cases(world):
    """A's cases: the world's open hotline case, a closed walk-in noise case, and one from last year."""
    a = world.a
    closed = make_case(a.community, a.secretary, source="walk_in", category="noise", external_number="来访-1",
                       received_at=utcnow() - timedelta(days=3))
    for status in ("contacted", "replied", "closed_resolved"):
        change_status(closed, status, a.secretary)
    add_note(closed, a.secretary, "已协调物业调整车库运行时间")
    assign_department(a.case, world.department, a.secretary)
    old = make_case(a.community, a.secretary, external_number="12345-OLD", received_at=utcnow() - timedelta(days=200))
    db.session.commit()
    return {"open": a.case, "closed": closed, "old": old}


def get(client, path, **params):
    return client.get(f"/open311/v2/{path}", query_string=params)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_services_are_our_categories_with_the_specs_fields(client, fmt):
    services = rows(get(client, f"services.{fmt}"), "services", "service")

    assert {s["service_code"] for s in services} == set(CATEGORIES)
    for service in services:
        assert set(service) == SERVICE_FIELDS
        assert service["service_name"] == CATEGORIES[service["service_code"]]
        assert service["type"] == "realtime"
        assert service["metadata"] in (False, "false")
        assert service["group"] and service["keywords"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_discovery_names_the_endpoint_and_how_keys_scope_reads(client, fmt):
    response = get(client, f"discovery.{fmt}")
    if fmt == "json":
        document = response.get_json()
        endpoint = document["endpoints"][0]
        formats = endpoint["formats"]
    else:
        root = fromstring(response.data)
        assert root.tag == "discovery"
        document = {child.tag: child.text for child in root}
        endpoint_element = root.find("endpoints/endpoint")
        endpoint = {child.tag: child.text for child in endpoint_element}
        formats = [f.text for f in endpoint_element.find("formats")]
    assert {"changeset", "contact", "key_service", "endpoints"} <= set(document)
    assert "jurisdiction_id" in document["key_service"] and "api_key" in document["key_service"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2")
    assert set(formats) == {"application/json", "text/xml"}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_requests_carry_exactly_the_specs_fields(client, keys, world, cases, fmt):
    found = {r["service_request_id"]: r for r in rows(get(client, f"requests.{fmt}", api_key=keys.a))}

    assert set(found) == {world.a.case.external_number, f"RT-{cases['closed'].id}"}
    for request in found.values():
        assert set(request) == REQUEST_FIELDS
    hotline = found[world.a.case.external_number]
    assert hotline["status"] == "open"
    assert hotline["service_code"] == "parking" and hotline["service_name"] == "停车管理"
    assert hotline["agency_responsible"] == "区交通支队"
    assert hotline["requested_datetime"].endswith("+08:00")
    assert hotline["expected_datetime"].endswith("+08:00")
    walk_in = found[f"RT-{cases['closed'].id}"]
    assert walk_in["status"] == "closed"
    assert walk_in["status_notes"] == "已协调物业调整车库运行时间"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_one_request_by_its_id(client, keys, cases, fmt):
    hotline = rows(get(client, f"requests/{cases['open'].external_number}.{fmt}", api_key=keys.a))
    ours = rows(get(client, f"requests/RT-{cases['closed'].id}.{fmt}", api_key=keys.a))

    assert [r["description"] for r in hotline] == [cases["open"].description]
    assert [r["service_code"] for r in ours] == ["noise"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_request_is_a_404_in_the_specs_error_form(client, keys, cases, fmt):
    response = get(client, f"requests/12345-NOPE.{fmt}", api_key=keys.a)

    assert response.status_code == 404
    [error] = rows(response, "errors", "error")
    assert set(error) == ERROR_FIELDS
    assert int(error["code"]) == 404 and "12345-NOPE" in error["description"]


def test_a_hotline_case_answers_to_its_12345_number_and_to_ours(client, keys, cases):
    case = cases["open"]
    by_ours = get(client, f"requests/RT-{case.id}.json", api_key=keys.a)
    by_theirs = get(client, f"requests/{case.external_number}.json", api_key=keys.a)
    assert by_ours.status_code == by_theirs.status_code == 200
    assert by_ours.get_json() == by_theirs.get_json()
    [answer] = by_ours.get_json()
    assert answer["service_request_id"] == case.external_number and answer["roundtable_request_id"] == f"RT-{case.id}"


def ids(response) -> set[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return {r["service_request_id"] for r in response.get_json()}


def test_filters_by_status_service_code_and_dates(client, keys, cases):
    open_id, closed_id, old_id = cases["open"].external_number, f"RT-{cases['closed'].id}", "12345-OLD"

    assert ids(get(client, "requests.json", api_key=keys.a, status="open")) == {open_id}
    assert ids(get(client, "requests.json", api_key=keys.a, status="closed")) == {closed_id}
    assert ids(get(client, "requests.json", api_key=keys.a, status="open,closed")) == {open_id, closed_id}
    assert ids(get(client, "requests.json", api_key=keys.a, service_code="noise")) == {closed_id}
    two_days_ago = (utcnow() - timedelta(days=2)).isoformat()
    assert ids(get(client, "requests.json", api_key=keys.a, start_date=two_days_ago)) == {open_id}
    assert ids(get(client, "requests.json", api_key=keys.a, end_date=two_days_ago)) == {closed_id}
    last_year = (utcnow() - timedelta(days=365)).isoformat()
    assert ids(get(client, "requests.json", api_key=keys.a, start_date=last_year)) == {open_id, closed_id, old_id}


def test_without_dates_only_the_last_90_days_are_listed_but_ids_reach_further(client, keys, cases):
    assert "12345-OLD" not in ids(get(client, "requests.json", api_key=keys.a))
    asked = f"12345-OLD, RT-{cases['closed'].id}"
    assert ids(get(client, "requests.json", api_key=keys.a, service_request_id=asked, status="open")) == {
        "12345-OLD",
        f"RT-{cases['closed'].id}",
    }


def test_a_date_whose_plus_sign_became_a_space_is_still_understood(client, keys, cases):
    response = client.get(f"/open311/v2/requests.json?api_key={keys.a}&start_date=2000-01-01T00:00:00+08:00")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "params, message",
    [
        ({"start_date": "上周"}, "start_date 格式不正确"),
        ({"end_date": "2026-13-45"}, "end_date 格式不正确"),
        ({"start_date": "2026-11-02", "end_date": "2026-11-01"}, "start_date 不能晚于 end_date"),
        ({"service_code": "parking,potholes"}, "未知的 service_code「potholes」"),
        ({"status": "pending"}, "status 只能是 open 或 closed"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_malformed_filter_is_a_400_in_the_specs_error_form(client, keys, params, message, fmt):
    response = get(client, f"requests.{fmt}", api_key=keys.a, **params)

    assert response.status_code == 400
    [error] = rows(response, "errors", "error")
    assert int(error["code"]) == 400 and message in error["description"]


def test_services_of_an_unknown_jurisdiction_is_a_404(client):
    response = get(client, "services.json", jurisdiction_id="999")
    assert response.status_code == 404
    assert response.get_json()[0]["code"] == 404


def test_an_unknown_format_is_a_404_not_a_500(client):
    assert get(client, "services.csv").status_code == 404


def test_control_characters_pasted_into_a_description_do_not_break_the_xml(client, keys, world):
    make_case(world.a.community, world.a.secretary, description="暖气不热\x0b\x1f请尽快处理")
    db.session.commit()

    listed = rows(get(client, "requests.xml", api_key=keys.a))  # parses, or the test fails here

    assert "暖气不热请尽快处理" in [r["description"] for r in listed]
