from __future__ import annotations

from kpirules.engine.payout import PayoutPlan
from kpirules.lang.ast import walk
from kpirules.lint.helpers import number
from kpirules.lint.payouts import curve
from kpirules.lint.rule import Rule


def place(total, how: str, first: bool) -> str:
    """Where on the total score a factor is read, in the table's own numbers: `at total score
    60`, `just below total score 100` (an open bound), or without "total score" after `to`."""
    return f"{how} {'total score ' if first else ''}{number(total)}"


def fall(plan: PayoutPlan, x1, x2) -> dict[str, str]:
    """The fall found between two sampled totals, told by the rows as written: across a
    boundary, each row's value at it (`falls from 1 just below total score 100 to 0.9 at
    100`); inside one row, its values at its two ends."""
    row1 = next(r for r in plan.factor_rows if r[0].contains(x1))
    row2 = next(r for r in plan.factor_rows if r[0].contains(x2))
    if row1 is not row2:
        edge = row2[0].low
        return dict(
            before=number(plan.row_factor(row1, edge)),
            start=place(edge, "at" if row1[0].high_closed else "just below", True),
            after=number(plan.row_factor(row2, edge)),
            end=place(edge, "at" if row2[0].low_closed else "just above", False),
        )
    tier = row1[0]
    if tier.value is not None and not _straight(tier.value):
        # a row that turns inside (`if total_score < 80 ...`): the two sampled totals around the fall
        return dict(before=number(plan.row_factor(row1, x1)), start=place(x1, "at", True),
                    after=number(plan.row_factor(row1, x2)), end=place(x2, "at", False))
    low, low_how = (x1, "at") if tier.low is None else (tier.low, "at" if tier.low_closed else "just above")
    high, high_how = (x2, "at") if tier.high is None else (tier.high, "at" if tier.high_closed else "just below")
    return dict(before=number(plan.row_factor(row1, low)), start=place(low, low_how, True),
                after=number(plan.row_factor(row1, high)), end=place(high, high_how, False))


def _straight(expr) -> bool:
    """Whether a row's expression has no `if` (a line, or a constant): it falls, if it does,
    from one end of its row to the other."""
    return not any(getattr(node, "node", None) == "if" for node in walk(expr))


class FactorFalls(Rule):
    """The payout factor falls from {before} {start} to {after} {end}: a better score pays less.

    `kpirules check` already rejects factor tables with gaps or overlaps; this rule reads
    the values. Each row is evaluated at its bounds and inside (and, where its expression
    compares `total_score` with a number, at that number and just below), as `kpirules run` would:
    where the factor drops as the score rises, people are paid to do worse. The message
    gives the rows' own numbers: where one row ends higher than the next begins, each
    row's value at the boundary ("falls from 1 just below total score 100 to 0.9 at 100",
    for a row `[60, 100)` that runs up to 1 and a row `[100, ∞)` of 0.9); where a row runs
    downwards itself, its values at its two ends; where a row turns inside (`if total_score <
    60 then ... else ...`), the totals around the fall ("from 0.59999 at total score 59.999 to
    0.5 at 60").

    Bad:

    ```kpi
    import "prelude.kpi"

    role telesales "电话销售" {
      kpi outbound_calls "外呼量" {
        process main
        measure count(calls)
        target >= 200
        weight 100%
      }
      payout {
        target_incentive 3000 CNY
        factor by total_score {
          [0, 60): 0
          [60, 100): linear 0.6 to 1.0
          [100, ∞): 0.9
        }
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
        target >= 200
        weight 100%
      }
      payout {
        target_incentive 3000 CNY
        factor by total_score {
          [0, 60): 0
          [60, 100): linear 0.6 to 1.0
          [100, ∞): 1.0
        }
      }
    }
    ```
    """

    code = "KPI602"
    slug = "factor-falls"
    severity = "warning"
    pitfall = "not linked to incentives (激励机制脱节)"
    help = "make each factor row start at or above where the row before it ends, so the factor never falls as the score rises"

    def check_role(self, ctx, role):
        payout = role.payout
        decl, owner = ctx.payout_decl(role)
        if payout is None or not payout.factor_tiers or owner != role.id:
            return
        points = curve(payout)
        for (x1, f1), (x2, f2) in zip(points, points[1:]):
            if f2 < f1:
                tier = next(t for t in payout.factor_tiers if t.contains(x2))
                yield self.finding(tier.span, **fall(PayoutPlan(payout), x1, x2))
                return
