from __future__ import annotations

from kpirules.lint.rule import Rule
from kpirules.model.vocabulary import PERIOD_MONTHS, REVIEW_MONTHS


class NoReview(Rule):
    """The scheme {scheme} {cadence}, so people get no feedback during the period.

    Regular feedback (weekly or monthly) lets people see their progress and adjust before
    the period closes. Declare it in the scheme header; `kpirules run` can then be run at
    that cadence to show progress to date. A scheme assessed per half or year without a
    review is reported by KPI502 (long period, no interim review) instead, not twice.

    A review counts only when it is more frequent than the assessment period: a review
    once a period, or less often, comes only when the period is over. So `review monthly`
    or `review quarterly` in a scheme assessed per month, and `review quarterly` per
    quarter, are reported too, at the `review` line ("reviews monthly, no more often than it
    is assessed (per month)"). Per month, `daily`, `weekly`, `biweekly` and `semimonthly`
    count; per quarter, `monthly` too; per half or year, every cadence does. A scheme without
    `period` is assessed per month (KPI501 reports that), and its review is judged so.

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
    help = "write `review weekly` in the scheme header (or biweekly; monthly when the period is a quarter or longer)"

    def check(self, ctx):
        header = ctx.scheme.header
        if header.span.path not in ctx.linted:
            return
        if header.review is None:
            if header.period in ("half", "year"):
                return  # KPI502 reports the long period without review
            yield self.finding(ctx.scheme_decl().id.span, scheme=header.id, cadence="declares no review cadence")
        else:
            # a scheme without `period` is assessed per month (KPI501 says to write it)
            period = header.period or "month"
            if REVIEW_MONTHS.get(header.review, 0) >= PERIOD_MONTHS[period]:
                yield self.finding(ctx.header_setting("review").span, scheme=header.id, cadence=(
                    f"reviews {header.review}, no more often than it is assessed (per {period})"))
