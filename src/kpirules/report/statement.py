"""One person's statement: who, the result, each KPI against its target, and the pay steps.

The statement says in words what `kpirules explain` says (the score rules and payout
steps are the same sentences, in the report's language), with a bar per KPI so the
reader sees at a glance where they stand.
"""

from __future__ import annotations

import re

from kpirules import i18n
from kpirules.engine.results import KpiResult, PersonResult
from kpirules.report import svg
from kpirules.report.figures import (
    below_floor, esc, exact, kpi_name, money, name_of, percent, role_name, short, t, value_text,
)
from kpirules.report.explain import kpi_steps, total_line
from kpirules.report.source import where


#: How a target's direction reads: at least, at most.
ARROWS = {">=": "≥", "<=": "≤"}


def anchor(p: PersonResult) -> str:
    """The statement's id in the page: `s-` and the person and period, safe in a URL fragment."""
    return "s-" + re.sub(r"[^\w.-]", "_", f"{p.person_id}-{p.period}")


def statement(p: PersonResult, currency: str, lang: str, payouts: bool = True) -> str:
    """A `<section>` with the person's whole statement (without the payout when payouts is False)."""
    parts = [
        f'<section class="statement" id="{esc(anchor(p))}" data-person="{esc(p.person_id)}" data-period="{esc(p.period)}">',
        _header(p, currency, lang, payouts),
        _kpi_table(p, lang),
        _total(p, lang),
        _steps(p, lang),
    ]
    if payouts:
        parts.append(_payout(p, lang))
    parts.append("</section>")
    return "\n".join(parts)


def _header(p: PersonResult, currency: str, lang: str, payouts: bool) -> str:
    facts = [
        (t(lang, "person_id", "ID"), f'<span class="person-id">{esc(p.person_id)}</span>'),
        (t(lang, "role", "Role"), f"{esc(role_name(p))} <small>({esc(p.role)})</small>"),
        (t(lang, "team", "Team"), esc(p.team or "-")),
        (t(lang, "period", "Period"), esc(p.period)),
        (t(lang, "grade", "Grade"), f'<span class="grade">{esc(p.grade or "-")}</span>'),
        (t(lang, "total_score", "Total score"), f'<span class="score">{esc(exact(p.total_score))}</span>'),
    ]
    if payouts:
        pay = f"{money(p.payout.total)} {p.payout.currency}" if p.payout else t(lang, "no_payout_rules", "no payout rules")
        facts.append((t(lang, "payout", "Payout"), f'<span class="payout">{esc(pay)}</span>'))
    active = i18n.ui(lang, "explain.active", f"active {p.active_days} of {p.period_days} days",
                     active=p.active_days, days=p.period_days)
    if p.active_days != p.period_days:
        ratio = exact(p.proration)
        if p.proration == 1:  # the role pays and counts targets whole (proration off)
            active += i18n.ui(lang, "explain.proration_off", " (proration off)")
        else:
            active += i18n.ui(lang, "explain.proration", f" (proration {ratio})", ratio=ratio)
    cells = "".join(f"<div><dt>{name}</dt><dd>{value}</dd></div>" for name, value in facts)
    return (f'<header><h2><span class="name">{esc(name_of(p))}</span></h2>'
            f'<dl class="facts">{cells}</dl><p class="active">{esc(active)}</p></header>')


