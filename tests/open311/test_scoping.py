"""A key belongs to one community: it never reads or files another community's cases,
and no Open311 answer ever carries a complainant's name or phone."""
from __future__ import annotations

import json

import pytest

from roundtable.cases.models import Case
from roundtable.extensions import db
from tests.open311.conftest import rows


def test_a_key_of_a_lists_only_as_cases(client, keys, world):
    listed = rows(client.get("/open311/v2/requests.json", query_string={"api_key": keys.a}))
    assert [r["service_request_id"] for r in listed] == [world.a.case.external_number]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_key_of_a_cannot_read_bs_case_by_its_number(client, keys, world, fmt):
    number = world.b.case.external_number
    response = client.get(f"/open311/v2/requests/{number}.{fmt}", query_string={"api_key": keys.a})
    assert response.status_code == 404
    listed = client.get("/open311/v2/requests.json", query_string={"api_key": keys.a, "service_request_id": number})
    assert listed.get_json() == []
    # B's own key does reach it: the 404 above is scoping, not a missing case.
    assert client.get(f"/open311/v2/requests/{number}.json", query_string={"api_key": keys.b}).status_code == 200


def test_a_key_of_a_cannot_read_b_by_naming_bs_jurisdiction(client, keys, world):
    response = client.get(
        "/open311/v2/requests.json", query_string={"api_key": keys.a, "jurisdiction_id": world.b.community.id}
    )
    assert response.status_code == 404
    assert "jurisdiction_id" in response.get_json()[0]["description"]
    own = client.get("/open311/v2/requests.json", query_string={"api_key": keys.a, "jurisdiction_id": world.a.community.id})
    assert own.status_code == 200


def test_a_key_of_a_files_into_a_even_when_naming_b(client, keys, world):
    data = {"api_key": keys.a, "service_code": "noise", "description": "噪声", "address_string": "西河沿街"}

    refused = client.post("/open311/v2/requests.json", data={**data, "jurisdiction_id": world.b.community.id})
    filed = client.post("/open311/v2/requests.json", data=data)

    assert refused.status_code == 404
    assert filed.status_code == 201
    assert db.session.scalars(db.select(Case.community_id).where(Case.source == "open311")).all() == [
        world.a.community.id
    ]


def test_no_open311_answer_carries_a_complainants_name_or_phone(client, keys, world):
    """The world's cases were filed by 李秀兰, 13812345678; this one through Open311 by 王建国."""
    filed = client.post(
        "/open311/v2/requests.xml",
        data={"api_key": keys.a, "service_code": "noise", "description": "噪声", "address_string": "西河沿街",
              "first_name": "建国", "last_name": "王", "phone": "139-8765-4321"},
    )
    new_id = rows(filed)[0]["service_request_id"]
    answers = [filed]
    for fmt in ("json", "xml"):
        for path in ("requests", f"requests/{new_id}", f"requests/{world.a.case.external_number}"):
            answers.append(client.get(f"/open311/v2/{path}.{fmt}", query_string={"api_key": keys.a}))
        answers.append(client.get(f"/open311/v2/services.{fmt}"))
        answers.append(client.get(f"/open311/v2/discovery.{fmt}"))
    assert all(answer.status_code in (200, 201) for answer in answers)

    everything = "\n".join(answer.get_data(as_text=True) for answer in answers)
    for personal in ("李秀兰", "王建国", "建国", "13812345678", "13987654321", "138****5678", "139****4321"):
        assert personal not in everything
    assert world.a.case.description in everything  # the test did read the cases themselves


def test_the_import_report_keeps_no_phone_once_imported(client, keys, world):
    """Between check and confirm the rows live in the batch; after it, only in the cases."""
    from roundtable.cases.models import ImportBatch
    from roundtable.imports.operations import check_file, import_batch

    text = "工单编号,类别,诉求内容,地址,联系电话\n12345-P1,noise,吵,西河沿街,13700001111\n"
    batch = check_file(world.a.community, world.a.secretary, "p.csv", text.encode())
    import_batch(batch, world.a.secretary)
    db.session.commit()
    assert "13700001111" not in json.dumps(db.session.get(ImportBatch, batch.id).valid_rows)
