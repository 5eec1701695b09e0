"""Sending to a meeting's room, and the coalesced tally.

A tally per vote would be N broadcasts to N phones (N² messages) for a room of
N voters. Instead, per poll and process, the first change goes out at once and
later changes at most once per ``LIVE_TALLY_WINDOW`` seconds, each time with
the latest counts read from the database, and a trailing send after the last
vote. ``sent`` counts tally broadcasts per poll for tests and benchmarks.
"""
from __future__ import annotations

import logging
import threading
from collections import Counter

from flask import Flask, current_app

from roundtable.extensions import db, socketio

NAMESPACE = "/live"
log = logging.getLogger(__name__)


def room_of(meeting_id: int) -> str:
    return f"meeting-{meeting_id}"


def to_room(meeting_id: int, event: str, payload: dict) -> None:
    """Only after the commit: what the room hears must already be true in the database."""
    socketio.emit(event, payload, to=room_of(meeting_id), namespace=NAMESPACE)


def release_after_ack(sid: str) -> None:
    """Let the transport drop a large ack (a snapshot) once sent, instead of up to a ping later.

    python-engineio's websocket writer keeps the last packet it sent referenced
    until it sends the next one. After a joining rush that is one snapshot
    (tens of KB: the whole presence list) per phone, ~150 MB at 1,000 phones,
    held until the next ping (25 s). An Engine.IO NOOP packet a moment later
    takes its place; every Engine.IO client ignores NOOPs. Sockets of the
    Flask-SocketIO test client have no Engine.IO socket and are skipped.
    """
    socketio.start_background_task(_send_noop, sid)


def _send_noop(sid: str) -> None:
    from engineio.packet import NOOP, Packet

    socketio.sleep(0.05)  # after the ack, which is queued when the handler returns
    server = getattr(socketio, "server", None)
    try:
        eio_sid = server.manager.eio_sid_from_sid(sid, NAMESPACE)
        if eio_sid is not None and eio_sid in server.eio.sockets:
            server.eio.send_packet(eio_sid, Packet(NOOP))
    except Exception:  # noqa: BLE001 - only memory is at stake; the phone is served either way
        log.debug("noop after ack to %s not sent", sid, exc_info=True)


class TallyBroadcaster:
    def __init__(self, app: Flask):
        self.app = app
        self.sent: Counter[int] = Counter()
        self._lock = threading.Lock()
        self._dirty: dict[int, bool] = {}  # poll id → changed since the last send; present while a sender runs

    def busy(self, poll_id: int) -> bool:
        """True while a sender for the poll is running (it may still send a trailing tally)."""
        with self._lock:
            return poll_id in self._dirty

    def poll_changed(self, meeting_id: int, poll_id: int) -> None:
        with self._lock:
            if poll_id in self._dirty:
                self._dirty[poll_id] = True
                return
            self._dirty[poll_id] = False
        socketio.start_background_task(self._send_until_quiet, meeting_id, poll_id)

    def _send_until_quiet(self, meeting_id: int, poll_id: int) -> None:
        window = float(self.app.config.get("LIVE_TALLY_WINDOW", 0.25))
        try:
            while True:
                self._send(meeting_id, poll_id)
                socketio.sleep(window)
                with self._lock:
                    if not self._dirty[poll_id]:
                        del self._dirty[poll_id]
                        return
                    self._dirty[poll_id] = False
        except Exception:  # noqa: BLE001 - a background task has nobody else to tell
            log.exception("tally broadcast for poll %s failed", poll_id)
            with self._lock:
                self._dirty.pop(poll_id, None)

    def _send(self, meeting_id: int, poll_id: int) -> None:
        from roundtable.live.models import Poll
        from roundtable.live.queries import tally_of

        with self.app.app_context():
            poll = db.session.get(Poll, poll_id)
            if poll is None:
                return
            payload = tally_of(poll)
            db.session.remove()
        to_room(meeting_id, "tally", payload)
        self.sent[poll_id] += 1


def tallies() -> TallyBroadcaster:
    return current_app.extensions["live_tallies"]
