"""Turning a session cookie back into a user."""
from __future__ import annotations

from roundtable.auth.models import User
from roundtable.extensions import db


def load_user(session_id: str) -> User | None:
    """The cookie holds ``id:session_version``; an old version means the person was logged out."""
    try:
        user_id, version = (int(part) for part in session_id.split(":", 1))
    except (ValueError, AttributeError):
        return None
    user = db.session.get(User, user_id)
    if user is None or user.session_version != version or not user.active:
        return None
    return user
