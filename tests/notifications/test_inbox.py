"""A person's inbox: notices arrive with the change that caused them, and only they can read them."""
from __future__ import annotations

import pytest
from flask_login import current_user, login_required
from sqlalchemy import func, select

from roundtable.core.errors import OperationError
from roundtable.extensions import db
from roundtable.notifications.dispatcher import deliver_due_messages
from roundtable.notifications.models import Notification, OutboxMessage
from roundtable.notifications.operations import notify, queue_message
from tests.factories import make_user


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_notice_lands_in_the_inbox_and_is_queued_to_the_residents_phone(app):
    resident = make_user("wang", phone="138 1234 5678")
    notification = notify(resident, "圆桌会议邀请:胡同停车", "周五14:00 社区活动室", "/meetings/7")
    db.session.commit()

    assert notification.user_id == resident.id and notification.read_at is None
    message = db.session.scalar(select(OutboxMessage))
    assert (message.channel, message.recipient, message.status) == ("sms", "13812345678", "pending")
    assert message.subject == "圆桌会议邀请:胡同停车"
    assert "周五14:00 社区活动室" in message.body and "/meetings/7" in message.body


def test_a_rolled_back_change_leaves_neither_a_notice_nor_a_message(app):
    resident = make_user("wang", phone="13812345678")
    db.session.commit()

    notify(resident, "圆桌会议邀请", "周五开会")
    assert count(Notification) == 1 and count(OutboxMessage) == 1  # both written in the transaction
    db.session.rollback()

    assert count(Notification) == 0
    assert count(OutboxMessage) == 0


def test_someone_without_phone_or_email_still_gets_the_inbox_entry(app):
    resident = make_user("zhao")
    notify(resident, "会议已取消")
    db.session.commit()
    assert count(Notification) == 1
    assert count(OutboxMessage) == 0


def test_a_notice_cannot_carry_a_script_link_or_an_empty_title(app):
    resident = make_user("wang")
    with pytest.raises(OperationError):
        notify(resident, "点这里", link="javascript:alert(1)")
    with pytest.raises(OperationError):
        notify(resident, "点这里", link="//evil.example/phish")
    with pytest.raises(OperationError):
        notify(resident, "   ")
    with pytest.raises(OperationError):
        queue_message("fax", "010-12345678", "会议", "")
    with pytest.raises(OperationError):
        queue_message("email", "not-an-address", "会议", "")


def test_the_inbox_lists_newest_first_with_unread_ones_marked_and_counted_in_the_header(client, auth, app):
    resident = make_user("wang")
    notify(resident, "第一次会议通知", "", "/meetings/1")
    notify(resident, "第二次会议通知", "<script>alert(1)</script>", "/meetings/2")
    db.session.commit()
    auth.login("wang")

    page = client.get("/inbox").get_data(as_text=True)

    assert page.index("第二次会议通知") < page.index("第一次会议通知")
    assert page.count('class="card notice unread"') == 2
    assert "消息 (2)" in page
    assert 'href="/meetings/2"' in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_a_resident_marks_one_notice_and_then_all_as_read(client, auth, app):
    resident = make_user("wang")
    first = notify(resident, "第一次会议通知")
    notify(resident, "第二次会议通知")
    notify(resident, "第三次会议通知")
    db.session.commit()
    auth.login("wang")

    response = client.post(f"/inbox/{first.id}/read")
    assert response.status_code == 302 and response.headers["Location"].endswith("/inbox")
    page = client.get("/inbox").get_data(as_text=True)
    assert page.count('class="card notice unread"') == 2
    assert "消息 (2)" in page

    client.post("/inbox/read-all")
    page = client.get("/inbox").get_data(as_text=True)
    assert 'class="card notice unread"' not in page
    assert "消息 (" not in page
    db.session.expire_all()
    assert all(n.read_at is not None for n in db.session.scalars(select(Notification)))


def test_nobody_can_see_or_mark_someone_elses_notice(client, auth, app):
    wang = make_user("wang")
    make_user("li")
    private = notify(wang, "王先生的会议通知")
    db.session.commit()
    auth.login("li")

    assert "王先生的会议通知" not in client.get("/inbox").get_data(as_text=True)
    assert client.post(f"/inbox/{private.id}/read").status_code == 404
    client.post("/inbox/read-all")

    db.session.expire_all()
    assert db.session.get(Notification, private.id).read_at is None


def test_the_inbox_needs_a_login(client):
    response = client.get("/inbox")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_request_that_notifies_answers_before_anything_is_sent(app, client, auth, outbound):
    @login_required
    def invite_me():
        notify(current_user, "您被邀请参加圆桌会议", "周五14:00")
        db.session.commit()
        return "ok"

    app.add_url_rule("/test-only/invite-me", "test_invite_me", invite_me, methods=["POST"])
    make_user("wang", phone="13812345678")
    db.session.commit()
    auth.login("wang")

    response = client.post("/test-only/invite-me")

    assert response.status_code == 200
    assert outbound.in_request == []  # the request never reached the sender
    db.session.expire_all()
    assert db.session.scalar(select(OutboxMessage.status)) == "pending"

    assert deliver_due_messages(app) == 1
    assert outbound.in_request == [False]
    assert outbound.sent[0][2] == "13812345678"
