"""From a KPI's value and target to attainment and score; from the total score to a grade.

Attainment (docs/semantics.md has the worked rules):
- higher is better (`>=`): value / target; a target of 0 (or below) is met (100%) by any
  value at or above it and missed (0%) otherwise;
- lower is better (`<=`): target / value; a value of 0 or below (nothing to improve) is
  unbounded attainment, shown as ∞ and scored at the curve's maximum; a target of 0 with
  a positive value is 0%.
Curves: `linear` (0 below the floor, else 100 x attainment capped at the cap), `tiers`
(the score of the range containing attainment or value), `lookup` (the score of the last
key at or below), `pass_fail` (100 at 100% attainment or more, else 0). Attainment below
0 is treated as 0 by tier and lookup tables.
"""

from __future__ import annotations

import decimal
from decimal import Decimal

from kpirules.engine.numbers import CONTEXT, INFINITY, SIX, WIDE, divide, fmt_decimal, quantize6
from kpirules.model.expressions import constant
from kpirules.engine.results import KpiResult
from kpirules.lang.ast import Span
from kpirules.model.bands import describe
from kpirules.model.scheme import Curve, Grades, GradeBand, Kpi

HUNDRED = Decimal(100)
ZERO = Decimal(0)
ONE = Decimal(1)


def attainment_case(value: Decimal, target: Decimal, direction: str) -> str:
    """Which rule of docs/semantics.md §4 gives the attainment of a value and a target."""
    if direction == ">=":
        if target > 0:
            return "higher"
        return "met_nonpositive" if value >= target else "missed_nonpositive"
    if value <= 0:
        return "unbounded" if target >= 0 else "negative_target"
    return "nonpositive_target" if target <= 0 else "lower"


#: the attainment of each rule that makes no division
_DECIDED = {"met_nonpositive": ONE, "missed_nonpositive": ZERO, "unbounded": INFINITY,
            "negative_target": ZERO, "nonpositive_target": ZERO}
#: each rule in words, for explain
_RULE_WORDS = {
    "higher": "value / target",
    "met_nonpositive": "a target of 0 or below is met by a value at or above it",
    "missed_nonpositive": "a target of 0 or below is missed by a value below it",
    "unbounded": "lower is better and the value is 0 or below",
    "negative_target": "lower is better and the target is below 0",
    "nonpositive_target": "lower is better, the target is 0 or below and the value above 0",
    "lower": "target / value",
}


def attainment(value: Decimal | None, target: Decimal | None, direction: str) -> Decimal | None:
    if value is None or target is None:
        return None
    case = attainment_case(value, target, direction)
    if case == "higher":
        return quantize6(divide(value, target))
    if case == "lower":
        return quantize6(divide(target, value))
    return _DECIDED[case]


def attainment_rule(value: Decimal, target: Decimal, direction: str) -> tuple[str, str]:
    """Which attainment rule applied, as (message key, English words): the division, or,
    where there is none to make, the rule that decided."""
    case = attainment_case(value, target, direction)
    return f"explain.rule.{case}", _RULE_WORDS[case]


def pct(x: Decimal | None) -> str:
    """A share in percent for the eye, to 6 places (0.123456789 is 12.345679%).

    Shifting the point is exact, and the rounding has room for every number a run can hold
    (28 digits before the point): the run's 34-digit context could not round a 28-digit
    attainment to 6 places once it is in percent.
    """
    if x is None:
        return "-"
    if not x.is_finite():
        return "∞"
    return f"{fmt_decimal(x.scaleb(2, WIDE).quantize(SIX, rounding=decimal.ROUND_HALF_UP, context=WIDE))}%"


def _constant_score(expr) -> Decimal:
    value = constant(expr)
    return Decimal(value) if value is not None else ZERO


