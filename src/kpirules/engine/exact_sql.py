"""Exact decimal arithmetic in SQL, rounded as `kpirules.engine.numbers` rounds in Python.

The set-based scorer (`kpirules.engine.setwise`) computes in DuckDB what the per-person
path computes with Python's `decimal`. DuckDB divides decimals in binary floating point,
so numbers here are exact fractions of 128-bit integers (HUGEINT): a `Num` is a numerator
SQL expression over a positive denominator (a constant or an SQL expression). Rounding to
6 places and money rounding are integer divisions whose remainder decides the mode, which
is what `Decimal.quantize` does on the exact value. A `Num` also carries its sign as
Python's decimals have it (they have a negative zero: 0 x -5 is -0, and shows as "-0").

The Python path divides with 34 significant digits and goes on computing with the rounded
quotient. Rounding that quotient can change a later 6-place rounding only when the exact
result sits on a rounding midpoint (or within about 1e-20 of one, which bounded
denominators and magnitudes rule out): a `Num` computed from such a quotient is `risky`,
and `needs_python` tells the scorer to send that person to the Python path. A 128-bit
overflow makes DuckDB raise, and the whole run then falls back to the Python path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from math import gcd

MICRO = 10**6
# numerators within these bounds cannot be rounded across a 6-place midpoint by Python's
# 34-digit quotients (see Num.needs_python)
MAX_EXACT = 10**25
MAX_RISKY = 10**19


class Unsupported(Exception):
    """Something the set-based scorer does not compile; the Python path handles it."""


def big(x) -> str:
    return f"CAST({x} AS HUGEINT)"


def lit(x: int | str) -> str:
    """An integer constant in SQL. Numbers computed here are HUGEINT, so a bare literal
    multiplies as 128-bit; products of two constants are worked out in Python instead."""
    return str(x) if isinstance(x, int) else x


def _terminating(n: int) -> bool:
    """Whether 1/n has a short decimal expansion (n = 2^a 5^b), so Python divides exactly."""
    n = abs(n)
    for p in (2, 5):
        for _ in range(12):
            if n % p:
                break
            n //= p
    return n == 1


@dataclass(frozen=True)
class Num:
    """An exact number in SQL: `n / d` with d > 0; a NULL numerator means no value.

    Constants (`value` set) fold in Python, so SQL never multiplies two literals.
    """

    n: str
    d: int | str = 1
    neg: str | None = None  # SQL: the number is negative, -0 included; None: n < 0
    inexact: bool = False  # a quotient Python rounds to 34 digits
    risky: bool = False  # such a quotient was used in further arithmetic
    value: Fraction | None = None
    signed: bool = False  # a constant's sign (for -0)

    @staticmethod
    def const(x: Decimal) -> Num:
        if not x.is_finite():
            raise Unsupported("an infinite constant")
        return Num.fraction(Fraction(x), x.is_signed())

    @staticmethod
    def fraction(f: Fraction, signed: bool | None = None, inexact: bool = False, risky: bool = False) -> Num:
        signed = f < 0 if signed is None else signed
        d = f.denominator
        # keep decimal denominators (powers of ten) so they line up with columns
        ten = 1
        while ten % d and ten < 10**30:
            ten *= 10
        if ten % d == 0:
            n, d = f.numerator * (ten // d), ten
        else:
            n = f.numerator
        return Num(str(n), d, "TRUE" if signed and n == 0 else None, inexact, risky, f, signed)

    @staticmethod
    def null() -> Num:
        return Num("CAST(NULL AS HUGEINT)")

    @staticmethod
    def micro(sql: str) -> Num:
        """An integer SQL value counting millionths (a number rounded to 6 places)."""
        return Num(sql, MICRO)

    @staticmethod
    def column(sql: str, scale: int) -> Num:
        """A DECIMAL(w, scale) (or, with scale 0, an integer) SQL value, exactly, as HUGEINT."""
        if scale == 0:
            return Num(big(sql))
        return Num(f"CAST(CAST({sql} AS DECIMAL(38,{scale})) * {10**scale} AS HUGEINT)", 10**scale)

    @property
    def negative(self) -> str:
        if self.value is not None:
            return "TRUE" if self.signed else "FALSE"
        return self.neg if self.neg is not None else f"({self.n} < 0)"

    def _taint(self, *others: Num) -> bool:
        return any(x.inexact or x.risky for x in (self, *others))

    def add(self, other: Num, subtract: bool = False) -> Num:
        if subtract:
            other = other.negate(copy=True)
        if self.value is not None and other.value is not None:
            total = self.value + other.value
            return Num.fraction(total, total < 0 or total == 0 and self.signed and other.signed,
                                risky=self._taint(other))
        if self.d == other.d:
            n, d = f"({self.n} + {other.n})", self.d
        elif isinstance(self.d, int) and isinstance(other.d, int) and max(self.d, other.d) % min(self.d, other.d) == 0:
            d = max(self.d, other.d)
            n = f"({_times(self.n, d // self.d)} + {_times(other.n, d // other.d)})"
        else:
            d = self.d * other.d if isinstance(self.d, int) and isinstance(other.d, int) else f"({lit(self.d)} * {lit(other.d)})"
            n = f"({_times(self.n, other.d)} + {_times(other.n, self.d)})"
        # a zero sum is -0 only when both terms are negative (Decimal, rounding half-up)
        zero_neg = [x.negative for x in (self, other) if x.neg is not None or x.value is not None]
        if len(zero_neg) < 2 or "FALSE" in zero_neg:
            neg = None
        else:
            neg = f"(CASE WHEN {n} <> 0 THEN {n} < 0 ELSE {self.negative} AND {other.negative} END)"
        return Num(n, d, neg, risky=self._taint(other))

    def sub(self, other: Num) -> Num:
        return self.add(other, subtract=True)

    def negate(self, copy: bool = False) -> Num:
        """-x as Decimal's unary minus (a zero comes out +0), or with `copy` its sign flipped
        (copy_negate, which is how subtraction treats zeros: -0 - 0 is -0)."""
        if self.value is not None:
            return Num.fraction(-self.value, (not self.signed) if copy else -self.value < 0, self.inexact, self.risky)
        neg = f"(NOT {self.negative})" if copy and self.neg is not None else None
        if copy and self.neg is None:
            neg = f"({self.n} >= 0)"
        return Num(f"(-{self.n})", self.d, neg, self.inexact, self.risky)

    def mul(self, other: Num) -> Num:
        if self.value is not None and other.value is not None:
            return Num.fraction(self.value * other.value, self.signed != other.signed, risky=self._taint(other))
        d = self.d * other.d if isinstance(self.d, int) and isinstance(other.d, int) else f"({lit(self.d)} * {lit(other.d)})"
        neg = _xor(self, other)
        a, b = (other, self) if self.value is not None else (self, other)
        n = _times(a.n, b.value.numerator * (b.d // b.value.denominator)) if b.value is not None else f"({a.n} * {b.n})"
        return Num(n, d, neg, risky=self._taint(other))

    def div(self, other: Num) -> Num:
        """self / other; no value when other is 0 (as `numbers.divide`)."""
        if other.value is not None:
            if other.value == 0:
                return Num.null()
            inexact = not _terminating(other.value.numerator)
            if self.value is not None:
                return Num.fraction(self.value / other.value, self.signed != other.signed,
                                    inexact=inexact, risky=self._taint(other))
            if not isinstance(self.d, int):
                raise Unsupported("a quotient of a quotient")
            q = Fraction(other.value)
            sign = -1 if q < 0 else 1
            # x / (a/b) = x * b / a
            return Num(_times(self.n, sign * q.denominator), self.d * abs(q.numerator), _xor(self, other),
                       inexact=inexact, risky=self._taint(other))
        scaled = _times(self.n, other.d)
        if scaled.lstrip("-").isdigit():  # a constant times sign() (a TINYINT) would be 32-bit
            scaled = f"CAST({scaled} AS HUGEINT)"
        n = f"(CASE WHEN {other.n} = 0 THEN NULL ELSE {scaled} * sign({other.n}) END)"
        d = f"(abs({_wide(other.n)}) * {lit(self.d)})" if self.d != 1 else f"abs({other.n})"
        return Num(n, d, _xor(self, other), inexact=True, risky=self._taint(other))

    def compare(self, op: str, other: Num) -> str:
        sql_op = {"==": "=", "!=": "<>"}.get(op, op)
        if self.value is not None and other.value is not None:
            import operator
            ops = {"==": operator.eq, "!=": operator.ne, ">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}
            return "TRUE" if ops[op](self.value, other.value) else "FALSE"
        return f"({_times(self.n, other.d)} {sql_op} {_times(other.n, self.d)})"

    # ---------------------------------------------------------------- rounding

    def units(self, per_unit: int, per_unit_den: int = 1, mode: str = "half_up") -> str:
        """self * per_unit / per_unit_den rounded to an integer with a rounding mode (HUGEINT SQL)."""
        if self.value is not None:
            return str(_round_fraction(self.value * per_unit / per_unit_den, mode))
        if isinstance(self.d, int):
            d = self.d * per_unit_den
            g = gcd(per_unit, d)
            per_unit, d = per_unit // g, d // g
            if d == 1:
                return _times(self.n, per_unit)
            return round_division(_times(self.n, per_unit), d, mode)
        return round_division(_times(self.n, per_unit), f"({self.d} * {per_unit_den})" if per_unit_den != 1 else self.d, mode)

    def q6(self) -> str:
        """quantize6 in micro-units: half-up, away from zero at .5."""
        return self.units(MICRO)

    def rounded(self) -> Num:
        """quantize6 as a Num (keeping the sign of a value that rounds to zero)."""
        return Num(self.q6(), MICRO, None if self.neg is None and self.value is None else self.negative)

    def needs_python(self) -> str:
        """SQL true when the Python path might round this number differently (module doc).

        Python's quotients are off by at most |r| x 1e-33 (1e-27 after a product in the
        default 28-digit context); a rational r = n/d not on a midpoint is at least
        1/(2e6 x d) away from one, and |r| x d = |n|: bounding |n| bounds both.
        """
        if self.value is not None:
            return "FALSE"
        checks = [f"abs({self.n}) > {MAX_RISKY if self.risky else MAX_EXACT}"]
        if self.risky:
            two_d = 2 * self.d if isinstance(self.d, int) else f"(2 * {self.d})"
            checks.append(f"(abs({self.n}) * {2 * MICRO}) % {two_d} = {lit(self.d)}")
        return "(" + " OR ".join(checks) + ")"


def _times(n: str, k: int | str) -> str:
    if k == 1:
        return n
    if isinstance(k, int) and n.lstrip("-").isdigit():
        return str(int(n) * k)  # two constants: multiply here, not as 32-bit SQL
    return f"({_wide(n)} * {lit(k)})"


#: the per-person table's day counts, 32-bit or 64-bit integers (the other numbers are HUGEINT)
_DAYS = re.compile(r"__kp_(\w+_)?(p?days|active)")


def _wide(n: str) -> str:
    """A day count as HUGEINT: times a constant, 31 * 1000000000 overflowed 32 bits, and the
    whole run went back to the Python path."""
    return f"CAST({n} AS HUGEINT)" if _DAYS.fullmatch(n) else n


def _xor(a: Num, b: Num) -> str | None:
    """The sign of a product or quotient, -0 included; None when n < 0 says it."""
    for x, y in ((a, b), (b, a)):
        if y.value is not None and x.value is None:
            if y.value > 0:
                return x.neg
            if y.value < 0:
                return f"(NOT {x.negative})"
    return f"({a.negative} <> {b.negative})"


def _round_fraction(f: Fraction, mode: str) -> int:
    q, r = divmod(abs(f.numerator), f.denominator)
    sign = -1 if f < 0 else 1
    twice = 2 * r
    away = {
        "down": False, "up": r != 0,
        "ceiling": r != 0 and sign > 0, "floor": r != 0 and sign < 0,
        "half_up": twice >= f.denominator, "half_down": twice > f.denominator,
        "half_even": twice > f.denominator or (twice == f.denominator and q % 2 == 1),
    }[mode]
    return sign * (q + (1 if away else 0))


def round_division(n: str, d: int | str, mode: str) -> str:
    """n / d (d > 0) rounded to an integer in one of `numbers.MODES`, in SQL."""
    d = lit(d)
    q, r = f"({n} // {d})", f"({n} % {d})"  # DuckDB truncates toward zero (HUGEINT n)
    if mode == "down":
        return q
    # the modes that round |n| / d and put the sign back take one division, not two (a
    # 128-bit division is most of what the query costs): with d > 0 and m = |n|,
    # half_up is (2m + d) // 2d, half_down (2m + d - 1) // 2d, up (m + d - 1) // d
    if mode in ("half_up", "half_down", "up"):
        twice = str(2 * int(d)) if d.isdigit() else f"(2 * {d})"
        m = f"abs({n})"
        if mode == "up":
            return f"(sign({n}) * (({m} + {d} - 1) // {d}))"
        return f"(sign({n}) * ((2 * {m} + {d}{' - 1' if mode == 'half_down' else ''}) // {twice}))"
    if mode in ("ceiling", "floor"):
        test, step = (f"{r} > 0", 1) if mode == "ceiling" else (f"{r} < 0", -1)
        return f"({q} + CASE WHEN {test} THEN {step} ELSE 0 END)"
    away = {
        "up": f"{r} <> 0",
        "half_up": f"2 * abs({r}) >= {d}",
        "half_down": f"2 * abs({r}) > {d}",
        "half_even": f"(2 * abs({r}) > {d} OR (2 * abs({r}) = {d} AND {q} % 2 <> 0))",
    }[mode]
    return f"({q} + CASE WHEN {away} THEN sign({n}) ELSE 0 END)"


def money(x: Num, mode: str, step: Decimal) -> str:
    """`numbers.round_money` in SQL: the coefficient at exponent min(step's exponent, 0)."""
    if x.risky:  # its critical points are every multiple of the step: leave it to Python
        raise Unsupported("money rounding of a rounded quotient")
    sign, digits, exp = step.as_tuple()
    coef = int("".join(map(str, digits)))
    if exp < 0:
        return f"({x.units(10**-exp, coef, mode)} * {lit(coef)})"
    return f"({x.units(1, coef * 10**exp, mode)} * {lit(coef * 10**exp)})"


def money_exponent(step: Decimal) -> int:
    return min(step.as_tuple().exponent, 0)
