from __future__ import annotations

from kpirules.lint.helpers import number
from kpirules.lint.payouts import HUNDRED, factor
from kpirules.lint.rule import Rule


class CapBelowAccelerator(Rule):
    """cap factor {cap} is below the factor at total score 100 ({factor}): people on target are paid less than the table says.

    The cap is meant to limit the accelerator above target; set below the factor at a
    total score of 100, it cuts the pay of everyone who merely reached target, and the
    factor table above it is dead text.

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
          [0, 100): linear 0 to 1.0
          [100, ∞): 1.0 + (total_score - 100) / 100
        }
        cap factor 0.8
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
          [0, 100): linear 0 to 1.0
          [100, ∞): 1.0 + (total_score - 100) / 100
        }
        cap factor 1.5
      }
    }
    ```
    """

    code = "KPI604"
    slug = "cap-below-accelerator"
    severity = "warning"
    pitfall = "not linked to incentives (激励机制脱节)"
    help = "raise the cap factor to at least {factor}, or lower the factor table"

    def check_role(self, ctx, role):
        payout = role.payout
        decl, owner = ctx.payout_decl(role)
        if payout is None or payout.cap_factor is None or owner != role.id:
            return
        at_target = factor(payout, HUNDRED)
        if payout.cap_factor >= at_target:
            return
        setting = next((s for s in decl.body if s.node == "setting" and s.key == "cap factor"), decl)
        yield self.finding(setting.span, cap=number(payout.cap_factor), factor=number(at_target))
