"""What an expectation reads from a person's result, how to show it, and the steps of the trace
that produced it: the lines a failing case prints under "expected ..., got ...", those
`kpirules explain` prints for the same person (report/explain.py writes both).
"""

from __future__ import annotations

import re
from decimal import Decimal

from kpirules.engine.numbers import fmt_decimal
from kpirules.engine.results import KpiResult, PersonResult
from kpirules.engine.scoring import pct
from kpirules.report.explain import Context, kpi_step_parts, payout_lines, result_lines
from kpirules.schemetest.spec import Case, Expectation

ZERO = Decimal(0)
MONEY = ("target_incentive", "incentive", "payout", "commissions")
#: the payout steps that explain each payout number
PAYOUT_STEPS = {
    "factor": ("factor", "cap_factor", "gate"),
    "gates": ("gate",),
    "target_incentive": ("target_incentive",),
    "incentive": ("target_incentive", "factor", "cap_factor", "gate", "incentive"),
    "payout": None,  # all of them
}


def _kpi(person: PersonResult, kpi_id: str) -> KpiResult:
    return next(k for k in person.kpis if k.id == kpi_id)


def gate_outcomes(person: PersonResult) -> list[str]:
    """Each gate's outcome in written order: passed, failed or not applied."""
    if person.payout is None:
        return []
    outcomes = []
    for step in person.payout.steps:
        if step.step == "gate":
            # `gate <condition as written> passed: ...`, `... not applied: ...` or `... failed (...)`
            found = _OUTCOME.search(step.description)
            outcomes.append((found.group(1) or found.group(2)) if found else "failed")
    return outcomes


_OUTCOME = re.compile(r" (passed|not applied): | (failed) \(")


def actual_of(e: Expectation, person: PersonResult):
    if e.kpi is not None and e.field != "commissions":
        return getattr(_kpi(person, e.kpi), e.field)
    if e.field == "total":
        return person.total_score
    if e.field == "grade":
        return person.grade
    payout = person.payout
    if e.field == "gates":
        return gate_outcomes(person)
    if e.field == "commissions":
        return payout.commissions.get(e.kpi)
    return {"factor": payout.factor, "target_incentive": payout.target_incentive,
            "incentive": payout.incentive, "payout": payout.total}[e.field]


def shown(e: Expectation, x, person: PersonResult) -> str:
    if x is None:
        return "no value"
    if isinstance(x, list):
        return "[" + ", ".join(x) + "]" if x else "[] (no gates)"
    if not isinstance(x, Decimal):
        return str(x)
    if e.field == "attainment" or (e.field in ("value", "target") and _kpi(person, e.kpi).value_type == "percent"):
        return pct(x)
    if e.field in MONEY:
        return format(x, "f")
    return fmt_decimal(x)


def steps_of(e: Expectation, person: PersonResult, case: Case, context: Context) -> list[str]:
    """The lines of `kpirules explain` behind an expectation (explain's own words, without the
    indent): the part of the KPI's steps, the total and its notes, the grade, or payout steps."""
    if e.kpi is not None and e.field != "commissions":
        return _kpi_steps(e, _kpi(person, e.kpi), case, person, context)
    if e.field in ("total", "grade"):
        lines = [line.printed() for line in result_lines(person, "en", context.role(person))]
        return lines[:-1] if e.field == "total" else lines[-1:]
    kinds = PAYOUT_STEPS.get(e.field)
    chosen = []
    for step, line in zip(person.payout.steps, payout_lines(person), strict=True):
        if e.field == "commissions":
            if step.step == "commission" and step.description.startswith(f"commission on {e.kpi}"):
                chosen.append(line.printed())
        elif kinds is None or step.step in kinds:
            chosen.append(line.printed())
    return chosen


def _kpi_steps(e: Expectation, k: KpiResult, case: Case, person: PersonResult, context: Context) -> list[str]:
    parts = kpi_step_parts(k, "en", context.kpi(person, k), context.attributes(person))
    chosen = {
        "value": parts.value,
        "target": parts.target,
        # what it divides (or, with no attainment, why there is none: no value, no target, a target of 0)
        "attainment": [parts.value[-1], *parts.target, *parts.attainment],
        "contribution": parts.weight,
    }.get(e.field, parts.score)  # score, and status
    lines = [line.strip() for line in chosen]
    if e.field == "value" and k.id in case.values:  # no aggregates: the case says the value
        lines = [f"{lines[-1]}, stated by the case (values.{k.id})"]
    return lines
