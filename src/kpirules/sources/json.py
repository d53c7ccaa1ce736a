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

A JSON Lines record that is not valid JSON (NaN and Infinity included, which DuckDB's reader
takes), or not an object, is a bad row (E644), as a CSV record that cannot be read is: DuckDB
first counts such lines (one pass), and only when there are some is the
file read line by line to set them aside with their line and text, the others copied to a
temporary file that DuckDB reads in place of the file.
"""

from __future__ import annotations

import array
import json
import os
import tempfile
from pathlib import Path

from kpirules.errors import DataError
from kpirules.hookspecs import hookimpl
from kpirules.sources.base import FileOptions, Position, Source
from kpirules.sources.convert import literal, quote
from kpirules.sources.problems import unreadable_table


class JsonOptions(FileOptions):
    pass


class JsonSource(Source):
    name = "json"
    Options = JsonOptions
    _format = "array"
    _label = "JSON array"

    def read(self):
        path = self.existing_file(self.resolve(self.options.path), "path")
        if self._format == "array":
            self._whole_array(path)
        return self._read_json(path)

    def _whole_array(self, path: Path) -> None:
        """E640 for an array cut short after a record's comma (`[{...},{...},`): DuckDB's reader
        takes it, and the records after the cut were lost without a word."""
        with open(path, "rb") as fh:
            head = fh.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
            fh.seek(0, 2)
            size = fh.tell()
            fh.seek(max(0, size - 4096))
            tail = fh.read().rstrip()
        if head.startswith(b"[") and not tail.endswith(b"]"):
            raise self.error(
                "E640", f"{self.locator} ends before its closing ]: the file was cut short, and the records after "
                "the cut are missing", "write the file again in full (an export or a copy stopped before its end)")

    def read_failure(self, message: str) -> DataError | None:
        """E640 naming the file as the binding does, not by the absolute path DuckDB read."""
        path = str(self.resolve(self.options.path))
        if path not in message:
            return None
        return self.error("E640", f"could not read {self.locator}: {message.replace(path, self.locator)}",
                          f"check the file and the options in [{self.context.config_key}]")

    def _read_json(self, path: Path):
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
        return relation if shared else relation.to_arrow_reader()

    def columns(self) -> list[str] | None:
        return getattr(self, "_keys", None)

    def no_value_help(self, marker: str, column: str) -> str:
        return f"'{marker}' looks like a marker for no value: write null in the file where there is no value"

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


#: a value NaN or Infinity (in any case, as DuckDB's reader takes them, though JSON has
#: neither): such a record is no JSON, so the file is read line by line, where `_not_json`
#: decides (a string that only looks so, "a:NaN,", is kept)
_NOT_A_NUMBER = r":\s*-?(?i:nan|inf|infinity)\s*[,}\]]"


class JsonLinesSource(JsonSource):
    name = "jsonl"
    _format = "newline_delimited"
    _label = "JSON lines"
    #: the records that are not valid JSON: (row, line, reason, text)
    _unreadable: tuple[tuple[int, int, str, str], ...] = ()

    def read(self):
        path = self.existing_file(self.resolve(self.options.path), "path")
        con, _ = self.shared_connection()
        (broken,) = con.execute(
            f"SELECT count(*) FROM read_json_objects({literal(str(path))}, format = 'newline_delimited', "
            f"ignore_errors = true) WHERE json IS NULL OR json_type(json) <> 'OBJECT' "
            f"OR regexp_matches(json, {literal(_NOT_A_NUMBER)})").fetchall()[0]
        if not broken:
            # blank lines are no records: which line each record is on, read only when a
            # message names a line
            self.position = Position("line", 0, lambda: _record_lines(path))
            return self._read_json(path)
        return self._read_json(self._set_aside(path))

    def unreadable_help(self) -> str:
        return "fix those records in the file (each line one JSON object, in braces)"

    def unreadable(self):
        return unreadable_table(self._unreadable) if self._unreadable else None

    def _set_aside(self, path: Path) -> Path:
        """A temporary copy of the file without its records that are not valid JSON, which are
        kept (with their row and line) for `unreadable()`; the line each record is on goes to
        `position.lines`, as blank lines are no records."""
        fd, name = tempfile.mkstemp(prefix="kpirules-", suffix=".jsonl")
        target = Path(name)
        self.on_close(lambda: target.unlink(missing_ok=True))
        starts, unreadable = array.array("q"), []
        with open(path, "rb") as fin, os.fdopen(fd, "wb") as fout:
            for number, line in enumerate(fin, start=1):
                if not line.strip():
                    continue
                starts.append(number)
                problem = _not_json(line)
                if problem is None:
                    fout.write(line if line.endswith(b"\n") else line + b"\n")
                else:
                    text = line.decode("utf-8", errors="replace").rstrip("\r\n")
                    unreadable.append((len(starts), number, problem, text))
        self._unreadable = tuple(unreadable)
        self.position = Position("line", 0, lambda: starts)
        return target


def _record_lines(path: Path) -> array.array:
    """The line each record of a JSON Lines file is on (blank lines hold none)."""
    starts = array.array("q")
    with open(path, "rb") as fh:
        for number, line in enumerate(fh, start=1):
            if line.strip():
                starts.append(number)
    return starts


def _not_json(line: bytes) -> str | None:
    """Why a JSON Lines record cannot be read, or None when it is a JSON object (a record)."""
    def refuse(constant: str):
        raise ValueError(f"{constant} is not a JSON value")

    try:
        value = json.loads(line, parse_constant=refuse)
    except UnicodeDecodeError:
        return "bytes that are not valid UTF-8"
    except json.JSONDecodeError as exc:
        return f"not valid JSON: {exc.msg[0].lower()}{exc.msg[1:]} at column {exc.colno}"
    except ValueError as exc:
        return f"not valid JSON: {exc}"
    if not isinstance(value, dict):
        return f"{_KINDS.get(type(value), 'a value')}, not an object: a record is {{\"column\": value, ...}}"
    return None


#: JSON values that are not records, in words
_KINDS = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "true or false",
          type(None): "null"}


@hookimpl
def register_sources(register):
    register(JsonSource)
    register(JsonLinesSource)
