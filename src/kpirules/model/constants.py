"""The value of a constant expression, worked out when the scheme is read.

Scores, factors and a few arguments are constants (language.md §13.2), and may be written
as arithmetic (`50 + 10`). The engine works them out again when it runs; the resolver
works them out here only to refuse, at `check`, a constant the run could not use: one
with no value (`1 / 0`, which a run would score 0 without a word) or, where a whole number
belongs, a fraction. The arithmetic is the engine's (kpirules.engine.values): 34
significant digits, halves up, a division by zero has no value and neither has anything
computed from it.
"""

from __future__ import annotations

import decimal
import operator
from decimal import Decimal

#: the engine's arithmetic context (kpirules.engine.numbers.CONTEXT)
_CONTEXT = decimal.Context(prec=34, rounding=decimal.ROUND_HALF_UP)

_ARITHMETIC = {"+": _CONTEXT.add, "-": _CONTEXT.subtract, "*": _CONTEXT.multiply}
_COMPARE = {
    "==": operator.eq, "!=": operator.ne, ">=": operator.ge,
    "<=": operator.le, ">": operator.gt, "<": operator.lt,
}


class NotWorkedOut(Exception):
    """The expression is not a constant worked out here: it reads a name, an aggregate or
    a column, or computes with dates."""


def constant_value(expr) -> object:
    """The value of an expression that reads no names: a Decimal (a number, a percentage
    as its fraction, an amount, a number of days), a bool, a text or a date; None when it
    has none. Raises NotWorkedOut for anything else."""
    try:
        return _value(expr)
    except (TypeError, decimal.InvalidOperation) as failed:  # dates in arithmetic, a huge round()
        raise NotWorkedOut from failed


def _value(e) -> object:
    node = e.node
    if node == "literal":
        return e.value
    if node == "paren":
        return _value(e.inner)
    if node == "unary":
        operand = _value(e.operand)
        if operand is None:
            return None
        return (not operand) if e.op == "not" else -operand
    if node == "binary":
        return _binary(e.op, _value(e.left), _value(e.right))
    if node == "between":
        value, low, high = _value(e.value), _value(e.low), _value(e.high)
        return None if None in (value, low, high) else low <= value <= high
    if node == "in":
        value = _value(e.value)
        options = [_value(option) for option in e.options]
        if value is None:
            return None
        return (value not in options) if e.negated else (value in options)
    if node == "if":
        return _value(e.then) if _value(e.condition) is True else _value(e.otherwise)
    if node == "call" and e.function in _FUNCTIONS and e.where is None and e.on is None:
        args = [_value(a) for a in e.args]
        return None if None in args else _FUNCTIONS[e.function](*args)
    raise NotWorkedOut(node)


def _binary(op: str, left, right):
    if op == "and":
        return False if False in (left, right) else None if None in (left, right) else True
    if op == "or":
        return True if True in (left, right) else None if None in (left, right) else False
    if left is None or right is None:
        return None
    if op in _COMPARE:
        return _COMPARE[op](left, right)
    if op == "/":
        return None if right == 0 else _CONTEXT.divide(left, right)
    return _ARITHMETIC[op](left, right)


def _round(x: Decimal, digits: Decimal = Decimal(0)) -> Decimal:
    return x.quantize(Decimal(1).scaleb(-int(digits)), context=_CONTEXT)


_FUNCTIONS = {
    "min": min,
    "max": max,
    "clamp": lambda x, low, high: min(max(x, low), high),
    "abs": abs,
    "round": _round,
}
