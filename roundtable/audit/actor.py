"""Who the audit trail names for a change.

A flush listener cannot be handed the actor as an argument, so it reads it
from here: a value set explicitly for a block of work (the live namespace, a
CLI command, the worker) wins; inside a request the logged-in user is used,
but only if Flask-Login already loaded them (querying the user in the middle
of a flush would be a second, surprising database round trip).
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from flask import g, has_request_context


@dataclass(frozen=True)
class AuditActor:
    user_id: int | None
    label: str


SYSTEM = AuditActor(None, "system")
ANONYMOUS = AuditActor(None, "anonymous")

_explicit: ContextVar[AuditActor | None] = ContextVar("audit_actor", default=None)


def actor_of_user(user) -> AuditActor:
    return AuditActor(user.id, user.username)


@contextmanager
def acting_as(actor: AuditActor | str | object):
    """Name the actor for everything recorded inside the block (a user, an AuditActor or a label)."""
    if isinstance(actor, str):
        actor = AuditActor(None, actor)
    elif not isinstance(actor, AuditActor):
        actor = actor_of_user(actor)
    token = _explicit.set(actor)
    try:
        yield actor
    finally:
        _explicit.reset(token)


def current_actor() -> AuditActor:
    explicit = _explicit.get()
    if explicit is not None:
        return explicit
    if not has_request_context():
        return SYSTEM
    user = g.get("_login_user")
    if user is not None and getattr(user, "is_authenticated", False):
        return actor_of_user(user)
    return ANONYMOUS
