"""The budget vote on the phones: opened from the fund page, heard by the room, over-budget refused by ack."""
from __future__ import annotations

from datetime import date

from roundtable.extensions import db
from roundtable.funds import operations
from roundtable.funds.models import BudgetVote
from tests.live.conftest import build_room, joined, phones  # noqa: F401 - the phones fixture


def test_fund_page_puts_the_budget_vote_to_the_phones(world, phones, auth, client):
    room = build_room(world)
    fund = operations.create_fund(world.a.community.id, operations.FundFields(
        "党建服务群众经费", "5000", date(2026, 1, 1), date(2026, 12, 31), ""), world.a.secretary)
    for title, cost in (("拆违后空地建休闲座椅", "2000"), ("空地种花草", "1500"), ("空地装路灯", "3000")):
        proposal = operations.submit_proposal(fund, operations.ProposalFields(title, "", cost, ""), world.a.resident)
        operations.review_proposal(proposal, "accepted", world.a.secretary)
    db.session.commit()
    voters = [joined(phones, guest, checked_in=True) for guest in room.guests]
    auth.login("a_secretary")
    assert client.post(f"/funds/{fund.id}/votes", data={
        "mode": "live", "form": "approval", "rule": "greedy", "secret": "y", "quorum": "0", "points": "10"}).status_code == 302
    vote = db.session.scalar(db.select(BudgetVote))
    assert client.post(f"/funds/votes/{vote.id}/open", data={"meeting": str(room.meeting.id)}).status_code == 302
    poll = voters[0].wait_for("poll_opened", lambda p: p["kind"] == "budget")
    assert poll["budget_fen"] == 500000 and [o["cost_fen"] for o in poll["options"]] == [200000, 150000, 300000]
    motion = voters[0].wait_for("motion", lambda m: m["state"] == "voting")
    assert motion["proposer"] is None
    chair, flowers, lights = (o["id"] for o in poll["options"])
    refused = voters[0].call("vote_cast", {"poll_id": poll["id"], "choices": [chair, flowers, lights], "key": "v0"})
    assert refused == {"ok": False, "error": "over_budget", "message": refused["message"]}
    first = voters[0].call("vote_cast", {"poll_id": poll["id"], "choices": [chair, lights], "key": "v0"})
    assert first["ok"] and not first["repeated"]
    retry = voters[0].call("vote_cast", {"poll_id": poll["id"], "choices": [flowers], "key": "v0"})
    assert retry["ok"] and retry["repeated"] and retry["receipt"] == first["receipt"]
    assert voters[1].call("vote_cast", {"poll_id": poll["id"], "choices": [flowers], "key": "v1"})["ok"]


def test_points_budget_vote_live(world, phones, auth, client):
    room = build_room(world)
    fund = operations.create_fund(world.a.community.id, operations.FundFields(
        "党建服务群众经费", "5000", date(2026, 1, 1), date(2026, 12, 31), ""), world.a.secretary)
    for title, cost in (("拆违后空地建休闲座椅", "2000"), ("空地种花草", "1500"), ("空地装路灯", "3000")):
        proposal = operations.submit_proposal(fund, operations.ProposalFields(title, "", cost, ""), world.a.resident)
        operations.review_proposal(proposal, "accepted", world.a.secretary)
    vote = operations.create_vote(fund, operations.VoteFields("live", "points", "equal_shares", False, 0, 5), world.a.secretary)
    poll = operations.open_live_vote(vote, room.meeting, world.a.secretary)
    db.session.commit()
    assert poll.kind == "points" and poll.max_choices == 5
    voters = [joined(phones, guest, checked_in=True) for guest in room.guests]
    chair, flowers, lights = (o.id for o in poll.options)
    too_many = voters[0].call("vote_cast", {"poll_id": poll.id, "choices": [chair] * 6, "key": "p0"})
    assert too_many["ok"] is False and too_many["error"] == "bad_choices"
    assert voters[0].call("vote_cast", {"poll_id": poll.id, "choices": [chair, chair, chair, lights, lights], "key": "p0"})["ok"]
    assert voters[1].call("vote_cast", {"poll_id": poll.id, "choices": [flowers] * 5, "key": "p1"})["ok"]
    assert voters[2].call("vote_cast", {"poll_id": poll.id, "choices": [chair, lights], "key": "p2"})["ok"]
    auth.login("a_secretary")
    host = phones(flask_client=client)
    host.join(room.meeting.id)
    closed = host.call("poll_close", {"poll_id": poll.id})
    assert closed["ok"] and closed["result"]["result"] == "counted"
    assert closed["result"]["counts"] == {str(chair): 4, str(flowers): 5, str(lights): 3}  # points, not voters
    db.session.expire_all()
    result = operations.count_vote(db.session.get(BudgetVote, vote.id))
    assert result["support"] == {str(p.id): n for p, n in zip(fund.proposals, (4, 5, 3), strict=True)}
    # Greedy by points: 花草 (5) then 座椅 (4) = 3,500; 路灯 (3,000) no longer fits.
    assert result["outcomes"]["greedy"]["funded"] == [fund.proposals[1].id, fund.proposals[0].id]
