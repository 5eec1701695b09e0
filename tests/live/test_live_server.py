"""Real phones against real servers: python-socketio clients over the network to ``python serve.py`` (gevent).

These are the guarantees that only show under real concurrency: votes racing
the close, repeated votes racing each other, several server processes sharing
Redis, and the browser's Origin check, which the in-process test client skips.
"""
from __future__ import annotations

import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
import socketio
from sqlalchemy import select

from roundtable.extensions import db
from roundtable.live import operations
from roundtable.live.models import Ballot, Poll
from tests.live.conftest import build_room

pytestmark = pytest.mark.timeout(600)


class RealPhone:
    """A python-socketio client on ``/live`` that records every room event it hears."""

    def __init__(self, server, token: str | None = None, cookie: str | None = None, origin: str | None = None,
                 transports=("websocket",)):
        self.heard: dict[str, list] = {}
        self._condition = threading.Condition()
        # websocket-client sends its own Origin header; it takes ours only as this option.
        self.sio = socketio.Client(reconnection=False, websocket_extra_options={"origin": origin} if origin else None)
        self.sio.on("*", self._record, namespace="/live")
        headers = {}
        if cookie:
            headers["Cookie"] = cookie
        if origin and "polling" in transports:
            headers["Origin"] = origin
        self.sio.connect(
            server.url,
            namespaces=["/live"],
            auth={"token": token} if token else None,
            headers=headers,
            transports=list(transports),
            wait_timeout=15,
        )

    def _record(self, event, payload=None):
        with self._condition:
            self.heard.setdefault(event, []).append(payload)
            self._condition.notify_all()

    def call(self, event: str, payload=None) -> dict:
        return self.sio.call(event, payload if payload is not None else {}, namespace="/live", timeout=60)

    def join(self, meeting_id: int) -> dict:
        ack = self.call("join", {"meeting_id": meeting_id})
        assert ack["ok"], ack
        return ack["snapshot"]

    def wait_for(self, event: str, predicate=lambda payload: True, timeout: float = 30.0):
        with self._condition:
            found = self._condition.wait_for(
                lambda: next((p for p in self.heard.get(event, []) if predicate(p)), None), timeout
            )
        assert found is not None, f"no {event} within {timeout}s: {self.heard.get(event)}"
        return found

    def close(self):
        self.sio.disconnect()


@pytest.fixture
def host_cookie(app, client, auth):
    """The host's login cookie, signed with the key the servers share with this app."""
    auth.login("a_secretary")
    return f"session={client.get_cookie('session').value}"


@pytest.fixture
def connect():
    opened: list[RealPhone] = []

    def open_phone(server, token=None, **kwargs) -> RealPhone:
        phone = RealPhone(server, token, **kwargs)
        opened.append(phone)
        return phone

    yield open_phone

    def close(phone):
        try:
            phone.close()
        except Exception:  # noqa: BLE001 - already gone
            pass

    with ThreadPoolExecutor(max_workers=50) as pool:
        list(pool.map(close, opened))


def poll_ready(room, secret: bool = False) -> Poll:
    """Everyone checked in, a seconded motion, and an open yes/no poll, straight through the operations."""
    for voter in room.voters:
        operations.check_in(voter)
    motion = operations.propose_motion(room.meeting, room.guests[0], "实行夜间错时停车")
    operations.second_motion(room.meeting, room.department, motion.id)
    poll = operations.open_poll(room.meeting, None, motion.id, "yes_no", secret=secret)
    db.session.commit()
    return poll


def yes_of(poll: Poll) -> int:
    return next(option.id for option in poll.options if option.code == "yes")


def connect_all(connect, server_for, room, voters) -> list[RealPhone]:
    meeting_id = room.meeting.id
    tokens = [voter.token for voter in voters]  # read here: the threads have no app context

    def join(index_token):
        index, token = index_token
        phone = connect(server_for(index), token)
        phone.join(meeting_id)
        return phone

    with ThreadPoolExecutor(max_workers=20) as pool:
        return list(pool.map(join, enumerate(tokens)))


