"""The `csv` source: delimited text files, as spreadsheets and CRMs export them.

    [env.sample.datasets.calls]
    source = "csv"
    path = "data/calls.csv"
    encoding = "gbk"          # default: detected (UTF-8, UTF-8 with BOM, GB18030/GBK, UTF-16)
    delimiter = ","           # "\t" for tab-separated files; "+|" (several characters) for bulk exports
    row_terminator = "&|\r\n" # bulk exports: what ends a record (default: a line break)
    header = true             # false: name the fields with `columns`
    skip_rows = 0             # lines above the header (report titles)
    null_values = [""]        # field texts that mean "no value"

DuckDB's own CSV reader parses the file, every field as text, straight into the loading
database; it is correct for UTF-8, so files in other encodings are first transcoded to a
temporary UTF-8 copy, chunk by chunk, which keeps one parser (and one set of quoting,
null and line-number rules) for every encoding. Records with the wrong number of fields,
unclosed quotes or invalid bytes are not lost: DuckDB's rejects table keeps them, and the
loader reports them with their line numbers (or writes them to the rejects folder).

A row is a record (blank lines are none); its line is the line of the file it starts on,
blank lines and line breaks inside quotes counted (`lines.py`), except in a bulk export,
whose line numbers count records.

A delimiter of several characters, or a `row_terminator`, marks a bulk export (SQL Server
`bcp`): such files have no quoting, and are rewritten as a plain CSV file first (see
`records.py`).
"""

from __future__ import annotations

import array
import csv as pycsv
import json
import os
import tempfile
import uuid
from pathlib import Path

import pyarrow as pa
from pydantic import Field, field_validator, model_validator

from kpirules.config import locate_key
from kpirules.errors import ConfigError, DataError, Diagnostic
from kpirules.hookspecs import hookimpl
from kpirules.sources import encoding as enc
from kpirules.sources import lines, records
from kpirules.sources.base import FileOptions, Position, Source, first_names, reads_as_record
from kpirules.sources.convert import READER_FORMATS, literal, quote

HEADER_BYTES = 1024 * 1024


class CsvOptions(FileOptions):
    encoding: str | None = None
    delimiter: str = ","
    quote: str = '"'
    #: the character that escapes a quote inside a quoted value; default: the quote doubled
    escape: str | None = None
    header: bool = True
    #: field names in order; required when header = false, else they replace the header's
    columns: list[str] | None = None
    skip_rows: int = Field(default=0, ge=0)
    null_values: list[str] = [""]
    #: what ends a record in a bulk export, e.g. "&|\r\n"; default: a line break
    row_terminator: str | None = None

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, name: str | None) -> str | None:
        if name is None:
            return None
        try:
            return enc.normalise(name)
        except LookupError:
            raise ValueError(f"unknown encoding '{name}' (e.g. utf-8, gbk, gb18030, utf-16)") from None

    @field_validator("quote", "escape")
    @classmethod
    def _one_character(cls, text: str | None) -> str | None:
        if text is not None and len(text) > 1:
            raise ValueError("must be a single character")
        return text

    @field_validator("delimiter", "row_terminator")
    @classmethod
    def _not_empty(cls, text: str | None) -> str | None:
        if text is not None and not text:
            raise ValueError("must not be empty")
        return text

    @property
    def bulk(self) -> bool:
        """A bulk export: fields split at a delimiter of several characters or records ended by a string, no quoting."""
        return len(self.delimiter) > 1 or self.row_terminator is not None

    @model_validator(mode="after")
    def _names_without_header(self) -> CsvOptions:
        if not self.header and not self.columns:
            raise ValueError("header = false needs `columns`, the field names in order")
        if self.bulk and {"quote", "escape"} & self.model_fields_set:
            raise ValueError("`quote` and `escape` do not apply to a file with a delimiter of several characters "
                             "or a `row_terminator`: such files are read as written, without quoting")
        return self


