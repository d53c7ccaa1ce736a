"""The dates the fact data reaches, and the periods they allow: the default period of a run
and the check that a requested period has data (docs/semantics.md §1)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING

import duckdb

from kpirules.engine import sql as sqlc
from kpirules.engine.periods import Calendar, Period
from kpirules.engine.rows import as_date, by_dataset, is_table, row_location, row_notes
from kpirules.errors import DataError, DataLocation, Diagnostic
from kpirules.model.scheme import Scheme
from kpirules.sources.problems import EXAMPLES, more_notes

if TYPE_CHECKING:
    from kpirules.sources.loaded import LoadReport


def latest_fact_date(scheme: Scheme, con: duckdb.DuckDBPyConnection) -> dt.date | None:
    """The latest date of any dated row of the fact datasets (None: no dated rows)."""
    return fact_dates(scheme, con)[1]


def earliest_fact_date(scheme: Scheme, con: duckdb.DuckDBPyConnection) -> dt.date | None:
    """The earliest date of any dated row of the fact datasets (None: no dated rows)."""
    return fact_dates(scheme, con)[0]


def _dated(scheme: Scheme) -> bool:
    """Whether any fact dataset binds a date column (the dates that say what the data covers)."""
    return any(ds.kind == "dataset" and ds.date_column is not None for ds in scheme.datasets.values())


def fact_dates(scheme: Scheme, con: duckdb.DuckDBPyConnection) -> tuple[dt.date | None, dt.date | None]:
    """The earliest and the latest date of the fact datasets' dated rows, one pass over each."""
    firsts, lasts = [], []
    for ds in scheme.datasets.values():
        if ds.kind != "dataset" or ds.date_column is None:
            continue
        column = sqlc.quote(ds.date_column)
        first, last = con.execute(f"SELECT min({column}), max({column}) FROM {sqlc.quote(ds.id)}").fetchone()
        if last is not None:
            firsts.append(as_date(first))
            lasts.append(as_date(last))
    return min(firsts, default=None), max(lasts, default=None)


def stale_sources(scheme: Scheme, con: duckdb.DuckDBPyConnection, periods: list[Period],
                  roles: list[str] | None = None) -> list[str]:
    """A warning per date column the run's KPIs read whose latest date is before a window
    they read of the last period evaluated (their KPI period: 2026Q4 for a quarterly KPI in
    the run of 2026-12; of several, the one that starts last), or that holds no date: the
    source may have stopped updating."""
    from kpirules.engine.ir import build_plan

    if not periods:
        return []
    calendar = Calendar(scheme.header)
    last = max(periods, key=lambda p: p.start)
    selected = [r for r in scheme.roles if roles is None or r in roles]
    # (dataset, date column) -> the window read that starts last: a monthly KPI that finds no
    # row in December is worth a warning though a quarterly KPI on the column finds October's
    windows: dict[tuple[str, str], Period] = {}
    for agg in build_plan(scheme, selected).aggregates:
        window = last if agg.unit == last.unit else calendar.period(agg.unit, last.start)
        key = (agg.dataset, agg.date_column)
        if key not in windows or window.start > windows[key].start:
            windows[key] = window
    columns: dict[str, list[str]] = {}  # one pass over each dataset, for all its date columns read
    for dataset, column in sorted(windows):
        columns.setdefault(dataset, []).append(column)
    latest_of = {}
    for dataset, names in columns.items():
        row = con.execute(f"SELECT {', '.join(f'max({sqlc.quote(c)})' for c in names)} FROM {sqlc.quote(dataset)}").fetchone()
        latest_of.update({(dataset, c): as_date(v) for c, v in zip(names, row)})
    out = []
    for (dataset, column), window in sorted(windows.items()):
        latest = latest_of[(dataset, column)]
        if latest is None:
            out.append(f"{dataset}: no row has a value in {column}, so the KPIs reading it find none of its rows in "
                       f"{window.label}; check that the source is up to date")
        elif latest < window.start:
            out.append(f"{dataset}: the latest {column} is {latest.isoformat()}, before {window.label} starts, so the "
                       "KPIs reading it find none of its rows; check that the source is up to date")
    return out


def _where_fact_date(scheme: Scheme, con: duckdb.DuckDBPyConnection, day: dt.date,
                     loads: LoadReport | None) -> Iterator[tuple[DataLocation, list[str]]]:
    """Where a date of the fact data is written: per fact dataset holding it, in the scheme's
    order, its first row holding it and a note per such row (a few, and how many more)."""
    loaded = by_dataset(loads)
    for ds in scheme.datasets.values():
        if ds.kind != "dataset" or ds.date_column is None:
            continue
        number = "rowid + 1" if is_table(con, ds.id) else "NULL"
        found = con.execute(
            f"SELECT {number} AS n, count(*) OVER () FROM {sqlc.quote(ds.id)} "
            f"WHERE CAST({sqlc.quote(ds.date_column)} AS DATE) = ? ORDER BY n LIMIT {EXAMPLES}", [day]
        ).fetchall()
        if found:
            notes = row_notes(loaded, ds.id, [n for n, _ in found])
            if notes:
                notes += more_notes(found[0][1], len(found))
            yield row_location(loaded, ds.id, found[0][0], ds.date_column), notes


