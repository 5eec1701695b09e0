"""Thousands of generated requests and socket events: never a 500, never a missing ack, never a traceback.

Every route the app registers is called with generated path values (real ids,
0, ids beyond any integer column, text where a number belongs), query strings,
forms and JSON bodies (deep, huge, NUL, formula-like, unicode), by an anonymous
visitor and by a secretary, a resident and an auditor. Every ``/live`` event
(and names that are not events) is sent with generated payloads by a resident's
phone, the host's console and a watcher. The seed is fixed, so a failure is
reproducible; FUZZ_SEED changes it.
"""
from __future__ import annotations

import json
import logging
import os
import random
import re

from roundtable.extensions import db, limiter
from roundtable.live.events import LiveNamespace
from tests.factories import make_user
from tests.isolation import collect_world_extras
from tests.live.conftest import build_room

HTTP_REQUESTS = 8_000
SOCKET_EVENTS = 2_500
SEED = int(os.environ.get("FUZZ_SEED", "20261201"))
FIELD_NAMES = [
    "title", "description", "text", "name", "username", "password", "role", "status", "page", "q", "note",
    "external_number", "category", "urgency", "address", "phone", "complainant_phone", "starts_at", "venue",
    "kind", "department_id", "topic_id", "case_id", "user_id", "community_id", "api_key", "service_code",
    "jurisdiction_id", "lat", "long", "month", "format", "file_format", "item_id", "position", "minutes",
    "quorum", "majority_rule", "speech_minutes", "deadline", "action", "body", "agreed_points", "remember",
    "next", "token", "label", "guest_name", "guest_phone", "side", "resolved", "satisfied", "reason", "parent",
]
EVENTS = sorted(name[3:] for name in dir(LiveNamespace) if name.startswith("on_") and name not in ("on_connect", "on_disconnect"))
PAYLOAD_KEYS = ["meeting_id", "poll_id", "motion_id", "choices", "key", "text", "stance", "kind", "options",
                "secret", "item_id", "request_id", "position_id", "participant_id", "note", "min_choices", "max_choices"]


def _texts(rng: random.Random) -> str:
    return rng.choice([
        "", " ", "停车", "=HYPERLINK(\"http://x\")", "+1", "-1", "@SUM(A1)", "\t=1", "<script>alert(1)</script>",
        "' OR 1=1 --", "a" * rng.choice([1, 100, 5000]), "議" * 300, "\u202e", "😀", "%00", "..%2f..%2f",
        "2026-13-45T25:61", "99999999999999999999", "-1", "0", "1", "2", "3", "true", "null", "\x00", "a\x00b",
    ])


def _number(rng: random.Random):
    return rng.choice([0, 1, 2, 3, 5, 8, -1, 2**31 - 1, 2**31, 2**63, 10**20, 10**40, 1.5, -(2**40)])


