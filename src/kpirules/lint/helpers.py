"""Small helpers the rules share: showing percentages, comparing expressions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def pct(fraction: Decimal | float | None) -> str:
    """30% for 0.3; 0% for a missing weight."""
    value = Decimal(str(fraction or 0)) * 100
    text = f"{value.quantize(Decimal('0.01')).normalize():f}"
    return f"{text}%"


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
