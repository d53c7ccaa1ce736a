from __future__ import annotations

from decimal import Decimal

from kpirules.engine.scoring import CurvePlan
from kpirules.lint.helpers import pct
from kpirules.lint.rule import Rule

ONE = Decimal(1)


def scoring_starts(curve) -> tuple[Decimal, bool] | None:
    """Where a curve by attainment first scores above 0: the attainment, and whether that
    attainment itself still scores 0 (an open bound, `(110%, ∞)`); None when it never does,
    or when it scores by value. A linear curve's is its floor."""
    if curve.kind == "linear":
        return (curve.floor, False) if curve.floor is not None else None
    if curve.axis != "attainment" or curve.kind not in ("tiers", "lookup"):
        return None
    plan = CurvePlan(curve)
    if curve.kind == "tiers":
        # an attainment below 0 is read as 0, so a row from -∞ scores from 0
        starts = [(max(tier.low, Decimal(0)), not tier.low_closed) if tier.low is not None else (Decimal(0), False)
                  for tier, score in plan.tiers if score > 0]
    else:
        starts = [(key, False) for key, score in plan.points if score > 0]
    return min(starts, default=None)


class FloorAboveTarget(Rule):
    """KPI {kpi} scores 0 until attainment reaches {floor}, above its target.

    A floor is the attainment below which the score is 0. Above 100%, someone who reached
    the target still scores nothing: the real target is the floor, and the written one
    misleads. The floor is `linear`'s `floor`, or, for `tiers` and `lookup` by attainment,
    the lowest attainment whose score is above 0 (a row `[110%, ∞): 100` after
    `[0%, 110%): 0`, a key `110%: 100` after `0%: 0`); a row that starts just above 100%,
    `(100%, ∞)`, is reported too, as "more than 100%": exactly on target scores 0.

    Bad:

    ```kpi
    import "prelude.kpi"

    role telesales "电话销售" {
      kpi outbound_calls "外呼量" {
        process main
        measure count(calls)
        target >= 200
        weight 100%
        score linear floor 110% cap 150%
      }
    }
    ```

    Good:

    ```kpi
    import "prelude.kpi"

    role telesales "电话销售" {
      kpi outbound_calls "外呼量" {
        process main
        measure count(calls)
        target >= 220
        weight 100%
        score linear floor 60% cap 150%
      }
    }
    ```
    """

    code = "KPI605"
    slug = "floor-above-target"
    severity = "warning"
    pitfall = "unrealistic targets (目标脱离实际)"
    help = "lower the floor below 100% (e.g. floor 60%), or raise the target to where the floor is"

    def check_role(self, ctx, role):
        for kpi in role.kpis:
            start = scoring_starts(kpi.curve)
            if start is None or start < (ONE, True):
                continue
            stmt = ctx.kpi_statement(role, kpi, "score")
            if stmt is None or stmt.role != role.id:
                continue
            floor, reached_only_above = start
            yield self.finding(stmt.stmt.span, kpi=kpi.id, floor=("more than " if reached_only_above else "") + pct(floor))
