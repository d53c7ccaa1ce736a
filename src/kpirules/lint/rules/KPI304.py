from __future__ import annotations

from kpirules.lang.render import expression
from kpirules.lint.context import refs
from kpirules.lint.rule import Rule


class NoNewHireLayer(Rule):
    """No target of role {role} is layered for new hires, although the roster knows hire dates.

    Someone in their first month cannot reach a seasoned colleague's target; the same
    target for both demotivates the newcomer (新人与老销售分层). The roster binds
    `hire_date`, so `person.tenure_months` is there to use. Per-person targets (agreed
    with each person) count as layered; team-scoped KPIs (`scope team` and `scope
    team_and_self`) are left out, since a manager's tenure does not change what the team
    can reach.

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
        target >= 150 when person.tenure_months < 3
        weight 100%
      }
    }
    ```
    """

    code = "KPI304"
    slug = "no-new-hire-layer"
    severity = "info"
    pitfall = "one size fits all (一刀切)"
    help = ("add a lower target for people in their first months, e.g. in KPI {kpi}, above `{target}`: "
            "`{direction} ... when person.tenure_months < 3`")

    def check_role(self, ctx, role):
        roster = ctx.scheme.roster
        if roster is None or "hire_date" not in roster.bindings:
            return
        own = [k for k in role.kpis if k.scope == "self" and k.targets]
        if not own:
            return
        names = {"person.tenure_months", "person.tenure_days", f"person.{roster.bindings['hire_date']}"}
        for kpi in own:
            for target in kpi.targets:
                # layered by a `when` line, or inside the target (`if person.tenure_months < 3 then ...`)
                read = set(refs(target.when)) if target.when is not None else set()
                read |= set(refs(target.value))
                if target.per_person or names & read:
                    return
        # the example is written on one of the role's own KPIs and targets
        kpi = own[0]
        written = next((t for t in kpi.targets if t.when is None), kpi.targets[0])
        target = f"target {kpi.direction} {expression(written.value)}"
        yield self.finding(ctx.role_span(role), role=role.id, kpi=kpi.id, target=target,
                           direction=f"target {kpi.direction}")
