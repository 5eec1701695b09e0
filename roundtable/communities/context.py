"""Which community a request acts in, and the guards that enforce it.

Every page of community data works inside the caller's *current* community,
chosen from their memberships. Objects are always looked up through it (by
``roundtable.core.permissions.load_or_404``), so an id from another community
answers 404 rather than someone else's data.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec

from flask import abort, g, session
from flask.typing import ResponseReturnValue
from flask_login import current_user

from roundtable.communities.models import Community, Membership

SESSION_KEY = "community_id"

P = ParamSpec("P")


def current_membership() -> Membership | None:
    if "current_membership" in g:
        remembered: Membership | None = g.current_membership
        return remembered
    membership = None
    if current_user.is_authenticated:
        memberships = sorted(current_user.memberships, key=lambda m: m.id)
        wanted = session.get(SESSION_KEY)
        membership = next((m for m in memberships if m.community_id == wanted), None)
        if membership is None and memberships:
            membership = memberships[0]
    g.current_membership = membership
    return membership


def current_community() -> Community | None:
    membership = current_membership()
    return membership.community if membership else None


def community_of_request() -> Community:
    """The current community of a route behind ``community_required`` (which guarantees there is one)."""
    community = current_community()
    if community is None:
        abort(404)
    return community


def current_role() -> str | None:
    membership = current_membership()
    return membership.role if membership else None


def switch_community(community_id: int) -> bool:
    """Make another of the user's communities current; refuse communities they don't belong to."""
    if not any(m.community_id == community_id for m in current_user.memberships):
        return False
    session[SESSION_KEY] = community_id
    g.pop("current_membership", None)
    return True


def community_required(
    *, can: Callable[[Any, int], bool] | None = None
) -> Callable[[Callable[P, ResponseReturnValue]], Callable[P, ResponseReturnValue]]:
    """Route guard: logged in, a member of a current community, and allowed by ``can``.

    ``can(user, community_id)`` is a named predicate from a ``permissions.py``
    (``can_manage_cases``, ``can_read_cases``, ``is_member``); routes name the
    question, never a role. Not logged in → the login page; refused → 403.
    """

    def allowed(membership: Membership) -> bool:
        return can is None or can(current_user, membership.community_id)

    def decorator(view: Callable[P, ResponseReturnValue]) -> Callable[P, ResponseReturnValue]:
        @wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> ResponseReturnValue:
            from roundtable.extensions import login_manager

            if not current_user.is_authenticated:
                refused: ResponseReturnValue = login_manager.unauthorized()
                return refused
            membership = current_membership()
            if membership is None or not allowed(membership):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
