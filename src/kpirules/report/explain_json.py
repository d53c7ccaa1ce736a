"""`kpirules explain --format json`: one person's calculation as data, with the places the
text of `kpirules explain` points at (docs/output.md, "explain --format json").

An item per period of the run, in order: the item `kpirules run --format json` writes for the
person and period, with what explain's text adds (the place of the curve or row that scored
each KPI and of its weight, the attributes its `when` targets test, the grade row's place); or, for a period in
which the person was not evaluated, why not.
"""

from __future__ import annotations

from typing import Any

from kpirules.engine.results import PersonResult, RunResult
from kpirules.report.explain import Context, grade_place, score_place, when_tested
from kpirules.report.run_output import json_value, person_dict


def explain_items(result: RunResult, person_id: str, context: Context) -> list[dict[str, Any]]:
    """An item per period of the run: the person's result, or why they have none."""
    evaluated = {p.period: p for p in result.people if p.person_id == person_id}
    items = []
    for period in result.periods:
        p = evaluated.get(period)
        if p is not None:
            items.append(_evaluated(p, context))
        else:
            items.append({"person_id": person_id, "name": context.name(person_id), "period": period,
                          "evaluated": False, "reason": context.not_evaluated(person_id, period)})
    return items


def _evaluated(p: PersonResult, context: Context) -> dict[str, Any]:
    item = person_dict(p)
    attributes = context.attributes(p)
    for k, kpi_item in zip(p.kpis, item["kpis"], strict=True):
        kpi = context.kpi(p, k)
        kpi_item["score_span"] = json_value(score_place(k, kpi))
        kpi_item["weight_span"] = json_value(kpi.weight_span if kpi is not None and k.rank == "main" else None)
        tested = when_tested(kpi, attributes) if kpi is not None and attributes is not None else []
        kpi_item["when_tested"] = {f"person.{name}": json_value(value) for name, value in tested}
    item["grade_span"] = json_value(grade_place(p, context.role(p)))
    item["evaluated"] = True
    return item
