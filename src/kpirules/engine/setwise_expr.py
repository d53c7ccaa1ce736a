"""Person-level expressions (applies_to, target conditions, gates, factor rows) as SQL.

The set-based scorer's counterpart of `kpirules.model.expressions`: the same expressions,
the same meaning (a missing value propagates, an unknown condition is false where it
decides something), compiled to SQL over the per-person table instead of closures. Only
what is compiled here exactly as Python evaluates it is accepted; anything else raises
`Unsupported` and the people it concerns are evaluated by the Python path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from kpirules.engine.exact_sql import Num, Unsupported
from kpirules.engine.sql import is_empty, literal
from kpirules.model.expressions import empty_text_test


@dataclass(frozen=True)
class Typed:
    """An SQL value and its kind: num (a `Num`), str, bool or date (SQL text)."""

    kind: str
    sql: str | Num


Resolve = Callable[[tuple[str, ...]], Typed]


def _bool_of(t: Typed) -> str:
    if t.kind != "bool":
        raise Unsupported("a condition that is not true or false")
    return t.sql


class ExprSQL:
    """Compile expressions whose names are resolved by `resolve` (person.x, kpi.field, total_score)."""

    def __init__(self, resolve: Resolve):
        self.resolve = resolve

    def condition(self, expr) -> str:
        """SQL true exactly when Python's `truth(compiled(lookup))` is true."""
        return f"COALESCE({_bool_of(self.typed(expr))}, FALSE)"

    def number(self, expr) -> Num:
        t = self.typed(expr)
        if t.kind != "num":
            raise Unsupported("a number was expected")
        return t.sql

    def typed(self, e) -> Typed:
        node = e.node
        if node == "literal":
            value = e.value
            if e.type == "duration":
                raise Unsupported("durations")
            if isinstance(value, bool):
                return Typed("bool", "TRUE" if value else "FALSE")
            if isinstance(value, Decimal):
                return Typed("num", Num.const(value))
            if isinstance(value, dt.date):
                return Typed("date", literal(value))
            if isinstance(value, str):
                return Typed("str", literal(value))
            raise Unsupported(f"a literal {value!r}")
        if node == "paren":
            return self.typed(e.inner)
        if node == "ref":
            return self.resolve(tuple(p.name for p in e.parts))
        if node == "unary":
            operand = self.typed(e.operand)
            if e.op == "not":
                return Typed("bool", f"(NOT {_bool_of(operand)})")
            if operand.kind != "num":
                raise Unsupported("minus on a non-number")
            return Typed("num", operand.sql.negate())
        if node == "binary":
            return self._binary(e)
        if node == "between":
            v, low, high = self.typed(e.value), self.typed(e.low), self.typed(e.high)
            a, b = _compare(">=", v, low), _compare("<=", v, high)
            return Typed("bool", f"(CASE WHEN {a} IS NULL OR {b} IS NULL THEN NULL ELSE {a} AND {b} END)")
        if node == "in":
            v = self.typed(e.value)
            options = [self.typed(o) for o in e.options]
            if any(o.kind != v.kind or o.kind == "num" and "NULL" in o.sql.n for o in options) or not all(
                o.node == "literal" for o in e.options
            ):
                raise Unsupported("an `in` list that is not of literals of the value's kind")
            found = " OR ".join(_compare("==", v, o) for o in options)
            test = f"(NOT ({found}))" if e.negated else f"({found})"
            return Typed("bool", test)
        raise Unsupported(f"{node} expressions")

    def _binary(self, e) -> Typed:
        op = e.op
        tested = empty_text_test(e)
        if tested is not None:  # `x == ""`: whether x is empty, never unknown
            operand = self.typed(tested[0])
            if operand.kind != "str":
                raise Unsupported("an empty text compared with another kind of value")
            return Typed("bool", is_empty(operand.sql, tested[1]))
        left, right = self.typed(e.left), self.typed(e.right)
        if op in ("and", "or"):
            # SQL's three-valued AND/OR are Python's `both`/`either`
            return Typed("bool", f"({_bool_of(left)} {op.upper()} {_bool_of(right)})")
        if op in ("+", "-", "*", "/"):
            if left.kind != "num" or right.kind != "num":
                raise Unsupported("arithmetic on non-numbers")
            a, b = left.sql, right.sql
            return Typed("num", {"+": a.add, "-": a.sub, "*": a.mul, "/": a.div}[op](b))
        return Typed("bool", _compare(op, left, right))


def _compare(op: str, a: Typed, b: Typed) -> str:
    if a.kind != b.kind:
        raise Unsupported("a comparison of different kinds of values")
    if a.kind == "num":
        return a.sql.compare(op, b.sql)
    if a.kind in ("str", "bool") and op not in ("==", "!="):
        raise Unsupported("ordering strings or booleans")
    sql_op = {"==": "=", "!=": "<>"}.get(op, op)
    return f"({a.sql} {sql_op} {b.sql})"
