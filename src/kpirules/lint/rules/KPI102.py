from __future__ import annotations

from decimal import Decimal

from kpirules.lint.helpers import pct
from kpirules.lint.rule import Rule


class DominantWeight(Rule):
    """KPI {kpi} carries {weight} of the total score of role {role}, more than {limit}.

    When one KPI decides most of the score, people chase that one number and neglect the
    rest of the job. The limit is the option `max-weight-share` (default 0.5).

    Bad:

    ```kpi
    import "prelude.kpi"

    role telesales "电话销售" {
      kpi outbound_calls "外呼量" {
        process main
        measure count(calls)
        target >= 200
        weight 70%
      }
      kpi lead_conversion "线索转化率" {
        outcome main
        measure count(leads where status == "converted") / count(leads)
        target >= 15%
        weight 30%
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
        weight 50%
      }
      kpi lead_conversion "线索转化率" {
        outcome main
        measure count(leads where status == "converted") / count(leads)
        target >= 15%
        weight 50%
      }
    }
    ```
    """

    code = "KPI102"
    slug = "dominant-weight"
    severity = "warning"
    pitfall = "unbalanced weights (权重失衡)"
    help = "spread the weight over the other main KPIs (at most {limit} each), or raise max-weight-share in [lint] if this is deliberate"
    options = ("max-weight-share",)

    def check_role(self, ctx, role):
        limit = Decimal(str(self.settings["max-weight-share"]))
        for kpi in role.main_kpis:
            if kpi.weight is None or kpi.weight <= limit:
                continue
            stmt = ctx.kpi_statement(role, kpi, "setting", "weight")
            if stmt is None or stmt.role != role.id:
                continue
            yield self.finding(stmt.stmt.span, kpi=kpi.id, weight=pct(kpi.weight), role=role.id, limit=pct(limit))
