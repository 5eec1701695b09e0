"""Which community a request acts in, and the guards that enforce it.

Every page of community data works inside the caller's *current* community,
chosen from their memberships. Objects are always looked up through it, so an
id from another community answers 404 rather than someone else's data.
"""
from __future__ import annotations

from functools import wraps

from flask import abort, g, session
from flask_login import current_user

from roundtable.communities.models import Community, Membership
from roundtable.extensions import db

SESSION_KEY = "community_id"


def current_membership() -> Membership | None:
    if "current_membership" in g:
        return g.current_membership
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


def community_required(*roles: str):
    """Route guard: logged in, a member of a current community, and holding one of ``roles``.

    Not logged in → the login page; logged in without the role → 403.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            from roundtable.extensions import login_manager

            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            membership = current_membership()
            if membership is None or (roles and membership.role not in roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def get_in_community_or_404(model, object_id: int):
    """Load ``model`` by id only if it belongs to the current community."""
    community = current_community()
    if community is None:
        abort(404)
    obj = db.session.get(model, object_id)
    if obj is None or obj.community_id != community.id:
        abort(404)
    return obj
