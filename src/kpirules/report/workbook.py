"""`kpirules report --format xlsx`: a summary sheet and one sheet per role.

Numbers are written as numbers (attainment as a fraction shown as a percentage, money
with the currency in its number format), so the workbook sums and sorts; the header row
of every sheet stays in view when scrolling.
"""

from __future__ import annotations

import io
from collections import defaultdict
from decimal import Decimal

from kpirules import i18n
from kpirules.engine.numbers import exact_sum, quantize6
from kpirules.engine.results import KpiResult, PersonResult, RunResult
from kpirules.model.scheme import Scheme
from kpirules.report.figures import kpi_name, role_name, t
from kpirules.report.sheets import row_cells, sheet_title

SCORE = "0.00"
PERCENT = "0.0%"


def money_format(currency: str) -> str:
    return f'#,##0.00 "{currency}"'


def render_workbook(result: RunResult, scheme: Scheme, lang: str = "en", payouts: bool = True) -> bytes:
    """The workbook as bytes; with payouts=False it holds no amount of pay."""
    from openpyxl import Workbook

    book = Workbook()
    by_role: dict[str, list[PersonResult]] = defaultdict(list)
    for p in result.people:
        by_role[p.role].append(p)
    _summary(book.active, by_role, scheme, result, lang, payouts)
    for role, people in sorted(by_role.items()):
        _role_sheet(book.create_sheet(sheet_title(role, book.sheetnames)), people, result.currency, lang, payouts)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _grades(scheme: Scheme, roles: list[str]) -> list[str]:
    """Every grade the roles can give, in the order their grade tables list them."""
    found: list[str] = []
    for role in roles:
        table = scheme.roles[role].grades
        for band in table.bands if table else ():
            if band.grade not in found:
                found.append(band.grade)
    return found


def _summary(sheet, by_role, scheme: Scheme, result: RunResult, lang: str, payouts: bool) -> None:
    from openpyxl.styles import Font

    sheet.title = t(lang, "summary", "Summary")[:31]
    grades = _grades(scheme, list(by_role))
    # a run over several periods has a result per person and period: People counts each person
    # once, and a column beside it counts the results the averages and grades are taken over
    several = len(result.periods) > 1
    counted = [t(lang, "people", "People")]
    if several:
        counted.append(t(lang, "person_periods", "Person-periods"))
    header = [t(lang, "role_id", "Role id"), t(lang, "role", "Role"), *counted,
              t(lang, "average_score", "Average score")] + grades
    if payouts:
        header.append(t(lang, "payout_total", f"Payout total ({result.currency})", currency=result.currency))
    sheet.append(row_cells(sheet, header))
    grand = Decimal(0)
    for role, people in sorted(by_role.items()):
        average = sum((p.total_score for p in people), Decimal(0)) / len(people)
        counts = [sum(1 for p in people if p.grade == g) for g in grades]
        row = [role, role_name(people[0]), *_counts(people, several), quantize6(average)] + counts
        if payouts:
            # a role without payout rules pays nothing: its cell is empty, not 0 (which reads as paid 0)
            paid = [p.payout.total for p in people if p.payout]
            total = exact_sum(paid) if paid else None
            grand += total or 0
            row.append(total)
        sheet.append(row_cells(sheet, row))
    everyone = result.people
    overall = sum((p.total_score for p in everyone), Decimal(0)) / len(everyone)
    last = [t(lang, "all_roles", "All roles"), "", *_counts(everyone, several), quantize6(overall)]
    last += [sum(1 for p in everyone if p.grade == g) for g in grades]
    if payouts:
        last.append(grand)
    sheet.append(row_cells(sheet, last))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in sheet.iter_rows(min_row=2):
        row[len(counted) + 2].number_format = SCORE
        if payouts:
            row[-1].number_format = money_format(result.currency)
    sheet.append([])
    sheet.append(row_cells(sheet, [t(lang, "scheme", "Scheme"), result.scheme]))
    sheet.append(row_cells(sheet, [t(lang, "period", "Period"), ", ".join(result.periods)]))
    if result.period_reason:
        sheet.append(row_cells(sheet, [t(lang, "why_period", "Why this period"),
                                       i18n.phrase(result.period_reason, "explain", lang)]))
    _finish(sheet, "A2", [18, 18] + [10] * len(counted) + [14] + [10] * len(grades) + [20])


def _counts(people: list[PersonResult], several: bool) -> list[int]:
    """How many people (each once), and with several periods how many person-periods."""
    distinct = len({p.person_id for p in people})
    return [distinct, len(people)] if several else [distinct]


def _role_sheet(sheet, people: list[PersonResult], currency: str, lang: str, payouts: bool) -> None:
    kpis: dict[str, KpiResult] = {}
    for p in people:
        for k in p.kpis:
            kpis.setdefault(k.id, k)
    header = [t(lang, "person_id", "ID"), t(lang, "name", "Name"), t(lang, "team", "Team"), t(lang, "period", "Period"),
              t(lang, "active_days", "Days active"), t(lang, "total_score", "Total score"), t(lang, "grade", "Grade")]
    if payouts:
        header.append(t(lang, "payout_in", f"Payout ({currency})", currency=currency))
    fixed = len(header)
    for k in kpis.values():
        name = kpi_name(k)
        header += [t(lang, "col_value", f"{name}: value", kpi=name), t(lang, "col_target", f"{name}: target", kpi=name),
                   t(lang, "col_attainment", f"{name}: attainment", kpi=name), t(lang, "col_score", f"{name}: score", kpi=name)]
    sheet.append(row_cells(sheet, header))
    for p in people:
        row = [p.person_id, p.name, p.team, p.period, p.active_days, p.total_score, p.grade]
        if payouts:
            row.append(p.payout.total if p.payout else None)
        by_id = {k.id: k for k in p.kpis}
        for kpi_id in kpis:
            k = by_id.get(kpi_id)
            row += [None] * 4 if k is None else [k.value, k.target, _attainment(k.attainment), k.score]
        sheet.append(row_cells(sheet, row))
    for row in sheet.iter_rows(min_row=2):
        row[5].number_format = SCORE
        if payouts:
            row[7].number_format = money_format(currency)
        for i, k in enumerate(kpis.values()):
            value, target, attainment, score = row[fixed + 4 * i: fixed + 4 * i + 4]
            unit = _unit_format(k)
            value.number_format = target.number_format = unit
            attainment.number_format, score.number_format = PERCENT, SCORE
    _finish(sheet, "C2", [10, 12, 14, 10, 8, 11, 8] + ([14] if payouts else []) + [14] * (4 * len(kpis)))


def _attainment(x: Decimal | None):
    """An attainment as the cell holds it: a number, or ∞ as text (a cell cannot hold infinity)."""
    return "∞" if x is not None and not x.is_finite() else x


def _unit_format(k: KpiResult) -> str:
    if k.value_type == "percent":
        return PERCENT
    if k.value_type.startswith("money:"):
        return money_format(k.value_type.split(":")[1])
    return "General"


def _finish(sheet, freeze: str, widths: list[int]) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = freeze
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
