"""PostgreSQL stops for 5 s mid-vote: phones get explicit errors, never a false ack, and all is well after.

The server runs on a throwaway PostgreSQL cluster of the test's own (initdb
on a free port), which the test stops and starts; the shared server is never
touched. Every vote sent during the outage is answered ``{ok: false}`` with a
code, and is not in the database; once PostgreSQL is back, the same phones
retry with the same keys and are counted exactly once.
"""
from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request

import pytest
from sqlalchemy import create_engine, select, text

from bench.lean_client import LeanPhone
from roundtable import create_app
from roundtable.config import TestConfig
from roundtable.extensions import db
from roundtable.live.models import Ballot

pytestmark = pytest.mark.timeout(170)

VOTERS = 20


def health_status(server) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"{server.url}/healthz", timeout=15) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture
def outage_app(app, own_postgres):
    """The app on the throwaway cluster, with the schema built from the models."""
    admin = create_engine(own_postgres.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("CREATE DATABASE roundtable"))
    admin.dispose()
    url = own_postgres.url.rsplit("/", 1)[0] + "/roundtable"
    other = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, SECRET_KEY=app.config["SECRET_KEY"])
    with other.app_context():
        db.create_all()
        db.session.remove()
    yield other, url
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def test_votes_during_a_database_outage_are_refused_and_counted_once_after(
    outage_app, own_postgres, vote_room, start_servers
):
    other, url = outage_app
    room = vote_room(VOTERS, other)
    (server,) = start_servers(1, database_url=url)

    async def story():
        phones = [await LeanPhone("127.0.0.1", server.port, token).open() for token in room.tokens]
        for phone in phones:
            await phone.join(room.meeting_id)
        payload = lambda phone: {"poll_id": room.poll_id, "choices": [room.yes], "key": f"k-{phone.token}"}  # noqa: E731 - a one-line payload builder

        first = await phones[0].call("vote_cast", payload(phones[0]))
        assert first["ok"], first

        await asyncio.to_thread(own_postgres.stop)
        down_at = time.monotonic()
        during = await asyncio.gather(*(p.call("vote_cast", payload(p), timeout=60) for p in phones[1:]))
        status, report = await asyncio.to_thread(health_status, server)
        await asyncio.sleep(max(0.0, 5 - (time.monotonic() - down_at)))
        await asyncio.to_thread(own_postgres.start)

        after = await asyncio.gather(*(p.call("vote_cast", payload(p), timeout=60) for p in phones))
        for phone in phones:
            await phone.close()
        return first, during, (status, report), after

    first, during, (status, report), after = asyncio.run(story())

    assert all(ack["ok"] is False and ack["error"] for ack in during), during  # explicit, never a false ack
    print("answers during the outage:", sorted({ack["error"] for ack in during}))
    assert status == 503 and report["database"]["status"] == "failing", report
    assert all(ack["ok"] for ack in after), after
    assert after[0]["receipt"] == first["receipt"] and after[0]["repeated"]
    with other.app_context():
        receipts = set(db.session.scalars(select(Ballot.receipt).where(Ballot.poll_id == room.poll_id)))
        db.session.remove()
    assert receipts == {ack["receipt"] for ack in after}
    assert len(receipts) == VOTERS
    assert health_status(server)[0] == 200