def check_covered(scheme: Scheme, con: duckdb.DuckDBPyConnection, requested: Period,
                  periods: list[Period] | None = None, loads: LoadReport | None = None) -> tuple[list[Period], str]:
    """Refuse (E503) a requested period that starts after the latest date in the fact data,
    at the first row that holds that date (`loads` gives its source and line); of its scheme
    periods (`periods`), keep those that have started by that date. Periods that end before
    the earliest date (or any, when the data has no dated rows) are evaluated, and the
    reason says they are computed on no rows.

    Returns the periods kept and the reason to print: a period the data has not reached is
    never paid as if nothing had happened in it, so a longer --period (2026Q2 with data up
    to 2026-04-02) evaluates only its months that have started (April), and says so; and a
    period the data stops inside is said to hold the values so far.
    """
    periods = [requested] if periods is None else periods
    earliest, latest = fact_dates(scheme, con)
    if latest is not None and requested.start > latest:
        # the first row holding it is enough
        location, notes = next(_where_fact_date(scheme, con, latest, loads), (None, []))
        raise DataError(Diagnostic(
            "E503", f"no data covers {requested.label}: the latest date in the data is {latest.isoformat()}",
            location, help="choose an earlier period (--period, or the day of --as-of), or check that the sources are "
                           "up to date", notes=notes[:1],
        ))
    kept = [p for p in periods if latest is None or p.start <= latest]
    left = [p.label for p in periods if p not in kept]
    reason = "as requested"
    if left:
        reason += (f"; {', '.join(left)} not evaluated: {'it starts' if len(left) == 1 else 'they start'} "
                   f"after the latest date in the data ({latest.isoformat()})")
    # evaluated, but said: a period the data has not begun is computed on no rows
    if latest is None and not _dated(scheme):
        # rows are placed in periods by the columns the KPIs name (`on`), if any
        reason += "; no fact dataset binds a date column, so the data does not show which periods it covers"
    elif latest is None:
        reason += "; the fact datasets hold no dated rows: every value is computed on no rows"
    else:
        reason += _before_the_data(scheme, con, kept, earliest)
        unfinished = [p for p in kept if p.last_day > latest]
        if unfinished:  # the last period evaluated: paid on part of it, which the reader must know
            p = unfinished[-1]
            reason += (f"; the latest date in the data ({latest.isoformat()}) is before {p.label} ends "
                       f"({p.last_day.isoformat()}): its values are those so far")
    return kept, reason


def _earliest_placed_on(scheme: Scheme, con: duckdb.DuckDBPyConnection) -> dt.date | None:
    """The earliest date of the columns the KPIs place rows by with `on` (None: none, or no dates)."""
    from kpirules.engine.ir import build_plan

    columns: dict[str, set[str]] = {}
    for agg in build_plan(scheme, list(scheme.roles)).aggregates:
        if agg.date_column != scheme.datasets[agg.dataset].date_column:
            columns.setdefault(agg.dataset, set()).add(agg.date_column)
    firsts = []
    for dataset, names in sorted(columns.items()):
        row = con.execute(f"SELECT {', '.join(f'min({sqlc.quote(c)})' for c in sorted(names))} "
                          f"FROM {sqlc.quote(dataset)}").fetchone()
        firsts += [as_date(v) for v in row if v is not None]
    return min(firsts, default=None)


def latest_ended(scheme: Scheme, con: duckdb.DuckDBPyConnection, latest: dt.date,
                 loads: LoadReport | None = None) -> Period:
    """The latest scheme period that ended on or before `latest`, the latest date in the fact
    data; when that date is out of range (E505) the message names the rows that hold it, in
    every fact dataset."""
    return Calendar(scheme.header).latest_ended(latest, lambda: list(_where_fact_date(scheme, con, latest, loads)))


def _before_the_data(scheme: Scheme, con: duckdb.DuckDBPyConnection, periods: list[Period],
                     earliest: dt.date) -> str:
    """The reason's clause for the periods that end before the earliest date in the data
    (computed on no rows), or ""."""
    if any(p.end <= earliest for p in periods):
        # rows a KPI places by another column (`on`) may be earlier than every dataset's date
        earliest = min(earliest, _earliest_placed_on(scheme, con) or earliest)
    early = [p.label for p in periods if p.end <= earliest]
    if not early:
        return ""
    return (f"; {', '.join(early)} {'ends' if len(early) == 1 else 'end'} before the earliest date in "
            f"the data ({earliest.isoformat()}): computed on no rows")


def default_period(scheme: Scheme, con: duckdb.DuckDBPyConnection,
                   loads: LoadReport | None = None) -> tuple[Period, str]:
    """The latest scheme period that ended on or before the latest date in the fact data
    (`loads`, what `load_datasets` reported, lets E505 name the source and line)."""
    earliest, latest = fact_dates(scheme, con)
    if latest is None and not _dated(scheme):
        raise DataError(
            Diagnostic("E501", "no fact dataset binds a date column, so no period can be chosen from the data",
                       help="pass --period, or bind each dataset's date column (`date <column>`)")
        )
    if latest is None:
        raise DataError(
            Diagnostic("E501", "the fact datasets hold no dated rows, so no period can be chosen",
                       help="pass --period, or check that the data sources are not empty")
        )
    period = latest_ended(scheme, con, latest, loads)
    # data from 2026-03-01 to 2026-03-30 ends no month but February, which it does not reach
    return period, (f"the latest {period.unit} that ended on or before the latest date in the data "
                    f"({latest.isoformat()})" + _before_the_data(scheme, con, [period], earliest))
