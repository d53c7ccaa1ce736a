from __future__ import annotations

from decimal import Decimal

from kpirules.lint.helpers import number
from kpirules.lint.payouts import HUNDRED, curve, factor
from kpirules.lint.rule import Rule


class UncappedAccelerator(Rule):
    """The payout factor of role {role} goes above 1 ({factor} at total score {score}) and the payout has no `cap factor` or `cap`.

    An accelerator (a factor above 1, or rising faster than 1 per 100 points beyond a
    total score of 100) rewards over-achievement; without a `cap factor` or an overall
    `cap` amount, only the KPIs' score caps limit what it pays, so one data error, one
    outlier deal or a later change to a score cap pays far more than planned.

    Bad:

    ```kpi
    import "prelude.kpi"

    role telesales "电话销售" {
      kpi outbound_calls "外呼量" {
        process main
        measure count(calls)
        target >= 200
        weight 100%
        score linear cap 150%
      }
      payout {
        target_incentive 3000 CNY
        factor by total_score {
          [0, 100): linear 0 to 1.0
          [100, ∞): 1.0 + 2 * (total_score - 100) / 100
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
        score linear cap 150%
      }
      payout {
        target_incentive 3000 CNY
        factor by total_score {
          [0, 100): linear 0 to 1.0
          [100, ∞): 1.0 + 2 * (total_score - 100) / 100
        }
        cap factor 2.0
      }
    }
    ```
    """

    code = "KPI603"
    slug = "uncapped-accelerator"
    severity = "warning"
    pitfall = "not linked to incentives (激励机制脱节)"
    help = "add `cap factor 2.0` (or an overall `cap` amount) to the payout"

    def check_role(self, ctx, role):
        payout = role.payout
        decl, owner = ctx.payout_decl(role)
        if payout is None or not payout.factor_tiers or owner != role.id:
            return
        if payout.cap_factor is not None or payout.cap is not None:
            return
        beyond = [(x, f) for x, f in curve(payout) if x >= HUNDRED]
        slope = (factor(payout, Decimal(200)) - factor(payout, HUNDRED)) / HUNDRED
        above = [(x, f) for x, f in beyond if f > 1]
        if not above and slope <= Decimal("0.01"):
            return
        shown = [(x, f) for x, f in above if x == 200] or above or beyond
        x, f = max(shown, key=lambda p: (p[1], -p[0]))
        yield self.finding(payout.factor_span or decl.span, role=role.id, factor=number(f), score=number(x))
