"""The `sqlite` source: a table, or the result of a query, in an SQLite database file.

    [env.sample.datasets.contracts]
    source = "sqlite"
    path = "data/crm.sqlite"
    table = "contracts"                 # or:
    # query = "SELECT * FROM contracts WHERE status = 'signed'"

The ADBC SQLite driver hands rows over as Arrow. SQLite columns may hold any type in any
row, so every column is read as text and the loader converts it to the declared type:
one odd row cannot break the read. The file is opened read-only.
"""

from __future__ import annotations

import difflib
import re

from pydantic import model_validator

from kpirules.hookspecs import hookimpl
from kpirules.sources.base import FileOptions, Source, no_value_in_query
from kpirules.sources.convert import quote


class SqliteOptions(FileOptions):
    table: str | None = None
    query: str | None = None

    @model_validator(mode="after")
    def _table_or_query(self) -> SqliteOptions:
        if (self.table is None) == (self.query is None):
            raise ValueError("give either `table` or `query`")
        return self


class SqliteSource(Source):
    name = "sqlite"
    Options = SqliteOptions
    options: SqliteOptions

    def read(self):
        import adbc_driver_sqlite.dbapi as adbc

        path = self.existing_file(self.resolve(self.options.path), "path")
        connection = adbc.connect(f"file:{path}?mode=ro", autocommit=True)
        self.on_close(connection.close)
        cursor = connection.cursor()
        self.on_close(cursor.close)
        if self.options.table is not None:
            self._check_table(cursor)
        query = self.options.query or f"SELECT * FROM {quote(self.options.table)}"
        try:
            names = self._run(cursor, f"SELECT * FROM ({query}) LIMIT 0").schema.names
        except Exception:
            # report SQLite's complaint about the query as written, not about our wrapper
            self._run(cursor, query)
            raise
        self._names = names
        as_text = ", ".join(f"CAST({quote(n)} AS TEXT) AS {quote(n)}" for n in names)
        return self._run(cursor, f"SELECT {as_text} FROM ({query})")

    def no_value_help(self, marker: str, column: str) -> str:
        return no_value_in_query(marker, quote(self.wanted_columns().get(column, column)))

    def columns(self) -> list[str] | None:
        return getattr(self, "_names", None)

    @property
    def locator(self) -> str:
        what = f"table {self.options.table}" if self.options.table else "query"
        return f"{self.display(self.resolve(self.options.path))} ({what})"

    def describe(self) -> str:
        return f"SQLite {self.locator}"

    def _run(self, cursor, sql: str):
        try:
            cursor.execute(sql)
            return cursor.fetch_record_batch()
        except Exception as exc:  # noqa: BLE001 - the driver's errors carry SQLite's message
            # "INVALID_ARGUMENT: [SQLite] Failed to prepare query: near ..." -> "near ..."
            message = re.sub(r"^[A-Z_]+: \[SQLite\] (Failed to [a-z ]+: )?", "", str(exc).split("\n")[0])
            raise self.error("E640", f"SQLite could not run the {'query' if self.options.query else 'read'}: {message}",
                             f"check `query` in [{self.context.config_key}]" if self.options.query
                             else "check the database file") from None

    def _check_table(self, cursor) -> None:
        listing = self._run(cursor, "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name")
        tables = listing.read_all().column("name").to_pylist()
        if self.options.table not in tables:
            hint = difflib.get_close_matches(self.options.table, tables, n=1)
            raise self.error("E640", f"no table {self.options.table} in {self.display(self.resolve(self.options.path))}",
                             f"did you mean '{hint[0]}'?" if hint else f"tables: {', '.join(tables) or 'none'}")


@hookimpl
def register_sources(register):
    register(SqliteSource)
