"""Tenant isolation, walked over every route the app registers.

A user of community A must never reach community B's objects: every endpoint
either answers 403/404 to A's users for B's objects, or is declared public or
own-only with a reason. A new route without an entry makes this test fail.
"""
from __future__ import annotations

import pytest

from roundtable.extensions import db
from tests.isolation import collect_specs, collect_world_extras

SPECS = collect_specs()
IGNORED = {"static"}


def test_every_route_has_an_isolation_entry(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - IGNORED
    missing = sorted(endpoints - set(SPECS))
    assert not missing, f"routes without an isolation entry in tests/isolation/: {missing}"
    stale = sorted(set(SPECS) - endpoints)
    assert not stale, f"isolation entries for routes that no longer exist: {stale}"


def test_declared_public_and_own_routes_say_why():
    for endpoint, spec in SPECS.items():
        if spec.kind in ("public", "own"):
            assert spec.reason, f"{endpoint} needs a reason"


FOREIGN = sorted(name for name, spec in SPECS.items() if spec.kind == "foreign")


@pytest.mark.parametrize("endpoint", FOREIGN)
def test_community_a_cannot_reach_community_b(endpoint, app, client, auth, world):
    for extra in collect_world_extras():
        extra(world)
    db.session.commit()
    spec = SPECS[endpoint]
    requests = spec.build(world)
    assert requests, f"{endpoint}: the spec built no request"
    for username in spec.as_users:
        auth.login(username)
        for request in requests:
            method, url, *rest = request
            data = rest[0] if rest else {}
            response = client.open(url, method=method, data=data)
            assert response.status_code in (403, 404), (
                f"{username} {method} {url} → {response.status_code} (expected 403/404)"
            )
        auth.logout()
