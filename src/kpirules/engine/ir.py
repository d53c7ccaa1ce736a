"""The intermediate form of measures: aggregates over datasets and the arithmetic on top.

A KPI's measure is split into
- `Aggregate`s: one function over one dataset's rows, with a row filter, the date column
  that places rows in a period, the KPI's period unit and its scope (self or team). These
  are what SQL computes, grouped by person (and period); identical aggregates used by
  several KPIs are computed once.
- a `Value` tree: the arithmetic that combines aggregate results into the KPI's value,
  evaluated per person in exact decimals.
`kpirules.engine.sql` turns aggregates into SQL; nothing else builds SQL text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from kpirules.engine.numbers import fmt_decimal
from kpirules.lang import ast
from kpirules.model.scheme import Dataset, Kpi, Scheme
from kpirules.model.types import refs_in


@dataclass(frozen=True)
class Aggregate:
    """One aggregate function over one dataset, as SQL will compute it."""

    dataset: str
    function: str  # count, count_distinct, sum, min, max, median
    argument: ast.Expr | None  # None: count rows
    where: ast.Expr | None
    date_column: str
    unit: str  # the KPI period unit: month, quarter, half, year
    scope: str  # self, team, team_and_self

    def key(self) -> tuple:
        """Identical aggregates written in different places (or files) share one key."""
        return (self.dataset, self.function, _shape(self.argument), _shape(self.where), self.date_column, self.unit, self.scope)


def _shape(expr) -> str | None:
    """An expression's meaning without its source positions or spelling (`50万` and `500000`)."""
    if expr is None:
        return None

    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in ("span", "key_span", "text")}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return repr(strip(expr.model_dump(mode="json")))


# ------------------------------------------------------------------ value trees


@dataclass(frozen=True)
class AggRef:
    index: int


@dataclass(frozen=True)
class Const:
    value: Decimal


@dataclass(frozen=True)
class Op:
    op: str
    left: object
    right: object


@dataclass(frozen=True)
class Neg:
    operand: object


@dataclass(frozen=True)
class Func:
    name: str
    args: tuple


@dataclass(frozen=True)
class Cond:
    condition: object
    then: object
    otherwise: object


@dataclass(frozen=True)
class Compare:
    op: str
    left: object
    right: object


@dataclass(frozen=True)
class Not:
    """`not` of a condition (unknown stays unknown)."""

    operand: object


@dataclass(frozen=True)
class Logic:
    """`and` / `or` of two conditions, three-valued as SQL's."""

    op: str
    left: object
    right: object


@dataclass(frozen=True)
class Between:
    value: object
    low: object
    high: object


@dataclass(frozen=True)
class In:
    value: object
    options: tuple
    negated: bool


def worked(tree, values: Mapping[int, Decimal | None], missing: str = "no value") -> str | None:
    """A value tree's arithmetic with each aggregate's result put in (`2 / 24`, `297 / 4` for
    an `avg`), for explain; None when the value is one aggregate or a constant, which the
    trace already shows. `missing` stands for an aggregate without a value."""
    if tree is None or isinstance(tree, (AggRef, Const)):
        return None
    return _worked(tree, values, missing, nested=False)


def _worked(tree, values, missing: str, nested: bool) -> str:
    if isinstance(tree, AggRef):
        x = values.get(tree.index)
        return missing if x is None else fmt_decimal(x)
    if isinstance(tree, Const):
        return fmt_decimal(tree.value)
    if isinstance(tree, Neg):
        return "-" + _worked(tree.operand, values, missing, nested=True)
    if isinstance(tree, Not):
        return "not " + _worked(tree.operand, values, missing, nested=True)
    if isinstance(tree, Between):
        parts = (_worked(x, values, missing, nested=True) for x in (tree.value, tree.low, tree.high))
        text = "{} between {} and {}".format(*parts)
        return f"({text})" if nested else text
    if isinstance(tree, In):
        options = ", ".join(_worked(o, values, missing, nested=False) for o in tree.options)
        text = f"{_worked(tree.value, values, missing, True)} {'not in' if tree.negated else 'in'} [{options}]"
        return f"({text})" if nested else text
    if isinstance(tree, Func):
        return f"{tree.name}({', '.join(_worked(a, values, missing, nested=False) for a in tree.args)})"
    if isinstance(tree, Cond):
        parts = (_worked(x, values, missing, nested=True) for x in (tree.condition, tree.then, tree.otherwise))
        text = "if {} then {} else {}".format(*parts)
    else:  # Op, Compare
        text = f"{_worked(tree.left, values, missing, True)} {tree.op} {_worked(tree.right, values, missing, True)}"
    return f"({text})" if nested else text


@dataclass
class KpiPlan:
    kpi: Kpi
    value: object | None  # a value tree, or None when the KPI has no measure
    aggregates: list[int] = field(default_factory=list)
    #: the KPI's aggregates as written in its own measure (their spans point at its lines),
    #: by index: identical ones elsewhere share the index and its computed value
    written: dict[int, Aggregate] = field(default_factory=dict)
    additive: bool = False