def _kpi_table(p: PersonResult, lang: str) -> str:
    heads = [t(lang, "kpi", "KPI"), t(lang, "value_vs_target", "Value against target"), t(lang, "value", "Value"),
             t(lang, "target", "Target"), t(lang, "attainment", "Attainment"), t(lang, "score", "Score"),
             t(lang, "points", "Points"), t(lang, "how_scored", "How it is scored")]
    rows = [_kpi_row(k, p, lang) for k in p.kpis]
    head = "".join(f"<th>{esc(h)}</th>" for h in heads)
    return f'<table class="kpis"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _kpi_row(k: KpiResult, p: PersonResult, lang: str) -> str:
    value, target = value_text(k, k.value, lang), (value_text(k, k.target, lang) if k.target is not None else "-")
    title = t(lang, "bar_title", f"{kpi_name(k)}: {value} against target {target}",
              kpi=kpi_name(k), value=value, target=target)
    chart = svg.value_against_target(k.value, k.target, k.attainment if k.status != "in_progress" else None, title)
    tags = []
    if k.rank == "auxiliary":
        tags.append(t(lang, "auxiliary", "auxiliary: not weighted"))
    if k.period != p.period:
        tags.append(t(lang, "kpi_period", f"period {k.period}", period=k.period))
    if k.status == "in_progress":
        tags.append(t(lang, "in_progress", "in progress: not in this total"))
    if k.status == "no_data":
        tags.append(t(lang, "no_data", "no data"))
    if below_floor(k):
        tags.append(t(lang, "below_floor_tag", "below floor"))
    tag_html = "".join(f'<span class="tag">{esc(tag)}</span>' for tag in tags)
    target_text = f"{ARROWS[k.direction]} {target}" if k.target is not None else "-"
    points = short(k.contribution) if k.contribution is not None else "-"
    if k.contribution is not None and k.weight is not None:
        points = f"{percent(k.weight, 2)} × {short(k.score)} = {short(k.contribution)}"
    rule = i18n.phrase(k.score_rule, "explain", lang) if k.status != "in_progress" else ""
    return (
        f'<tr class="kpi" data-kpi="{esc(k.id)}">'
        f'<th scope="row"><span class="kpi-label" title="{esc(k.id)} ({esc(where(k.span))})">{esc(kpi_name(k))}</span>{tag_html}</th>'
        f'<td>{chart}</td><td class="num">{esc(value)}</td><td class="num">{esc(target_text)}</td>'
        f'<td class="num">{esc(percent(k.attainment))}</td><td class="num">{esc(short(k.score))}</td>'
        f'<td class="num">{esc(points)}</td><td class="rule">{esc(rule)}</td></tr>'
    )


def _total(p: PersonResult, lang: str) -> str:
    lines = [total_line(p, lang)]
    for note in p.notes:
        note = i18n.phrase(note, "explain", lang)
        lines.append(i18n.ui(lang, "explain.note", f"note: {note}", note=note))
    grade = p.grade or i18n.ui(lang, "explain.no_grade", "none (no grade band holds this total)")
    lines.append(i18n.ui(lang, "explain.grade", f"grade: {grade}", grade=grade))
    return '<div class="total">' + "".join(f"<p>{esc(line)}</p>" for line in lines) + "</div>"


def _steps(p: PersonResult, lang: str) -> str:
    """Every KPI's calculation as `kpirules explain` words it (the rows read, each step), folded away."""
    lines = []
    for k in p.kpis:
        lines.extend(kpi_steps(k, lang))
        lines.append("")
    summary = esc(t(lang, "kpi_steps", "How each KPI was worked out, step by step"))
    return f'<details class="steps"><summary>{summary}</summary><pre>{esc(chr(10).join(lines).rstrip())}</pre></details>'


def _payout(p: PersonResult, lang: str) -> str:
    heading = f"<h3>{esc(t(lang, 'payout_steps', 'How the payout is worked out'))}</h3>"
    if p.payout is None:
        return heading + f'<p>{esc(i18n.ui(lang, "explain.no_payout", "payout: the role has no payout rules"))}</p>'
    steps = []
    for step in p.payout.steps:
        place = f' <small class="where">{esc(where(step.span))}</small>' if step.span is not None else ""
        steps.append(f'<li class="step-{esc(step.step)}">{esc(i18n.phrase(step.description, "explain", lang))}{place}</li>')
    return heading + f'<ol class="payout-steps">{"".join(steps)}</ol>'
