"""Exact rates and scores, rounded once, the way an auditor rounds by hand (四舍五入).

A rate is kept as a ``Fraction`` of two counts and a score as a ``Fraction``
sum of weighted rates; nothing passes through a binary float before the one
rounding here (``Decimal.quantize`` with ``ROUND_HALF_UP``). The page, the CSV,
the XLSX and the charts all take their figures from ``Figure``, so they can
never disagree: 60.25 is 60.3 everywhere, 1/16 is 6.3% everywhere.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

PERCENT = "percent"
SCORE = "score"
MINUTES = "minutes"

# One decimal place for every figure the dashboard prints.
PLACES = Decimal("0.1")


def exact(value) -> Fraction:
    """A weight or count as an exact fraction; ``0.45`` from the configuration is 45/100, not the float."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, float):
        return Fraction(str(value))
    return Fraction(value)


def ratio(part: int, whole: int) -> Fraction | None:
    return Fraction(part, whole) if whole else None


def round_half_up(value: Fraction, places: Decimal = PLACES) -> Decimal:
    """``value`` rounded half away from zero at ``places``; exact for every tie a count can make."""
    with localcontext() as context:
        context.prec = 60
        return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(places, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Figure:
    """One figure of a table: an exact value and how it is shown (percent, score or minutes)."""

    value: Fraction | None
    kind: str = PERCENT

    @property
    def shown(self) -> Decimal | None:
        """The rounded number people read: 6.3 for a 1/16 rate, 60.3 for a 60.25 score."""
        if self.value is None:
            return None
        return round_half_up(self.value * 100 if self.kind == PERCENT else self.value)

    @property
    def spreadsheet_value(self) -> float | None:
        """What a spreadsheet cell holds: 0.063 under a 0.0% format, 60.3 under 0.0."""
        shown = self.shown
        if shown is None:
            return None
        return float(shown / 100) if self.kind == PERCENT else float(shown)

    @property
    def chart_value(self) -> float | None:
        """What a chart plots: the number printed in the table (6.3 for 6.3%)."""
        shown = self.shown
        return None if shown is None else float(shown)

    def text(self) -> str:
        shown = self.shown
        if shown is None:
            return "—"
        return f"{shown}%" if self.kind == PERCENT else f"{shown}"

    def __str__(self) -> str:
        return self.text()


def percent(value: Fraction | None) -> str:
    return Figure(value, PERCENT).text()


def score(rates: dict[str, Fraction | None], weights: dict) -> Fraction | None:
    """综合得分 on a 100-point scale: Σ weight × rate, exact; unknown when a weighted rate is unknown."""
    exact_weights = {name: exact(weight) for name, weight in weights.items()}
    if any(rates.get(name) is None for name, weight in exact_weights.items() if weight):
        return None
    return sum((weight * (rates.get(name) or 0) for name, weight in exact_weights.items()), Fraction(0)) * 100
