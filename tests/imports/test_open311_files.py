"""Another system's Open311 GeoReport v2 export, as a JSON array or XML, brought in as cases."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from roundtable.cases.models import Case
from roundtable.core.errors import OperationError
from roundtable.extensions import db
from roundtable.imports.operations import check_file, import_batch

REQUESTS = [
    {
        "service_request_id": "SR-1",
        "status": "open",
        "service_code": "noise",
        "description": "机械车库夜间噪声",
        "address": "圣都大厦",
        "requested_datetime": "2025-11-20T22:10:00+08:00",
        "lat": 39.89,
        "long": 116.39,
    },
    {
        "service_request_id": "SR-2",
        "status": "closed",
        "service_code": "roads",
        "description": "路灯不亮",
        "address_string": "黄寺大街24号院",
        "requested_datetime": "2025-11-01T09:00:00Z",
        "updated_datetime": "2025-11-03T09:00:00Z",
    },
    {"service_request_id": "SR-3", "service_code": "potholes", "description": "坑", "address": "某路"},
    {"service_request_id": "SR-4", "status": "pending", "service_code": "noise", "description": "吵", "address": "某处"},
    {"service_request_id": "SR-5", "service_code": "noise", "description": "只有坐标", "lat": "39.9", "long": "116.4"},
]


def as_json(requests) -> bytes:
    return ("[\n" + ",\n".join(json.dumps(item, ensure_ascii=False) for item in requests) + "\n]").encode()


def as_xml(requests) -> bytes:
    parts = ['<?xml version="1.0" encoding="utf-8"?><service_requests>']  # requests from line 2, as in JSON
    for item in requests:
        parts.append("<request>" + "".join(f"<{k}>{v}</{k}>" for k, v in item.items()) + "</request>")
    parts.append("</service_requests>")
    return "\n".join(parts).encode()


@pytest.mark.parametrize("filename, encode", [("export.json", as_json), ("export.xml", as_xml)])
def test_an_open311_export_is_checked_and_imported(world, filename, encode):
    batch = check_file(world.a.community, world.a.secretary, filename, encode(REQUESTS))

    assert batch.file_format == ("open311_json" if filename.endswith("json") else "open311_xml")
    errors = {line["line"]: line["reason"] for line in batch.errors}
    assert errors == {
        4: "未知的 service_code「potholes」:没有对应的类别,请先在“Open311 代码对照”中添加",
        5: "未知的 status「pending」,应为 open 或 closed",
    }
    assert [row["line"] for row in batch.valid_rows] == [2, 3, 6]

    assert import_batch(batch, world.a.secretary) == 3
    db.session.commit()
    cases = {c.external_number: c for c in db.session.scalars(select(Case).where(Case.source == "open311"))}
    assert set(cases) == {"SR-1", "SR-2", "SR-5"}
    assert cases["SR-1"].status == "received" and cases["SR-1"].latitude == pytest.approx(39.89)
    # "closed" in Open311 means resolved where it came from.
    assert cases["SR-2"].status == "closed_resolved"
    assert cases["SR-2"].closed_at.isoformat() == "2025-11-03T09:00:00+00:00"
    assert cases["SR-2"].address == "黄寺大街24号院"
    assert cases["SR-5"].address == "坐标 39.9,116.4"
    assert cases["SR-1"].events[0].kind == "imported" and filename in cases["SR-1"].events[0].note


def test_importing_an_open311_export_twice_creates_nothing_new(world):
    import_batch(check_file(world.a.community, world.a.secretary, "x.json", as_json(REQUESTS[:2])), world.a.secretary)
    db.session.commit()

    again = check_file(world.a.community, world.a.secretary, "x.json", as_json(REQUESTS[:2]))

    assert again.valid_rows == [] and again.skipped_count == 2


UNREADABLE = {
    "broken json": ("x.json", b'[\n{"service_request_id": "1",\n "service_code" "noise"}\n]', "JSON 格式错误(第 3 行)"),
    "json object instead of array": ("x.json", b'{"service_requests": []}', "应是请求的数组"),
    "empty json array": ("x.json", b"[ ]", "没有工单数据"),
    "broken xml": ("x.xml", b"<service_requests>\n<request>\n</service_requests>", "XML 格式错误(第 3 行)"),
    "wrong xml root": ("x.xml", b"<services><service/></services>", "<service_requests>"),
    "xml entity bomb": (
        "x.xml",
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
        b"<service_requests><request><description>&b;</description></request></service_requests>",
        "DTD",
    ),
}


@pytest.mark.parametrize("name", UNREADABLE)
def test_a_malformed_open311_file_is_refused_with_a_clear_reason(world, name):
    filename, data, reason = UNREADABLE[name]
    with pytest.raises(OperationError) as refused:
        check_file(world.a.community, world.a.secretary, filename, data)
    assert reason in refused.value.message


def test_the_format_is_recognised_from_the_content_when_the_name_says_nothing(world):
    batch = check_file(world.a.community, world.a.secretary, "download", as_xml(REQUESTS[:1]))
    assert batch.file_format == "open311_xml"
