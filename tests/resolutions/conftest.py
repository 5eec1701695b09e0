"""A concluded overtime-parking roundtable, its draft resolution, and the worker run in-process."""
from __future__ import annotations

from datetime import timedelta

import pytest

from roundtable.core.time import utcnow
from roundtable.extensions import db
from roundtable.jobs.registry import load_handler_modules
from roundtable.jobs.worker import run_one
from roundtable.resolutions import operations
from tests.factories import make_concluded_meeting

POINTS = "一、加强街面巡查,提醒车主尽早驶离。\n二、接老人看病等特殊情况超时停车被拍的,由社区党委出具证明,免予处罚。"
TRAFFIC_ACTION = "加强西河沿街面巡查,提醒超时停车车主尽早驶离"
PROPERTY_ACTION = "在院门口张贴超时停车提醒,协助登记特殊情况车辆"


@pytest.fixture
def concluded(world):
    """The 西河沿 roundtable, concluded, with a 2:1 vote to remind first and exempt special cases."""
    return make_concluded_meeting(world)


def draft(world, concluded, points: str = POINTS):
    """The secretary's draft: agreed points written, commitments for 交通支队 and the property manager."""
    secretary = world.a.secretary
    resolution = operations.start_resolution(concluded.meeting, secretary)
    operations.update_resolution(resolution, "西河沿街超时停车圆桌会议决议", points)
    deadline = utcnow() + timedelta(days=14)
    operations.add_commitment(
        resolution, operations.CommitmentFields(f"department:{world.department.id}", TRAFFIC_ACTION, deadline)
    )
    operations.add_commitment(
        resolution, operations.CommitmentFields(f"organization:{world.a.organization.id}", PROPERTY_ACTION, deadline),
    )
    db.session.commit()
    return resolution


@pytest.fixture
def drafted(world, concluded):
    """A draft with two commitments, not yet sent for confirmation."""
    return draft(world, concluded)


def confirm_all(world, resolution):
    operations.send_for_confirmation(resolution)
    traffic, property_ = resolution.commitments
    operations.confirm_commitment(traffic, world.department_staff)
    operations.confirm_commitment(property_, world.organization_staff)
    db.session.commit()


def run_worker_once() -> int | None:
    """What ``flask worker run`` does for one job, in this process, synchronously."""
    load_handler_modules()
    job_id = run_one()
    db.session.expire_all()
    return job_id


def publish(world, resolution, reason: str = ""):
    operations.request_publication(resolution, world.a.secretary, reason, "http://localhost/")
    db.session.commit()
    assert run_worker_once() is not None
    db.session.refresh(resolution)
    return resolution


@pytest.fixture
def published(world, drafted):
    """The resolution, every commitment confirmed, published by the worker."""
    confirm_all(world, drafted)
    return publish(world, drafted)


@pytest.fixture
def login(auth):
    """Log the client in as ``username`` after logging out whoever was in.

    The ``app`` fixture keeps one app context for the whole test, and
    requests of the test client reuse it, so ``g`` (where the current
    membership is cached) would otherwise carry the previous user's community.
    """
    from flask import g

    def login_as(username: str):
        auth.logout()
        g.pop("current_membership", None)
        return auth.login(username)

    return login_as
