from __future__ import annotations

from kpirules.lint.rule import Rule


class KpiServesNothing(Rule):
    """KPI {kpi} serves none of the scheme's objectives.

    When a scheme declares its objectives, each KPI should say which one it pursues
    (`serves`), so a reviewer can see that the KPIs add up to the strategy. A KPI that
    serves nothing may be a habit nobody questioned. Schemes without objectives are left
    alone.

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
        weight 100%
        serves revenue
      }
    }
    ```
    """

    code = "KPI402"
    slug = "kpi-serves-nothing"
    severity = "info"
    pitfall = "disconnected from strategy (指标与战略脱节)"
    help = "add `serves <objective>` naming one of: {objectives}"

    def check_role(self, ctx, role):
        objectives = [o.id for o in ctx.scheme.header.objectives]
        if not objectives:
            return
        for kpi in role.kpis:
            if kpi.serves:
                continue
            if ctx.kpi_decls(role, kpi.id)[-1][1] != role.id:
                continue  # inherited: reported where it is declared
            yield self.finding(ctx.kpi_span(role, kpi), kpi=kpi.id, objectives=", ".join(objectives))
