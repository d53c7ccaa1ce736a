"""Pacing during a period: each KPI's value to date, the straight-line pace and the projection.

`kpirules run --as-of DATE` (docs/pacing.md is the contract) answers, in the middle of a
period, "where does everyone stand, and where will they end if they keep this pace?":

1. `pacing_period` picks the scheme period that contains the as-of day (or checks that
   the one `--period` names contains it) before any data is read.
2. `cut_to_date` makes the loaded data what was known on the as-of day. The engine is not
   told about the day at all: the run's DuckDB connection holds private in-memory copies
   of the datasets (the user's files are never touched), so every date that places a fact
   row in a period (a dataset's `date` column and every column an aggregate names with
   `on`) is set to NULL when it falls after the as-of day. A row with no placing date
   falls in no window, exactly as if it had not been loaded; the same row may still count
   through another date that is on or before the day (a lead created on the 5th and
   converted on the 12th is a lead on the 10th, not yet a conversion). Doing it in the
   data keeps one definition of windows, time zones and `first_time` (the engine's), and
   leaves the engine's files alone.
3. `pace` evaluates the cut data as the real run would (values to date), works out the
   expected value to date and the projected end-of-period value of each additive KPI
   (counts and sums), and evaluates once more with the projections stated through
   `evaluate(given=...)`, so projected scores, totals, grades and payouts follow the
   scheme's own curves, gates and payout rules. Ratios and averages keep their values to
   date in that second evaluation.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from decimal import Decimal

import duckdb

from kpirules.engine import sql as sqlc
from kpirules.engine.evaluate import BEYOND_RANGE, Evaluator, Person, evaluate, too_large
from kpirules.engine.ir import build_plan
from kpirules.engine.numbers import CONTEXT, quantize6
from kpirules.engine.periods import FIRST_YEAR, LAST_YEAR, Calendar, Period
from kpirules.engine.results import KpiResult
from kpirules.errors import ConfigError, DataError, Diagnostic
from kpirules.model.scheme import Scheme
from kpirules.sources.loaded import LoadReport

ON_PACE = Decimal(1)
AT_RISK_FROM = Decimal("0.9")  # at least 10% behind pace is off track
STATUSES = ("on_track", "at_risk", "off_track", "no_target", "no_data", "not_started")
DAY = dt.timedelta(days=1)


@dataclasses.dataclass(slots=True)
class KpiPace:
    """One KPI of one person: where it stands on the as-of day and where it is heading."""

    id: str
    label: str | None
    rank: str
    weight: Decimal | None
    direction: str
    value_type: str
    additive: bool
    kpi_period: str
    period_days: int  # days in the KPI's period
    active_days: int  # the person's days in the KPI's period (hire and leave dates count)
    elapsed_days: int  # of those, the days up to and including the as-of day
    value_to_date: Decimal | None
    target: Decimal | None  # the target the person is measured against (prorated as the run does)
    attainment_to_date: Decimal | None
    expected_to_date: Decimal | None  # additive KPIs with a target
    projected_value: Decimal | None  # additive KPIs
    projected_attainment: Decimal | None  # additive KPIs with a target
    projected_score: Decimal | None  # None while the KPI's period does not close in this run
    status: str  # one of STATUSES


@dataclasses.dataclass(slots=True)
class PersonPace:
    person_id: str
    name: str | None
    role: str
    role_label: str | None
    team: str | None
    period: str
    active_days: int  # the person's days in the period
    elapsed_days: int  # of those, up to and including the as-of day
    kpis: list[KpiPace]
    projected_total_score: Decimal | None  # None for someone who starts after the as-of day
    projected_grade: str | None
    projected_payout: Decimal | None
    notes: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(slots=True)
class PacingResult:
    scheme: str
    period: str
    period_start: dt.date
    period_end: dt.date  # the last day
    as_of: dt.date
    elapsed_days: int
    period_days: int
    data_through: dt.date | None  # the latest placing date on or before the as-of day
    currency: str
    people: list[PersonPace]
    unmatched_people: list[str] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)


# ---------------------------------------------------------------------- the period


def pacing_period(calendar: Calendar, period_label: str | None, as_of: dt.date) -> Period:
    """The scheme period to pace: the one containing `as_of`, which `--period` (if given) must name."""
    if not FIRST_YEAR <= as_of.year <= LAST_YEAR:
        raise ConfigError(Diagnostic(
            "E020", f"--as-of {as_of.isoformat()} is out of range: periods are in the years {FIRST_YEAR} to {LAST_YEAR}",
            help="choose a day in the period to pace, such as 2026-03-15",
        ))
    if period_label is None:
        return calendar.period(calendar.unit, as_of)
    requested = calendar.parse(period_label)
    label, start, end, day = requested.label, requested.start.isoformat(), requested.last_day.isoformat(), as_of.isoformat()
    if as_of < requested.start:
        raise ConfigError(Diagnostic(
            "E880", f"--as-of {day} is before the period: {label} runs from {start} to {end}",
            help=f"choose an as-of day in {label}, or leave --period out to pace the period that contains {day}",
        ))
    if as_of > requested.last_day:
        raise ConfigError(Diagnostic(
            "E880", f"--as-of {day} is after the period: {label} runs from {start} to {end}",
            help=f"{label} is over: run without --as-of for its results (kpirules run --period {label})",
        ))
    periods = calendar.scheme_periods(requested)
    if len(periods) > 1:
        inside = calendar.period(calendar.unit, as_of)
        raise ConfigError(Diagnostic(
            "E881", f"--as-of paces a single {calendar.unit}; {label} covers {len(periods)} {calendar.unit} periods",
            help=f"ask for the {calendar.unit} that contains {day}: --period {inside.label}, or leave --period out",
        ))
    return periods[0]


# ---------------------------------------------------------------------- the data known on the day


def placing_columns(scheme: Scheme) -> dict[str, list[str]]:
    """Per fact dataset, the date columns that place its rows in periods (`date` and every `on`)."""
    found: dict[str, set[str]] = defaultdict(set)
    for ds in scheme.datasets.values():
        if ds.kind == "dataset" and ds.date_column is not None:
            found[ds.id].add(ds.date_column)
    for aggregate in build_plan(scheme, list(scheme.roles)).aggregates:
        found[aggregate.dataset].add(aggregate.date_column)
    return {ds: sorted(columns) for ds, columns in sorted(found.items())}


def cut_to_date(scheme: Scheme, con: duckdb.DuckDBPyConnection, as_of: dt.date) -> tuple[dt.date | None, bool]:
    """Forget every placing date after `as_of` in the loaded copies; the latest date left, and
    whether any date was after the as-of day (the data then runs past it).

    Dates are compared as the engine compares them: a timestamp (already in the scheme's
    time zone once loaded) is on the as-of day until midnight of the next day.
    """
    after = sqlc.literal(as_of + DAY)
    latest, beyond = None, False
    for dataset, columns in placing_columns(scheme).items():
        table = sqlc.quote(dataset)
        for column in columns:
            name = sqlc.quote(column)
            cut = con.execute(f"UPDATE {table} SET {name} = NULL WHERE {name} >= {after}").fetchone()[0]
            beyond = beyond or cut > 0
            value = con.execute(f"SELECT max(CAST({name} AS DATE)) FROM {table}").fetchone()[0]
            if value is not None and (latest is None or value > latest):
                latest = value
    return latest, beyond


def check_data_to_date(period: Period, as_of: dt.date, latest: dt.date | None, beyond: bool = False) -> list[str]:
    """A DataError when nothing is dated in the period up to the day; a warning when the data
    stops short of it (not when it runs past the day with no rows on the last days before)."""
    if latest is None or latest < period.start:
        raise DataError(Diagnostic(
            "E883", f"no data is dated from {period.start.isoformat()} to {as_of.isoformat()}, so there is nothing to pace",
            help="choose a later --as-of day, or check that the sources are up to date",
        ))
    if latest < as_of and not beyond:
        return [f"the data runs to {latest.isoformat()}, before the as-of day {as_of.isoformat()}: "
                "values to date may miss the days after it"]
    return []


# ---------------------------------------------------------------------- pace and projection


def _span(start: dt.date, end: dt.date) -> Period:
    return Period(start, end, "day", f"{start.isoformat()}..{end.isoformat()}")


def _status(elapsed: int, value: Decimal | None, target: Decimal | None, attainment: Decimal | None) -> str:
    if elapsed == 0:
        return "not_started"
    if value is None:
        return "no_data"
    if target is None or attainment is None:
        return "no_target"
    if attainment >= ON_PACE:
        return "on_track"
    return "at_risk" if attainment >= AT_RISK_FROM else "off_track"


def _expected(k: KpiResult, elapsed: int, active: int, period_days: int) -> Decimal | None:
    """The target spread evenly over the person's active days, up to the as-of day."""
    if k.target is None:
        return None
    if k.target_before_proration is not None:  # target x active / period days: start from the written one
        return quantize6(CONTEXT.divide(CONTEXT.multiply(k.target_before_proration, Decimal(elapsed)), Decimal(period_days)))
    return quantize6(CONTEXT.divide(CONTEXT.multiply(k.target, Decimal(elapsed)), Decimal(active)))


