"""Ranges and the tables keyed by them: bounds, coverage without gaps or overlaps.

A table keyed by ranges (scoring tiers, grade bands, payout factor tiers, commission
tiers) must cover its whole axis: from its start (0, or -infinity) to +infinity, each
boundary belonging to exactly one row. `check_coverage` proves it or reports the first
gap and every overlap, at the rows concerned.
"""

from __future__ import annotations

from decimal import Decimal

from kpirules.lang import ast
from kpirules.model.problems import Problems
from kpirules.model.scheme import Band
from kpirules.model.types import is_money


def bound_value(bound) -> Decimal | None:
    """A bound's value; None for infinity (either sign)."""
    if isinstance(bound, ast.Infinity):
        return None
    return bound.value


def format_bound(value: Decimal | None, negative: bool = False, percent: bool = False) -> str:
    if value is None:
        return "-∞" if negative else "∞"
    if percent:
        return f"{(value * 100).normalize():f}%"
    return f"{value.normalize():f}"


def _low_key(band: Band) -> tuple:
    if band.low is None:
        return (0, Decimal(0), 0)
    return (1, band.low, 0 if band.low_closed else 1)


def describe(band: Band, percent: bool) -> str:
    low = format_bound(band.low, negative=True, percent=percent)
    high = format_bound(band.high, percent=percent)
    return f"{'[' if band.low_closed else '('}{low}, {high}{']' if band.high_closed else ')'}"


def check_coverage(
    bands: list[Band],
    problems: Problems,
    what: str,
    table_span,
    start: Decimal | None = Decimal(0),
    percent: bool = False,
) -> None:
    """Report gaps, overlaps and uncovered ends of a range-keyed table."""
    if not bands:
        problems.error("E250", table_span, f"the {what} has no rows", "add at least one row such as [0, ∞): ...")
        return
    for band in bands:
        if band.low is not None and band.high is not None and (
            band.low > band.high or (band.low == band.high and not (band.low_closed and band.high_closed))
        ):
            problems.error(
                "E254", band.span, f"the range {describe(band, percent)} is empty",
                "the lower bound must come first, e.g. [60, 100)",
            )
            return
    ordered = sorted(bands, key=_low_key)
    first = ordered[0]
    if start is not None and first.low is not None and (
        first.low > start or (first.low == start and not first.low_closed)
    ):
        begin, low = format_bound(start, percent=percent), format_bound(first.low, percent=percent)
        if first.low == start:  # (0, 60): only the start itself is left out
            message = f"the {what} does not cover {begin} itself: its first row {describe(first, percent)} leaves it out"
        else:
            message = (f"the {what} does not cover [{begin}, {low}{')' if first.low_closed else ']'}, "
                       f"below its first row {describe(first, percent)}")
        problems.error("E252", first.span, message, f"start the first row at [{begin}, ...")
    for prev, band in zip(ordered, ordered[1:]):
        here = describe(band, percent)
        there = describe(prev, percent)
        if prev.high is None or (band.low is not None and band.low < prev.high) or band.low is None:
            problems.error(
                "E251", band.span, f"the {what} rows {there} and {here} overlap",
                "each value must fall in exactly one row",
            )
        elif band.low > prev.high:
            problems.error(
                "E250", band.span,
                f"the {what} has a gap between {there} and {here}",
                f"start this row at {format_bound(prev.high, percent=percent)}",
            )
        elif prev.high_closed and band.low_closed:
            problems.error(
                "E251", band.span,
                f"the {what} rows {there} and {here} both include {format_bound(band.low, percent=percent)}",
                f"make one side exclusive: {describe(prev.model_copy(update={'high_closed': False}), percent)} "
                f"then {here}",
            )
        elif not prev.high_closed and not band.low_closed:
            problems.error(
                "E250", band.span,
                f"the {what} leaves out exactly {format_bound(band.low, percent=percent)} "
                f"between {there} and {here}",
                f"include the boundary in one row: {there} "
                f"then {describe(band.model_copy(update={'low_closed': True}), percent)}",
            )
    # the row reaching highest decides, not the one starting highest: with overlapping rows
    # ([50, ∞) then [70, 80)) the table still reaches ∞
    if all(band.high is not None for band in bands):
        last = max(bands, key=lambda band: (band.high, band.high_closed))
        high = format_bound(last.high, percent=percent)
        ended = describe(last.model_copy(update={"high": None, "high_closed": False}), percent)
        problems.error(
            "E253",
            last.span,
            f"the {what} does not cover values above {high}",
            f"end the last row at ∞, as in {ended}, or add a row {'(' if last.high_closed else '['}{high}, ∞)",
        )


