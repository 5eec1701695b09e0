"""The budget vote as a live poll: same ballot rules (one per resident, repeats, receipts), refused over budget."""
from __future__ import annotations

import pytest

from roundtable.core.errors import OperationError
from roundtable.extensions import db
from roundtable.funds import operations
from roundtable.live import operations as live
from roundtable.live.queries import poll_view
from roundtable.meetings.operations import invite_guest, invite_resident, transition_meeting
from tests.factories import make_meeting


@pytest.mark.parametrize("secret", [False, True])
def test_live_budget_poll_counts_by_the_fund_rule(world, fund, secret):
    a = world.a
    meeting = make_meeting(a.community, a.secretary, agenda=("居民说了算",))
    voters = [invite_resident(meeting, a.resident.id)] + [
        invite_guest(meeting, name, phone) for name, phone in (("张阿姨", "13900000001"), ("王师傅", "13900000002"))]
    transition_meeting(meeting, "scheduled", a.secretary)
    transition_meeting(meeting, "live", a.secretary)
    for voter in voters:
        live.check_in(voter)
    vote = operations.create_vote(fund, operations.VoteFields("live", "approval", "equal_shares", secret, 0), a.secretary)
    poll = operations.open_live_vote(vote, meeting, a.secretary)
    db.session.commit()
    view = poll_view(poll)
    assert view["kind"] == "budget" and view["budget_fen"] == 500000
    assert [o["cost_fen"] for o in view["options"]] == [200000, 150000, 300000]
    chair, flowers, lights = (o.id for o in poll.options)
    with pytest.raises(OperationError) as refused:
        live.cast_vote(meeting, voters[0], poll.id, [chair, flowers, lights], "k0")
    assert refused.value.code == "over_budget"
    db.session.rollback()
    first = live.cast_vote(meeting, voters[0], poll.id, [chair, flowers], "k0")
    again = live.cast_vote(meeting, voters[0], poll.id, [lights], "k0")
    assert again.repeated and again.receipt == first.receipt
    live.cast_vote(meeting, voters[1], poll.id, [chair, lights], "k1")
    live.cast_vote(meeting, voters[2], poll.id, [lights], "k2")
    result = live.close_poll(meeting, a.secretary, poll.id)
    db.session.commit()
    assert result.outcome == "counted"
    counted = operations.count_vote(vote)
    by_title = {item["title"]: item["proposal_id"] for item in vote.items}
    # Equal Shares: 5,000 yuan, 1,666.67 per voter. 座椅 (two supporters, 1,000 each) and 路灯 (two
    # supporters, 1,500 each) both cost their supporters half of the price: the tie goes to the
    # cheaper 座椅. Then 路灯's supporters hold 666.67 + 1,666.67 < 3,000, 花草's 666.67 < 1,500.
    assert counted["funded"] == [by_title["拆违后空地建休闲座椅"]]
    assert counted["outcomes"]["equal_shares"]["unfunded"][str(by_title["空地装路灯"])][0] == "supporters_short"
    assert counted["outcomes"]["greedy"]["funded"] == [by_title["拆违后空地建休闲座椅"], by_title["空地装路灯"]]


def test_count_waits_for_the_poll_to_close(world, fund):
    a = world.a
    meeting = make_meeting(a.community, a.secretary)
    transition_meeting(meeting, "scheduled", a.secretary)
    transition_meeting(meeting, "live", a.secretary)
    vote = operations.create_vote(fund, operations.VoteFields("live", "approval", "greedy", False, 0), a.secretary)
    operations.open_live_vote(vote, meeting, a.secretary)
    with pytest.raises(OperationError):
        operations.count_vote(vote)


@pytest.mark.parametrize("secret", [False, True])
def test_the_close_of_a_budget_poll_is_audited_with_its_counts_and_receipts(world, fund, secret):
    """The host's account is expired by the commit before the close, as in any later request."""
    from sqlalchemy import select

    from roundtable.audit.models import AuditEntry

    test_live_budget_poll_counts_by_the_fund_rule(world, fund, secret)
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "poll.close")).all()
    assert entry.data["result"] == "counted" and entry.data["total"] == 3
    assert sorted(entry.data["counts"].values()) == [1, 2, 2]
    assert len(entry.data["receipts"]) == 3
