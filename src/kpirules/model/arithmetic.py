"""The operations of person-level expressions in exact decimals: arithmetic, comparison, functions.

Fact rows never pass through here (they are aggregated in SQL); `kpirules.model.expressions`
builds closures from these operations for targets, conditions, gates and factors, and the
resolver works out constant expressions with them at `check` (`kpirules.model.constants`).
Missing values follow SQL's rules: arithmetic with a missing operand has no value, a
comparison with a missing value is unknown, and an unknown condition is false (`truth`).
Numbers keep 34 significant digits, halves up (`CONTEXT`); a division by zero has no value.
"""

from __future__ import annotations

import datetime as dt
import decimal
import operator
from decimal import Decimal

CONTEXT = decimal.Context(prec=34, rounding=decimal.ROUND_HALF_UP)


def to_decimal(x) -> Decimal | None:
    if x is None:
        return None
    if isinstance(x, Decimal):
        return x
    if isinstance(x, bool):
        return Decimal(int(x))
    if isinstance(x, int):
        return Decimal(x)
    if isinstance(x, float):
        return Decimal(repr(x))
    return Decimal(str(x))


def divide(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    if a is None or b is None or b == 0:
        return None
    return CONTEXT.divide(a, b)


def arith(op: str, a, b):
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


def compare(op: str, a, b):
    if a is None or b is None:
        return None
    if type(a) is not type(b):
        a, b = _coerce(a), _coerce(b)
        if isinstance(a, dt.datetime) != isinstance(b, dt.datetime) and isinstance(a, dt.date) and isinstance(b, dt.date):
            a = a.date() if isinstance(a, dt.datetime) else a
            b = b.date() if isinstance(b, dt.datetime) else b
    return _COMPARE[op](a, b)


def function(name: str, args: list):
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


def truth(value) -> bool:
    """An unknown (missing) condition counts as false."""
    return value is True
