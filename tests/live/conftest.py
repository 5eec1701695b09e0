"""A live meeting in community A, phones that join it, and real servers to join it over the network.

``room`` builds the meeting straight from the models (status ``live``), so
that these tests depend on the live protocol and not on how meetings are
prepared. ``Phone`` wraps Flask-SocketIO's test client: ``phone.call(event,
payload)`` returns the ack, ``phone.events(name)`` what the room sent it.
``servers`` starts the production entry (serve.py, gevent) through
bench.processes, shared with the benchmark and the fault tests.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from roundtable.core.time import utcnow
from roundtable.extensions import db, socketio
from roundtable.meetings.models import AgendaItem, Invitation, Meeting
from tests.conftest import unavailable

@dataclass
class Room:
    meeting: Meeting
    items: list[AgendaItem]
    resident: Invitation  # a_resident's invitation (also reachable by logging in)
    guests: list[Invitation]  # residents without an account, by token
    department: Invitation
    organization: Invitation
    other_meeting: Meeting  # community B's meeting
    other_guest: Invitation
    extra: dict = field(default_factory=dict)

    @property
    def voters(self) -> list[Invitation]:
        return [self.resident, *self.guests]


def _meeting(side, title: str, status: str = "live", **rules) -> Meeting:
    meeting = Meeting(
        community_id=side.community.id,
        title=title,
        starts_at=utcnow() + timedelta(hours=1),
        host_id=side.secretary.id,
        status=status,
        **rules,
    )
    db.session.add(meeting)
    db.session.flush()
    return meeting


def _invite(meeting: Meeting, kind: str, side: str, **who) -> Invitation:
    invitation = Invitation(meeting_id=meeting.id, community_id=meeting.community_id, kind=kind, side=side, **who)
    db.session.add(invitation)
    return invitation


def build_room(world, guests: int = 3, status: str = "live", **rules) -> Room:
    meeting = _meeting(world.a, "西河沿街超时停车圆桌会议", status, **rules)
    items = []
    for position, title in enumerate(("停车现状", "错时停车方案")):
        item = AgendaItem(meeting_id=meeting.id, position=position, title=title, case_id=world.a.case.id)
        db.session.add(item)
        items.append(item)
    resident = _invite(meeting, "resident", "resident", user_id=world.a.resident.id)
    guest_list = [
        _invite(meeting, "guest", "resident", guest_name=f"居民{n:03d}", guest_phone=f"1380000{n:04d}")
        for n in range(guests)
    ]
    department = _invite(meeting, "department", "department", department_id=world.department.id)
    organization = _invite(meeting, "organization", "organization", organization_id=world.a.organization.id)
    other = _meeting(world.b, "东河沿社区议事会")
    other_guest = _invite(other, "guest", "resident", guest_name="王五", guest_phone="13900000000")
    db.session.commit()
    return Room(meeting, items, resident, guest_list, department, organization, other, other_guest)


@pytest.fixture
def room(world) -> Room:
    """A live meeting of community A with two agenda items, four voters, a department and a property manager."""
    return build_room(world)


class Phone:
    """One Socket.IO connection to ``/live`` through Flask-SocketIO's test client."""

    def __init__(self, app, token: str | None = None, flask_client=None):
        auth = {"token": token} if token is not None else None
        self.client = socketio.test_client(app, namespace="/live", auth=auth, flask_test_client=flask_client)
        self._received: list[dict] = []

    @property
    def connected(self) -> bool:
        return self.client.is_connected("/live")

    def call(self, event: str, payload=None):
        if payload is None:
            return self.client.emit(event, namespace="/live", callback=True)
        return self.client.emit(event, payload, namespace="/live", callback=True)

    def join(self, meeting_id: int | None = None) -> dict:
        ack = self.call("join", {} if meeting_id is None else {"meeting_id": meeting_id})
        assert ack["ok"], ack
        return ack["snapshot"]

    def events(self, name: str) -> list:
        self._received.extend(self.client.get_received("/live"))
        return [packet["args"][0] for packet in self._received if packet["name"] == name]

    def wait_for(self, name: str, predicate=lambda payload: True, timeout: float = 5.0):
        """The first `name` event matching ``predicate``, waiting at most ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            matches = [payload for payload in self.events(name) if predicate(payload)]
            if matches:
                return matches[0]
            if time.monotonic() > deadline:
                raise AssertionError(f"no {name} event matching within {timeout}s; got {self.events(name)}")
            time.sleep(0.02)

    def disconnect(self):
        if self.connected:
            self.client.disconnect(namespace="/live")


@pytest.fixture
def phones(app):
    """Open phones with ``phones(token)`` or ``phones(flask_client=logged_in_client)``; all closed after the test."""
    opened = []

    def open_phone(token: str | None = None, flask_client=None) -> Phone:
        phone = Phone(app, token, flask_client)
        opened.append(phone)
        return phone

    yield open_phone
    for phone in opened:
        phone.disconnect()


@pytest.fixture
def host(app, phones, room, auth, client):
    """The host's console: the secretary of community A, logged in, joined to the meeting."""
    auth.login("a_secretary")
    phone = phones(flask_client=client)
    phone.join(room.meeting.id)
    return phone


def joined(phones, invitation: Invitation, checked_in: bool = False) -> Phone:
    phone = phones(invitation.token)
    phone.join(invitation.meeting_id)
    if checked_in:
        assert phone.call("check_in")["ok"]
    return phone


# ---------------------------------------------------------------- real server processes


@pytest.fixture
def servers(app, tmp_path):
    """Start production server processes (serve.py, gevent) on the test database: ``servers(n, message_queue=None)``."""
    from bench.processes import Server

    started: list[Server] = []
    env = dict(
        DATABASE_URL=db.engine.url.render_as_string(hide_password=False),
        SECRET_KEY=app.config["SECRET_KEY"],  # the test app's key, so that its login cookies work there
        BALLOT_KEY=app.config["BALLOT_KEY"],  # and its ballot key, so that either side can open sealed ballots
        ROUNDTABLE_INSTANCE=str(tmp_path),
        OUTBOX_DISPATCHER="0",
        EMBEDDED_WORKER="0",
        LIVE_TALLY_WINDOW="0.25",
        SOCKETIO_MESSAGE_QUEUE="",
    )

    def start(count: int = 1, message_queue: str | None = None) -> list[Server]:
        for _ in range(count):
            started.append(Server("roundtable", {**env, "SOCKETIO_MESSAGE_QUEUE": message_queue or ""}, tmp_path))
        return started[-count:]

    yield start
    for server in started:
        server.stop()


