"""How fast does a department answer the whistle? Median time to report in, share on time."""
from __future__ import annotations

from datetime import timedelta

from roundtable.core.time import utcnow
from roundtable.extensions import db
from roundtable.meetings.models import Invitation
from roundtable.meetings.queries import department_response
from tests.factories import make_meeting

HOUR = timedelta(hours=1)


def _summons(meeting, department, summoned, due_after, reported_after=None):
    """A hand-made summons: summoned at ``summoned``, due ``due_after`` later, answered after ``reported_after``."""
    invitation = Invitation(
        meeting_id=meeting.id,
        community_id=meeting.community_id,
        kind="department",
        side="department",
        department_id=department.id,
        summoned_at=summoned,
        reply_due_at=summoned + due_after,
        reported_at=summoned + reported_after if reported_after is not None else None,
    )
    db.session.add(invitation)
    return invitation


def test_median_and_share_on_time_over_all_summons(world):
    now = utcnow()
    week_ago = now - timedelta(days=7)
    meetings = [make_meeting(world.a.community, world.a.secretary, title=f"会议{n}") for n in range(5)]
    _summons(meetings[0], world.department, week_ago, 24 * HOUR, 1 * HOUR)  # on time
    _summons(meetings[1], world.department, week_ago, 24 * HOUR, 3 * HOUR)  # on time
    _summons(meetings[2], world.department, week_ago, 24 * HOUR, 30 * HOUR)  # late
    _summons(meetings[3], world.department, week_ago, 24 * HOUR)  # missing: deadline passed
    _summons(meetings[4], world.department, now - HOUR, 24 * HOUR)  # waiting: not counted yet
    db.session.flush()

    figures = department_response(world.department.id, now=now)

    assert (figures.on_time, figures.late, figures.missing, figures.waiting) == (2, 1, 1, 1)
    assert figures.median == 3 * HOUR, "median of 1 h, 3 h and 30 h"
    assert figures.share_on_time == 0.5, "2 on time out of 4 decided"


def test_an_even_number_of_reports_takes_the_middle_two(world):
    now = utcnow()
    start = now - timedelta(days=3)
    for n, hours in enumerate((1, 2, 4, 10)):
        meeting = make_meeting(world.a.community, world.a.secretary, title=f"会议{n}")
        _summons(meeting, world.department, start, 48 * HOUR, hours * HOUR)
    db.session.flush()
    figures = department_response(world.department.id, now=now)
    assert figures.median == 3 * HOUR
    assert figures.share_on_time == 1.0


def test_a_community_sees_only_its_own_summons(world):
    now = utcnow()
    past = now - timedelta(days=2)
    _summons(make_meeting(world.a.community, world.a.secretary), world.department, past, HOUR, 2 * HOUR)
    _summons(make_meeting(world.b.community, world.b.secretary), world.department, past, HOUR, 10 * HOUR)
    db.session.flush()
    mine = department_response(world.department.id, world.a.community.id, now=now)
    everyone = department_response(world.department.id, now=now)
    assert (len(mine.summons), mine.median) == (1, 2 * HOUR)
    assert len(everyone.summons) == 2


def test_no_summons_gives_no_figures_rather_than_a_division_by_zero(world):
    figures = department_response(world.department.id)
    assert figures.median is None and figures.share_on_time is None
