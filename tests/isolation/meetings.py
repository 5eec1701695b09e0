"""Isolation specs of the meeting pages, the department summons pages and the invitation links.

Community B gets a meeting with an agenda item and a department summons; A's
people aim at them by id. The token pages are public: tests/meetings checks
that a token opens its own meeting only and that wrong or expired tokens get a
clear page.
"""
from datetime import timedelta

from roundtable.communities.operations import create_department
from roundtable.core.time import local, utcnow
from roundtable.meetings.operations import summon_department
from tests.factories import make_meeting
from tests.isolation import foreign, own, public

STAFF = ("a_secretary", "a_auditor")
EVERYONE_OF_A = ("a_secretary", "a_resident", "a_auditor")


def world_extras(world):
    """B's meeting, its first agenda item, and a summons to a department only B ever whistled for."""
    meeting = make_meeting(world.b.community, world.b.secretary, title="东河沿停车议事会")
    only_b = create_department("东河沿专属部门")
    world.b.extra["meeting"] = meeting
    world.b.extra["agenda_item"] = meeting.agenda_items[0]
    world.b.extra["summons"] = summon_department(meeting, only_b.id, utcnow() + timedelta(hours=5))
    world.b.extra["b_only_department"] = only_b


def _meeting(w):
    return f"/meetings/{w.b.extra['meeting'].id}"


def _item(w):
    return f"{_meeting(w)}/agenda/{w.b.extra['agenda_item'].id}"


def _invitation(w):
    return f"{_meeting(w)}/invitations/{w.b.extra['summons'].id}"


def _meeting_form(w):
    return {
        "kind": "roundtable",
        "title": "改名",
        "starts_at": local(utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": "60",
        "venue": "A",
        "host_id": str(w.a.secretary.id),
        "speech_minutes": "2",
        "speeches_per_motion": "2",
        "quorum": "0",
        "majority_rule": "more_yes_than_no",
    }


SPECS = {
    "meetings.list_meetings": own("lists the meetings of the caller's current community only"),
    "meetings.new": own("creates a meeting in the caller's current community; linked ids are checked by the operation"),
    "meetings.show": foreign(lambda w: [("GET", _meeting(w))], as_users=EVERYONE_OF_A),
    "meetings.edit": foreign(lambda w: [("GET", f"{_meeting(w)}/edit"), ("POST", f"{_meeting(w)}/edit", _meeting_form(w))]),
    "meetings.schedule": foreign(lambda w: [("POST", f"{_meeting(w)}/schedule")]),
    "meetings.unschedule": foreign(lambda w: [("POST", f"{_meeting(w)}/unschedule")]),
    "meetings.cancel": foreign(lambda w: [("GET", f"{_meeting(w)}/cancel"), ("POST", f"{_meeting(w)}/cancel", {"reason": "x"})]),
    "meetings.calendar": foreign(lambda w: [("GET", f"{_meeting(w)}/calendar.ics")], as_users=EVERYONE_OF_A),
    "meetings.add_agenda_item": foreign(lambda w: [("POST", f"{_meeting(w)}/agenda", {"title": "x", "minutes": "5"})]),
    "meetings.edit_agenda_item": foreign(lambda w: [("GET", f"{_item(w)}/edit"), ("POST", f"{_item(w)}/edit", {"title": "x", "minutes": "5"})]),
    "meetings.remove_agenda_item": foreign(lambda w: [("POST", f"{_item(w)}/delete")]),
    "meetings.move_agenda_item": foreign(lambda w: [("POST", f"{_item(w)}/move/up"), ("POST", f"{_item(w)}/move/down")]),
    "meetings.invite": foreign(
        lambda w: [
            ("POST", f"{_meeting(w)}/invite/resident", {"resident-user_id": w.a.resident.id}),
            ("POST", f"{_meeting(w)}/invite/guest", {"guest-guest_name": "x", "guest-guest_phone": "13800000000"}),
        ]
    ),
    "meetings.remove_invitation": foreign(lambda w: [("POST", f"{_invitation(w)}/delete")]),
    "meetings.invitation_sheet": foreign(lambda w: [("GET", f"{_invitation(w)}/sheet")], as_users=EVERYONE_OF_A),
    "meetings.invitation_qr": foreign(lambda w: [("GET", f"{_invitation(w)}/qr.svg")], as_users=EVERYONE_OF_A),
    "meetings.summons": foreign(lambda w: [("GET", "/summons")], as_users=EVERYONE_OF_A),
    "meetings.report": foreign(lambda w: [("POST", f"/summons/{w.b.extra['summons'].id}/report")], as_users=EVERYONE_OF_A),
    "meetings.department_response": foreign(
        lambda w: [("GET", f"/departments/{w.b.extra['b_only_department'].id}/response")], as_users=EVERYONE_OF_A
    ),
    "invite.join": public("the invitation token is the key; it opens only its own meeting (tests/meetings)"),
    "invite.rsvp": public("answers only the token's own invitation (tests/meetings)"),
    "invite.join_calendar": public("the token's own meeting as .ics (tests/meetings)"),
}
