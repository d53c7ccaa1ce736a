from __future__ import annotations

from kpirules.lint.rule import Rule


class ManualData(Rule):
    """KPI {kpi} reads {dataset}, which people fill in by hand (origin manual).

    Hand-entered data is slow, error-prone and invites fraud; it is the spreadsheet the
    scheme was meant to replace. Read the KPI from the system of record (CRM, telephony,
    billing) instead. Manual adjustments to a payout are a different thing: they live in
    an `adjustments` dataset and need a reason each.

    Bad:

    ```kpi
    import "prelude.kpi"

    role field_sales "外勤销售" {
      kpi visits "客户拜访" {
        process main
        measure count(self_reports)
        target >= 40
        weight 100%
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
        weight 100%
      }
    }
    ```
    """

    code = "KPI202"
    slug = "manual-data"
    severity = "warning"
    pitfall = "manual data collection (人工填报)"
    help = "read {kpi} from a dataset a system fills (CRM, telephony, billing), not one typed in by hand"

    def check_role(self, ctx, role):
        for kpi in role.kpis:
            manual = [d for d in kpi.datasets if ctx.scheme.datasets[d].origin == "manual"]
            if not manual or not ctx.owns(role, kpi):
                continue
            stmt = ctx.kpi_statement(role, kpi, "setting", "measure")
            span = stmt.stmt.span if stmt is not None else ctx.kpi_span(role, kpi)
            for dataset in manual:
                yield self.finding(span, kpi=kpi.id, dataset=dataset)
