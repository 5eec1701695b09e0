"""Ways a queued message leaves the system, chosen per channel by configuration.

``NOTIFY_SENDERS`` maps a channel (``email``, ``sms``) to a sender name, and
``SENDERS`` maps a name to a factory ``factory(app) -> sender`` whose
``send(message)`` returns on success and raises on failure. An SMS gateway is
one more ``register_sender("gateway-name", factory)`` (in ``dispatcher.py``) and a configuration line;
the outbox and its retries stay as they are.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol

from flask import Flask
from flask_babel import gettext

from roundtable.core.privacy import mask_phone
from roundtable.notifications.models import OutboxMessage

log = logging.getLogger("roundtable.outbox")


class SendError(Exception):
    """A message could not be handed over; the outbox records the text and retries."""


class Sender(Protocol):
    def send(self, message: OutboxMessage) -> None: ...


SENDERS: dict[str, Callable[[Flask], Sender]] = {}


def register_sender(name: str, factory: Callable[[Flask], Sender]) -> None:
    SENDERS[name] = factory


def sender_for(app: Flask, channel: str) -> Sender:
    """The configured sender of a channel; a missing one is a delivery failure, never a silent drop."""
    name = app.config.get("NOTIFY_SENDERS", {}).get(channel)
    if not name:
        raise SendError(gettext("没有为渠道「%(channel)s」配置发送方式(NOTIFY_SENDERS)。", channel=channel))
    factory = SENDERS.get(name)
    if factory is None:
        raise SendError(gettext("未知的发送方式「%(name)s」。", name=name))
    return factory(app)


class LogSender:
    """The default: the message goes to the application log, so a fresh install needs no mail server.

    Phone numbers are masked in the log, as everywhere else staff can read.
    """

    def __init__(self, app: Flask):
        self.logger = app.logger

    def send(self, message: OutboxMessage) -> None:
        recipient = mask_phone(message.recipient) if message.channel == "sms" else message.recipient
        self.logger.info(
            "outbox %s → %s: %s\n%s", message.channel, recipient, message.subject, message.body
        )


class SmtpSender:
    """E-mail through the SMTP server configured by MAIL_* settings.

    ``MAIL_USE_SSL`` is for servers that only speak TLS from the first byte
    (port 465, common with Chinese mail providers); ``MAIL_USE_TLS`` upgrades
    a plain connection with STARTTLS.
    """

    smtp_class = smtplib.SMTP
    smtp_ssl_class = smtplib.SMTP_SSL

    def __init__(self, app: Flask):
        config = app.config
        self.host = config.get("MAIL_SERVER") or ""
        self.port = int(config.get("MAIL_PORT") or 25)
        self.username = config.get("MAIL_USERNAME") or ""
        self.password = config.get("MAIL_PASSWORD") or ""
        self.use_tls = bool(config.get("MAIL_USE_TLS"))
        self.use_ssl = bool(config.get("MAIL_USE_SSL"))
        self.sender = config.get("MAIL_FROM") or self.username
        self.timeout = float(config.get("MAIL_TIMEOUT") or 30)

    def compose(self, message: OutboxMessage) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.recipient
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}")
        mail.set_content(message.body or message.subject)
        return mail

    def send(self, message: OutboxMessage) -> None:
        if not self.host or not self.sender:
            raise SendError("未配置邮件服务器(MAIL_SERVER、MAIL_FROM)。")
        try:
            smtp: smtplib.SMTP
            if self.use_ssl:
                smtp = self.smtp_ssl_class(
                    self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
                )
            else:
                smtp = self.smtp_class(self.host, self.port, timeout=self.timeout)
            with smtp:
                if self.use_tls and not self.use_ssl:
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, self.password)
                smtp.send_message(self.compose(message))
        except (smtplib.SMTPException, OSError) as exc:
            raise SendError(gettext("邮件发送失败:%(error)s", error=f"{exc.__class__.__name__}: {exc}")) from exc
