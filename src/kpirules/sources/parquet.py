"""The `parquet` source: a Parquet file, read by DuckDB straight into the loading database.

    [env.sample.datasets.calls]
    source = "parquet"
    path = "data/calls.parquet"

Column types come from the file; the loader converts them to the declared types.
"""

from __future__ import annotations

from kpirules.hookspecs import hookimpl
from kpirules.sources.base import FileOptions, Source
from kpirules.sources.convert import literal


class ParquetOptions(FileOptions):
    pass


class ParquetSource(Source):
    name = "parquet"
    Options = ParquetOptions

    def read(self):
        path = self.existing_file(self.resolve(self.options.path), "path")
        con, shared = self.shared_connection()
        relation = con.sql(f"SELECT * FROM read_parquet({literal(str(path))})")
        return relation if shared else relation.to_arrow_reader()

    def describe(self) -> str:
        return f"Parquet {self.locator}"


@hookimpl
def register_sources(register):
    register(ParquetSource)
