from __future__ import annotations

from kpirules.lang.render import expression
from kpirules.lint.helpers import constant_value
from kpirules.lint.rule import Rule


class TargetAlwaysMet(Rule):
    """The target of KPI {kpi} (>= {written}) is met by everyone: higher is better, and no value is below it.

    With `>=`, a target of 0 or below gives an attainment of 100% to every value at or above
    it (docs/semantics.md §4): a count, a sum of sales or a rate is never below 0, so the
    KPI scores the same for everyone, whatever they did, and its weight pays for nothing.
    Only a target without `when` is reported: a `when` line of 0 (no target in the first
    month) is a deliberate exception for some people.

    Bad:

    ```kpi
    import "prelude.kpi"

    role telesales "电话销售" {
      kpi outbound_calls "外呼量" {
        process main
        measure count(calls)
        target >= 0
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

    code = "KPI607"
    slug = "target-always-met"
    severity = "warning"
    pitfall = "unrealistic targets (目标脱离实际)"
    help = "set the target to what a good month takes, or score the value itself (`score tiers by value`)"

    def check_role(self, ctx, role):
        for kpi in role.kpis:
            for decl, owner in ctx.kpi_decls(role, kpi.id):
                if owner != role.id:
                    continue
                for stmt in decl.body:
                    if stmt.node != "target" or stmt.op != ">=" or stmt.when is not None:
                        continue
                    value = constant_value(stmt.value)  # `0`, `0%`, `0 CNY`, `-5`, `(0)`
                    if value is not None and value <= 0:
                        yield self.finding(stmt.value.span, kpi=kpi.id, written=expression(stmt.value))
