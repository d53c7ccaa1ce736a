"""Which parts of a scheme the cases exercised: scoring tiers and segments, target branches,
payout factor rows, commission rows, and each gate passing and failing.

An item is a place in a .kpi file (plus which side of it: below a linear floor, a gate that
failed), so a KPI a role inherits through `extends` is one item, exercised by a case of
either role. What a case exercised is read off its result: the KPI's status, attainment,
floor and cap flags and target line; the total score's factor row; the commission's KPI
value; the gate outcomes of the payout trace. Nothing is scored again.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kpirules.engine.results import PersonResult
from kpirules.engine.scoring import pct
from kpirules.errors import Location
from kpirules.lang.ast import Span
from kpirules.model.bands import describe
from kpirules.model.scheme import Kpi, Role, Scheme
from kpirules.report.source import written
from kpirules.engine.scoring import curve_part
from kpirules.schemetest.steps import gate_outcomes

ZERO = Decimal(0)
_SIDES = {"below": 0, "between": 1, "above": 2, "passed": 0, "failed": 1, "met": 0, "missed": 1}


@dataclass(frozen=True)
class Item:
    key: tuple
    role: str
    kind: str  # score, target, factor, commission, gate
    description: str
    span: Span

    @property
    def location(self) -> Location:
        return self.span.location()


def _key(kind: str, span: Span, side: str = "") -> tuple:
    return (kind, span.path, span.line, span.column, side)


def items_of(scheme: Scheme) -> dict[tuple, Item]:
    """Every item of every role of a scheme, keyed so that inherited items count once."""
    items: dict[tuple, Item] = {}

    def add(role: str, kind: str, span: Span, description: str, side: str = "") -> None:
        items.setdefault(_key(kind, span, side), Item(_key(kind, span, side), role, kind, description, span))

    for role in scheme.roles.values():
        for kpi in role.kpis:
            owner = kpi.inherited_from or role.id
            for side, span, text in _curve_items(kpi):
                add(owner, "score", span, text, side)
            if len(kpi.targets) > 1 or any(t.when is not None for t in kpi.targets):
                for rule in kpi.targets:
                    add(role.id, "target", rule.span, f"kpi {kpi.id}: target branch `{written(rule.span)}`")
        if role.payout is None:
            continue
        for tier in role.payout.factor_tiers:
            add(role.id, "factor", tier.span, f"payout factor row {describe(tier, False)}")
        for commission in role.payout.commissions:
            for tier in commission.tiers:
                add(role.id, "commission", tier.span, f"commission on {commission.kpi}: row {describe(tier, False)}")
        for gate in role.payout.gates:
            for side in ("passed", "failed"):
                add(role.id, "gate", gate.span, f"`{written(gate.span)}` {'passing' if side == 'passed' else 'failing'}", side)
    return items


def _curve_items(kpi: Kpi) -> list[tuple[str, Span, str]]:
    curve = kpi.curve
    head = f"kpi {kpi.id}:"
    if curve.kind == "linear":
        if curve.span is None:  # the default curve was not written: nothing to point at
            return []
        out = []
        if curve.floor:
            out.append(("below", curve.span, f"{head} attainment below the floor {pct(curve.floor)} (score 0)"))
        out.append(("between", curve.span, f"{head} attainment from the floor {pct(curve.floor or ZERO)}"
                    + (f" to the cap {pct(curve.cap)}" if curve.cap is not None else "")))
        if curve.cap is not None:
            out.append(("above", curve.span, f"{head} attainment above the cap {pct(curve.cap)}"))
        return out
    percent = curve.axis == "attainment" or kpi.value_type == "percent"  # as the rows are written
    if curve.kind == "tiers":
        return [("", t.span, f"{head} scoring tier {describe(t, percent=percent)}: {written(t.value.span)}") for t in curve.tiers]
    if curve.kind == "lookup":
        return [("", p.span, f"{head} lookup row {written(p.span)}") for p in curve.points]
    return [(side, curve.span, f"{head} pass_fail {side}") for side in ("met", "missed")]


def exercised(role: Role, person: PersonResult) -> set[tuple]:
    """The items one evaluated person exercised."""
    found: set[tuple] = set()
    results = {k.id: k for k in person.kpis}
    for k in person.kpis:
        kpi = role.kpi(k.id)
        if k.target_span is not None:
            found.add(_key("target", k.target_span))
        part = curve_part(kpi, k)
        if part is not None:
            found.add(_key("score", part[1], part[0]))
    payout = person.payout
    if payout is None or role.payout is None:
        return found
    tier = next((t for t in role.payout.factor_tiers if t.contains(person.total_score)), None)
    if tier is not None:
        found.add(_key("factor", tier.span))
    for commission in role.payout.commissions:
        k = results.get(commission.kpi)
        if k is None or k.status == "in_progress" or k.value is None or payout.zeroed_by_gate:
            continue
        base = max(k.value, ZERO)
        for t in commission.tiers:
            reached = base > (t.low or ZERO) if commission.mode == "marginal" else t.contains(base)
            if reached:
                found.add(_key("commission", t.span))
    for gate, outcome in zip(role.payout.gates, gate_outcomes(person)):
        if outcome != "not applied":
            found.add(_key("gate", gate.span, outcome))
    return found


@dataclass
class Coverage:
    items: dict[tuple, Item]
    hit: set[tuple]

    @property
    def uncovered(self) -> list[Item]:
        missing = [item for key, item in self.items.items() if key not in self.hit]
        return sorted(missing, key=lambda i: (i.span.path, i.span.line, i.span.column, _SIDES.get(i.key[-1], 9)))


def coverage(schemes: list[Scheme], outcomes) -> Coverage:
    """The items of the schemes' roles, and those the outcomes' results exercised."""
    items: dict[tuple, Item] = {}
    for scheme in schemes:
        items.update({k: v for k, v in items_of(scheme).items() if k not in items})
    hit: set[tuple] = set()
    for outcome in outcomes:
        if outcome.result is not None:
            hit |= exercised(outcome.case.role, outcome.result)
    return Coverage(items, hit)
