"""Isolation specs of the certificate pages: community B's kind and certificate, aimed at by A's people."""
from datetime import timedelta

from roundtable.certificates.models import Certificate, CertificateKind
from roundtable.core.time import utcnow
from roundtable.extensions import db
from roundtable.meetings.models import Meeting
from roundtable.resolutions.models import Resolution
from tests.isolation import foreign, own, public

EVERYONE_OF_A = ("a_secretary", "a_resident", "a_auditor")


def world_extras(world):
    b = world.b
    meeting = Meeting(community_id=b.community.id, title="东河沿证明会议", starts_at=utcnow() - timedelta(hours=3),
                      host_id=b.secretary.id, venue="东河沿", status="concluded")
    db.session.add(meeting)
    db.session.flush()
    resolution = Resolution(community_id=b.community.id, meeting_id=meeting.id, status="published", title="东河沿决议")
    db.session.add(resolution)
    db.session.flush()
    kind = CertificateKind(community_id=b.community.id, resolution_id=resolution.id, name="东河沿停车证明", clause="c",
                           eligibility="e", statement="s", validity_days=1, department_id=world.department.id)
    db.session.add(kind)
    db.session.flush()
    certificate = Certificate(community_id=b.community.id, kind_id=kind.id, applicant_id=b.resident.id, applicant_name="赵",
                              plate="京C12345", window_start=utcnow(), window_end=utcnow() + timedelta(hours=1),
                              reason="看病", number="东河沿社区证〔2026〕0001号", state="issued", photo=b"\x89PNG", photo_type="image/png",
                              pdf=b"%PDF-1.7", pdf_sha256="0" * 64)
    db.session.add(certificate)
    db.session.flush()
    b.extra.update(certificate_kind=kind, certificate=certificate, certificate_resolution=resolution)


def _c(w):
    return f"/certificates/{w.b.extra['certificate'].id}"


SPECS = {
    "certificates.index": public("lists the register (or the caller's own requests) of the current community only"),
    "certificates.check": public("the public check page a traffic officer scans; masked plate, tests/certificates"),
    "certificates.look_up": own("department staff search only kinds naming their own department (tests/certificates)"),
    "certificates.authorise": foreign(lambda w: [("POST", "/certificates/kinds", {
        "resolution": str(w.b.extra["certificate_resolution"].id), "name": "x", "clause": "x", "eligibility": "x",
        "statement": "x", "validity_days": "1"})]),
    "certificates.ask": foreign(lambda w: [("GET", f"/certificates/kinds/{w.b.extra['certificate_kind'].id}/request")],
                                as_users=EVERYONE_OF_A),
    "certificates.show": foreign(lambda w: [("GET", _c(w))], as_users=EVERYONE_OF_A),
    "certificates.pdf": foreign(lambda w: [("GET", f"{_c(w)}/pdf")], as_users=EVERYONE_OF_A),
    "certificates.qr": foreign(lambda w: [("GET", f"{_c(w)}/qr.svg")], as_users=EVERYONE_OF_A),
    "certificates.photo": foreign(lambda w: [("GET", f"{_c(w)}/photo")], as_users=EVERYONE_OF_A),
    "certificates.issue": foreign(lambda w: [("POST", f"{_c(w)}/issue")]),
    "certificates.refuse": foreign(lambda w: [("POST", f"{_c(w)}/refuse", {"reason": "x"})]),
    "certificates.revoke": foreign(lambda w: [("POST", f"{_c(w)}/revoke", {"reason": "x"})]),
}
