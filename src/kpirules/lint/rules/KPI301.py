from __future__ import annotations

from kpirules.lint.rule import Rule


class NoProcessKpi(Rule):
    """Role {role} is assessed on outcomes only: no main KPI tracks the work behind them.

    Results alone are unstable and invite shortcuts; a process KPI (calls, visits,
    follow-ups, milestones on time) beside the outcome KPIs shows people what to do
    each week and rewards the effort that leads to results.

    Bad:

    ```kpi
    import "prelude.kpi"

    role telesales "电话销售" {
      kpi lead_conversion "线索转化率" {
        outcome main
        measure count(leads where status == "converted") / count(leads)
        target >= 15%
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

    code = "KPI301"
    slug = "no-process-kpi"
    severity = "warning"
    pitfall = "results only (只看结果不看过程)"
    help = "add a main process KPI for the activity behind the results, e.g. `process main` with measure count(visits)"

    def check_role(self, ctx, role):
        main = role.main_kpis
        if not any(k.kind == "outcome" for k in main) or any(k.kind == "process" for k in main):
            return
        if ctx.same_as_parent(role, lambda p: [k.kind for k in p.main_kpis] == [k.kind for k in main]):
            return
        yield self.finding(ctx.role_span(role), role=role.id)
