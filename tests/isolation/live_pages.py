"""Isolation specs of the live meeting pages (phone, host console, big screen)."""
from datetime import timedelta

from roundtable.core.time import utcnow
from roundtable.extensions import db
from roundtable.meetings.models import Invitation, Meeting
from tests.isolation import foreign, public


def world_extras(world):
    """A live meeting of community B, hosted by B's secretary, with B's resident invited."""
    meeting = Meeting(
        community_id=world.b.community.id,
        title="东河沿社区停车议事会",
        starts_at=utcnow() + timedelta(hours=1),
        host_id=world.b.secretary.id,
        status="live",
    )
    db.session.add(meeting)
    db.session.flush()
    db.session.add(
        Invitation(
            meeting_id=meeting.id, community_id=meeting.community_id, kind="resident", side="resident",
            user_id=world.b.resident.id,
        )
    )
    db.session.flush()
    world.b.extra["live_meeting"] = meeting


SPECS = {
    "live_pages.join": public("the invitation token is the key; it opens only its own meeting (tests/live_pages)"),
    "live_pages.watch": public("the read-only watch token (直播) opens only its own meeting (tests/live_pages)"),
    "live_pages.phone": foreign(lambda w: [("GET", f"/meetings/{w.b.extra['live_meeting'].id}/live")]),
    "live_pages.summary": foreign(lambda w: [("GET", f"/meetings/{w.b.extra['live_meeting'].id}/summary")]),
    "live_pages.watch_qr": public("the QR code of the watch link it is opened with, nothing else (tests/live_pages)"),
    "live_pages.receipt_check": public("anyone may check a receipt code; it names a poll, never a voter (tests/live_pages)"),
    "live_pages.console": foreign(lambda w: [("GET", f"/meetings/{w.b.extra['live_meeting'].id}/console")]),
}
