"""Several deliverers at once, and the background dispatcher of a server process."""
from __future__ import annotations

import threading
import time
from collections import Counter

from sqlalchemy import func, select

from roundtable import create_app
from roundtable.config import TestConfig
from roundtable.extensions import db
from roundtable.notifications.dispatcher import deliver_due_messages, start_dispatcher
from roundtable.notifications.models import OutboxMessage
from roundtable.notifications.operations import queue_message
from tests.factories import make_user

BOUNDED_WAIT = 15  # seconds; only an upper bound for polling, never a measured duration


def wait_until(condition) -> bool:
    deadline = time.monotonic() + BOUNDED_WAIT
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_two_deliverers_running_together_send_every_message_exactly_once(app, outbound):
    for number in range(40):
        queue_message("email", f"resident{number}@example.org", f"会议通知 {number}", "")
    db.session.commit()
    start_together = threading.Barrier(2)
    totals, errors = [], []

    def deliverer():
        try:
            start_together.wait()
            total = 0
            while True:
                sent = deliver_due_messages(app, limit=3)
                if not sent:
                    break
                total += sent
            totals.append(total)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    workers = [threading.Thread(target=deliverer) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(BOUNDED_WAIT * 4)

    assert errors == []
    sends = Counter(entry[0] for entry in outbound.sent)
    assert len(sends) == 40 and set(sends.values()) == {1}
    assert sum(totals) == 40
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).where(OutboxMessage.status != "sent")) == 0


def test_the_server_dispatcher_sends_soon_after_commit_without_being_asked(app, outbound):
    dispatcher = start_dispatcher(app)
    try:
        message = queue_message("email", "wang@example.org", "会议通知", "")
        db.session.commit()
        dispatcher.wake()

        assert wait_until(lambda: len(outbound.sent) == 1)
        assert outbound.sent[0][0] == message.id
        assert outbound.in_request == [False]
    finally:
        dispatcher.stop()
        dispatcher.worker.join(BOUNDED_WAIT)
    assert not dispatcher.worker.is_alive()


def test_a_server_starts_its_dispatcher_on_its_first_request_and_only_once(_schema):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=_schema, OUTBOX_DISPATCHER=True, OUTBOX_POLL_SECONDS=60)
    assert "outbox_dispatcher" not in app.extensions  # creating the app (flask commands) starts nothing
    client = app.test_client()
    try:
        client.get("/login")
        dispatcher = app.extensions["outbox_dispatcher"]
        assert dispatcher.worker.is_alive() and dispatcher.worker.daemon
        client.get("/login")
        assert app.extensions["outbox_dispatcher"] is dispatcher
    finally:
        app.extensions["outbox_dispatcher"].stop()
        app.extensions["outbox_dispatcher"].worker.join(BOUNDED_WAIT)
        with app.app_context():
            db.engine.dispose()


def test_tests_and_commands_get_no_dispatcher_by_default(client, app):
    client.get("/login")
    assert "outbox_dispatcher" not in app.extensions


def test_the_outbox_commands_deliver_from_a_worker_process(app, runner, outbound):
    queue_message("email", "wang@example.org", "会议通知", "")
    make_user("wang")
    db.session.commit()

    result = runner.invoke(args=["outbox", "deliver"])

    assert result.exit_code == 0, result.output
    assert "已发送 1 条消息" in result.output
    assert len(outbound.sent) == 1
