"""Isolation specs of the resolution pages, the units' commitment pages and the public verification.

Community B gets a concluded meeting and a draft resolution with a commitment
of B's property manager; A's people aim at them by id. Department staff reach
commitments across communities by their unit, which tests/resolutions checks.
"""
from datetime import timedelta

from roundtable.core.time import local, utcnow
from roundtable.extensions import db
from roundtable.meetings.models import Meeting
from roundtable.resolutions import operations
from tests.isolation import foreign, own, public

EVERYONE_OF_A = ("a_secretary", "a_resident", "a_auditor")


def world_extras(world):
    """B's concluded meeting, its draft resolution, and one commitment of B's property manager."""
    meeting = Meeting(
        community_id=world.b.community.id, title="东河沿停车圆桌会议", starts_at=utcnow() - timedelta(hours=2),
        host_id=world.b.secretary.id, venue="东河沿社区活动室", status="concluded",
    )
    db.session.add(meeting)
    db.session.flush()
    resolution = operations.start_resolution(meeting, world.b.secretary)
    operations.update_resolution(resolution, "东河沿决议", "一、错峰停车。")
    commitment = operations.add_commitment(
        resolution,
        operations.CommitmentFields(f"organization:{world.b.organization.id}", "张贴提醒", utcnow() + timedelta(days=7)),
    )
    world.b.extra.update(resolution_meeting=meeting, resolution=resolution, commitment=commitment)


def _r(w):
    return f"/resolutions/{w.b.extra['resolution'].id}"


def _c(w):
    return f"/commitments/{w.b.extra['commitment'].id}"


def _commitment_form(w):
    return {
        "unit": f"organization:{w.b.organization.id}",
        "action": "改",
        "deadline": local(utcnow() + timedelta(days=9)).strftime("%Y-%m-%dT%H:%M"),
    }


SPECS = {
    "resolutions.list_resolutions": own("lists the resolutions and overdue commitments of the caller's current community"),
    "resolutions.my_commitments": own("lists the commitments of the caller's own departments and organizations"),
    "resolutions.verify": public("anyone may check a document; it only reveals published resolutions"),
    "resolutions.public_pdf": public("published resolutions are public documents; drafts answer 404 (tests/resolutions)"),
    "resolutions.public_pdf_by_hash": public("published resolutions are public documents, found by their SHA-256"),
    "resolutions.start": foreign(lambda w: [("POST", f"/meetings/{w.b.extra['resolution_meeting'].id}/resolution")]),
    "resolutions.show": foreign(lambda w: [("GET", _r(w))], as_users=EVERYONE_OF_A),
    "resolutions.job": foreign(lambda w: [("GET", f"{_r(w)}/job.json")], as_users=EVERYONE_OF_A),
    "resolutions.edit": foreign(lambda w: [("POST", f"{_r(w)}/edit", {"title": "改", "agreed_points": "改"})]),
    "resolutions.add_commitment": foreign(lambda w: [("POST", f"{_r(w)}/commitments", _commitment_form(w))]),
    "resolutions.edit_commitment": foreign(
        lambda w: [
            ("GET", f"{_r(w)}/commitments/{w.b.extra['commitment'].id}/edit"),
            ("POST", f"{_r(w)}/commitments/{w.b.extra['commitment'].id}/edit", _commitment_form(w)),
        ]
    ),
    "resolutions.remove_commitment": foreign(
        lambda w: [("POST", f"{_r(w)}/commitments/{w.b.extra['commitment'].id}/delete")]
    ),
    "resolutions.send": foreign(lambda w: [("POST", f"{_r(w)}/send")]),
    "resolutions.publish": foreign(lambda w: [("POST", f"{_r(w)}/publish", {"reason": "x"})]),
    "resolutions.correct": foreign(lambda w: [("POST", f"{_r(w)}/correct")]),
    "resolutions.commitment": foreign(lambda w: [("GET", _c(w))], as_users=EVERYONE_OF_A),
    "resolutions.confirm": foreign(lambda w: [("POST", f"{_c(w)}/confirm")], as_users=EVERYONE_OF_A),
    "resolutions.contest": foreign(lambda w: [("POST", f"{_c(w)}/contest", {"reason": "x"})], as_users=EVERYONE_OF_A),
    "resolutions.progress": foreign(lambda w: [("POST", f"{_c(w)}/progress", {"note": "x"})], as_users=EVERYONE_OF_A),
    "resolutions.evidence": foreign(lambda w: [("GET", f"{_c(w)}/evidence/1")], as_users=EVERYONE_OF_A),
}
