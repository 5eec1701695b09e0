"""Which live sockets belong to which logged-in user or invitation, so that revoking one ends them.

A socket opened with a login session would still *hear* the room after its
owner logged out, was deactivated or removed from the community, and its
connection's cached actor (``actor_cache``) would still be trusted. So each
such socket is recorded here on connect (by user) and on join (by the
invitation it acts through), and after a commit that changed a user's session
version or active flag, removed one of their memberships or invitations,
removed any invitation or changed a meeting's host, those sockets are
disconnected, and this process forgets their cached actors at once. Whoever
is still allowed reconnects at once and is admitted again by ``on_connect``;
the others are refused there.

The record lives in Redis when the servers share a Redis message queue, so
that a logout served by one process drops the sockets held by another (the
disconnect travels through the queue); otherwise in this process's memory.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Set as AbstractSet
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from roundtable.extensions import socketio
from roundtable.live.actor_cache import actors
from roundtable.live.broadcast import NAMESPACE

log = logging.getLogger(__name__)
KEY = "live:user-sockets:{}"  # by user id, "invitation-<id>" or "member-<user>-<community>"; under the deployment prefix
KEY_TTL = 24 * 3600
PENDING = "live_users_to_drop"
GRANTED = "live_users_granted"


def invitation_holder(invitation_id: int) -> str:
    return f"invitation-{invitation_id}"


def member_holder(user_id: int, community_id: int) -> str:
    """A login socket in a meeting of this community: removing the membership drops it, and only it."""
    return f"member-{user_id}-{community_id}"


class MemoryStore:
    """One process: holder (user id or invitation-<id>) → socket ids, and back."""

    def __init__(self):
        self._lock = threading.Lock()
        self._by_holder: dict[int | str, set[str]] = {}
        self._holders: dict[str, set[int | str]] = {}

    def add(self, holder: int | str, sid: str) -> None:
        with self._lock:
            self._by_holder.setdefault(holder, set()).add(sid)
            self._holders.setdefault(sid, set()).add(holder)

    def remove(self, sid: str) -> None:
        with self._lock:
            for holder in self._holders.pop(sid, ()):
                sockets = self._by_holder.get(holder)
                if sockets is not None:
                    sockets.discard(sid)
                    if not sockets:
                        del self._by_holder[holder]

    def sockets_of(self, holder: int | str) -> set[str]:
        with self._lock:
            return set(self._by_holder.get(holder, ()))


class RedisStore:
    """Every process: a Redis set per holder; entries of a killed process only cost a no-op disconnect."""

    def __init__(self, client, prefix: str = "roundtable"):
        self.client = client
        self.prefix = prefix

    def _key(self, holder) -> str:
        return f"{self.prefix}:{KEY.format(holder)}"

    def add(self, holder: int | str, sid: str) -> None:
        key, owner_key = self._key(holder), f"{self._key('sid')}:{sid}"
        self.client.pipeline().sadd(key, sid).expire(key, KEY_TTL).sadd(owner_key, holder).expire(owner_key, KEY_TTL).execute()

    def remove(self, sid: str) -> None:
        owner_key = f"{self._key('sid')}:{sid}"
        holders = self.client.smembers(owner_key)
        if holders:
            pipe = self.client.pipeline()
            for holder in holders:
                pipe.srem(self._key(holder.decode()), sid)
            pipe.delete(owner_key).execute()

    def sockets_of(self, holder: int | str) -> set[str]:
        return {sid.decode() for sid in self.client.smembers(self._key(holder))}


_memory = MemoryStore()


def _store():
    from roundtable.live.queue import queue_manager

    manager = queue_manager()
    return RedisStore(manager.client, manager.prefix) if manager is not None else _memory


def _user_id(credential: dict[str, Any] | None) -> int | None:
    credential = credential or {}
    if credential.get("kind") != "user":
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


def socket_joined(sid: str, invitation_id: int | None, member: tuple[int, int] | None = None) -> None:
    """Called by ``on_join``: the invitation the socket acts through, so that removing it drops the socket,
    and for a login socket (user id, the meeting's community), so that removing that membership drops it."""
    try:
        if member is not None:
            _store().add(member_holder(*member), sid)
        if invitation_id is None:
            return
        _store().add(invitation_holder(invitation_id), sid)
    except Exception as error:  # noqa: BLE001 - the actor cache's TTL still bounds how long it is trusted
        log.warning("live registry: socket %s of invitation %s not recorded: %s", sid, invitation_id, error)


def socket_closed(sid: str) -> None:
    actors.drop(sid)
    try:
        _store().remove(sid)
    except Exception as error:  # noqa: BLE001 - a closing socket must close even if the record fails
        log.warning("live registry: socket %s not forgotten: %s", sid, error)


def drop_sockets_of(user_ids: AbstractSet[int], invitation_ids: AbstractSet[int] = frozenset(),
                    memberships: AbstractSet[tuple[int, int]] = frozenset()) -> int:
    """Disconnect every ``/live`` socket of these users and invitations, and the sockets these
    (user, community) memberships opened in that community's meetings, in any process."""
    dropped = 0
    store = _store()
    holders = [*user_ids, *(invitation_holder(i) for i in invitation_ids), *(member_holder(*m) for m in memberships)]
    for holder in holders:
        for sid in store.sockets_of(holder):
            actors.drop(sid)
            socketio.server.disconnect(sid, namespace=NAMESPACE)  # through the queue if it is elsewhere
            store.remove(sid)
            dropped += 1
    return dropped


# ------------------------------------------------------------------ the hook after commit


def _losing_access(session: Session) -> tuple[set[int], set[int], set[tuple[int, int]]]:
    """(users, invitations, memberships) whose live sockets must go after this flush commits.

    A removed community membership drops only the sockets it opened in that community's
    meetings (never the person's session or other sockets: docs/security.md §7).

    Grants are not here (nobody is disconnected for gaining a role): see ``_granted``.
    """
    from roundtable.auth.models import User
    from roundtable.communities.models import DepartmentMember, Membership, OrganizationMember
    from roundtable.meetings.models import Invitation, Meeting

    users: set[int] = set()
    invitations: set[int] = set()
    memberships: set[tuple[int, int]] = set()
    for obj in session.dirty:
        if isinstance(obj, User):
            state = inspect(obj)
            if state.attrs.session_version.history.has_changes() or state.attrs.active.history.has_changes():
                users.add(obj.id)
        elif isinstance(obj, Membership) and inspect(obj).attrs.role.history.has_changes():
            users.add(obj.user_id)
        elif isinstance(obj, Invitation):
            state = inspect(obj)
            if any(state.attrs[name].history.has_changes() for name in ("side", "user_id", "meeting_id")):
                invitations.add(obj.id)
                users.update(u for u in (*state.attrs.user_id.history.deleted, obj.user_id) if u is not None)
        elif isinstance(obj, Meeting):
            history = inspect(obj).attrs.host_id.history
            if history.has_changes():  # the old host stops being one, the new one becomes one
                users.update(host for host in (*history.deleted, *history.added) if host is not None)
    for obj in session.deleted:
        if isinstance(obj, Membership):
            memberships.add((obj.user_id, obj.community_id))
        elif isinstance(obj, (DepartmentMember, OrganizationMember, Invitation)) and obj.user_id is not None:
            users.add(obj.user_id)
        if isinstance(obj, Invitation) and obj.id is not None:
            invitations.add(obj.id)
    return users, invitations, memberships


def _granted(session: Session) -> set[int]:
    """Users given an invitation: their kept actors (no invitation yet) are forgotten in this
    process after the commit; in another process the next join or ``LIVE_ACTOR_TTL`` finds it."""
    from roundtable.meetings.models import Invitation

    return {obj.user_id for obj in session.new if isinstance(obj, Invitation) and obj.user_id is not None}


def _collect(session: Session, _flush_context, _instances) -> None:
    granted = _granted(session)
    if granted:
        session.info.setdefault(GRANTED, set()).update(granted)
    users, invitations, memberships = _losing_access(session)
    if users or invitations or memberships:
        pending = session.info.setdefault(PENDING, (set(), set(), set()))
        pending[0].update(users)
        pending[1].update(invitations)
        pending[2].update(memberships)


def _after_commit(session: Session) -> None:
    granted = session.info.pop(GRANTED, None)
    if granted:
        actors.forget(users=granted)
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    users, invitations, memberships = pending
    # Cached actors are rebuilt from the database: forgetting a removed member's is harmless.
    actors.forget(users=users | {user for user, _community in memberships}, invitations=invitations)
    if getattr(socketio, "server", None) is not None:
        # Not inside the commit: disconnecting runs the namespace's handlers.
        socketio.start_background_task(_drop_quietly, users, invitations, memberships)


def _after_rollback(session: Session) -> None:
    session.info.pop(PENDING, None)
    session.info.pop(GRANTED, None)


def _drop_quietly(users: set[int], invitations: set[int], memberships: AbstractSet[tuple[int, int]] = frozenset()) -> None:
    try:
        drop_sockets_of(users, invitations, memberships)
    except Exception:  # noqa: BLE001 - a background task has nobody else to tell
        log.exception("live registry: dropping sockets of users %s, invitations %s failed", sorted(users), sorted(invitations))


def install() -> None:
    """Listen on every session once (idempotent: create_app runs many times in tests)."""
    if not event.contains(Session, "before_flush", _collect):
        event.listen(Session, "before_flush", _collect)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)
