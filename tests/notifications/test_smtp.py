"""E-mail through a real SMTP conversation with a small server on the loopback interface."""
from __future__ import annotations

import socketserver
import threading
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from sqlalchemy import select

from roundtable.extensions import db
from roundtable.notifications.dispatcher import deliver_due_messages
from roundtable.notifications.models import OutboxMessage
from roundtable.notifications.operations import queue_message


class SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough of RFC 5321 for smtplib: EHLO, MAIL, RCPT, DATA, QUIT."""

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        server = self.server
        self.reply("220 loopback ESMTP")
        envelope = {"rcpt": []}
        while True:
            line = self.rfile.readline()
            if not line:
                return
            verb = line.decode().strip().split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 loopback")
            elif verb == "MAIL":
                envelope["from"] = line.decode().strip()
                self.reply("250 OK")
            elif verb == "RCPT":
                if server.refuse_recipients:
                    self.reply("550 5.1.1 mailbox unavailable")
                else:
                    envelope["rcpt"].append(line.decode().strip())
                    self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 end with .")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                server.received.append((envelope, message_from_bytes(data, policy=default_policy)))
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 OK")


@pytest.fixture
def smtp_server(app):
    """An SMTP server on 127.0.0.1 that keeps what it receives; the app is pointed at it."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SmtpHandler)
    server.daemon_threads = True
    server.received, server.refuse_recipients = [], False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config.update(
        NOTIFY_SENDERS={"email": "smtp", "sms": "log"},
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=server.server_address[1],
        MAIL_FROM="圆桌议事 <noreply@roundtable.example>",
        MAIL_USE_TLS=False,
        MAIL_USERNAME="",
        MAIL_TIMEOUT=10,
    )
    yield server
    server.shutdown()
    server.server_close()


def test_a_notice_is_mailed_with_a_chinese_subject_and_body(app, smtp_server):
    queue_message("email", "wang@example.org", "圆桌会议邀请:胡同停车", "周五14:00 社区活动室\n请准时参加。")
    db.session.commit()

    assert deliver_due_messages(app) == 1

    envelope, mail = smtp_server.received[0]
    assert "wang@example.org" in envelope["rcpt"][0]
    assert mail["To"] == "wang@example.org"
    assert mail["Subject"] == "圆桌会议邀请:胡同停车"
    assert "noreply@roundtable.example" in mail["From"]
    assert "周五14:00 社区活动室" in mail.get_content()


def test_a_refused_recipient_is_recorded_and_retried(app, smtp_server):
    smtp_server.refuse_recipients = True
    queue_message("email", "gone@example.org", "会议通知", "")
    db.session.commit()

    assert deliver_due_messages(app) == 0

    message = db.session.scalar(select(OutboxMessage))
    assert message.status == "pending" and message.attempts == 1
    assert "SMTPRecipientsRefused" in message.last_error


def test_an_unreachable_mail_server_is_recorded_as_the_error(app, smtp_server):
    app.config["MAIL_PORT"] = 1  # nothing listens there on the loopback interface
    queue_message("email", "wang@example.org", "会议通知", "")
    db.session.commit()

    assert deliver_due_messages(app) == 0
    assert "邮件发送失败" in db.session.scalar(select(OutboxMessage.last_error))


def test_smtp_without_a_configured_server_says_so(app):
    app.config.update(NOTIFY_SENDERS={"email": "smtp"}, MAIL_SERVER="")
    queue_message("email", "wang@example.org", "会议通知", "")
    db.session.commit()

    deliver_due_messages(app)
    assert "未配置邮件服务器" in db.session.scalar(select(OutboxMessage.last_error))
