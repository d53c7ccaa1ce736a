from __future__ import annotations

from kpirules.lint.helpers import constant_value, number
from kpirules.lint.payouts import curve, highest_total
from kpirules.lint.rule import Rule
from kpirules.model.types import refs_in


def score_gated(payout) -> bool:
    """Whether a gate reads more than person attributes: a KPI result or the total score."""
    return any(ref.parts[0].name != "person" for gate in payout.gates for ref in refs_in(gate.condition))


class NoPayout(Rule):
    """The scores of role {role} {effect}.

    Results that change nobody's pay motivate nobody, and pay decided outside the scheme
    invites disputes (考核结果直挂激励). Give the role a `payout` block with a target
    incentive (scaled by a factor of the total score) or commissions on an amount KPI.

    A payout whose amount cannot change with the score is reported too, at its target
    incentive or its factor table: a target incentive of 0 without commissions ("cannot
    change its pay: its target incentive is 0 and it has no commissions"), or the same
    factor (after `cap factor`) at every total score the role can reach, from 0 up to its
    highest total (KPI603 says how that is bounded), without commissions and without a gate
    that reads a KPI result or the total score ("cannot change its pay: the payout factor
    is 1 at every total score it can reach, 0 to 100, and it has no commissions"). A
    payout without a factor table pays total / 100, which changes with the score.

    Bad:

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
      payout {
        target_incentive 3000 CNY
        factor by total_score {
          [0, 60): 0
          [60, 100): linear 0.6 to 1.0
          [100, ∞): 1.0
        }
      }
    }
    ```
    """

    code = "KPI601"
    slug = "no-payout"
    severity = "warning"
    pitfall = "not linked to incentives (激励机制脱节)"
    help = "add a `payout` block with a `target_incentive` above 0 and a `factor by total_score` table that rises with the total score, or commissions"

    def check_role(self, ctx, role):
        payout = role.payout
        decl, owner = ctx.payout_decl(role)
        if decl is not None and owner != role.id:
            return  # the role it extends wrote the payout: reported there
        if payout is not None and payout.commissions:
            return
        if payout is not None and payout.target_incentive is not None:
            yield from self._fixed_pay(ctx, role, payout)
            return
        if decl is None and ctx.same_as_parent(role, lambda p: p.payout is None):
            return
        yield self.finding(decl.span if decl is not None else ctx.role_span(role), role=role.id,
                           effect="are linked to no payout rule")

    def _fixed_pay(self, ctx, role, payout):
        """A payout with a target incentive and no commissions whose amount the score cannot change."""
        if constant_value(payout.target_incentive) == 0:
            yield self.finding(payout.target_incentive.span, role=role.id,
                               effect="cannot change its pay: its target incentive is 0 and it has no commissions")
            return
        if not payout.factor_tiers or score_gated(payout):
            return  # without a table the factor is total / 100
        highest = highest_total(role, ctx.scheme.header.period)
        if highest is not None and highest <= 0:
            return  # no main KPI with weight: KPI101 and KPI105 say so
        factors = {f if payout.cap_factor is None else min(f, payout.cap_factor) for _, f in curve(payout, highest)}
        if len(factors) == 1:
            reach = f", 0 to {number(highest)}" if highest is not None else ""
            yield self.finding(payout.factor_span, role=role.id, effect=(
                f"cannot change its pay: the payout factor is {number(factors.pop())} at every total score "
                f"it can reach{reach}, and it has no commissions"))
