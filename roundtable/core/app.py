"""The application object itself, for code that outlives the request or command that started it."""
from __future__ import annotations

from flask import Flask, current_app


def app_object() -> Flask:
    """The real application behind ``current_app``: threads and loops must hold this, not the proxy,
    which only works inside the context it was read in."""
    # Flask types ``current_app`` as ``Flask``; it is a werkzeug ``LocalProxy`` at run time.
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    return app