class CsvSource(Source):
    name = "csv"
    Options = CsvOptions
    options: CsvOptions
    readable: Path | None = None
    #: where each record starts, read from the file when a message first needs it
    _lines: lines.RecordLines | None = None

    def read_failure(self, message: str) -> DataError | None:
        """E644 at the first line whose ending differs from the first line's: DuckDB's reader
        stops on a file that mixes CRLF and LF ("state machine reached an invalid state")."""
        if self.readable is None:
            return None
        first = None
        with open(self.readable, "rb") as fh:
            for number, line in enumerate(fh, start=1):
                if not line.endswith(b"\n"):
                    break
                ending = "CRLF" if line.endswith(b"\r\n") else "LF"
                if first is None:
                    first = ending
                elif ending != first:
                    return self.error(
                        "E644", f"{self.locator}: line {number} ends with {ending}, the lines before it with "
                        f"{first}: the file mixes line endings, which the CSV reader cannot follow",
                        "save the file with one kind of line ending (a text editor's line-ending setting, or "
                        "dos2unix); rows appended by another program are the usual cause",
                    )
        return None

    def read(self):
        opts = self.options
        path = self.existing_file(self.resolve(opts.path), "path")
        self.encoding, self.detected = self._encoding(path)
        readable = path if self.encoding in enc.UTF8_NAMES else self._transcoded(path)
        # the dialect DuckDB reads: the file's own, or plain CSV after a bulk export is rewritten
        self.dialect = (opts.delimiter, opts.quote, opts.escape)
        if opts.bulk:
            readable = self._rewritten(readable)
            self.dialect = (",", '"', None)
        delimiter, quote_char, escape = self.dialect
        if opts.row_terminator is None:
            self._refuse_cr_alone(readable)
        self.header_names = self._header(readable) if opts.header else []
        names = opts.columns or self.header_names
        if opts.columns and opts.header and "header" not in opts.model_fields_set \
                and reads_as_record(self.header_names):
            # `columns` name the fields, and the first line would be dropped as the header (said
            # before the count of its fields, which is no header's)
            first = first_names(self.header_names)
            raise self.error(
                "E642", f"the first line reads as a record, not a header ({first}): with `columns` and no "
                "`header = false`, it would be taken as the header and not read",
                f"set header = false in [{self.context.config_key}] to read the first line as a record (a file "
                "without a header), or header = true if it is the header",
            )
        if opts.columns and opts.header and len(opts.columns) != len(self.header_names):
            raise self.error(
                "E642", f"`columns` names {len(opts.columns)} fields but the header has {len(self.header_names)}",
                "name every field of the file, in order",
            )
        self.names = names
        self.readable = readable
        # a bulk export's line numbers count records: its rewritten copy is what DuckDB reads
        self.position = Position("line", opts.skip_rows + (1 if opts.header else 0),
                                 None if opts.bulk else lambda: self._record_lines().starts)
        self.original = path
        con, shared = self.shared_connection()
        self.con = con
        self.rejects = f"__kpirules_csv_rejects_{uuid.uuid4().hex[:8]}"
        self.on_close(self._drop_rejects)
        escape = escape if escape is not None else quote_char
        self._dialect = (
            f"header = {'true' if opts.header else 'false'}, skip = {opts.skip_rows}, auto_detect = false, "
            f"delim = {literal(delimiter)}, quote = {literal(quote_char)}, escape = {literal(escape)}, "
            f"strict_mode = true, null_padding = false"
        )
        self.scan = self._scan({}, opts.null_values)
        relation = con.sql(
            f"SELECT * FROM read_csv({self.scan}, store_rejects = true, rejects_table = {literal(self.rejects)}, "
            f"rejects_scan = {literal(self.rejects + '_scan')}, rejects_limit = 0)"
        )
        return relation if shared else relation.to_arrow_reader()

    def _scan(self, types: dict[str, str], null_values: list[str]) -> str:
        """read_csv's arguments: every field as text, but those `types` names."""
        struct = "{" + ", ".join(f"{literal(n)}: {literal(types.get(n, 'VARCHAR'))}" for n in self.names) + "}"
        nulls = "[" + ", ".join(literal(v) for v in null_values) + "]"
        return f"{literal(str(self.readable))}, columns = {struct}, {self._dialect}, nullstr = {nulls}"

    def typed_scan(self, types: dict[str, str]) -> str | None:
        # without rejects: a record that does not parse makes the read fail, as it must; an
        # empty field (quoted or not) is no value, as the loader reads an empty text
        formats = ", ".join(f"{option} = {literal(form)}" for option, form in READER_FORMATS.items())
        nulls = list(dict.fromkeys([*self.options.null_values, ""]))
        return f"read_csv({self._scan(types, nulls)}, {formats})"

    def columns(self) -> list[str] | None:
        return getattr(self, "names", None)

    def unreadable_help(self) -> str:
        return "fix those records in the file (quote values that contain the delimiter)"

    def no_value_help(self, marker: str, column: str) -> str:
        values = ", ".join(json.dumps(text, ensure_ascii=False) for text in [*self.options.null_values, marker])
        return (f"'{marker}' looks like a marker for no value: set null_values = [{values}] in "
                f"[{self.context.config_key}]")

    def unreadable(self):
        exists = self.con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [self.rejects]
        ).fetchall()[0][0]
        if not exists:
            return None
        offset = self.position.offset or 0
        count = len(self.names)
        # DuckDB rejects a record once per field too many (or missing), each time saying how
        # many it had found by then: the record's own count is the largest (the smallest)
        found = "TRY_CAST(regexp_extract(error_message, 'Found: ([0-9]+)', 1) AS BIGINT)"
        # DuckDB's text of a record after blank lines begins with their line breaks; a record
        # itself never does (a blank line is no record), so they are not part of it as written
        errors = (
            f"SELECT line, error_type, ltrim(any_value(csv_line), chr(13) || chr(10)) AS text, "
            f"CASE error_type WHEN 'TOO MANY COLUMNS' THEN max({found}) "
            f"WHEN 'MISSING COLUMNS' THEN min({found}) END AS fields, "
            f"string_agg(DISTINCT error_message, '; ') AS message "
            f"FROM {quote(self.rejects)} GROUP BY line, error_type"
        )
        if not self.options.header:
            self._check_columns(errors)
        expected = f"the header has {count}" if self.options.header and not self.options.columns else f"{count} are expected"
        reason = (
            f"CASE error_type "
            f"WHEN 'TOO MANY COLUMNS' THEN fields || {literal(' fields where ' + expected)} "
            f"WHEN 'MISSING COLUMNS' THEN fields || {literal(' fields where ' + expected)} "
            f"WHEN 'UNQUOTED VALUE' THEN 'a quoted value is not closed, or a quote stands inside an unquoted value' "
            f"WHEN 'INVALID ENCODING' THEN 'bytes that are not valid UTF-8 (set `encoding`)' "
            f"WHEN 'LINE SIZE OVER MAXIMUM' THEN 'a record longer than the 2 MB limit' "
            f"ELSE message END"
        )
        row, line, places = f"e.line - {offset}", "e.line", ""
        rejected = self.con.execute(f"SELECT count(*) FROM {quote(self.rejects)}").fetchall()[0][0]
        if rejected and not self.options.bulk:
            # DuckDB's line counts blank lines but not line breaks inside quotes: look each
            # record up among the file's records for its row and the line it starts on
            records = self._record_lines()
            name = self.rejects + "_places"
            self.con.register(name, pa.table({"duckdb_line": records.duckdb_lines,
                                              "row": range(1, len(records.starts) + 1), "line": records.starts}))
            self.on_close(lambda: self.con.unregister(name))
            row, line = f"coalesce(any_value(p.row), {row})", f"coalesce(any_value(p.line), {line})"
            places = f"LEFT JOIN {quote(name)} p ON p.duckdb_line = e.line"
        return self.con.sql(
            f"SELECT {row} AS row, {line} AS line, string_agg(DISTINCT {reason}, '; ') AS reason, "
            f"any_value(e.text) AS text FROM ({errors}) e {places} GROUP BY e.line"
        )

    def _record_lines(self) -> lines.RecordLines:
        """Where each record starts, read from the file (once) when a message first needs it."""
        if self._lines is None:
            opts = self.options
            try:
                self._lines = lines.record_lines(self.original, self.encoding, opts.skip_rows, opts.header,
                                                 opts.quote, opts.escape)
            except OSError:  # gone since it was loaded: rows and lines are taken to keep step
                self._lines = lines.RecordLines(array.array("q"), array.array("q"))
        return self._lines

    def describe(self) -> str:
        how = getattr(self, "encoding", self.options.encoding or "encoding detected on read")
        if getattr(self, "detected", False):
            how += ", detected"
        sep = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}.get(self.options.delimiter,
                                                                           repr(self.options.delimiter))
        ends = self.options.row_terminator
        ends = "" if ends is None else f", records end with {ends!r}"
        return f"CSV {self.locator} ({how}, {sep}-separated{ends}{'' if self.options.header else ', no header'})"

    # ------------------------------------------------------------------ helpers

    def _encoding(self, path: Path) -> tuple[str, bool]:
        with open(path, "rb") as fh:
            sample = fh.read(enc.SAMPLE_BYTES + 1)
        whole = len(sample) <= enc.SAMPLE_BYTES
        sample = sample[: enc.SAMPLE_BYTES]
        if self.options.encoding:
            if self.options.encoding in enc.UTF8_NAMES and not enc.decodes(sample, "utf-8-sig", whole):
                raise self._not_valid(sample, whole, "UTF-8")
            if enc.refused_whole(sample, self.options.encoding):
                raise self._not_valid(sample, whole, self.options.encoding)
            return self.options.encoding, False
        found = enc.detect(sample, whole)
        if found is None:
            raise self._undetected(sample, whole)
        return found, True

    def _undetected(self, sample: bytes, whole: bool):
        text = enc.decoded(sample, "gb18030", whole)
        unlike = enc.unlike_chinese(text) if text is not None else None
        if unlike is None:
            return self.error(
                "E641", f"cannot tell the text encoding of {self.locator} (not UTF-8, GB18030 or UTF-16)",
                f"set `encoding` in [{self.context.config_key}], e.g. encoding = \"latin-1\"",
            )
        # most likely Western text: Windows-1252, unless bytes it leaves undefined say Latin-1
        western = "cp1252" if enc.decodes(sample, "cp1252", True) else "latin-1"
        return self.error(
            "E641", f"cannot tell the text encoding of {self.locator}: read as GB18030, {unlike.rare} of its "
            f"{unlike.non_ascii} non-ASCII characters are rare Chinese characters (outside GB2312), e.g. "
            f"\"{unlike.word}\" on line {unlike.line}",
            f"set `encoding` in [{self.context.config_key}]: encoding = \"{western}\" if the file is Western "
            f"European text (Windows-1252 or Latin-1), encoding = \"gb18030\" if it is Chinese",
        )

    def _not_valid(self, sample: bytes, whole: bool, encoding: str):
        guess = enc.detect(sample, whole)
        hint = f'; it looks like {guess}: set encoding = "{guess}"' if guess and guess.lower() != encoding.lower() else ""
        return self.error(
            "E641", f"{self.locator} is not valid {encoding}{hint}",
            f"set `encoding` in [{self.context.config_key}] to the file's encoding (e.g. gbk, utf-16)",
        )

    def _transcoded(self, path: Path) -> Path:
        fd, name = tempfile.mkstemp(prefix="kpirules-", suffix=".csv")
        target = Path(name)
        self.on_close(lambda: target.unlink(missing_ok=True))
        os.close(fd)
        failure = enc.transcode_to_utf8(path, self.encoding, target)
        if failure is not None:
            raise self.error(
                "E641", f"{self.locator} is not valid {self.encoding}: bytes {failure.bad_bytes.hex(' ')} "
                f"on line {failure.line}",
                f"set `encoding` in [{self.context.config_key}] to the file's encoding"
                + ("" if self.options.encoding else " (it was detected from the start of the file)"),
            )
        return target

    def _rewritten(self, path: Path) -> Path:
        fd, name = tempfile.mkstemp(prefix="kpirules-", suffix=".csv")
        target = Path(name)
        self.on_close(lambda: target.unlink(missing_ok=True))
        os.close(fd)
        opts = self.options
        count, ended = records.rewrite_as_csv(path, target, opts.delimiter, opts.row_terminator)
        if opts.row_terminator is not None and count and not ended:
            raise self.error("E640", f"{self.locator}: row_terminator {opts.row_terminator!r} does not occur in the file",
                             "set `row_terminator` to what ends each record, or leave it out for line breaks")
        return target

    def _refuse_cr_alone(self, path: Path) -> None:
        """E640 for a file whose lines end with CR alone (classic Mac OS): read as one line, its
        header would hold every record."""
        with open(path, "rb") as fh:
            head = fh.read(HEADER_BYTES)
        cr, lf = head.find(b"\r"), head.find(b"\n")
        if cr != -1 and (lf == -1 or lf > cr + 1):
            raise self.error(
                "E640", f"{self.locator}: its lines end with CR alone (as on classic Mac OS), which the CSV "
                "reader does not take for line breaks",
                "save the file with LF or CRLF line endings (a text editor's line-ending setting, or mac2unix)",
            )

    def _header(self, path: Path) -> list[str]:
        with open(path, "rb") as fh:
            head = fh.read(HEADER_BYTES)
        text = head.decode("utf-8-sig", errors="replace")
        lines = text.split("\n")
        skip = self.options.skip_rows
        if len(lines) <= skip or not lines[skip].strip("\r"):
            later = next((i for i in range(skip, len(lines)) if lines[i].strip("\r\t ")), None)
            if later is not None:  # blank lines above the header count as lines to skip
                raise self.error("E640", f"{self.locator}: line {skip + 1}, where the header is read, is blank; "
                                 f"the first line after it with text is line {later + 1}",
                                 f"if that is the header, set skip_rows = {later} in [{self.context.config_key}]")
            raise self.error("E640", f"{self.locator} has no header line"
                             + (f" after skipping {skip} lines" if skip else " (the file is empty)"),
                             "check the file, `skip_rows` and `header`")
        delimiter, quote_char, escape = self.dialect
        reader = pycsv.reader(
            [lines[skip].rstrip("\r")], delimiter=delimiter, quotechar=quote_char or None,
            doublequote=escape in (None, quote_char),
            escapechar=escape if escape not in (None, quote_char) else None,
        )
        names: list[str] = []
        taken: set[str] = set()  # DuckDB compares column names ignoring case
        for i, raw in enumerate(next(reader)):
            name = raw.strip() or f"column{i + 1}"
            base, n = name, 1
            while name.lower() in taken:
                n += 1
                name = f"{base}_{n}"
            names.append(name)
            taken.add(name.lower())
        return names

    def _check_columns(self, errors: str) -> None:
        """Every record with the same wrong number of fields: what is wrong is `columns`,
        not the file, so say that once rather than reject each record."""
        same, fields = self.con.execute(
            f"SELECT bool_and(fields IS NOT NULL) AND count(DISTINCT fields) = 1, any_value(fields) FROM ({errors})"
        ).fetchall()[0]
        if not same:
            return
        # stops at the first record that does have as many fields as `columns` names
        if self.con.execute(f"SELECT 1 FROM read_csv({self.scan}, ignore_errors = true) LIMIT 1").fetchall():
            return
        key = f"{self.context.config_key}.columns"
        where = locate_key(self.context.config_path, key) if self.context.config_path else None
        raise ConfigError(Diagnostic(
            "E603", f"{key} names {len(self.names)} columns, but every record of {self.locator} has {fields} fields",
            where, help=f"list every field of a record, in order: {fields} names",
        ))

    def _drop_rejects(self) -> None:
        for table in (self.rejects, self.rejects + "_scan"):
            self.con.execute(f"DROP TABLE IF EXISTS {quote(table)}")


@hookimpl
def register_sources(register):
    register(CsvSource)
