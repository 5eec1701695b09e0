"""Bearer links (invitation tokens, watch tokens) are shown only to those who hand them out.

The walk requests every GET page and export the app registers, with the ids of
a real meeting (and its invitations, agenda, community), as every role: the
meeting's host and a secretary of its community must see the links (or they
could not hand them out); an auditor, a resident, department and property
staff, another community's secretary and an anonymous visitor must never find
a token anywhere in what they get back (HTML, JSON, CSV, XLSX, PDF, SVG).
"""
from __future__ import annotations

import itertools

from roundtable.extensions import db
from tests.factories import make_user
from tests.isolation import collect_world_extras
from tests.live.conftest import build_room

HANDERS = ("a_secretary", "a_second_secretary")
OTHERS = (None, "a_auditor", "a_resident", "traffic_staff", "a_property_staff", "b_secretary")


def _urls(app, room) -> list[str]:
    """Every GET rule with every combination of the room's ids for its integer arguments."""
    ids = sorted({room.meeting.id, room.resident.id, room.guests[0].id, room.department.id, room.items[0].id,
                  room.meeting.community_id, 1})
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        names = list(rule.arguments)
        converters = [type(rule._converters[name]).__name__ for name in names]
        if any(c not in ("BoundedIntConverter", "IntegerConverter", "AnyConverter") for c in converters):
            continue  # token pages: opened only with a token, which is what is being protected
        choices = []
        for name, converter in zip(names, converters):
            if converter == "AnyConverter":
                choices.append(list(rule._converters[name].items) if hasattr(rule._converters[name], "items") else ["json"])
            else:
                choices.append(ids)
        for combination in itertools.product(*choices):
            try:
                urls.append(rule.build(dict(zip(names, combination)), append_unknown=False)[1])
            except Exception:  # noqa: BLE001 - a combination the rule cannot take
                continue
    return sorted(set(urls))


def _secrets(room) -> dict[str, str]:
    found = {f"invitation {i.id}": i.token for i in (room.resident, *room.guests, room.department, room.organization)}
    found["watch token"] = room.meeting.watch_token
    return found


def test_only_the_host_and_secretaries_ever_see_a_bearer_link(app, world):
    for extra in collect_world_extras():
        extra(world)
    room = build_room(world, guests=2, status="scheduled")
    make_user("a_second_secretary", world.a.community, role="secretary")
    db.session.commit()
    secrets = _secrets(room)
    urls = _urls(app, room)
    assert len(urls) > 100

    seen_by: dict[str | None, set[str]] = {}
    for username in HANDERS + OTHERS:
        client = app.test_client()
        if username:
            from roundtable.extensions import limiter

            limiter.reset()
            assert client.post("/login", data={"username": username, "password": "secret-pass-1"}).status_code == 302
        seen = set()
        for url in urls:
            response = client.get(url)
            body = response.get_data()
            for label, secret in secrets.items():
                if secret and secret.encode() in body:
                    seen.add(f"{label} on {url}")
            response.close()
        seen_by[username] = seen

    for username in HANDERS:
        assert any("invitation" in leak for leak in seen_by[username]), f"{username} must see the links to hand out"
    leaks = {username: sorted(seen_by[username]) for username in OTHERS if seen_by[username]}
    assert not leaks, leaks
