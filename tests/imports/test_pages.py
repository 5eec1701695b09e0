"""The import pages as the secretary uses them: upload, read the report, import or discard."""
from __future__ import annotations

import re

import pytest
from flask import g
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

import roundtable.imports.operations as import_operations
from roundtable.cases.models import ImportBatch
from roundtable.core.errors import OperationError
from roundtable.extensions import db
from tests.imports.conftest import HEADER, case_count

ROWS = (
    "12345-2025110001,停车管理,一般,超时停车,西河沿街东口,李秀兰,13812345678,2025-11-20 14:30\n"
    "12345-2025110002,噪声扰民,一般,夜间噪声,圣都大厦,,,2025-11-21 22:00\n"
    "12345-2025110003,不存在的类别,一般,内容,地址,,,2025-11-21\n"
)


def batch_id_of(response) -> int:
    return int(re.search(r"/cases/import/(\d+)$", response.headers["Location"]).group(1))


def test_the_secretary_uploads_reads_the_report_and_imports(client, auth, world, upload):
    auth.login("a_secretary")
    before = case_count(world.a.community)

    response = upload((HEADER + ROWS).encode("gbk"))
    assert response.status_code == 302
    report = client.get(response.headers["Location"]).get_data(as_text=True)

    assert "第 4 行" in report and "未知类别「不存在的类别」" in report
    assert "导入 2 条工单" in report
    assert "13812345678" not in report  # the report never shows phones
    assert case_count(world.a.community) == before

    response = client.post(f"/cases/import/{batch_id_of(response)}/confirm", follow_redirects=True)
    assert "已导入 2 条工单" in response.get_data(as_text=True)
    assert case_count(world.a.community) == before + 2


def test_confirming_twice_is_refused_and_imports_nothing_more(client, auth, world, upload):
    auth.login("a_secretary")
    batch_id = batch_id_of(upload((HEADER + ROWS).encode()))
    client.post(f"/cases/import/{batch_id}/confirm")
    count = case_count(world.a.community)

    page = client.post(f"/cases/import/{batch_id}/confirm", follow_redirects=True).get_data(as_text=True)

    assert "已经导入过了,不能重复导入" in page
    assert case_count(world.a.community) == count


def test_a_discarded_batch_cannot_be_confirmed(client, auth, world, upload):
    auth.login("a_secretary")
    batch_id = batch_id_of(upload((HEADER + ROWS).encode()))
    before = case_count(world.a.community)
    client.post(f"/cases/import/{batch_id}/discard")

    page = client.post(f"/cases/import/{batch_id}/confirm", follow_redirects=True).get_data(as_text=True)

    assert "这次导入已放弃" in page
    assert case_count(world.a.community) == before
    assert db.session.get(ImportBatch, batch_id).valid_rows == []


def test_another_communitys_batch_is_not_found(client, auth, world, upload):
    auth.login("b_secretary")
    batch_id = batch_id_of(upload((HEADER + ROWS).encode()))
    auth.logout()
    g.pop("current_membership", None)  # the test app context outlives requests; a real one does not
    auth.login("a_secretary")

    assert client.get(f"/cases/import/{batch_id}").status_code == 404
    assert client.post(f"/cases/import/{batch_id}/confirm").status_code == 404
    assert db.session.get(ImportBatch, batch_id).status == "pending"


@pytest.mark.parametrize(
    "failure",
    [OperationError("模拟的失败"), IntegrityError("INSERT", {}, Exception("unique"))],
    ids=["refused row", "database constraint"],
)
def test_a_failure_midway_through_confirm_leaves_no_case_behind(client, auth, world, upload, monkeypatch, failure):
    auth.login("a_secretary")
    batch_id = batch_id_of(upload((HEADER + ROWS).encode()))
    before = case_count(world.a.community)
    real_create_case = import_operations.create_case
    calls = []

    def create_case_failing_on_the_second_row(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise failure
        return real_create_case(*args, **kwargs)

    monkeypatch.setattr(import_operations, "create_case", create_case_failing_on_the_second_row)
    response = client.post(f"/cases/import/{batch_id}/confirm", follow_redirects=True)

    assert response.status_code == 200
    assert len(calls) == 2  # the first row's case had been created before the failure
    assert case_count(world.a.community) == before
    db.session.expire_all()
    assert db.session.get(ImportBatch, batch_id).status == "pending"

    monkeypatch.undo()
    client.post(f"/cases/import/{batch_id}/confirm")
    assert case_count(world.a.community) == before + 2


@pytest.mark.parametrize(
    "data, filename, message",
    [
        (b"", "cases.csv", "文件是空的"),
        (b"\x00\x01\x02\x03binary", "photo.csv", "不是文本文件"),
        (b"[1, 2", "x.json", "JSON 格式错误"),
        ("编号,地址\n1,西河沿街\n".encode(), "cases.csv", "表头缺少必需的列"),
    ],
)
def test_a_bad_file_gets_a_clear_message_on_the_form_and_nothing_is_kept(client, auth, world, upload, data, filename, message):
    auth.login("a_secretary")

    response = upload(data, filename)

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalars(select(ImportBatch)).all() == []


def test_a_file_with_no_valid_rows_says_so_and_offers_no_import(client, auth, world, upload):
    auth.login("a_secretary")
    response = upload((HEADER + "x,不存在的类别,一般,内容,地址,,,2025-11-21\n").encode())

    page = client.get(response.headers["Location"]).get_data(as_text=True)

    assert "没有可以导入的新工单" in page
    assert "/confirm" not in page


def test_an_oversized_upload_is_refused_with_a_message(app, client, auth, world, upload):
    app.config["IMPORT_MAX_BYTES"] = 200
    auth.login("a_secretary")

    response = upload((HEADER + ROWS * 5).encode())

    assert response.status_code == 400
    assert "文件过大" in response.get_data(as_text=True)


@pytest.mark.parametrize("username", ["a_auditor", "a_resident"])
def test_only_the_secretary_imports(client, auth, world, upload, username):
    auth.login(username)
    assert client.get("/cases/import/").status_code == 403
    assert upload((HEADER + ROWS).encode()).status_code == 403
