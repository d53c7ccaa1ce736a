from __future__ import annotations

from kpirules.lint.helpers import pct
from kpirules.lint.rule import Rule


class EqualWeights(Rule):
    """All {count} main KPIs of role {role} weigh the same ({weight}).

    Weights should follow business priority (for example new customers 40%, collection
    30%, satisfaction 30%). Equal weights across four or more KPIs usually mean nobody
    decided what matters most. The rule applies from the option `equal-weights-from`
    main KPIs on (default 4).

    Bad:

    ```kpi
    import "prelude.kpi"

    role field_sales "外勤销售" {
      kpi visits "客户拜访" {
        process main
        measure count(visits)
        target >= 40
        weight 25%
      }
      kpi calls "外呼量" {
        process main
        measure count(calls)
        target >= 100
        weight 25%
      }
      kpi contract_amount "合同金额" {
        outcome main
        measure sum(contracts.amount)
        target >= 50万 CNY
        weight 25%
      }
      kpi satisfaction "客户满意度" {
        outcome main
        measure count(surveys where score >= 4) / count(surveys)
        target >= 90%
        weight 25%
      }
    }
    ```

    Good:

    ```kpi
    import "prelude.kpi"

    role field_sales "外勤销售" {
      kpi visits "客户拜访" {
        process main
        measure count(visits)
        target >= 40
        weight 20%
      }
      kpi calls "外呼量" {
        process main
        measure count(calls)
        target >= 100
        weight 10%
      }
      kpi contract_amount "合同金额" {
        outcome main
        measure sum(contracts.amount)
        target >= 50万 CNY
        weight 40%
      }
      kpi satisfaction "客户满意度" {
        outcome main
        measure count(surveys where score >= 4) / count(surveys)
        target >= 90%
        weight 30%
      }
    }
    ```
    """

    code = "KPI103"
    slug = "equal-weights"
    severity = "warning"
    pitfall = "unbalanced weights (权重失衡)"
    help = "weigh the KPIs by business priority: give the one that matters most more weight"
    options = ("equal-weights-from",)

    def check_role(self, ctx, role):
        main = role.main_kpis
        if len(main) < self.settings["equal-weights-from"]:
            return
        weights = {k.weight for k in main}
        if len(weights) != 1 or None in weights:
            return
        if ctx.same_as_parent(role, lambda p: [(k.id, k.weight) for k in p.main_kpis] == [(k.id, k.weight) for k in main]):
            return
        yield self.finding(ctx.role_span(role), count=len(main), role=role.id, weight=pct(main[0].weight))
