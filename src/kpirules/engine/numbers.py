"""Exact decimal arithmetic with the precision and rounding rules the docs promise.

- Values, attainment, scores, the total score and payout factors are kept to 6 decimal
  places, rounded half-up, at the moment they are computed (`quantize6`). Tier
  boundaries are compared with these rounded numbers.
- Money is rounded per payout line to the scheme's rounding step and mode (`round_money`).
- Division by zero has no value (None); so has any arithmetic with a missing operand.
"""

from __future__ import annotations

import decimal
import functools
from decimal import Decimal

from kpirules.model.arithmetic import CONTEXT, divide, to_decimal  # noqa: F401 (also the engine's names for them)

#: room to write any number a run holds (and its percent) without rounding: `normalize()`
#: without a context rounds to Python's default 28 digits
WIDE = decimal.Context(prec=80)
SIX = Decimal("0.000001")
INFINITY = Decimal("Infinity")
MODES = {
    "half_up": decimal.ROUND_HALF_UP,
    "half_even": decimal.ROUND_HALF_EVEN,
    "half_down": decimal.ROUND_HALF_DOWN,
    "up": decimal.ROUND_UP,
    "down": decimal.ROUND_DOWN,
    "ceiling": decimal.ROUND_CEILING,
    "floor": decimal.ROUND_FLOOR,
}


def in_context(func):
    """Run `func` with CONTEXT (34 digits, half-up) as the current decimal context, so its
    plain operators (`a + b`) keep every digit too."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with decimal.localcontext(CONTEXT):
            return func(*args, **kwargs)

    return wrapper


def quantize6(x: Decimal | None) -> Decimal | None:
    """Round half-up to 6 decimal places (outputs drop the trailing zeros)."""
    if x is None or not x.is_finite():
        return x
    return x.quantize(SIX, rounding=decimal.ROUND_HALF_UP, context=CONTEXT)


def as_applied(x: Decimal | None) -> Decimal | None:
    """A scheme's score or factor constant as the engine applies it: rounded half-up to 6
    places when written with more (a `no_data score 1.2345675` is 1.234568), else the very
    Decimal written (so outputs keep its form)."""
    if x is None or not x.is_finite() or x.as_tuple().exponent >= -6:
        return x
    return quantize6(x)


def half_up(x: Decimal, places: int) -> Decimal:
    """x rounded half-up to `places` decimal places: how every number shown for the eye is
    rounded (Python's round() would round halves to even: 58.125 to 58.12)."""
    return x.quantize(Decimal(1).scaleb(-places), rounding=decimal.ROUND_HALF_UP, context=CONTEXT)


def for_eye(x: Decimal, places: int) -> Decimal:
    """x rounded half-up to `places` for a table, except that it never rounds onto a whole
    number it is not: grade bands and tier edges are whole numbers, and a total of 84.99915
    shown as 85 beside grade C (band B from 85), or 95.00007 shown as 95 beside grade A
    (band A above 95), reads as a mistake. Such a figure keeps the places it takes to stay
    off it: 84.99915 shows as 84.999, 95.00007 as 95.0001, an attainment of 99.96% as
    99.96%, not 100.0%."""
    shown = half_up(x, places)
    while shown != x and shown == shown.to_integral_value():
        places += 1
        shown = half_up(x, places)
    return shown



#: an amount of money has at most this many digits before the point (docs/semantics.md §8)
MAX_MONEY_DIGITS = 28
_MONEY_LIMIT = Decimal(10) ** MAX_MONEY_DIGITS


def round_money(x: Decimal, mode: str, step: Decimal) -> Decimal:
    """Round an amount to a multiple of `step` with the given mode (half_up, half_even, ...).

    An amount of more than 28 digits before the point raises decimal.InvalidOperation, as
    a value kept to 6 places of that size does (E515)."""
    units = CONTEXT.divide(x, step).to_integral_value(rounding=MODES[mode], context=CONTEXT)
    places = Decimal(1).scaleb(min(step.as_tuple().exponent, 0))
    return check_money(CONTEXT.multiply(units, step).quantize(places, context=CONTEXT))


def check_money(x: Decimal) -> Decimal:
    """x, if it has at most 28 digits before the point; else decimal.InvalidOperation."""
    if abs(x) >= _MONEY_LIMIT:
        raise decimal.InvalidOperation(f"an amount of more than {MAX_MONEY_DIGITS} digits before the point")
    return x



def unsigned_zero(x: Decimal) -> Decimal:
    """Zero without its sign: -0.004 rounds to -0.00 in Python's decimals; a pay line shows 0.00."""
    return x.copy_abs() if x.is_zero() else x


@functools.lru_cache(maxsize=1 << 16)
def _fmt(x: Decimal) -> str:
    if not x.is_finite():
        return "Infinity" if x > 0 else "-Infinity"
    if x.is_zero():
        return "0"
    return format(x.normalize(WIDE), "f")


def exact_sum(values) -> Decimal:
    """The sum of decimals, never rounded (a plain `sum` rounds to 28 digits: the payouts
    of many people of 28-digit amounts have more)."""
    total = Decimal(0)
    for x in values:
        total = WIDE.add(total, x)
    return total


def fmt_decimal(x: Decimal | None) -> str | None:
    """A decimal as a plain string without exponent ("0.15", "1200", "Infinity").

    Zero is "0" whatever its sign: Python's decimals keep the sign of a negative number
    rounded to zero, which a statement must not show as "-0".
    """
    # outputs write the same few values (scores, rates, zero) thousands of times; equal
    # decimals ("1.0" and "1.00") are written alike, so a cache by value is exact
    return None if x is None else _fmt(x)
