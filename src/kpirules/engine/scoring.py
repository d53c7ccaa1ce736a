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

from decimal import Decimal

from kpirules.engine.numbers import CONTEXT, INFINITY, divide, fmt_decimal, quantize6
from kpirules.engine.values import evaluate
from kpirules.model.bands import describe
from kpirules.model.scheme import Curve, Grades, Kpi

HUNDRED = Decimal(100)
ZERO = Decimal(0)
ONE = Decimal(1)


def attainment(value: Decimal | None, target: Decimal | None, direction: str) -> Decimal | None:
    if value is None or target is None:
        return None
    if direction == ">=":
        if target <= 0:
            return ONE if value >= target else ZERO
        return quantize6(divide(value, target))
    if value <= 0:
        return INFINITY if target >= 0 else ZERO
    if target <= 0:
        return ZERO
    return quantize6(divide(target, value))


def pct(x: Decimal | None) -> str:
    if x is None:
        return "-"
    if not x.is_finite():
        return "∞"
    return f"{fmt_decimal(quantize6(x * HUNDRED).normalize())}%"


def _constant_score(expr) -> Decimal:
    value = evaluate(expr, lambda ref: None)
    return Decimal(value) if value is not None else ZERO


def score(kpi: Kpi, value: Decimal | None, att: Decimal | None) -> tuple[Decimal, str, bool, bool]:
    """The score, a one-line description of the rule applied, and whether the floor/cap bit."""
    curve: Curve = kpi.curve
    if curve.kind == "linear":
        floor = curve.floor if curve.floor is not None else ZERO
        cap = curve.cap
        if att is None:
            return ZERO, "no attainment", False, False
        if att < floor:
            return ZERO, f"attainment {pct(att)} is below the floor {pct(floor)}: score 0", True, False
        if cap is not None and att > cap:
            s = quantize6(CONTEXT.multiply(HUNDRED, cap))
            return s, f"attainment {pct(att)} is above the cap {pct(cap)}: score 100 × {pct(cap)} = {fmt_decimal(s)}", False, True
        s = quantize6(CONTEXT.multiply(HUNDRED, att))
        return s, f"linear: 100 × {pct(att)} = {fmt_decimal(s)}", False, False
    if curve.kind == "pass_fail":
        if att is None:
            return ZERO, "no attainment", False, False
        passed = att >= ONE
        return (HUNDRED if passed else ZERO), f"pass/fail: attainment {pct(att)} {'meets' if passed else 'misses'} the target", False, False
    x = att if curve.axis == "attainment" else value
    if x is None:
        return ZERO, f"no {curve.axis}", False, False
    shown = pct(x) if curve.axis == "attainment" else fmt_decimal(x)
    if curve.axis == "attainment" and x < 0:
        x = ZERO
    if curve.kind == "tiers":
        for tier in curve.tiers:
            if tier.contains(x) or (not x.is_finite() and tier.high is None):
                s = quantize6(_constant_score(tier.value))
                rng = describe(tier, percent=curve.axis == "attainment")
                return s, f"{curve.axis} {shown} is in {rng}: score {fmt_decimal(s)}", False, False
        return ZERO, f"{curve.axis} {shown} is in no tier: score 0", False, False
    chosen = None
    for point in curve.points:
        if x >= point.key:
            chosen = point
    if chosen is None:
        return ZERO, f"{curve.axis} {shown} is below the first lookup key: score 0", False, False
    s = quantize6(_constant_score(chosen.value))
    key = pct(chosen.key) if curve.axis == "attainment" else fmt_decimal(chosen.key)
    return s, f"lookup: {curve.axis} {shown} reaches the row {key}: score {fmt_decimal(s)}", False, False


def grade(grades: Grades | None, total: Decimal) -> str | None:
    if grades is None:
        return None
    for band in grades.bands:
        if band.contains(total):
            return band.grade
    return None
