"""Assessment periods: parsing labels, fiscal years, containment and the default period.

Labels: `2026-03` (a calendar month), `2026Q1`, `2026H1` (fiscal quarter and half),
`2026` (a fiscal year). A fiscal year starts in the scheme's `fiscal_year_start` month and
is named by the calendar year it starts or ends in (`fiscal_year_named_by`). With a
January start both namings agree and fiscal periods are calendar periods.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from kpirules.defaults import defaults
from kpirules.errors import ConfigError, DataError, DataLocation, Diagnostic
from kpirules.model.scheme import Header

UNIT_MONTHS = {"month": 1, "quarter": 3, "half": 6, "year": 12}
#: the years a period may fall in: four-digit labels, and room on both sides for a fiscal
#: year that starts in the calendar year before its name (dates stop at 9999-12-31)
FIRST_YEAR = defaults()["periods"]["first_year"]
LAST_YEAR = defaults()["periods"]["last_year"]
# ASCII digits only: a label in full-width digits (２０２７Q1) in a targets or adjustments row
# would parse here but never match the rows' text, so it must be refused as a label
_LABEL = re.compile(r"^(?P<year>[0-9]{4})(?:-(?P<month>[0-9]{2})|Q(?P<quarter>[1-4])|H(?P<half>[12]))?$")


@dataclass(frozen=True, order=True)
class Period:
    """A half-open date range [start, end) with its unit and label."""

    start: dt.date
    end: dt.date  # exclusive
    unit: str
    label: str

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def __str__(self) -> str:
        return self.label


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + (day.month - 1) + months
    return dt.date(index // 12, index % 12 + 1, 1)


class Calendar:
    """The scheme's fiscal calendar."""

    def __init__(self, header: Header):
        self.start_month = header.fiscal_year_start
        self.named_by = header.fiscal_year_named_by
        self.unit = header.period or "month"

    def fiscal_year_start(self, name: int) -> dt.date:
        """First day of the fiscal year called `name`."""
        if self.start_month == 1:
            return dt.date(name, 1, 1)
        year = name if self.named_by == "start" else name - 1
        return dt.date(year, self.start_month, 1)

    def fiscal_year_of(self, day: dt.date) -> int:
        start_year = day.year if day.month >= self.start_month else day.year - 1
        if self.start_month == 1:
            return day.year
        return start_year if self.named_by == "start" else start_year + 1

    def period(self, unit: str, day: dt.date) -> Period:
        """The period of `unit` that contains `day`."""
        if unit == "month":
            start = dt.date(day.year, day.month, 1)
            return Period(start, _add_months(start, 1), "month", f"{start.year}-{start.month:02d}")
        fy = self.fiscal_year_of(day)
        fy_start = self.fiscal_year_start(fy)
        months_in = (day.year * 12 + day.month) - (fy_start.year * 12 + fy_start.month)
        size = UNIT_MONTHS[unit]
        index = months_in // size
        start = _add_months(fy_start, index * size)
        label = {"quarter": f"{fy}Q{index + 1}", "half": f"{fy}H{index + 1}", "year": f"{fy}"}[unit]
        return Period(start, _add_months(start, size), unit, label)

    def parse(self, label: str) -> Period:
        """The period a label names, or a ConfigError saying which forms are accepted."""
        match = _LABEL.match(label.strip())
        if not match:
            raise ConfigError(
                Diagnostic(
                    "E020",
                    f"'{label}' is not a period",
                    help="write a month 2026-03, a quarter 2026Q1, a half 2026H1 or a year 2026",
                )
            )
        year = int(match["year"])
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise ConfigError(
                Diagnostic("E020", f"'{label}' is out of range: periods are in the years {FIRST_YEAR} to {LAST_YEAR}", help="write a period such as 2026-03")
            )
        if match["month"]:
            month = int(match["month"])
            if not 1 <= month <= 12:
                raise ConfigError(Diagnostic("E020", f"'{label}' has no month {month}", help="months are 01 to 12"))
            return self.period("month", dt.date(year, month, 1))
        fy_start = self.fiscal_year_start(year)
        if match["quarter"]:
            found = self.period("quarter", _add_months(fy_start, (int(match["quarter"]) - 1) * 3))
        elif match["half"]:
            found = self.period("half", _add_months(fy_start, (int(match["half"]) - 1) * 6))
        else:
            found = self.period("year", fy_start)
        if not FIRST_YEAR <= found.start.year <= found.last_day.year <= LAST_YEAR:
            # a fiscal year named by its end starts in the year before: its months (1899-04 for
            # 1900) would be labelled outside the years a month label may name
            raise ConfigError(Diagnostic(
                "E020", f"'{label}' runs from {found.start.isoformat()} to {found.last_day.isoformat()}, out of range: "
                f"periods are in the years {FIRST_YEAR} to {LAST_YEAR}", help="write a period such as 2026-03"))
        return found

    def scheme_periods(self, requested: Period) -> list[Period]:
        """The scheme periods a requested period covers (one, or several for a longer label)."""
        if UNIT_MONTHS[requested.unit] < UNIT_MONTHS[self.unit]:
            enclosing = self.period(self.unit, requested.start)
            raise ConfigError(
                Diagnostic(
                    "E021",
                    f"the scheme is assessed per {self.unit}; {requested.label} is a {requested.unit}",
                    help=f"ask for the {self.unit} that contains it: --period {enclosing.label}",
                )
            )
        periods = []
        day = requested.start
        while day < requested.end:
            p = self.period(self.unit, day)
            periods.append(p)
            day = p.end
        return periods

    def latest_ended(self, latest: dt.date,
                     written_at: Callable[[], list[tuple[DataLocation | None, list[str]]]] | None = None) -> Period:
        """The latest scheme period whose last day is on or before `latest` (the latest date
        in the data), or a DataError when that date is outside the years periods are in;
        `written_at` says where the data holds it (a place and notes per dataset holding it),
        asked only then: one diagnostic per place, so every dataset's rows are named at once."""
        found = None
        if FIRST_YEAR <= latest.year <= LAST_YEAR:
            p = self.period(self.unit, latest)
            found = p if p.last_day <= latest else self.period(self.unit, p.start - dt.timedelta(days=1))
        # the period's own label too: a fiscal year named by its end makes 2999-12-31 fall in
        # 3000Q3, a label --period refuses
        if found is None or not FIRST_YEAR <= int(found.label[:4]) <= LAST_YEAR:
            places = (written_at() if written_at else None) or [(None, [])]
            raise DataError([
                Diagnostic(
                    "E505",
                    f"the latest date in the data, {latest.isoformat()}, is out of range: periods are in the "
                    f"years {FIRST_YEAR} to {LAST_YEAR}" if found is None else
                    f"the latest date in the data, {latest.isoformat()}, would choose {found.label}, the latest "
                    f"{self.unit} ended by it, out of range: periods are in the years {FIRST_YEAR} to {LAST_YEAR}",
                    location,
                    help="correct the date in the data (leave the cell empty for no date, not a placeholder such as "
                    "9999-12-31), or, where the command takes one, name the period with --period" if found is None
                    else "check the date in the data, or, where the command takes one, name the period with --period",
                    notes=notes,
                )
                for location, notes in places
            ])
        return found
