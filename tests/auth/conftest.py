"""Fixtures for the account tests (also imported by tests/admin and tests/communities)."""
from __future__ import annotations

import pytest
from flask import g


@pytest.fixture(autouse=True)
def fresh_g_per_request(app):
    """Give every test request its own ``g``, as a real server does.

    The ``app`` fixture keeps one application context open for the whole test, and
    Flask then reuses it (and its ``g``) for every request: Flask-Login's cached
    user and the cached current membership would leak from one client to the next,
    and a test of "the other device is logged out" would pass or fail for the wrong
    reason.
    """

    @app.teardown_request
    def _forget_request_globals(_error):
        for name in list(vars(g)):
            delattr(g, name)

    return app