def _kpi_pace(k: KpiResult, person: Person, kpi_period: Period, additive: bool, as_of: dt.date) -> KpiPace:
    """A KPI's days, value to date and (additive KPIs) expected and projected values; status comes later."""
    active = person.active_days(kpi_period)
    elapsed = person.active_days(_span(kpi_period.start, min(as_of + DAY, kpi_period.end)))
    expected = projected = None
    if additive and elapsed and k.value is not None:
        projected = quantize6(CONTEXT.divide(CONTEXT.multiply(k.value, Decimal(active)), Decimal(elapsed)))
        expected = _expected(k, elapsed, active, kpi_period.days)
    return KpiPace(
        id=k.id, label=k.label, rank=k.rank, weight=k.weight, direction=k.direction, value_type=k.value_type,
        additive=additive, kpi_period=kpi_period.label, period_days=kpi_period.days, active_days=active,
        elapsed_days=elapsed, value_to_date=k.value, target=k.target, attainment_to_date=k.attainment,
        expected_to_date=expected, projected_value=projected, projected_attainment=None, projected_score=None,
        status="",
    )


def pace(scheme: Scheme, con: duckdb.DuckDBPyConnection, period: Period, as_of: dt.date, *,
         roles: list[str] | None = None, persons: list[str] | None = None,
         loads: LoadReport | None = None) -> PacingResult:
    """Values to date, pace and projections for everyone evaluated in `period`; data already cut to `as_of`."""
    calendar = Calendar(scheme.header)
    to_date = evaluate(scheme, con, [period], roles=roles, persons=persons, loads=loads)
    plan = build_plan(scheme, sorted({p.role for p in to_date.people}))
    people = {p.id: p for p in Evaluator(scheme, con).people()}  # the roster as the run reads it
    paced: list[PersonPace] = []
    for p in to_date.people:
        person = people[p.person_id]
        kpis = []
        for k in p.kpis:
            kpi_plan = plan.kpis[(p.role, k.id)]
            kpi_period = calendar.period(kpi_plan.kpi.period or calendar.unit, period.start)
            try:
                kpis.append(_kpi_pace(k, person, kpi_period, kpi_plan.additive, as_of))
            except BEYOND_RANGE as exc:  # a projection beyond 28 digits before the point
                raise too_large(kpi_plan.kpi, p.person_id, p.period, exc) from None
        paced.append(PersonPace(
            person_id=p.person_id, name=p.name, role=p.role, role_label=p.role_label, team=p.team,
            period=p.period, active_days=p.active_days, elapsed_days=person.active_days(_span(period.start, as_of + DAY)),
            kpis=kpis, projected_total_score=None, projected_grade=None, projected_payout=None,
        ))
    given = {(p.person_id, k.id): k.projected_value for p in paced for k in p.kpis if k.projected_value is not None}
    ahead = {p.person_id: p for p in evaluate(scheme, con, [period], roles=roles, persons=persons, given=given,
                                              loads=loads).people}
    for p in paced:
        future = ahead[p.person_id] if p.elapsed_days else None  # nobody to project before their first day
        future_kpis = {k.id: k for k in future.kpis} if future else {}
        for k in p.kpis:
            fk = future_kpis.get(k.id)
            if fk is not None:
                k.projected_score = fk.score
                k.projected_attainment = fk.attainment if k.projected_value is not None else None
            shown = k.projected_attainment if k.additive else k.attainment_to_date
            k.status = _status(k.elapsed_days, k.value_to_date, k.target, shown)
        if future is not None:
            p.projected_total_score, p.projected_grade, p.notes = future.total_score, future.grade, list(future.notes)
            p.projected_payout = future.payout.total if future.payout else None
    return PacingResult(
        scheme=to_date.scheme, period=period.label, period_start=period.start, period_end=period.last_day,
        as_of=as_of, elapsed_days=(as_of - period.start).days + 1, period_days=period.days, data_through=None,
        currency=to_date.currency, people=paced, unmatched_people=to_date.unmatched_people,
    )


def run_pacing(scheme: Scheme, con: duckdb.DuckDBPyConnection, period: Period, as_of: dt.date, *,
               roles: list[str] | None = None, persons: list[str] | None = None,
               loads: LoadReport | None = None) -> PacingResult:
    """Cut the loaded data to the as-of day, then pace (the library entry point of `run --as-of`)."""
    latest, beyond = cut_to_date(scheme, con, as_of)
    warnings = check_data_to_date(period, as_of, latest, beyond)
    result = pace(scheme, con, period, as_of, roles=roles, persons=persons, loads=loads)
    result.data_through = latest
    result.warnings.extend(warnings)
    return result
