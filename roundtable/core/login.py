"""Flask-Login's route guard and user base class with their types kept (Flask-Login ships no type information)."""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import flask_login

View = TypeVar("View", bound=Callable[..., Any])


def login_required(view: View) -> View:
    """``flask_login.login_required``: not logged in → the login page; the view keeps its signature."""
    guarded: View = flask_login.login_required(view)
    return guarded


if TYPE_CHECKING:

    class UserMixin:
        """What Flask-Login's ``UserMixin`` gives a user class, for the type checker: with an
        untyped base, every query of ``User`` would be ``Any`` to mypy."""

        @property
        def is_active(self) -> bool: ...
        @property
        def is_authenticated(self) -> bool: ...
        @property
        def is_anonymous(self) -> bool: ...
        def get_id(self) -> str: ...

else:
    UserMixin = flask_login.UserMixin
