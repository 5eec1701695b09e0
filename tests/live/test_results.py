"""A poll's result is typed and judged by one table of majority rules."""
from __future__ import annotations

import pytest

from roundtable.live.results import OUTCOME_LABELS, PollResult, judge
from roundtable.meetings.majority import RULES
from roundtable.meetings.models import MAJORITY_RULES


class _Option:
    def __init__(self, id, code=None):
        self.id, self.code = id, code


class _Poll:
    def __init__(self, rule, kind="single", quorum=0, options=3):
        self.id, self.rule, self.kind, self.quorum = 7, rule, kind, quorum
        self.options = [_Option(n) for n in range(1, options + 1)]


@pytest.mark.parametrize(
    "rule, counts, total, present, winners",
    [
        ("more_yes_than_no", {1: 6, 2: 5, 3: 1}, 10, 12, (1,)),  # more than half of the ballots
        ("more_yes_than_no", {1: 5, 2: 5, 3: 0}, 10, 12, ()),
        ("two_thirds_cast", {1: 6, 2: 5, 3: 0}, 9, 20, (1,)),  # at least two thirds: 6 of 9 does, 5 does not
        ("two_thirds_cast", {1: 0, 2: 0, 3: 0}, 0, 20, ()),  # nothing cast, nothing elected
        ("majority_present", {1: 6, 2: 6, 3: 0}, 6, 11, (1, 2)),
        ("majority_present", {1: 5, 2: 0, 3: 0}, 5, 10, ()),
    ],
)
def test_a_choice_poll_elects_every_option_the_rule_accepts(rule, counts, total, present, winners):
    result = judge(_Poll(rule), counts, total, present)
    assert result.winners == winners
    assert result.outcome == ("passed" if winners else "failed")


def test_budget_polls_are_only_counted_and_quorum_still_applies():
    assert judge(_Poll("more_yes_than_no", kind="budget"), {1: 3, 2: 0, 3: 0}, 3, 3).outcome == "counted"
    assert judge(_Poll("more_yes_than_no", kind="budget", quorum=4), {1: 3, 2: 0, 3: 0}, 3, 3).outcome == "no_quorum"


def test_the_stored_form_reads_back_to_the_same_result():
    judged = judge(_Poll("two_thirds_cast"), {1: 7, 2: 2, 3: 1}, 10, 12)
    stored = judged.to_dict()
    assert stored["result"] == "passed" and stored["counts"] == {"1": 7, "2": 2, "3": 1} and stored["winners"] == [1]
    again = PollResult.from_stored(_Poll("two_thirds_cast"), stored)
    assert again == judged
    assert again.outcome_label == OUTCOME_LABELS["passed"] and again.rule_label == RULES["two_thirds_cast"].label


def test_the_room_copy_leaves_out_who_voted_what():
    named = PollResult(1, "more_yes_than_no", 0, {1: 1}, 1, 1, True, "passed", (1,),
                       ballots=({"participant": {"id": 3}, "choices": [1], "assisted": False},))
    assert "ballots" in named.to_dict() and "ballots" not in named.to_dict(with_ballots=False)


def test_forms_offer_exactly_the_rules_the_close_can_judge():
    assert MAJORITY_RULES == {code: rule.label for code, rule in RULES.items()}
