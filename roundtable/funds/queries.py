"""What the fund pages show: outcomes with their reasons, the use of each fund, a resident's proposals."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from roundtable.extensions import db
from roundtable.funds import rules
from roundtable.funds.models import ACCEPTED, BudgetVote, BudgetVoter, Fund, Proposal
from roundtable.funds.operations import fen_to_yuan


def my_proposals(user_id: int, community_id: int) -> list[Proposal]:
    return list(db.session.scalars(
        select(Proposal).where(Proposal.proposer_id == user_id, Proposal.community_id == community_id)
        .order_by(Proposal.id.desc())
    ))


def my_vote_links(user_id: int, community_id: int) -> list[BudgetVoter]:
    return list(db.session.scalars(
        select(BudgetVoter).join(BudgetVote).where(
            BudgetVoter.user_id == user_id, BudgetVoter.community_id == community_id, BudgetVote.state == "open"
        )
    ))


def voters_of(vote: BudgetVote) -> list[BudgetVoter]:
    return list(db.session.scalars(select(BudgetVoter).where(BudgetVoter.vote_id == vote.id).order_by(BudgetVoter.id)))


NO_VOTE = {"none": "未表决"}


@dataclass
class FundUse:
    """One fund's use for the archive and dashboard: how much the residents' vote committed."""

    fund: Fund
    amount: str
    funded: str
    projects: int
    state: str


def fund_uses(community_ids: list[int]) -> list[FundUse]:
    funds = db.session.scalars(
        select(Fund).where(Fund.community_id.in_(community_ids)).order_by(Fund.period_start.desc())
    ).all()
    uses = []
    for fund in funds:
        counted = [v for v in fund.votes if v.is_counted and v.result]
        vote = counted[-1] if counted else None
        funded = (vote.result or {}).get("funded", []) if vote else []
        costs = {i["proposal_id"]: i["cost_fen"] for i in vote.items} if vote else {}
        uses.append(FundUse(fund, fen_to_yuan(fund.amount_fen), fen_to_yuan(sum(costs[p] for p in funded)),
                            len(funded), vote.state_label if vote else NO_VOTE["none"]))
    return uses


REASONS = {
    rules.NO_SUPPORT: "没有人投票支持。",
    rules.DOES_NOT_FIT: "轮到它时,剩余经费%(left)s元不够它的费用。",
    rules.SUPPORTERS_SHORT: "支持它的%(supporters)s位居民的剩余份额合计%(have)s元,不够它的费用(每人份额%(share)s元)。",
}


@dataclass
class ProjectLine:
    proposal_id: int
    title: str
    cost: str
    support: int
    funded: bool
    funded_by_other: bool
    paid: str = ""
    reason_code: str = ""
    reason_figures: dict[str, Any] = field(default_factory=dict)


@dataclass
class VoteOutcome:
    rule: str
    other_rule: str
    ballots: int
    quorum_met: bool
    spent: str
    left: str
    lines: list[ProjectLine]
    other_funded_titles: list[str]


def outcome_of(vote: BudgetVote) -> VoteOutcome | None:
    if not vote.result:
        return None
    result = vote.result
    other = next(r for r in rules.RULES if r != vote.rule)
    mine, theirs = result["outcomes"][vote.rule], result["outcomes"][other]
    funded = set(result["funded"])
    lines = []
    for item in vote.items:
        key = str(item["proposal_id"])
        code, figures = mine["unfunded"].get(key, ["", {}])
        lines.append(ProjectLine(
            item["proposal_id"], item["title"], fen_to_yuan(item["cost_fen"]), result["support"].get(key, 0),
            item["proposal_id"] in funded, item["proposal_id"] in theirs["funded"],
            fen_to_yuan(mine["payments"].get(key)) if key in mine["payments"] else "",
            code, {k: fen_to_yuan(v) if k in ("left", "have", "share") else v for k, v in figures.items()},
        ))
    lines.sort(key=lambda line: (not line.funded, -line.support))
    spent = sum(i["cost_fen"] for i in vote.items if i["proposal_id"] in funded)
    by_id = {i["proposal_id"]: i["title"] for i in vote.items}
    return VoteOutcome(
        vote.rule, other, result["ballots"], result["quorum_met"], fen_to_yuan(spent),
        fen_to_yuan(vote.fund.amount_fen - spent), lines, [by_id[p] for p in theirs["funded"]],
    )


def accepted_proposals(fund: Fund) -> list[Proposal]:
    return [p for p in fund.proposals if p.state == ACCEPTED]
