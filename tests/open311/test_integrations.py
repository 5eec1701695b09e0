"""Open311 for real integrations: the sender's own numbers, other systems' service codes, public read, pages."""
from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from werkzeug.serving import make_server

from roundtable import create_app
from roundtable.cases.models import Case
from roundtable.config import TestConfig
from roundtable.core.time import utcnow
from roundtable.extensions import db
from roundtable.imports.operations import check_file, import_batch
from roundtable.open311.models import ServiceCodeMapping
from roundtable.open311.operations import add_code_mapping
from roundtable.open311.queries import PUBLIC_FIELDS
from tests.factories import make_case

# A feed as another 12345 system sends it: its own numbers, its own service codes.
FEED = [
    {"service_request_id": "BJ12345-20260305-0043", "service_code": "traffic-parking", "status": "open",
     "description": "西河沿街夜间超时停车,胡同堵死", "address": "西河沿街12号",
     "requested_datetime": "2026-03-05T08:15:00+08:00"},
    {"service_request_id": "BJ12345-20260305-0044", "service_code": "road", "status": "open",
     "description": "路面塌陷有积水", "address": "前门东大街3号", "requested_datetime": "2026-03-05T09:02:11+08:00"},
    {"service_request_id": "BJ12345-20260305-0045", "service_code": "noise", "status": "open",
     "description": "广场舞噪声", "address": "草厂三条7号", "requested_datetime": "2026-03-05T20:30:00+08:00"},
    {"service_request_id": "BJ12345-20260305-0046", "service_code": "road", "status": "closed",
     "description": "井盖松动", "address": "长巷头条2号", "requested_datetime": "2026-03-05T10:00:00+08:00",
     "updated_datetime": "2026-03-06T10:00:00+08:00"},
    {"service_request_id": "BJ12345-20260305-0047", "service_code": "traffic-parking", "status": "open",
     "description": "消防通道被占", "address": "鲜鱼口街1号", "requested_datetime": "2026-03-05T11:00:00+08:00"},
    {"service_request_id": "BJ12345-20260305-0048", "service_code": "graffiti", "status": "open",
     "description": "墙上小广告", "address": "大江胡同5号", "requested_datetime": "2026-03-05T12:00:00+08:00"},
]


def get(client, path, **params):
    return client.get(f"/open311/v2/{path}", query_string=params)


def _map(world, **codes):
    for code, category in codes.items():
        add_code_mapping(world.a.community, code.replace("_", "-"), category, world.a.secretary)
    db.session.commit()


def test_a_feed_imports_through_the_code_mapping_and_unmapped_codes_are_named_not_guessed(world):
    _map(world, traffic_parking="parking", road="roads")
    batch = check_file(world.a.community, world.a.secretary, "feed.json", json.dumps(FEED, ensure_ascii=False).encode())
    assert [line["reason"] for line in batch.errors] == [
        "未知的 service_code「graffiti」:没有对应的类别,请先在“Open311 代码对照”中添加"]
    assert import_batch(batch, world.a.secretary) == 5
    db.session.commit()
    cases = {c.external_number: c for c in db.session.scalars(db.select(Case).where(Case.source == "open311"))}
    assert cases["BJ12345-20260305-0043"].category == "parking"
    assert cases["BJ12345-20260305-0044"].category == "roads" and cases["BJ12345-20260305-0045"].category == "noise"
    # Another community's mapping is not ours: B has none, so B's check refuses both codes.
    batch_b = check_file(world.b.community, world.b.secretary, "feed.json", json.dumps(FEED[:2]).encode())
    assert len(batch_b.errors) == 2 and not batch_b.valid_rows


