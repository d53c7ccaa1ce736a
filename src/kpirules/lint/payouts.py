"""The payout factor as a function of the total score, sampled for the payout rules.

The factor is computed by the code `kpirules run` pays with (`engine.payout.PayoutPlan`,
which evaluates each row's expression of total_score; without a factor table, total / 100),
at every row's bounds and a few points inside each row, so a rule sees the curve people are
actually paid on. `highest_total` bounds the totals a role can reach, so a rule probes only those.
"""

from __future__ import annotations

from decimal import Decimal

from kpirules.engine.payout import PayoutPlan
from kpirules.lang import ast
from kpirules.lang.ast import walk
from kpirules.engine.scoring import CurvePlan
from kpirules.model.scheme import Kpi, Payout, Role

EPS = Decimal("0.001")
HUNDRED = Decimal(100)


def factor(payout: Payout, total: Decimal) -> Decimal:
    """The factor at a total score, before `cap factor` and gates."""
    return PayoutPlan(payout).factor(total, None)


def sample_points(payout: Payout) -> list[Decimal]:
    """Total scores to evaluate: each row's bounds (just inside when open) and interior points."""
    points: set[Decimal] = {Decimal(0), HUNDRED, Decimal(150), Decimal(200), Decimal(300)}
    for tier in payout.factor_tiers:
        low, high = tier.low, tier.high
        if low is not None:
            points.add(low if tier.low_closed else low + EPS)
        if high is not None:
            points.add(high if tier.high_closed else high - EPS)
        if low is not None and high is not None:
            points.update(low + (high - low) * k / 4 for k in (1, 2, 3))
        elif low is not None:
            points.update(low + step for step in (Decimal(10), Decimal(50), HUNDRED, Decimal(200)))
        elif high is not None:
            points.update(high - step for step in (Decimal(10), Decimal(50)))
        # where a row's expression turns (`if total_score < 80 then ... else ...`): at the
        # number it compares the total with, and just below it
        for turn in _compared_with_total(tier.value):
            points.update((turn - EPS, turn, turn + EPS))
    return sorted(p for p in points if p >= 0)


def _compared_with_total(expr) -> list[Decimal]:
    """The numbers an expression compares `total_score` with (`total_score < 80`: 80)."""
    found = []
    for node in walk(expr) if expr is not None else ():
        if isinstance(node, ast.Binary) and node.op in ("<", "<=", ">", ">=", "==", "!="):
            for ref, other in ((node.left, node.right), (node.right, node.left)):
                if (isinstance(ref, ast.Ref) and [p.name for p in ref.parts] == ["total_score"]
                        and isinstance(other, ast.Literal_) and isinstance(other.value, Decimal)):
                    found.append(other.value)
    return found


def curve(payout: Payout, highest: Decimal | None = None) -> list[tuple[Decimal, Decimal]]:
    """The factor at the sampled totals; with `highest`, only at totals up to it, and at it."""
    points = sample_points(payout)
    if highest is not None:
        points = sorted({p for p in points if p <= highest} | {max(highest, Decimal(0))})
    plan = PayoutPlan(payout)
    return [(x, plan.factor(x, None)) for x in points]


def highest_score(kpi: Kpi) -> Decimal | None:
    """The highest score a KPI can give (its `no_data` score included); None when its curve
    has no bound (`linear` without a cap)."""
    plan = CurvePlan(kpi.curve)
    if plan.kind == "linear":
        best = plan.max_cap
    elif plan.kind == "pass_fail":
        best = HUNDRED
    else:
        # a value in no row, or below the first key, scores 0
        best = max([s for _, s in plan.tiers or plan.points] + [Decimal(0)])
    return None if best is None else max(best, kpi.no_data_score)


def highest_total(role: Role, scheme_period: str | None) -> Decimal | None:
    """The highest total score the role can reach (semantics.md §6): the sum over its main
    KPIs of weight x highest score; None when a main KPI's score has no bound. When the main
    KPIs have different periods, a run where only some close scales their contributions up
    to all the weight, so the bound is then the sum of the weights x the highest single score."""
    main = [k for k in role.kpis if k.rank == "main"]
    scores = [highest_score(k) for k in main]
    if any(s is None for s in scores):
        return None
    weights = [k.weight or Decimal(0) for k in main]
    if len({k.period or scheme_period for k in main}) > 1:
        return sum(weights, Decimal(0)) * max(scores, default=Decimal(0))
    return sum((w * s for w, s in zip(weights, scores)), Decimal(0))
