"""What changed between two schemes, part by part, each change with where it was written.

Roles, KPIs, datasets and grade tables are matched by id; targets by their `when`
condition; rows of a table (scoring, factor, commission tiers, grade bands) by their
range, then by position (so a moved boundary reads as one changed row); gates by their
condition, then by position; commissions by the KPI they pay on, several on one KPI by
mode, then by position. A change is `added`, `removed` or `changed`, with the old and new
text and their positions (`path:line`).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from kpirules.diff import describe as d
from kpirules.diff.positions import Positions
from kpirules.lang.ast import Span
from kpirules.model import scheme as m


@dataclass(frozen=True)
class Change:
    action: str  # added, removed, changed
    section: str  # scheme, dataset, grades, role
    name: str | None  # the dataset, grade table or role
    kpi: str | None
    what: str  # weight, target, scoring tier, gate, ...
    old: str | None
    new: str | None
    old_at: str | None  # path:line as users know it
    new_at: str | None

    @property
    def is_item(self) -> bool:
        """The change adds or removes a whole role, KPI, dataset or grade table (not one setting)."""
        return self.what in ("role", "KPI", "grade table", "dataset", "roster", "targets", "adjustments")

    @property
    def subject(self) -> str:
        parts = [self.section if self.name is None else f"{self.section} {self.name}"]
        if self.kpi is not None:
            parts.append(f"KPI {self.kpi}")
        return ", ".join(parts)


@dataclass
class Version:
    """One side's scheme, where its settings were written, and how to show a position."""

    scheme: m.Scheme
    positions: Positions
    show: Callable[[Span | None], str | None]


def structural_changes(old: Version, new: Version) -> list[Change]:
    """Every difference between two schemes, in the order of the new scheme's declarations."""
    differ = _Differ(old, new)
    differ.header()
    differ.datasets()
    differ.grade_tables()
    differ.roles()
    return differ.changes


def pair(old: list, new: list, key: Callable[[Any], Any]) -> list[tuple[Any, Any]]:
    """Match items by key, then the rest by position; the unmatched are added or removed."""
    used: set[int] = set()
    matched: list[int | None] = []
    for item in new:
        index = next((i for i, o in enumerate(old) if i not in used and key(o) == key(item)), None)
        if index is not None:
            used.add(index)
        matched.append(index)
    left = [i for i in range(len(old)) if i not in used]
    for j, index in enumerate(matched):
        if index is None and left:
            matched[j] = left.pop(0)
    return [(old[i] if i is not None else None, n) for i, n in zip(matched, new)] + [(old[i], None) for i in left]


