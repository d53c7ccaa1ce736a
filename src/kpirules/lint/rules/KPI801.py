from __future__ import annotations

from kpirules.lint.helpers import number, pct
from kpirules.lint.history import quantile
from kpirules.lint.rule import Rule

#: fewer past values than this say nothing about what is reachable
MIN_VALUES = 5


def plain_target(kpi):
    """The target without `when` or per-person source, as a number (None when it is not a constant)."""
    from kpirules.model.expressions import constant
    from kpirules.engine.numbers import to_decimal

    rule = next((t for t in kpi.targets if t.when is None and t.per_person is None), None)
    if rule is None:
        return None, None
    try:
        value = to_decimal(constant(rule.value))
    except (TypeError, ValueError, ArithmeticError):
        return None, None
    return value, rule


def shown(value, rule) -> str:
    """A target or a past value the way the target is written: 90% for a percentage target."""
    from decimal import ROUND_HALF_UP, Decimal

    from kpirules.engine.numbers import CONTEXT

    if rule.value.node == "literal" and rule.value.type == "percent":
        return pct(value)
    # to 0.01, half-up: a median of 260.5 shown as 260 would contradict "260 is easier"
    return number(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP, context=CONTEXT))


def past_values(ctx, role, kpi):
    if kpi.rank != "main" or ctx.history is None:
        return None
    values = ctx.history.values(role.id, kpi.id)
    return values if len(values) >= MIN_VALUES else None


class UnreachableTarget(Rule):
    """The target of KPI {kpi} ({target}) is beyond what the best {share} of role {role} reached in the last {periods} periods ({best}).

    A target far above anything people have reached demotivates: they give up on it
    (目标脱离实际). The scheme is evaluated on past periods with the configured data
    (`kpirules lint --history`: the last `history-periods` closed periods, counted back from
    the latest period that ended on or before the latest date in the fact data, as `kpirules
    run` picks its default period, and leaving out any that end before the data's first
    dated row); people active the whole period and on the plain target
    (not a `when` layer or a per-person target) are compared. The share is the option
    `stretch-quantile` (default 0.9: the top tenth). The value the best share reached is
    the quantile q of those people's values, interpolated linearly between the two nearest
    (position q × (n − 1) in the values sorted, counting from 0, as numpy's default does);
    with fewer than 5 values the rule says nothing. Values are shown to 0.01, half-up.

    Bad:

    ```kpi
    import "prelude.kpi"

    role telesales "电话销售" {
      kpi outbound_calls "外呼量" {
        process main
        measure count(calls)
        target >= 250
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

    code = "KPI801"
    slug = "unreachable-target"
    severity = "warning"
    pitfall = "unrealistic targets (目标脱离实际)"
    help = ("set the target within reach of the best performers (at the most demanding `target {direction} {best}`), "
            "or layer it by seniority with `target ... when`")
    options = ("stretch-quantile", "history-periods")
    needs_history = True

    def check_role(self, ctx, role):
        q = self.settings["stretch-quantile"]
        for kpi in role.main_kpis:
            values = past_values(ctx, role, kpi)
            target, rule = plain_target(kpi)
            if values is None or target is None:
                continue
            if kpi.direction == ">=":
                best = quantile(values, q)
                beyond = target > best
            else:
                best = quantile(values, 1 - q)
                beyond = target < best
            if beyond:
                share = f"{round((1 - q) * 100)}%"
                yield self.finding(rule.span, kpi=kpi.id, target=shown(target, rule), share=share, role=role.id,
                                   periods=len(ctx.history.periods), best=shown(best, rule), direction=kpi.direction)
