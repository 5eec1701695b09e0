"""Production serving: ``python serve.py --port P`` is one gevent server process on one port.

It sits beside ``wsgi.py``, outside the ``roundtable`` package, because
``python -m roundtable.serve`` would import ``roundtable/__init__.py`` (Flask,
the configuration) before the first line here could patch anything.

gevent must patch the standard library before anything else imports it:
a socket, lock or ``time.sleep`` imported unpatched would block the whole
process (every phone in it) instead of one greenlet. That is why the patch
is the very first statement here, and why the async mode is set in the
environment before ``roundtable.config`` reads it.

psycopg 3 is cooperative only if it sees the patch when it is first
imported: it then waits on sockets through ``select``/``selectors``, which
gevent replaced; otherwise it picks its C wait function, which would block
the hub on every query. ``check_cooperative_database`` refuses to start in
that case rather than serve a meeting that freezes under load.

One process per port, never several workers behind one port (gunicorn
``-w N``): Socket.IO's HTTP long-polling and its handshake must reach the
process that holds the session. Several processes sit behind a sticky load
balancer (deploy/nginx.conf) and share Redis (``SOCKETIO_MESSAGE_QUEUE``) and
the database. PDF rendering never runs here: it is the job worker's work.

``make run`` serves through this same file with ``--embedded``: one process on
SQLite that also starts the job worker as a child process (``EMBEDDED_WORKER``,
on by default there) and sends notifications from its own outbox dispatcher, so
the embedded default runs the stack the benchmarks measure. Quiet by default:
one banner line, no request log, the worker at INFO; ``--access-log`` prints
every request.
"""
from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402 - everything below must come after the patch
import os
import resource
import sys

os.environ["SOCKETIO_ASYNC_MODE"] = "gevent"
EMBEDDED = "--embedded" in sys.argv[1:]
if not EMBEDDED:
    os.environ["EMBEDDED_WORKER"] = "0"  # production: `flask worker run` is a process of its own


def check_cooperative_database() -> None:
    """Stop here if psycopg would block the gevent hub (see the module docstring)."""
    import psycopg.waiting

    if getattr(psycopg.waiting, "wait_c", None) is not None and psycopg.waiting.wait is psycopg.waiting.wait_c:
        sys.exit("psycopg was imported before gevent patched select: its waits would block every phone")


def raise_open_files_limit() -> int:
    """A phone is a socket: let this process hold as many as the hard limit allows."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def subscribe_now(server) -> None:
    """Start listening to the message queue at once, not at the first phone's handshake.

    python-socketio subscribes lazily; until then ``/healthz`` could not tell a
    process that will receive broadcasts from one that cannot.
    """
    if not server.manager_initialized:
        server.manager_initialized = True
        server.manager.initialize()


def tune_garbage_collector() -> None:
    """Keep the cyclic garbage collector from pausing every phone of the process for a second.

    A full collection walks every object the process holds: after a joining rush
    that is the app's own (modules, mappers, compiled queries) and each phone's
    (greenlets, websockets, sessions): at 1,000 phones, 0.4–1.5 s pauses in the
    middle of a vote or a close (the profiles blamed whichever line allocated). What
    was loaded at start lives as long as the process: ``gc.freeze`` takes it out of
    every collection (the longest pause became ~0.2–0.5 s in the same run). And a
    full collection is considered after 100 middle ones instead of 10 (thresholds
    2000, 10, 100 rather than Python's 700, 10, 10): at 1,000 phones no full
    collection ran in a vote round, the others took ~30 ms each.
    ``GC_LOG=1`` prints each collection that took longer than 20 ms; ``GC_THRESHOLDS``
    ("700,10,10") sets other thresholds.
    """
    import gc
    import time

    gc.collect()
    gc.freeze()
    thresholds = os.environ.get("GC_THRESHOLDS") or "2000,10,100"
    gc.set_threshold(*(int(n) for n in thresholds.split(",")))
    if os.environ.get("GC_LOG") == "1":
        started: list[float] = []

        def log(phase, info):
            if phase == "start":
                started[:] = [time.perf_counter()]
            elif started and (elapsed := time.perf_counter() - started[0]) > 0.02:
                print(f"gc: generation {info['generation']} took {elapsed * 1000:.0f} ms, "
                      f"{len(gc.get_objects(info['generation']))} objects left in it", file=sys.stderr, flush=True)

        gc.callbacks.append(log)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve Roundtable: one gevent process on one port")
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5000")))
    parser.add_argument("--backlog", type=int, default=1024, help="pending connections (a room connecting at once)")
    parser.add_argument("--embedded", action="store_true",
                        help="make run: also start the job worker as a child process (EMBEDDED_WORKER=0 to not)")
    parser.add_argument("--access-log", action="store_true", help="print one line per request")
    args = parser.parse_args(argv)

    check_cooperative_database()
    from roundtable import create_app
    from roundtable.extensions import socketio

    app = create_app()
    hops = int(os.environ.get("PROXY_HOPS", "0"))
    if hops:
        # Behind nginx every request comes from 127.0.0.1: without this, one phone's failed
        # logins would lock everyone out (the login limit is per address).
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    subscribe_now(socketio.server)
    tune_garbage_collector()
    open_files = raise_open_files_limit()
    if args.embedded and app.config["EMBEDDED_WORKER"]:
        # PDF rendering is CPU-bound: a process of its own, never a greenlet of this server.
        from roundtable.jobs.embedded import start_worker_process

        worker = start_worker_process()
        print(f"Background worker started (pid {worker.pid}; EMBEDDED_WORKER=0 to run your own)", flush=True)
    queue = app.config.get("SOCKETIO_MESSAGE_QUEUE") or "none (single process)"
    print(f"Roundtable (gevent, pid {os.getpid()}) on http://{args.host}:{args.port}; "
          f"message queue {queue}; open files {open_files}", flush=True)
    socketio.run(app, host=args.host, port=args.port, backlog=args.backlog, log_output=args.access_log)


if __name__ == "__main__":
    main()
