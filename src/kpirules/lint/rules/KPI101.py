from __future__ import annotations

from kpirules.lint.helpers import pct
from kpirules.lint.rule import Rule


class WeightsSum(Rule):
    """The main KPI weights of role {role} add up to {total}, not 100%.

    The total score is the weighted sum of the main KPIs' scores. Weights that do not add
    up to 100% put a full score above or below 100 points, so grades and payout factors,
    which are written for a 0-100 scale, no longer mean what they say. A main KPI without
    a weight counts as 0%.

    Bad:

    ```kpi
    import "prelude.kpi"

    role telesales "电话销售" {
      kpi outbound_calls "外呼量" {
        process main
        measure count(calls)
        target >= 200
        weight 30%
      }
      kpi lead_conversion "线索转化率" {
        outcome main
        measure count(leads where status == "converted") / count(leads)
        target >= 15%
        weight 40%
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
        weight 40%
      }
      kpi lead_conversion "线索转化率" {
        outcome main
        measure count(leads where status == "converted") / count(leads)
        target >= 15%
        weight 60%
      }
    }
    ```
    """

    code = "KPI101"
    slug = "weights-sum"
    severity = "error"
    pitfall = "unbalanced weights (权重失衡)"
    help = "change the weights ({weights}) so that they add up to 100%"

    def check_role(self, ctx, role):
        main = role.main_kpis
        if not main:
            return
        total = sum((k.weight or 0 for k in main), 0)
        if total == 1:
            return
        key = [(k.id, k.weight) for k in main]
        if ctx.same_as_parent(role, lambda r: [(k.id, k.weight) for k in r.main_kpis] == key):
            return
        # exact: 99.999% rounded would read "add up to 100%, not 100%"
        weights = ", ".join(f"{k.id} {pct(k.weight, None)}" for k in main)
        yield self.finding(ctx.role_span(role), role=role.id, total=pct(total, None), weights=weights)
