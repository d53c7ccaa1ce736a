"""A run's aggregates: one table keyed by (person as text, period), read into Python on demand.

Each dataset has its grouped queries (`kpirules.engine.sql`: by person, team roll-ups, team
joins); the run executes them as one statement that joins their results into a temporary
table, so DuckDB schedules all the scans together and nothing crosses into Python. The team
table (who reports to whom, directly or not) is a CTE of that statement, so nothing of it
stays on the connection. The set-based scorer joins the aggregates table to the per-person
table; the Python path (people the scorer leaves to it, and traces) reads it as dictionaries
by (person, period), built once per run on first use.
"""

from __future__ import annotations

import itertools
import threading
import warnings
from decimal import Decimal

import pyarrow as pa

from kpirules.engine.numbers import to_decimal
from kpirules.engine.sql import DatasetQuery

_names = itertools.count()
INTEGER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"}
# catch_warnings swaps the process's filters: role queries read their rows from several threads
_ARROW_WARNING = threading.Lock()


def arrow(con, sql: str) -> pa.Table:
    """A query's rows as an Arrow table.

    Through `execute` rather than `con.sql(...)`: the relation API parses the text once more
    in Python, which costs more than the copy of the rows DuckDB warns about.
    """
    result = con.execute(sql)
    with _ARROW_WARNING, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Arrow output on a DB-API result", category=UserWarning)
        return result.to_arrow_table()


def scale_of(duck_type: str) -> int | None:
    """The decimal places of a numeric DuckDB type; None when it is not an exact number."""
    t = duck_type.upper()
    if t in INTEGER_TYPES:
        return 0
    if t.startswith("DECIMAL("):
        return int(t[8:-1].split(",")[1])
    return None


class AggregateTables:
    """The results of a run's dataset queries, joined into one temporary table; `team` is
    the team table's CTE (`sql.team_cte`) when a query reads it."""

    def __init__(self, con, queries: list[tuple[DatasetQuery, list]], team: str | None = None):
        self.con = con
        self.queries = queries
        self.name: str | None = None
        self._scales: dict[int, int | None] = {}
        self._dicts = None
        self._rows: pa.Table | None = None
        if not queries:
            return
        self.name = f"__kpirules_agg_{next(_names)}"
        parts, columns, joined = [team] if team else [], [], []
        for query, aggregates in queries:
            mine = [f"v{index}" for index, _ in aggregates] + [f"n{index}" for index in query.count_columns]
            fed = [f"t{index}" for index in query.rolled_columns] + [f"tn{index}" for index in query.rolled_count_columns]
            # a query whose per-person sums a roll-up also reads is computed once
            parts.append(f"{query.name} AS {'MATERIALIZED ' if query.shared else ''}"
                         f"(SELECT CAST(person AS VARCHAR) AS person, period, {', '.join(mine + fed)} FROM ({query.sql}))")
            if mine:
                columns += mine
                joined.append(query.name)
        joins = "".join(f" FULL OUTER JOIN {name} USING (person, period)" for name in joined[1:])
        con.execute(f"CREATE TEMP TABLE {self.name} AS\nWITH {', '.join(parts)}\n"
                    f"SELECT person, period, {', '.join(columns)} FROM {joined[0]}{joins}").fetchall()
        types = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {self.name})").fetchall())
        for _, aggregates in queries:
            for index, _ in aggregates:
                self._scales[index] = scale_of(types[f"v{index}"])

    def scale(self, index: int) -> int | None:
        """Decimal places of an aggregate's values; None when they are not exact numbers."""
        return self._scales.get(index)

    def release(self) -> None:
        """Keep the rows in memory for traces read later, and drop the table."""
        if self.name is not None:
            if self._dicts is None:
                self._rows = arrow(self.con, f"SELECT * FROM {self.name}")
            self.con.execute(f"DROP TABLE IF EXISTS {self.name}").fetchall()
            self.name = None

    def dicts(self):
        """Values and rows matched by (person, period): {aggregate index: value}, {index: count}.

        A person and period the table has holds every aggregate (None where no row of that
        dataset matched) and the rows matched of each aggregate whose count was asked for.
        """
        if self._dicts is None:
            self._dicts = self._read() if self.name is not None or self._rows is not None else ({}, {})
        return self._dicts

    def _read(self):
        rows = self._rows if self._rows is not None else arrow(self.con, f"SELECT * FROM {self.name}")
        columns = rows.to_pydict()
        self._rows = None
        keys = list(zip(columns["person"], columns["period"]))
        values: dict[tuple[str, str], dict[int, Decimal | None]] = {key: {} for key in keys}
        counts: dict[tuple[str, str], dict[int, int]] = {key: {} for key in keys}
        for query, aggregates in self.queries:
            for index, agg in aggregates:
                raw = columns[f"v{index}"]
                for key, x in zip(keys, raw):
                    values[key][index] = x if x is None or isinstance(x, Decimal) else to_decimal(x)
                if index in query.count_columns:
                    n = columns[f"n{index}"]
                elif agg.argument is None and agg.function == "count":
                    n = raw  # count(*) is its own row count; other counts were not asked for
                else:
                    continue
                for key, x in zip(keys, n):
                    counts[key][index] = x or 0
        return values, counts
