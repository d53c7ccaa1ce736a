"""The `duckdb` source: a table, or the result of a query, in a DuckDB database file.

    [env.sample.datasets.payments]
    source = "duckdb"
    path = "warehouse/finance.duckdb"
    table = "payments"                  # or:
    # query = "SELECT * FROM payments WHERE status = 'cleared'"

The file is opened read-only on its own connection (the query runs there, so it names
that database's tables), and the rows stream to the loading database as Arrow. With
`path = ":memory:"` there is no file: the query reads files itself (`read_csv`,
`read_parquet`), for example to union two exports or derive a column.
"""

from __future__ import annotations

import difflib
import glob
import re
from pathlib import Path

import duckdb
from pydantic import model_validator

from kpirules.hookspecs import hookimpl
from kpirules.io import note_input
from kpirules.sources.base import FileOptions, Source, no_value_in_query
from kpirules.sources.convert import quote

#: a database without a file, for a query that reads files itself
IN_MEMORY = Path(":memory:")


class DuckdbOptions(FileOptions):
    table: str | None = None
    query: str | None = None

    @model_validator(mode="after")
    def _table_or_query(self) -> DuckdbOptions:
        if (self.table is None) == (self.query is None):
            raise ValueError("give either `table` or `query`")
        if self.path == IN_MEMORY and self.query is None:
            raise ValueError('path = ":memory:" has no tables: give a `query` that reads files')
        return self


class DuckdbSource(Source):
    name = "duckdb"
    Options = DuckdbOptions
    options: DuckdbOptions

    def read(self):
        if self.options.path == IN_MEMORY:
            con = duckdb.connect()
        else:
            path = self.existing_file(self.resolve(self.options.path), "path")
            try:
                con = duckdb.connect(str(path), read_only=True)
            except duckdb.Error as exc:
                raise self.error("E640", f"cannot open DuckDB database {self.display(path)}: {_first_line(exc)}",
                                 "check that the file is a DuckDB database and no other process writes to it") from None
        self.on_close(con.close)
        if self.options.table is not None:
            tables = [n for (n,) in con.execute(
                "SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
            if self.options.table not in tables:
                hint = difflib.get_close_matches(self.options.table, tables, n=1)
                raise self.error("E640", f"no table {self.options.table} in {self.display(path)}",
                                 f"did you mean '{hint[0]}'?" if hint else f"tables: {', '.join(tables) or 'none'}")
            relation = con.sql(f"SELECT * FROM {quote(self.options.table)}")
        else:
            # a relative file path in the query is read from the current directory and, where
            # no such file is there, from the config file's folder (as `path` is read)
            folder = str(self.context.config_dir).replace("'", "''")
            con.execute(f"SET file_search_path = '{folder}'")
            for path in files_named(self.options.query, self.context.config_dir):
                note_input(path)  # an output must not replace a file the query reads (E006)
            try:
                relation = con.sql(self.options.query)
            except duckdb.Error as exc:
                raise self.error("E640", f"the query failed: {_first_line(exc)}",
                                 f"check `query` in [{self.context.config_key}]") from None
            if relation is None:
                raise self.error("E640", "the query returns no rows (it is not a SELECT)",
                                 f"check `query` in [{self.context.config_key}]")
        self._names = relation.columns
        return relation.to_arrow_reader()

    def no_value_help(self, marker: str, column: str) -> str:
        return no_value_in_query(marker, quote(self.wanted_columns().get(column, column)))

    def columns(self) -> list[str] | None:
        return getattr(self, "_names", None)

    @property
    def locator(self) -> str:
        what = f"table {self.options.table}" if self.options.table else "query"
        where = ":memory:" if self.options.path == IN_MEMORY else self.display(self.resolve(self.options.path))
        return f"{where} ({what})"

    def describe(self) -> str:
        return f"DuckDB {self.locator}"


#: a text in single quotes, or a name in double quotes ('' and "" inside them are one quote)
_QUOTED = re.compile(r"'((?:[^']|'')*)'|\"((?:[^\"]|\"\")*)\"")


def files_named(query: str, also_in: Path | None = None) -> list[Path]:
    """The files a query may read: each quoted text in it that names an existing file, or
    a pattern (`data/*.csv`) that matches some, from the current directory as DuckDB reads
    them, and from `also_in` (the folder DuckDB searches next). It may name more than the
    query reads (a value that happens to be a file's name), never fewer of the files it names."""
    found = []
    for single, double in _QUOTED.findall(query):
        text = single.replace("''", "'") if single else double.replace('""', '"')
        if not text or len(text) > 4096:
            continue
        text = str(Path(text).expanduser())
        for where in [text] + ([str(also_in / text)] if also_in is not None and not Path(text).is_absolute() else []):
            matches = glob.glob(where, recursive=True) if glob.has_magic(where) else [where]
            found += [Path(m) for m in matches if Path(m).is_file()]
    return found


def _first_line(exc: Exception) -> str:
    return str(exc).strip().split("\n")[0]


@hookimpl
def register_sources(register):
    register(DuckdbSource)
