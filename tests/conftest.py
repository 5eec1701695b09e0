"""Shared fixtures: the app on SQLite or PostgreSQL, a client, a CLI runner, logins, a small world.

The whole suite runs on SQLite; ``--db postgresql`` runs it again on a fresh
PostgreSQL database. Without a reachable server those tests skip, except in CI
(CI=true), where a missing PostgreSQL is a failure.
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from roundtable import create_app
from roundtable.config import TestConfig
from roundtable.extensions import db

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pytest_addoption(parser):
    parser.addoption("--db", default="sqlite", choices=("sqlite", "postgresql"), help="database backend")
    parser.addoption(
        "--pg-url",
        default=os.environ.get("PG_TEST_URL", "postgresql://postgres@127.0.0.1:5432/test"),
        help="a PostgreSQL server/database the tests may create databases from",
    )


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives headless Chromium")
    config.addinivalue_line("markers", "postgresql: needs a PostgreSQL server")
    config.addinivalue_line("markers", "redis: needs a Redis server")


def unavailable(reason: str):
    """Skip on a developer's machine; fail in CI, where every service must be there."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: required services must be running)")
    pytest.skip(reason)


def _postgres_admin_url(pg_url: str) -> str:
    return pg_url.replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture(scope="session")
def database_url(request, tmp_path_factory):
    """A fresh, empty database for this test session."""
    if request.config.getoption("--db") == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'roundtable.db'}"
        return
    yield from _fresh_postgres_database(request.config.getoption("--pg-url"))


def _fresh_postgres_database(pg_url: str):
    from sqlalchemy import create_engine

    admin_url = _postgres_admin_url(pg_url)
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            name = f"roundtable_test_{uuid.uuid4().hex[:10]}"
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure means "no server"
        unavailable(f"PostgreSQL not reachable at {pg_url}: {exc.__class__.__name__}")
        return
    base = admin_url.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"),
                {"n": name},
            )
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture
def redis_url():
    """A database of the shared Redis for the live message queue (never restarted by a test)."""
    import redis

    url = "redis://127.0.0.1:6379/13"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "no server"
        unavailable(f"Redis not reachable at {url}: {exc.__class__.__name__}")
    return url


@pytest.fixture(scope="session")
def _schema(database_url):
    """Build the schema once per session from the models."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return database_url


def _empty_all_tables() -> None:
    """Delete every row, children first.

    DELETE on a handful of small tables is much cheaper than TRUNCATE of all of
    them on PostgreSQL (TRUNCATE pays a fixed file-level cost per table).
    """
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


def _forget_request_globals(sender, **_extra):
    """Give every request a clean ``g``, as in production.

    The fixture keeps one app context open for the whole test, and Flask reuses
    it for the test client's requests, so without this the logged-in user and
    the current community cached on ``g`` would leak from one request (and one
    client) to the next.
    """
    from flask import g

    for name in list(vars(g)):
        delattr(g, name)


@pytest.fixture
def app(_schema):
    """The application on the session's database, emptied after each test."""
    from flask import request_started

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=_schema)
    request_started.connect(_forget_request_globals, app)
    with app.app_context():
        yield app
        db.session.remove()
        _empty_all_tables()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    """A test client for the app."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A runner for the app's ``flask`` commands."""
    return app.test_cli_runner()


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, username: str, password: str = "secret-pass-1"):
        return self._client.post("/login", data={"username": username, "password": password})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    """Log the test client in and out as a given user."""
    return AuthActions(client)


@pytest.fixture
def world(app):
    """Two communities, A and B, each with a secretary, a resident, an auditor and cases."""
    from tests.factories import build_world

    return build_world()


@pytest.fixture
def is_postgres(app) -> bool:
    """True when this run is on PostgreSQL."""
    return db.engine.dialect.name == "postgresql"


ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
