"""The one permission path of a route: load the object through its community, then ask its predicate.

A route names the question it needs answered (``can_manage_meeting``) and never a role:

    meeting = load_or_404(Meeting, meeting_id, can=can_manage_meeting)

An id from another community, or one that does not exist, answers 404; an object of the
caller's community that the predicate refuses answers 403. Predicates are plain functions
``(user, obj) -> bool`` in each domain's ``permissions.py``, shared with socket handlers and
with templates (as template globals), so a button and the route behind it never disagree.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from flask import Blueprint, abort
from flask_login import current_user

from roundtable.communities.context import current_community
from roundtable.extensions import db


class HasId(Protocol):
    id: Any


class CommunityOwned(Protocol):
    """Any row that belongs to one community (a fund, a proposal, a meeting, a certificate …)."""

    @property
    def community_id(self) -> int: ...


T = TypeVar("T")
Predicate = Callable[[Any, T], bool]


def load_or_404(model: type[T], object_id: int, *, can: Predicate[T], refuse: int = 403) -> T:
    """``model`` by id when it belongs to the current community and ``can(user, obj)`` holds.

    ``refuse=404`` hides the object's existence from a member the predicate refuses
    (another resident's certificate), instead of the usual 403.
    """
    community = current_community()
    obj = db.session.get(model, object_id) if community is not None else None
    if obj is None or getattr(obj, "community_id", None) != community.id:  # type: ignore[union-attr]
        abort(404)
    if not can(current_user, obj):
        abort(refuse)
    return obj


def guard_blueprint(blueprint: Blueprint, can: Callable[[Any], bool]) -> None:
    """Every route of ``blueprint``: logged in (else the login page) and ``can(user)`` (else 403)."""

    @blueprint.before_request
    def guard() -> Any:
        from roundtable.extensions import login_manager

        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not can(current_user):
            abort(403)
        return None


def load_part_or_404(parent: HasId, model: type[T], object_id: int, *, key: str) -> T:
    """A child row (agenda item, invitation, proposal) by id, only when ``key`` points at ``parent``."""
    obj = db.session.get(model, object_id)
    if obj is None or getattr(obj, key) != parent.id:
        abort(404)
    return obj
