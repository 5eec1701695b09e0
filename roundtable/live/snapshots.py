"""The part of the snapshot that every participant and watcher gets alike, built once per change.

A thousand phones joining within a minute each asked the database for the
same meeting, agenda, queue, positions, motions, polls and presence: about
twenty queries per join, the whole of a joining rush. Now the first join
builds that part and the next ones reuse it, each adding only its own
``me``; the host's snapshot (hidden texts, named ballot lists) is always
built fresh.

The part is forgotten whenever the room may have changed, so that a join
never gets older state than the room events it will hear:
- every room event of the meeting, sent here (``to_room``) or heard from
  another process through the message queue (``queue.BoundedRedisManager``),
  is announced before it reaches the phones; a phone that got the older part
  had already joined the room, so it hears the event that brings it up to date;
- every commit in this process that wrote a row of the meeting (a route, a
  command, the demo) forgets it after the commit (``install``);
- a part built while such a change arrived is not kept;
- after ``LIVE_SNAPSHOT_TTL`` seconds (default 2) it is built again anyway,
  which bounds what a change made by a route in another process, that sends
  no room event, can leave unseen.
"""
from __future__ import annotations

import os
import threading
import time
import weakref
from collections.abc import Callable

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from roundtable.core.types import JsonObject

PENDING = "live_meetings_changed"
DEFAULT_TTL = 2.0
_caches: weakref.WeakSet[RoomSnapshots] = weakref.WeakSet()


class RoomSnapshots:
    def __init__(self, ttl: float | None = None):
        self.ttl = float(os.environ.get("LIVE_SNAPSHOT_TTL", DEFAULT_TTL)) if ttl is None else ttl
        self._lock = threading.Lock()
        self._parts: dict[int, tuple[float, JsonObject]] = {}  # meeting id → (built at, part)
        self._versions: dict[int, int] = {}  # meeting id → changes announced
        self._building: dict[int, threading.Lock] = {}
        self.built = 0  # for tests and benchmarks
        _caches.add(self)

    def room(self, meeting_id: int, build: Callable[[], JsonObject]) -> JsonObject:
        """The meeting's shared part, built by ``build`` unless a current one is kept."""
        part = self._current(meeting_id)
        if part is not None:
            return part
        with self._lock:
            building = self._building.setdefault(meeting_id, threading.Lock())
        if not building.acquire(blocking=False):
            # One build at a time per meeting; the others wait for it instead of building too. A
            # waiter ends its read transaction first, so that it holds no pooled connection the
            # builder may need (with every connection held by waiters, the build waited for the
            # pool's timeout and the joins with it).
            _release_connection()
            building.acquire()
        try:
            part = self._current(meeting_id)
            if part is not None:
                return part
            version = self._versions.get(meeting_id, 0)
            part = build()
            self.built += 1
            with self._lock:
                if self._versions.get(meeting_id, 0) == version:  # nothing changed while it was read
                    self._parts[meeting_id] = (time.monotonic(), part)
            return part
        finally:
            building.release()

    def _current(self, meeting_id: int) -> JsonObject | None:
        kept = self._parts.get(meeting_id)
        if kept is None or time.monotonic() - kept[0] > self.ttl:
            return None
        return kept[1]

    def version(self, meeting_id: int) -> int:
        """How many changes of the meeting were announced so far: equal later means nothing changed."""
        return self._versions.get(meeting_id, 0)

    def changed(self, meeting_id: int) -> None:
        with self._lock:
            self._versions[meeting_id] = self._versions.get(meeting_id, 0) + 1
            self._parts.pop(meeting_id, None)


def _release_connection() -> None:
    """End this event's read-only transaction, if it has one (rows read so far are read again on use)."""
    from roundtable.extensions import db

    if db.session.registry.has():
        db.session.rollback()


def room_changed(meeting_id: int) -> None:
    """Forget the meeting's shared part in every cache of this process (one per app)."""
    for cache in list(_caches):
        cache.changed(meeting_id)


def snapshots() -> RoomSnapshots:
    cache: RoomSnapshots = current_app.extensions["live_snapshots"]
    return cache


# ------------------------------------------------------------------ commits of this process


def _meetings_written(session: Session) -> set[int]:
    from roundtable.meetings.models import Meeting

    meetings: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Meeting):
            if obj.id is not None:
                meetings.add(obj.id)
            continue
        meeting_id = getattr(obj, "meeting_id", None)
        if isinstance(meeting_id, int):
            meetings.add(meeting_id)
    return meetings


def _collect(session: Session, _flush_context: object, _instances: object) -> None:
    meetings = _meetings_written(session)
    if meetings:
        session.info.setdefault(PENDING, set()).update(meetings)


def _after_commit(session: Session) -> None:
    for meeting_id in session.info.pop(PENDING, ()):
        room_changed(meeting_id)


def install() -> None:
    """Listen on every session once (idempotent: create_app runs many times in tests)."""
    if not event.contains(Session, "before_flush", _collect):
        event.listen(Session, "before_flush", _collect)
        event.listen(Session, "after_commit", _after_commit)  # a rolled-back change only costs one rebuild later
