"""Past periods for the history rules (`kpirules lint --history`).

The configured data sources are loaded (`kpirules.sources.load.load_datasets`) and the
scheme is evaluated on the last few closed periods (`kpirules.engine.evaluate.evaluate`),
exactly as `kpirules run` would. The rules then compare targets with what people reached,
and check that each KPI's data covers the people it assesses.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from kpirules.engine.periods import Calendar, Period
from kpirules.engine.results import PersonResult
from kpirules.model.scheme import Scheme


@dataclass
class PastResults:
    """What people in each role reached in past periods, and the data behind it."""

    scheme: Scheme
    periods: list[Period]
    people: list[PersonResult]
    con: object
    _rows: dict = field(default_factory=dict)
    _first: dict = field(default_factory=dict)

    def role_people(self, role: str) -> list[PersonResult]:
        return [p for p in self.people if p.role == role]

    def values(self, role: str, kpi: str) -> list[Decimal]:
        """Values of a KPI for people in the role active the whole period, whose target is the plain one."""
        found = []
        for person in self.role_people(role):
            if person.active_days != person.period_days:
                continue
            for result in person.kpis:
                if result.id == kpi and result.status == "ok" and result.value is not None \
                        and result.target_source == "constant":
                    found.append(result.value)
        return found

    def first_day(self, dataset: str):
        """The day of a dataset's first dated row (None: none, or no date binding). A source
        that starts later than the others (calls recorded from February, contracts kept for
        years) has no rows before it for anyone: those periods say nothing about it."""
        if dataset not in self._first:
            ds = self.scheme.datasets[dataset]
            date = ds.date_column
            first = None
            if date is not None:
                first = self.con.execute(f'SELECT min(CAST("{date}" AS DATE)) FROM "{ds.id}"').fetchone()[0]
            self._first[dataset] = first
        return self._first[dataset]

    def people_with_rows(self, dataset: str, period: Period) -> set[str]:
        """The people a dataset credits with at least one row dated in the period."""
        key = (dataset, period.label)
        if key not in self._rows:
            ds = self.scheme.datasets[dataset]
            person, date = ds.person_column, ds.date_column
            if person is None or date is None:
                self._rows[key] = None
            else:
                query = (f'SELECT DISTINCT CAST("{person}" AS VARCHAR) FROM "{ds.id}" '
                         f'WHERE CAST("{date}" AS DATE) >= ? AND CAST("{date}" AS DATE) < ?')
                rows = self.con.execute(query, [period.start, period.end]).fetchall()
                self._rows[key] = {r[0] for r in rows}
        return self._rows[key]


class History:
    """Opens the data once per scheme, lazily; errors in configuration or data propagate."""

    def __init__(self, config_path: Path | None, env: str | None, periods: int):
        self.config_path = config_path
        self.env = env
        self.count = periods
        self._past: dict[str, PastResults] = {}

    def for_scheme(self, scheme: Scheme) -> PastResults:
        if scheme.header.id not in self._past:
            self._past[scheme.header.id] = self._evaluate(scheme)
        return self._past[scheme.header.id]

    def _evaluate(self, scheme: Scheme) -> PastResults:
        import duckdb

        from kpirules.config import load_config
        from kpirules.engine.data_dates import earliest_fact_date, latest_ended, latest_fact_date
        from kpirules.engine.evaluate import evaluate
        from kpirules.errors import DataError, Diagnostic
        from kpirules.sources.load import load_datasets

        config = load_config(self.config_path)
        con = duckdb.connect()
        loads = load_datasets(scheme, config, con, env=self.env)
        latest = latest_fact_date(scheme, con)
        if latest is None:
            raise DataError(Diagnostic("E501", "the fact datasets hold no dated rows, so there is no history to compare with",
                                       help="run `kpirules lint` without --history, or check the data sources"))
        calendar = Calendar(scheme.header)
        # the last closed periods the data reaches: one wholly before its first dated row
        # would count everyone as reaching nothing
        earliest = earliest_fact_date(scheme, con)
        periods = [latest_ended(scheme, con, latest, loads)]
        if periods[0].end <= earliest:
            raise DataError(Diagnostic(
                "E501", f"the data ({earliest} to {latest}) covers no {calendar.unit} that has ended, "
                        "so there is no history to compare with",
                help="run `kpirules lint` without --history until the data covers a whole period"))
        while len(periods) < self.count and periods[0].start > earliest:
            periods.insert(0, calendar.period(calendar.unit, periods[0].start - dt.timedelta(days=1)))
        result = evaluate(scheme, con, periods, loads=loads)
        return PastResults(scheme, periods, result.people, con)


def open_history(config_path: Path | None, env: str | None, periods: int) -> History:
    return History(config_path, env, periods)


def quantile(values: list[Decimal], q: float) -> Decimal:
    """The q-quantile by linear interpolation between the closest ranks (numpy's default)."""
    ordered = sorted(values)
    position = Decimal(str(q)) * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
