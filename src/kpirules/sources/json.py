"""The `json` and `jsonl` sources: an array of objects, or one object per line.

    [env.sample.datasets.leads]
    source = "json"           # [{"lead_id": "L1", ...}, ...]
    path = "data/leads.json"

    [env.sample.datasets.visits]
    source = "jsonl"          # {"visit_id": "V1", ...} on each line
    path = "data/visits.jsonl"

DuckDB's JSON reader (built into DuckDB) parses the file. The declared columns are read
as text (nested values as JSON text) and converted by the loader, so one odd value never
makes the reader guess a type that a later row breaks.
"""

from __future__ import annotations

from kpirules.hookspecs import hookimpl
from kpirules.sources.base import FileOptions, Source
from kpirules.sources.convert import literal, quote


class JsonOptions(FileOptions):
    pass


class JsonSource(Source):
    name = "json"
    Options = JsonOptions
    _format = "array"
    _label = "JSON array"

    def read(self):
        path = self.existing_file(self.resolve(self.options.path))
        con, shared = self.shared_connection()
        self._keys = self._sniff_keys(con, path)
        if self._keys == ["json"] and not con.execute(
                f"SELECT count(*) FROM read_json({literal(str(path))}, format = {literal(self._format)}, "
                f"maximum_depth = 1)").fetchall()[0][0]:
            # no record at all ([] or an empty file): an empty table with the declared columns
            self._keys = list(dict.fromkeys(self.wanted_columns().values()))
            relation = con.sql("SELECT " + (", ".join(f"CAST(NULL AS VARCHAR) AS {quote(k)}" for k in self._keys)
                                            or "1 AS none") + " LIMIT 0")
            return relation if shared else relation.to_arrow_reader()
        # a key is read when a declared column names it, exactly or but for case and padding
        # (the loader matches them as for every source)
        wanted = {src.strip().lower() for src in self.wanted_columns().values()}
        present = [k for k in self._keys if k.strip().lower() in wanted]
        struct = "{" + ", ".join(f"{literal(k)}: 'VARCHAR'" for k in present or self._keys[:1]) + "}"
        relation = con.sql(
            f"SELECT * FROM read_json({literal(str(path))}, format = {literal(self._format)}, "
            f"columns = {struct})"
        )
        if self._format == "newline_delimited":
            self.position.offset = 0  # row N is on line N
        return relation if shared else relation.to_arrow_reader()

    def columns(self) -> list[str] | None:
        return getattr(self, "_keys", None)

    def describe(self) -> str:
        return f"{self._label} {self.locator}"

    def _sniff_keys(self, con, path) -> list[str]:
        """Every key the records use; the whole file is looked at when the sample lacks a wanted one."""
        def keys(sample_size: int) -> list[str]:
            rows = con.execute(
                f"DESCRIBE SELECT * FROM read_json({literal(str(path))}, format = {literal(self._format)}, "
                f"maximum_depth = 1, sample_size = {sample_size})"
            ).fetchall()
            return [name for name, *_ in rows]

        found = keys(20480)
        seen = {k.strip().lower() for k in found}
        if any(src.strip().lower() not in seen for src in self.wanted_columns().values()):
            found = keys(-1)
        return found


class JsonLinesSource(JsonSource):
    name = "jsonl"
    _format = "newline_delimited"
    _label = "JSON lines"


@hookimpl
def register_sources(register):
    register(JsonSource)
    register(JsonLinesSource)
