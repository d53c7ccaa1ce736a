from __future__ import annotations

from kpirules.lint.helpers import pct
from kpirules.lint.rule import Rule


class FloorAboveTarget(Rule):
    """KPI {kpi} scores 0 until attainment reaches {floor}, above its target.

    A floor is the attainment below which the score is 0. Above 100%, someone who reached
    the target still scores nothing: the real target is the floor, and the written one
    misleads.

    Bad:

    ```kpi
    import "prelude.kpi"

    role telesales "电话销售" {
      kpi outbound_calls "外呼量" {
        process main
        measure count(calls)
        target >= 200
        weight 100%
        score linear floor 110% cap 150%
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
        target >= 220
        weight 100%
        score linear floor 60% cap 150%
      }
    }
    ```
    """

    code = "KPI605"
    slug = "floor-above-target"
    severity = "warning"
    pitfall = "unrealistic targets (目标脱离实际)"
    help = "lower the floor below 100% (e.g. floor 60%), or raise the target to where the floor is"

    def check_role(self, ctx, role):
        for kpi in role.kpis:
            curve = kpi.curve
            if curve.kind != "linear" or curve.floor is None or curve.floor <= 1:
                continue
            stmt = ctx.kpi_statement(role, kpi, "score")
            if stmt is None or stmt.role != role.id:
                continue
            yield self.finding(stmt.stmt.span, kpi=kpi.id, floor=pct(curve.floor))
