"""Our greedy and Equal Shares against pabutools on generated elections (approval and points).

The funded sets must be equal exactly, with the same tie-breaking rule
configured on both sides: cheaper first, then the earlier proposal (ids as
zero-padded names, so pabutools' name order is our id order). Costs, budgets
and ballots are random, with few distinct costs so that ties do occur.
"""
from __future__ import annotations

import random

from pabutools.election import (
    Additive_Cardinal_Sat,
    AdditiveSatisfaction,
    ApprovalBallot,
    ApprovalProfile,
    CardinalBallot,
    CardinalProfile,
    Cost_Sat,
    Instance,
)
from pabutools.election import (
    Project as PabuProject,
)
from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares
from pabutools.tiebreaking import TieBreakingRule

from roundtable.funds.rules import APPROVAL, POINTS, Election, Project, equal_shares, greedy

ELECTIONS = 150
SAME_TIE_BREAKING = TieBreakingRule(lambda instance, profile, project: (project.cost, project.name))


class PointsTimesCost(AdditiveSatisfaction):
    """Greedy "most points first" in pabutools' terms: satisfaction/cost must equal the points."""

    def __init__(self, instance, profile, ballot):
        super().__init__(instance, profile, ballot, lambda i, p, b, project, pre: b.get(project, 0) * project.cost)


def name(project_id: int) -> str:
    return f"p{project_id:04d}"


def generate(rng: random.Random, form: str) -> Election:
    count = rng.randint(1, 9)
    cost_choices = [rng.choice((500, 1000, 1500, 2000, 3000, 5000)) * 100 for _ in range(4)]
    projects = tuple(Project(id=i + 1, cost=rng.choice(cost_choices)) for i in range(count))
    budget = rng.randint(1, 12) * 100_000 + rng.choice((0, 50_000))
    ballots = []
    for _ in range(rng.randint(1, 25)):
        chosen = rng.sample(projects, rng.randint(1, count))
        if form == APPROVAL:
            ballots.append({p.id: 1 for p in chosen})
        else:
            ballots.append({p.id: rng.randint(1, 5) for p in chosen})
    return Election(budget=budget, projects=projects, ballots=tuple(ballots), form=form)


def pabutools_sets(election: Election) -> tuple[set[int], set[int]]:
    """pabutools' funded sets. A project nobody voted for is left out of its instance: pabutools'
    greedy would buy it with money left over (zero gain, still "feasible"); ours never funds a
    project without a vote. Those projects come last in greedy's order, so nothing else moves."""
    by_id = {p.id: PabuProject(name(p.id), p.cost) for p in election.projects if election.support(p.id) > 0}
    instance = Instance(by_id.values(), budget_limit=election.budget)
    if election.form == APPROVAL:
        profile = ApprovalProfile([ApprovalBallot(by_id[i] for i in ballot) for ballot in election.ballots])
        greedy_sat, mes_sat = Cost_Sat, Cost_Sat
    else:
        profile = CardinalProfile([CardinalBallot({by_id[i]: v for i, v in ballot.items()}) for ballot in election.ballots])
        greedy_sat, mes_sat = PointsTimesCost, Additive_Cardinal_Sat
    greedy_set = greedy_utilitarian_welfare(instance, profile, sat_class=greedy_sat, tie_breaking=SAME_TIE_BREAKING)
    mes_set = method_of_equal_shares(instance, profile, sat_class=mes_sat, tie_breaking=SAME_TIE_BREAKING)
    ids = {name(i): i for i in by_id}
    return {ids[p.name] for p in greedy_set}, {ids[p.name] for p in mes_set}


def test_greedy_and_equal_shares_equal_pabutools_on_generated_elections():
    rng = random.Random(20261201)
    ties_seen = 0
    for number in range(ELECTIONS):
        election = generate(rng, APPROVAL if number % 2 == 0 else POINTS)
        expected_greedy, expected_mes = pabutools_sets(election)
        ours_greedy, ours_mes = greedy(election), equal_shares(election)
        assert set(ours_greedy.funded) == expected_greedy, (number, election)
        assert set(ours_mes.funded) == expected_mes, (number, election)
        assert ours_greedy.spent <= election.budget and ours_mes.spent <= election.budget
        supports = [election.support(p.id) for p in election.projects]
        ties_seen += len(supports) != len(set(supports))
    assert ties_seen >= 20  # the generator does produce ties, so the rule is exercised


def test_a_tie_goes_to_the_cheaper_then_the_earlier_project():
    projects = (Project(1, 60_000), Project(2, 50_000), Project(3, 50_000))
    election = Election(budget=100_000, projects=projects, ballots=({1: 1, 2: 1, 3: 1},))
    assert greedy(election).funded == [2, 3]
    assert equal_shares(election).funded == [2, 3]


def test_reasons_for_unfunded_projects():
    projects = (Project(1, 80_000), Project(2, 50_000), Project(3, 10_000))
    ballots = ({1: 1}, {1: 1}, {2: 1})
    election = Election(budget=100_000, projects=projects, ballots=ballots)
    outcome = greedy(election)
    assert outcome.funded == [1]
    assert outcome.unfunded[2][0] == "does_not_fit" and outcome.unfunded[3][0] == "no_support"
    mes = equal_shares(election)
    # Two thirds of the fund belong to project 1's supporters (66,666 fen < 80,000), one third
    # to project 2's (33,333 < 50,000): Equal Shares funds neither.
    assert mes.funded == []
    assert mes.unfunded[1][0] == mes.unfunded[2][0] == "supporters_short"
