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

log = logging.getLogger(__name__)
NAMESPACE = "/live"
KEY = "live:user-sockets:{}"  # under the deployment's prefix (live/queue.py)
KEY_TTL = 24 * 3600
PENDING = "live_users_to_drop"


class MemoryStore:
    """One process: user id → socket ids, and back."""

    def __init__(self):
        self._lock = threading.Lock()
        self._by_user: dict[int, set[str]] = {}
        self._owner: dict[str, int] = {}
        self._community: dict[str, int] = {}

    def set_community(self, sid: str, community_id: int) -> None:
        with self._lock:
            if sid in self._owner:
                self._community[sid] = community_id

    def community_of(self, sid: str) -> int | None:
        with self._lock:
            return self._community.get(sid)

    def add(self, user_id: int, sid: str) -> None:
        with self._lock:
            self._by_user.setdefault(user_id, set()).add(sid)
            self._owner[sid] = user_id

    def remove(self, sid: str) -> None:
        with self._lock:
            user_id = self._owner.pop(sid, None)
            self._community.pop(sid, None)
            if user_id is not None:
                self._by_user.get(user_id, set()).discard(sid)

    def sockets_of(self, user_id: int) -> set[str]:
        with self._lock:
            return set(self._by_user.get(user_id, ()))


class RedisStore:
    """Every process: a Redis set per user; entries of a killed process only cost a no-op disconnect."""

    def __init__(self, client, prefix: str):
        self.client = client
        self.prefix = prefix

    def _key(self, what) -> str:
        return f"{self.prefix}:{KEY.format(what)}"

    def add(self, user_id: int, sid: str) -> None:
        key = self._key(user_id)
        self.client.pipeline().sadd(key, sid).expire(key, KEY_TTL).set(f"{self._key('sid')}:{sid}", user_id, ex=KEY_TTL).execute()

    def set_community(self, sid: str, community_id: int) -> None:
        self.client.set(f"{self._key('community')}:{sid}", community_id, ex=KEY_TTL)

    def community_of(self, sid: str) -> int | None:
        value = self.client.get(f"{self._key('community')}:{sid}")
        return int(value) if value is not None else None

    def remove(self, sid: str) -> None:
        owner_key = f"{self._key('sid')}:{sid}"
        user_id = self.client.get(owner_key)
        if user_id is not None:
            self.client.pipeline().srem(self._key(int(user_id)), sid).delete(owner_key).delete(
                f"{self._key('community')}:{sid}"
            ).execute()

    def sockets_of(self, user_id: int) -> set[str]:
        return {sid.decode() for sid in self.client.smembers(self._key(user_id))}


_memory = MemoryStore()


def _store():
    from roundtable.live.queue import queue_manager

    manager = queue_manager()
    return RedisStore(manager.client, manager.prefix) if manager is not None else _memory


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


def socket_joined(sid: str, community_id: int) -> None:
    """Called by ``join``: the community whose meeting this socket hears (a removal from it drops it)."""
    try:
        _store().set_community(sid, community_id)
    except Exception as error:  # noqa: BLE001 - never refuse a phone because of the record
        log.warning("live registry: socket %s community not recorded: %s", sid, error)


def socket_closed(sid: str) -> None:
    try:
        _store().remove(sid)
    except Exception as error:  # noqa: BLE001
        log.warning("live registry: socket %s not forgotten: %s", sid, error)


ALL = None  # drop every socket of the user, whatever community it hears


def drop_sockets_of(users) -> int:
    """Disconnect ``/live`` sockets, in any process; how many were asked to go.

    ``users`` maps a user id to the communities whose meetings' sockets must go (``ALL``:
    every socket); a plain set of user ids means ``ALL`` for each.
    """
    if not isinstance(users, dict):
        users = {user_id: ALL for user_id in users}
    dropped = 0
    store = _store()
    for user_id, communities in users.items():
        for sid in store.sockets_of(user_id):
            if communities is not ALL and store.community_of(sid) not in communities:
                continue
            socketio.server.disconnect(sid, namespace=NAMESPACE)  # through the queue if it is elsewhere
            store.remove(sid)
            dropped += 1
    return dropped


# ------------------------------------------------------------------ the hook after commit


def _users_losing_access(session: Session) -> dict[int, set[int] | None]:
    """User id → the communities whose sockets go (a removed membership), or ALL (a logout,
    deactivation, role change, a department or organization link or an invitation removed)."""
    from roundtable.auth.models import User
    from roundtable.communities.models import DepartmentMember, Membership, OrganizationMember
    from roundtable.meetings.models import Invitation

    everything: set[int] = set()
    scoped: dict[int, set[int]] = {}
    for obj in session.dirty:
        if isinstance(obj, User):
            state = inspect(obj)
            if state.attrs.session_version.history.has_changes() or state.attrs.active.history.has_changes():
                everything.add(obj.id)
        elif isinstance(obj, Membership) and inspect(obj).attrs.role.history.has_changes():
            everything.add(obj.user_id)
    for obj in session.deleted:
        if isinstance(obj, Membership):
            scoped.setdefault(obj.user_id, set()).add(obj.community_id)
        elif isinstance(obj, (DepartmentMember, OrganizationMember, Invitation)):
            if getattr(obj, "user_id", None) is not None:
                everything.add(obj.user_id)
    users: dict[int, set[int] | None] = {user_id: set(c) for user_id, c in scoped.items()}
    users.update({user_id: ALL for user_id in everything})
    return users


def _collect(session: Session, _flush_context, _instances) -> None:
    users = _users_losing_access(session)
    if users:
        pending = session.info.setdefault(PENDING, {})
        for user_id, communities in users.items():
            if communities is ALL or pending.get(user_id, set()) is ALL:
                pending[user_id] = ALL
            else:
                pending.setdefault(user_id, set()).update(communities)


def _after_commit(session: Session) -> None:
    users = session.info.pop(PENDING, None)
    if users and getattr(socketio, "server", None) is not None:
        # Not inside the commit: disconnecting runs the namespace's handlers.
        socketio.start_background_task(_drop_quietly, users)


def _after_rollback(session: Session) -> None:
    session.info.pop(PENDING, None)


def _drop_quietly(users) -> None:
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
