"""``flask apikey``: a community's key is issued once, works, and stops working when revoked."""
from __future__ import annotations

from sqlalchemy import select

from roundtable.extensions import db
from roundtable.open311.models import ApiKey


def test_apikey_create_prints_a_key_that_reads_its_communitys_cases(runner, client, world):
    result = runner.invoke(args=["apikey", "create", "--community", "西河沿社区", "--label", "12345 platform"])

    assert result.exit_code == 0, result.output
    key = result.output.strip().splitlines()[-1]
    assert key.startswith("rt_")
    stored = db.session.scalars(select(ApiKey)).one()
    assert (stored.community_id, stored.label) == (world.a.community.id, "12345 platform")
    assert stored.key_hash == ApiKey.hash_key(key) and key not in stored.key_hash  # only the hash is kept
    listed = client.get("/open311/v2/requests.json", query_string={"api_key": key}).get_json()
    assert [r["service_request_id"] for r in listed] == [world.a.case.external_number]


def test_apikey_create_for_an_unknown_community_fails_clearly(runner, world):
    result = runner.invoke(args=["apikey", "create", "--community", "不存在社区"])

    assert result.exit_code != 0
    assert "no community named" in result.output
    assert db.session.scalars(select(ApiKey)).all() == []


def test_a_revoked_key_stops_working(runner, client, world):
    key = runner.invoke(args=["apikey", "create", "--community", "西河沿社区"]).output.strip().splitlines()[-1]
    key_id = db.session.scalars(select(ApiKey.id)).one()

    result = runner.invoke(args=["apikey", "revoke", str(key_id)])

    assert result.exit_code == 0, result.output
    assert client.get("/open311/v2/requests.json", query_string={"api_key": key}).status_code == 403
    listing = runner.invoke(args=["apikey", "list"]).output
    assert "revoked" in listing and key not in listing