def assert_clean(*servers):
    for server in servers:
        assert "Traceback" not in server.log(), server.log()[-3000:]


def test_votes_racing_the_close_are_either_counted_or_told_closed(app, world, servers, connect, host_cookie):
    room = build_room(world, guests=50)
    poll = poll_ready(room)
    (server,) = servers(1)
    host = connect(server, cookie=host_cookie)
    host.join(room.meeting.id)
    phones = connect_all(connect, lambda _: server, room, room.guests)

    poll_id, yes = poll.id, yes_of(poll)
    racers, latecomers = phones[:40], phones[40:]
    answers: list[dict] = [None] * len(racers)
    some_acked = threading.Semaphore(0)
    start = threading.Barrier(len(racers) + 1)

    def vote(index):
        start.wait()
        answers[index] = racers[index].call("vote_cast", {"poll_id": poll_id, "choices": [yes], "key": f"k{index}"})
        some_acked.release()

    def close():
        start.wait()
        for _ in range(10):  # close in the middle of the stream of votes
            some_acked.acquire()
        return host.call("poll_close", {"poll_id": poll_id})

    with ThreadPoolExecutor(max_workers=len(racers) + 1) as pool:
        closing = pool.submit(close)
        for future in [pool.submit(vote, i) for i in range(len(racers))]:
            future.result()
        closed = closing.result()
    # and those who only now press the button are told, every one of them
    late = [phone.call("vote_cast", {"poll_id": poll_id, "choices": [yes], "key": "late"}) for phone in latecomers]

    assert closed["ok"], closed
    accepted = [a for a in answers if a["ok"]]
    refused = [a for a in answers + late if not a["ok"]]
    assert all(a["error"] == "poll_closed" for a in refused), refused
    assert len(accepted) >= 10 and len(refused) >= len(latecomers)
    assert len(accepted) + len(refused) == 50
    result = closed["result"]
    assert result["total"] == len(accepted) == result["counts"][str(yes)]
    assert db.session.scalar(select(db.func.count(Ballot.id)).where(Ballot.poll_id == poll_id)) == len(accepted)
    heard = phones[0].wait_for("poll_closed")
    assert heard["total"] == len(accepted)
    assert_clean(server)


def test_two_hundred_voters_each_sending_the_same_vote_five_times(app, world, servers, connect):
    room = build_room(world, guests=199)
    poll = poll_ready(room)
    (server,) = servers(1)
    phones = connect_all(connect, lambda _: server, room, room.voters)
    assert len(phones) == 200

    poll_id, yes = poll.id, yes_of(poll)

    def vote(index_and_try):
        index, attempt = index_and_try
        payload = {"poll_id": poll_id, "choices": [yes], "key": f"voter-{index}"}
        for _ in range(5):  # what the phone does when the server says "busy": the same vote again
            ack = phones[index].call("vote_cast", payload)
            if ack.get("error") != "busy":
                break
        return index, ack

    attempts = [(index, attempt) for attempt in range(5) for index in range(200)]
    with ThreadPoolExecutor(max_workers=100) as pool:
        answers = list(pool.map(vote, attempts))

    by_voter: dict[int, list[dict]] = {}
    for index, ack in answers:
        by_voter.setdefault(index, []).append(ack)
    assert all(ack["ok"] for _, ack in answers), ([ack for _, ack in answers if not ack["ok"]][:5], server.log()[-4000:])
    assert all(len({ack["receipt"] for ack in acks}) == 1 for acks in by_voter.values())
    assert all(sum(not ack["repeated"] for ack in acks) == 1 for acks in by_voter.values())
    assert db.session.scalar(select(db.func.count(Ballot.id)).where(Ballot.poll_id == poll.id)) == 200
    assert phones[0].wait_for("tally", lambda t: t["seq"] == 200)["total"] == 200
    tallies_heard = len(phones[0].heard["tally"])
    assert tallies_heard < 50, tallies_heard  # coalesced: nowhere near one per vote
    assert_clean(server)


