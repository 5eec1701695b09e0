"""The majority rules a meeting may adopt: one table, read by the live close, the record and the forms.

A rule says what share of which base an option needs: of the votes cast
(for a yes/no poll: yes and no; abstentions do not count), or of the
voters present. ``strict`` means "more than", otherwise "at least".
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

Base = Literal["cast", "present"]


@dataclass(frozen=True)
class MajorityRule:
    code: str
    label: str  # the msgid; pages and the record translate it where they show it
    share: Fraction
    base: Base
    strict: bool

    def passes(self, votes: int, cast: int, present: int) -> bool:
        """Whether ``votes`` for an option meet the rule, given the votes cast and the voters present."""
        base = present if self.base == "present" else cast
        if self.strict:
            return votes * self.share.denominator > self.share.numerator * base
        return base > 0 and votes * self.share.denominator >= self.share.numerator * base


MORE_YES_THAN_NO = "more_yes_than_no"
TWO_THIRDS_CAST = "two_thirds_cast"
MAJORITY_PRESENT = "majority_present"

RULES: dict[str, MajorityRule] = {
    rule.code: rule
    for rule in (
        # yes > no for a yes/no poll; more than half of the ballots for a choice.
        MajorityRule(MORE_YES_THAN_NO, "赞成多于反对", Fraction(1, 2), "cast", strict=True),
        MajorityRule(TWO_THIRDS_CAST, "赞成达到投票数的三分之二", Fraction(2, 3), "cast", strict=False),
        MajorityRule(MAJORITY_PRESENT, "赞成超过到场人数的一半", Fraction(1, 2), "present", strict=True),
    )
}
DEFAULT_RULE = MORE_YES_THAN_NO


def rule_label(code: str) -> str:
    """The rule's label (an unknown code, from an old row, shows as itself)."""
    rule = RULES.get(code)
    return rule.label if rule else code
