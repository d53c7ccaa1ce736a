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


def shape(node: Any) -> Any:
    """An expression as plain data without its spans, so equal expressions compare equal."""
    if isinstance(node, list):
        return tuple(shape(n) for n in node)
    if hasattr(type(node), "model_fields") and hasattr(node, "span"):
        # a pydantic model keeps its fields in __dict__; reading it directly is several times faster
        return (type(node).__name__,) + tuple(
            (name, shape(value)) for name, value in node.__dict__.items() if name != "span"
        )
    if isinstance(node, Decimal):
        return str(node.normalize())
    return node
