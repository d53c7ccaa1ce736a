from __future__ import annotations

from decimal import Decimal

from kpirules.lint.helpers import pct
from kpirules.lint.rule import Rule


class TinyWeight(Rule):
    """KPI {kpi} weighs {weight}, below {limit}: too little to change anyone's behaviour.

    A main KPI with a token weight adds a number to watch without moving the score. Make
    it auxiliary (reported for capability assessment, not weighted), or weigh it enough
    to matter. The limit is the option `min-weight` (default 0.05).

    Bad:

    ```kpi
    import "prelude.kpi"

    role telesales "电话销售" {
      kpi outbound_calls "外呼量" {
        process main
        measure count(calls)
        target >= 200
        weight 97%
      }
      kpi satisfaction "客户满意度" {
        outcome main
        measure count(surveys where score >= 4) / count(surveys)
        target >= 90%
        weight 3%
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
      kpi satisfaction "客户满意度" {
        outcome auxiliary
        measure count(surveys where score >= 4) / count(surveys)
        target >= 90%
      }
    }
    ```
    """

    code = "KPI104"
    slug = "tiny-weight"
    severity = "warning"
    pitfall = "unbalanced weights (权重失衡)"
    help = "make {kpi} auxiliary (`outcome auxiliary` or `process auxiliary`, no weight), or give it at least {limit}"
    options = ("min-weight",)

    def check_role(self, ctx, role):
        limit = Decimal(str(self.settings["min-weight"]))
        for kpi in role.main_kpis:
            if kpi.weight is not None and kpi.weight >= limit:
                continue
            stmt = ctx.kpi_statement(role, kpi, "setting", "weight")
            if kpi.weight is None:  # a main KPI without a weight counts as 0%: point at the KPI
                if ctx.owns(role, kpi):
                    yield self.finding(ctx.kpi_span(role, kpi), kpi=kpi.id, weight=pct(Decimal(0)), limit=pct(limit))
                continue
            if stmt is None or stmt.role != role.id:
                continue
            yield self.finding(stmt.stmt.span, kpi=kpi.id, weight=pct(kpi.weight), limit=pct(limit))
