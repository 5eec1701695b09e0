"""A lean phone: Socket.IO v5 over Engine.IO v4 over a raw websocket, on asyncio streams.

Why not python-socketio's client: it runs threads per connection, so a
thousand of them would measure the client, not the server. This speaks just
what a phone needs on ``/live`` (websocket transport only, text packets, acks,
room events, ping/pong) in a few hundred bytes of state per connection, so one
process holds many phones. The benchmark and the fault tests both use it.

Frames (RFC 6455): client frames are masked; server frames are not. Engine.IO
packets: ``0`` open, ``2``/``3`` ping/pong, ``4`` message. Socket.IO packets
inside a message: ``0`` connect, ``1`` disconnect, ``2`` event, ``3`` ack,
``4`` connect error, each as ``<type>/live,<ack id?><json>``.
"""
from __future__ import annotations

import asyncio
import base64
import json
import os
import struct
import time

NAMESPACE = "/live"


class Refused(Exception):
    """The server refused the namespace connection (``connect_error``)."""


class Closed(Exception):
    """The connection is gone (server died, dropped us, or we closed it)."""


def _mask(payload: bytes, key: bytes) -> bytes:
    if not payload:
        return payload
    repeated = (key * (len(payload) // 4 + 1))[: len(payload)]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(len(payload), "big")


def frame(text: str, opcode: int = 0x1) -> bytes:
    payload = text.encode()
    key = os.urandom(4)
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
    elif length < 1 << 16:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
    return header + key + _mask(payload, key)


def parse_socketio(text: str):
    """``"42/live,7[...]"`` → (type, ack id or None, decoded JSON or None); None for other namespaces."""
    kind, rest = text[1], text[2:]
    if rest.startswith(NAMESPACE):
        rest = rest[len(NAMESPACE):].lstrip(",")
    elif kind in "0123" and rest[:1] == "/":
        return None
    digits = 0
    while digits < len(rest) and rest[digits].isdigit():
        digits += 1
    ack_id = int(rest[:digits]) if digits else None
    body = rest[digits:]
    return kind, ack_id, json.loads(body) if body else None


class LeanPhone:
    """One phone on ``/live``. ``heard`` keeps (arrival time, payload) per room event."""

    def __init__(self, host: str, port: int, token: str | None = None, cookie: str | None = None):
        self.host, self.port, self.token, self.cookie = host, port, token, cookie
        self.heard: dict[str, list[tuple[float, object]]] = {}
        self.listeners: list = []  # callables (event, payload, arrival time), e.g. to wake a waiter
        self._reader = self._writer = None
        self._acks: dict[int, asyncio.Future] = {}
        self._next_ack = 0
        self._connected: asyncio.Future | None = None
        self._task: asyncio.Task | None = None
        self.closed = asyncio.Event()

    # ------------------------------------------------------------ connecting

    async def open(self, timeout: float = 30.0) -> LeanPhone:
        await asyncio.wait_for(self._open(), timeout)
        return self

    async def _open(self) -> None:
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
            f"Host: {self.host}:{self.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            + (f"Cookie: {self.cookie}\r\n" if self.cookie else "")
            + "\r\n"
        )
        self._writer.write(request.encode())
        head = await self._reader.readuntil(b"\r\n\r\n")
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise Refused(head.split(b"\r\n", 1)[0].decode(errors="replace"))
        opening = await self._read_message()
        if not opening.startswith("0"):
            raise Closed(f"unexpected Engine.IO open: {opening[:80]}")
        self._connected = asyncio.get_running_loop().create_future()
        self._task = asyncio.create_task(self._read_forever())
        auth = json.dumps({"token": self.token}) if self.token else ""
        self._send(f"40{NAMESPACE},{auth}")
        await self._connected

    async def _read_message(self) -> str:
        parts: list[bytes] = []
        while True:
            first, second = await self._reader.readexactly(2)
            length = second & 0x7F
            if length == 126:
                length = struct.unpack("!H", await self._reader.readexactly(2))[0]
            elif length == 127:
                length = struct.unpack("!Q", await self._reader.readexactly(8))[0]
            payload = await self._reader.readexactly(length)
            opcode = first & 0x0F
            if opcode == 0x8:
                raise Closed("server closed the websocket")
            if opcode == 0x9:
                self._writer.write(frame(payload.decode(errors="replace"), 0xA))
                continue
            if opcode == 0xA:
                continue
            parts.append(payload)
            if first & 0x80:
                return b"".join(parts).decode()

    async def _read_forever(self) -> None:
        try:
            while True:
                self._dispatch(await self._read_message())
        except (asyncio.IncompleteReadError, ConnectionError, Closed, OSError) as error:
            self._fail(Closed(str(error) or error.__class__.__name__))
        except asyncio.CancelledError:
            self._fail(Closed("closed"))
            raise

    def _fail(self, error: Exception) -> None:
        self.closed.set()
        if self._connected is not None and not self._connected.done():
            self._connected.set_exception(error)
        for future in self._acks.values():
            if not future.done():
                future.set_exception(error)
        self._acks.clear()

    def _dispatch(self, message: str) -> None:
        now = time.time()
        if message == "2":
            self._send("3")
            return
        if not message.startswith("4") or len(message) < 2:
            return
        parsed = parse_socketio(message)
        if parsed is None:
            return
        kind, ack_id, data = parsed
        if kind in "04" and self._connected.done():
            return
        if kind == "0":
            self._connected.set_result(data)
        elif kind == "4":
            self._connected.set_exception(Refused((data or {}).get("message", "refused")))
        elif kind == "1":
            self._fail(Closed("server disconnected the namespace"))
            self._writer.close()
        elif kind == "3" and ack_id in self._acks:
            future = self._acks.pop(ack_id)
            if not future.done():
                future.set_result(data[0] if data else None)
        elif kind == "2" and data:
            event, payload = data[0], (data[1] if len(data) > 1 else None)
            self.heard.setdefault(event, []).append((now, payload))
            for listener in self.listeners:
                listener(event, payload, now)

    def _send(self, text: str) -> None:
        if self.closed.is_set():
            raise Closed("connection is closed")
        self._writer.write(frame(text))

    # ------------------------------------------------------------ talking

    async def call(self, event: str, payload=None, timeout: float = 30.0):
        """Emit with an ack and return the ack's payload."""
        self._next_ack += 1
        ack_id = self._next_ack
        future = asyncio.get_running_loop().create_future()
        self._acks[ack_id] = future
        self._send(f"42{NAMESPACE},{ack_id}{json.dumps([event, payload if payload is not None else {}])}")
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            self._acks.pop(ack_id, None)

    async def join(self, meeting_id: int | None = None) -> dict:
        ack = await self.call("join", {"meeting_id": meeting_id} if meeting_id else {})
        if not ack.get("ok"):
            raise Refused(str(ack))
        return ack["snapshot"]

    def events(self, name: str) -> list:
        return [payload for _, payload in self.heard.get(name, [])]

    async def close(self) -> None:
        if self._writer is None:
            return
        if not self.closed.is_set():
            try:
                self._writer.write(frame(f"41{NAMESPACE},"))
                self._writer.write(struct.pack("!BB", 0x88, 0x80) + os.urandom(4))
            except Exception:  # noqa: BLE001 - the other end may be gone already
                pass
        self.closed.set()
        if self._task is not None:
            self._task.cancel()
        self._writer.close()
