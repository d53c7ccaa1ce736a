"""Aggregate results as the queries return them: Arrow tables, read into Python on demand.

The set-based scorer joins them (in Arrow, into one table) to the per-person table without
converting a value; the Python path (people the scorer leaves to it, and traces) reads
them as dictionaries by (person, period), built once per run on first use.
"""

from __future__ import annotations

import itertools
import warnings
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc

from kpirules.engine.numbers import to_decimal

_names = itertools.count()


def arrow(con, sql: str) -> pa.Table:
    """A query's rows as an Arrow table.

    Through `execute` rather than `con.sql(...)`: the relation API parses the text once more
    in Python, which costs more than the copy of the rows it warns about.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return con.execute(sql).to_arrow_table()


class AggregateTables:
    def __init__(self):
        self.tables: list[tuple[object, list, pa.Table]] = []
        self._scales: dict[int, int | None] = {}
        self._dicts = None
        self._registered: list[str] = []

    def add(self, query, aggregates, table: pa.Table) -> None:
        self.tables.append((query, aggregates, table))
        for index, _ in aggregates:
            t = table.schema.field(f"v{index}").type
            if pa.types.is_integer(t):
                self._scales[index] = 0
            elif pa.types.is_decimal(t):
                self._scales[index] = t.scale
            else:
                self._scales[index] = None

    def scale(self, index: int) -> int | None:
        """Decimal places of an aggregate's values; None when they are not exact numbers."""
        return self._scales.get(index)

    def combined(self, con) -> str | None:
        """Every table's values in one, joined by (person as text, period) and made visible to
        SQL: one join for the per-person table instead of one per query. None without tables."""
        if not self.tables:
            return None
        joined = None
        for _, aggregates, table in self.tables:
            person = table.column("person")
            if not (pa.types.is_string(person.type) or pa.types.is_integer(person.type)):
                from kpirules.engine.exact_sql import Unsupported

                raise Unsupported("a person column that is neither text nor an integer")
            part = pa.table({"person": pc.cast(person, pa.string()), "period": table.column("period"),
                             **{f"v{i}": table.column(f"v{i}") for i, _ in aggregates}})
            joined = part if joined is None else joined.join(part, keys=["person", "period"], join_type="full outer")
        name = f"__kpirules_agg_{next(_names)}"
        con.register(name, joined)
        self._registered.append(name)
        return name

    def unregister(self, con) -> None:
        for name in self._registered:
            con.unregister(name)
        self._registered = []

    def dicts(self):
        """Values and rows matched by (person, period): {aggregate index: value}, {index: count}."""
        if self._dicts is None:
            self._dicts = self._read()
        return self._dicts

    def _read(self):
        values: dict[tuple[str, str], dict[int, Decimal | None]] = {}
        counts: dict[tuple[str, str], dict[int, int]] = {}
        for query, aggregates, table in self.tables:
            columns = table.to_pydict()
            keys = [(str(p), period) for p, period in zip(columns["person"], columns["period"])]
            for key in keys:
                values.setdefault(key, {})
                counts.setdefault(key, {})
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
                    counts[key][index] = x
        return values, counts
