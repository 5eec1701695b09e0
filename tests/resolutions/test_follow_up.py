"""After publication: units report progress with evidence, overdue promises stand out, cases get replied.

The evidence is photos and documents of residents' streets: only the unit and
the community's staff may open them, and only files that really are JPEG,
PNG or PDF, within the size limit, are accepted.
"""
from __future__ import annotations

import io
from datetime import timedelta

import pytest

from roundtable.core.errors import OperationError
from roundtable.core.time import utcnow
from roundtable.extensions import db
from roundtable.resolutions import operations
from roundtable.resolutions.queries import overdue_commitments

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%test evidence\n"


def test_a_unit_reports_progress_with_evidence_only_the_entitled_can_open(world, published, client, login):
    traffic = published.commitments[0]
    login("traffic_staff")
    response = client.post(
        f"/commitments/{traffic.id}/progress",
        data={"note": "已安排每日两次巡查", "files": [(io.BytesIO(PNG), "巡查照片.png"), (io.BytesIO(PDF), "排班表.pdf")]},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "进展已记录" in response.get_data(as_text=True)
    db.session.expire_all()
    (report,) = traffic.reports
    assert [(f.filename, f.content_type) for f in report.files] == [("巡查照片.png", "image/png"), ("排班表.pdf", "application/pdf")]
    url = f"/commitments/{traffic.id}/evidence/{report.files[0].id}"
    download = client.get(url)
    assert download.status_code == 200 and download.data == PNG
    assert download.headers["X-Content-Type-Options"] == "nosniff" and "attachment" in download.headers["Content-Disposition"]
    login("a_secretary")
    assert client.get(url).status_code == 200
    login("a_property_staff")  # another unit of the same resolution
    assert client.get(url).status_code == 404
    login("b_secretary")
    assert client.get(url).status_code == 404
    login("a_resident")
    assert client.get(url).status_code == 404


def test_uploads_are_limited_by_type_size_and_number(world, published, app):
    traffic = published.commitments[0]
    staff = world.department_staff
    cases = [
        ([operations.Upload("假图片.png", b"<html><script>alert(1)</script>")], "不是 JPEG、PNG 图片或 PDF"),
        ([operations.Upload("大.pdf", b"%PDF-" + b"0" * operations.EVIDENCE_MAX_BYTES)], "超过5MB"),
        ([operations.Upload(f"{n}.png", PNG) for n in range(operations.EVIDENCE_MAX_FILES + 1)], "最多上传5个"),
        ([operations.Upload("空.png", b"")], "是空的"),
    ]
    for uploads, message in cases:
        with pytest.raises(OperationError, match=message):
            operations.report_progress(traffic, staff, "进展", False, uploads)
        db.session.rollback()
    assert traffic.reports == []


def test_a_too_large_request_gets_a_clear_page(world, published, client, login, app):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    login("traffic_staff")
    response = client.post(
        f"/commitments/{published.commitments[0].id}/progress",
        data={"note": "x", "files": [(io.BytesIO(PNG * 40), "大.png")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413 and "上传的文件过大" in response.get_data(as_text=True)


def test_progress_needs_a_published_resolution_and_the_units_own_staff(world, drafted):
    with pytest.raises(OperationError, match="发布后"):
        operations.report_progress(drafted.commitments[0], world.department_staff, "提前报告", False, [])
    with pytest.raises(OperationError, match="只有承诺单位"):
        operations.report_progress(drafted.commitments[0], world.organization_staff, "代报", False, [])


def test_overdue_commitments_stand_out_for_the_secretary_and_the_department(world, published, client, login):
    traffic = published.commitments[0]
    traffic.deadline = utcnow() - timedelta(days=1)
    db.session.commit()
    assert overdue_commitments(world.a.community.id) == [traffic]
    assert overdue_commitments(world.b.community.id) == []
    login("a_secretary")
    page = client.get("/resolutions/").get_data(as_text=True)
    assert "commitment-overdue" in page and traffic.action in page
    login("traffic_staff")
    page = client.get("/commitments").get_data(as_text=True)
    assert 'class="commitment overdue"' in page and "已逾期" in page


def test_when_every_commitment_is_done_the_cases_are_replied_for_follow_up(world, concluded, published, client, login):
    traffic, property_ = published.commitments
    assert operations.report_progress(traffic, world.department_staff, "巡查已常态化", True, []) == []
    db.session.commit()
    assert {c.status for c in concluded.cases} == {"action_scheduled"}
    login("a_property_staff")
    response = client.post(
        f"/commitments/{property_.id}/progress", data={"note": "提醒牌已张贴", "done": "y"}, follow_redirects=True
    )
    assert "已转为「已答复」,请社区回访居民" in response.get_data(as_text=True)
    db.session.expire_all()
    assert {c.status for c in concluded.cases} == {"replied"}
    from roundtable.cases.operations import record_follow_up

    case = concluded.cases[0]
    record_follow_up(case, world.a.secretary, resolved=True, satisfied=True, note="居民表示满意")
    db.session.commit()
    login("a_secretary")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "记录回访" in page or "已解决" in page
    with pytest.raises(OperationError, match="已报告完成"):
        operations.report_progress(traffic, world.department_staff, "再报", True, [])