def test_the_sender_reads_its_requests_back_by_its_own_numbers(client, keys, world):
    _map(world, traffic_parking="parking", road="roads")
    import_batch(check_file(world.a.community, world.a.secretary, "feed.json", json.dumps(FEED[:2]).encode()),
                 world.a.secretary)
    db.session.commit()
    case = db.session.scalar(db.select(Case).where(Case.external_number == "BJ12345-20260305-0043"))
    [answer] = get(client, "requests/BJ12345-20260305-0043.json", api_key=keys.a).get_json()
    assert answer["service_request_id"] == "BJ12345-20260305-0043"
    assert answer["roundtable_request_id"] == f"RT-{case.id}"
    # Ours works too, and both in one list query.
    assert get(client, f"requests/RT-{case.id}.json", api_key=keys.a).get_json() == [answer]
    listed = get(client, "requests.json", api_key=keys.a,
                 service_request_id="BJ12345-20260305-0043,BJ12345-20260305-0044").get_json()
    assert {r["service_request_id"] for r in listed} == {"BJ12345-20260305-0043", "BJ12345-20260305-0044"}
    # Another community's key does not reach them.
    assert get(client, "requests/BJ12345-20260305-0043.json", api_key=keys.b).status_code == 404


def test_post_takes_a_mapped_code_and_refuses_an_unmapped_one_by_name(client, keys, world):
    data = {"api_key": keys.a, "service_code": "traffic-parking", "description": "夜间超时停车", "address_string": "西河沿街8号"}
    refused = client.post("/open311/v2/requests.json", data=data)
    assert refused.status_code == 400 and "traffic-parking" in refused.get_json()[0]["description"]
    _map(world, traffic_parking="parking")
    filed = client.post("/open311/v2/requests.json", data=data)
    assert filed.status_code == 201
    number = filed.get_json()[0]["service_request_id"]
    case = db.session.get(Case, int(number.removeprefix("RT-")))
    assert case.category == "parking" and case.external_number == number
    # The mapped code also filters a list.
    listed = get(client, "requests.json", api_key=keys.a, service_code="traffic-parking").get_json()
    assert number in {r["service_request_id"] for r in listed}
    # B's key: B has no such mapping.
    assert client.post("/open311/v2/requests.json", data={**data, "api_key": keys.b}).status_code == 400


def test_reads_need_a_key_unless_public_read_is_on_and_then_carry_no_personal_data(app, client, keys, world):
    case = world.a.case
    case.latitude, case.longitude = 39.899, 116.398
    db.session.commit()
    assert get(client, "requests.json").status_code == 403
    assert get(client, f"requests/{case.external_number}.json").status_code == 403

    app.config["OPEN311_PUBLIC_READ"] = True
    public = get(client, "requests.json").get_json()
    assert public and all(set(item) == set(PUBLIC_FIELDS) for item in public)
    mine = next(item for item in public if item["service_request_id"] == case.external_number)
    assert mine["address"] == world.a.community.name  # the community, not the building
    body = json.dumps(public, ensure_ascii=False)
    for personal in (case.complainant_name, case.complainant_phone, case.address, case.description, "39.899"):
        assert personal not in body
    # Both communities without jurisdiction_id; one with it.
    assert {item["address"] for item in public} == {world.a.community.name, world.b.community.name}
    only_b = get(client, "requests.json", jurisdiction_id=str(world.b.community.id)).get_json()
    assert {item["address"] for item in only_b} == {world.b.community.name}
    assert get(client, "requests.json", jurisdiction_id="999999").status_code == 404
    [one] = get(client, f"requests/{case.external_number}.json").get_json()
    assert set(one) == set(PUBLIC_FIELDS)
    xml = get(client, f"requests/{case.external_number}.xml")
    assert xml.status_code == 200 and case.complainant_phone.encode() not in xml.data
    # A key still reads every field, and a wrong key is refused even now.
    [keyed] = get(client, f"requests/{case.external_number}.json", api_key=keys.a).get_json()
    assert keyed["description"] == case.description
    assert get(client, "requests.json", api_key="rt_wrong").status_code == 403
    # Filing always needs a key.
    assert client.post("/open311/v2/requests.json", data={"service_code": "noise", "description": "x",
                                                         "address_string": "y"}).status_code == 403


