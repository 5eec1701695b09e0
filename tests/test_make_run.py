"""`make run` serves through serve.py's gevent server (one process, SQLite), quietly, with the job worker."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _get(url: str):
    """(status, headers, text) of a GET."""
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.headers, response.read().decode("utf-8")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_make_run_uses_the_gevent_server_of_production():
    makefile = (ROOT / "Makefile").read_text()
    run_recipe = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "serve.py --embedded --port $(PORT)" in run_recipe
    assert "wsgi.py" not in run_recipe


@pytest.fixture
def embedded_server(tmp_path, request):
    """serve.py as `make run` starts it, on a migrated SQLite database of its own and a free port."""
    if request.config.getoption("--db") != "sqlite":
        pytest.skip("the embedded default is SQLite")
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}", "FLASK_APP": "wsgi.py",
           "SECRET_KEY": "make-run-test", "PORT": str(port), "EMBEDDED_WORKER": "1"}
    env.pop("ROUNDTABLE_ENV", None)
    subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=120)
    log = (tmp_path / "out.log").open("w+")
    # PORT from the environment, as `PORT=8000 make run` passes it through the Makefile.
    process = subprocess.Popen([sys.executable, "serve.py", "--embedded", "--port", env["PORT"]], cwd=ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            _get(f"{base}/login")
            break
        except (urllib.error.URLError, ConnectionError):
            assert process.poll() is None, (tmp_path / "out.log").read_text()
            time.sleep(0.3)
    yield base, process, tmp_path / "out.log"
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.close()


def test_the_embedded_server_is_gevent_quiet_and_starts_the_worker(embedded_server):
    base, process, log_path = embedded_server
    status, headers, text = _get(f"{base}/login")
    assert status == 200 and "登录" in text
    assert "Werkzeug" not in headers.get("Server", "")
    # The Socket.IO handshake works on the same port (long-polling, as phones start).
    status, _headers, text = _get(f"{base}/socket.io/?EIO=4&transport=polling")
    assert status == 200 and '"sid"' in text
    time.sleep(1.5)  # let the worker print its first lines
    output = log_path.read_text()
    assert "Roundtable (gevent, pid" in output
    assert "Background worker started" in output
    assert "development server" not in output and "WARNING: This is a development server" not in output
    assert "GET /login" not in output  # no request log by default
    assert " DEBUG " not in output
    worker_pid = int(output.split("Background worker started (pid ", 1)[1].split(";", 1)[0])
    process.terminate()
    process.wait(20)
    # The worker does not outlive the server.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            os.kill(worker_pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.3)
    else:
        pytest.fail("the job worker outlived the server")
