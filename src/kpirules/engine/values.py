"""Evaluate person-level expressions in exact decimals: targets, conditions, gates, factors.

Fact rows never pass through here (they are aggregated in SQL); this evaluates the few
expressions per person that combine aggregate results, constants, person attributes and
KPI results. Missing values follow SQL's rules: arithmetic with a missing operand has no
value, a comparison with a missing value is unknown, and an unknown condition is false.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable
from decimal import Decimal

from kpirules.engine import ir
from kpirules.engine.numbers import CONTEXT, divide, to_decimal
from kpirules.lang import ast

Resolver = Callable[[ast.Ref], object]


def _arith(op: str, a, b):
    if a is None or b is None:
        return None
    if isinstance(a, dt.date) or isinstance(b, dt.date):
        if op == "-" and isinstance(a, dt.date) and isinstance(b, dt.date):
            return Decimal((a - b).days)
        if isinstance(a, dt.date):
            delta = dt.timedelta(days=int(b))
            return a + delta if op == "+" else a - delta
        return None
    a, b = to_decimal(a), to_decimal(b)
    if op == "+":
        return CONTEXT.add(a, b)
    if op == "-":
        return CONTEXT.subtract(a, b)
    if op == "*":
        return CONTEXT.multiply(a, b)
    return divide(a, b)


_COMPARE = {
    "==": operator.eq, "!=": operator.ne, ">=": operator.ge,
    "<=": operator.le, ">": operator.gt, "<": operator.lt,
}


def _coerce(x):
    """Numbers compare as decimals; a timestamp compares with a date by its date."""
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return to_decimal(x)
    return x


def _compare(op: str, a, b):
    if a is None or b is None:
        return None
    if type(a) is not type(b):
        a, b = _coerce(a), _coerce(b)
        if isinstance(a, dt.datetime) != isinstance(b, dt.datetime) and isinstance(a, dt.date) and isinstance(b, dt.date):
            a = a.date() if isinstance(a, dt.datetime) else a
            b = b.date() if isinstance(b, dt.datetime) else b
    return _COMPARE[op](a, b)


def _function(name: str, args: list):
    if any(a is None for a in args):
        return None
    if name == "min":
        return min(args)
    if name == "max":
        return max(args)
    if name == "clamp":
        return min(max(args[0], args[1]), args[2])
    if name == "abs":
        return abs(args[0])
    if name == "round":
        digits = int(args[1]) if len(args) > 1 else 0
        return to_decimal(args[0]).quantize(Decimal(1).scaleb(-digits), context=CONTEXT)
    raise AssertionError(f"unknown function {name}")  # pragma: no cover


def evaluate(expr, resolve: Resolver):
    """The value of an expression; `resolve` gives the value of each dotted name."""
    node = expr.node
    if node == "literal":
        return expr.value
    if node == "paren":
        return evaluate(expr.inner, resolve)
    if node == "ref":
        return resolve(expr)
    if node == "unary":
        value = evaluate(expr.operand, resolve)
        if value is None:
            return None
        return (not value) if expr.op == "not" else -to_decimal(value)
    if node == "binary":
        if expr.op in ("and", "or"):
            left = evaluate(expr.left, resolve)
            right = evaluate(expr.right, resolve)
            if expr.op == "and":
                if left is False or right is False:
                    return False
                return None if left is None or right is None else True
            if left is True or right is True:
                return True
            return None if left is None or right is None else False
        left = evaluate(expr.left, resolve)
        right = evaluate(expr.right, resolve)
        if expr.op in ("+", "-", "*", "/"):
            return _arith(expr.op, left, right)
        return _compare(expr.op, left, right)
    if node == "between":
        value = evaluate(expr.value, resolve)
        low = _compare(">=", value, evaluate(expr.low, resolve))
        high = _compare("<=", value, evaluate(expr.high, resolve))
        return None if low is None or high is None else low and high
    if node == "in":
        value = evaluate(expr.value, resolve)
        if value is None:
            return None
        found = any(_compare("==", value, evaluate(o, resolve)) for o in expr.options)
        return not found if expr.negated else found
    if node == "if":
        return evaluate(expr.then if evaluate(expr.condition, resolve) is True else expr.otherwise, resolve)
    if node == "call":
        return _function(expr.function, [evaluate(a, resolve) for a in expr.args])
    raise AssertionError(f"cannot evaluate {node}")  # pragma: no cover


def truth(value) -> bool:
    """An unknown (missing) condition counts as false."""
    return value is True


def evaluate_value(tree, aggregates: dict[int, Decimal | None]):
    """A KPI value from its value tree and the person's aggregate results."""
    if isinstance(tree, ir.AggRef):
        return aggregates.get(tree.index)
    if isinstance(tree, ir.Const):
        return tree.value
    if isinstance(tree, ir.Neg):
        value = evaluate_value(tree.operand, aggregates)
        return None if value is None else -value
    if isinstance(tree, ir.Op):
        return _arith(tree.op, evaluate_value(tree.left, aggregates), evaluate_value(tree.right, aggregates))
    if isinstance(tree, ir.Compare):
        return _compare(tree.op, evaluate_value(tree.left, aggregates), evaluate_value(tree.right, aggregates))
    if isinstance(tree, ir.Cond):
        branch = tree.then if evaluate_value(tree.condition, aggregates) is True else tree.otherwise
        return evaluate_value(branch, aggregates)
    if isinstance(tree, ir.Func):
        return _function(tree.name, [evaluate_value(a, aggregates) for a in tree.args])
    raise AssertionError(f"unknown value node {tree!r}")  # pragma: no cover
