from __future__ import annotations

from kpirules.lint.rule import Rule


class MissingDescription(Rule):
    """Main KPI {kpi} has no description saying what it counts.

    A label names a KPI; a description says exactly what is counted, over which window
    and why, so a salesperson can check their own number (公开透明). Main KPIs decide
    pay, so each deserves one sentence.

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
      kpi lead_conversion "线索转化率" {
        description "Leads converted in the month over leads created in the month."
        outcome main
        measure count(leads where status == "converted") / count(leads)
        target >= 15%
        weight 100%
      }
    }
    ```
    """

    code = "KPI702"
    slug = "missing-description"
    severity = "info"
    pitfall = "opaque (不透明)"
    help = "add `description \"...\"` to {kpi}: what is counted, over which window"

    def check_role(self, ctx, role):
        for kpi in role.main_kpis:
            decls = ctx.kpi_decls(role, kpi.id)
            if (kpi.description or "").strip() or not decls or decls[-1][1] != role.id:
                continue
            yield self.finding(ctx.kpi_span(role, kpi), kpi=kpi.id)
