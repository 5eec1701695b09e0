"""Which live sockets belong to which logged-in user, so that ending a session ends them too.

Every event re-checks the caller against the database, but a socket opened
with a login session would still *hear* the room after its owner logged out,
was deactivated or removed from the community. So each such socket is
recorded here on connect, and after a commit that changed a user's session
version or active flag, or removed one of their memberships or invitations,
their sockets are disconnected. Whoever is still allowed reconnects at once
and is admitted again by ``on_connect``; the others are refused there.

The record lives in Redis when the servers share a Redis message queue, so
that a logout served by one process drops the sockets held by another (the
disconnect travels through the queue); otherwise in this process's memory.
"""
from __future__ import annotations

import logging
import threading

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from roundtable.extensions import socketio
from roundtable.live.broadcast import NAMESPACE

log = logging.getLogger(__name__)
KEY = "roundtable:live:user-sockets:{}"
KEY_TTL = 24 * 3600
PENDING = "live_users_to_drop"


class MemoryStore:
    """One process: user id → socket ids, and back."""

    def __init__(self):
        self._lock = threading.Lock()
        self._by_user: dict[int, set[str]] = {}
        self._owner: dict[str, int] = {}

    def add(self, user_id: int, sid: str) -> None:
        with self._lock:
            self._by_user.setdefault(user_id, set()).add(sid)
            self._owner[sid] = user_id

    def remove(self, sid: str) -> None:
        with self._lock:
            user_id = self._owner.pop(sid, None)
            if user_id is not None:
                self._by_user.get(user_id, set()).discard(sid)

    def sockets_of(self, user_id: int) -> set[str]:
        with self._lock:
            return set(self._by_user.get(user_id, ()))


class RedisStore:
    """Every process: a Redis set per user; entries of a killed process only cost a no-op disconnect."""

    def __init__(self, client):
        self.client = client

    def add(self, user_id: int, sid: str) -> None:
        key = KEY.format(user_id)
        self.client.pipeline().sadd(key, sid).expire(key, KEY_TTL).set(f"{KEY.format('sid')}:{sid}", user_id, ex=KEY_TTL).execute()

    def remove(self, sid: str) -> None:
        owner_key = f"{KEY.format('sid')}:{sid}"
        user_id = self.client.get(owner_key)
        if user_id is not None:
            self.client.pipeline().srem(KEY.format(int(user_id)), sid).delete(owner_key).execute()

    def sockets_of(self, user_id: int) -> set[str]:
        return {sid.decode() for sid in self.client.smembers(KEY.format(user_id))}


_memory = MemoryStore()


def _store():
    from roundtable.live.queue import queue_manager

    manager = queue_manager()
    return RedisStore(manager.client) if manager is not None else _memory


def _user_id(credential: dict | None) -> int | None:
    if (credential or {}).get("kind") != "user":
        return None
    try:
        return int(str(credential["session_id"]).split(":", 1)[0])
    except (KeyError, ValueError):
        return None


def socket_opened(sid: str, credential: dict | None) -> None:
    """Called by ``on_connect``; only login-session sockets are recorded (tokens do not log out)."""
    user_id = _user_id(credential)
    if user_id is None:
        return
    try:
        _store().add(user_id, sid)
    except Exception as error:  # noqa: BLE001 - never refuse a phone because of the record
        log.warning("live registry: socket %s of user %s not recorded: %s", sid, user_id, error)


def socket_closed(sid: str) -> None:
    try:
        _store().remove(sid)
    except Exception as error:  # noqa: BLE001
        log.warning("live registry: socket %s not forgotten: %s", sid, error)


def drop_sockets_of(user_ids: set[int]) -> int:
    """Disconnect every ``/live`` socket of these users, in any process; how many were asked to go."""
    dropped = 0
    store = _store()
    for user_id in user_ids:
        for sid in store.sockets_of(user_id):
            socketio.server.disconnect(sid, namespace=NAMESPACE)  # through the queue if it is elsewhere
            store.remove(sid)
            dropped += 1
    return dropped


# ------------------------------------------------------------------ the hook after commit


def _users_losing_access(session: Session) -> set[int]:
    from roundtable.auth.models import User
    from roundtable.communities.models import DepartmentMember, Membership, OrganizationMember
    from roundtable.meetings.models import Invitation

    users: set[int] = set()
    for obj in session.dirty:
        if isinstance(obj, User):
            state = inspect(obj)
            if state.attrs.session_version.history.has_changes() or state.attrs.active.history.has_changes():
                users.add(obj.id)
        elif isinstance(obj, Membership) and inspect(obj).attrs.role.history.has_changes():
            users.add(obj.user_id)
    for obj in session.deleted:
        if isinstance(obj, (Membership, DepartmentMember, OrganizationMember, Invitation)):
            if getattr(obj, "user_id", None) is not None:
                users.add(obj.user_id)
    return users


def _collect(session: Session, _flush_context, _instances) -> None:
    users = _users_losing_access(session)
    if users:
        session.info.setdefault(PENDING, set()).update(users)


def _after_commit(session: Session) -> None:
    users = session.info.pop(PENDING, None)
    if users and getattr(socketio, "server", None) is not None:
        # Not inside the commit: disconnecting runs the namespace's handlers.
        socketio.start_background_task(_drop_quietly, users)


def _after_rollback(session: Session) -> None:
    session.info.pop(PENDING, None)


def _drop_quietly(users: set[int]) -> None:
    try:
        drop_sockets_of(users)
    except Exception:  # noqa: BLE001 - a background task has nobody else to tell
        log.exception("live registry: dropping sockets of users %s failed", sorted(users))


def install() -> None:
    """Listen on every session once (idempotent: create_app runs many times in tests)."""
    if not event.contains(Session, "before_flush", _collect):
        event.listen(Session, "before_flush", _collect)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)
