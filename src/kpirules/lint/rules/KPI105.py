from __future__ import annotations

from kpirules import i18n
from kpirules.lint.rule import Rule


class MainKpiCount(Rule):
    """Role {role} has {kpis}; {low} to {high} keep people focused.

    Too many main KPIs and focus is lost; too few and incentives are one-sided. The range
    is the option `main-kpis` (default [3, 5]). Indicators worth watching but not worth
    weighting belong in auxiliary KPIs.

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
        weight 30%
      }
      kpi lead_conversion "线索转化率" {
        outcome main
        measure count(leads where status == "converted") / count(leads)
        target >= 15%
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

    code = "KPI105"
    slug = "main-kpi-count"
    severity = "warning"
    pitfall = "too many / too few KPIs (指标过多/过少)"
    help = "keep {low} to {high} main KPIs: add main KPIs, or make some auxiliary (reported, not weighted)"
    options = ("main-kpis",)

    def check_role(self, ctx, role):
        low, high = self.settings["main-kpis"]
        count = len(role.main_kpis)
        if low <= count <= high:
            return
        if ctx.same_as_parent(role, lambda p: len(p.main_kpis) == count):
            return
        yield self.finding(ctx.role_span(role), role=role.id, kpis=i18n.count(count, "main KPI"), count=count,
                           low=low, high=high)
