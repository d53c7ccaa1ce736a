"""Write a pacing run (`kpirules run --as-of`): a terminal table per role, CSV, JSON and JSON Lines.

Every format states the as-of day, the days elapsed and the days in the period, and labels
the scores, totals, grades and payouts as projected. Decimals are strings in JSON and exact
text in CSV, as in `run_output`; the table rounds them for the eye with `figures`, as the
report does.
"""

from __future__ import annotations

import io
import json
from collections import defaultdict
from decimal import Decimal
from typing import Any

from kpirules import i18n
from kpirules.engine.numbers import exact_sum, for_eye, half_up
from kpirules.report import jsontext
from kpirules.report.figures import money, percent
from kpirules.report.pacing import KpiPace, PacingResult, PersonPace
from kpirules.report.run_output import _num, _plain, csv_text, money_text, write_as_money

FORMATS = ("table", "csv", "json", "jsonl")
CSV_COLUMNS = [
    "period", "as_of", "person_id", "name", "role", "team", "kpi", "kpi_label", "rank", "additive", "kpi_period",
    "period_days", "active_days", "elapsed_days", "value_to_date", "target", "attainment_to_date",
    "expected_to_date", "projected_value", "projected_attainment", "projected_score", "status",
    "projected_total_score", "projected_grade", "projected_payout", "currency",
]
STATUS_WORDS = {
    "on_track": "on track", "at_risk": "at risk", "off_track": "off track",
    "no_target": "no target", "no_data": "no data", "not_started": "not started",
}

write_as_money(PersonPace, "projected_payout")


def pacing_dict(result: PacingResult, manifest: dict[str, Any] | None = None) -> dict[str, Any]:
    data = {"projection": "straight-line pace to the end of the period; ratios and averages as they stand", **_plain(result)}
    if manifest is not None:
        data = {"manifest": {**manifest, "as_of": result.as_of.isoformat()}, **data}
    return data


def render_json(result: PacingResult, manifest: dict[str, Any] | None = None) -> str:
    return jsontext.indented(pacing_dict(result, manifest))


def render_jsonl(result: PacingResult) -> str:
    """One person a line, each saying which day and period it paces."""
    head = {"as_of": result.as_of.isoformat(), "elapsed_days_in_period": result.elapsed_days,
            "period_days": result.period_days}
    return "\n".join(json.dumps({**head, **_plain(p)}, ensure_ascii=False) for p in result.people)


def csv_rows(result: PacingResult) -> list[dict[str, str]]:
    rows = []
    for p in result.people:
        for k in p.kpis:
            rows.append({
                "period": p.period, "as_of": result.as_of.isoformat(), "person_id": p.person_id,
                "name": p.name or "", "role": p.role, "team": p.team or "", "kpi": k.id, "kpi_label": k.label or "",
                "rank": k.rank, "additive": "true" if k.additive else "false", "kpi_period": k.kpi_period,
                "period_days": str(k.period_days), "active_days": str(k.active_days),
                "elapsed_days": str(k.elapsed_days), "value_to_date": _num(k.value_to_date),
                "target": _num(k.target), "attainment_to_date": _num(k.attainment_to_date),
                "expected_to_date": _num(k.expected_to_date), "projected_value": _num(k.projected_value),
                "projected_attainment": _num(k.projected_attainment), "projected_score": _num(k.projected_score),
                "status": k.status, "projected_total_score": _num(p.projected_total_score),
                "projected_grade": p.projected_grade or "", "projected_payout": money_text(p.projected_payout),
                "currency": result.currency,
            })
    return rows


def render_csv(result: PacingResult) -> str:
    return csv_text(CSV_COLUMNS, csv_rows(result))


# ---------------------------------------------------------------------- the table


def _score(x: Decimal | None) -> str:
    """A total beside its grade: two places, but never rounded up onto a band's edge (`for_eye`)."""
    return money(for_eye(x, 2)) if x is not None and x.is_finite() else _two_places(x)


def _two_places(x: Decimal | None) -> str:
    """Always two places and thousands separators (6.00, 2,238,043.48), so a column lines up."""
    if x is None:
        return "-"
    # half_up rounds in the run's 34-digit context: Python's default 28 digits refused a
    # projected payout of 27 digits with its 2 places (decimal.InvalidOperation)
    return money(half_up(x, 2)) if x.is_finite() else "∞"


def _amount(x: Decimal | None, value_type: str) -> str:
    """A value as people read it: rates as percentages (89.5%), counts and sums to two places."""
    return percent(x) if value_type == "percent" else _two_places(x)


def _attainment(k: KpiPace) -> str:
    return percent(k.projected_attainment if k.additive else k.attainment_to_date)


def status_word(status: str, lang: str) -> str:
    return i18n.ui(lang, f"pacing.status.{status}", STATUS_WORDS[status])