class _Differ:
    def __init__(self, old: Version, new: Version):
        self.old, self.new = old, new
        self.changes: list[Change] = []
        self.where: tuple[str, str | None, str | None] = ("scheme", None, None)

    # ------------------------------------------------------------------ recording

    def record(self, what: str, old: str | None, new: str | None, old_span, new_span) -> None:
        if old == new:
            return
        action = "added" if old is None else "removed" if new is None else "changed"
        section, name, kpi = self.where
        self.changes.append(Change(
            action, section, name, kpi, what, old, new,
            self.old.show(old_span) if old is not None else None,
            self.new.show(new_span) if new is not None else None,
        ))

    def rows(self, what: str, old: list, new: list, key, text, span=lambda x: x.span, new_text=None) -> None:
        """Rows of two tables, matched by `pair`; `new_text` when the new side reads differently."""
        new_text = new_text or text
        for o, n in pair(old, new, key):
            self.record(what, text(o) if o is not None else None, new_text(n) if n is not None else None,
                        span(o) if o is not None else None, span(n) if n is not None else None)

    def matched(self, old: dict, new: dict) -> Iterable[tuple[str, Any, Any]]:
        """Items of two id-keyed collections: the new order first, then the removed."""
        for key, item in new.items():
            yield key, old.get(key), item
        for key, item in old.items():
            if key not in new:
                yield key, item, None

    # ------------------------------------------------------------------ scheme parts

    def header(self) -> None:
        o, n = self.old.scheme.header, self.new.scheme.header
        op, np_ = self.old.positions, self.new.positions
        self.where = ("scheme", None, None)
        fields = [
            ("id", "id", lambda h: h.id), ("label", "id", lambda h: d.text(h.label)),
            ("description", "description", lambda h: d.text(h.description)),
            ("owner", "owner", lambda h: d.text(h.owner)), ("period", "period", lambda h: h.period),
            # as a scheme writes it: `fiscal_year_start april`
            ("fiscal year start", "fiscal_year_start", lambda h: calendar.month_name[h.fiscal_year_start].lower()),
            ("fiscal year named by", "fiscal_year_named_by", lambda h: h.fiscal_year_named_by),
            ("review", "review", lambda h: h.review), ("currency", "currency", lambda h: h.currency),
            ("timezone", "timezone", lambda h: d.text(h.timezone)),
            ("effective", "effective", lambda h: _effective(h)),
            ("rounding", "rounding", lambda h: d.rounding(h.rounding)),
            ("no-data score", "no_data", lambda h: d.number(h.no_data_score)),
        ]
        for what, key, get in fields:
            self.record(what, get(o), get(n), op.header(key), np_.header(key))
        self.rows("objective", o.objectives, n.objectives, lambda x: x.id,
                  lambda x: f"{x.id} {d.text(x.label)}" if x.label else x.id)

    def datasets(self) -> None:
        for ds_id, o, n in self.matched(self.old.scheme.datasets, self.new.scheme.datasets):
            self.where = ("dataset", ds_id, None)
            if o is None or n is None:
                self.record(o.kind if o else n.kind, o and d.dataset(o), n and d.dataset(n),
                            o and o.span, n and n.span)
                continue
            for what, get in (("kind", lambda x: x.kind), ("label", lambda x: d.text(x.label)),
                              ("description", lambda x: d.text(x.description)), ("origin", lambda x: x.origin)):
                self.record(what, get(o), get(n), o.span, n.span)
            for key in list(n.bindings) + [k for k in o.bindings if k not in n.bindings]:
                self.record(f"{key} column", o.bindings.get(key), n.bindings.get(key), o.span, n.span)
            self.rows("column", list(o.columns.values()), list(n.columns.values()), lambda c: c.name, d.column)

    def grade_tables(self) -> None:
        for grades_id, o, n in self.matched(self.old.scheme.grades, self.new.scheme.grades):
            self.where = ("grades", grades_id, None)
            if o is None or n is None:
                self.record("grade table", o and _bands(o), n and _bands(n), o and o.span, n and n.span)
                continue
            self.record("label", d.text(o.label), d.text(n.label), o.span, n.span)
            self.rows("grade band", o.bands, n.bands, d.band_key, d.grade_band)

    def roles(self) -> None:
        for role_id, o, n in self.matched(self.old.scheme.roles, self.new.scheme.roles):
            self.where = ("role", role_id, None)
            if o is None or n is None:
                self.record("role", o and d.role(o), n and d.role(n), o and o.span, n and n.span)
                continue
            self.role(o, n)

    # ------------------------------------------------------------------ a role

    def role(self, o: m.Role, n: m.Role) -> None:
        rid = n.id
        at_old = lambda key: self.old.positions.role(rid, key)  # noqa: E731
        at_new = lambda key: self.new.positions.role(rid, key)  # noqa: E731
        self.record("label", d.text(o.label), d.text(n.label), o.span, n.span)
        self.record("description", d.text(o.description), d.text(n.description),
                    at_old("description"), at_new("description"))
        self.record("extends", o.extends, n.extends, at_old("extends"), at_new("extends"))
        self.record("applies_to", d.expression(o.applies_to), d.expression(n.applies_to),
                    at_old("applies_to"), at_new("applies_to"))
        self.role_grades(o, n, at_old("grades"), at_new("grades"))
        for kpi_id, ok, nk in self.matched({k.id: k for k in o.kpis}, {k.id: k for k in n.kpis}):
            self.where = ("role", rid, kpi_id)
            if ok is None or nk is None:
                self.record("KPI", ok and d.kpi(ok), nk and d.kpi(nk), ok and ok.span, nk and nk.span)
            else:
                self.kpi(rid, ok, nk)
        self.where = ("role", rid, None)
        self.payout(rid, o, n)

    def role_grades(self, o: m.Role, n: m.Role, old_at, new_at) -> None:
        og, ng = o.grades, n.grades
        if og is not None and ng is not None and og.id is None and ng.id is None:
            self.rows("grade band", og.bands, ng.bands, d.band_key, d.grade_band)
            return
        self.record("grades", _grades_name(og), _grades_name(ng), old_at, new_at)

    def kpi(self, rid: str, o: m.Kpi, n: m.Kpi) -> None:
        def at(key):
            return self.old.positions.kpi(rid, o.id, key), self.new.positions.kpi(rid, n.id, key)

        fields = [
            ("label", None, lambda k: d.text(k.label)),
            ("description", "description", lambda k: d.text(k.description)),
            ("kind", "kind", lambda k: f"{k.kind} {k.rank}" if k.kind else k.rank),
            ("measure", "measure", lambda k: d.expression(k.measure)),
            ("direction", "target", lambda k: d.direction(k.direction)),
            ("weight", "weight", lambda k: d.percent(k.weight)),
            ("period", "period", lambda k: k.period),
            ("scope", "scope", lambda k: k.scope),
            ("unit", "unit", lambda k: k.unit),
            ("no-data score", "no_data", lambda k: d.number(k.no_data_score)),
            ("serves", "serves", lambda k: ", ".join(k.serves) or None),
        ]
        for what, key, get in fields:
            old_at, new_at = at(key) if key else (o.span, n.span)
            self.record(what, get(o), get(n), old_at, new_at)
        self.rows("target", o.targets, n.targets, d.target_key,
                  lambda t: d.target(t, o.direction), new_text=lambda t: d.target(t, n.direction))
        self.curve(
            o.curve, n.curve, *at("score"), old_rate=o.value_type == "percent", new_rate=n.value_type == "percent"
        )

    def curve(self, o: m.Curve, n: m.Curve, old_at, new_at, old_rate=False, new_rate=False) -> None:
        if (o.kind, o.axis) != (n.kind, n.axis):
            self.record("scoring", d.curve(o, old_rate), d.curve(n, new_rate), o.span or old_at, n.span or new_at)
            return
        # rows read as written: percentages for attainment or a rate's value
        as_percent = n.axis == "attainment" or new_rate
        if n.kind == "linear":
            self.record("scoring floor", d.percent(o.floor), d.percent(n.floor), o.span or old_at, n.span or new_at)
            self.record("scoring cap", d.percent(o.cap), d.percent(n.cap), o.span or old_at, n.span or new_at)
        elif n.kind == "tiers":
            self.rows("scoring tier", o.tiers, n.tiers, d.band_key, lambda t: d.tier(t, as_percent))
        elif n.kind == "lookup":
            self.rows("scoring point", o.points, n.points, lambda p: p.key, lambda p: d.lookup_point(p, as_percent))

    def payout(self, rid: str, o: m.Role, n: m.Role) -> None:
        op, np_ = o.payout, n.payout
        if op is None or np_ is None:
            self.record("payout", op and d.payout(op), np_ and d.payout(np_), op and op.span, np_ and np_.span)
            return

        def at(key):
            return self.old.positions.payout(rid, key), self.new.positions.payout(rid, key)

        old_cur, new_cur = self.old.scheme.header.currency, self.new.scheme.header.currency
        self.record("target incentive", d.expression(op.target_incentive), d.expression(np_.target_incentive),
                    *at("target_incentive"))
        self.rows("payout factor tier", op.factor_tiers, np_.factor_tiers, d.band_key, lambda t: d.tier(t, False))
        self.record("cap factor", d.number(op.cap_factor), d.number(np_.cap_factor), *at("cap factor"))
        self.record("payout cap", d.money(op.cap, old_cur), d.money(np_.cap, new_cur), *at("cap"))
        self.rows("gate", op.gates, np_.gates, lambda g: d.expression(g.condition), d.gate)
        self.commissions(op.commissions, np_.commissions)
        self.record("proration", _on(op.proration), _on(np_.proration), *at("proration"))
        self.payout_rounding(rid, op, np_)

    def payout_rounding(self, rid: str, op: m.Payout, np_: m.Payout) -> None:
        """The role's own `rounding` line; one inherited from the scheme on both sides is not
        the role's change (the scheme's `rounding` is listed once, under the scheme)."""
        old_at = self.old.positions.payout_written(rid, "rounding")
        new_at = self.new.positions.payout_written(rid, "rounding")
        if old_at is None and new_at is None:
            return
        self.record("payout rounding", d.rounding(op.rounding), d.rounding(np_.rounding),
                    old_at or self.old.positions.header("rounding"), new_at or self.new.positions.header("rounding"))


    def commissions(self, old: list[m.Commission], new: list[m.Commission]) -> None:
        """Commissions by the KPI they pay on; several on one KPI by mode, then by position."""
        for _kpi, old_group, new_group in self.matched(_by_kpi(old), _by_kpi(new)):
            for oc, nc in pair(old_group or [], new_group or [], lambda c: c.mode):
                if oc is None or nc is None:
                    self.record("commission", oc and d.commission_in_full(oc), nc and d.commission_in_full(nc),
                                oc and oc.span, nc and nc.span)
                    continue
                self.record("commission", d.commission(oc), d.commission(nc), oc.span, nc.span)
                self.rows(f"{nc.mode} commission tier on {nc.kpi}", oc.tiers, nc.tiers, d.band_key,
                          lambda t: d.tier(t, False))


def _by_kpi(commissions: list[m.Commission]) -> dict[str, list[m.Commission]]:
    grouped: dict[str, list[m.Commission]] = {}
    for commission in commissions:
        grouped.setdefault(commission.kpi, []).append(commission)
    return grouped


def _effective(h: m.Header) -> str | None:
    if h.effective_from is None and h.effective_to is None:
        return None
    return f"{h.effective_from or '…'} to {h.effective_to or '…'}"


def _bands(g: m.Grades) -> str:
    return "; ".join(d.grade_band(b) for b in g.bands)


def _grades_name(g: m.Grades | None) -> str | None:
    if g is None:
        return None
    return g.id if g.id is not None else f"own table {{ {_bands(g)} }}"


def _on(flag: bool) -> str:
    return "on" if flag else "off"
