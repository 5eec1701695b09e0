"""Entry point: ``python wsgi.py`` serves Roundtable (HTTP and the live websockets).

``make run`` uses it on the embedded default (SQLite, one process). For production
see README ("Production"): several single-worker processes sharing Redis.
"""
from __future__ import annotations

import argparse
import os

from roundtable import create_app
from roundtable.extensions import socketio

app = create_app()

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Serve Roundtable")
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5000")))
    args = parser.parse_args()
    if app.config["EMBEDDED_WORKER"]:
        # PDF rendering is CPU-bound: it runs in a worker process of its own, never
        # in a thread of this server, where it would stall live meetings.
        from roundtable.jobs.embedded import start_worker_process

        worker = start_worker_process()
        print(f"Background worker started (pid {worker.pid}; EMBEDDED_WORKER=0 to run your own)", flush=True)
    print(f"Roundtable serving on http://{args.host}:{args.port}", flush=True)
    socketio.run(app, host=args.host, port=args.port, allow_unsafe_werkzeug=True)
