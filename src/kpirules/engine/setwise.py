"""Score every person of a role in one SQL statement: targets to payout, set-based.

The per-person Python path (`Evaluator._evaluate_person`) is the reference: it keeps every
step for `explain`. This module compiles the same steps for a whole role into one DuckDB
query over the per-person table (roster x periods, joined to the aggregates and the
per-person targets): target rules, proration, attainment, curve, contributions, total,
grade, factor, gates, incentive, commissions and caps. Numbers are exact
(`kpirules.engine.exact_sql`), rounded as Python rounds, and come back as integers with
a kind code that says which Decimal the Python path would have made (a computed value, or
one of the scheme's constants, which are reused as they are), so results are identical,
exponents and negative zeros included.

A role with something not compiled here (`Unsupported`) is evaluated by the Python path,
and so is any person the query marks (`__kp_py`): a rounding midpoint the Python path
might round differently, unbounded attainment, manual adjustments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from kpirules.engine import ir
from kpirules.engine.exact_sql import MICRO, Num, Unsupported, _times, money, money_exponent, round_division
from kpirules.engine.numbers import INFINITY, as_applied, quantize6, to_decimal
from kpirules.engine.periods import Period
from kpirules.engine.scoring import HUNDRED, ONE, ZERO
from kpirules.engine.setwise_expr import ExprSQL
from kpirules.model.types import refs_in

# kind codes of a decimal output: none, computed, or the i-th constant of its field
NONE, COMPUTED, CONST = 0, 1, 10
STATUS = {0: "ok", 1: "no_data", 2: "in_progress"}


@dataclass
class Field:
    """A decimal output: a kind code, a coefficient and a sign, and the constants it can be."""

    name: str
    exponent: int = -6
    consts: list[Decimal] = field(default_factory=list)

    def const(self, value: Decimal) -> int:
        for i, c in enumerate(self.consts):
            if c is value:
                return CONST + i
        self.consts.append(value)
        return CONST + len(self.consts) - 1


class Layers:
    """Columns computed in order; each layer may use the columns of the layers before it."""

    def __init__(self):
        self.layers: list[list[tuple[str, str, bool]]] = [[]]
        self.reads: set[str] = set()  # the table's columns the last `sql` read

    def add(self, name: str, sql: str) -> str:
        self.layers[-1].append((name, sql, False))
        return name

    def replace(self, name: str, sql: str) -> str:
        """A new value for an existing column, computed from the old values."""
        self.layers[-1].append((name, sql, True))
        return name

    def next(self) -> None:
        if self.layers[-1]:
            self.layers.append([])

    def sql(self, table: str, where: str, outputs: list[str]) -> str:
        """The columns over the table's rows that `where` keeps, as few nested SELECTs as
        their dependencies allow (the first reads the table's columns it needs), each
        passing on only the columns later ones read (planning cost grows with both, and
        is most of a role query's cost): a column that only renames another is that
        other column, and a short constant is written where it is read."""
        current: dict[str, str] = {}  # a column's name -> its latest value (a column's name, or a constant)
        level: dict[str, int] = {}
        defs: list[tuple[str, str, int]] = []
        for layer in self.layers:
            staged = []
            for name, sql, _ in layer:
                # a column reads the values of the layers before its own (a replaced one, its old value)
                sql = _NAME.sub(lambda m: current.get(m.group(0), m.group(0)), sql)
                reads = _NAME.findall(sql)
                if _NAME.fullmatch(sql) or (not reads and len(sql) <= _CONSTANT):
                    staged.append((name, sql if reads or _SIMPLE.fullmatch(sql) else f"({sql})", None))
                    continue
                vname = f"{name}__{len(defs)}" if name in current or name in level else name
                staged.append((name, vname, (sql, 1 + max((level.get(r, 0) for r in reads), default=0))))
            for name, vname, made in staged:
                current[name] = vname
                if made is not None:
                    level[vname] = made[1]
                    defs.append((vname, *made))
        depth = max((lvl for _, _, lvl in defs), default=0)
        layers: list[list[tuple[str, str]]] = [[] for _ in range(depth)]
        for vname, sql, lvl in defs:
            layers[lvl - 1].append((vname, sql))
        final = [(o, current.get(o, o)) for o in outputs]
        live = {r for _, v in final for r in _NAME.findall(v)}
        keep: list[set[str]] = []
        for layer in reversed(layers):
            keep.append(set(live))
            for name, _ in layer:
                live.discard(name)
            for _, sql in layer:
                live |= set(_NAME.findall(sql))
        keep.reverse()
        query = None
        self.reads = set(live)
        available = sorted(live)  # what the layers read from the table
        for i, (layer, wanted) in enumerate(zip(layers, keep)):
            defined = {name: sql for name, sql in layer if name in wanted}
            passed = [c for c in available if c in wanted and c not in defined]
            columns = [f"{sql} AS {name}" for name, sql in defined.items()]
            if i == 0 or not passed:
                columns = passed + columns
            else:
                # the layer before's columns, less those no longer read: shorter to parse than a list
                kept = set(passed)
                dropped = [c for c in available if c not in kept]
                columns.insert(0, f"* EXCLUDE ({', '.join(dropped)})" if dropped else "*")
            available = passed + list(defined)
            source = f"{table} WHERE {where}" if query is None else f"({query})"
            query = f"SELECT {', '.join(columns) or '1 AS __kp_none'}\nFROM {source}"
        picks = ", ".join(v if v == o else f"{v} AS {o}" for o, v in final)
        return f"SELECT {picks}\nFROM {f'({query})' if query else f'{table} WHERE {where}'}"


# a row-independent expression up to this long is written where it is read, not carried in a column
_CONSTANT = 120
# written bare; anything else (a negative number too: "-" before "-1" would open a comment) in parentheses
_SIMPLE = re.compile(r"[0-9.]+|TRUE|FALSE|NULL", re.IGNORECASE)
_NAME = re.compile(r'__kp_\w+|"(?:[^"]|"")+"')


def scaled(num: Num, scale: int) -> str:
    """An exact Num with a constant power-of-ten denominator, as an integer at `scale` places."""
    if not isinstance(num.d, int) or 10**scale % num.d:
        raise Unsupported("a constant with more places than expected")
    if num.value is not None:
        return str(int(num.value * 10**scale))
    return _times(num.n, 10**scale // num.d)


def places(x: Decimal) -> int:
    return max(-x.as_tuple().exponent, 0) if x.is_finite() else 0


class RoleQuery:
    """The SQL that scores one role's people, and how to read its columns back.

    Steps go in layers (each a SELECT over the one before); an intermediate number is put
    in columns (`store`) before it is rounded, so no expression repeats a long one.
    """

    def __init__(self, ctx, rt, periods: list[Period]):
        self.ctx, self.rt, self.periods = ctx, rt, periods
        self.L = Layers()
        self.flags: list[str] = []
        self.fields: dict[str, Field] = {}
        self.payout: dict | None = None
        self._raw: dict[int, Num] = {}  # KPI index -> its value before rounding
        self._targets: dict[int, tuple] = {}
        self._score_scale: dict[int, int] = {}
        self._build()

    # ------------------------------------------------------------- helpers

    def field(self, name: str, exponent: int = -6) -> Field:
        self.fields[name] = Field(name, exponent)
        return self.fields[name]

    def store(self, name: str, num: Num) -> Num:
        """Put a number's parts in columns of this layer; the Num returned reads them (next layers)."""
        if num.value is not None:
            return num
        self.L.add(f"{name}_n", num.n)
        d = num.d
        if not isinstance(d, int):
            d = self.L.add(f"{name}_d", d)
        neg = self.L.add(f"{name}_s", num.neg) if num.neg is not None else None
        return Num(f"{name}_n", d, neg, num.inexact, num.risky)

    def out(self, f: Field, cases: list[tuple[str, object]], otherwise=None) -> None:
        """Columns <name>_k, _c, _n: the first case whose condition holds gives a Decimal
        constant, None, or a computed (coefficient SQL, negative SQL)."""
        items = cases + [("TRUE", otherwise)]
        choice = " ".join(f"WHEN {c} THEN {i}" for i, (c, _) in enumerate(items[:-1]))
        index = self.L.add(f"{f.name}_i", f"(CASE {choice} ELSE {len(items) - 1} END)" if choice else "0")
        self.L.next()
        kinds, coefs, negs = [], [], []
        for i, (_, value) in enumerate(items):
            if value is None:
                kinds.append(NONE)
            elif isinstance(value, Decimal):
                kinds.append(f.const(value))
            else:
                kinds.append(COMPUTED)
                coefs.append((i, value[0]))
                negs.append((i, value[1]))
        self.L.add(f"{f.name}_k", _pick(index, [(i, str(k)) for i, k in enumerate(kinds)], "0"))
        self.L.add(f"{f.name}_c", f"CAST({_pick(index, coefs, 'NULL')} AS HUGEINT)")
        self.L.add(f"{f.name}_n", _pick(index, negs, "FALSE"))

    def value_of(self, f: Field, scale: int) -> str:
        """The numeric value of an output field, as an integer at `scale` places (NULL for none)."""
        whens = [f"WHEN {COMPUTED} THEN {_times(f.name + '_c', 10 ** (scale + f.exponent))}"]
        for i, c in enumerate(f.consts):
            if c.is_finite():
                whens.append(f"WHEN {CONST + i} THEN {scaled(Num.const(c), scale)}")
        return f"CAST((CASE {f.name}_k {' '.join(whens)} ELSE NULL END) AS HUGEINT)"

    # ------------------------------------------------------------- compile

    def _build(self) -> None:
        kpis = list(enumerate(self.rt.kpis))
        for step in (self._value_and_target, self._rounded_value, self._proration, self._attainment,
                     self._status, self._score, self._score_value, self._contribution):
            for ki, kr in kpis:
                step(ki, kr)
            self.L.next()
        self._total()
        self.L.next()
        self._grade()
        if self.rt.payout is not None:
            self._payout()
        self.L.next()
        self.L.add("__kp_py", "COALESCE(" + (" OR ".join(f for f in self.flags if f != "FALSE") or "FALSE") + ", FALSE)")

    def _agg(self, index: int) -> Num:
        scale, _ = self.ctx.aggregate_scale(index)  # the per-person table holds it scaled to an integer
        return Num(f"__kp_v{index}", 10**scale)

    def _value(self, tree) -> Num:
        if isinstance(tree, ir.AggRef):
            return self._agg(tree.index)
        if isinstance(tree, ir.Const):
            return Num.const(tree.value)
        if isinstance(tree, ir.Neg):
            return self._value(tree.operand).negate()
        if isinstance(tree, ir.Op):
            a, b = self._value(tree.left), self._value(tree.right)
            return {"+": a.add, "-": a.sub, "*": a.mul, "/": a.div}[tree.op](b)
        raise Unsupported("conditions and functions in a measure")

    def _value_and_target(self, ki: int, kr) -> None:
        k = f"__kp_k{ki}"
        if kr.value is not None:
            self._raw[ki] = self._value(kr.plan.value)
            self.store(f"{k}_vr", self._raw[ki])
        # target rules in the Python path's order: per person, then `when`, then constant
        cases = []
        for i, (rule, _, _, column) in enumerate(kr.targets):
            if rule.per_person:
                col = self.ctx.target_column(rule.per_person, kr.unit, column)
                scale = self.ctx.column_scale(rule.per_person, column)
                cases.append((f"{col} IS NOT NULL", i, Num.column(col, scale).q6()))
        for i, (rule, _, _, _) in enumerate(kr.targets):
            if rule.when is not None:
                cases.append((ExprSQL(self.ctx.person_resolver()).condition(rule.when), i, self._constant_target(rule)))
        for i, (rule, _, _, _) in enumerate(kr.targets):
            if rule.when is None and rule.per_person is None:
                cases.append(("TRUE", i, self._constant_target(rule)))
                break
        choice = " ".join(f"WHEN {c} THEN {i}" for c, i, _ in cases)
        rule = self.L.add(f"{k}_tr", f"(CASE {choice} ELSE -1 END)" if cases else "-1")
        self._targets[ki] = (rule, [(i, micro) for _, i, micro in cases])

    def _constant_target(self, rule) -> str:
        e = rule.value
        while e.node == "paren":
            e = e.inner
        if e.node != "literal" or not isinstance(e.value, Decimal):
            raise Unsupported("a target that is not a number")
        if quantize6(to_decimal(e.value)).is_signed():
            raise Unsupported("a negative target")  # keeps signs of zero out of targets
        return Num.const(e.value).q6()

    def _rounded_value(self, ki: int, kr) -> None:
        k = f"__kp_k{ki}"
        if kr.value is not None:
            raw = self._raw[ki]
            stored = Num(f"{k}_vr_n", raw.d if isinstance(raw.d, int) else f"{k}_vr_d",
                         f"{k}_vr_s" if raw.neg is not None else None, raw.inexact, raw.risky)
            if raw.value is not None:
                stored = raw
            self.flags.append(stored.needs_python())
            self.L.add(f"{k}_v", stored.q6())
            self.L.add(f"{k}_vn", stored.negative if (stored.neg is not None or stored.value is not None) else f"({stored.n} < 0)")
        else:
            self.L.add(f"{k}_v", "CAST(NULL AS HUGEINT)")
            self.L.add(f"{k}_vn", "FALSE")
        rule, cases = self._targets[ki]
        self.L.add(f"{k}_t0", f"CAST({_pick(rule, [(i, micro) for i, micro in cases], 'NULL')} AS HUGEINT)")

    def _proration(self, ki: int, kr) -> None:
        k = f"__kp_k{ki}"
        unit = kr.unit or self.ctx.calendar.unit
        if kr.plan.additive and kr.kpi.direction == ">=" and self.rt.proration:
            days, kdays = self.ctx.kpi_days(unit), f"__kp_{unit}_days"
            # target x days / KPI-period days, one exact division (as the Python path)
            prorated = round_division(f"({k}_t0 * {days})", kdays, "half_up")
            self.flags.append(f"(abs({k}_t0) > {10**19})")
            self.L.add(f"{k}_b", f"(CASE WHEN {days} < {kdays} THEN {k}_t0 END)")
            self.L.add(f"{k}_t", f"(CASE WHEN {days} < {kdays} THEN {prorated} ELSE {k}_t0 END)")
        else:
            self.L.add(f"{k}_b", "CAST(NULL AS HUGEINT)")
            self.L.add(f"{k}_t", f"{k}_t0")

    def _attainment(self, ki: int, kr) -> None:
        k = f"__kp_k{ki}"
        f = self.field(f"{k}_a")
        missing = f"{k}_v IS NULL OR {k}_t IS NULL"
        if kr.kpi.direction == ">=":
            ratio = round_division(f"({k}_v * {MICRO})", f"{k}_t", "half_up")  # t > 0 here
            cases = [(missing, None), (f"{k}_t <= 0 AND {k}_v >= {k}_t", ONE), (f"{k}_t <= 0", ZERO)]
            otherwise = (ratio, f"{k}_vn")
        else:
            ratio = round_division(f"({k}_t * {MICRO})", f"{k}_v", "half_up")  # v > 0 here
            cases = [(missing, None), (f"{k}_v <= 0 AND {k}_t >= 0", INFINITY), (f"{k}_v <= 0 OR {k}_t <= 0", ZERO)]
            otherwise = (ratio, "FALSE")
        self.flags.append(f"(abs({k}_v) > {10**19} OR abs({k}_t) > {10**19})")
        self.out(f, cases, otherwise)
        if kr.kpi.direction == "<=":
            self.flags.append(f"({k}_a_k = {f.const(INFINITY)})")  # unbounded attainment: Python

    def _status(self, ki: int, kr) -> None:
        # in progress until the KPI's period closes; no value, or no attainment, is no data
        k = f"__kp_k{ki}"
        closes = self.ctx.closes_column(kr.unit or self.ctx.calendar.unit)
        if kr.kpi.curve.axis == "attainment":
            aux = "TRUE" if kr.kpi.rank == "auxiliary" else "FALSE"
            unscored = f"({k}_a_k = {NONE} AND NOT ({aux} AND {k}_t IS NULL))"
        else:
            unscored = "FALSE"
        self.L.add(f"{k}_s", f"(CASE WHEN NOT {closes} THEN 2 WHEN {k}_v IS NULL THEN 1 WHEN {unscored} THEN 1 ELSE 0 END)")
        self.L.add(f"{k}_ax", self.value_of(self.fields[f"{k}_a"], 6))

    def _score(self, ki: int, kr) -> None:
        k = f"__kp_k{ki}"
        curve, kpi = kr.curve, kr.kpi
        f = self.field(f"{k}_sc")
        att = Num.micro(f"{k}_ax")
        unscored = f"({k}_s = 0 AND {k}_a_k = {NONE})" if curve.axis == "attainment" else "FALSE"
        floor_hit, cap_hit = "FALSE", "FALSE"
        if curve.kind == "linear":
            below = att.compare("<", Num.const(curve.floor))
            above = att.compare(">", Num.const(curve.cap)) if curve.cap is not None else "FALSE"
            curve_cases = [(f"{k}_ax IS NULL", ZERO), (below, ZERO)]
            if curve.cap is not None:
                curve_cases.append((above, curve.max_cap))
            curve_other = (f"({k}_ax * 100)", f"{k}_a_n")
            floor_hit = f"COALESCE({below}, FALSE)"
            cap_hit = f"COALESCE(NOT {below} AND {above}, FALSE)"
        elif curve.kind == "pass_fail":
            curve_cases = [(f"COALESCE({k}_ax >= {MICRO}, FALSE)", HUNDRED)]
            curve_other = ZERO
        else:
            if curve.axis == "attainment":
                x, present = Num.micro(f"greatest({k}_ax, 0)"), f"{k}_ax IS NOT NULL"
            else:
                x, present = Num.micro(f"{k}_v"), f"{k}_v IS NOT NULL"
            curve_cases = []
            if curve.kind == "tiers":
                for tier, s in curve.tiers:
                    curve_cases.append((f"{present} AND {_contains(tier, x)}", s))
            else:
                for key, s in reversed(curve.points):
                    curve_cases.append((f"{present} AND {x.compare('>=', Num.const(key))}", s))
            curve_other = ZERO
        self.out(f, [(unscored, None), (f"{k}_s = 1", as_applied(kpi.no_data_score))] + curve_cases, curve_other)
        # only a score that was given (status ok) was decided by the floor or the cap
        self.L.add(f"{k}_fl", f"(NOT {unscored} AND {k}_s = 0 AND {floor_hit})")
        self.L.add(f"{k}_cp", f"(NOT {unscored} AND {k}_s = 0 AND {cap_hit})")

    def _score_value(self, ki: int, kr) -> None:
        k = f"__kp_k{ki}"
        f = self.fields[f"{k}_sc"]
        scale = self._score_scale[ki] = max([6] + [places(c) for c in f.consts])
        self.L.add(f"{k}_sx", self.value_of(f, scale))
        # the sign of the score, -0 included (a computed score has the attainment's)
        sneg = f"(CASE {k}_sc_k WHEN {COMPUTED} THEN {k}_sc_n"
        sneg += "".join(f" WHEN {CONST + i} THEN {'TRUE' if c.is_signed() else 'FALSE'}" for i, c in enumerate(f.consts))
        self.L.add(f"{k}_sxn", sneg + " ELSE FALSE END)")

    def _contribution(self, ki: int, kr) -> None:
        k = f"__kp_k{ki}"
        kpi = kr.kpi
        if kpi.rank != "main":
            self.L.add(f"{k}_c", "CAST(NULL AS HUGEINT)")
            self.L.add(f"{k}_cn", "FALSE")
            return
        weight = kpi.weight or ZERO
        product = Num.const(weight).mul(Num(f"{k}_sx", 10 ** self._score_scale[ki], f"{k}_sxn"))
        self.L.add(f"{k}_c", f"(CASE WHEN {k}_s = 2 THEN NULL ELSE {product.q6()} END)")
        self.L.add(f"{k}_cn", product.negative)

    def _total(self) -> None:
        main = [ki for ki, kr in enumerate(self.rt.kpis) if kr.kpi.rank == "main"]
        terms = [f"COALESCE(__kp_k{ki}_c, 0)" for ki in main]
        self.L.add("__kp_sum", "(" + " + ".join(["CAST(0 AS HUGEINT)"] + terms) + ")")
        self.L.next()
        cases = []
        for pidx, scale in self.ctx.weight_scaling(self.rt):
            if scale is not None:
                wa, ws = scale
                total = Num.micro("__kp_sum").mul(Num.const(wa).div(Num.const(ws)))
                self.flags.append(f"(__kp_pidx = {pidx} AND {total.needs_python()})")
                cases.append(f"WHEN __kp_pidx = {pidx} THEN {total.q6()}")
        self.L.add("__kp_total", f"(CASE {' '.join(cases)} ELSE __kp_sum END)" if cases else "__kp_sum")

    def _grade(self) -> None:
        grades = self.rt.role.grades
        total = Num.micro("__kp_total")
        whens = " ".join(f"WHEN {_contains(b, total)} THEN {i}" for i, b in enumerate(grades.bands)) if grades else ""
        self.L.add("__kp_grade", f"(CASE {whens} ELSE -1 END)" if whens else "-1")

    # ------------------------------------------------------------- payout

    def _payout(self) -> None:
        plan = self.rt.payout
        payout = plan.payout
        total = Num.micro("__kp_total")
        resolve = self.ctx.payout_resolver(self.rt, self)
        ti_field = self.field("__kp_ti")
        ti = None
        if payout.target_incentive is not None:
            e = payout.target_incentive
            while e.node == "paren":
                e = e.inner
            if e.node == "literal" and isinstance(e.value, Decimal):
                ti = Num.const(e.value)
                self.out(ti_field, [], e.value)
            elif e.node == "ref" and len(e.parts) == 2 and e.parts[0].name == "person":
                ti, scale = self.ctx.person_number(e.parts[1].name)
                ti_field.exponent = -scale
                self.out(ti_field, [(f"{ti.n} IS NULL", None)], (ti.n, f"({ti.n} < 0)"))
            else:
                raise Unsupported("a target incentive that is not a constant or a person attribute")
        else:
            self.out(ti_field, [], None)
        fac = self.field("__kp_f")
        if not plan.factor_rows:
            self.out(fac, [], (total.div(Num.const(Decimal(100))).q6(), "(__kp_total < 0)"))
        else:
            rows = []
            for ri, (tier, expr, linear) in enumerate(plan.factor_rows):
                inside = _contains(tier, total)
                if expr is not None:
                    x = ExprSQL(resolve).number(tier.value)
                else:
                    start, end = (Num.const(v) for v in linear)
                    span = Num.const(tier.high).sub(Num.const(tier.low))
                    x = start.add(end.sub(start).mul(total.sub(Num.const(tier.low)).div(span)))
                rows.append((inside, expr is not None, self.store(f"__kp_fr{ri}", x)))
            self.L.next()
            cases = []
            for inside, is_expr, x in rows:
                self.flags.append(f"({inside} AND {x.needs_python()})")
                if is_expr:  # `value or ZERO`: no value, and a zero of either sign, become +0
                    cases.append((inside, (f"COALESCE({x.q6()}, 0)", f"COALESCE({x.n} < 0, FALSE)")))
                else:
                    cases.append((inside, (x.q6(), x.negative)))
            self.out(fac, cases, ZERO)
        cap_factor = plan.cap_factor
        consts = [cap_factor] if cap_factor is not None else []
        consts += [a for a in plan.gate_amounts if a is not None]
        fscale = max([6] + [places(c) for c in consts])
        self.L.next()
        factor = self._factor_value(fac, fscale)
        if cap_factor is not None:
            factor = self._factor_step(fac, fscale, factor.compare(">", Num.const(cap_factor)), cap_factor)
        zeroed = "FALSE"
        for gi, ((gate, _), results_read, applied) in enumerate(zip(plan.gates, plan.results_read, plan.gate_amounts)):
            related = [self.ctx.kpi_index(self.rt, name) for name in gate.kpis]
            skip = " OR ".join(f"__kp_k{i}_s = 2" for i in related if i is not None) or "FALSE"
            if any(i is None for i in related):
                no_data = "TRUE"
            else:
                no_data = " OR ".join(f"__kp_k{i}_v IS NULL" for i in related) or "FALSE"
            condition = ExprSQL(resolve).condition(gate.condition)
            # a result read that the KPI lacks although it has a value fails the gate (as payout.py)
            lacking = []
            for name, result in results_read:
                i = self.ctx.kpi_index(self.rt, name)
                if i is not None and result in _RESULT_COLUMNS:
                    lacking.append(f"(__kp_k{i}_v IS NOT NULL AND __kp_k{i}_{_RESULT_COLUMNS[result]} IS NULL)")
            passed = (f"(CASE WHEN {' OR '.join(lacking) or 'FALSE'} THEN FALSE "
                      f"WHEN {no_data} THEN {'TRUE' if gate.no_data == 'pass' else 'FALSE'} ELSE {condition} END)")
            failed = self.L.add(f"__kp_g{gi}", f"(NOT ({skip}) AND NOT {passed})")
            self.L.next()
            if gate.effect == "zero":
                zeroed = self.L.add(f"__kp_z{gi}", f"({zeroed} OR {failed})")
                self.L.next()
                continue
            amount = Num.const(applied)
            if gate.effect == "cap_factor":
                factor = self._factor_step(fac, fscale, f"({failed} AND {amount.compare('<', factor)})", applied)
            else:
                product = factor.mul(amount)
                factor = self._factor_step(fac, fscale, failed, (product.q6(), product.negative))
        self.L.add("__kp_zeroed", zeroed)
        self._money(plan, payout, ti, factor)

    def _factor_value(self, fac: Field, fscale: int) -> Num:
        self.L.add("__kp_fx", self.value_of(fac, fscale))
        self.L.add("__kp_fxn", _factor_sign(fac))
        self.L.next()
        return Num("__kp_fx", 10**fscale, "__kp_fxn")

    def _factor_step(self, fac: Field, fscale: int, when: str, value) -> Num:
        """Replace the factor where `when` holds (a constant, or a computed (coef, neg))."""
        if isinstance(value, Decimal):
            kind, coef, neg = str(fac.const(value)), "NULL", "FALSE"
        else:
            (coef, neg), kind = value, str(COMPUTED)
        for suffix, v in (("_k", kind), ("_c", coef), ("_n", neg)):
            self.L.replace(fac.name + suffix, f"(CASE WHEN {when} THEN {v} ELSE {fac.name}{suffix} END)")
        self.L.next()
        self.L.replace("__kp_fx", self.value_of(fac, fscale))
        self.L.replace("__kp_fxn", _factor_sign(fac))
        self.L.next()
        return Num("__kp_fx", 10**fscale, "__kp_fxn")

    def _money(self, plan, payout, ti: Num | None, factor: Num) -> None:
        mode, step = plan.mode, plan.step
        exp = money_exponent(step)
        if ti is not None:
            days = Num("__kp_days") if payout.proration else Num.fraction(Fraction(1))
            pdays = Num("__kp_pdays") if payout.proration else Num.fraction(Fraction(1))
            x = self.store("__kp_x", ti.mul(factor).mul(days).div(pdays))
        rates = [self._rates(ci, commission) for ci, commission in enumerate(payout.commissions)]
        if any(r.value is None for rows in rates for r in rows):
            self.L.next()  # the rates read from person attributes, in columns of their own
        commissions = []
        for ci, commission in enumerate(payout.commissions):
            ki = self.ctx.kpi_index(self.rt, commission.kpi)
            if ki is None:
                raise Unsupported("a commission on a KPI the role does not have")
            value = Num(f"__kp_k{ki}_v", MICRO, f"__kp_k{ki}_vn")
            amount = self.store(f"__kp_cx{ci}", self._commission(commission, value, rates[ci]))
            commissions.append((ci, ki, amount))
        self.L.next()
        if ti is not None:
            self.flags.append(x.needs_python())
            self.L.add("__kp_inc", f"(CASE WHEN {ti.n} IS NULL OR __kp_zeroed THEN 0 ELSE {money(x, mode, step)} END)")
            self.L.add("__kp_inc_n", f"(CASE WHEN {ti.n} IS NULL OR __kp_zeroed THEN FALSE ELSE {x.negative} END)")
        else:
            self.L.add("__kp_inc", "CAST(0 AS HUGEINT)")
            self.L.add("__kp_inc_n", "FALSE")
        for ci, ki, amount in commissions:
            self.flags.append(amount.needs_python())
            zero = f"__kp_k{ki}_v IS NULL OR __kp_zeroed"
            self.L.add(f"__kp_cm{ci}", f"(CASE WHEN {zero} THEN 0 ELSE {money(amount, mode, step)} END)")
            self.L.add(f"__kp_cm{ci}_n", f"(CASE WHEN {zero} THEN FALSE ELSE {amount.negative} END)")
            self.L.add(f"__kp_cm{ci}_in", f"(__kp_k{ki}_s <> 2)")
        self.L.next()
        parts = ["__kp_inc"] + [f"(CASE WHEN __kp_cm{ci}_in THEN __kp_cm{ci} ELSE 0 END)" for ci, _, _ in commissions]
        self.L.add("__kp_sub", "(" + " + ".join(parts) + ")")
        self.L.next()
        if payout.cap is not None:
            over = Num("__kp_sub", 10**-exp).compare(">", Num.const(payout.cap))
            self.L.add("__kp_capped", over)
            self.L.add("__kp_pay", f"(CASE WHEN {over} THEN {money(Num.const(payout.cap), mode, step)} ELSE __kp_sub END)")
        else:
            self.L.add("__kp_capped", "FALSE")
            self.L.add("__kp_pay", "__kp_sub")
        self.payout = {"commissions": [ci for ci, _, _ in commissions], "exponent": exp}

    def _rates(self, ci: int, commission) -> list[Num]:
        """A commission's rate per row: its constant, or, where the row reads person attributes
        (`person.commission_pct`), the rate worked out per person and kept to 6 places, as
        `PayoutPlan` does (no value counts as 0), stored in columns of the current layer."""
        from kpirules.model.expressions import constant

        rates = []
        for ri, tier in enumerate(commission.tiers):
            if not refs_in(tier.value):
                rates.append(Num.const(to_decimal(constant(tier.value)) or ZERO))
                continue
            x = ExprSQL(self.ctx.payout_resolver(self.rt, self)).number(tier.value)
            self.flags.append(x.needs_python())  # a rate Python might round otherwise
            rounded = x.rounded()
            rates.append(self.store(f"__kp_cr{ci}_{ri}", Num(f"COALESCE({rounded.n}, 0)", MICRO,
                                                             f"COALESCE({rounded.negative}, FALSE)")))
        return rates

    def _commission(self, commission, value: Num, rates: list[Num]) -> Num:
        """`payout.commission_amount` (unrounded) as a Num, with each row's rate (`_rates`)."""
        # max(value, ZERO) keeps value when it is not below 0 (so -0 stays -0)
        base = Num(f"greatest({value.n}, 0)", value.d, f"(CASE WHEN {value.n} < 0 THEN FALSE ELSE {value.neg} END)")
        rates = list(zip(commission.tiers, rates))
        # the rates' places (a constant's own, 6 for a rate read per person), and the value's 6
        scale = max([0] + [len(str(r.d)) - 1 for _, r in rates]) + 6
        if commission.mode == "retroactive":
            whens, negs = [], []
            for tier, rate in rates:
                product = base.mul(rate)
                whens.append(f"WHEN {_contains(tier, base)} THEN {scaled(product, scale)}")
                negs.append(f"WHEN {_contains(tier, base)} THEN {product.negative}")
            return Num(f"(CASE {' '.join(whens)} ELSE 0 END)", 10**scale, f"(CASE {' '.join(negs)} ELSE FALSE END)")
        terms = []
        for tier, rate in sorted(rates, key=lambda tr: tr[0].low or ZERO):
            low = Num.const(max(tier.low, ZERO) if tier.low is not None else ZERO)  # as payout.commission_amount
            top = base if tier.high is None else Num(f"least({base.n}, {scaled(Num.const(tier.high), 6)})", MICRO)
            portion = top.sub(low)
            terms.append(f"(CASE WHEN {base.compare('>', low)} AND {portion.n} > 0 THEN "
                         f"{scaled(portion.mul(rate), scale)} ELSE 0 END)")
        return Num("(" + " + ".join(["CAST(0 AS HUGEINT)"] + terms) + ")", 10**scale)


#: the column of a KPI result a gate may read (a score is left to the Python path)
_RESULT_COLUMNS = {"target": "t", "attainment": "ax", "contribution": "c"}


def _pick(index: str, values: list[tuple[int, str]], otherwise: str) -> str:
    """CASE over a case-index column."""
    if not values:
        return otherwise
    return f"(CASE {index} " + " ".join(f"WHEN {i} THEN {v}" for i, v in values) + f" ELSE {otherwise} END)"


def _contains(band, x: Num) -> str:
    """Band.contains as SQL (NULL x: false)."""
    parts = []
    if band.low is not None:
        parts.append(x.compare(">=" if band.low_closed else ">", Num.const(band.low)))
    if band.high is not None:
        parts.append(x.compare("<=" if band.high_closed else "<", Num.const(band.high)))
    return "COALESCE(" + (" AND ".join(parts) if parts else f"{x.n} IS NOT NULL") + ", FALSE)"


def _factor_sign(fac: Field) -> str:
    """Whether the factor is negative (its sign bit: computed, or of the constant it holds)."""
    sign = f"(CASE __kp_f_k WHEN {COMPUTED} THEN __kp_f_n"
    sign += "".join(f" WHEN {CONST + i} THEN {'TRUE' if c.is_signed() else 'FALSE'}" for i, c in enumerate(fac.consts))
    return sign + " ELSE FALSE END)"
