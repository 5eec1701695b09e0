"""A live meeting of community A (the same room the live protocol tests use)."""
from __future__ import annotations

import pytest

from tests.live.conftest import Room, build_room


@pytest.fixture
def room(world) -> Room:
    """Community A's live meeting: a_resident and three guests invited, a department, a property manager;
    and community B's meeting with one guest."""
    return build_room(world)
