"""Decoding what phones send on ``/live``, so that every event gets an answer.

python-socketio decodes a packet before any handler runs: a payload nested a
thousand levels deep raised ``RecursionError`` there (no ack, a traceback in
the log), malformed JSON was dropped silently, and an event name without a
handler was acked with nothing. ``LivePacket`` decodes with the bounded
parser of ``core.safe_json`` and, when it refuses a client's event, replaces
it by the internal event ``REFUSED`` carrying the error code, so that the
namespace answers the same ack id with ``{ok: false, error}``:

- ``invalid``: malformed JSON, nested deeper than ``safe_json.MAX_DEPTH``, NUL characters;
- ``too_large``: an event longer than ``MAX_EVENT_CHARS`` (Engine.IO itself accepts up to
  ``ENGINE_MAX_BYTES``, so the refusal can be answered instead of closing the connection);
- ``unknown_event``: the reserved names ``connect``/``disconnect`` sent as events (handlers
  the client must not call), and any name the namespace has no handler for (see events.py).
"""
from __future__ import annotations

import re

from socketio import packet

from roundtable.core import safe_json

REFUSED = "__refused__"
# Enough for any event of the protocol (a position is at most 500 characters) many times over.
MAX_EVENT_CHARS = 64 * 1024
# What Engine.IO buffers per message before it closes the connection instead of answering.
ENGINE_MAX_BYTES = 8 * 1024 * 1024
RESERVED_EVENTS = {"connect", "disconnect", "connect_error", "__disconnect_final", REFUSED}


class _GuardedJSON:
    """The ``json`` module python-socketio uses, with bounded depth and without NUL characters."""

    @staticmethod
    def loads(text, **kwargs):
        return safe_json.loads(text, **kwargs)

    @staticmethod
    def dumps(value, **kwargs):
        return safe_json.dumps(value, **kwargs)


_HEADER = re.compile(r"^(?P<kind>\d)(?:\d{1,10}-)?(?:/[^,]*(?:,|$))?\d{0,99}")


def _header(encoded: str) -> str:
    """Type, attachments, namespace and ack id of an encoded packet: everything before its payload."""
    match = _HEADER.match(encoded)
    return match.group(0) if match else ""


class LivePacket(packet.Packet):
    json = _GuardedJSON

    def decode(self, encoded_packet):
        if not isinstance(encoded_packet, str):
            return super().decode(encoded_packet)
        if len(encoded_packet) > MAX_EVENT_CHARS:
            return self._refused(encoded_packet, "too_large")
        try:
            attachments = super().decode(encoded_packet)
        except (ValueError, RecursionError):
            return self._refused(encoded_packet, "invalid")
        if self.packet_type in (packet.EVENT, packet.BINARY_EVENT):
            if not isinstance(self.data, list) or not self.data or not isinstance(self.data[0], str):
                return self._refused(encoded_packet, "invalid")
            if self.data[0] in RESERVED_EVENTS:
                return self._refused(encoded_packet, "unknown_event")
        return attachments

    def _refused(self, encoded: str, code: str) -> int:
        """Decode the header again, without attachments, with the internal refusal as an event's payload."""
        header = _header(encoded)
        if not header:  # not even a packet type: an ack of nothing, ignored
            self.packet_type, self.namespace, self.id, self.data = packet.ACK, None, None, None
            return 0
        kind = {str(packet.BINARY_EVENT): str(packet.EVENT), str(packet.BINARY_ACK): str(packet.ACK)}.get(
            header[:1], header[:1]
        )
        rest = header[1:]
        if re.match(r"^\d{1,10}-", rest):
            rest = rest.split("-", 1)[1]
        if kind != str(packet.EVENT):
            # Not an event: a connect is kept without its payload (no token: refused, or taken as
            # the login session); anything else becomes an ack nobody waits for (ignored).
            try:
                super().decode((kind if kind == str(packet.CONNECT) else str(packet.ACK)) + rest)
            except ValueError:  # not even a header: an ack of nothing, ignored
                self.packet_type, self.namespace, self.id, self.data = packet.ACK, None, None, None
            return 0
        super().decode(kind + rest + safe_json.dumps([REFUSED, code]))
        return 0
