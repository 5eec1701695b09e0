"""Fault tests: real production servers (``serve.py``, gevent) on loopback, lean phones, and things breaking.

Run with ``make test-faults`` (PostgreSQL; CI runs it too). Every test is
bounded well under two minutes and sends traffic to 127.0.0.1 only. Servers
and phones come from bench/ (bench/processes.py, bench/lean_client.py), so the
benchmark and these tests exercise the same code. Redis and PostgreSQL that a
test breaks are its own (a redis-server and a throwaway cluster on free
ports); the shared ones on 6379 and 5432 are never stopped.
"""
from __future__ import annotations

import http.client
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from bench.live_setup import build_vote_room
from bench.processes import Server, free_port
from roundtable.extensions import db
from tests.conftest import unavailable


@pytest.fixture
def database_url_of_app(app) -> str:
    return db.engine.url.render_as_string(hide_password=False)


@pytest.fixture
def start_servers(app, tmp_path, database_url_of_app):
    """``start_servers(n, message_queue=None, database_url=None, **env)``: production servers, stopped after."""
    started: list[Server] = []

    def start(count: int = 1, message_queue: str | None = None, database_url: str | None = None,
              **extra_env: str) -> list[Server]:
        env = {
            **extra_env,
            "DATABASE_URL": database_url or database_url_of_app,
            "SECRET_KEY": app.config["SECRET_KEY"],
            "BALLOT_KEY": app.config["BALLOT_KEY"],
            "ROUNDTABLE_INSTANCE": str(tmp_path),
            "OUTBOX_DISPATCHER": "0",
            "LIVE_TALLY_WINDOW": "0.25",
            "SOCKETIO_MESSAGE_QUEUE": message_queue or "",
        }
        servers = [Server("roundtable", env, tmp_path) for _ in range(count)]
        started.extend(servers)
        return servers

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def vote_room(app):
    """``vote_room(voters)``: a live meeting with checked-in voters and an open named yes/no poll."""
    return lambda voters, target_app=None: build_vote_room(target_app or app, voters, label="fault")




class OwnRedis:
    """A redis-server of this test's own on a free port, which the test may stop and start again."""

    def __init__(self, workdir: Path):
        binary = shutil.which("redis-server")
        if binary is None:
            unavailable("redis-server is not installed")
        self.binary, self.workdir, self.port = binary, workdir, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        import redis

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                redis.Redis(port=self.port, socket_connect_timeout=0.2).ping()
                return
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.05)
        raise RuntimeError("own redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def own_redis(tmp_path):
    server = OwnRedis(tmp_path)
    yield server
    server.stop()


def _pg_binary(name: str) -> str | None:
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    return shutil.which(name)


class OwnPostgres:
    """A throwaway PostgreSQL cluster (initdb) on a free port, run as the ``postgres`` user."""

    def __init__(self):
        self.initdb, self.pg_ctl = _pg_binary("initdb"), _pg_binary("pg_ctl")
        if not self.initdb or not self.pg_ctl or shutil.which("runuser") is None:
            unavailable("initdb/pg_ctl/runuser not available for a throwaway PostgreSQL cluster")
        # Not under pytest's tmp_path: its parents are private to root, and the server runs as postgres.
        self.dir = Path(tempfile.mkdtemp(prefix="roundtable-pg-"))
        shutil.chown(self.dir, "postgres", "postgres")
        self.data, self.port = self.dir / "data", free_port()
        self._as_postgres([self.initdb, "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync"])
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self.start()

    def _as_postgres(self, command: list[str]) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *command], check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off"
        self._as_postgres([self.pg_ctl, "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"), "-w", "start"])

    def stop(self) -> None:
        self._as_postgres([self.pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "stop"])

    def destroy(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def own_postgres():
    try:
        cluster = OwnPostgres()
    except subprocess.CalledProcessError as error:
        unavailable(f"could not create a throwaway PostgreSQL cluster: {error.stderr!r}")
    yield cluster
    cluster.destroy()


class Browser:
    """Form posts with the session cookie and the CSRF token, as a logged-in browser would send them."""

    def __init__(self, server: Server, cookie: str):
        self.server = server
        self.cookies = dict([cookie.split("=", 1)])

    def _request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, rest = value.split("=", 1)
                self.cookies[name] = rest.split(";", 1)[0]
        text = response.read().decode(errors="replace")
        connection.close()
        return response.status, text

    def post_form(self, page: str, action: str, data: dict | None = None) -> int:
        """Read ``page`` for its CSRF token, then post ``data`` to ``action``; the status code."""
        status, html = self._request("GET", page)
        assert status == 200, (page, status)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
            r'value="([^"]+)"[^>]*name="csrf_token"', html
        )
        assert token, f"no CSRF token on {page}"
        status, _ = self._request("POST", action, urlencode({"csrf_token": token.group(1), **(data or {})}))
        return status
