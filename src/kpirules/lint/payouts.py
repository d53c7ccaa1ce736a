"""The payout factor as a function of the total score, sampled for the payout rules.

The factor is computed by the code `kpirules run` pays with (`engine.payout.PayoutPlan`,
which evaluates each row's expression of total_score), at every row's bounds and a few
points inside each row, so a rule sees the curve people are actually paid on.
"""

from __future__ import annotations

from decimal import Decimal

from kpirules.engine.payout import PayoutPlan
from kpirules.model.scheme import Payout

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
    return sorted(p for p in points if p >= 0)


def curve(payout: Payout) -> list[tuple[Decimal, Decimal]]:
    plan = PayoutPlan(payout)
    return [(x, plan.factor(x, None)) for x in sample_points(payout)]
