"""A poll's result, typed: judged once at the close, read back by every package that shows it.

``judge`` applies the meeting's majority rule (``meetings.majority.RULES``)
and the quorum; ``PollResult.from_stored`` reads what the close stored in
``Poll.result``; ``live.queries.poll_result`` is the one builder that gives
a closed poll's stored result or an open poll's count as it stands.
``to_dict`` is the one JSON form, stored in the row and sent to the phones
(docs/live-protocol.md: ``poll_closed``).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from roundtable.meetings.majority import RULES, rule_label

if TYPE_CHECKING:
    from roundtable.live.models import Poll

# A budget poll (居民说了算) is opened from a fund's vote, never from the console's motion form:
# its options carry costs and a ballot's options together must fit in the budget.
# A points poll is its sibling: each voter gives up to ``max_choices`` points, one option id per
# point in ``choices`` (so an id may repeat), and the tally counts points.
BUDGET = "budget"
POINTS = "points"
BUDGET_KINDS = (BUDGET, POINTS)

Outcome = Literal["passed", "failed", "no_quorum", "counted", "open"]

OUTCOME_LABELS: dict[str, str] = {
    "passed": "通过",
    "failed": "未通过",
    "no_quorum": "未达法定人数",
    "counted": "已计票,资助结果按经费的计票规则公布",  # budget polls: the fund's rule decides
    "open": "未结束",
}


@dataclass(frozen=True)
class PollResult:
    """Counts by option id, the outcome under the poll's rule and quorum, and what the close recorded.

    ``opened_receipts``: a secret poll's ballots as opened at the close, ``{receipt, choices}``,
    never who cast them. ``ballots``: a named poll's list of who voted what.
    """

    poll_id: int
    rule: str
    quorum: int
    counts: Mapping[int, int]
    total: int
    present: int
    quorum_met: bool
    outcome: Outcome
    winners: tuple[int, ...] = ()
    opened_receipts: tuple[dict[str, Any], ...] | None = None
    ballots: tuple[dict[str, Any], ...] | None = field(default=None, repr=False)

    @property
    def closed(self) -> bool:
        return self.outcome != "open"

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS.get(self.outcome, self.outcome)

    @property
    def rule_label(self) -> str:
        return rule_label(self.rule)

    def count(self, option_id: int) -> int:
        return self.counts.get(option_id, 0)

    def receipts(self) -> list[str]:
        """A secret poll's receipts as opened at the close (a named poll's are on its ballot rows)."""
        return sorted(entry["receipt"] for entry in self.opened_receipts or ())

    def to_dict(self, *, with_ballots: bool = True) -> dict[str, Any]:
        """The stored and wire form; ``with_ballots=False`` is what the whole room gets (see live.queries.wire_result)."""
        data: dict[str, Any] = {
            "poll_id": self.poll_id,
            "counts": {str(option_id): count for option_id, count in self.counts.items()},
            "total": self.total,
            "seq": self.total,
            "rule": self.rule,
            "quorum": self.quorum,
            "result": self.outcome,
            "winners": list(self.winners),
            "quorum_met": self.quorum_met,
            "present": self.present,
        }
        if self.opened_receipts is not None:
            data["receipts"] = list(self.opened_receipts)
        if self.ballots is not None and with_ballots:
            data["ballots"] = list(self.ballots)
        return data

    @classmethod
    def from_stored(cls, poll: Poll, data: Mapping[str, Any]) -> PollResult:
        """What ``close_poll`` stored in ``Poll.result`` (rule and quorum from the poll if an old row lacks them)."""
        receipts = data.get("receipts")
        ballots = data.get("ballots")
        return cls(
            poll_id=poll.id,
            rule=data.get("rule") or poll.rule,
            quorum=int(data.get("quorum", poll.quorum) or 0),
            counts={int(option_id): int(count) for option_id, count in (data.get("counts") or {}).items()},
            total=int(data.get("total") or 0),
            present=int(data.get("present") or 0),
            quorum_met=bool(data.get("quorum_met", True)),
            outcome=data.get("result") or "failed",
            winners=tuple(data.get("winners") or ()),
            opened_receipts=tuple(receipts) if receipts is not None else None,
            ballots=tuple(ballots) if ballots is not None else None,
        )


def judge(poll: Poll, counts: Mapping[int, int], total: int, present: int) -> PollResult:
    """Apply the poll's rule and quorum to the counts; nobody decides the outcome by hand.

    A yes/no poll passes on its yes votes, the votes cast being yes and no
    (abstentions do not count); a choice poll elects every option that meets
    the rule among all ballots. A budget poll is only counted here: which
    projects are funded is the fund's rule (roundtable.funds).
    """
    quorum_met = present >= poll.quorum
    winners: list[int] = []
    outcome: Outcome
    if poll.kind in BUDGET_KINDS:
        outcome = "counted" if quorum_met else "no_quorum"
    else:
        rule = RULES.get(poll.rule) or RULES["more_yes_than_no"]
        if poll.kind == "yes_no":
            by_code = {option.code: option.id for option in poll.options}
            yes, no = counts[by_code["yes"]], counts[by_code["no"]]
            winners = [by_code["yes"]] if rule.passes(yes, yes + no, present) else []
        else:
            winners = [option.id for option in poll.options if rule.passes(counts[option.id], total, present)]
        if not quorum_met:
            winners = []
        outcome = "no_quorum" if not quorum_met else ("passed" if winners else "failed")
    return PollResult(
        poll_id=poll.id, rule=poll.rule, quorum=poll.quorum, counts=dict(counts), total=total,
        present=present, quorum_met=quorum_met, outcome=outcome, winners=tuple(winners),
    )
