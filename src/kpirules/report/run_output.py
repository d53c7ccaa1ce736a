"""Write run results: a terminal table grouped by role, CSV, JSON, JSON Lines and Excel.

JSON carries the full breakdown per person and KPI and the run manifest; CSV is one row
per person and KPI (long format, easy to pivot); Excel has a summary sheet and one sheet
per role. Decimals are written as strings (JSON) or exact text (CSV), never floats.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
from collections import defaultdict
from decimal import Decimal
from typing import Any

from kpirules import i18n
from kpirules.engine.numbers import exact_sum, fmt_decimal, unsigned_zero
from kpirules.engine.results import Adjustment, PayoutResult, PayoutStep, PersonResult, RowPlace, RunResult
from kpirules.lang.ast import Span
from kpirules.report import jsontext
from kpirules.report.figures import percent, short

CSV_COLUMNS = [
    "period", "person_id", "name", "role", "team", "kpi", "kpi_label", "rank", "status",
    "value", "target", "target_source", "attainment", "score", "weight", "contribution",
    "total_score", "grade", "payout", "currency",
]


def _num(x: Decimal | None) -> str:
    return "" if x is None else fmt_decimal(x)


def _plain(x):
    """JSON-ready form: decimals as strings, dates ISO, spans as path:line:col."""
    kind = type(x)  # the common cases by their exact type first: a run's JSON has millions of values
    if kind in _AS_IS:
        return x
    if kind is Decimal:
        return fmt_decimal(x)
    if kind is dict:
        return {k: _plain(v) for k, v in x.items()}
    if kind is list:
        return [_plain(v) for v in x]
    if kind in _NAMES:
        return _plain_fields(x, _NAMES[kind])
    if x is None or isinstance(x, (str, bool, int)):
        return x
    if isinstance(x, Decimal):
        return fmt_decimal(x)
    if isinstance(x, (dt.date, dt.datetime)):
        return x.isoformat()
    if isinstance(x, Span):
        return f"{x.path}:{x.line}:{x.column}"
    if isinstance(x, RowPlace):  # an adjustment step's row of the adjustments dataset
        return str(x)
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    names = _NAMES.get(type(x))
    if names is None and dataclasses.is_dataclass(x):
        # the public fields, then the traces made when read
        names = _NAMES[type(x)] = tuple(f.name for f in dataclasses.fields(x) if not f.name.startswith("_")) + tuple(
            extra for extra in ("target_proration", "aggregates", "score_rule", "steps") if hasattr(type(x), extra))
    if names is not None:
        return _plain_fields(x, names)
    raise TypeError(f"cannot serialise {type(x).__name__}")  # pragma: no cover


def _plain_fields(x, names: tuple[str, ...]) -> dict:
    """A result object's fields, money written with its rounding step's places."""
    money = _MONEY.get(type(x), ())
    if isinstance(x, PayoutStep) and x.step in _MONEY_STEPS:
        money = ("value",)
    if not money:
        return {name: _plain(getattr(x, name)) for name in names}
    return {name: _plain_money(getattr(x, name)) if name in money else _plain(getattr(x, name)) for name in names}


#: the types `_plain` writes as they are
_AS_IS = {str, int, bool, type(None)}
#: the names `_plain` writes, by result type
_NAMES: dict[type, tuple[str, ...]] = {}
#: the fields holding rounded money, written with their rounding step's places (2965.50, 100)
_MONEY = {PayoutResult: ("incentive", "commissions", "total"), Adjustment: ("amount",)}
_MONEY_STEPS = {"incentive", "commission", "cap", "adjustment", "total"}


def write_as_money(cls: type, *names: str) -> None:
    """Have `_plain` write these fields of `cls` as money (pacing's projected payout)."""
    _MONEY[cls] = names


def _plain_money(x):
    if isinstance(x, dict):
        return {k: money_text(v) for k, v in x.items()}
    return None if x is None else money_text(x)


def json_value(x):
    """A value as the JSON outputs write it: decimals as strings, dates ISO, places as text."""
    return _plain(x)


def person_dict(person: PersonResult) -> dict[str, Any]:
    return _plain(person)


def result_dict(result: RunResult, manifest: dict[str, Any] | None = None) -> dict[str, Any]:
    data = _plain(result)
    if manifest is not None:
        data = {"manifest": manifest, **data}
    return data


def render_json(result: RunResult, manifest: dict[str, Any] | None = None) -> str:
    return jsontext.indented(result_dict(result, manifest))


def render_jsonl(result: RunResult) -> str:
    return "\n".join(json.dumps(person_dict(p), ensure_ascii=False) for p in result.people)


def kpi_rows(result: RunResult) -> list[dict[str, Any]]:
    """A row per person, period and KPI with the CSV's columns, numbers as Decimals (None: no value)."""
    rows = []
    for p in result.people:
        for k in p.kpis:
            rows.append({
                "period": p.period, "person_id": p.person_id, "name": p.name or "", "role": p.role,
                "team": p.team or "", "kpi": k.id, "kpi_label": k.label or "", "rank": k.rank,
                "status": k.status, "value": k.value, "target": k.target,
                "target_source": k.target_source, "attainment": k.attainment,
                "score": k.score, "weight": k.weight, "contribution": k.contribution,
                "total_score": p.total_score, "grade": p.grade or "",
                "payout": p.payout.total if p.payout else None, "currency": result.currency,
            })
    return rows


def csv_rows(result: RunResult) -> list[dict[str, str]]:
    rows = kpi_rows(result)
    for row in rows:
        for column in ("value", "target", "attainment", "score", "weight", "contribution", "total_score"):
            row[column] = _num(row[column])
        row["payout"] = money_text(row["payout"])
    return rows


def csv_text(columns: list[str], rows: list[dict[str, str]]) -> str:
    """CSV with a header row, as every CSV output of kpirules writes it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    # rows as lists: DictWriter checks and orders every field in Python, a third of the time
    writer.writerows([[row.get(c, "") for c in columns] for row in rows])
    return out.getvalue()


def render_csv(result: RunResult) -> str:
    return csv_text(CSV_COLUMNS, csv_rows(result))


def by_role(result: RunResult) -> dict[str, list[PersonResult]]:
    groups: dict[str, list[PersonResult]] = defaultdict(list)
    for p in result.people:
        groups[p.role].append(p)
    return dict(sorted(groups.items()))


def money_text(x: Decimal | None) -> str:
    """An amount as the CSV and JSON outputs write it: with its rounding step's places
    (0.00, 3648.60, 600.000 with step 0.001; a zero is never written -0.00); "" for none."""
    return "" if x is None else format(unsigned_zero(x), "f")


def _money_shown(x: Decimal | None) -> str:
    """An amount for the eye (the table): thousands separated, its rounding scale kept."""
    return "" if x is None else format(unsigned_zero(x), ",f")


def _cell(k, lang: str = "en") -> str:
    if k.status == "no_data":
        return i18n.ui(lang, "run.no_data", f"no data → {short(k.score, 2)}", score=short(k.score, 2))
    att = "∞" if k.attainment is not None and not k.attainment.is_finite() else (
        "-" if k.attainment is None else f"{short(k.attainment * 100, 1)}%")
    if k.status == "in_progress":
        # a KPI without a target shows its value to date, as it shows its value once closed
        shown = _value_cell(k) if k.attainment is None and k.value is not None else att
        return i18n.ui(lang, "run.so_far", f"{shown} so far", attainment=shown)
    if k.score is None:  # reported without a target
        return _value_cell(k)
    return f"{short(k.score, 2)} ({att})"


def _value_cell(k) -> str:
    """The value of a KPI without a target, for the eye: a rate as a percentage (14.3%, not
    0.14), other numbers with 2 decimals."""
    return percent(k.value, 2) if k.value_type == "percent" else short(k.value, 2)


#: the width of a table written to a file or a pipe: as wide as its cells (none wraps)
UNBOUNDED = 100_000


def render_table(result: RunResult, width: int | None = None, lang: str = "en") -> str:
    """A readable terminal table per role: each KPI's attainment and score, total, grade, payout.

    `width` is the terminal's: a table wider than it wraps its cells. Without one (a file,
    a pipe) every table is as wide as its cells and labels, on one line each. With lang="zh"
    the headings, summary and warnings are in Chinese (KPI labels are the scheme's own).
    """
    from rich import box
    from rich.console import Console
    from rich.table import Table

    # no markup or highlighting: names and labels are data (a "[b]" in a name stays as written),
    # and scanning every cell for them was most of the time of a large table
    console = Console(record=True, width=width or UNBOUNDED, file=io.StringIO(), force_terminal=False,
                      markup=False, highlight=False, emoji=False)
    periods = ", ".join(result.periods)
    heading = f"Scheme {result.scheme}, period {periods}: {result.period_reason}".rstrip(": ")
    if result.period_reason:
        heading = i18n.ui(lang, "run.heading", heading, scheme=result.scheme, periods=periods,
                          reason=i18n.phrase(result.period_reason, "explain", lang))
    else:
        heading = i18n.ui(lang, "run.heading_bare", heading, scheme=result.scheme, periods=periods)
    console.print(heading)
    wide = width or UNBOUNDED
    # no role of the run has payout rules (or nobody was evaluated): no payout column, no total
    paid = any(p.payout is not None for p in result.people)
    for role, people in by_role(result).items():
        first = people[0]
        label = first.role_label or role
        n = len({p.person_id for p in people})  # one row per person and period
        title = i18n.ui(lang, "run.role", f"{label} ({role}): {i18n.people(n)}", label=label, role=role, n=n)
        table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left")
        # the roster may bind no name or team: leave out columns nobody has; a run of several
        # periods says which one each row is
        columns = [c for c in ("person", "period", "name", "team")
                   if c == "person" or (c == "period" and len(result.periods) > 1)
                   or c != "period" and any(getattr(p, c) for p in people)]
        for column in columns:
            table.add_column(i18n.ui(lang, f"run.{column}", column))
        kpis = [(k.id, k.label or k.id, k.rank) for k in first.kpis]
        for _, label, rank in kpis:
            table.add_column(label + (" *" if rank == "auxiliary" else ""), justify="right")
        table.add_column(i18n.ui(lang, "run.total", "total"), justify="right")
        table.add_column(i18n.ui(lang, "run.grade", "grade"))
        if paid:
            table.add_column(i18n.ui(lang, "run.payout", f"payout {result.currency}", currency=result.currency),
                             justify="right")
        rows = []
        for p in people:
            cells = [p.person_id] + [getattr(p, c) or "" for c in columns[1:]]
            by_id = {k.id: k for k in p.kpis}
            for kpi_id, _, _ in kpis:
                k = by_id.get(kpi_id)
                cells.append("" if k is None else _cell(k, lang))
            cells += [short(p.total_score, 2), p.grade or ""]
            if paid:
                cells.append(_money_shown(p.payout.total) if p.payout else "")
            rows.append([str(c) for c in cells])
        plain = plain_table(title, [(str(c.header), c.justify) for c in table.columns], rows, wide) \
            if len(rows) > PLAIN_TABLE_ROWS else None
        if plain is not None:
            console.print(plain, crop=False, overflow="ignore")
            continue
        for cells in rows:
            table.add_row(*cells)
        console.print(table)
    total = exact_sum(p.payout.total for p in result.people if p.payout)
    if not result.people:
        console.print(i18n.ui(lang, "run.summary_nobody", "0 people evaluated."))
    elif not paid:
        console.print(i18n.ui(
            lang, "run.summary_unpaid",
            f"{i18n.people(len({p.person_id for p in result.people}))} evaluated; no payout rules. "
            "Cells: score (attainment); * auxiliary KPI: reported, not weighted.",
            n=len({p.person_id for p in result.people}),
        ))
    elif len(result.periods) > 1:
        people = len({p.person_id for p in result.people})
        console.print(i18n.ui(
            lang, "run.summary_periods",
            f"{i18n.people(people)} evaluated in {len(result.periods)} periods ({len(result.people)} results); "
            f"total payout {_money_shown(total)} {result.currency}. "
            "Cells: score (attainment); * auxiliary KPI: reported, not weighted.",
            n=people, periods=len(result.periods), results=len(result.people), total=_money_shown(total),
            currency=result.currency,
        ))
    else:
        console.print(i18n.ui(
            lang, "run.summary",
            f"{i18n.people(len(result.people))} evaluated; total payout {_money_shown(total)} {result.currency}. "
            "Cells: score (attainment); * auxiliary KPI: reported, not weighted.",
            n=len(result.people), total=_money_shown(total), currency=result.currency,
        ))
    # people who match no role are among the warnings below
    for warning in result.warnings:  # a line each, however long (a terminal wraps it; a file keeps it whole)
        console.print(i18n.labelled(lang, "warning", i18n.phrase(warning, "warning", lang)), soft_wrap=True)
    return console.export_text()


# rich lays out each cell of a table (about 0.2 ms a row); a table longer than this is
# written by plain_table, in the same layout, when it fits the width without wrapping
PLAIN_TABLE_ROWS = 200


def plain_table(title: str, columns: list[tuple[str, str]], rows: list[list[str]], width: int) -> str | None:
    """A table laid out as rich draws box.SIMPLE_HEAD with a left-justified title; None when
    it would not fit in `width` (rich then wraps cells, which this does not)."""
    from rich.cells import cell_len

    widths = [cell_len(header) for header, _ in columns]
    for row in rows:
        for i, cell in enumerate(row):
            n = cell_len(cell)
            if n > widths[i]:
                widths[i] = n
    inner = sum(widths) + 3 * len(widths) - 1  # each cell padded by a space on both sides, one between
    # rich wraps what does not fit, and expands tabs after measuring: leave those to it
    if inner + 2 > width or cell_len(title) > inner + 2 or any(
            "\n" in cell or "\t" in cell for row in rows for cell in row):
        return None

    def line(cells: list[str]) -> str:
        parts = []
        for cell, w, (_, justify) in zip(cells, widths, columns):
            gap = " " * (w - cell_len(cell))
            parts.append(gap + cell if justify == "right" else cell + gap)
        return "  " + "   ".join(parts) + "  "

    blank = " " * (inner + 2)
    title = title + " " * max(inner + 2 - cell_len(title), 0)
    out = [title, blank, line([header for header, _ in columns]), " " + "─" * inner + " "]
    out.extend(line(row) for row in rows)
    out.append(blank)
    return "\n".join(out)


# run --format xlsx: the CSV's columns, numbers as numbers (shown with these formats)
XLSX_NUMBERS = {"value": "General", "target": "General", "attainment": "0.0%", "score": "0.00",
                "weight": "General", "contribution": "0.00", "total_score": "0.00", "payout": "#,##0.00"}


def _cell_number(x: Decimal | None):
    """A decimal as an Excel cell holds it: a number (no value: an empty cell; unbounded: the text Infinity)."""
    if x is None:
        return None
    return unsigned_zero(x) if x.is_finite() else fmt_decimal(x)


def render_xlsx(result: RunResult) -> bytes:
    """A workbook: a summary sheet (one row per person) and one sheet per role (one row per
    KPI, the CSV's columns). Numbers are numbers, each shown with a number format; the cell
    holds the value itself (attainment as a fraction shown as a percentage, 1.07 as 107.0%).
    Text is text, never a formula; no value is no cell."""
    from openpyxl import Workbook

    from kpirules.report.sheets import row_cells, sheet_title

    book = Workbook()
    summary = book.active
    summary.title = "summary"
    summary.append(["period", "person_id", "name", "role", "team", "total_score", "grade", "payout", "currency"])
    for p in result.people:
        summary.append(row_cells(summary, [
            p.period, p.person_id, p.name, p.role, p.team, _cell_number(p.total_score), p.grade,
            _cell_number(p.payout.total) if p.payout else None, result.currency]))
    for row in summary.iter_rows(min_row=2):
        row[5].number_format, row[7].number_format = XLSX_NUMBERS["total_score"], XLSX_NUMBERS["payout"]
    columns = [c for c in CSV_COLUMNS if c != "currency"]
    numbers = {i: XLSX_NUMBERS[c] for i, c in enumerate(columns) if c in XLSX_NUMBERS}
    for role, people in by_role(result).items():
        sheet = book.create_sheet(title=sheet_title(role, book.sheetnames))
        sheet.append(columns)
        for row in kpi_rows(dataclasses.replace(result, people=people)):
            sheet.append(row_cells(sheet, [_cell_number(row[c]) if c in XLSX_NUMBERS else row[c] for c in columns]))
        for row in sheet.iter_rows(min_row=2):
            for i, number_format in numbers.items():
                row[i].number_format = number_format
    for sheet in book.worksheets:
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
