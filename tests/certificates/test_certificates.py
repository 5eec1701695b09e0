"""Certificates: kind from a published resolution, request, issue, PDF and QR, public check, look-up."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from roundtable.audit.models import AuditEntry
from roundtable.certificates import operations
from roundtable.certificates.models import Certificate, mask_plate
from roundtable.core.errors import OperationError
from roundtable.core.time import local, utcnow
from roundtable.extensions import db
from roundtable.resolutions.pdf import pdf_text
from tests.certificates.conftest import run_worker_once


def _when(hours: float) -> str:
    return local(utcnow() + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


def _ask(client, kind, plate="京A12345"):
    return client.post(f"/certificates/kinds/{kind.id}/request", data={
        "applicant_name": "李大爷", "plate": plate, "window_start": _when(-1), "window_end": _when(1),
        "reason": "送老伴去医院看病"})


def test_only_a_published_resolution_authorises(world, drafted):
    with pytest.raises(OperationError) as refused:
        operations.authorise_kind(drafted, operations.KindFields("x", "y", "z", "w", 1, True, None), world.a.secretary)
    assert refused.value.code == "not_published"


def test_request_issue_pdf_qr_and_check(world, kind, client, login):
    login("a_resident")
    assert client.get(f"/certificates/kinds/{kind.id}/request").status_code == 200
    assert _ask(client, kind, plate="不是车牌").status_code == 200  # form shown again with the message
    assert db.session.scalar(select(db.func.count(Certificate.id))) == 0
    assert _ask(client, kind).status_code == 302
    certificate = db.session.scalar(select(Certificate))
    assert certificate.state == "requested" and certificate.plate == "京A12345"
    login("a_secretary")
    assert client.post(f"/certificates/{certificate.id}/issue").status_code == 302
    db.session.refresh(certificate)
    assert certificate.state == "issued" and re.fullmatch(r"西河沿社区证〔\d{4}〕0001号", certificate.number)
    assert run_worker_once() is not None
    db.session.refresh(certificate)
    text = pdf_text(certificate.pdf)
    for expected in ("接老人看病超时停车证明", certificate.number, "京A12345", "免予处罚", "西河沿街超时停车圆桌会议决议",
                     "大栅栏街道西河沿社区", f"/c/{certificate.check_token}"):
        assert expected in text.replace("\n", ""), expected
    # The QR code: the PDF's HTML carries segno's drawing of exactly the check URL, and the
    # stand-alone SVG the page shows is a complete SVG document with its namespace.
    import segno

    from roundtable.certificates.jobs import certificate_html, check_url, qr_file, qr_svg
    url = check_url(certificate, "http://localhost/")
    assert url == f"http://localhost/c/{certificate.check_token}"
    assert str(qr_svg(url)) in certificate_html(certificate, "http://localhost/")
    assert str(qr_svg(url)) != str(qr_svg(url + "x"))
    svg = client.get(f"/certificates/{certificate.id}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert b'xmlns="http://www.w3.org/2000/svg"' in svg.data and svg.data.startswith(b"<?xml")
    assert svg.data == qr_file(url)  # the QR of exactly the check URL
    assert segno.make(url, error="m").designator  # the URL fits a QR code at error level M
    # Public check: valid, plate masked to its last characters, no name, no reason.
    client.get("/auth/logout")
    page = client.get(f"/c/{certificate.check_token}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-status="valid"' in body
    assert "＊＊＊＊345" in body and "京A12345" not in body and "李大爷" not in body and "医院" not in body
    assert certificate.number in body
    unknown = client.get("/c/no-such-certificate")
    assert unknown.status_code == 404 and 'data-status="unknown"' in unknown.get_data(as_text=True)


def test_expired_and_revoked(world, kind):
    fields = operations.RequestFields("李大爷", "京B54321", utcnow() - timedelta(days=3), utcnow() - timedelta(days=3) + timedelta(hours=2), "看病")
    old = operations.request_certificate(kind, fields, world.a.resident, None)
    operations.issue(old, world.a.secretary)
    assert operations.check(old.check_token).status == "expired"
    fresh = operations.request_certificate(kind, operations.RequestFields(
        "李大爷", "京B54321", utcnow(), utcnow() + timedelta(hours=2), "看病"), world.a.resident, None)
    operations.issue(fresh, world.a.secretary)
    assert fresh.number.endswith("0002号")
    assert operations.check(fresh.check_token).status == "valid"
    with pytest.raises(OperationError):
        operations.revoke(fresh, "", world.a.secretary)
    operations.revoke(fresh, "车主并非接送老人", world.a.secretary)
    assert operations.check(fresh.check_token).status == "revoked"
    refused = operations.request_certificate(kind, fields, world.a.resident, None)
    operations.refuse(refused, "时间段与就医记录不符", world.a.secretary)
    assert operations.check(refused.check_token).status == "unknown"  # a refused request certifies nothing
    db.session.commit()
    actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.subject_type == "certificate")))
    assert {"certificate.issue", "certificate.revoke", "certificate.refuse"} <= actions


def test_masked_plate_keeps_only_the_last_characters():
    assert mask_plate("京A12345") == "＊＊＊＊345"
    assert mask_plate("京AD12345") == "＊＊＊＊＊345"
    assert mask_plate("") == ""


def test_department_look_up_is_for_the_kinds_department_and_audited(world, kind, client, login):
    certificate = operations.request_certificate(kind, operations.RequestFields(
        "李大爷", "京A12345", utcnow(), utcnow() + timedelta(hours=2), "看病"), world.a.resident, None)
    operations.issue(certificate, world.a.secretary)
    db.session.commit()
    for username in ("a_resident", "a_secretary", "b_secretary"):
        login(username)
        assert client.post("/certificates/lookup", data={"query": "京A12345"}).status_code == 403
    login("traffic_staff")
    page = client.post("/certificates/lookup", data={"query": "京A 12345"}).get_data(as_text=True)
    assert certificate.number in page and "京A12345" in page
    page = client.post("/certificates/lookup", data={"query": certificate.number}).get_data(as_text=True)
    assert certificate.number in page
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "certificate.lookup")).all()
    assert len(entries) == 2 and entries[0].data["found"] == [certificate.id]
    # Another department's staff find nothing.
    from roundtable.communities.operations import add_department_member, create_department
    from tests.factories import make_user
    other = make_user("fire_staff")
    add_department_member(other, create_department("区消防支队"))
    db.session.commit()
    login("fire_staff")
    page = client.post("/certificates/lookup", data={"query": "京A12345"}).get_data(as_text=True)
    assert certificate.number not in page


def test_secretary_records_a_request_for_someone_without_a_phone(world, kind, client, login):
    login("a_secretary")
    assert _ask(client, kind).status_code == 302
    certificate = db.session.scalar(select(Certificate))
    assert certificate.applicant_id is None and certificate.recorded_by_id == world.a.secretary.id
    assert client.get("/certificates/").status_code == 200


def test_user_text_is_escaped_in_the_pdf_and_other_residents_cannot_read_a_certificate(world, kind, client, login):
    from roundtable.certificates.jobs import certificate_html

    certificate = operations.request_certificate(kind, operations.RequestFields(
        "<b>李</b>", "京A12345", utcnow(), utcnow() + timedelta(hours=1), '<img src="http://evil.example/x.png">看病'),
        world.a.resident, None)
    operations.issue(certificate, world.a.secretary)
    db.session.commit()
    html = certificate_html(certificate, "http://localhost/")
    assert "<b>李</b>" not in html and "&lt;b&gt;李&lt;/b&gt;" in html and "<img src=\"http://evil" not in html
    from tests.factories import make_user
    make_user("a_other_resident", world.a.community, "resident")
    db.session.commit()
    login("a_other_resident")
    for url in (f"/certificates/{certificate.id}", f"/certificates/{certificate.id}/qr.svg", f"/certificates/{certificate.id}/pdf"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/certificates/{certificate.id}/revoke", data={"reason": "x"}).status_code == 403
    login("a_resident")
    assert client.get(f"/certificates/{certificate.id}").status_code == 200
