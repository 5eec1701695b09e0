"""Isolation specs of the fund pages: community B's fund, proposal and vote, aimed at by A's people.

The personal ballot link ``/v/<token>`` is a bearer link (tested in tests/funds)."""
from datetime import date, timedelta

from roundtable.core.time import utcnow
from roundtable.funds import operations
from tests.isolation import foreign, public

EVERYONE_OF_A = ("a_secretary", "a_resident", "a_auditor")


def world_extras(world):
    b = world.b
    fund = operations.create_fund(b.community.id, operations.FundFields("东河沿经费", "3000", date(2026, 1, 1), date(2026, 12, 31), ""), b.secretary)
    proposal = operations.submit_proposal(fund, operations.ProposalFields("东河沿座椅", "", "1000", "", b"\x89PNG\r\n\x1a\n", "image/png"), b.resident)
    operations.review_proposal(proposal, "accepted", b.secretary)
    vote = operations.create_vote(fund, operations.VoteFields(
        "period", "approval", "greedy", True, 0, 10, utcnow() - timedelta(minutes=1), utcnow() + timedelta(days=1)), b.secretary)
    b.extra.update(fund=fund, proposal=proposal, fund_vote=vote)


def _f(w):
    return f"/funds/{w.b.extra['fund'].id}"


def _v(w):
    return f"/funds/votes/{w.b.extra['fund_vote'].id}"


SPECS = {
    "funds.index": public("lists the funds of the caller's current community only"),
    "funds.create": public("creates a fund in the caller's current community only (secretaries)"),
    "funds.ballot": public("a resident's personal bearer link; opens that one ballot only (tests/funds)"),
    "funds.cast": public("a resident's personal bearer link; casts that one ballot only (tests/funds)"),
    "funds.show": foreign(lambda w: [("GET", _f(w))], as_users=EVERYONE_OF_A),
    "funds.propose": foreign(lambda w: [("GET", f"{_f(w)}/propose"), ("POST", f"{_f(w)}/propose", {"title": "x", "cost": "1"})],
                             as_users=EVERYONE_OF_A),
    "funds.propose_for_community": foreign(lambda w: [("POST", f"{_f(w)}/proposals", {"origin": "secretary", "title": "x", "cost": "1"})]),
    "funds.proposal_photo": foreign(lambda w: [("GET", f"/funds/proposals/{w.b.extra['proposal'].id}/photo")], as_users=EVERYONE_OF_A),
    "funds.review": foreign(lambda w: [("POST", f"/funds/proposals/{w.b.extra['proposal'].id}/review", {"decision": "declined", "reason": "x"})]),
    "funds.create_vote": foreign(lambda w: [("POST", f"{_f(w)}/votes", {"mode": "live", "form": "approval", "rule": "greedy", "quorum": "0", "points": "10"})]),
    "funds.open_vote": foreign(lambda w: [("POST", f"{_v(w)}/open")]),
    "funds.links": foreign(lambda w: [("GET", f"{_v(w)}/links")]),
    "funds.count": foreign(lambda w: [("POST", f"{_v(w)}/count")]),
    "funds.result": foreign(lambda w: [("GET", _v(w))], as_users=EVERYONE_OF_A),
    "funds.hand_off": foreign(lambda w: [("POST", f"{_v(w)}/handoff", {"meeting": "1"})]),
}
