"""A secretary brings the hotline's spreadsheet in: checked whole first, imported on confirmation."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from roundtable.cases.models import Case
from roundtable.core.errors import OperationError
from roundtable.core.time import format_local
from roundtable.extensions import db
from roundtable.imports.operations import check_file, import_batch
from tests.imports.conftest import HEADER, case_count

GOOD_ROW = "12345-2025110001,停车管理,一般,西河沿街超时停车,西河沿街东口,李秀兰,138 1234 5678,2025-11-20 14:30\n"


def check(world, text: str, filename: str = "cases.csv", encoding: str = "utf-8"):
    return check_file(world.a.community, world.a.secretary, filename, text.encode(encoding))


def test_every_bad_row_is_reported_with_its_line_and_reason_and_nothing_is_written(world):
    before = case_count(world.a.community)
    text = (
        HEADER
        + GOOD_ROW
        + '12345-2025110002,停车管理,一般,"多行的\n诉求内容",西河沿街,,,2025-11-20 15:00\n'
        + "12345-2025110003,修自行车,一般,内容,地址,,,2025-11-20\n"
        + "12345-2025110004,noise,一般,,地址,,,2025-11-20\n"
        + "12345-2025110005,noise,一般,内容,地址,,,昨天下午\n"
        + "12345-2025110006,noise,一般,内容,地址,,12,2025-11-20\n"
        + GOOD_ROW
    )

    batch = check(world, text)

    errors = {line["line"]: line["reason"] for line in batch.errors if line["kind"] == "error"}
    assert set(errors) == {5, 6, 7, 8}  # line 3-4 is one quoted record, so the next starts on line 5
    assert "未知类别「修自行车」" in errors[5]
    assert "诉求内容" in errors[6] and "不能为空" in errors[6]
    assert "无法识别的时间「昨天下午」" in errors[7]
    assert "电话号码格式不正确" in errors[8]
    duplicates = [line for line in batch.errors if line["kind"] == "duplicate"]
    assert [(d["line"], d["reason"]) for d in duplicates] == [(9, "与第 2 行的工单编号重复")]
    assert [row["line"] for row in batch.valid_rows] == [2, 3]
    assert batch.skipped_count == 1
    assert case_count(world.a.community) == before


def test_confirming_imports_the_valid_rows_with_an_imported_event_naming_the_file(world):
    batch = check(world, HEADER + GOOD_ROW + "bad,不存在的类别,一般,内容,地址,,,2025-11-20\n", filename="11月派单.csv")
    db.session.commit()

    created = import_batch(batch, world.a.secretary)
    db.session.commit()

    assert created == 1
    case = db.session.scalar(select(Case).where(Case.external_number == "12345-2025110001"))
    assert case.community_id == world.a.community.id
    assert case.source == "csv"
    assert case.category == "parking" and case.urgency == "ordinary"
    assert case.complainant_phone == "13812345678"
    assert format_local(case.received_at) == "2025-11-20 14:30"  # Beijing time, as on the work order
    assert [(e.kind, e.note) for e in case.events] == [("imported", "从文件「11月派单.csv」第 2 行导入")]
    assert batch.status == "imported" and batch.created_count == 1
    assert batch.valid_rows == []  # the phones now live only in the cases


def test_the_csv_source_column_and_chinese_labels_are_understood(world):
    text = "编号,来源,类别,紧急程度,问题描述,诉求地址,来电时间\n" "2025-77,12345热线,供水供暖,水电气热,暖气不热,双旗杆东里3号,2025/11/20 08:05\n"
    batch = check(world, text)
    import_batch(batch, world.a.secretary)
    db.session.commit()

    case = db.session.scalar(select(Case).where(Case.external_number == "2025-77"))
    assert (case.source, case.category, case.urgency) == ("hotline", "water_heating", "utilities")


def test_reimporting_the_same_file_creates_no_duplicates(world):
    text = HEADER + GOOD_ROW
    import_batch(check(world, text), world.a.secretary)
    db.session.commit()
    count = case_count(world.a.community)

    again = check(world, text)

    assert again.valid_rows == []
    assert [(d["line"], d["reason"]) for d in again.errors] == [(2, "该工单已导入过,将跳过")]
    with pytest.raises(OperationError, match="没有可导入的新工单"):
        import_batch(again, world.a.secretary)
    assert case_count(world.a.community) == count


def test_rows_filed_between_check_and_confirm_are_skipped_not_doubled(world):
    text = HEADER + GOOD_ROW + GOOD_ROW.replace("110001", "110002")
    first = check(world, text)
    second = check(world, text)
    import_batch(first, world.a.secretary)
    db.session.commit()

    assert import_batch(second, world.a.secretary) == 0
    assert second.skipped_count == 2


def test_a_gbk_csv_from_chinese_excel_is_read(world):
    batch = check(world, HEADER + GOOD_ROW, encoding="gbk")
    import_batch(batch, world.a.secretary)
    db.session.commit()

    case = db.session.scalar(select(Case).where(Case.external_number == "12345-2025110001"))
    assert case.description == "西河沿街超时停车"
    assert case.complainant_name == "李秀兰"


def test_a_utf8_csv_with_bom_is_read(world):
    batch = check_file(world.a.community, world.a.secretary, "x.csv", ("\ufeff" + HEADER + GOOD_ROW).encode())
    assert [row["fields"]["external_number"] for row in batch.valid_rows] == ["12345-2025110001"]


BAD_FILES = {
    "empty": (b"", "文件是空的"),
    "only blanks": (b"\r\n  \n", "文件是空的"),
    "only a header": (HEADER.encode(), "没有工单数据"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "不是文本文件"),
    "excel workbook": (b"PK\x03\x04\x14\x00\x06\x00", "另存为」CSV"),
    "utf-16": ("工单编号\n".encode("utf-16"), "UTF-16"),
    "missing columns": ("编号,地址\n1,西河沿街\n".encode(), "表头缺少必需的列:类别、诉求内容"),
    "unknown encoding": (HEADER.encode() + b"\xff\xfe\xfa,\x81\n", "无法识别文件编码"),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_an_unreadable_file_is_refused_with_a_clear_reason(world, name):
    data, reason = BAD_FILES[name]
    with pytest.raises(OperationError) as refused:
        check_file(world.a.community, world.a.secretary, "cases.csv", data)
    assert reason in refused.value.message


def test_an_oversized_file_is_refused(app, world):
    app.config["IMPORT_MAX_BYTES"] = 1024
    with pytest.raises(OperationError, match="文件过大"):
        check(world, HEADER + GOOD_ROW * 20)
