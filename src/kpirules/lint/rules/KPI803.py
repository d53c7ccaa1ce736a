from __future__ import annotations

from decimal import Decimal

from kpirules.lint.helpers import pct
from kpirules.lint.rule import Rule


class SparseData(Rule):
    """KPI {kpi} reads {dataset}, which had no rows for {share} of the people in role {role} over the last {periods} periods.

    When a KPI's dataset is empty for most people, the KPI is decided by missing data
    (scored `no_data`, or 0) rather than by what they did: the data is not being
    recorded, or the KPI does not fit the role. Needs `kpirules lint --history`. The
    share is the option `sparse-share` (default 0.5); only main KPIs are looked at
    (an auxiliary KPI decides no pay), and team-scoped KPIs are left out. The periods
    counted are those of the history that end after the dataset's own first dated row:
    a source recorded from February says nothing about January, though another (contracts
    kept for years) reaches further back.

    Bad:

    ```kpi
    import "prelude.kpi"

    role telesales "电话销售" {
      kpi visit_count "客户拜访" {
        process main
        measure count(visits)
        target >= 10
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

    code = "KPI803"
    slug = "sparse-data"
    severity = "warning"
    pitfall = "manual data collection (人工填报)"
    help = "check that {dataset} is recorded for everyone in {role}, or assess {role} on a KPI its people produce data for"
    options = ("sparse-share",)
    needs_history = True

    def check_role(self, ctx, role):
        past = ctx.history
        if past is None:
            return
        limit = Decimal(str(self.settings["sparse-share"]))
        people = past.role_people(role.id)
        if not people:
            return
        periods = {p.label: p for p in past.periods}
        for kpi in role.main_kpis:
            if kpi.scope != "self" or not ctx.owns(role, kpi):
                continue
            for dataset in kpi.datasets:
                if ctx.scheme.datasets[dataset].kind != "dataset":
                    continue
                # the periods since the dataset's own first row: before it, nobody has any
                first = past.first_day(dataset)  # None: no dated row at all, so none for anyone
                counted = [p for p in people if first is None or periods[p.period].end > first]
                if not counted:
                    continue
                empty = 0
                for person in counted:
                    covered = past.people_with_rows(dataset, periods[person.period])
                    if covered is None:
                        break
                    empty += person.person_id not in covered
                else:
                    share = Decimal(empty) / len(counted)
                    if share > limit:
                        stmt = ctx.kpi_statement(role, kpi, "setting", "measure")
                        span = stmt.stmt.span if stmt else ctx.kpi_span(role, kpi)
                        yield self.finding(span, kpi=kpi.id, dataset=dataset, share=pct(share), role=role.id,
                                           periods=len({p.period for p in counted}))
