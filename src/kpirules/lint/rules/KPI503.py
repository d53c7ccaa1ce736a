from __future__ import annotations

from kpirules.lint.rule import Rule


class NoReview(Rule):
    """The scheme {scheme} declares no review cadence, so people get no feedback during the period.

    Regular feedback (weekly or monthly) lets people see their progress and adjust before
    the period closes. Declare it in the scheme header; `kpirules run` can then be run at
    that cadence to show progress to date. A scheme assessed per half or year without a
    review is reported by KPI502 (long period, no interim review) instead, not twice.

    Bad:

    ```kpi
    scheme sales_2026 "2026 销售考核方案" {
      period month
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

    code = "KPI503"
    slug = "no-review"
    severity = "warning"
    pitfall = "no feedback (无反馈)"
    help = "add `review weekly` (or monthly, biweekly) to the scheme header"

    def check(self, ctx):
        header = ctx.scheme.header
        if header.span.path not in ctx.linted or header.review is not None:
            return
        if header.period in ("half", "year"):
            return  # KPI502 reports the long period without review
        yield self.finding(ctx.scheme_decl().id.span, scheme=header.id)
