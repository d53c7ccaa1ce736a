from __future__ import annotations

from kpirules.lint.history import quantile
from kpirules.lint.rule import Rule
from kpirules.lint.rules.KPI801 import past_values, plain_target, shown


class NoStretchTarget(Rule):
    """The target of KPI {kpi} ({target}) is easier than what half of role {role} already reached in the last {periods} periods (median {median}).

    A target that half the people or more already beat asks nothing of them: there is no
    stretch, and the incentive pays for business as usual. The target is compared with the
    median: a target just below it is reported too. Needs `kpirules lint --history` (see KPI801
    for which results are compared, how the quantile is taken and the 5 values it needs;
    the median is its quantile 0.5: the middle value, or halfway between the two middle ones).

    Bad:

    ```kpi
    import "prelude.kpi"

    role telesales "电话销售" {
      kpi outbound_calls "外呼量" {
        process main
        measure count(calls)
        target >= 120
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
        target >= 170
        weight 100%
      }
    }
    ```
    """

    code = "KPI802"
    slug = "no-stretch-target"
    severity = "warning"
    pitfall = "unrealistic targets (目标脱离实际)"
    help = ("make the target at least as hard as the median (`target {direction} {median}`, or beyond it) so that "
            "it asks for more than business as usual")
    needs_history = True

    def check_role(self, ctx, role):
        for kpi in role.main_kpis:
            values = past_values(ctx, role, kpi)
            target, rule = plain_target(kpi)
            if values is None or target is None:
                continue
            median = quantile(values, 0.5)
            if (kpi.direction == ">=" and target < median) or (kpi.direction == "<=" and target > median):
                yield self.finding(rule.span, kpi=kpi.id, target=shown(target, rule), role=role.id,
                                   periods=len(ctx.history.periods), median=shown(median, rule), direction=kpi.direction)
