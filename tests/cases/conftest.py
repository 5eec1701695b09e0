"""Fixtures of the case desk tests: the two-community world with someone logged in."""
from __future__ import annotations

import pytest


@pytest.fixture
def as_secretary(world, auth):
    """Community A's secretary logged in; returns the world."""
    auth.login("a_secretary")
    return world


@pytest.fixture
def as_auditor(world, auth):
    """Community A's auditor logged in; returns the world."""
    auth.login("a_auditor")
    return world

