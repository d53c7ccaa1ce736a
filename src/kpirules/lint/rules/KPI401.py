from __future__ import annotations

from kpirules.lint.rule import Rule


class ObjectiveUnserved(Rule):
    """Objective {objective} is served by no KPI of any role.

    A scheme states what the company pursues this period (战略目标); an objective that
    no KPI serves is pursued by nobody, and effort goes elsewhere. The rule looks at
    every role of the scheme, including those in files not being linted: `kpirules lint`
    reads the .kpi files beside the ones it lints (without linting them), so linting
    `common.kpi` alone still sees the roles of the files that import it. While a .kpi file
    read has errors, the rule says nothing: the KPIs serving an objective may be in it; nor
    when the files read hold no role (`common.kpi` linted alone, the roles in a folder below
    it): lint the folder, or the role files with it.

    Bad:

    ```kpi
    scheme sales_2026 "2026 销售考核方案" {
      period month
      review weekly
      currency CNY
      objective revenue "销售额增长"
      objective new_customers "新客户拓展"
    }

    roster people { id person_id  role role  column person_id string  column role string }
    dataset contracts {
      person owner_id
      date signed_on
      column owner_id string
      column signed_on date
      column amount money
    }

    role sales "销售" {
      kpi contract_amount "合同金额" {
        outcome main
        measure sum(contracts.amount)
        target >= 50万 CNY
        weight 100%
        serves revenue
      }
    }
    ```

    Good:

    ```kpi
    scheme sales_2026 "2026 销售考核方案" {
      period month
      review weekly
      currency CNY
      objective revenue "销售额增长"
      objective new_customers "新客户拓展"
    }

    roster people { id person_id  role role  column person_id string  column role string }
    dataset contracts {
      person owner_id
      date signed_on
      column owner_id string
      column signed_on date
      column customer_id string
      column amount money
    }

    role sales "销售" {
      kpi contract_amount "合同金额" {
        outcome main
        measure sum(contracts.amount)
        target >= 50万 CNY
        weight 60%
        serves revenue
      }
      kpi new_customers "新客户数" {
        outcome main
        measure count_distinct(contracts.customer_id where first_time(customer_id))
        target >= 2
        weight 40%
        serves new_customers
      }
    }
    ```
    """

    code = "KPI401"
    slug = "objective-unserved"
    severity = "warning"
    pitfall = "disconnected from strategy (指标与战略脱节)"
    help = "add `serves {objective}` to the KPIs that pursue it, or remove the objective if it is no longer pursued"

    def check(self, ctx):
        header = ctx.scheme.header
        if header.span.path not in ctx.linted or not ctx.complete or not ctx.scheme.roles:
            # a file in error may hold the KPIs that serve the objectives; and with no role in the
            # files read (the roles kept in a folder of their own), no KPI is seen to serve any
            return
        served = {name for role in ctx.scheme.roles.values() for kpi in role.kpis for name in kpi.serves}
        for objective in header.objectives:
            if objective.id not in served:
                yield self.finding(objective.span, objective=objective.id)
