from __future__ import annotations

from kpirules.lint.helpers import number
from kpirules.lint.payouts import curve
from kpirules.lint.rule import Rule


class FactorFalls(Rule):
    """The payout factor falls from {before} at total score {low} to {after} at {high}: a better score pays less.

    `kpirules check` already rejects factor tables with gaps or overlaps; this rule reads
    the values. Each row is evaluated at its bounds and inside, as `kpirules run` would:
    where the factor drops as the score rises, people are paid to do worse.

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
                yield self.finding(tier.span, before=number(f1), low=number(x1), after=number(f2), high=number(x2))
                return
