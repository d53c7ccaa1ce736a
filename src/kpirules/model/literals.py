"""Numbers written in .kpi files that are too large to compute with exactly (E260).

Values are exact decimals of 34 significant digits kept to 6 decimal places, so a value
has at most 28 digits before the point. A constant of up to 18 digits (with its 6
places, 24 digits) leaves room for the arithmetic a scheme does with it: a target
prorated by days, a rate times an amount. Anything larger is a typo, and would otherwise
fail only when a command evaluated it.
"""

from __future__ import annotations

from kpirules.lang import ast
from kpirules.lang.transformer import MAX_INTEGER_DIGITS
from kpirules.model.problems import Problems


def check_numbers(files: list[ast.File], problems: Problems) -> None:
    """Report every number, percentage, amount or duration of 10^18 or more (the parser
    notes them as it makes the literals)."""
    for file in files:
        for literal in file.too_large:
            problems.error(
                "E260",
                literal.span,
                f"the number {literal.text} is too large: a number has at most "
                f"{MAX_INTEGER_DIGITS} digits before the decimal point",
                "values are exact decimals of 34 digits with 6 decimal places; "
                "write a smaller number (a value this large is probably a typo)",
            )
