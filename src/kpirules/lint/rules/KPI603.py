from __future__ import annotations

from decimal import Decimal

from kpirules.lint.helpers import number
from kpirules.lint.payouts import HUNDRED, curve, factor, highest_total
from kpirules.lint.rule import Rule


class UncappedAccelerator(Rule):
    """The payout factor of role {role} goes above 1 ({factor} at total score {score}) and the payout has no `cap factor` or `cap`.

    An accelerator (a factor above 1, or rising faster than 1 per 100 points beyond a
    total score of 100) rewards over-achievement; without a `cap factor` or an overall
    `cap` amount, only the KPIs' score caps limit what it pays, so one data error, one
    outlier deal or a later change to a score cap pays far more than planned.

    A payout without a factor table pays the factor total / 100 (docs/semantics.md §7), the
    same as `[0, ∞): total_score / 100`, and is read the same way: a factor of total / 100
    above 1 counts as an accelerator, since it pays more than the target incentive for a
    total above 100. Only totals the role can reach are probed: up to the sum over its main
    KPIs of weight × the curve's highest score (`linear` stops at its `cap`, 100% when none is
    written; `tiers` and `lookup` at their highest score; a KPI's `no_data` score counts too).
    When the main KPIs have different periods, a run in which only some close scales their
    contributions up to the whole weight, so the bound is then the sum of the weights × the
    highest single score. A role that cannot go beyond a total of 100 is not reported. The
    message gives the factor at total score 200, or at the highest reachable total when that
    is lower.

    Bad:

    ```kpi
    import "prelude.kpi"

    role telesales "电话销售" {
      kpi outbound_calls "外呼量" {
        process main
        measure count(calls)
        target >= 200
        weight 100%
        score linear cap 150%
      }
      payout {
        target_incentive 3000 CNY
        factor by total_score {
          [0, 100): linear 0 to 1.0
          [100, ∞): 1.0 + 2 * (total_score - 100) / 100
        }
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
        score linear cap 150%
      }
      payout {
        target_incentive 3000 CNY
        factor by total_score {
          [0, 100): linear 0 to 1.0
          [100, ∞): 1.0 + 2 * (total_score - 100) / 100
        }
        cap factor 2.0
      }
    }
    ```
    """

    code = "KPI603"
    slug = "uncapped-accelerator"
    severity = "warning"
    pitfall = "not linked to incentives (激励机制脱节)"
    help = "add `cap factor 2.0` (or an overall `cap` amount) to the payout"

    def check_role(self, ctx, role):
        payout = role.payout
        decl, owner = ctx.payout_decl(role)
        if payout is None or owner != role.id or payout.target_incentive is None:
            return
        if payout.cap_factor is not None or payout.cap is not None:
            return
        highest = highest_total(role, ctx.scheme.header.period)
        if highest is not None and highest <= HUNDRED:
            return  # no reachable total beyond the target
        points = curve(payout, highest)
        beyond = [(x, f) for x, f in points if x >= HUNDRED]
        top = min(Decimal(200), highest) if highest is not None else Decimal(200)
        slope = (factor(payout, top) - factor(payout, HUNDRED)) / (top - HUNDRED)
        above = [(x, f) for x, f in beyond if f > 1]
        if not above and slope <= Decimal("0.01"):
            return
        shown = [(x, f) for x, f in above if x == top] or above or beyond
        x, f = max(shown, key=lambda p: (p[1], -p[0]))
        yield self.finding(payout.factor_span or decl.span, role=role.id, factor=number(f), score=number(x))
