from __future__ import annotations

import re

from kpirules.lint.rule import Rule


def _matcher(keywords: list[str]):
    """Match keywords in ids, labels and descriptions: ASCII words at a word start, others anywhere."""
    parts = []
    for word in keywords:
        word = word.lower()
        parts.append(rf"(?<![a-z0-9]){re.escape(word)}" if word.isascii() else re.escape(word))
    pattern = re.compile("|".join(parts)) if parts else None
    return lambda *texts: pattern is not None and any(t and pattern.search(t.lower()) for t in texts)


class NoCustomerKpi(Rule):
    """Role {role} has no customer-experience KPI (satisfaction, renewal, retention).

    A scheme that pays for revenue alone teaches people to ignore what happens after the
    sale. A KPI counts as customer experience when it serves an objective, reads a
    dataset, or has an id, label or description about satisfaction, renewal, retention,
    repurchase or complaints (option `customer-keywords`, which includes 满意, 续约, 续签, 留存, 客诉,
    复购, 体验, "customer experience" and NPS). Keywords are looked for anywhere in a description,
    so one that names renewals only to leave them out (不含续约) counts as well. An auxiliary KPI
    counts: it keeps the number in view.

    Bad:

    ```kpi
    import "prelude.kpi"

    role telesales "电话销售" {
      kpi outbound_calls "外呼量" {
        process main
        measure count(calls)
        target >= 200
        weight 40%
      }
      kpi contract_amount "合同金额" {
        outcome main
        measure sum(contracts.amount)
        target >= 50万 CNY
        weight 60%
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
        weight 40%
      }
      kpi contract_amount "合同金额" {
        outcome main
        measure sum(contracts.amount)
        target >= 50万 CNY
        weight 60%
      }
      kpi happy_customers "好评率" {
        outcome auxiliary
        measure count(surveys where score >= 4) / count(surveys)
        target >= 90%
      }
    }
    ```
    """

    code = "KPI302"
    slug = "no-customer-kpi"
    severity = "warning"
    pitfall = "revenue only (单一追求收入)"
    help = "add a KPI such as satisfaction or renewal rate (it may be auxiliary) and let it serve a retention objective"
    options = ("customer-keywords",)

    def check_role(self, ctx, role):
        about_customers = _matcher(self.settings["customer-keywords"])
        objectives = {o.id: o for o in ctx.scheme.header.objectives}

        def customer_kpi(kpi) -> bool:
            if about_customers(kpi.id, kpi.label, kpi.description):
                return True
            for name in kpi.serves:
                o = objectives.get(name)
                if o is not None and about_customers(o.id, o.label):
                    return True
            for name in kpi.datasets:
                d = ctx.scheme.datasets[name]
                if about_customers(d.id, d.label, d.description):
                    return True
            return False

        if any(customer_kpi(k) for k in role.kpis):
            return
        if ctx.same_as_parent(role, lambda p: [k.id for k in p.kpis] == [k.id for k in role.kpis]):
            return
        yield self.finding(ctx.role_span(role), role=role.id)
