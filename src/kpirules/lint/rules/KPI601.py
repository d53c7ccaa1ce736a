from __future__ import annotations

from kpirules.lint.rule import Rule


class NoPayout(Rule):
    """The scores of role {role} are linked to no payout rule.

    Results that change nobody's pay motivate nobody, and pay decided outside the scheme
    invites disputes (考核结果直挂激励). Give the role a `payout` block with a target
    incentive (scaled by a factor of the total score) or commissions on an amount KPI.

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
    help = "add a `payout` block with `target_incentive` and a `factor by total_score` table, or commissions"

    def check_role(self, ctx, role):
        payout = role.payout
        if payout is not None and (payout.target_incentive is not None or payout.commissions):
            return
        decl, owner = ctx.payout_decl(role)
        if decl is not None and owner != role.id:
            return  # the role it extends wrote the payout: reported there
        if decl is None and ctx.same_as_parent(role, lambda p: p.payout is None):
            return
        yield self.finding(decl.span if decl is not None else ctx.role_span(role), role=role.id)