def _kpi_name(k: KpiPace, period: str) -> str:
    name = (k.label or k.id) + (" *" if k.rank == "auxiliary" else "")
    # a quarterly KPI in a monthly scheme is paced against its quarter: say so
    return name if k.kpi_period == period else f"{name} ({k.kpi_period})"


def _by_role(result: PacingResult) -> dict[str, list[PersonPace]]:
    groups: dict[str, list[PersonPace]] = defaultdict(list)
    for p in result.people:
        groups[p.role].append(p)
    return dict(sorted(groups.items()))


def heading(result: PacingResult, lang: str = "en") -> str:
    """Which period, as of which day, and how the projection is made (the table's first line;
    the other formats print it on standard error)."""
    values = dict(scheme=result.scheme, period=result.period, as_of=result.as_of.isoformat(),
                  elapsed=result.elapsed_days, days=result.period_days, end=result.period_end.isoformat())
    return i18n.ui(
        lang, "pacing.heading",
        "Scheme {scheme}, period {period} as of {as_of}: day {elapsed} of {days}; "
        "projected as if the pace to date holds to {end}".format(**values), **values)


def render_table(result: PacingResult, width: int | None = None, lang: str = "en") -> str:
    """Per role, one row per person and KPI: to date, expected to date, projected, attainment, status."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = Console(record=True, width=width or 160, file=io.StringIO(), force_terminal=False)
    console.print(heading(result, lang), soft_wrap=True)
    counts: dict[str, int] = defaultdict(int)
    for role, people in _by_role(result).items():
        label = people[0].role_label or role
        title = i18n.ui(lang, "run.role", f"{label} ({role}): {i18n.people(len(people))}", label=label, role=role, n=len(people))
        table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left")
        columns = [c for c in ("person", "name") if c == "person" or any(getattr(p, c) for p in people)]
        for column in columns:
            table.add_column(i18n.ui(lang, f"run.{column}", column))
        # when the table is too wide, headings wrap, never a KPI's name or a figure
        table.add_column("KPI", no_wrap=True)
        for key, english in (("to_date", "to date"), ("expected", "expected"), ("projected", "projected"),
                             ("attainment", "attainment")):
            table.add_column(i18n.ui(lang, f"pacing.{key}", english), justify="right", no_wrap=True)
        table.add_column(i18n.ui(lang, "pacing.status", "status"))
        table.add_column(i18n.ui(lang, "pacing.total", "projected total"), justify="right")
        table.add_column(i18n.ui(lang, "run.grade", "grade"))
        table.add_column(i18n.ui(lang, "pacing.payout", f"projected payout {result.currency}",
                                 currency=result.currency), justify="right")
        for p in people:
            for index, k in enumerate(p.kpis):
                counts[k.status] += 1
                first = index == 0
                who = [p.person_id] + [getattr(p, c) or "" for c in columns[1:]] if first else [""] * len(columns)
                summary = [_score(p.projected_total_score), p.projected_grade or "", money(p.projected_payout)] \
                    if first and p.projected_total_score is not None else ["", "", ""]
                table.add_row(
                    *who, _kpi_name(k, result.period), _amount(k.value_to_date, k.value_type),
                    _amount(k.expected_to_date, k.value_type), _amount(k.projected_value, k.value_type),
                    _attainment(k), status_word(k.status, lang), *summary,
                    end_section=index == len(p.kpis) - 1,
                )
        console.print(table)
    total = exact_sum(p.projected_payout for p in result.people if p.projected_payout is not None)
    if not result.people:  # as `kpirules run` says it, without a legend for a table that is not there
        console.print(i18n.ui(lang, "pacing.summary_none", f"0 people evaluated; projected payout {money(total)} "
                              f"{result.currency}.", total=money(total), currency=result.currency), soft_wrap=True)
        _print_warnings(console, result, lang)
        return console.export_text()
    tally = i18n.ui(lang, "list.separator", ", ").join(
        f"{status_word(s, lang)} {counts[s]}" for s in STATUS_WORDS if counts[s])
    console.print(i18n.ui(
        lang, "pacing.summary",
        f"{i18n.people(len(result.people))}; projected payout {money(total)} {result.currency}. KPIs: {tally}. "
        "Attainment is of the projected value for counts and sums, of the value to date for rates and averages; "
        "off track is at least 10% behind pace; * auxiliary KPI.",
        n=len(result.people), total=money(total), currency=result.currency, tally=tally,
    ), soft_wrap=True)
    _print_warnings(console, result, lang)
    return console.export_text()


def _print_warnings(console, result: PacingResult, lang: str) -> None:
    for warning in result.warnings:
        console.print(i18n.labelled(lang, "warning", i18n.phrase(warning, "warning", lang)), soft_wrap=True)
