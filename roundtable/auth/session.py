"""Turning a session cookie back into a user."""
from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

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


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed cookie sessions, with the signing serializer built once per key.

    Flask builds it at every request (and serialises an empty dict to learn whether
    it is text or bytes), and Flask-SocketIO opens a request, hence a session, for
    every live event: a tenth of the server's work in a thousand-phone vote. The
    serializer holds nothing but the keys and the settings; a changed key (or list
    of fallbacks) builds a new one.
    """

    _signing: tuple[tuple[object, ...], URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()), self.salt)
        kept = self._signing
        if kept is None or kept[0] != key:
            kept = (key, super().get_signing_serializer(app))
            self._signing = kept
        return kept[1]
