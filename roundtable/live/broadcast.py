"""Sending to a meeting's room, and the coalesced tally.

A tally per vote would be N broadcasts to N phones (N² messages) for a room of
N voters. Instead, per poll and process, the first change goes out at once and
later changes at most once per ``LIVE_TALLY_WINDOW`` seconds, each time with
the latest counts, and a trailing send after the last vote. ``sent`` counts
tally broadcasts per poll for tests and benchmarks.

The latest counts: with one server process every ballot of a live poll is
written by this process's ballot box, so the counts are kept in memory,
recounted from the database once (the first group of a poll) and then updated
from each committed group (``committed``). Any other change (``poll_changed``
without the group: a ballot written elsewhere) is a doubt: the memory is
dropped and the database counted again. With several processes (a message
queue) the others write too: each send counts the database (a secret poll's
sealed ballots opened once per process, ``secret_ballots``), and one process
per window sends it, the one that takes the poll's lease (``_lease``).
Either way ``seq`` is the number of committed ballots, so it never goes down,
and the result at the close is always counted from the database.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

from roundtable.ballots.models import ASSISTED, PAPER, PHONE, PROXY
from roundtable.core.types import JsonObject
from roundtable.extensions import db, socketio
from roundtable.live.snapshots import room_changed

if TYPE_CHECKING:
    from roundtable.ballots.operations import BallotRequest

NAMESPACE = "/live"
log = logging.getLogger(__name__)


def room_of(meeting_id: int) -> str:
    return f"meeting-{meeting_id}"


def to_room(meeting_id: int, event: str, payload: JsonObject) -> None:
    """Only after the commit: what the room hears must already be true in the database.

    The shared snapshot part is forgotten first: whoever joins from now on reads
    the new state, whoever got the older one is in the room and hears this.
    """
    room_changed(meeting_id)
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
    if server is None:  # not serving (a command, a test without sockets)
        return
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
        self.recounts: Counter[int] = Counter()  # database counts per poll, for tests and benchmarks
        self._lock = threading.Lock()
        self._dirty: dict[int, bool] = {}  # poll id → changed since the last send; present while a sender runs
        self._counts: dict[int, tuple[dict[str, int], int, dict[str, int]]] = {}  # poll → (counts by option, total, by channel)
        self._last_seq: dict[int, int] = {}
        self.name = f"{socket.gethostname()}:{os.getpid()}"  # who holds a tally lease (shown in Redis)

    def shared(self) -> bool:
        """True when other processes write ballots too (a message queue joins them)."""
        from roundtable.live.queue import queue_manager

        return bool(self.app.config.get("SOCKETIO_MESSAGE_QUEUE")) or queue_manager() is not None

    def committed(self, meeting_id: int, poll_id: int, requests: list[BallotRequest],
                  recount: Callable[[], tuple[dict[str, int], int, dict[str, int]]]) -> None:
        """The ballot box committed these ``BallotRequest`` s of the poll: count them, then announce.

        Only the ballot box's writer calls this, one group at a time, right after
        its commit; ``recount()`` counts the database (which holds the group
        already) when this process has no counts of the poll yet.
        """
        if not self.shared():
            with self._lock:
                kept = self._counts.get(poll_id)
            if kept is None:
                counts, total, channels = recount()
                self.recounts[poll_id] += 1
            else:
                counts, total, channels = dict(kept[0]), kept[1] + len(requests), dict(kept[2])
                for request in requests:
                    for option_id in request.choices:
                        key = str(option_id)
                        counts[key] = counts.get(key, 0) + 1
                    channel = channel_of(request)
                    channels[channel] = channels.get(channel, 0) + 1
            with self._lock:
                self._counts[poll_id] = (counts, total, channels)
        self.poll_changed(meeting_id, poll_id, doubt=False)

    def forget(self, poll_id: int) -> None:
        """The poll closed (its result was counted from the database): keep nothing of it."""
        from roundtable.live.secret_ballots import forget_opened

        with self._lock:
            self._counts.pop(poll_id, None)
        forget_opened(self.app, poll_id)

    def busy(self, poll_id: int) -> bool:
        """True while a sender for the poll is running (it may still send a trailing tally)."""
        with self._lock:
            return poll_id in self._dirty

    def poll_changed(self, meeting_id: int, poll_id: int, doubt: bool = True) -> None:
        """Announce the poll's counts soon; ``doubt``: they changed other than through ``committed``."""
        with self._lock:
            if doubt:
                self._counts.pop(poll_id, None)
            if poll_id in self._dirty:
                self._dirty[poll_id] = True
                return
            self._dirty[poll_id] = False
        socketio.start_background_task(self._send_until_quiet, meeting_id, poll_id)

    def _send_until_quiet(self, meeting_id: int, poll_id: int) -> None:
        window = float(self.app.config.get("LIVE_TALLY_WINDOW", 0.25))
        try:
            while True:
                sent = self._send(meeting_id, poll_id, window)
                socketio.sleep(window)
                with self._lock:
                    if not self._dirty[poll_id] and sent:
                        del self._dirty[poll_id]
                        return
                    self._dirty[poll_id] = False
        except Exception:  # noqa: BLE001 - a background task has nobody else to tell
            log.exception("tally broadcast for poll %s failed", poll_id)
            with self._lock:
                self._dirty.pop(poll_id, None)

    def _lease(self, poll_id: int, window: float) -> bool:
        """With several processes: may this one send the poll's tally in this window?

        Each process used to send the tallies of its own votes to the whole room, so a
        phone heard one tally per window from every process (P × the messages, P × the
        database counts). Now a tally is sent by whichever process takes the poll's
        lease in Redis for the window (SET NX, expiring with the window); the others
        try again next window, so the last change of every process is still followed
        by a tally counted after it. If Redis does not answer, send: more tallies,
        never fewer.
        """
        from roundtable.live.queue import queue_manager

        manager = queue_manager()
        if manager is None:
            return True
        key = f"{manager.prefix}:live:tally-lease:{poll_id}"
        try:
            return bool(manager.client.set(key, self.name, nx=True, px=max(1, int(window * 1000))))
        except Exception:  # noqa: BLE001 - a tally too many rather than a tally missing
            log.warning("tally lease for poll %s not taken (Redis): sending anyway", poll_id)
            return True

    def _send(self, meeting_id: int, poll_id: int, window: float = 0.0) -> bool:
        """Send the poll's counts to the room; False when another process holds this window's lease."""
        from roundtable.live.models import Poll
        from roundtable.live.queries import tally_of

        if self.shared() and not self._lease(poll_id, window):
            return False
        payload: dict[str, Any]
        with self._lock:
            kept = self._counts.get(poll_id)
        if kept is not None:
            counts, total, channels = kept
            payload = {"poll_id": poll_id, "counts": dict(counts), "total": total, "seq": total, "channels": dict(channels)}
        else:
            with self.app.app_context():
                poll = db.session.get(Poll, poll_id)
                if poll is None:
                    return True
                payload = tally_of(poll)
                self.recounts[poll_id] += 1
                db.session.remove()
        with self._lock:
            if payload["seq"] < self._last_seq.get(poll_id, -1):
                return True  # never backwards (a recount read before a newer send)
            self._last_seq[poll_id] = payload["seq"]
        to_room(meeting_id, "tally", payload)
        self.sent[poll_id] += 1
        return True


def channel_of(request: BallotRequest) -> str:
    """How a ballot came, as ``live.queries.channel_counts`` counts it."""
    channel = getattr(request, "channel", PHONE)
    if channel in (PAPER, PROXY):
        return channel
    return ASSISTED if request.assisted_by_id is not None else PHONE


def tallies() -> TallyBroadcaster:
    broadcaster: TallyBroadcaster = current_app.extensions["live_tallies"]
    return broadcaster