@dataclass
class Plan:
    """Every aggregate a role set needs, and each KPI's value tree."""

    aggregates: list[Aggregate] = field(default_factory=list)
    kpis: dict[tuple[str, str], KpiPlan] = field(default_factory=dict)  # (role, kpi) -> plan
    _index: dict[tuple, int] = field(default_factory=dict)

    def add(self, aggregate: Aggregate) -> int:
        key = aggregate.key()
        if key not in self._index:
            self._index[key] = len(self.aggregates)
            self.aggregates.append(aggregate)
        return self._index[key]


def _dataset_of(call: ast.Call, datasets: dict[str, Dataset]) -> Dataset:
    refs = refs_in(call.args[0]) + (refs_in(call.where) if call.where is not None else [])
    for ref in refs:
        if ref.parts[0].name in datasets:
            return datasets[ref.parts[0].name]
    raise AssertionError("a checked aggregate names its dataset")  # pragma: no cover


class Planner:
    def __init__(self, scheme: Scheme, default_unit: str):
        self.scheme = scheme
        self.default_unit = default_unit
        self.plan = Plan()

    def add_kpi(self, role: str, kpi: Kpi) -> KpiPlan:
        self._current: list[int] = []
        self._written: dict[int, Aggregate] = {}
        self._kpi = kpi
        value = self._value(kpi.measure) if kpi.measure is not None else None
        kp = KpiPlan(kpi=kpi, value=value, aggregates=list(dict.fromkeys(self._current)), additive=_additive(kpi.measure),
                     written=self._written)
        self.plan.kpis[(role, kpi.id)] = kp
        return kp

    def _aggregate(self, call: ast.Call, function: str, argument) -> AggRef:
        dataset = _dataset_of(call, self.scheme.datasets)
        arg = call.args[0]
        whole = isinstance(arg, ast.Ref) and len(arg.parts) == 1 and arg.parts[0].name == dataset.id
        aggregate = Aggregate(
            dataset=dataset.id,
            function=function,
            argument=None if (whole or argument is None) else argument,
            where=call.where,
            date_column=call.on.name if call.on is not None else dataset.date_column,
            unit=self._kpi.period or self.default_unit,
            scope=self._kpi.scope,
        )
        index = self.plan.add(aggregate)
        self._written.setdefault(index, aggregate)
        self._current.append(index)
        return AggRef(index)

    def _value(self, e):
        if isinstance(e, ast.Paren):
            return self._value(e.inner)
        if isinstance(e, ast.Literal_):
            return Const(e.value if isinstance(e.value, Decimal) else Decimal(int(e.value)))
        if isinstance(e, ast.Unary):
            return Not(self._value(e.operand)) if e.op == "not" else Neg(self._value(e.operand))
        if isinstance(e, ast.Binary):
            if e.op in ("+", "-", "*", "/"):
                return Op(e.op, self._value(e.left), self._value(e.right))
            if e.op in ("and", "or"):
                return Logic(e.op, self._value(e.left), self._value(e.right))
            return Compare(e.op, self._value(e.left), self._value(e.right))
        if isinstance(e, ast.Between):
            return Between(self._value(e.value), self._value(e.low), self._value(e.high))
        if isinstance(e, ast.InList):
            return In(self._value(e.value), tuple(self._value(o) for o in e.options), e.negated)
        if isinstance(e, ast.Conditional):
            return Cond(self._value(e.condition), self._value(e.then), self._value(e.otherwise))
        if isinstance(e, ast.Call):
            fn = e.function
            if fn == "avg":
                total = self._aggregate(e, "sum", e.args[0])
                count = self._aggregate(e, "count", e.args[0])
                return Op("/", total, count)
            if fn in ("count", "count_distinct", "sum", "median") or (fn in ("min", "max") and len(e.args) == 1):
                return self._aggregate(e, fn, e.args[0])
            return Func(fn, tuple(self._value(a) for a in e.args))
        raise AssertionError(f"unexpected node in a measure: {e.node}")  # pragma: no cover


def _additive(measure) -> bool:
    """Counts and sums (and their sums, differences and negations) scale with time worked;
    rates do not."""
    if measure is None:
        return False
    if isinstance(measure, ast.Paren):
        return _additive(measure.inner)
    if isinstance(measure, ast.Unary) and measure.op == "-":
        return _additive(measure.operand)
    if isinstance(measure, ast.Call):
        return measure.function in ("count", "count_distinct", "sum")
    if isinstance(measure, ast.Binary) and measure.op in ("+", "-"):
        return _additive(measure.left) and _additive(measure.right)
    return False


def build_plan(scheme: Scheme, roles: list[str]) -> Plan:
    planner = Planner(scheme, scheme.header.period or "month")
    for role_id in roles:
        for kpi in scheme.roles[role_id].kpis:
            planner.add_kpi(role_id, kpi)
    return planner.plan
