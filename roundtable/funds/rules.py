"""The two counting rules of a budget vote, in exact arithmetic, with the reason for every project.

Money is in fen (integers); shares of the fund are ``Fraction``s, so two
projects tie exactly or not at all, never by a rounding error.

* **Greedy (常用规则)**: projects in order of support (approval: number of
  voters; points: points received), each funded if it still fits in what is
  left of the fund, otherwise skipped for the next.
* **Method of Equal Shares (均分份额法)**: the fund is split equally among the
  voters; a project is bought by its supporters from their own shares, the
  payment spread so that each pays in proportion to their satisfaction
  (approval: the project's cost, as on equalshares.net and in Wieliczka;
  points: the points they gave), capped at what they have left. Each round
  buys the project whose supporters pay the least per unit of satisfaction
  (the smallest ρ); a project whose supporters together have less than its
  cost left cannot be bought. No completion step: money the rule cannot
  spend stays unspent, and the page says so.

Ties (TIE_BREAKING): equal support (greedy) or equal ρ (Equal Shares) go to
the cheaper project, then to the earlier proposal (lower id). The tests
configure the same rule in pabutools (``TieBreakingRule(lambda i, p, proj:
(proj.cost, proj.name))`` with names that sort by id) and compare the funded
sets on generated elections.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

GREEDY = "greedy"
EQUAL_SHARES = "equal_shares"
RULES = {GREEDY: "常用规则(得票多者优先,钱用完为止)", EQUAL_SHARES: "均分份额法(每位投票人的份额用于其支持的项目)"}
TIE_BREAKING = "得票(或ρ)相同时,造价低者优先;再相同时,先提交的项目优先。"

APPROVAL = "approval"
POINTS = "points"

# Why a project was not funded.
NO_SUPPORT = "no_support"
DOES_NOT_FIT = "does_not_fit"
SUPPORTERS_SHORT = "supporters_short"


@dataclass(frozen=True)
class Project:
    id: int
    cost: int  # fen, > 0


@dataclass(frozen=True)
class Election:
    """``ballots``: per voter, {project id: satisfaction} (approval: 1 for each approved project)."""

    budget: int
    projects: tuple[Project, ...]
    ballots: tuple[dict[int, int], ...]
    form: str = APPROVAL

    def support(self, project_id: int) -> int:
        return sum(ballot.get(project_id, 0) for ballot in self.ballots)


@dataclass
class Outcome:
    rule: str
    funded: list[int] = field(default_factory=list)  # in the order they were funded
    spent: int = 0
    # project id → (reason code, figures for the sentence)
    unfunded: dict[int, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    # Equal Shares: what each project's supporters paid, in fen (exact fractions kept for checks)
    payments: dict[int, Fraction] = field(default_factory=dict)


def _tie_key(project: Project) -> tuple[int, int]:
    return (project.cost, project.id)


def greedy(election: Election) -> Outcome:
    outcome = Outcome(GREEDY)
    left = election.budget
    order = sorted(election.projects, key=lambda p: (-election.support(p.id), *_tie_key(p)))
    for project in order:
        support = election.support(project.id)
        if support == 0:
            outcome.unfunded[project.id] = (NO_SUPPORT, {})
        elif project.cost <= left:
            left -= project.cost
            outcome.funded.append(project.id)
        else:
            outcome.unfunded[project.id] = (DOES_NOT_FIT, {"left": left, "support": support})
    outcome.spent = election.budget - left
    return outcome


def _weight(election: Election, project: Project, satisfaction: int) -> int:
    """Satisfaction as Equal Shares measures it: approval counts the project's cost, points count points."""
    return project.cost if election.form == APPROVAL else satisfaction


def _rho(project: Project, supporters: list[tuple[int, int]], budgets: list[Fraction]) -> Fraction | None:
    """The smallest ρ with Σ min(budget_i, ρ·w_i) = cost, or None when the supporters cannot pay."""
    if sum(budgets[i] for i, _ in supporters) < project.cost:
        return None
    paid = Fraction(0)
    weight_left = sum(w for _, w in supporters)
    for i, w in sorted(supporters, key=lambda s: budgets[s[0]] / s[1]):
        rho = (project.cost - paid) / weight_left
        if rho * w <= budgets[i]:
            return rho
        paid += budgets[i]
        weight_left -= w
    return None  # pragma: no cover - unreachable when the supporters' budgets reach the cost


def equal_shares(election: Election) -> Outcome:
    outcome = Outcome(EQUAL_SHARES)
    voters = len(election.ballots)
    if voters == 0:
        for project in election.projects:
            outcome.unfunded[project.id] = (NO_SUPPORT, {})
        return outcome
    share = Fraction(election.budget, voters)
    budgets = [share] * voters
    supporters = {
        project.id: [
            (i, _weight(election, project, ballot[project.id]))
            for i, ballot in enumerate(election.ballots)
            if ballot.get(project.id, 0) > 0
        ]
        for project in election.projects
    }
    remaining = [p for p in election.projects if supporters[p.id]]
    for project in election.projects:
        if not supporters[project.id]:
            outcome.unfunded[project.id] = (NO_SUPPORT, {})
    while remaining:
        priced = [(rho, p) for p in remaining if (rho := _rho(p, supporters[p.id], budgets)) is not None]
        for project in remaining:
            if all(p.id != project.id for _, p in priced):
                have = sum(budgets[i] for i, _ in supporters[project.id])
                outcome.unfunded[project.id] = (
                    SUPPORTERS_SHORT,
                    {"have": int(have), "supporters": len(supporters[project.id]), "share": int(share)},
                )
        if not priced:
            break
        rho, chosen = min(priced, key=lambda item: (item[0], *_tie_key(item[1])))
        paid = Fraction(0)
        for i, w in supporters[chosen.id]:
            payment = min(budgets[i], rho * w)
            budgets[i] -= payment
            paid += payment
        outcome.funded.append(chosen.id)
        outcome.payments[chosen.id] = paid
        remaining = [p for _, p in priced if p.id != chosen.id]
    outcome.spent = sum(p.cost for p in election.projects if p.id in outcome.funded)
    return outcome


COMPUTE = {GREEDY: greedy, EQUAL_SHARES: equal_shares}


def compute(rule: str, election: Election) -> Outcome:
    return COMPUTE[rule](election)