def test_the_pagination_extension_pages_the_list_with_links(client, keys, world):
    for number in range(7):
        make_case(world.a.community, world.a.secretary, external_number=f"P-{number}",
                  received_at=utcnow() - timedelta(hours=number + 2))
    db.session.commit()
    everything = [r["service_request_id"] for r in get(client, "requests.json", api_key=keys.a).get_json()]
    assert len(everything) == 8  # with the world's own case
    pages, page, link = [], 1, None
    while True:
        response = get(client, "requests.json", api_key=keys.a, page=page, page_size=3)
        assert response.status_code == 200
        pages.append([r["service_request_id"] for r in response.get_json()])
        link = response.headers.get("Link", "")
        if 'rel="next"' not in link:
            break
        assert f"page={page + 1}" in link and "page_size=3" in link
        page += 1
    assert [len(p) for p in pages] == [3, 3, 2]
    assert [n for p in pages for n in p] == everything
    assert 'rel="prev"' in link
    assert get(client, "requests.json", api_key=keys.a, page=9, page_size=3).get_json() == []
    for bad in ({"page": "0"}, {"page": "x"}, {"page_size": "1001"}, {"page_size": "-1"}):
        response = get(client, "requests.json", api_key=keys.a, **bad)
        assert response.status_code == 400, bad
        assert list(bad)[0] in response.get_json()[0]["description"]


@pytest.fixture
def live_server(app):
    """The app with public read on, served on a loopback port for a real HTTP client."""
    served = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                        OPEN311_PUBLIC_READ=True)
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/open311/v2"
    server.shutdown()
    thread.join(timeout=5)
    with served.app_context():
        db.session.remove()
        db.engine.dispose()


def test_the_stock_georeport_client_reads_without_a_key(live_server, world):
    georeport = pytest.importorskip("georeport")
    client = georeport.GeoReport(live_server, jurisdiction=str(world.a.community.id))
    services = client.get_service_list()
    assert {"parking", "noise"} <= {s["service_code"] for s in services}
    requests = client.get_service_requests()
    assert [r["service_request_id"] for r in requests] == [world.a.case.external_number]
    one = client.get_service_request(world.a.case.external_number)
    assert set(one) == set(PUBLIC_FIELDS) and one["status"] == "open"
    xml_client = georeport.GeoReport(live_server, jurisdiction=str(world.a.community.id), output_format="xml")
    assert xml_client.get_service_request(world.a.case.external_number)["service_request_id"] == world.a.case.external_number


def test_the_code_mapping_page_adds_refuses_and_deletes(client, auth, world):
    auth.login("a_secretary")
    page = client.get("/cases/open311-codes/")
    assert page.status_code == 200 and "Open311 代码对照" in page.get_data(as_text=True)
    response = client.post("/cases/open311-codes/", data={"external_code": "traffic-parking", "category": "parking"})
    assert response.status_code == 302
    mapping = db.session.scalar(db.select(ServiceCodeMapping))
    assert (mapping.community_id, mapping.external_code, mapping.category) == (world.a.community.id, "traffic-parking", "parking")
    again = client.post("/cases/open311-codes/", data={"external_code": "traffic-parking", "category": "roads"})
    assert again.status_code == 400 and "已经有对照" in again.get_data(as_text=True)
    ours = client.post("/cases/open311-codes/", data={"external_code": "noise", "category": "roads"})
    assert ours.status_code == 400 and "无需对照" in ours.get_data(as_text=True)
    bad = client.post("/cases/open311-codes/", data={"external_code": "x", "category": "nonsense"})
    assert bad.status_code == 400
    page = client.get("/cases/open311-codes/").get_data(as_text=True)
    assert "<code>traffic-parking</code>" in page
    assert client.post(f"/cases/open311-codes/{mapping.id}/delete").status_code == 302
    assert db.session.scalar(db.select(ServiceCodeMapping)) is None


def test_only_the_communitys_secretary_maps_codes(client, auth, world):
    add_code_mapping(world.b.community, "road", "roads", world.b.secretary)
    db.session.commit()
    b_mapping = db.session.scalar(db.select(ServiceCodeMapping))
    auth.login("a_secretary")
    assert client.post(f"/cases/open311-codes/{b_mapping.id}/delete").status_code == 404
    assert "<code>road</code>" not in client.get("/cases/open311-codes/").get_data(as_text=True)
    auth.logout()
    for user in ("a_auditor", "a_resident"):
        auth.login(user)
        assert client.get("/cases/open311-codes/").status_code == 403
        assert client.post("/cases/open311-codes/", data={"external_code": "x", "category": "roads"}).status_code == 403
        auth.logout()
