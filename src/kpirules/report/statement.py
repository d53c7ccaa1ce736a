"""One person's statement: who, the result, each KPI against its target, and the pay steps.

The statement says what `kpirules explain` says, rendered from the same lines
(report/explain.py: the days active, each KPI's steps, the total, notes and grade, the
payout steps, each with its .kpi place), with a bar per KPI so the reader sees at a
glance where they stand.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from kpirules import i18n
from kpirules.engine.results import KpiResult, PersonResult
from kpirules.engine.scoring import pct
from kpirules.model.scheme import Kpi
from kpirules.report import svg
from kpirules.report.figures import (
    below_floor, esc, exact, kpi_name, money, name_of, role_name, short, t, value_text,
)
from kpirules.report.explain import (
    UNKNOWN, Context, Line, active_line, no_payout_line, payout_lines, person_steps, result_lines, score_place,
)
from kpirules.report.source import where


#: How a target's direction reads: at least, at most.
ARROWS = {">=": "≥", "<=": "≤"}


def person_names(person_ids: Iterable[str]) -> dict[str, str]:
    """Each person id as a name safe in a file name and a URL fragment, no two alike even
    regardless of case: `a/b` is `a_b`, or `a_b~2` when the person `a_b` is there too.

    Characters other than word characters (letters and digits of any script, `_`), `.` and
    `-` become `_`, and leading dots go. Ids kept as they are take their names first; then, in
    the given order, a name already taken (or taken but for case) gets `~2`, `~3`.
    """
    ids = list(dict.fromkeys(person_ids))
    stems = {person_id: re.sub(r"[^\w.-]", "_", person_id).lstrip(".") or "_" for person_id in ids}
    named: dict[str, str] = {}
    taken: set[str] = set()
    for person_id in sorted(ids, key=lambda pid: stems[pid] != pid):  # stable: the given order
        stem = stems[person_id]
        name, n = stem, 1
        while name.lower() in taken:
            n += 1
            name = f"{stem}~{n}"
        taken.add(name.lower())
        named[person_id] = name
    return named


def anchor(p: PersonResult, names: Mapping[str, str]) -> str:
    """The statement's id in the page: `s-`, the person's name of `person_names` and the period
    (`s-a_b~2-2026-03`). The names differ and a run's periods are labels of one length, so no
    two statements share an id."""
    return f"s-{names[p.person_id]}-{p.period}"


def statement(p: PersonResult, currency: str, lang: str, payouts: bool = True, context: Context = UNKNOWN,
              names: Mapping[str, str] | None = None) -> str:
    """A `<section>` with the person's whole statement (without the payout when payouts is False).

    With a `context` (the scheme's roles and the roster, as `kpirules explain` reads them),
    the score and grade steps point at the curve row and grade row that applied, and the
    targets say the attributes their `when` tests. `names` (`person_names` of everyone in the
    page) gives the section its id."""
    names = names if names is not None else person_names([p.person_id])
    parts = [
        f'<section class="statement" id="{esc(anchor(p, names))}" data-person="{esc(p.person_id)}" data-period="{esc(p.period)}">',
        _header(p, currency, lang, payouts, context),
        _kpi_table(p, lang, context),
        _total(p, lang, context),
        _steps(p, lang, context, payouts),
    ]
    if payouts:
        parts.append(_payout(p, lang))
    parts.append("</section>")
    return "\n".join(parts)


def _header(p: PersonResult, currency: str, lang: str, payouts: bool, context: Context = UNKNOWN) -> str:
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
    cells = "".join(f"<div><dt>{name}</dt><dd>{value}</dd></div>" for name, value in facts)
    return (f'<header><h2><span class="name">{esc(name_of(p))}</span></h2>'
            f'<dl class="facts">{cells}</dl><p class="active">{esc(active_line(p, lang, context))}</p></header>')


def _kpi_table(p: PersonResult, lang: str, context: Context) -> str:
    heads = [t(lang, "kpi", "KPI"), t(lang, "value_vs_target", "Value against target"), t(lang, "value", "Value"),
             t(lang, "target", "Target"), t(lang, "attainment", "Attainment"), t(lang, "score", "Score"),
             t(lang, "points", "Points"), t(lang, "how_scored", "How it is scored")]
    rows = [_kpi_row(k, p, lang, context.kpi(p, k)) for k in p.kpis]
    head = "".join(f"<th>{esc(h)}</th>" for h in heads)
    return f'<table class="kpis"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _kpi_row(k: KpiResult, p: PersonResult, lang: str, kpi: Kpi | None) -> str:
    value, target = value_text(k, k.value, lang), (value_text(k, k.target, lang) if k.target is not None else "-")
    title = t(lang, "bar_title", f"{kpi_name(k)}: {value} against target {target}",
              kpi=kpi_name(k), value=value, target=target)
    chart = svg.value_against_target(k.value, k.target, k.attainment, title, in_progress=k.status == "in_progress")
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
    days = k.target_proration
    if days is not None and k.target_before_proration is not None:  # the target before proration, and by how much
        before = value_text(k, k.target_before_proration, lang)
        prorated = t(lang, "prorated_target", f"{before} × {days.active_days}/{days.period_days} days",
                     before=before, active=days.active_days, days=days.period_days)
        target_cell = f'{esc(target_text)}<br><small class="prorated">{esc(prorated)}</small>'
    else:
        target_cell = esc(target_text)
    points = short(k.contribution) if k.contribution is not None else "-"
    if k.contribution is not None and k.weight is not None:
        # exact, as explain writes it: each factor rounded for the eye would not multiply to
        # the rounded product (30% × 101.45 is 30.435, the contribution 30.43384 shows 30.43)
        points = f"{pct(k.weight)} × {exact(k.score)} = {exact(k.contribution)}"
    rule = ""
    if k.status != "in_progress":  # the `score` line or the row that scored it, as explain points at it
        rule = _place(Line(i18n.phrase(k.score_rule, "explain", lang), score_place(k, kpi)))
    return (
        f'<tr class="kpi" data-kpi="{esc(k.id)}">'
        f'<th scope="row"><span class="kpi-label" title="{esc(k.id)} ({esc(where(k.span))})">{esc(kpi_name(k))}</span>{tag_html}</th>'
        f'<td>{chart}</td><td class="num">{esc(value)}</td><td class="num">{target_cell}</td>'
        f'<td class="num">{esc(svg.banded_percent(k.attainment))}</td><td class="num">{esc(short(k.score))}</td>'
        f'<td class="num">{esc(points)}</td><td class="rule">{rule}</td></tr>'
    )


def _place(line: Line) -> str:
    """A line's words, then the .kpi place it came from in small print."""
    place = f' <small class="where">{esc(where(line.span))}</small>' if line.span is not None else ""
    return esc(line.text) + place


def _total(p: PersonResult, lang: str, context: Context) -> str:
    lines = "".join(f"<p>{_place(line)}</p>" for line in result_lines(p, lang, context.role(p)))
    return f'<div class="total">{lines}</div>'


def _steps(p: PersonResult, lang: str, context: Context, payouts: bool) -> str:
    """Every KPI's calculation as `kpirules explain` prints it (the rows read, each step), folded
    away; without payouts, the attributes the payout reads keep their values to themselves."""
    lines = person_steps(p, lang, context, payouts)
    summary = esc(t(lang, "kpi_steps", "How each KPI was worked out, step by step"))
    return f'<details class="steps"><summary>{summary}</summary><pre>{esc(chr(10).join(lines).rstrip())}</pre></details>'


def _payout(p: PersonResult, lang: str) -> str:
    heading = f"<h3>{esc(t(lang, 'payout_steps', 'How the payout is worked out'))}</h3>"
    if p.payout is None:
        return heading + f"<p>{esc(no_payout_line(lang))}</p>"
    steps = "".join(f'<li class="step-{esc(step.step)}">{_place(line)}</li>'
                    for step, line in zip(p.payout.steps, payout_lines(p, lang), strict=True))
    return heading + f'<ol class="payout-steps">{steps}</ol>'
