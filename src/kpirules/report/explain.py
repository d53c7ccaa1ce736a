"""`kpirules explain`: one person's whole calculation in words and numbers.

Every step points at the .kpi line it came from, so a salesperson can check their pay
with the statement and a calculator.
"""

from __future__ import annotations

from kpirules.engine.numbers import fmt_decimal
from kpirules.engine.results import KpiResult, PersonResult
from kpirules.engine.scoring import pct
from kpirules.report.source import where, written


def _value(k: KpiResult, x) -> str:
    if x is None:
        return "no value"
    if k.value_type == "percent":
        return pct(x)
    if k.value_type.startswith("money:"):
        return f"{fmt_decimal(x)} {k.value_type.split(':')[1]}"
    return fmt_decimal(x)


def _kpi_lines(k: KpiResult) -> list[str]:
    head = f"KPI {k.id}" + (f" “{k.label}”" if k.label else "") + f" ({k.kind or ''} {k.rank}, {where(k.span)})"
    lines = [head]
    for a in k.aggregates:
        what = f"{a.function}({written(a.argument) or a.dataset})"
        line = f"  {what} over {a.dataset}"
        if a.where is not None:
            line += f" where {written(a.where)}"
        scope = "" if a.scope == "self" else f", {a.scope.replace('_', ' ')} scope"
        matched = "" if a.rows_matched is None else f" {a.rows_matched} row{'' if a.rows_matched == 1 else 's'} matched,"
        line += (f", by {a.date_column} from {a.window_start.isoformat()} to before {a.window_end.isoformat()}{scope}:"
                 f"{matched} result {fmt_decimal(a.value) if a.value is not None else 'no value'}")
        lines.append(line)
    lines.append(f"  value: {_value(k, k.value)}")
    if k.target is None:
        lines.append("  target: none found")
    else:
        source = {
            "constant": "the target without `when`",
            "when": f"the `when` branch {written(k.target_span)}",
            "per_person": "the person's row in the targets dataset",
        }.get(k.target_source, k.target_source)
        line = f"  target: {k.direction} {_value(k, k.target)} ({source}, {where(k.target_span)})"
        if k.target_before_proration is not None:
            line += f"; prorated from {_value(k, k.target_before_proration)} for the days active"
        lines.append(line)
    if k.attainment is not None:
        rule = "value / target" if k.direction == ">=" else "target / value"
        lines.append(f"  attainment: {rule} = {pct(k.attainment)}")
    lines.append(f"  score: {k.score_rule}")
    if k.status == "in_progress":
        lines.append("  not in this run's total")
    elif k.rank == "main":
        lines.append(f"  weight {pct(k.weight)} × score {fmt_decimal(k.score)} = {fmt_decimal(k.contribution)} points")
    else:
        lines.append("  auxiliary: reported, not weighted")
    return lines


def render_explain(p: PersonResult, currency: str) -> str:
    out = [
        f"{p.name or p.person_id} ({p.person_id}), role {p.role_label or p.role} ({p.role}), period {p.period}",
        f"active {p.active_days} of {p.period_days} days" + ("" if p.active_days == p.period_days else f" (proration {fmt_decimal(p.proration)})"),
        "",
    ]
    for k in p.kpis:
        out.extend(_kpi_lines(k))
        out.append("")
    contributions = " + ".join(fmt_decimal(k.contribution) for k in p.kpis if k.contribution is not None)
    out.append(f"total score: {contributions or '0'} = {fmt_decimal(p.total_score)}")
    out.extend(f"note: {n}" for n in p.notes)
    out.append(f"grade: {p.grade or '(no grade table)'}")
    if p.payout is None:
        out.append("payout: the role has no payout rules")
    else:
        out.append("payout:")
        for step in p.payout.steps:
            suffix = f"  [{where(step.span)}]" if step.span is not None else ""
            out.append(f"  {step.description}{suffix}")
    return "\n".join(out)
