"""What an expectation reads from a person's result, how to show it, and the steps of the trace
that produced it: the lines a failing case prints under "expected ..., got ...".
"""

from __future__ import annotations

from decimal import Decimal

from kpirules.engine.numbers import fmt_decimal
from kpirules.engine.results import KpiResult, PersonResult
from kpirules.engine.scoring import attainment_rule, curve_part, pct
from kpirules.model.bands import describe
from kpirules.report.explain import prorated_from
from kpirules.report.source import where, written
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
            text = step.description
            outcomes.append("passed" if text.startswith("gate passed") else
                            "not applied" if text.startswith("gate not applied") else "failed")
    return outcomes


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


def _at(span) -> str:
    return f"  [{where(span)}]" if span is not None else ""


def steps_of(e: Expectation, person: PersonResult, case: Case) -> list[str]:
    if e.kpi is not None and e.field != "commissions":
        return _kpi_steps(e, _kpi(person, e.kpi), case)
    if e.field == "total":
        parts = [f"{k.id} {fmt_decimal(k.contribution)}" for k in person.kpis if k.contribution is not None]
        lines = [f"total score = {' + '.join(parts) or '0'} = {fmt_decimal(person.total_score)}"]
        return lines + [f"note: {note}" for note in person.notes]
    if e.field == "grade":
        band = next((b for b in case.role.grades.bands if b.contains(person.total_score)), None) if case.role.grades else None
        if band is None:
            return [f"total score {fmt_decimal(person.total_score)} is in no grade band"]
        return [f"total score {fmt_decimal(person.total_score)} is in {describe(band, False)}: {band.grade}{_at(band.span)}"]
    kinds = PAYOUT_STEPS.get(e.field)
    steps = person.payout.steps
    if e.field == "commissions":
        chosen = [s for s in steps if s.step == "commission" and s.description.startswith(f"commission on {e.kpi}")]
    else:
        chosen = [s for s in steps if kinds is None or s.step in kinds]
    return [f"{s.description}{_at(s.span)}" for s in chosen]


def _kpi_steps(e: Expectation, k: KpiResult, case: Case) -> list[str]:
    value = pct if k.value_type == "percent" else fmt_decimal
    if e.field == "value":
        if k.id in case.values:
            return [f"value {value(k.value) if k.value is not None else 'none'}: stated by the case (values.{k.id})"]
        measure = case.role.kpi(k.id).measure
        lines = [f"measure {written(measure.span)}{_at(measure.span)}"]
        for a in k.aggregates:
            found = "no value" if a.value is None else fmt_decimal(a.value)
            lines.append(
                f"{a.function}({written(a.argument) or a.dataset}) over {a.dataset}"
                + (f" where {written(a.where)}" if a.where is not None else "")
                + f", {a.date_column} from {a.window_start} to before {a.window_end}"
                + ("" if a.scope == "self" else f", {a.scope.replace('_', ' ')} scope")
                + ("" if a.rows_matched is None else f": {a.rows_matched} row(s) matched")
                + f", result {found}"
            )
        return lines
    if e.field == "target":
        if k.target is None:
            return ["no target line applies"]
        line = f"target {k.direction} {value(k.target)} from `{written(k.target_span)}` ({k.target_source}){_at(k.target_span)}"
        if k.target_before_proration is not None:
            line += prorated_from(k, value)
        return [line]
    if e.field == "attainment":
        if k.attainment is None:
            return [f"no attainment: value {value(k.value) if k.value is not None else 'none'}, "
                    f"target {value(k.target) if k.target is not None else 'none'}"]
        key, rule = attainment_rule(k.value, k.target, k.direction)
        if key == "explain.rule.higher":
            return [f"attainment = {rule} = {value(k.value)} / {value(k.target)} = {pct(k.attainment)}"]
        if key == "explain.rule.lower":
            return [f"attainment = {rule} = {value(k.target)} / {value(k.value)} = {pct(k.attainment)}"]
        return [f"attainment = {pct(k.attainment)}: {rule} (value {value(k.value)}, target {value(k.target)})"]
    if e.field == "contribution":
        if k.contribution is None:
            return [f"no contribution: the KPI is {k.rank}, status {k.status}"]
        return [f"weight {pct(k.weight)} × score {fmt_decimal(k.score)} = {fmt_decimal(k.contribution)}"]
    kpi = case.role.kpi(k.id)
    part = curve_part(kpi, k)
    return [f"{k.score_rule}{_at(part[1] if part else kpi.curve.span or k.span)}"]
