"""From what a test file says to exact values: numbers, percentages, money, dates, column values.

Test files are read with `tomllib.loads(..., parse_float=Decimal)`, so a number written
`0.895` is exactly the decimal 0.895, never a binary float. Strings are accepted where a
number is expected ("2685.00"), and a string ending in `%` is a share ("15%" is 0.15).
The word "none" states that something has no value.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from kpirules import tomlshapes
from kpirules.model.scheme import ColumnSpec

NONE_WORDS = ("none",)
INFINITY_WORDS = ("∞", "inf", "infinity")
#: decimal places and whole-number digits each declared column type keeps (sources.convert.SQL_TYPES)
PLACES = {"money": 4, "decimal": 6}
DIGITS = {"money": 14, "decimal": 12}
BIGINT = 2**63


class Unreadable(ValueError):
    """A value that is not what its key needs; the message says what was expected."""

    def __init__(self, message: str, help: str | None = None):
        super().__init__(message)
        self.help = help


def shown(raw) -> str:
    """A value as messages show it: text in quotes, true/false, a number (TOML's `inf` and
    `nan` as written), and a list or a table by its kind (never Python's spelling of what it
    holds)."""
    if isinstance(raw, str):
        return repr(raw)
    if isinstance(raw, bool):
        return str(raw).lower()
    if isinstance(raw, Decimal) and not raw.is_finite():
        return "nan" if raw.is_nan() else "-inf" if raw < 0 else "inf"
    if isinstance(raw, (list, dict)):
        return tomlshapes.kind(raw)
    return str(raw)


#: commas in a number are thousands separators, so they come in groups of three digits
THOUSANDS = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d+)?")


def number(raw, *, share: bool = False, what: str = "a number") -> Decimal:
    """A finite number written as a number or a numeric string; with share, "15%" is 0.15 too."""
    if isinstance(raw, bool):
        raise Unreadable(f"expected {what}, not {shown(raw)}")
    if isinstance(raw, (int, Decimal)):
        value = _finite(Decimal(raw), raw, what)
        return _share(value, raw, what) if share else value
    if isinstance(raw, str):
        text = raw.strip()
        percent = text.endswith("%")
        if percent:
            if not share:
                raise Unreadable(f"expected {what}, not the percentage {shown(raw)}",
                                 "percentages are for values of percent KPIs, targets and attainment")
            text = text[:-1].strip()
        try:
            if "_" in text:  # Python's digit grouping, which would read "1_5" as 15
                raise InvalidOperation
            value = Decimal(text.replace(",", ""))
        except InvalidOperation:
            raise Unreadable(f"expected {what}, not {shown(raw)}",
                             'write a number such as 210 or "2685.00"' + (', or a percentage such as "15%"' if share else "")) from None
        if "," in text and not THOUSANDS.fullmatch(text):
            # "2,1,0" or a decimal comma "1,5" would otherwise read as 210 or 15
            raise Unreadable(f"expected {what}, not {shown(raw)}: commas separate thousands, in groups of three digits",
                             'write "1,500,000" or 1500000; decimals follow a point: 1.5')
        value = _finite(value, raw, what)
        return value / 100 if percent else _share(value, raw, what) if share else value
    raise Unreadable(f"expected {what}, not {shown(raw)}")


def _finite(value: Decimal, raw, what: str) -> Decimal:
    """Infinity and NaN (TOML's bare `inf` and `nan`, or the words in a string) are no amount
    of anything: evaluated, an infinite value would score and pay like a huge one."""
    if not value.is_finite():
        raise Unreadable(f"expected {what}, not {shown(raw)}: not a finite number",
                         'write a number such as 210 or "2685.00"; only an attainment may be "∞"')
    return value


#: A bare number for a share above this (1000%) is taken for a percentage written without
#: its % sign: 15 meant as 15% would silently be 1500%, and a cap would hide it.
SHARE_LIMIT = Decimal(10)


def _share(value: Decimal, raw, what: str) -> Decimal:
    if abs(value) > SHARE_LIMIT:
        raise Unreadable(f"expected {what}, not {shown(raw)}: as a fraction that is {value * 100:f}%",
                         f'write a percentage with its sign, "{shown(raw).strip(chr(39))}%", or as a fraction')
    return value


def optional_number(raw, *, share: bool = False, what: str = "a number") -> Decimal | None:
    if isinstance(raw, str) and raw.strip().lower() in NONE_WORDS:
        return None
    return number(raw, share=share, what=what)


def attainment(raw) -> Decimal | None:
    """An attainment: "105%", 1.05, "∞" (a lower-is-better KPI with nothing to improve; TOML's
    bare `inf` too) or "none"."""
    if isinstance(raw, str) and raw.strip().lower() in INFINITY_WORDS or (
            isinstance(raw, Decimal) and raw == Decimal("Infinity")):
        return Decimal("Infinity")
    return optional_number(raw, share=True, what="an attainment")


def text(raw, what: str = "text") -> str:
    if not isinstance(raw, str):
        raise Unreadable(f"expected {what} (a quoted string), not {shown(raw)}")
    return raw


def column_value(raw, column: ColumnSpec, timezone: str):
    """A value for a declared column, as DuckDB stores that type; "none" leaves the cell empty."""
    if isinstance(raw, str) and raw.strip().lower() in NONE_WORDS and column.type != "string":
        return None
    kind = column.type
    if kind == "string":
        if isinstance(raw, bool) or not isinstance(raw, (str, int)):
            raise Unreadable(f"column {column.name} holds text, not {shown(raw)}")
        # an empty text is no value, as a run reads it from every source (docs/sources.md)
        return str(raw) if raw != "" else None
    if kind == "integer":
        return _whole(raw, column)
    if kind in PLACES:
        value = number(raw, what=f"a number for column {column.name}")
        if -value.as_tuple().exponent > PLACES[kind]:
            raise Unreadable(f"column {column.name} keeps {PLACES[kind]} decimal places; {raw} has more")
        if abs(value) >= Decimal(10) ** DIGITS[kind]:
            raise Unreadable(f"column {column.name} holds numbers of at most {DIGITS[kind]} whole digits; {raw} has more")
        return value
    if kind == "boolean":
        if not isinstance(raw, bool):
            raise Unreadable(f"column {column.name} holds true or false, not {shown(raw)}")
        return raw
    if kind == "date":
        return _date(raw, column)
    return _timestamp(raw, column, timezone)


def _whole(raw, column: ColumnSpec) -> int:
    """A whole number for an integer column: 120, "120", "1,200", or 12.0 (whole, as a run reads
    "12.0" in the data)."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    else:
        try:
            found = number(raw)
        except Unreadable:  # said below, naming the column
            found = None
        if found is None or found != found.to_integral_value():
            raise Unreadable(f"column {column.name} holds whole numbers (up to 19 digits), not {shown(raw)}",
                             'write a whole number such as 120 or "1,200"')
        value = int(found)
    if not -BIGINT <= value < BIGINT:
        raise Unreadable(f"column {column.name} holds whole numbers (up to 19 digits), not {shown(raw)}")
    return value


def _date(raw, column: ColumnSpec) -> dt.date:
    if isinstance(raw, dt.datetime):
        raise Unreadable(f"column {column.name} holds dates, not the date and time {raw.isoformat()}",
                         "write the date alone, e.g. 2026-03-05")
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, str):
        try:
            return dt.date.fromisoformat(raw.strip())
        except ValueError:
            pass
    raise Unreadable(f"column {column.name} holds dates, not {shown(raw)}", "write a date such as 2026-03-05")


def _timestamp(raw, column: ColumnSpec, timezone: str) -> dt.datetime:
    if isinstance(raw, str):
        try:
            raw = dt.datetime.fromisoformat(raw.strip())
        except ValueError:
            raise Unreadable(f"column {column.name} holds timestamps, not {shown(raw)}",
                             "write a date and time such as 2026-03-05T10:30:00") from None
    if isinstance(raw, dt.datetime):
        if raw.tzinfo is not None:
            # as the loaders do: an instant with an offset is shown in the scheme's time zone
            raw = raw.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
        return raw
    if isinstance(raw, dt.date):
        return dt.datetime(raw.year, raw.month, raw.day)
    raise Unreadable(f"column {column.name} holds timestamps, not {shown(raw)}",
                     "write a date and time such as 2026-03-05T10:30:00")
