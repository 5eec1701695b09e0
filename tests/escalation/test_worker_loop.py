"""The worker's periodic pass (``follow_up``) as it runs in ``flask worker``: time moved forward,
each step fires once at its time (提醒 before the deadline, 催办 at it, 督办 after the further
period), repeated passes add nothing, and two workers passing at the same moment tell everyone once.
"""
from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from roundtable.cases.models import CaseEvent
from roundtable.escalation import operations, queries
from roundtable.escalation.models import EscalationStep
from roundtable.extensions import db
from roundtable.jobs.registry import load_handler_modules
from roundtable.jobs.worker import run_periodic
from roundtable.notifications.models import Notification
from tests.factories import make_user


class Clock:
    """The wall clock the pass reads (moved by the test) and the worker's monotonic clock."""

    def __init__(self, now):
        self.now = now
        self.ticks = 0.0

    def wall(self):
        return self.now

    def monotonic(self):
        return self.ticks


@pytest.fixture
def clock(monkeypatch, published):
    load_handler_modules()
    start = published.commitments[0].deadline - timedelta(days=10)
    moved = Clock(start)
    monkeypatch.setattr(operations, "utcnow", moved.wall)
    monkeypatch.setattr("roundtable.minutes.operations.utcnow", moved.wall)
    return moved


@pytest.fixture
def supervisor(world):
    user = make_user("street_supervisor", display_name="街道督办")
    operations.add_supervisor(user, world.a.community.street_id)
    db.session.commit()
    return user


def recorded() -> dict:
    """Everything a pass leaves: steps, notifications per person and title start, case timeline entries."""
    db.session.expire_all()
    steps = Counter((s.commitment_id, s.round, s.step) for s in db.session.scalars(select(EscalationStep)))
    told = Counter((n.user_id, (n.params or {}).get("step_label") or n.title[:2])
                   for n in db.session.scalars(select(Notification)))
    timeline = Counter((e.case_id, e.note) for e in db.session.scalars(
        select(CaseEvent).where(CaseEvent.kind == "escalation")))
    return {"steps": steps, "told": told, "timeline": timeline}


def step_names(commitment) -> list[str]:
    db.session.expire_all()
    return [s.step for s in queries.steps_of(commitment)]


def test_the_worker_loop_fires_each_step_at_its_time_and_once(app, world, published, concluded, supervisor, clock):
    app.config["ESCALATION_INTERVAL"] = 60
    traffic = published.commitments[0]
    deadline = traffic.deadline
    policy = queries.policy_for(traffic.community_id)
    last_run: dict[str, float] = {}

    def tick(seconds: float = 60.0) -> list[str]:
        clock.ticks += seconds
        return run_periodic(app, last_run, clock=clock.monotonic)

    assert tick() == ["follow_up"]
    assert step_names(traffic) == []
    clock.now = deadline - policy.remind_before - timedelta(minutes=1)
    tick()
    assert step_names(traffic) == []  # a minute early: nothing

    clock.now = deadline - policy.remind_before + timedelta(minutes=1)
    assert tick(30) == []  # the worker waits out its interval
    assert step_names(traffic) == []
    assert tick(30) == ["follow_up"]
    assert step_names(traffic) == ["remind"]
    after_remind = recorded()
    assert after_remind["told"][(world.department_staff.id, "提醒")] == 1
    assert not any(title == "催办" for _user, title in after_remind["told"])
    for _ in range(3):  # the same moment again and again: nothing new, nobody told twice
        tick()
    assert recorded() == after_remind

    clock.now = deadline - timedelta(minutes=1)
    tick()
    assert step_names(traffic) == ["remind"]  # not yet due
    clock.now = deadline + timedelta(minutes=1)
    tick()
    assert step_names(traffic) == ["remind", "urge"]
    after_urge = recorded()
    assert after_urge["told"][(world.department_staff.id, "催办")] == 1
    assert after_urge["told"][(world.a.secretary.id, "催办")] == 2  # one per commitment of the meeting
    assert not after_urge["told"][(supervisor.id, "督办")]

    clock.now = deadline + policy.supervise_after - timedelta(minutes=1)
    tick()
    assert recorded() == after_urge  # the further period has not run out
    clock.now = deadline + policy.supervise_after + timedelta(minutes=1)
    tick()
    assert step_names(traffic) == ["remind", "urge", "supervise"]
    final = recorded()
    assert final["told"][(supervisor.id, "督办")] == 2  # both commitments of the meeting, once each
    assert all(count == 1 for count in final["steps"].values())
    assert all(count == 1 for count in final["timeline"].values())
    for case in concluded.meeting.cases:
        notes = [note for (case_id, note) in final["timeline"] if case_id == case.id]
        assert [n[:2] for n in notes].count("督办") == 2
    clock.now += timedelta(days=30)
    for _ in range(3):
        tick()
    assert recorded() == final


def test_two_workers_passing_at_once_tell_everyone_once(app, world, published, concluded, supervisor, clock, caplog):
    """Two worker processes' passes at the same moment (own sessions, real threads): one row and one
    notice per step; the loser's insert meets the UNIQUE row and tells nobody."""
    traffic = published.commitments[0]
    policy = queries.policy_for(traffic.community_id)
    clock.now = traffic.deadline + policy.supervise_after + timedelta(minutes=1)  # 催办 and 督办 both due
    barrier = threading.Barrier(2)
    ran: list = [None, None]

    def worker(index: int):
        barrier.wait()
        ran[index] = run_periodic(app, {}, clock=lambda: 0.0)

    for _attempt in range(2):  # and a second round of both: still nothing new
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert all(r is not None for r in ran)
        final = recorded()
        assert sorted(final["steps"]) == sorted(
            (c.id, 1, step) for c in published.commitments for step in ("urge", "supervise"))
        assert all(count == 1 for count in final["steps"].values())
        assert final["told"][(supervisor.id, "督办")] == 2 and final["told"][(world.a.secretary.id, "催办")] == 2
        assert final["told"][(world.department_staff.id, "催办")] == 1
        assert all(count == 1 for count in final["timeline"].values())
    assert ran == [["follow_up"], ["follow_up"]]  # neither pass failed (a failure is logged and skipped)
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
