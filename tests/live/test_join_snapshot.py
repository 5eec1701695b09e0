"""A join snapshot whose size does not grow with the room, built once for everyone who joins alike."""
from __future__ import annotations

from roundtable.extensions import db
from roundtable.live import queries
from roundtable.live.snapshots import snapshots
from tests.live.conftest import joined


def test_presence_in_a_snapshot_is_counts_and_a_first_page(phones, room, monkeypatch):
    monkeypatch.setattr(queries, "PRESENCE_PAGE", 2)
    presence = joined(phones, room.guests[0], checked_in=True).call("snapshot")["snapshot"]["presence"]

    assert [p["id"] for p in presence["sides"]["resident"]] == [room.resident.id, room.guests[0].id]
    assert presence["invited_by_side"] == {"resident": 4, "department": 1, "organization": 1}
    assert presence["counts"]["resident"] == 1
    assert (presence["present"], presence["invited"]) == (1, 4)
    assert presence["complete"] is False


def test_the_host_pages_through_everyone(host, room, phones):
    ack = host.call("presence_list", {"side": "resident", "offset": 0, "limit": 3})
    assert ack["ok"] and ack["more"] is True
    assert [p["id"] for p in ack["people"]] == [room.resident.id, room.guests[0].id, room.guests[1].id]
    rest = host.call("presence_list", {"side": "resident", "offset": 3, "limit": 3})
    assert [p["id"] for p in rest["people"]] == [room.guests[2].id] and rest["more"] is False
    everyone = host.call("presence_list")
    assert len(everyone["people"]) == 6 and everyone["more"] is False


def test_only_the_host_gets_the_full_list(phones, room):
    phone = joined(phones, room.guests[0])
    assert phone.call("presence_list")["error"] == "forbidden"
    assert phone.call("presence_list", {"side": "nobody"})["error"] in ("forbidden", "invalid")


def test_joins_share_one_room_part_until_the_room_changes(app, phones, room):
    cache = snapshots()
    first = joined(phones, room.guests[0])
    built = cache.built
    joined(phones, room.guests[1])
    joined(phones, room.guests[2])
    assert cache.built == built  # reused

    assert first.call("check_in")["ok"]  # a room event
    late = phones(room.resident.token).join(room.meeting.id)
    assert cache.built == built + 1
    assert room.guests[0].id in [p["id"] for p in late["presence"]["sides"]["resident"] if p["checked_in"]]


def test_a_change_committed_without_a_room_event_is_seen_by_the_next_join(phones, room):
    joined(phones, room.guests[0])
    room.items[1].title = "错时停车方案(修订)"  # as a route would, with no room event
    db.session.commit()
    snapshot = joined(phones, room.guests[1]).call("snapshot")["snapshot"]
    assert snapshot["agenda"][1]["title"] == "错时停车方案(修订)"


def test_the_host_snapshot_is_never_the_shared_one(host, room, phones):
    joined(phones, room.guests[0])
    built = snapshots().built
    assert host.call("snapshot")["snapshot"]["me"]["host"] is True
    assert snapshots().built == built


def test_a_join_waiting_for_the_shared_part_holds_no_database_connection(app, monkeypatch):
    """Waiters end their read transaction first: with every pooled connection held by waiters,
    the one building the part would wait for a connection, and everyone for the pool's timeout."""
    import threading

    from roundtable.live import snapshots

    cache = snapshots.RoomSnapshots(ttl=60)
    released: list[str] = []
    monkeypatch.setattr(snapshots, "_release_connection", lambda: released.append(threading.current_thread().name))
    building, go_on = threading.Event(), threading.Event()

    def slow_build():
        building.set()
        go_on.wait(5)
        return {"built": True}

    results: dict[str, dict] = {}
    builder = threading.Thread(target=lambda: results.setdefault("builder", cache.room(1, slow_build)), name="builder")
    waiter = threading.Thread(target=lambda: results.setdefault("waiter", cache.room(1, lambda: {"built": "twice"})),
                              name="waiter")
    builder.start()
    assert building.wait(5)
    waiter.start()
    for _ in range(500):  # until the waiter is at the lock (at most 5 s)
        if released:
            break
        threading.Event().wait(0.01)
    go_on.set()
    builder.join(5)
    waiter.join(5)
    assert released == ["waiter"]
    assert results == {"builder": {"built": True}, "waiter": {"built": True}} and cache.built == 1