#: a `by value` table's bounds of a kind its KPI's value is not (language.md §11.2): E255's
#: message and help (None: write the bound's number alone), by the value's kind and the bound's
_VALUE_BOUNDS = {
    ("number", "money"): ("the value scored is a number, not an amount", None),
    ("percent", "money"): ("the value scored is a percentage, not an amount", None),
    ("duration", "money"): ("the value scored is a duration in days, not an amount", None),
    ("duration", "percent"): ("the value scored is a duration in days, not a percentage",
                              "write a number of days, e.g. [0, 30)"),
    ("amount", "percent"): ("the value scored is an amount, not a percentage",
                           "write an amount, e.g. [0, 100万) or [0, 100万 CNY)"),
}


def bound_problem(bound: ast.Literal_, axis: str, key: bool = False) -> tuple[str, str] | None:
    """E255's message and help for a range bound (or a lookup key, `key`) in another unit
    than its table's axis holds: amounts, numbers, rates, durations, attainment or total
    scores (language.md §6.1, §11.2, §12.2, §12.5), or a `by value` table's KPI value; None
    when it fits, or when the check of currencies judges it."""
    misfit = _misfit(bound, axis, key)
    if misfit is not None:
        return misfit
    if axis == "attainment" and bound.type != "percent" and bound.value != 0:
        return _as_percent(bound), (
            "attainment keys are written as percentages, e.g. 80%: 60; to score the value itself, write "
            "`lookup by value`" if key else
            "attainment bounds are written as percentages, e.g. [80%, 100%); to score the value itself, write "
            "`tiers by value`")
    if axis == "score" and bound.type == "percent":
        return ("total_score is in points (0 to 100 and above), not a percentage",
                f"write {format_bound(bound.value * 100)} instead of {bound.text}")
    found = _VALUE_BOUNDS.get((_value_kind(axis), bound.type))
    if found is None:
        return None
    message, help = found
    return message, help or f"write {format_bound(bound.value)} instead of {bound.text}"


#: a bare attainment bound up to this size reads as a fraction of the target (1.2 for
#: 120%); a larger one as the percentage itself without its sign (80 for 80%)
_LARGEST_FRACTION = Decimal(2)


def _as_percent(bound: ast.Literal_) -> str:
    """E255's message for a bare number where an attainment percentage belongs."""
    if abs(bound.value) <= _LARGEST_FRACTION:
        return f"attainment is a percentage: write {format_bound(bound.value, percent=True)} for the fraction {bound.text}"
    return f"attainment is a percentage: write {bound.text}%"


def _misfit(bound: ast.Literal_, axis: str, key: bool) -> tuple[str, str] | None:
    """E255's message and help for a bound (or key) of another unit than a table of amounts,
    numbers, rates, durations or total scores holds (language.md §6.1, §11.2, §12.2, §12.5);
    None when it fits, or when the checks of attainment tables and currencies judge it."""
    amounts = "write an amount, e.g. [0, 100万) or [0, 100万 CNY)"
    if bound.type == "percent" and axis == "money":
        return "a commission's ranges are amounts, not percentages", amounts
    if bound.type == "percent" and axis.startswith("money:"):
        return "the value scored is an amount, not a percentage", "write an amount, e.g. 50万: 100" if key else amounts
    if bound.type == "percent" and axis in ("number", "integer"):  # integer: a count's value
        return "the value scored is a number, not a percentage", "write a number, e.g. 50: 100" if key else (
            "write a number, e.g. [0, 50)")
    if bound.type == "number" and axis == "percent" and abs(bound.value) > _LARGEST_FRACTION:
        return (f"the value scored is a percentage: write {bound.text}%",
                "the keys of a rate are percentages, e.g. 85%: 100" if key
                else "the bounds of a rate are percentages, e.g. [85%, 100%)")
    if bound.type == "money" and axis == "score":
        return "total_score is in points (0 to 100 and above), not an amount", (
            f"write {format_bound(bound.value)} instead of {bound.text}")
    if bound.type == "money" and axis == "duration" and bound.currency == "d":
        days, written = format_bound(bound.value), f"{format_bound(bound.value)}d"
        return "the bounds of a duration are plain numbers of days", f"write {days} instead of {written}"
    return None


def _value_kind(axis: str) -> str:
    """The kind of value a table is keyed by: its KPI's value type (an amount in any
    currency is one kind), or the axis itself (attainment, score, a commission's money)."""
    return "amount" if is_money(axis) else axis