def _json_value(rng: random.Random, depth: int = 0):
    roll = rng.random()
    if depth > 3 or roll < 0.3:
        return rng.choice([_number(rng), _texts(rng), True, False, None])
    if roll < 0.6:
        return [_json_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {rng.choice(FIELD_NAMES + PAYLOAD_KEYS): _json_value(rng, depth + 1) for _ in range(rng.randint(0, 5))}


def _json_body(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.1:
        depth = rng.choice([100, 1000, 5000])
        return "[" * depth + "]" * depth
    if roll < 0.2:
        return rng.choice(['{"a":', "[1,2", "nul", '{"a":"\\u0000"}', '"\\ud800"', "1e99999", "{" * 70 + "}" * 70])
    return json.dumps(_json_value(rng))


def _path_value(rng: random.Random, converter: str, ids: list[int]) -> str:
    if converter in ("IntegerConverter", "BoundedIntConverter"):
        return str(rng.choice(ids + [0, 2**31, 2**31 - 1, 2**63, 10**20, 10**100]))
    return rng.choice(["abc", "x" * 200, "停车", "0", "1", "..", "a.b", "%E2%80%AE", "-", "json", "xml", "pdf"])


def _url(rule, rng: random.Random, ids: list[int]) -> str | None:
    values = {}
    for name, converter in rule._converters.items():
        values[name] = _path_value(rng, type(converter).__name__, ids)
    try:
        path = rule.build(values, append_unknown=False)[1]
    except Exception:  # noqa: BLE001 - a value the rule cannot take (e.g. any(json, xml)): pick the built one
        return None
    if rng.random() < 0.5:
        params = "&".join(f"{rng.choice(FIELD_NAMES)}={_texts(rng).replace(chr(0), '%00')}" for _ in range(rng.randint(1, 4)))
        path += "?" + params
    return path


def _log_failures(caplog) -> list[str]:
    return [f"{r.name}: {r.getMessage()[:200]}" for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


def test_fuzz_every_route_and_event(app, world, caplog, phones):
    caplog.set_level(logging.WARNING)
    for extra in collect_world_extras():
        extra(world)
    db.session.commit()
    rng = random.Random(SEED)
    ids = list(range(1, 9))

    clients = {}
    for username in (None, "a_secretary", "a_resident", "a_auditor", "b_secretary"):
        client = app.test_client()
        if username:
            assert client.post("/login", data={"username": username, "password": "secret-pass-1"}).status_code == 302
        clients[username] = client
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]
    never = {"auth.logout"}  # would end the fuzzing clients' sessions; walked last

    failures: list[str] = []
    sent = 0
    while sent < HTTP_REQUESTS:
        rule = rng.choice(rules)
        if rule.endpoint in never:
            continue
        url = _url(rule, rng, ids)
        if url is None:
            continue
        methods = sorted((rule.methods or {"GET"}) - {"HEAD", "OPTIONS"})
        method = rng.choice(methods)
        client = clients[rng.choice(list(clients))]
        kwargs = {}
        if method != "GET":
            if rng.random() < 0.35:
                kwargs = {"data": _json_body(rng), "content_type": "application/json"}
            else:
                kwargs = {"data": {rng.choice(FIELD_NAMES): _texts(rng) for _ in range(rng.randint(0, 6))}}
        response = client.open(url, method=method, **kwargs)
        sent += 1
        if response.status_code >= 500:
            failures.append(f"{method} {url} → {response.status_code}")
        response.close()
    assert not failures, failures[:20]
    assert not _log_failures(caplog), _log_failures(caplog)[:20]

    # ---- the live namespace, in a meeting the HTTP fuzzing has not cancelled or emptied
    room = build_room(world, guests=3)
    make_user("fuzz_host", world.a.community, role="secretary")  # the fuzzing may have demoted a_secretary
    db.session.commit()
    limiter.reset()
    host_client = app.test_client()
    assert host_client.post("/login", data={"username": "fuzz_host", "password": "secret-pass-1"}).status_code == 302
    consoles = []
    for token, flask_client in ((room.guests[0].token, None), (None, host_client), (room.meeting.watch_token, None),
                                (room.guests[1].token, None)):
        phone = phones(token, flask_client=flask_client)
        assert phone.connected, (token, flask_client)
        ack = phone.call("join", {"meeting_id": room.meeting.id})
        assert ack["ok"], (token, ack)
        consoles.append(phone)
    assert consoles[0].call("check_in")["ok"]
    unanswered: list[str] = []
    for number in range(SOCKET_EVENTS):
        phone = rng.choice(consoles)
        event = rng.choice(EVENTS + ["nope", "connect", "disconnect", "__refused__", "join"])
        roll = rng.random()
        if roll < 0.1:
            raw = json.dumps([event]) if rng.random() < 0.5 else _json_body(rng)
            client = phone.client
            client.callback_counter += 1
            client.socketio.server._handle_eio_message(client.eio_sid, f"2/live,{client.callback_counter}{raw}")
            ack, client.acks = client.acks, None
            ack = None if ack is None else ack["args"][0]
        else:
            payload = _json_value(rng) if roll < 0.4 else {
                key: _json_value(rng, depth=3) for key in rng.sample(PAYLOAD_KEYS, rng.randint(0, 5))
            }
            if isinstance(payload, dict) and "meeting_id" in payload and rng.random() < 0.7:
                payload["meeting_id"] = room.meeting.id
            ack = phone.call(event, payload)
        if not isinstance(ack, dict) or "ok" not in ack:
            unanswered.append(f"#{number} {event}: {ack!r}"[:200])
        elif ack["ok"] is False and ack.get("error") == "internal":
            unanswered.append(f"#{number} {event}: internal error")
        if not phone.connected:
            unanswered.append(f"#{number} {event}: disconnected")
            break
    assert not unanswered, unanswered[:20]
    assert not _log_failures(caplog), _log_failures(caplog)[:20]
    assert sent + SOCKET_EVENTS >= 10_000
    assert not re.search(r"Traceback", caplog.text)
