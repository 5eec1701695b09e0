"""The outbox: messages go out after commit, failures are retried and end up in front of an admin."""
from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from roundtable.core.time import utcnow
from roundtable.extensions import db
from roundtable.notifications import operations
from roundtable.notifications.dispatcher import deliver_due_messages
from roundtable.notifications.models import OutboxMessage
from roundtable.notifications.operations import notify, queue_message
from roundtable.notifications.senders import SendError
from tests.factories import make_user


def reload(message: OutboxMessage) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, message.id)


def make_due(message: OutboxMessage) -> None:
    """Stand in for the passing of the backoff time: the retry is due now."""
    db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message.id).values(next_attempt_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()


def test_delivery_sends_a_queued_message_once_and_marks_it_sent(app, outbound):
    message = queue_message("email", "wang@example.org", "会议通知", "周五14:00 社区活动室")
    db.session.commit()

    assert deliver_due_messages(app) == 1
    assert deliver_due_messages(app) == 0

    message = reload(message)
    assert message.status == "sent" and message.sent_at is not None and message.attempts == 1
    assert outbound.sent == [(message.id, "email", "wang@example.org", "会议通知", "周五14:00 社区活动室")]


def test_the_default_sender_writes_the_message_to_the_log_with_the_phone_masked(app, caplog):
    resident = make_user("wang", phone="13812345678")
    notify(resident, "圆桌会议邀请", "周五14:00")
    db.session.commit()

    with caplog.at_level(logging.INFO):
        assert deliver_due_messages(app) == 1

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "圆桌会议邀请" in logged and "周五14:00" in logged
    assert "138****5678" in logged and "13812345678" not in logged


def test_a_failing_sender_is_retried_with_growing_waits_then_marked_failed(app, outbound, client, auth):
    app.config["OUTBOX_MAX_ATTEMPTS"] = 3
    outbound.failure = SendError("SMTP 550 mailbox unavailable")
    message = queue_message("email", "wang@example.org", "会议通知", "")
    db.session.commit()

    before = utcnow()
    assert deliver_due_messages(app) == 0
    first = reload(message)
    assert (first.status, first.attempts, first.last_error) == ("pending", 1, "SMTP 550 mailbox unavailable")
    assert first.next_attempt_at >= before + timedelta(minutes=1)
    assert first.next_attempt_at <= utcnow() + timedelta(minutes=1)

    assert deliver_due_messages(app) == 0  # not due yet: the sender is not asked again
    assert len(outbound.in_request) == 1

    make_due(message)
    before = utcnow()
    deliver_due_messages(app)
    second = reload(message)
    assert (second.status, second.attempts) == ("pending", 2)
    assert second.next_attempt_at >= before + timedelta(minutes=5)

    make_due(message)
    deliver_due_messages(app)
    third = reload(message)
    assert (third.status, third.attempts) == ("failed", 3)

    make_due(message)
    deliver_due_messages(app)
    assert len(outbound.in_request) == 3  # a failed message waits for a person

    make_user("root", is_admin=True)
    db.session.commit()
    auth.login("root")
    page = client.get("/admin/outbox/").get_data(as_text=True)
    assert "wang@example.org" in page
    assert "SMTP 550 mailbox unavailable" in page
    assert "发送失败" in page and "3 / 3" in page


def test_retry_now_brings_a_failed_message_back_and_the_next_pass_sends_it(app, outbound, client, auth):
    app.config["OUTBOX_MAX_ATTEMPTS"] = 1
    outbound.failure = ConnectionRefusedError("connection refused")
    message = queue_message("email", "wang@example.org", "会议通知", "")
    make_user("root", is_admin=True)
    db.session.commit()
    deliver_due_messages(app)
    assert reload(message).status == "failed"

    outbound.failure = None  # the mail server is back
    auth.login("root")
    response = client.post(f"/admin/outbox/{message.id}/retry")

    assert response.status_code == 302
    assert outbound.sent == []  # the button only schedules; the dispatcher sends
    assert reload(message).status == "pending"
    assert deliver_due_messages(app) == 1
    assert reload(message).status == "sent"
    assert "wang@example.org" not in client.get("/admin/outbox/").get_data(as_text=True)


def test_retry_now_refuses_a_message_that_was_already_sent(app, outbound, client, auth):
    message = queue_message("email", "wang@example.org", "会议通知", "")
    make_user("root", is_admin=True)
    db.session.commit()
    deliver_due_messages(app)
    auth.login("root")

    response = client.post(f"/admin/outbox/{message.id}/retry")

    assert response.status_code == 409
    assert "只有待发送或发送失败的消息可以重试" in response.get_data(as_text=True)
    assert client.post("/admin/outbox/999999/retry").status_code == 404
    assert len(outbound.sent) == 1


def test_only_administrators_see_the_outbox(app, client, auth):
    make_user("wang")
    db.session.commit()
    assert "/login" in client.get("/admin/outbox/").headers["Location"]
    auth.login("wang")
    assert client.get("/admin/outbox/").status_code == 403


def test_a_channel_without_a_sender_is_a_visible_failure_not_a_silent_drop(app):
    app.config["NOTIFY_SENDERS"] = {"email": "log"}
    message = queue_message("sms", "13812345678", "会议通知", "")
    db.session.commit()

    deliver_due_messages(app)

    message = reload(message)
    assert message.status == "pending" and message.attempts == 1
    assert "没有为渠道「sms」配置发送方式" in message.last_error


def test_a_message_left_sending_by_a_dead_worker_is_picked_up_after_its_lease(app, outbound):
    message = queue_message("email", "wang@example.org", "会议通知", "")
    db.session.commit()
    assert operations.claim_due_messages("dead-worker", 10)  # claimed, then the worker died
    db.session.commit()

    assert deliver_due_messages(app) == 0  # still within the lease

    lease = timedelta(seconds=app.config["OUTBOX_SENDING_TIMEOUT"])
    db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message.id).values(claimed_at=utcnow() - lease - timedelta(seconds=1))
    )
    db.session.commit()
    assert deliver_due_messages(app) == 1
    assert operations.record_sent(message.id, "dead-worker") is False  # a late worker changes nothing
    assert reload(message).attempts == 2


def test_a_claimed_message_is_not_claimed_again(app):
    queue_message("email", "wang@example.org", "会议通知", "")
    db.session.commit()

    first = operations.claim_due_messages("worker-a", 10)
    db.session.commit()
    second = operations.claim_due_messages("worker-b", 10)
    db.session.commit()

    assert len(first) == 1 and second == []
    assert db.session.scalar(select(OutboxMessage.claim_token)) == "worker-a"


@pytest.mark.parametrize("attempts, minutes", [(1, 1), (2, 5), (3, 30), (4, 120), (5, 360), (9, 360)])
def test_the_wait_between_tries_grows_and_then_stays(app, attempts, minutes):
    assert operations.backoff_after(attempts) == timedelta(minutes=minutes)
