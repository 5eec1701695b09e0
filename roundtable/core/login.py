"""Flask-Login's route guard with its type kept (Flask-Login ships no type information)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import flask_login

View = TypeVar("View", bound=Callable[..., Any])


def login_required(view: View) -> View:
    """``flask_login.login_required``: not logged in → the login page; the view keeps its signature."""
    guarded: View = flask_login.login_required(view)
    return guarded
