"""A fund from proposals on phones to review, a period vote with personal links, counting and the resolution."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from roundtable.core.errors import OperationError
from roundtable.core.time import local, utcnow
from roundtable.extensions import db
from roundtable.funds import operations, queries
from roundtable.funds.models import BudgetBallot, BudgetSealedBallot, BudgetVote, BudgetVoter, Fund, Proposal


def _period_vote(world, fund, rule="greedy", form="approval", secret=True, quorum=0):
    vote = operations.create_vote(fund, operations.VoteFields(
        "period", form, rule, secret, quorum, 10, utcnow() - timedelta(minutes=1), utcnow() + timedelta(days=3)), world.a.secretary)
    operations.open_period_vote(vote)
    db.session.commit()
    return vote


def _voter(vote, user):
    return db.session.scalar(select(BudgetVoter).where(BudgetVoter.vote_id == vote.id, BudgetVoter.user_id == user.id))


def _ids(fund):
    return {p.title: p.id for p in fund.proposals}


def test_yuan_to_fen_is_exact_and_refuses_bad_amounts():
    assert operations.yuan_to_fen("1200.50") == 120050
    assert operations.yuan_to_fen("0.1") == 10
    for bad in ("abc", "-5", "0", "1.001", "NaN", "Infinity", "1e30"):
        with pytest.raises(OperationError):
            operations.yuan_to_fen(bad)


def test_resident_proposes_from_the_phone_and_sees_the_decline_reason(world, client, login):
    secretary = world.a.secretary
    fund = operations.create_fund(world.a.community.id, operations.FundFields(
        "党建服务群众经费", "5000", local(utcnow()).date(), local(utcnow()).date(), ""), secretary)
    db.session.commit()
    login("a_resident")
    page = client.get(f"/funds/{fund.id}/propose")
    assert page.status_code == 200
    response = client.post(f"/funds/{fund.id}/propose", data={
        "title": "拆违后空地建休闲座椅", "description": "给老人歇脚", "cost": "2000", "place": "西河沿街3号"})
    assert response.status_code == 302
    proposal = db.session.scalar(select(Proposal).where(Proposal.fund_id == fund.id))
    assert proposal.cost_fen == 200000 and proposal.proposer_id == world.a.resident.id
    # Over the fund: refused with a message, nothing stored.
    client.post(f"/funds/{fund.id}/propose", data={"title": "大项目", "cost": "9000"})
    assert db.session.scalar(select(db.func.count(Proposal.id))) == 1
    login("a_secretary")
    assert client.post(f"/funds/proposals/{proposal.id}/review", data={"decision": "declined", "reason": ""}).status_code == 302
    db.session.refresh(proposal)
    assert proposal.state == "submitted"  # a decline needs a reason
    client.post(f"/funds/proposals/{proposal.id}/review", data={"decision": "declined", "reason": "空地产权未落实"})
    db.session.refresh(proposal)
    assert proposal.state == "declined"
    login("a_resident")
    page = client.get("/funds/").get_data(as_text=True)
    assert "空地产权未落实" in page


def test_merge_keeps_the_target(world, fund):
    ids = _ids(fund)
    extra = operations.submit_proposal(fund, operations.ProposalFields("座椅", "", "500", ""), world.a.resident)
    operations.review_proposal(extra, "merged", world.a.secretary, merge_into_id=ids["拆违后空地建休闲座椅"])
    assert extra.state == "merged" and extra.merged_into_id == ids["拆违后空地建休闲座椅"]
    other = Fund(community_id=world.a.community.id, name="x", amount_fen=1, period_start=fund.period_start, period_end=fund.period_end)
    db.session.add(other)
    db.session.flush()
    foreign = Proposal(fund_id=other.id, community_id=world.a.community.id, title="y", cost_fen=1)
    db.session.add(foreign)
    db.session.flush()
    second = operations.submit_proposal(fund, operations.ProposalFields("z", "", "1", ""), world.a.resident)
    with pytest.raises(OperationError):
        operations.review_proposal(second, "merged", world.a.secretary, merge_into_id=foreign.id)


def test_period_vote_with_personal_links_refuses_over_budget_and_counts(world, fund, residents, client):
    vote = _period_vote(world, fund)
    ids = _ids(fund)
    voters = [_voter(vote, user) for user in (world.a.resident, *residents)]
    assert all(voters) and len({v.token for v in voters}) == 4
    page = client.get(f"/v/{voters[0].token}")
    assert page.status_code == 200 and "拆违后空地建休闲座椅" in page.get_data(as_text=True)
    # 2000 + 1500 + 3000 > 5000: the server refuses, nothing is stored, the resident may vote again.
    response = client.post(f"/v/{voters[0].token}", data={"project": list(ids.values()), "key": "k0"})
    assert response.status_code == 302
    db.session.refresh(voters[0])
    assert not voters[0].voted and db.session.scalar(select(db.func.count()).select_from(BudgetBallot)) == 0
    with pytest.raises(OperationError) as refused:
        operations.cast_ballot(voters[0], {p: 1 for p in ids.values()}, "k0")
    assert refused.value.code == "over_budget"
    db.session.rollback()
    ballots = [
        (voters[0], ["拆违后空地建休闲座椅", "空地种花草"]),
        (voters[1], ["拆违后空地建休闲座椅", "空地装路灯"]),
        (voters[2], ["空地装路灯"]),
        (voters[3], ["拆违后空地建休闲座椅"]),
    ]
    receipts = []
    for n, (voter, titles) in enumerate(ballots):
        response = client.post(f"/v/{voter.token}", data={"project": [ids[t] for t in titles], "key": f"key-{n}"})
        assert response.status_code == 302
        db.session.refresh(voter)
        assert voter.voted
        receipts.append(vote.receipt_for(voter.id))
    # A retry (same or another key) gets the first receipt and changes nothing.
    again = operations.cast_ballot(voters[0], {ids["空地装路灯"]: 1}, "key-0")
    assert again.repeated and again.receipt == receipts[0]
    # Secret: while the vote is open only sealed ballots exist, naming nobody.
    assert db.session.scalar(select(db.func.count()).select_from(BudgetSealedBallot)) == 4
    assert db.session.scalar(select(db.func.count()).select_from(BudgetBallot)) == 0
    result = operations.count_vote(vote)
    db.session.commit()
    # Greedy: 座椅 (3 votes, 2000) then 路灯 (2 votes, 3000) = 5000; 花草 (1 vote) no longer fits.
    assert result["funded"] == [ids["拆违后空地建休闲座椅"], ids["空地装路灯"]]
    assert sorted(result["receipts"]) == sorted(receipts)
    # At the count the sealed rows are gone and the plain ballots name nobody.
    assert db.session.scalar(select(db.func.count()).select_from(BudgetSealedBallot)) == 0
    assert db.session.scalar(select(db.func.count()).select_from(BudgetBallot)) == 4
    assert all(b.voter_id is None for b in db.session.scalars(select(BudgetBallot)))
    outcome = queries.outcome_of(vote)
    flowers = next(line for line in outcome.lines if line.title == "空地种花草")
    assert not flowers.funded and flowers.reason_code == "does_not_fit" and flowers.reason_figures["left"] == "0"
    # A repeat after the count gets the same receipt (derived from the ballot key) and changes nothing.
    late = operations.cast_ballot(voters[1], {ids["空地种花草"]: 1}, "late")
    assert late.repeated and late.receipt == receipts[1]
    assert db.session.scalar(select(db.func.count()).select_from(BudgetBallot)) == 4
    page = client.get(f"/v/{voters[2].token}").get_data(as_text=True)
    assert "获得资助" in page and "按另一种规则" in page


def test_points_ballot_refuses_more_points_than_given(world, fund, residents):
    vote = _period_vote(world, fund, rule="equal_shares", form="points", secret=False)
    ids = _ids(fund)
    voter = _voter(vote, world.a.resident)
    with pytest.raises(OperationError) as refused:
        operations.cast_ballot(voter, {ids["空地种花草"]: 8, ids["空地装路灯"]: 3}, "p1")
    assert refused.value.code == "over_points"
    db.session.rollback()
    operations.cast_ballot(voter, {ids["空地种花草"]: 7, ids["空地装路灯"]: 3}, "p1")
    ballot = db.session.scalar(select(BudgetBallot))
    assert ballot.voter_id == voter.id  # a named vote keeps who voted what


def test_quorum_not_met_funds_nothing(world, fund, residents):
    vote = _period_vote(world, fund, quorum=3)
    operations.cast_ballot(_voter(vote, world.a.resident), {_ids(fund)["空地种花草"]: 1}, "q")
    result = operations.count_vote(vote)
    assert not result["quorum_met"] and result["funded"] == []


def test_rule_is_fixed_before_voting_and_one_open_vote_per_fund(world, fund):
    vote = _period_vote(world, fund)
    with pytest.raises(OperationError):
        operations.create_vote(fund, operations.VoteFields("period", "approval", "greedy", True, 0, 10,
                                                           utcnow(), utcnow() + timedelta(days=1)), world.a.secretary)
    with pytest.raises(OperationError):  # no new proposals once the vote opened
        operations.submit_proposal(fund, operations.ProposalFields("新项目", "", "100", ""), world.a.resident)
    assert vote.rule == "greedy"


def test_hand_off_makes_commitments_from_the_funded_projects(world, fund, residents, concluded):
    vote = _period_vote(world, fund)
    ids = _ids(fund)
    for n, user in enumerate((world.a.resident, *residents)):
        operations.cast_ballot(_voter(vote, user), {ids["拆违后空地建休闲座椅"]: 1}, f"h{n}")
    operations.count_vote(vote)
    db.session.commit()
    deadline = utcnow() + timedelta(days=60)
    with pytest.raises(OperationError):  # every funded project needs its implementer
        operations.hand_off(vote, concluded.meeting, [], world.a.secretary)
    resolution = operations.hand_off(vote, concluded.meeting, [
        operations.Implementation(ids["拆违后空地建休闲座椅"], f"organization:{world.a.organization.id}", deadline)], world.a.secretary)
    db.session.commit()
    assert vote.state == "handed_off" and vote.resolution_id == resolution.id
    [commitment] = resolution.commitments
    assert "拆违后空地建休闲座椅" in commitment.action and "2,000元" in commitment.action
    assert commitment.organization_id == world.a.organization.id
    assert "拆违后空地建休闲座椅,预算2,000元" in resolution.agreed_points


def test_secretary_pages_walk(world, fund, client, login):
    login("a_secretary")
    assert client.get("/funds/").status_code == 200
    page = client.get(f"/funds/{fund.id}")
    assert page.status_code == 200 and "拆违后空地建休闲座椅" in page.get_data(as_text=True)
    opens = local(utcnow() - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")
    closes = local(utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/funds/{fund.id}/votes", data={
        "mode": "period", "form": "approval", "rule": "equal_shares", "secret": "y", "quorum": "0", "points": "10",
        "opens_at": opens, "closes_at": closes})
    assert response.status_code == 302
    vote = db.session.scalar(select(BudgetVote))
    assert vote.rule == "equal_shares"
    assert client.post(f"/funds/votes/{vote.id}/open").status_code == 302
    links = client.get(f"/funds/votes/{vote.id}/links").get_data(as_text=True)
    token = re.search(r"/v/([\w-]+)", links).group(1)
    assert client.get(f"/v/{token}").status_code == 200
    assert client.get("/v/not-a-token").status_code == 404
    assert client.post(f"/funds/votes/{vote.id}/count").status_code == 302
    assert client.get(f"/funds/votes/{vote.id}").status_code == 200


def test_dashboard_and_fund_list_show_the_use_per_period(world, fund, residents, client, login):
    vote = _period_vote(world, fund)
    ids = _ids(fund)
    for n, user in enumerate((world.a.resident, *residents)):
        operations.cast_ballot(_voter(vote, user), {ids["空地装路灯"]: 1}, f"d{n}")
    operations.count_vote(vote)
    db.session.commit()
    login("a_secretary")
    for url in ("/archive/dashboard", "/funds/"):
        page = client.get(url).get_data(as_text=True)
        assert "党建服务群众经费" in page and "3,000" in page and "5,000" in page, url
    login("b_secretary")
    assert "党建服务群众经费" not in client.get("/archive/dashboard").get_data(as_text=True)


def test_secretary_turns_a_case_or_topic_into_a_proposal(world, fund, client, login):
    login("a_secretary")
    response = client.post(f"/funds/{fund.id}/proposals", data={
        "origin": "case", "source_id": f"case:{world.a.case.id}", "title": "胡同口划临时停车位", "cost": "800"})
    assert response.status_code == 302
    proposal = db.session.scalar(select(Proposal).where(Proposal.title == "胡同口划临时停车位"))
    assert proposal.origin == "case" and proposal.case_id == world.a.case.id and proposal.state == "submitted"
    # Another community's case is refused, nothing stored.
    client.post(f"/funds/{fund.id}/proposals", data={
        "origin": "case", "source_id": f"case:{world.b.case.id}", "title": "东河沿的诉求", "cost": "800"})
    assert db.session.scalar(select(Proposal).where(Proposal.title == "东河沿的诉求")) is None
    proposal_topic = operations.propose_from(fund, operations.ProposalFields("停车议题项目", "", "100", ""), "topic",
                                             world.a.secretary, topic_id=world.a.topic.id)
    assert proposal_topic.topic_id == world.a.topic.id


def test_photo_upload_and_hand_off_through_the_pages(world, fund, residents, concluded, client, login):
    import io

    login("a_resident")
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 100
    # Proposals close once a vote opens, so this one comes first.
    client.post(f"/funds/{fund.id}/propose", data={
        "title": "空地照片项目", "cost": "100", "photo": (io.BytesIO(png), "kongdi.png", "image/png")},
        content_type="multipart/form-data")
    proposal = db.session.scalar(select(Proposal).where(Proposal.title == "空地照片项目"))
    assert proposal.photo == png and proposal.photo_type == "image/png"
    client.post(f"/funds/{fund.id}/propose", data={
        "title": "网页", "cost": "100", "photo": (io.BytesIO(b"<html>"), "x.html", "text/html")}, content_type="multipart/form-data")
    assert db.session.scalar(select(Proposal).where(Proposal.title == "网页")) is None
    client.post(f"/funds/{fund.id}/propose", data={
        "title": "伪装", "cost": "100", "photo": (io.BytesIO(b"<script>"), "x.png", "image/png")}, content_type="multipart/form-data")
    assert db.session.scalar(select(Proposal).where(Proposal.title == "伪装")) is None
    login("a_secretary")
    photo = client.get(f"/funds/proposals/{proposal.id}/photo")
    assert photo.status_code == 200 and photo.data == png and photo.headers["X-Content-Type-Options"] == "nosniff"

    vote = _period_vote(world, fund)
    ids = _ids(fund)
    for n, user in enumerate((world.a.resident, *residents)):
        operations.cast_ballot(_voter(vote, user), {ids["空地种花草"]: 1, ids["空地装路灯"]: 1}, f"p{n}")
    operations.count_vote(vote)
    db.session.commit()
    deadline = local(utcnow() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    form = {"meeting": str(concluded.meeting.id)}
    for proposal_id in vote.result["funded"]:
        form[f"unit-{proposal_id}"] = f"department:{world.department.id}"
        form[f"deadline-{proposal_id}"] = deadline
    response = client.post(f"/funds/votes/{vote.id}/handoff", data=form)
    assert response.status_code == 302 and "/resolutions/" in response.headers["Location"]
    db.session.expire_all()
    vote = db.session.get(BudgetVote, vote.id)
    assert vote.state == "handed_off"
    actions = [c.action for c in vote.resolution.commitments]
    assert len(actions) == 2 and all("实施居民投票资助的项目" in a for a in actions)
