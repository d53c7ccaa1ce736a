from __future__ import annotations

from kpirules.lint.helpers import constant_value, shape
from kpirules.lint.rule import Rule


def target_value(expr):
    """A target by what it is worth: a constant as its number (`15%` and `0.15` are one
    target), anything else as its expression."""
    value = constant_value(expr)
    return shape(expr) if value is None else value


def signature(role) -> tuple:
    """What makes a role's assessment: each KPI's measure, direction, targets and weight,
    numbers compared by value, not by how they are written, whatever the KPIs are named. A
    per-person target (agreed with each person) is the role's own: two roles reading one
    targets column are not one size."""
    # sorted by their text: the parts may be None beside values (no `when`, no weight), which
    # do not order against each other
    return tuple(sorted((
        (k.rank, shape(k.measure), k.direction, k.weight,
         tuple((target_value(t.value), shape(t.when), (t.per_person, role.id) if t.per_person else None)
               for t in k.targets))
        for k in role.kpis
    ), key=repr))


class IdenticalRoles(Rule):
    """Role {role} has the same KPIs, targets and weights as role {other}.

    Different jobs need different KPIs (岗位定制化, 不能一刀切): telesales care about calls
    and conversion, key-account managers about contract amount and project progress.
    Two roles assessed identically are either one role, or one of them is assessed on the
    wrong things; KPIs that differ only in their names (`outbound_calls` and `calls`, both
    `count(calls)` with one target and weight) are the same KPIs. A role that `extends` another and changes a target is not identical, and
    neither are two roles whose targets are per-person (read from a targets dataset: agreed
    with each person). Linting some files, the pair is reported in whichever of them is
    linted (a pre-commit hook lints the files changed).
    Weights and targets are compared by value: `15%` and `15.0%`, `50万 CNY` and
    `500000 CNY`, `100%` and `100.0%` are the same number. Two roles with the same KPIs and
    targets but other weights are not reported: weighing them differently is tailoring the
    assessment to the role. Of a role and one that `extends` it and changes nothing, the
    one that extends is reported (merge it into the role it extends); of two others, the
    later in file and line order (files by path), whatever order the files are named in.

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

    role field_sales "外勤销售" {
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
    }

    role field_sales "外勤销售" {
      kpi visits "客户拜访" {
        process main
        measure count(visits)
        target >= 40
        weight 100%
      }
    }
    ```
    """

    code = "KPI303"
    slug = "identical-roles"
    severity = "warning"
    pitfall = "one size fits all (一刀切)"
    help = "tailor the KPIs or targets of {role} to what the role does, or merge it into {other} (layer differences with `target ... when`)"

    def check(self, ctx):
        # roles are grouped by a cheap key first; expressions are compared only within a group
        groups: dict[tuple, list] = {}
        for role in ctx.scheme.roles.values():
            if role.kpis:
                cheap = tuple(sorted(((k.rank, k.direction, k.weight, len(k.targets)) for k in role.kpis), key=repr))
                groups.setdefault(cheap, []).append(role)
        for roles in groups.values():
            first: dict[tuple, object] = {}
            # in file and line order, whatever order the files were named in: "later" is the same
            # role in every run
            ordered = sorted(roles, key=lambda r: (r.span.path, r.span.line, r.span.column)) if len(roles) > 1 else ()
            for role in ordered:
                key = signature(role)
                if key not in first:
                    first[key] = role
                    continue
                # the later of the two is reported, or the one that extends the other: its help
                # says to merge it into the role it extends, not the other way round
                later, earlier = role, first[key]
                if earlier.extends == later.id:
                    later, earlier = earlier, later
                if later.span.path in ctx.linted:
                    yield self.finding(ctx.role_span(later), role=later.id, other=earlier.id)
                elif earlier.span.path in ctx.linted:
                    # the file linted holds the other of the two (a pre-commit hook lints the files
                    # changed): reported there
                    yield self.finding(ctx.role_span(earlier), role=earlier.id, other=later.id)
