"""Each connection's checked actor, kept in this process's memory between events.

Permission is still checked on every event, but against what ``actor_for``
found in the database when the phone joined, not by asking the database
again: at a thousand phones voting within a second those queries were most
of the server's work. What is kept is ids and flags, never ORM rows.

An entry is forgotten, so that the next event checks the database again:
- when its connection ends (``on_disconnect``), which is also how the
  revocations of ``registry`` reach every process: logging out, deactivation,
  a role change or a removed membership disconnect that person's sockets
  everywhere within a second, through Redis when there are several processes;
- at once in the process that committed a revocation (``forget``), so that
  the next event served there is refused even before the disconnect arrives;
- all of them, when this process's subscription to the message queue comes
  back after a failure (``doubt``): a disconnect sent meanwhile was lost;
- after ``LIVE_ACTOR_TTL`` seconds (default 600), in case a revocation was lost
  some other way (the revoking process could not publish): a doubt costs one
  database check. Not shorter: phones join long before they vote, and an
  expired entry makes the vote ask the database again.

Ballots never rely on it alone: the group that writes a vote checks the
voter's invitation, side, check-in and the meeting's status in the database.
"""
from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

from roundtable.live.permissions import Actor

DEFAULT_TTL = 600.0


@dataclass(frozen=True)
class Checked:
    """What ``actor_for`` established for one connection in one meeting."""

    meeting_id: int
    invitation_id: int | None
    user_id: int | None
    username: str | None
    host: bool
    watcher: bool
    until: float

    def actor(self) -> Actor:
        return Actor(
            meeting_id=self.meeting_id,
            invitation_id=self.invitation_id,
            user_id=self.user_id,
            username=self.username,
            host=self.host,
            watcher=self.watcher,
        )


class ActorCache:
    def __init__(self, ttl: float | None = None):
        self.ttl = float(os.environ.get("LIVE_ACTOR_TTL", DEFAULT_TTL)) if ttl is None else ttl
        self._lock = threading.Lock()
        self._by_sid: dict[str, Checked] = {}

    def get(self, sid: str, meeting_id: int) -> Actor | None:
        """The cached actor of this connection in this meeting, or None: check the database."""
        checked = self._by_sid.get(sid)
        if checked is None or checked.meeting_id != meeting_id or checked.until < time.monotonic():
            return None
        return checked.actor()

    def put(self, sid: str, actor: Actor) -> None:
        checked = Checked(
            actor.meeting_id, actor.invitation_id, actor.user_id, actor.username, actor.host, actor.watcher,
            time.monotonic() + self.ttl,
        )
        with self._lock:
            self._by_sid[sid] = checked

    def drop(self, sid: str) -> None:
        with self._lock:
            self._by_sid.pop(sid, None)

    def forget(self, *, users: Iterable[int] = (), invitations: Iterable[int] = (), meetings: Iterable[int] = ()) -> int:
        """Forget every connection of these users, invitations or meetings; how many were."""
        users, invitations, meetings = set(users), set(invitations), set(meetings)
        if not (users or invitations or meetings):
            return 0
        with self._lock:
            gone = [
                sid
                for sid, checked in self._by_sid.items()
                if checked.user_id in users or checked.invitation_id in invitations or checked.meeting_id in meetings
            ]
            for sid in gone:
                del self._by_sid[sid]
        return len(gone)

    def doubt(self) -> None:
        """Revocations may have been lost (the message queue was unreachable): check everyone again."""
        with self._lock:
            self._by_sid.clear()

    def __len__(self) -> int:
        return len(self._by_sid)


actors = ActorCache()
