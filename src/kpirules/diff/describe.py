"""How the parts of a scheme read in a diff: one short line of .kpi-like text each.

Expressions are printed as written (`50万 CNY`, `person.level == "director"`); numbers
the resolver turned into decimals are printed plainly, percentages with a % sign.
"""

from __future__ import annotations

from decimal import Decimal

from kpirules import i18n
from kpirules.lang import render
from kpirules.model import scheme as m
from kpirules.model.bands import describe as describe_range
from kpirules.model.bands import format_bound


def number(value: Decimal | None) -> str | None:
    return None if value is None else format_bound(value)


def percent(value: Decimal | None) -> str | None:
    return None if value is None else format_bound(value, percent=True)


def expression(node) -> str | None:
    return None if node is None else render.expression(node)


def text(value: str | None) -> str | None:
    return None if value is None else render.quote(value)


def money(value: Decimal | None, currency: str) -> str | None:
    return None if value is None else f"{number(value)} {currency}"


def tier(row: m.Tier, as_percent: bool) -> str:
    if row.value is not None:
        value = expression(row.value)
    else:
        value = f"linear {expression(row.linear_from)} to {expression(row.linear_to)}"
    return f"{describe_range(row, as_percent)}: {value}"


def grade_band(band: m.GradeBand) -> str:
    return f"{describe_range(band, False)}: {render.quote(band.grade)}"


def band_key(band: m.Band) -> tuple:
    return (band.low, band.high, band.low_closed, band.high_closed)


def target(rule: m.TargetRule, direction: str) -> str:
    line = f"{direction} {expression(rule.value)}"
    return f"{line} when {expression(rule.when)}" if rule.when is not None else line


def target_key(rule: m.TargetRule) -> tuple:
    return (expression(rule.when), rule.per_person)


def direction(value: str) -> str:
    return f"{value} (higher is better)" if value == ">=" else f"{value} (lower is better)"


def curve(c: m.Curve, rate: bool = False) -> str:
    """A whole scoring rule on one line, for when its kind changes; a rate's value in percent."""
    if c.kind == "linear":
        return f"linear floor {percent(c.floor)} cap {percent(c.cap)}"
    if c.kind == "pass_fail":
        return "pass_fail"
    axis = "" if c.axis == "attainment" else f" by {c.axis}"
    as_percent = c.axis == "attainment" or rate
    if c.kind == "tiers":
        rows = "; ".join(tier(t, as_percent) for t in c.tiers)
    else:
        rows = "; ".join(lookup_point(p, as_percent) for p in c.points)
    return f"{c.kind}{axis} {{ {rows} }}"


def lookup_point(point: m.LookupPoint, as_percent: bool) -> str:
    key = percent(point.key) if as_percent else number(point.key)
    return f"{key}: {expression(point.value)}"


def gate(g: m.Gate) -> str:
    effect = {"zero": "zero", "cap_factor": "cap factor", "multiply": "multiply"}[g.effect]
    if g.amount is not None:
        effect += f" {number(g.amount)}"
    line = f"{expression(g.condition)} else {effect}"
    return line + " (no data: pass)" if g.no_data == "pass" else line


def commission(c: m.Commission) -> str:
    return f"{c.mode} on {c.kpi}"


def commission_in_full(c: m.Commission) -> str:
    """A commission with its tiers, for when it is added or removed."""
    return f"{commission(c)} {{ {'; '.join(tier(t, False) for t in c.tiers)} }}"


def rounding(r: m.Rounding) -> str:
    return f"{r.mode} {number(r.step)}"


def kpi(k: m.Kpi) -> str:
    shown = f"{k.id} {render.quote(k.label)}" if k.label else k.id
    weight = f", weight {percent(k.weight)}" if k.weight is not None else ""
    return f"{shown} ({k.kind or 'kpi'} {k.rank}{weight})"


def role(r: m.Role) -> str:
    shown = f"{r.id} {render.quote(r.label)}" if r.label else r.id
    return f"{shown} ({i18n.count(len(r.kpis), 'KPI')}{', with payout' if r.payout else ''})"


def payout(p: m.Payout) -> str:
    parts = []
    if p.target_incentive is not None:
        parts.append(f"target incentive {expression(p.target_incentive)}")
    parts.append(f"{len(p.factor_tiers)} factor tiers")
    if p.gates:
        parts.append(f"{len(p.gates)} gates")
    if p.commissions:
        parts.append(f"{len(p.commissions)} commissions")
    return ", ".join(parts)


def column(c: m.ColumnSpec) -> str:
    flags = [f for f in ("required", "unique", "non_negative") if getattr(c, f)]
    line = " ".join([c.name, c.type, *flags])
    return f"{line} {render.quote(c.label)}" if c.label else line


def dataset(d: m.Dataset) -> str:
    shown = f"{d.kind} {d.id}"
    return f"{shown} {render.quote(d.label)}" if d.label else shown
