from __future__ import annotations

from kpirules.lint.rule import Rule


class NoPeriod(Rule):
    """The scheme {scheme} declares no assessment period.

    Without a period a goal has no time bound (SMART's T): nobody knows when it is
    judged. Say how often people are assessed and paid: `period month`, `quarter`,
    `half` or `year`; shorter keeps focus.

    Bad:

    ```kpi
    scheme sales_2026 "2026 销售考核方案" {
      review weekly
      currency CNY
    }
    ```

    Good:

    ```kpi
    scheme sales_2026 "2026 销售考核方案" {
      period month
      review weekly
      currency CNY
    }
    ```
    """

    code = "KPI501"
    slug = "no-period"
    severity = "warning"
    pitfall = "no time bound (无时限)"
    help = "add `period month` (or quarter, half, year) to the scheme header"

    def check(self, ctx):
        header = ctx.scheme.header
        if header.span.path in ctx.linted and header.period is None:
            yield self.finding(ctx.scheme_decl().id.span, scheme=header.id)
