"""Two requests at once: one ballot per resident whatever the race, and a count never loses a ballot."""
from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from roundtable.core.errors import OperationError
from roundtable.core.time import utcnow
from roundtable.extensions import db
from roundtable.funds import operations
from roundtable.funds.models import BudgetBallot, BudgetSealedBallot, BudgetVote, BudgetVoter


def _open(world, fund):
    vote = operations.create_vote(fund, operations.VoteFields(
        "period", "approval", "greedy", True, 0, 10, utcnow() - timedelta(minutes=1), utcnow() + timedelta(days=1)), world.a.secretary)
    operations.open_period_vote(vote)
    db.session.commit()
    return vote.id


def _run_together(app, jobs):
    start = threading.Barrier(len(jobs))
    outcomes, errors = [], []

    def run(job):
        try:
            with app.app_context():
                start.wait()
                try:
                    outcomes.append(job())
                    db.session.commit()
                except OperationError as refusal:
                    db.session.rollback()
                    outcomes.append(refusal)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return outcomes


def test_one_resident_voting_from_two_phones_at_once_leaves_one_ballot(app, world, fund):
    vote_id = _open(world, fund)
    voter_id = db.session.scalar(select(BudgetVoter.id).where(BudgetVoter.vote_id == vote_id, BudgetVoter.user_id == world.a.resident.id))
    project = fund.proposals[0].id

    def cast(n):
        return lambda: operations.cast_ballot(db.session.get(BudgetVoter, voter_id), {project: 1}, f"phone-{n}")

    outcomes = _run_together(app, [cast(n) for n in range(6)])
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(BudgetSealedBallot)) == 1  # sealed while open
    assert db.session.scalar(select(func.count()).select_from(BudgetBallot)) == 0
    assert len({o.receipt for o in outcomes}) == 1 and sum(not o.repeated for o in outcomes) == 1


def test_ballots_racing_the_count_are_counted_or_refused(app, world, fund, residents):
    vote_id = _open(world, fund)
    voter_ids = list(db.session.scalars(select(BudgetVoter.id).where(BudgetVoter.vote_id == vote_id)))
    project = fund.proposals[0].id

    def cast(voter_id):
        return lambda: operations.cast_ballot(db.session.get(BudgetVoter, voter_id), {project: 1}, "k")

    def count():
        return operations.count_vote(db.session.get(BudgetVote, vote_id))

    outcomes = _run_together(app, [cast(v) for v in voter_ids] + [count])
    db.session.expire_all()
    result = next(o for o in outcomes if isinstance(o, dict))
    stored = db.session.scalar(select(func.count()).select_from(BudgetBallot))
    accepted = [o for o in outcomes if isinstance(o, operations.BallotReceipt)]
    assert result["ballots"] == stored == len(accepted)  # nothing committed after the count read the ballots
    voted = db.session.scalar(select(func.count()).select_from(BudgetVoter).where(BudgetVoter.voted.is_(True)))
    assert voted == stored
