"""Isolation specs of minutes, escalation and satisfaction pages.

Community B gets a concluded meeting with minutes in review, a commitment of
B's property manager returned (退单), and an answered satisfaction request
flagged for B's secretary; A's people aim at them by id.
"""
from datetime import timedelta

from roundtable.ballots.models import Proxy
from roundtable.core.time import utcnow
from roundtable.escalation.models import CommitmentReturn
from roundtable.extensions import db
from roundtable.meetings.models import Invitation, Meeting
from roundtable.minutes.models import MinutesReview
from roundtable.minutes.operations import generate_minutes
from roundtable.resolutions import operations as resolutions
from roundtable.satisfaction.models import SatisfactionRequest
from tests.isolation import foreign, own, public


def world_extras(world):
    meeting = Meeting(
        community_id=world.b.community.id, title="东河沿纪要会议", starts_at=utcnow() - timedelta(hours=3),
        host_id=world.b.secretary.id, venue="东河沿社区活动室", status="concluded",
    )
    db.session.add(meeting)
    db.session.flush()
    invitation = Invitation(meeting_id=meeting.id, community_id=meeting.community_id, kind="resident", side="resident",
                            user_id=world.b.resident.id, checked_in_at=utcnow() - timedelta(hours=2))
    db.session.add(invitation)
    db.session.flush()
    minutes = generate_minutes(meeting)
    minutes.state = "in_review"
    minutes.review_due_at = utcnow() + timedelta(days=3)
    resolution = resolutions.start_resolution(meeting, world.b.secretary)
    commitment = resolutions.add_commitment(
        resolution,
        resolutions.CommitmentFields(f"organization:{world.b.organization.id}", "张贴提醒", utcnow() + timedelta(days=7)),
    )
    returned = CommitmentReturn(commitment_id=commitment.id, community_id=world.b.community.id, reason="不归我们",
                                from_unit=f"organization:{world.b.organization.id}", from_unit_name="东河沿物业")
    request = SatisfactionRequest(community_id=world.b.community.id, case_id=world.b.case.id, respondent="complainant",
                                  person_key="complainant", expires_at=utcnow() + timedelta(days=7),
                                  answered_at=utcnow(), resolved_answer="unresolved", satisfied_answer="unsatisfied",
                                  flag="open")
    review = MinutesReview(minutes_id=minutes.id, community_id=meeting.community_id, invitation_id=invitation.id,
                           verdict="correct", text="改", answer_state="open")
    grantor = Invitation(meeting_id=meeting.id, community_id=meeting.community_id, kind="guest", side="resident",
                         guest_name="东河沿居民", guest_phone="13900000001")
    db.session.add_all([returned, request, review, grantor])
    db.session.flush()
    proxy = Proxy(meeting_id=meeting.id, community_id=meeting.community_id, grantor_id=grantor.id,
                  holder_id=invitation.id, consent_means="in_person", consent_at=utcnow() - timedelta(hours=4))
    db.session.add(proxy)
    db.session.flush()
    world.b.extra.update(minutes_meeting=meeting, minutes=minutes, returned=returned, satisfaction=request,
                         review=review, proxy=proxy)


def _m(w):
    return f"/meetings/{w.b.extra['minutes_meeting'].id}/minutes"


SPECS = {
    "minutes.show": foreign(lambda w: [("GET", _m(w))]),
    "minutes.edit": foreign(lambda w: [("POST", f"{_m(w)}/edit", {"narrative": "改"})]),
    "minutes.send": foreign(lambda w: [("POST", f"{_m(w)}/send")]),
    "minutes.approve": foreign(lambda w: [("POST", f"{_m(w)}/approve")]),
    "minutes.answer": foreign(
        lambda w: [("POST", f"/minutes/reviews/{w.b.extra['review'].id}/answer", {"decision": "accept"})]),
    "minutes.review": public("the invitation token is the key; it opens only its own meeting's minutes (tests/minutes)"),
    "escalation.return_commitment": foreign(
        lambda w: [("POST", f"/commitments/{w.b.extra['returned'].commitment_id}/return", {"reason": "x"})]),
    "escalation.decide": foreign(
        lambda w: [("POST", f"/commitment-returns/{w.b.extra['returned'].id}/decide", {"decision": "to_meeting"})]),
    "escalation.policy": own("edits the escalation policy of the caller's current community only"),
    "escalation.street_overdue": own("lists the overdue commitments of the streets the caller supervises only"),
    "satisfaction.answer": public("the satisfaction token is the key; one person, one case, once (tests/satisfaction)"),
    "satisfaction.flags": own("lists the flagged answers of the caller's current community"),
    "ballots.grant": foreign(lambda w: [("POST", f"/meetings/{w.b.extra['minutes_meeting'].id}/proxies",
                                         {"grantor_id": "1", "holder_id": "2", "consent_means": "in_person"})]),
    "ballots.revoke": foreign(lambda w: [("POST", f"/meetings/{w.b.extra['minutes_meeting'].id}/proxies/"
                                                   f"{w.b.extra['proxy'].id}/revoke", {"revoke_means": "in_person"})]),
    "satisfaction.handle": foreign(
        lambda w: [("POST", f"/satisfaction/{w.b.extra['satisfaction'].id}/reopened")]),
}
