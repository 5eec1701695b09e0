"""A hand-built October 2026 in 西河沿社区, and a community of another street."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from roundtable.communities.operations import create_community, get_or_create_street
from roundtable.core.time import LOCAL_TZ
from roundtable.extensions import db
from tests.factories import make_case, make_user


def beijing(day: int, hour: int = 10, month: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=LOCAL_TZ)


@dataclass
class October:
    cases: list


@pytest.fixture
def october(world):
    """Six cases whose 三率 are worked out by hand in the test that uses them.

    1 on time, resolved, satisfied · 2 on time, resolved, not satisfied ·
    3 contacted late, neither · 4 never contacted (deadline passed) ·
    5 a duplicate (counts nowhere) · 6 received in September, followed up in October: resolved, satisfied.
    """
    a = world.a

    def case(received, contacted=None, follow=None, resolved=None, satisfied=None, status="replied", department=None):
        made = make_case(a.community, a.secretary, received_at=received)
        made.responsible_department_id = department
        made.due_at = received + timedelta(days=7)
        made.first_contacted_at = contacted
        made.followed_up_at = follow
        made.resolved, made.satisfied, made.status = resolved, satisfied, status
        return made

    cases = [
        case(beijing(2), beijing(3), beijing(20), True, True, department=world.department.id),
        case(beijing(5), beijing(6), beijing(21), True, False, department=world.department.id),
        case(beijing(8), beijing(25), beijing(28), False, False),
        case(beijing(10), status="received"),
        case(beijing(12), status="duplicate"),
        case(beijing(20, month=9), beijing(21, month=9), beijing(15), True, True),
    ]
    db.session.commit()
    return October(cases)


@pytest.fixture
def elsewhere(world):
    """前门街道's 草厂社区, with its own overtime-parking case and auditor."""
    street = get_or_create_street("前门街道", "东城区")
    community = create_community(street, "草厂社区")
    auditor = make_user("c_auditor", community, "auditor")
    case = make_case(community, None, description="草厂胡同超时停车占道")
    db.session.commit()
    return community, auditor, case
