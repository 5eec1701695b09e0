"""Group commit of ballots: votes arriving together are written in one transaction.

When a whole room votes within a second, one transaction per ballot costs a
lock, a few queries and a commit each, and on one core a thousand of them
queue for seconds. Instead, per process, the first vote that finds nobody
writing becomes the *writer*: it waits ``LIVE_VOTE_WINDOW`` seconds (a few
milliseconds) for others, then writes every waiting vote with
``operations.cast_votes`` and commits once. Votes that arrive while a group is
being written wait for the next group, which the writer hands to the first of
them; the busier the room, the larger the groups. A phone is acked only once
the commit holding its ballot has succeeded, and the tally is announced only
after that commit.

This module commits, the one exception to "operations flush, the handler
commits": the transaction belongs to the group, not to any one phone's event,
so the handler cannot own it. The rules stay those of one vote at a time
(``cast_votes``): the UNIQUE constraint, repeats answered with the first
receipt, the close taking the poll lock exclusively. If the commit fails,
nothing of the group is stored and every phone in it gets the error; their
retries (same key) are answered like first votes or like repeats.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Sequence

from flask import Flask, current_app

from roundtable.ballots.operations import BallotRequest
from roundtable.core.errors import OperationError
from roundtable.extensions import db
from roundtable.live import operations
from roundtable.live.operations import VoteReceipt

log = logging.getLogger(__name__)

MAX_GROUP = 500
# A phone waiting behind this long gives up with "busy" (unless its group is already being written).
WAIT_SECONDS = 30.0


class BoxBusy(OperationError):
    code = "busy"


class _Waiting:
    __slots__ = ("request", "outcome", "woken", "lead")

    def __init__(self, request: BallotRequest):
        self.request = request
        self.outcome: VoteReceipt | BaseException | None = None
        self.woken = threading.Event()
        self.lead = False  # woken to write the next group rather than with an outcome


class BallotBox:
    def __init__(self, app: Flask):
        self.app = app
        self.window = float(app.config.get("LIVE_VOTE_WINDOW", os.environ.get("LIVE_VOTE_WINDOW", "0.003")))
        self.groups: Counter[int] = Counter()  # group size → how many, for tests and benchmarks
        self._lock = threading.Lock()
        self._queue: list[_Waiting] = []
        self._writing = False

    def cast(self, request: BallotRequest) -> VoteReceipt:
        """The vote's receipt once its group is committed; raises its refusal or the group's error.

        Called from an event handler: its read-only transaction (the permission
        check) is ended first, so that a phone waiting here holds no pooled
        database connection that the writer may need.
        """
        if db.session.registry.has():  # a vote checked against the cached actor has no session: none to make
            db.session.rollback()
        me = _Waiting(request)
        with self._lock:
            self._queue.append(me)
            lead = not self._writing
            self._writing = True
        if not lead:
            self._wait(me)
            lead = me.lead
        if lead:
            self._write_next_group()
        if isinstance(me.outcome, BaseException):
            raise me.outcome
        if me.outcome is None:
            raise RuntimeError("the ballot's group was written without its outcome")
        return me.outcome

    def _wait(self, me: _Waiting) -> None:
        if me.woken.wait(WAIT_SECONDS):
            return
        with self._lock:
            if not me.woken.is_set() and me in self._queue:  # not taken, not asked to write: leave, the phone retries
                self._queue.remove(me)
                raise BoxBusy("系统繁忙,操作未生效,请重试。")
        me.woken.wait()  # being written now: the answer is moments away

    def _write_next_group(self) -> None:
        """Write the oldest waiting votes (this caller's among them), then pass the pen on."""
        try:
            if self.window > 0:
                time.sleep(self.window)  # gevent-patched in production: the others keep arriving
            with self._lock:
                group, self._queue = self._queue[:MAX_GROUP], self._queue[MAX_GROUP:]
            self._write(group)
        finally:
            with self._lock:
                if self._queue:
                    following = self._queue[0]
                    following.lead = True
                    following.woken.set()
                else:
                    self._writing = False

    def _write(self, group: list[_Waiting]) -> None:
        requests = [waiting.request for waiting in group]
        outcomes: Sequence[VoteReceipt | BaseException]
        try:
            outcomes = operations.cast_votes(requests)
            db.session.commit()
        except Exception as error:  # noqa: BLE001 - every phone of the group gets it, none was stored
            db.session.rollback()
            outcomes = [error] * len(group)
        else:
            added: dict[tuple[int, int], list[BallotRequest]] = {}
            for request, outcome in zip(requests, outcomes, strict=False):
                if isinstance(outcome, VoteReceipt) and not outcome.repeated:
                    added.setdefault((request.meeting_id, request.poll_id), []).append(request)
            tallies = self.app.extensions["live_tallies"]
            for (meeting_id, poll_id), ballots in sorted(added.items()):
                try:
                    tallies.committed(meeting_id, poll_id, ballots, lambda poll_id=poll_id: _recount(poll_id))
                except Exception:  # noqa: BLE001 - the ballots are stored; the tally falls back to the database
                    log.exception("tally of poll %s not updated", poll_id)
                    db.session.rollback()
                    tallies.poll_changed(meeting_id, poll_id)
        self.groups[len(group)] += 1
        for waiting, result in zip(group, outcomes, strict=False):
            waiting.outcome = result
            waiting.woken.set()


def _recount(poll_id: int) -> tuple[dict[str, int], int, dict[str, int]]:
    """The poll's counts (by option, total, by channel) from the database, read by the writer after its commit."""
    from roundtable.live.models import Poll
    from roundtable.live.queries import tally_of

    poll = db.session.get(Poll, poll_id)
    if poll is None:  # deleted with its meeting; the caller logs it and the tally falls back
        raise LookupError(f"poll {poll_id} is gone")
    tally = tally_of(poll)
    db.session.rollback()  # end the read; the writer holds no transaction between groups
    return tally["counts"], tally["total"], tally.get("channels", {})


def ballot_box() -> BallotBox:
    box: BallotBox = current_app.extensions["live_ballots"]
    return box
