"""Delivery of the outbox, outside every request.

``deliver_due_messages`` is one pass: claim due messages, hand each to its
sender, record the outcome, committing after each step so that a crash leaves
at most one message in ``sending`` (picked up again when its lease expires).

A server process runs passes in the background: a daemon thread, or a
greenlet when gevent has patched the standard library (a real thread would
then be a greenlet anyway, and a greenlet does not block the hub on patched
sockets). It starts on the process's first request, so ``flask`` commands
and tests never start one by accident; ``flask outbox run`` is the same loop
in a worker process of its own.
"""
from __future__ import annotations

import logging
import os
import threading
import uuid
from typing import TYPE_CHECKING

from flask import Flask

from roundtable.extensions import db
from roundtable.notifications import operations
from roundtable.notifications.aliyun import AliyunSmsSender
from roundtable.notifications.senders import LogSender, Sender, SmtpSender, register_sender, sender_for

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

log = logging.getLogger("roundtable.outbox")

# The gateways that NOTIFY_SENDERS may name (a new one: its module, and one line here).
register_sender("log", LogSender)
register_sender("smtp", SmtpSender)
register_sender("aliyun", AliyunSmsSender)


def deliver_due_messages(app: Flask, limit: int | None = None) -> int:
    """Send what is due now; returns how many messages were sent."""
    limit = limit or app.config["OUTBOX_BATCH_SIZE"]
    token = uuid.uuid4().hex
    with app.app_context():
        try:
            claimed = operations.claim_due_messages(token, limit)
            jobs = [(m.id, m.channel, m.attempts, m) for m in claimed]
            for message in claimed:  # senders read them after the commit below; keep them loaded
                db.session.expunge(message)
            db.session.commit()
            senders: dict[str, Sender] = {}
            sent = 0
            for message_id, channel, attempts, message in jobs:
                try:
                    if channel not in senders:
                        senders[channel] = sender_for(app, channel)
                    senders[channel].send(message)
                except Exception as exc:  # noqa: BLE001 - any failure is recorded and retried
                    log.warning("outbox message %s failed (attempt %s): %s", message_id, attempts, exc)
                    operations.record_failure(message_id, token, attempts, str(exc) or exc.__class__.__name__)
                    db.session.commit()
                    continue
                if operations.record_sent(message_id, token):
                    sent += 1
                db.session.commit()
            return sent
        except Exception:
            db.session.rollback()
            raise
        finally:
            db.session.remove()


def _gevent_patched() -> bool:
    try:
        from gevent import monkey
    except ImportError:
        return False
    return bool(monkey.is_module_patched("threading"))


class Dispatcher:
    """The background loop of one server process."""

    def __init__(self, app: Flask):
        self.app = app
        self.pid = os.getpid()
        self.stopping = threading.Event()
        self.wakeup = threading.Event()
        self.worker: object | None = None  # the thread or greenlet running ``run``

    def start(self) -> None:
        if _gevent_patched():
            import gevent

            self.worker = gevent.spawn(self.run)
        else:
            thread = threading.Thread(target=self.run, name="outbox-dispatcher", daemon=True)
            thread.start()
            self.worker = thread
        log.info("outbox dispatcher started in process %s", self.pid)

    def stop(self) -> None:
        self.stopping.set()
        self.wakeup.set()

    def wake(self) -> None:
        """Deliver soon instead of at the next poll (after a commit that queued messages)."""
        self.wakeup.set()

    def run(self) -> None:
        interval = float(self.app.config["OUTBOX_POLL_SECONDS"])
        batch = self.app.config["OUTBOX_BATCH_SIZE"]
        while not self.stopping.is_set():
            sent = 0
            try:
                sent = deliver_due_messages(self.app, batch)
            except Exception:  # noqa: BLE001 - the database may be down for a while; keep trying
                log.exception("outbox delivery pass failed")
            if sent < batch:
                self.wakeup.wait(interval)
                self.wakeup.clear()


_lock = threading.Lock()


def start_dispatcher(app: Flask) -> Dispatcher:
    """Start this process's dispatcher for ``app`` once; a forked child starts its own."""
    with _lock:
        current = app.extensions.get("outbox_dispatcher")
        if isinstance(current, Dispatcher) and current.pid == os.getpid():
            return current
        dispatcher = Dispatcher(app)
        app.extensions["outbox_dispatcher"] = dispatcher
        dispatcher.start()
        return dispatcher


def _wake_after_commit(session: Session) -> None:
    """A commit that queued messages wakes the dispatcher, so notices go out in seconds."""
    if not session.info.pop(operations.QUEUED_FLAG, False):
        return
    from flask import current_app, has_app_context

    if has_app_context():
        dispatcher = current_app.extensions.get("outbox_dispatcher")
        if dispatcher is not None:
            dispatcher.wake()


def _forget_after_rollback(session: Session) -> None:
    session.info.pop(operations.QUEUED_FLAG, None)


def install_dispatcher(app: Flask) -> None:
    """Start the dispatcher on the first request a server process handles, if configured."""
    if not app.config.get("OUTBOX_DISPATCHER"):
        return
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    if not event.contains(Session, "after_commit", _wake_after_commit):
        event.listen(Session, "after_commit", _wake_after_commit)
        event.listen(Session, "after_rollback", _forget_after_rollback)

    @app.before_request
    def _ensure_dispatcher() -> None:
        dispatcher = app.extensions.get("outbox_dispatcher")
        if dispatcher is None or dispatcher.pid != os.getpid():
            start_dispatcher(app)
