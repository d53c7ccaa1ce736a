"""Numbers and words as the HTML report and the workbook show them.

Every text that comes from data or a scheme passes through `esc` before it reaches the
page: a salesperson called `<script>` is shown as those characters, never run.
"""

from __future__ import annotations

import html
from decimal import Decimal

from kpirules import i18n
from kpirules.engine.numbers import WIDE, fmt_decimal, for_eye, half_up
from kpirules.engine.results import KpiResult, PersonResult

HUNDRED = Decimal(100)


def esc(text: object) -> str:
    """Text for HTML (element content and quoted attribute values alike)."""
    return html.escape("" if text is None else str(text), quote=True)


def t(lang: str, key: str, english: str, **values) -> str:
    """A fixed word of the report in its language (`report.*` in [ui] of the catalog)."""
    return i18n.ui(lang, f"report.{key}", english, **values)


def money(x: Decimal | None) -> str:
    """An amount with thousands separators, keeping its rounding scale: 51,972.16."""
    return "" if x is None else format(x, ",f")


def short(x: Decimal | None, places: int = 2) -> str:
    """A number for the eye (`for_eye`); the exact one is in the statement and the title attribute."""
    if x is None:
        return "-"
    if not x.is_finite():
        return "∞"
    return fmt_decimal(for_eye(x, places))


def exact(x: Decimal | None) -> str:
    return "-" if x is None else ("∞" if not x.is_finite() else fmt_decimal(x))


def percent(x: Decimal | None, places: int = 1) -> str:
    """An attainment as a percentage: 135.8%, ∞, or - when there is none."""
    if x is None:
        return "-"
    if not x.is_finite():
        return "∞"
    return f"{short(x * HUNDRED, places)}%"


def value_text(k: KpiResult, x: Decimal | None, lang: str) -> str:
    """A KPI value or target in its own unit: 89.5%, 3,938,000 CNY, 12 days."""
    if x is None:
        return t(lang, "no_value", "no value")
    if k.value_type == "percent":
        return percent(x)
    if k.value_type.startswith("money:"):
        return f"{format(half_up(x, 2).normalize(WIDE), ',f')} {k.value_type.split(':')[1]}"
    if k.value_type == "duration":
        return t(lang, "days", f"{short(x)} days", n=short(x))
    return short(x)


def name_of(p: PersonResult) -> str:
    return p.name or p.person_id


def role_name(p: PersonResult) -> str:
    return p.role_label or p.role


def kpi_name(k: KpiResult) -> str:
    return k.label or k.id


def below_floor(k: KpiResult) -> bool:
    """The curve gave this KPI nothing: attainment under a linear floor, or a scored 0.

    A `tiers`, `lookup` or `pass_fail` curve has no floor of its own; its lowest row
    scoring 0 plays that part. KPIs without data or still in progress are not counted.
    """
    if k.status != "ok" or k.attainment is None:
        return False
    return k.floor_hit or (k.score is not None and k.score == 0)
