"""Admin tests: an administrator logged in on the test client."""
from __future__ import annotations

import pytest

from roundtable.extensions import db
from tests.auth.conftest import fresh_g_per_request  # noqa: F401  (autouse: one g per request)
from tests.factories import PASSWORD, make_user


@pytest.fixture
def admin_client(client, world):
    """The test client, logged in as the platform administrator ``root``."""
    make_user("root", display_name="系统管理员", is_admin=True)
    db.session.commit()
    response = client.post("/login", data={"username": "root", "password": PASSWORD})
    assert response.status_code == 302
    return client
