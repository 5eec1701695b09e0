"""A phone joining by invitation token: one statement, the same snapshot as the general path."""
from __future__ import annotations

import pytest
from sqlalchemy import event

from roundtable.ballots.operations import grant_proxy
from roundtable.core.time import utcnow
from roundtable.extensions import db
from roundtable.live import events, queries
from roundtable.live.operations import BallotRequest, cast_votes
from roundtable.live.permissions import actor_for
from tests.ballots.test_paper_and_proxy import codes, open_yes_no
from tests.live.conftest import joined


def general_snapshot(invitation) -> dict:
    """What the join built before ``token_join``: ``actor_for`` and ``queries.snapshot``."""
    actor = actor_for({"kind": "invitation", "token": invitation.token}, invitation.meeting_id)
    snapshot = queries.snapshot(actor)
    db.session.rollback()
    return snapshot


def without_clock(snapshot: dict) -> dict:
    return {key: value for key, value in snapshot.items() if key != "server_time"}


def vote(room, poll, invitation, choice):
    [outcome] = cast_votes([BallotRequest(room.meeting.id, invitation.id, poll.id, [choice], f"k-{invitation.id}")])
    assert not isinstance(outcome, Exception), outcome
    db.session.commit()


def test_the_token_join_gives_the_general_snapshot_with_ballots_of_both_kinds_and_proxies(phones, room):
    guest, grantor = room.guests[0], room.guests[1]
    for invitation in (guest, grantor):
        invitation.checked_in_at = utcnow()
    db.session.commit()
    named, secret = open_yes_no(room), open_yes_no(room, secret=True)
    vote(room, named, guest, codes(named)["yes"])
    vote(room, secret, guest, codes(secret)["no"])
    grant_proxy(room.meeting, grantor.id, guest.id, "signed_form", None, room.meeting.host)
    db.session.commit()
    vote(room, named, grantor, codes(named)["no"])  # the grantor's own ballot: shown in the holder's proxies

    snapshot = joined(phones, guest).join(room.meeting.id)

    expected = general_snapshot(guest)
    assert without_clock(snapshot) == without_clock(expected)
    me = snapshot["me"]
    assert [entry["poll_id"] for entry in me["ballots"]] == [named.id, secret.id]
    assert me["proxies"][0]["voted_polls"] == [named.id]
    assert me["checked_in"] and me["can_vote"]

    given = joined(phones, grantor).join(room.meeting.id)  # the grantor: the proxy given, in force
    assert without_clock(given) == without_clock(general_snapshot(grantor))
    assert given["me"]["granted"]["holder"]["id"] == guest.id


def test_a_participant_without_ballots_polls_or_proxies(phones, room):
    snapshot = joined(phones, room.department).join(room.meeting.id)
    assert without_clock(snapshot) == without_clock(general_snapshot(room.department))
    assert snapshot["me"]["ballots"] == [] and snapshot["me"]["proxies"] == [] and not snapshot["me"]["can_vote"]


@pytest.fixture
def statements():
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)


def selects(statements) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith("SELECT")]


def test_connect_and_join_by_token_read_the_database_once(phones, room, statements):
    guest = room.guests[2]
    open_yes_no(room)
    phones(guest.token).join(room.meeting.id)  # builds the shared room part
    statements.clear()
    phones(guest.token).join(room.meeting.id)
    assert len(selects(statements)) == 1, statements


def test_a_join_long_after_the_connect_reads_again(phones, room, statements, monkeypatch):
    monkeypatch.setattr(events, "CONNECT_READ_SECONDS", 0.0)
    phones(room.guests[2].token).join(room.meeting.id)
    statements.clear()
    phones(room.guests[2].token).join(room.meeting.id)
    assert len(selects(statements)) == 2, statements


def test_a_change_between_connect_and_join_is_in_the_snapshot(host, phones, room):
    guest = room.guests[1]
    phone = phones(guest.token)  # connected: its invitation read, not checked in
    assert host.call("check_in_for", {"participant_id": guest.id})["ok"]
    assert phone.join(room.meeting.id)["me"]["checked_in"]


def test_an_invitation_removed_between_connect_and_join_is_refused(phones, room):
    guest = room.guests[1]
    phone = phones(guest.token)
    db.session.delete(guest)
    db.session.commit()
    assert not phone.connected or phone.call("join", {"meeting_id": room.meeting.id})["ok"] is False


def test_refusals_stay_those_of_the_general_path(phones, room):
    phone = phones(room.guests[0].token)
    assert phone.call("join", {"meeting_id": room.other_meeting.id})["error"] == "forbidden"
    assert phone.call("join", {"meeting_id": 987654})["error"] == "not_found"
    room.meeting.status = "concluded"
    db.session.commit()
    assert phone.call("join", {"meeting_id": room.meeting.id})["error"] == "meeting_ended"
    assert phone.call("join", {})["error"] == "meeting_ended"
