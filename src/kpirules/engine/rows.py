"""Rows of the loaded tables: which of them have row numbers, and where a row is in its source.

A message about a row points at it as the source numbers it (`row 3 (line 4)`), through what
`load_datasets` reported for its dataset; without that report it gives the table's row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING

import duckdb

from kpirules.engine.results import RowPlace
from kpirules.errors import DataLocation

if TYPE_CHECKING:
    from kpirules.sources.loaded import DatasetLoad, LoadReport


def is_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether `name` is a table (whose rows have a rowid), not a view or a registered relation.
    Asked of the catalog rather than tried: a failed query would end the caller's open
    transaction."""
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]).fetchall()[0][0])


def as_date(x) -> dt.date | None:
    """A date as it stands, the day of a timestamp (None stays None)."""
    if isinstance(x, dt.datetime):
        return x.date()
    return x


def by_dataset(loads: LoadReport | None) -> dict[str, DatasetLoad]:
    """What loading each dataset reported, by dataset id (empty without a report)."""
    return {load.dataset: load for load in loads.datasets} if loads else {}


def row_location(loads: Mapping[str, DatasetLoad], dataset: str, number: int | None,
                 column: str | None = None) -> DataLocation:
    """Where row `number` (rowid + 1) of a loaded dataset is: its source, and the row as the source numbers it."""
    load = loads.get(dataset)
    return load.location(number, column) if load else DataLocation(dataset, row=number, column=column)


def row_notes(loads: Mapping[str, DatasetLoad], dataset: str, numbers: list[int | None]) -> list[str]:
    """A note per row to open the source at, `row 3 (line 4)`, where the source numbers lines;
    none where it does not (Parquet, a database): the diagnostic's place already says `row 3`."""
    load = loads.get(dataset)
    return [load.where(n) for n in numbers if n is not None and load.line(n) is not None] if load else []


def row_place(loads: Mapping[str, DatasetLoad], dataset: str, number: int | None) -> RowPlace:
    """Row `number` (rowid + 1) of a loaded dataset, as explain points at it: `adjustments.csv
    row 3 (line 4)`; the dataset alone when its rows have no numbers (a view)."""
    if number is None:
        return RowPlace(dataset)
    load = loads.get(dataset)
    return RowPlace(dataset, load.locator, load.where(number)) if load else RowPlace(dataset, row=f"row {number}")
