"""The application object for ``flask`` commands (``FLASK_APP=wsgi.py``) and WSGI hosts.

Serving is ``serve.py``'s job: ``make run`` runs ``python serve.py --embedded``
(gevent, one process, SQLite, the job worker as a child process) and production
runs one ``serve.py`` per port (README "Production"). ``python wsgi.py`` starts
Werkzeug's development server with its debugger-friendly reloading off; it is
for debugging only, never for a meeting.
"""
from __future__ import annotations

import argparse
import os

from roundtable import create_app
from roundtable.extensions import socketio

app = create_app()

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Debug server (Werkzeug); serve with serve.py")
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5000")))
    args = parser.parse_args()
    print(f"Werkzeug debug server on http://{args.host}:{args.port} (for debugging only: use serve.py)", flush=True)
    socketio.run(app, host=args.host, port=args.port, allow_unsafe_werkzeug=True)
