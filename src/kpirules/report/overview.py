"""The team overview: how scores spread, where the money goes, which KPIs hold people back.

With `payouts=False` no amount of money appears anywhere in the overview: no payout
column, no payout charts (a team of one would give away a person's pay) and no totals.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal

from kpirules import i18n
from kpirules.engine.numbers import exact_sum
from kpirules.engine.results import PersonResult, RunResult
from kpirules.report import svg
from kpirules.report.figures import (
    below_floor, esc, exact, kpi_name, money, name_of, percent, role_name, short, t, value_text,
)
from kpirules.report.statement import anchor, person_names


def overview(result: RunResult, lang: str, payouts: bool = True, linked: bool = True,
             names: Mapping[str, str] | None = None) -> str:
    """The overview `<section>`; `linked` makes names link to the statements in the same page,
    whose ids are made from `names` (`person_names` of the run's people)."""
    names = names if names is not None else person_names(p.person_id for p in result.people)
    people = result.people
    parts = ['<section class="overview" id="overview">', f"<h2>{esc(t(lang, 'overview', 'Team overview'))}</h2>",
             _cards(result, lang, payouts), '<div class="charts">',
             _figure(t(lang, "score_distribution", "Score distribution"), _histogram(people, lang))]
    if payouts:
        parts.append(_figure(t(lang, "payout_by_role", "Payout by role"),
                             _payout_bars(people, lambda p: (p.role, role_name(p)), result.currency, lang)))
        no_team = t(lang, "no_team", "(no team)")
        parts.append(_figure(t(lang, "payout_by_team", "Payout by team"),
                             _payout_bars(people, lambda p: (p.team, p.team or no_team), result.currency, lang)))
    parts.append("</div>")
    parts.append(_heat_maps(result, lang))
    parts.append(_below_floor(result, lang))
    parts.append(_people(result, lang, payouts, linked, names))
    if result.warnings:
        items = "".join(f"<li>{esc(i18n.phrase(w, 'warning', lang))}</li>" for w in result.warnings)
        parts.append(f'<h3>{esc(t(lang, "warnings", "Warnings"))}</h3><ul class="warnings">{items}</ul>')
    parts.append("</section>")
    return "\n".join(parts)


def _figure(caption: str, body: str) -> str:
    return f"<figure><figcaption>{esc(caption)}</figcaption>{body}</figure>"


def _cards(result: RunResult, lang: str, payouts: bool) -> str:
    people = result.people
    average = sum((p.total_score for p in people), Decimal(0)) / len(people) if people else None
    # a run over several periods has a result per person and period: count the people
    floors = len({p.person_id for p in people if any(below_floor(k) for k in p.kpis)})
    cards = [
        (t(lang, "people", "People"), str(len({p.person_id for p in people}))),
    ]
    if len(result.periods) > 1:  # the workbook's summary has the same two counts
        cards.append((t(lang, "person_periods", "Person-periods"), str(len(people))))
    cards += [
        (t(lang, "average_score", "Average score"), short(average)),
        (t(lang, "people_below_floor", "People below a floor"), str(floors)),
    ]
    if payouts:
        total = exact_sum(p.payout.total for p in people if p.payout)
        cards.append((t(lang, "total_payout", "Total payout"), f"{money(total)} {result.currency}"))
    body = "".join(f'<div class="card"><div class="figure">{esc(v)}</div><div>{esc(k)}</div></div>' for k, v in cards)
    return f'<div class="cards">{body}</div>'


def _histogram(people: list[PersonResult], lang: str) -> str:
    totals = [p.total_score for p in people if p.total_score.is_finite()]
    if not totals:
        return ""
    # bins of 10 points, wider when scores spread far, so there are never more than 20 bars
    low, high = float(min(totals)), float(max(totals))
    size = 10 * max(1, math.ceil((high - min(low, 0)) / 200))
    start = math.floor(min(low, 0) / size) * size
    count = max(1, math.floor((high - start) / size) + 1)
    counts = [0] * count
    for x in totals:
        counts[min(int((float(x) - start) // size), count - 1)] += 1
    bars = []
    for i, n in enumerate(counts):
        a, b = start + i * size, start + (i + 1) * size
        bars.append(svg.Bar(f"{a}–{b}", n, str(n), t(lang, "bin_title", f"{i18n.people(n)} scored from {a} to under {b}", n=n, low=a, high=b)))
    return svg.histogram(bars, caption=t(lang, "score_distribution", "Score distribution"))


def _payout_bars(people: list[PersonResult], group, currency: str, lang: str) -> str:
    """A bar per group, largest first; `group` gives a person's group and its label, `(role id,
    role label)`. Groups are told apart by the id: two roles labelled alike are two bars, each
    labelled `label (id)`."""
    totals: dict[object, Decimal] = defaultdict(Decimal)
    paid: dict[object, set[str]] = defaultdict(set)  # people, not results: a quarter's run has three a person
    labels: dict[object, str] = {}
    for p in people:
        if p.payout is not None:
            key, label = group(p)
            labels[key] = label
            totals[key] += p.payout.total
            paid[key].add(p.person_id)
    counts = {key: len(ids) for key, ids in paid.items()}
    repeated = {label for label in labels.values() if list(labels.values()).count(label) > 1}
    names = {key: f"{label} ({key})" if label in repeated else label for key, label in labels.items()}
    bars = [svg.Bar(names[key], float(total), f"{money(total)} {currency}",
                    t(lang, "group_title", f"{names[key]}: {money(total)} {currency} for {i18n.people(counts[key])}",
                      name=names[key], total=money(total), currency=currency, n=counts[key]))
            for key, total in sorted(totals.items(), key=lambda kv: -kv[1])]
    return svg.hbars(bars) if bars else f"<p>{esc(t(lang, 'no_payouts', 'no payouts'))}</p>"


def _heat_maps(result: RunResult, lang: str) -> str:
    """Per role: people by KPIs, each cell the attainment coloured by its band."""
    extra = [(svg.NO_ATTAINMENT[0], t(lang, "no_attainment", "no attainment")),
             (svg.IN_PROGRESS[0], t(lang, "in_progress_short", "in progress"))]
    parts = [f"<h3>{esc(t(lang, 'heat_map', 'Attainment by KPI'))}</h3>",
             svg.legend(t(lang, "legend", "attainment colours"), extra)]
    several = len(result.periods) > 1
    by_role: dict[str, list[PersonResult]] = defaultdict(list)
    for p in result.people:
        by_role[p.role].append(p)
    for role, people in sorted(by_role.items()):
        kpis = {k.id: k for p in people for k in p.kpis}  # every KPI any of them has, first seen first
        head = "".join(f'<th title="{esc(k.id)}">{esc(kpi_name(k))}{" *" if k.rank == "auxiliary" else ""}</th>'
                       for k in kpis.values())
        rows = []
        for p in people:
            by_id = {k.id: k for k in p.kpis}
            cells = "".join(_heat_cell(by_id.get(kpi_id), lang) for kpi_id in kpis)
            who = f"{name_of(p)} ({p.person_id})" + (f" {p.period}" if several else "")
            rows.append(f'<tr><th scope="row">{esc(who)}</th>{cells}</tr>')
        n = len({p.person_id for p in people})  # a row per person and period
        caption = i18n.ui(lang, "run.role", f"{role_name(people[0])} ({role}): {i18n.people(n)}",
                          label=role_name(people[0]), role=role, n=n)
        parts.append(f'<table class="heat"><caption>{esc(caption)}</caption><thead><tr><th></th>{head}</tr></thead>'
                     f'<tbody>{"".join(rows)}</tbody></table>')
    parts.append(f'<p class="note">{esc(t(lang, "auxiliary_note", "* auxiliary KPI: reported, not weighted"))}</p>')
    return "\n".join(parts)


def _heat_cell(k, lang: str) -> str:
    if k is None:
        return "<td></td>"
    if k.status == "in_progress":
        fill, ink = svg.IN_PROGRESS
        shown = t(lang, "so_far", f"{percent(k.attainment)} so far", attainment=percent(k.attainment))
    elif k.attainment is None:
        fill, ink = svg.NO_ATTAINMENT
        shown = t(lang, "no_data", "no data") if k.status == "no_data" else "-"
    else:
        fill, ink = svg.band(k.attainment)
        shown = svg.banded_percent(k.attainment)
    target = value_text(k, k.target, lang) if k.target is not None else "-"
    title = t(lang, "cell_title", f"{kpi_name(k)}: {value_text(k, k.value, lang)} against {target}, score {short(k.score)}",
              kpi=kpi_name(k), value=value_text(k, k.value, lang), target=target, score=short(k.score))
    mark = " floor" if below_floor(k) else ""
    return f'<td class="cell{mark}" style="background:{fill};color:{ink}" title="{esc(title)}">{esc(shown)}</td>'


def _below_floor(result: RunResult, lang: str) -> str:
    rows = []
    for p in result.people:
        for k in p.kpis:
            if below_floor(k):
                rule = i18n.phrase(k.score_rule, "explain", lang)
                rows.append(f"<tr><td>{esc(name_of(p))} ({esc(p.person_id)})</td><td>{esc(role_name(p))}</td>"
                            f"<td>{esc(p.period)}</td><td>{esc(kpi_name(k))}</td>"
                            f'<td class="num">{esc(percent(k.attainment))}</td><td>{esc(rule)}</td></tr>')
    heading = f"<h3>{esc(t(lang, 'below_floor', 'Below floor'))}</h3>"
    explained = (f'<p class="note">{esc(t(lang, "below_floor_note", "KPIs that scored nothing: attainment under the floor of a linear curve, or the lowest (zero) row of tiers, lookup or pass/fail."))}</p>')
    if not rows:
        return heading + explained + f"<p>{esc(t(lang, 'nobody_below_floor', 'Nobody is below a floor.'))}</p>"
    heads = [t(lang, "person", "Person"), t(lang, "role", "Role"), t(lang, "period", "Period"), t(lang, "kpi", "KPI"),
             t(lang, "attainment", "Attainment"), t(lang, "how_scored", "How it is scored")]
    head = "".join(f"<th>{esc(h)}</th>" for h in heads)
    return heading + explained + f'<table class="floors"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _people(result: RunResult, lang: str, payouts: bool, linked: bool, names: Mapping[str, str]) -> str:
    heads = [t(lang, "person_id", "ID"), t(lang, "name", "Name"), t(lang, "role", "Role"), t(lang, "team", "Team"),
             t(lang, "period", "Period"), t(lang, "total_score", "Total score"), t(lang, "grade", "Grade")]
    if payouts:
        heads.append(t(lang, "payout_in", f"Payout ({result.currency})", currency=result.currency))
    rows = []
    for p in result.people:
        name = esc(name_of(p))
        if linked:
            name = f'<a href="#{esc(anchor(p, names))}">{name}</a>'
        cells = [esc(p.person_id), name, esc(role_name(p)), esc(p.team or ""), esc(p.period),
                 f'<span title="{esc(exact(p.total_score))}">{esc(short(p.total_score))}</span>', esc(p.grade or "")]
        if payouts:
            cells.append(esc(money(p.payout.total)) if p.payout else "")
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    head = "".join(f"<th>{esc(h)}</th>" for h in heads)
    search = esc(t(lang, "filter", "Filter by name, id, role or team"))
    return (f"<h3>{esc(t(lang, 'everyone', 'Everyone'))}</h3>"
            f'<input type="search" class="filter" placeholder="{search}" aria-label="{search}" hidden>'
            f'<table class="people"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>')
