"""Attacks that used to end in a 500 or a silent socket: absurd ids, deep JSON, NUL bytes, huge or unknown events."""
from __future__ import annotations

import io
import json
import logging

import pytest

from tests.live.conftest import joined

DEEP = "[" * 5000 + "]" * 5000


def raw_call(phone, payload: str):
    """Send an already encoded event payload (what a hostile client writes on the wire) and return the ack."""
    client = phone.client
    client.callback_counter += 1
    client.socketio.server._handle_eio_message(client.eio_sid, f"2/live,{client.callback_counter}{payload}")
    ack, client.acks = client.acks, None
    assert ack is not None, "no ack"
    return ack["args"][0] if len(ack["args"]) == 1 else ack["args"]


def _no_tracebacks(caplog):
    return [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


@pytest.mark.parametrize("path", [
    "/r/99999999999999999999.pdf",
    "/r/9223372036854775808.pdf",
    "/r/2147483648.pdf",
    "/meetings/99999999999999999999",
    "/cases/2147483648",
    "/resolutions/99999999999999999999",
])
def test_ids_beyond_any_database_id_are_404_not_500(client, auth, world, path, caplog):
    auth.login("a_secretary")
    assert client.get(path).status_code == 404
    assert not _no_tracebacks(caplog)


def test_open311_post_nested_5000_levels_is_400(client, world, caplog):
    response = client.post("/open311/v2/requests.json", data=DEEP, content_type="application/json")
    assert response.status_code == 400
    assert not _no_tracebacks(caplog)


def test_nul_escaped_inside_a_json_body_is_refused(client, world):
    body = json.dumps({"api_key": "x", "service_code": "parking", "description": "超时\u0000停车"})
    assert "\\u0000" in body
    response = client.post("/open311/v2/requests.json", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()[0]["code"] == 400


def test_the_json_import_refuses_deep_nesting_and_nul_with_a_message(client, auth, world, caplog):
    auth.login("a_secretary")
    for payload in (DEEP.encode(), b'[{"service_request_id": "1", "description": "a\\u0000b"}]'):
        response = client.post(
            "/cases/import/",
            data={"file": (io.BytesIO(payload), "cases.json"), "file_format": "open311_json"},
            content_type="multipart/form-data",
        )
        assert response.status_code in (200, 400)
        assert "嵌套" in response.get_data(as_text=True) or "无效字符" in response.get_data(as_text=True)
    assert not _no_tracebacks(caplog)


def test_deeply_nested_socket_event_gets_an_invalid_ack_and_no_traceback(app, phones, room, caplog):
    phone = joined(phones, room.guests[0], checked_in=True)
    for depth in (1_000, 100_000):
        ack = raw_call(phone, '["position_post",{"stance":"support","text":' + "[" * depth + "]" * depth + "}]")
        assert ack == {"ok": False, "error": "too_large" if depth > 10_000 else "invalid", "message": ack["message"]}
    for garbage in ('["position_post",{"stance":', '{"not":"a list"}', '[5]', '["check_in"'):
        assert raw_call(phone, garbage)["error"] == "invalid"
    assert phone.call("check_in")["ok"]  # the connection lives on
    assert not _no_tracebacks(caplog)


def test_socket_message_over_a_megabyte_is_answered_not_dropped(app, phones, room, caplog):
    phone = joined(phones, room.guests[0], checked_in=True)
    ack = raw_call(phone, json.dumps(["position_post", {"stance": "support", "text": "议" * 600_000}]))
    assert ack["ok"] is False and ack["error"] == "too_large"
    assert phone.connected and phone.call("check_in")["ok"]
    assert not _no_tracebacks(caplog)


@pytest.mark.parametrize("event", ["no_such_event", "connect", "disconnect", "__refused__", "trigger_event"])
def test_unknown_and_reserved_event_names_get_an_error_ack(app, phones, room, event):
    phone = joined(phones, room.guests[0])
    ack = phone.call(event, {"token": room.other_guest.token})
    assert ack["ok"] is False and ack["error"] in ("unknown_event", "invalid"), ack
    assert phone.connected


def test_nul_in_socket_text_is_refused(app, phones, room):
    phone = joined(phones, room.guests[0], checked_in=True)
    ack = phone.call("position_post", {"stance": "support", "text": "a\x00b"})
    assert ack["ok"] is False and ack["error"] == "invalid"
