"""Small helpers the rules share: showing percentages, comparing expressions."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any


def pct(fraction: Decimal | float | None, places: int | None = 2) -> str:
    """30% for 0.3; 0% for a missing weight; rounded half-up to `places` decimals of a
    percent, or exact with places=None (99.999%, where 2 places would say 100%)."""
    value = Decimal(str(fraction or 0)) * 100
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{value.normalize():f}%"


def number(value: Decimal | float) -> str:
    """A decimal without trailing zeros: 1.5, 100, 0.25."""
    return f"{Decimal(str(value)).normalize():f}"


def constant_value(expr: Any) -> Decimal | None:
    """The number an expression that reads no names stands for (15% and 0.15 are both 0.15,
    50万 CNY is 500000); None for anything else."""
    from kpirules.model.arithmetic import to_decimal
    from kpirules.model.constants import NotWorkedOut, constant_value as worked_out

    try:
        value = worked_out(expr)
    except (NotWorkedOut, ArithmeticError):
        return None
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        return None
    return to_decimal(value)


def shape(node: Any) -> Any:
    """An expression as plain data without its spans, so equal expressions compare equal.

    A constant is its value, however it is written: `15%` and `0.15`, `50万 CNY` and
    `500000 CNY`, `100%` and `100.0%` have one shape."""
    if isinstance(node, list):
        return tuple(shape(n) for n in node)
    if getattr(node, "node", None) == "literal":
        value = node.value.normalize() if isinstance(node.value, Decimal) else node.value
        return ("Literal_", "number" if node.type == "percent" else node.type, value, node.currency)
    if hasattr(type(node), "model_fields") and hasattr(node, "span"):
        # a pydantic model keeps its fields in __dict__; reading it directly is several times faster
        return (type(node).__name__,) + tuple(
            (name, shape(value)) for name, value in node.__dict__.items() if name != "span"
        )
    if isinstance(node, Decimal):
        return str(node.normalize())
    return node
