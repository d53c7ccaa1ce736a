from __future__ import annotations

from kpirules.lint.rule import Rule

LONG = ("half", "year")


class LongPeriodNoReview(Rule):
    """The {kind} {name} is assessed per {period}, longer than a quarter, with no interim review.

    Over a half or a whole year, goals lose focus unless progress is reviewed along the
    way. Declare a review cadence in the scheme header (`review monthly`, or weekly), or
    assess over a shorter period.

    Bad:

    ```kpi
    scheme sales_2026 "2026 销售考核方案" {
      period year
      currency CNY
    }
    ```

    Good:

    ```kpi
    scheme sales_2026 "2026 销售考核方案" {
      period year
      review monthly
      currency CNY
    }
    ```
    """

    code = "KPI502"
    slug = "long-period-no-review"
    severity = "warning"
    pitfall = "period too long (周期过长)"
    help = "add `review monthly` (or weekly) to the scheme header, or assess over a quarter or less"

    def check(self, ctx):
        header = ctx.scheme.header
        if header.review is not None:
            return
        if header.period in LONG and header.span.path in ctx.linted:
            setting = ctx.header_setting("period")
            yield self.finding(setting.span if setting else ctx.scheme_decl().id.span,
                               kind="scheme", name=header.id, period=header.period)
        for role in ctx.roles():
            for kpi in role.kpis:
                if kpi.period in LONG and ctx.owns(role, kpi):
                    stmt = ctx.kpi_statement(role, kpi, "setting", "period")
                    if stmt is not None and stmt.role == role.id:
                        yield self.finding(stmt.stmt.span, kind="KPI", name=kpi.id, period=kpi.period)