def test_a_vote_cast_on_one_server_reaches_phones_on_another(app, world, servers, connect, redis_url):
    room = build_room(world, guests=39)
    poll = poll_ready(room, secret=True)
    first, second = servers(2, message_queue=redis_url)
    phones = connect_all(connect, lambda index: (first, second)[index % 2], room, room.voters)

    vote = {"poll_id": poll.id, "choices": [yes_of(poll)], "key": "k"}
    with ThreadPoolExecutor(max_workers=40) as pool:
        acks = list(pool.map(lambda phone: phone.call("vote_cast", vote), phones))
    assert all(ack["ok"] for ack in acks)
    finals = [phone.wait_for("tally", lambda t: t["seq"] == 40) for phone in phones]
    assert {tuple(sorted(t["counts"].items())) for t in finals} == {((str(yes_of(poll)), 40), *sorted(
        (str(o.id), 0) for o in poll.options if o.code != "yes"))}
    for phone in phones:  # every phone saw seq only grow
        seqs = [t["seq"] for t in phone.heard["tally"]]
        assert max(seqs) == 40
    assert_clean(first, second)


def test_a_resident_gets_nothing_done_with_host_events_over_the_network(world, servers, connect):
    from tests.live.test_meeting_flow import HOST_ONLY

    room = build_room(world)
    (server,) = servers(1)
    resident = connect(server, room.guests[0].token)
    resident.join(room.meeting.id)
    answers = [resident.call(event, payload) for event, payload in HOST_ONLY.items()]
    assert [a["error"] for a in answers] == ["forbidden"] * len(HOST_ONLY)
    assert_clean(server)


def test_tokens_open_only_their_own_meeting_and_unknown_ones_nothing(world, servers, connect):
    room = build_room(world)
    (server,) = servers(1)
    stranger = connect(server, room.other_guest.token)
    assert stranger.call("join", {"meeting_id": room.meeting.id})["error"] == "forbidden"
    with pytest.raises(socketio.exceptions.ConnectionError):
        connect(server, "made-up-token")
    with pytest.raises(socketio.exceptions.ConnectionError):
        connect(server)


def test_a_page_from_a_foreign_origin_is_refused(world, servers, connect):
    room = build_room(world)
    (server,) = servers(1)
    with pytest.raises(socketio.exceptions.ConnectionError):
        connect(server, room.guests[0].token, origin="https://evil.example")
    same_site = connect(server, room.guests[0].token, origin=server.url)
    assert same_site.join(room.meeting.id)["meeting"]["id"] == room.meeting.id


def test_the_long_polling_handshake_checks_the_origin_too(world, servers):
    (server,) = servers(1)

    def handshake(origin: str) -> int:
        request = urllib.request.Request(f"{server.url}/socket.io/?EIO=4&transport=polling", headers={"Origin": origin})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    assert handshake("https://evil.example") == 400
    assert handshake(server.url) == 200


def test_a_phone_that_loses_its_connection_gets_the_room_back(world, servers, connect):
    room = build_room(world)
    (server,) = servers(1)
    phone = connect(server, room.guests[0].token)
    before = phone.join(room.meeting.id)
    assert phone.call("check_in")["ok"]
    assert phone.call("hand_raise", {"stance": "support"})["ok"]
    assert phone.call("position_post", {"stance": "concern", "text": "晚上噪音"})["ok"]
    phone.close()

    again = connect(server, room.guests[0].token)
    after = again.join(room.meeting.id)
    assert after["me"]["checked_in"] and not before["me"]["checked_in"]
    assert [q["participant"]["id"] for q in after["queue"]] == [room.guests[0].id]
    assert [p["text"] for p in after["positions"]["resident"]] == ["晚上噪音"]
    assert after["presence"]["present"] == 1
