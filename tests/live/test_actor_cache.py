"""Permission on every event, against the actor kept per connection, and revocations that forget it.

The disconnect that a revocation sends to every process runs in the
background; ``held_back`` stops it, so that these tests see the moment before
it arrives: the phone is still connected, its actor was cached, and its next
event must be refused all the same.
"""
from __future__ import annotations

import pytest
from sqlalchemy import event, select

from roundtable.communities.models import Membership
from roundtable.extensions import db, socketio
from roundtable.live import registry
from roundtable.live.actor_cache import actors
from tests.live.conftest import joined


@pytest.fixture
def held_back(monkeypatch):
    """Revocations forget cached actors but do not disconnect anybody (yet)."""
    monkeypatch.setattr(registry, "_drop_quietly", lambda *_args: None)


@pytest.fixture
def statements():
    """SQL sent to the database while the block runs."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)


def sid_of(phone) -> str:
    return socketio.server.manager.sid_from_eio_sid(phone.client.eio_sid, "/live")


def test_the_actor_is_checked_once_at_join_and_kept(phones, room, statements):
    phone = joined(phones, room.guests[0], checked_in=True)
    statements.clear()
    assert phone.call("hand_raise", {"stance": "support"})["ok"]
    assert phone.call("hand_lower")["ok"]
    assert not [s for s in statements if "invitations.token = " in s], statements
    assert actors.get(sid_of(phone), room.meeting.id).invitation_id == room.guests[0].id


def test_a_removed_invitation_is_refused_at_the_next_event_although_its_actor_was_cached(phones, room, held_back):
    phone = joined(phones, room.guests[0], checked_in=True)  # the actor is cached now
    guest_id = room.guests[0].id
    db.session.delete(room.guests[0])
    db.session.commit()

    assert phone.connected
    assert actors.get(sid_of(phone), room.meeting.id) is None
    assert phone.call("hand_raise", {"stance": "support"})["error"] == "forbidden"
    ack = phone.call("vote_cast", {"poll_id": 1, "choices": [1], "key": "after-removal"})
    assert ack["ok"] is False and ack["error"] == "forbidden"
    assert guest_id not in {a.invitation_id for a in [actors.get(sid_of(phone), room.meeting.id)] if a}


def test_a_logged_out_resident_is_refused_at_the_next_event(phones, room, auth, client, held_back, world):
    auth.login("a_resident")
    phone = phones(flask_client=client)
    phone.join(room.meeting.id)
    assert phone.call("check_in")["ok"]  # cached
    world.a.resident.session_version += 1  # what logging out everywhere does
    db.session.commit()

    assert phone.connected
    assert phone.call("hand_raise", {"stance": "support"})["error"] == "forbidden"


def test_a_demoted_secretary_loses_the_host_events_at_once(host, room, world, held_back):
    assert host.call("speaker_done")["error"] == "no_speaker"  # allowed, with the actor cached
    membership = db.session.scalar(
        select(Membership).where(Membership.user_id == world.a.secretary.id, Membership.community_id == world.a.community.id)
    )
    room.meeting.host_id = world.a.resident.id  # no longer the host either
    membership.role = "resident"
    db.session.commit()

    assert host.connected
    assert host.call("speaker_done")["error"] == "forbidden"


def test_the_revocation_also_drops_the_socket(phones, room):
    phone = joined(phones, room.guests[0])
    db.session.delete(room.guests[0])
    db.session.commit()
    for _ in range(100):
        if not phone.connected:
            break
        socket_sleep(0.02)
    assert not phone.connected


def test_a_cached_actor_is_checked_again_after_its_time(phones, room, monkeypatch, statements):
    monkeypatch.setattr(actors, "ttl", 0.0)
    phone = joined(phones, room.guests[0], checked_in=True)
    statements.clear()
    assert phone.call("hand_raise", {"stance": "support"})["ok"]
    assert [s for s in statements if "invitations.token = " in s]


def socket_sleep(seconds: float) -> None:
    import time

    time.sleep(seconds)
