"""Another system files a resident's request through Open311; every refusal is in the spec's form."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from roundtable import create_app
from roundtable.cases.models import Case
from roundtable.config import TestConfig
from roundtable.core.time import utcnow
from roundtable.extensions import db
from roundtable.open311.models import ApiKey
from tests.open311.conftest import ERROR_FIELDS, POST_ANSWER_FIELDS, rows

GOOD = {
    "service_code": "noise",
    "description": "楼下商户夜间装卸货,噪声很大",
    "address_string": "西河沿街8号",
    "first_name": "建国",
    "last_name": "王",
    "phone": "13987654321",
    "email": "wjg@example.com",
    "attribute[WHISPER]": "ignored",
}


def case_count() -> int:
    return db.session.scalar(select(func.count(Case.id)))


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_request_is_filed_as_an_open311_case_of_the_keys_community(client, keys, world, fmt):
    response = client.post(f"/open311/v2/requests.{fmt}", data={**GOOD, "api_key": keys.a})

    assert response.status_code == 201
    [answer] = rows(response)
    assert set(answer) == POST_ANSWER_FIELDS
    assert answer["service_request_id"].startswith("RT-")
    assert "已受理" in answer["service_notice"]
    case = db.session.get(Case, int(answer["service_request_id"][3:]))
    assert case.community_id == world.a.community.id
    assert (case.source, case.category, case.status) == ("open311", "noise", "received")
    assert case.external_number == answer["service_request_id"]
    assert (case.complainant_name, case.complainant_phone) == ("王建国", "13987654321")
    assert case.events[0].kind == "created"
    read_back = client.get(f"/open311/v2/requests/{answer['service_request_id']}.json", query_string={"api_key": keys.a})
    assert read_back.get_json()[0]["description"] == GOOD["description"]


def test_a_location_by_coordinates_alone_is_enough(client, keys):
    data = {"api_key": keys.a, "service_code": "roads", "description": "井盖缺失", "lat": "39.8963", "long": "116.3912"}
    response = client.post("/open311/v2/requests.json", data=data)

    assert response.status_code == 201
    case = db.session.get(Case, int(response.get_json()[0]["service_request_id"][3:]))
    assert (case.latitude, case.longitude) == (pytest.approx(39.8963), pytest.approx(116.3912))


def test_a_json_body_is_accepted_too(client, keys):
    response = client.post("/open311/v2/requests.json", json={**GOOD, "api_key": keys.a})
    assert response.status_code == 201


def without(name: str) -> dict:
    return {key: value for key, value in GOOD.items() if key != name}


REFUSALS = {
    "no service_code": (without("service_code"), 400, "缺少 service_code"),
    "unknown service_code": ({**GOOD, "service_code": "potholes"}, 400, "未知的 service_code「potholes」"),
    "no location": (without("address_string"), 400, "缺少位置"),
    "no description": (without("description"), 400, "description: 不能为空"),
    "over-long description": ({**GOOD, "description": "吵" * 4001}, 400, "description: 不能超过4000个字符"),
    "over-long address": ({**GOOD, "address_string": "街" * 201}, 400, "address_string: 不能超过200个字符"),
    "over-long name": ({**GOOD, "first_name": "名" * 70}, 400, "first_name/last_name: 不能超过64个字符"),
    "bad phone": ({**GOOD, "phone": "call me"}, 400, "phone: 电话号码格式不正确"),
    "bad coordinates": ({**without("address_string"), "lat": "north", "long": "116.4"}, 400, "lat: 必须是有效的坐标数字"),
}


@pytest.mark.parametrize("name", REFUSALS)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_bad_request_is_refused_in_the_specs_error_form_and_files_nothing(client, keys, name, fmt):
    data, status, message = REFUSALS[name]
    before = case_count()

    response = client.post(f"/open311/v2/requests.{fmt}", data={**data, "api_key": keys.a})

    assert response.status_code == status
    [error] = rows(response, "errors", "error")
    assert set(error) == ERROR_FIELDS
    assert int(error["code"]) == status and message in error["description"]
    assert case_count() == before


def test_a_missing_wrong_or_revoked_key_is_refused_with_403(client, keys, world):
    revoked, revoked_key = ApiKey.issue(world.a.community.id, "old")
    revoked.revoked_at = utcnow()
    db.session.commit()
    before = case_count()

    for key in (None, "rt_not-a-key", revoked_key):
        data = dict(GOOD) if key is None else {**GOOD, "api_key": key}
        for fmt in ("json", "xml"):
            response = client.post(f"/open311/v2/requests.{fmt}", data=data)
            assert response.status_code == 403
            [error] = rows(response, "errors", "error")
            assert int(error["code"]) == 403 and "api_key" in error["description"]
        assert client.get("/open311/v2/requests.json", query_string={"api_key": key or ""}).status_code == 403
    assert case_count() == before


def test_only_the_open311_api_is_exempt_from_csrf(app, keys, world):
    """With CSRF on (as in production), the API works without a token and a page form does not."""
    protected = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], WTF_CSRF_ENABLED=True)
    try:
        client = protected.test_client()
        assert client.post("/open311/v2/requests.json", data={**GOOD, "api_key": keys.a}).status_code == 201
        client.post("/login", data={"username": "a_secretary", "password": "secret-pass-1"})
        assert client.post("/cases/import/", data={}).status_code == 400
    finally:
        with protected.app_context():
            db.session.remove()
            db.engine.dispose()
