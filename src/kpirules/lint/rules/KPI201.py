from __future__ import annotations

from kpirules.lint.rule import Rule


class NotComputed(Rule):
    """KPI {kpi} has no measure computed from a dataset, so nobody can track it.

    "Work hard" or "communicate more" cannot be measured: the score ends up typed in by
    hand and disputed. Every KPI needs a `measure` that aggregates a dataset (count, sum,
    avg, ...); a constant is not a measure.

    Bad:

    ```kpi
    import "prelude.kpi"

    role telesales "电话销售" {
      kpi attitude "工作态度" {
        process main
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
      }
    }
    ```
    """

    code = "KPI201"
    slug = "not-computed"
    severity = "error"
    pitfall = "not quantifiable (指标无法量化)"
    help = "write a `measure` that aggregates a dataset, e.g. measure count(calls) or measure sum(payments.amount) / sum(invoices.amount)"

    def check_role(self, ctx, role):
        for kpi in role.kpis:
            if kpi.measure is not None and kpi.datasets:
                continue
            if not ctx.owns(role, kpi):
                continue
            stmt = ctx.kpi_statement(role, kpi, "setting", "measure")
            span = stmt.stmt.span if stmt is not None else ctx.kpi_span(role, kpi)
            yield self.finding(span, kpi=kpi.id)