class CurvePlan:
    """A KPI's scoring curve with its constants worked out once per run."""

    def __init__(self, curve: Curve, rate: bool = False):
        self.curve = curve
        self.kind = curve.kind
        self.axis = curve.axis
        # explain prints tiers as they are written: in percent for attainment or a rate's value
        self.percent = curve.axis == "attainment" or rate
        self.floor = curve.floor if curve.floor is not None else ZERO
        self.cap = curve.cap
        self.tiers = [(tier, quantize6(_constant_score(tier.value))) for tier in curve.tiers]
        self.points = [(point.key, quantize6(_constant_score(point.value))) for point in curve.points]
        self.max_cap = quantize6(CONTEXT.multiply(HUNDRED, self.cap)) if self.cap is not None else None

    def _x(self, value, att):
        x = att if self.axis == "attainment" else value
        if x is not None and self.axis == "attainment" and x < 0:
            x = ZERO
        return x

    def _tier(self, x):
        for tier, s in self.tiers:
            if tier.contains(x) or (not x.is_finite() and tier.high is None):
                return tier, s
        return None, ZERO

    def _point(self, x):
        chosen = None
        for key, s in self.points:
            if x >= key:
                chosen = (key, s)
        return chosen

    def score(self, value: Decimal | None, att: Decimal | None) -> tuple[Decimal, bool, bool]:
        """The score and whether the floor or the cap applied."""
        if self.kind == "linear":
            if att is None:
                return ZERO, False, False
            if att < self.floor:
                return ZERO, True, False
            if self.cap is not None and att > self.cap:
                return self.max_cap, False, True
            return quantize6(CONTEXT.multiply(HUNDRED, att)), False, False
        if self.kind == "pass_fail":
            return (HUNDRED if att is not None and att >= ONE else ZERO), False, False
        x = self._x(value, att)
        if x is None:
            return ZERO, False, False
        if self.kind == "tiers":
            return self._tier(x)[1], False, False
        chosen = self._point(x)
        return (chosen[1] if chosen else ZERO), False, False

    def rule(self, value: Decimal | None, att: Decimal | None) -> str:
        """The score's derivation in words, for explain."""
        s, floor_hit, cap_hit = self.score(value, att)
        if self.kind == "linear":
            if att is None:
                return "no attainment"
            if floor_hit:
                text = f"attainment {pct(att)} is below the floor {pct(self.floor)}: score 0"
            elif cap_hit:
                text = f"attainment {pct(att)} is above the cap {pct(self.cap)}: score 100 × {pct(self.cap)} = {fmt_decimal(s)}"
            else:
                text = f"linear: 100 × {pct(att)} = {fmt_decimal(s)}"
            if self.curve.span is None:  # no `score` line: the floor and cap are nowhere in the KPI
                text += f" (the default curve: linear, floor {pct(self.floor)}, cap {pct(self.cap)})"
            return text
        if self.kind == "pass_fail":
            if att is None:
                return "no attainment"
            return f"pass/fail: attainment {pct(att)} {'meets' if att >= ONE else 'misses'} the target: score {fmt_decimal(s)}"
        x = self._x(value, att)
        if x is None:
            return f"no {self.axis}"
        raw = att if self.axis == "attainment" else value
        shown = pct(raw) if self.percent else fmt_decimal(raw)
        if x != raw:  # a negative attainment is read as 0%
            shown += f" (read as {pct(x)})"
        if self.kind == "tiers":
            tier, _ = self._tier(x)
            if tier is None:
                return f"{self.axis} {shown} is in no tier: score 0"
            return f"{self.axis} {shown} is in {describe(tier, percent=self.percent)}: score {fmt_decimal(s)}"
        chosen = self._point(x)
        if chosen is None:
            return f"{self.axis} {shown} is below the first lookup key: score 0"
        key = pct(chosen[0]) if self.percent else fmt_decimal(chosen[0])
        return f"lookup: {self.axis} {shown} reaches the row {key}: score {fmt_decimal(s)}"


def curve_part(kpi: Kpi, k: KpiResult) -> tuple[str, Span] | None:
    """The part of the KPI's written curve that scored a result, as (side, span): the tier or
    lookup row that applied, or which side of a linear curve (below, between, above); None
    when the curve did not score it (no data, in progress, not written)."""
    curve = kpi.curve
    if k.status != "ok" or curve.span is None or (k.attainment is None and curve.axis == "attainment"):
        return None
    if curve.kind == "linear":
        return ("below" if k.floor_hit else "above" if k.cap_hit else "between"), curve.span
    if curve.kind == "pass_fail":
        return ("met" if k.attainment is not None and k.attainment >= 1 else "missed"), curve.span
    x = k.attainment if curve.axis == "attainment" else k.value
    if x is None:
        return None
    if curve.axis == "attainment" and x < 0:
        x = ZERO  # as the curve reads tables: a negative attainment is 0
    if curve.kind == "tiers":
        tier = next((t for t in curve.tiers if t.contains(x) or (not x.is_finite() and t.high is None)), None)
        return ("", tier.span) if tier is not None else None
    reached = [p for p in curve.points if x >= p.key]
    return ("", reached[-1].span) if reached else None


def grade_band(grades: Grades | None, total: Decimal) -> GradeBand | None:
    """The grade row whose range holds a total (None: no grades, or no row holds it)."""
    if grades is None:
        return None
    return next((band for band in grades.bands if band.contains(total)), None)


def grade(grades: Grades | None, total: Decimal) -> str | None:
    band = grade_band(grades, total)
    return None if band is None else band.grade
