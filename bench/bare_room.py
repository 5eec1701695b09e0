"""The bare room: Flask-SocketIO and nothing else, so that every Roundtable figure reads as a ratio.

Same server stack as production (gevent, one process per port, simple-websocket),
same namespace and event names, same coalescing of tallies (first change at
once, then at most one per ``LIVE_TALLY_WINDOW`` seconds, and a trailing one),
but no database, no authentication, no permission checks: a vote is a counter.
The ack carries ``seq``, the vote's rank, so that the benchmark knows which
tally first includes it. Run: ``python bench/bare_room.py --port P``.
"""
from gevent import monkey

monkey.patch_all()

import argparse
import os

from flask import Flask
from flask_socketio import SocketIO, join_room

WINDOW = float(os.environ.get("LIVE_TALLY_WINDOW", "0.25"))
ROOM = "bare"

app = Flask(__name__)
socketio = SocketIO(app, async_mode="gevent")
state = {"counts": {}, "total": 0, "open": True, "sending": False, "dirty": False, "voted": {}}


def tally() -> dict:
    return {"poll_id": 1, "counts": dict(state["counts"]), "total": state["total"], "seq": state["total"]}


def send_until_quiet() -> None:
    """Coalescing: one tally now, then one per window while votes keep coming."""
    while True:
        socketio.emit("tally", tally(), to=ROOM, namespace="/live")
        socketio.sleep(WINDOW)
        if not state["dirty"]:
            state["sending"] = False
            return
        state["dirty"] = False


@socketio.on("join", namespace="/live")
def on_join(_data=None):
    join_room(ROOM)
    return {"ok": True, "snapshot": {"protocol": "bare", "tally": tally()}}


@socketio.on("vote_cast", namespace="/live")
def on_vote(data):
    """One vote per key: a retry gets the same answer (the bare room's idempotency)."""
    if not state["open"]:
        return {"ok": False, "error": "poll_closed"}
    key = data["key"]
    if key in state["voted"]:
        return {"ok": True, "receipt": key, "repeated": True, "seq": state["voted"][key]}
    choice = str(data["choices"][0])
    state["counts"][choice] = state["counts"].get(choice, 0) + 1
    state["total"] += 1
    state["voted"][key] = state["total"]
    if state["sending"]:
        state["dirty"] = True
    else:
        state["sending"] = True
        socketio.start_background_task(send_until_quiet)
    return {"ok": True, "receipt": key, "repeated": False, "seq": state["total"]}


@socketio.on("poll_close", namespace="/live")
def on_close(_data=None):
    state["open"] = False
    result = {**tally(), "result": "passed"}
    socketio.emit("poll_closed", result, to=ROOM, namespace="/live")
    return {"ok": True, "result": result}


@socketio.on("reset", namespace="/live")
def on_reset(_data=None):
    """Between runs of the benchmark: a fresh poll."""
    state.update(counts={}, total=0, open=True, voted={})
    return {"ok": True}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    socketio.run(app, host="127.0.0.1", port=args.port, backlog=1024, log_output=False)
