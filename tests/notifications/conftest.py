"""Fixtures for notification tests: a sender that records what it was asked to send."""
from __future__ import annotations

import threading

import pytest
from flask import has_request_context

from roundtable.notifications import senders


class RecordingSender:
    """Stands in for a mail server or SMS gateway; ``failure`` makes every send raise it."""

    def __init__(self):
        self.sent = []
        self.in_request = []
        self.failure: Exception | None = None
        self.lock = threading.Lock()

    def factory(self, app):
        return self

    def send(self, message):
        with self.lock:
            self.in_request.append(has_request_context())
            if self.failure is not None:
                raise self.failure
            self.sent.append((message.id, message.channel, message.recipient, message.subject, message.body))


@pytest.fixture
def outbound(app, monkeypatch):
    """Every outbound channel goes to a RecordingSender instead of the log."""
    recorder = RecordingSender()
    monkeypatch.setitem(senders.SENDERS, "recording", recorder.factory)
    monkeypatch.setitem(app.config, "NOTIFY_SENDERS", {"email": "recording", "sms": "recording"})
    return recorder
