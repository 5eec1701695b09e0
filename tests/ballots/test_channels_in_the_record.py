"""The minutes and the resolution PDF say how many ballots came by phone, paper, assistance and proxy."""
from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import select

from roundtable.ballots.models import BallotChannel, Proxy
from roundtable.core.time import utcnow
from roundtable.extensions import db
from roundtable.live.models import Ballot
from roundtable.minutes import queries as minutes_queries
from roundtable.minutes.operations import generate_minutes
from roundtable.resolutions import operations as resolutions
from roundtable.resolutions.jobs import render_resolution_document
from tests.factories import make_concluded_meeting

LINE = "选票来源:手机 0;纸质 1;协助 1;委托 1"


def test_minutes_and_pdf_count_ballots_by_channel(world, client, auth):
    concluded = make_concluded_meeting(world)
    resident, guest1, guest2 = concluded.residents
    poll = concluded.poll
    # what the assisted, paper and proxy paths write beside the three ballots (resident, guest 1, guest 2)
    proxy = Proxy(meeting_id=concluded.meeting.id, community_id=concluded.meeting.community_id, grantor_id=guest2.id,
                  holder_id=resident.id, consent_means="signed_form", consent_at=utcnow())
    db.session.add(proxy)
    db.session.flush()
    ballots = {b.invitation_id: b for b in db.session.scalars(select(Ballot).where(Ballot.poll_id == poll.id))}
    assert set(ballots) == {resident.id, guest1.id, guest2.id}
    ballots[resident.id].assisted_by_id = world.a.secretary.id
    db.session.add_all([
        BallotChannel(poll_id=poll.id, invitation_id=guest1.id, channel="paper", recorded_by_id=world.a.secretary.id),
        BallotChannel(poll_id=poll.id, invitation_id=guest2.id, channel="proxy", proxy_id=proxy.id),
    ])
    db.session.commit()

    # The factory concluded the meeting (and drafted its minutes) before the rows above were added:
    # draw the minutes' structured part again from the record, as the conclusion would have.
    minutes = minutes_queries.minutes_of(concluded.meeting.id) or generate_minutes(concluded.meeting)
    minutes.record = minutes_queries.build_record(concluded.meeting)
    db.session.commit()
    auth.login("a_secretary")
    page = client.get(f"/meetings/{concluded.meeting.id}/minutes").get_data(as_text=True)
    assert LINE in page.replace(" ;", ";"), minutes

    resolution = resolutions.start_resolution(concluded.meeting, world.a.secretary)
    db.session.commit()
    pdf, record = render_resolution_document(resolution, utcnow())
    channels = {row["channel"]: row["count"] for row in record["polls"][0]["channels"]}
    assert channels == {"phone": 0, "paper": 1, "assisted": 1, "proxy": 1}
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")
    assert LINE in text.replace(" ;", ";")
