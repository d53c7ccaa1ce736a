"""Turning a staged dataset's problems into messages, or into a rejects file.

Examples are read with SQL (at most 20 per problem, with the total), so a file with a
million bad rows costs one grouped query, not a million Python objects.
"""

from __future__ import annotations

import bisect
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from kpirules.errors import DataLocation, Diagnostic
from kpirules.model.scheme import Dataset
from kpirules.sources.convert import TYPE_WORDS, literal, quote

EXAMPLES = 20
UNREADABLE_COLUMNS = "row BIGINT, line BIGINT, reason VARCHAR, text VARCHAR"
_PLURAL_WORDS = {"a whole number": "whole numbers", "a number": "numbers", "an amount of money": "amounts of money",
                 "a date": "dates", "a timestamp": "timestamps"}
SKIP_HELP = ("fix the values at the source, or load with bad rows skipped: --on-bad-rows skip "
             "(with --rejects FOLDER they are written there, with the reason)")
#: how exports commonly write "no value"
NULL_MARKERS = {"NULL", "null", "Null", "NA", "N/A", "n/a", "#N/A", "None", "none", "nan", "NaN", "-"}


@dataclass
class Numbering:
    """Maps a staged row (its order among the rows read) to the source's row and line numbers.

    Records the source could not read still count as rows, so a row after them keeps the
    number people see in the file: `gaps` holds, per unreadable record, how many good rows
    came before it.
    """

    label: str = "line"
    #: line = row + offset; a function giving it is called once, when a message first needs it
    offset: int | Callable[[], int] | None = None
    gaps: str | None = None
    #: the line each row starts on (row N at index N - 1), where rows and lines do not keep
    #: step; a function giving them is called once, when a message first needs a line
    lines: Sequence[int] | Callable[[], Sequence[int]] | None = None
    _gap_values: list[int] | None = field(default=None, repr=False)

    def _offset(self) -> int | None:
        if callable(self.offset):
            self.offset = self.offset()
        return self.offset

    def _lines(self) -> Sequence[int]:
        if callable(self.lines):
            self.lines = self.lines()
        return self.lines or ()

    def line(self, row: int) -> int | None:
        """The line row starts on: from `lines` when it has the row, else row + offset."""
        lines = self._lines()
        if 1 <= row <= len(lines):
            return lines[row - 1]
        offset = self._offset()
        return None if offset is None else row + offset

    def row_sql(self, ordinal: str) -> str:
        if not self.gaps:
            return ordinal
        return f"({ordinal} + (SELECT count(*) FROM {quote(self.gaps)} g WHERE g.vb < {ordinal}))"

    def line_sql(self, con: duckdb.DuckDBPyConnection, row: str) -> str:
        """SQL for the line `row` starts on, in con: row + offset, or, where rows and lines do
        not keep step, a lookup in `lines` (an Arrow table registered on con)."""
        offset = self._offset()
        by_offset = f"({row} + {offset})" if offset is not None else "CAST(NULL AS BIGINT)"
        lines = self._lines()
        if not lines:
            return by_offset
        name = "__kpirules_row_lines"
        con.register(name, pa.table({"row": pa.array(range(1, len(lines) + 1), pa.int64()),
                                     "line": pa.array(lines, pa.int64())}))
        return f"COALESCE((SELECT l.line FROM {name} l WHERE l.row = {row}), {by_offset})"

    def row(self, con: duckdb.DuckDBPyConnection | None, ordinal: int) -> int:
        gap_values = self._read_gaps(con)
        return ordinal + bisect.bisect_left(gap_values, ordinal) if gap_values else ordinal

    def kept(self, con: duckdb.DuckDBPyConnection) -> Numbering:
        """This numbering for after the load, when the table of gaps is gone (`row(None, ordinal)`)."""
        return Numbering(self.label, self.offset, None, self.lines, self._read_gaps(con))

    def _read_gaps(self, con: duckdb.DuckDBPyConnection | None) -> list[int]:
        if self._gap_values is None:
            self._gap_values = [v for (v,) in con.execute(
                f"SELECT vb FROM {quote(self.gaps)} ORDER BY vb").fetchall()] if self.gaps else []
        return self._gap_values

    def where(self, row: int, line: int | None = None) -> str:
        if line is None:
            line = self.line(row)
        return f"row {row} ({self.label} {line})" if line is not None else f"row {row}"


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def more_notes(total: int, shown: int) -> list[str]:
    """The note after the examples shown of a longer list: `... and 15 more` (none when all are shown)."""
    return [f"... and {total - shown} more"] if total > shown else []


def value_in_rows(value, rows: Sequence[int], count: int, numbering: Numbering) -> str:
    """A note for a value written on several rows, the first few of them shown:
    `'x' in row 1 (line 2), row 4 (line 5) and 3 more`."""
    more = f" and {count - len(rows)} more" if count > len(rows) else ""
    return f"{value!r} in " + ", ".join(numbering.where(r) for r in rows) + more


def unreadable_table(records: Sequence[tuple[int, int | None, str, str]]) -> pa.Table:
    """What `Source.unreadable()` returns, from (row, line, reason, text) per record."""
    row, line, reason, text = zip(*records, strict=True) if records else ((), (), (), ())
    return pa.table({"row": pa.array(row, pa.int64()), "line": pa.array(line, pa.int64()),
                     "reason": pa.array(reason, pa.string()), "text": pa.array(text, pa.string())})


def unreadable_diagnostic(con, table: str, dataset: Dataset, locator: str,
                          numbering: Numbering, fix: str) -> Diagnostic | None:
    (count,) = con.execute(f"SELECT count(*) FROM {quote(table)}").fetchall()[0]
    if not count:
        return None
    rows = con.execute(
        f"SELECT row, line, reason, text FROM {quote(table)} ORDER BY row LIMIT {EXAMPLES}"
    ).fetchall()
    reasons = [r for (r,) in con.execute(f"SELECT DISTINCT reason FROM {quote(table)} ORDER BY 1 LIMIT 2").fetchall()]
    why = f": {reasons[0]}" if len(reasons) == 1 else ""
    notes = [
        f"{numbering.where(row, line)}: {'' if why else reason + ': '}{_clip(text)}"
        for row, line, reason, text in rows
    ]
    first = rows[0]
    return Diagnostic(
        "E644", f"{_plural(count, 'record')} could not be read{why}",
        DataLocation(dataset.id, locator, first[0]),
        help=f"{fix}, or load with bad rows "
        "skipped (--on-bad-rows skip --rejects FOLDER): they are written to the folder with the reason, so nothing is lost",
        notes=notes + more_notes(count, len(rows)),
    )


def row_diagnostics(con: duckdb.DuckDBPyConnection, problems: str, dataset: Dataset, locator: str,
                    numbering: Numbering, written_as: Callable[[str], str | None] | None = None,
                    no_value: Callable[[str, str], str] | None = None) -> list[Diagnostic]:
    """One diagnostic per (problem, column); `problems` is a query of them (stage.problems_sql).

    `written_as` (the source's `bad_value_help`) says how a type's values are written to
    convert from this source; when it says nothing, WRITTEN_AS does. `no_value` (the source's
    `no_value_help`) says what to do when the values are all one word for "no value".
    """
    single = con.execute(
        f"WITH p AS ({problems}), n AS (SELECT *, "
        f"row_number() OVER (PARTITION BY kind, \"column\" ORDER BY ord) AS k, "
        f"count(*) OVER (PARTITION BY kind, \"column\") AS total "
        f"FROM p WHERE kind NOT IN ('unique', 'key')) "
        f"SELECT kind, \"column\", total, ord, value FROM n WHERE k <= {EXAMPLES} ORDER BY kind, \"column\", ord"
    ).fetchall()
    grouped: dict[tuple[str, str], tuple[int, list]] = {}
    for kind, column, total, ordinal, value in single:
        grouped.setdefault((kind, column), (total, []))[1].append((numbering.row(con, ordinal), value))
    out = [_row_problem(kind, column, total, examples, dataset, locator, numbering, written_as, no_value)
           for (kind, column), (total, examples) in grouped.items()]
    duplicated = con.execute(
        f"WITH p AS ({problems}), d AS (SELECT kind, \"column\", value, list(ord ORDER BY ord) AS ords "
        f"FROM p WHERE kind IN ('unique', 'key') GROUP BY kind, \"column\", value) "
        f"SELECT kind, \"column\", count(*) OVER (PARTITION BY kind, \"column\") AS total, value, ords[1:5], len(ords) "
        f"FROM d QUALIFY row_number() OVER (PARTITION BY kind, \"column\" ORDER BY ords[1]) <= {EXAMPLES} "
        f"ORDER BY kind, \"column\", ords[1]"
    ).fetchall()
    dups: dict[tuple[str, str], tuple[int, list]] = {}
    for kind, column, total, value, ords, n in duplicated:
        rows = [numbering.row(con, o) for o in ords]
        dups.setdefault((kind, column), (total, []))[1].append((value, rows, n))
    for (kind, column), (total, examples) in dups.items():
        notes = [value_in_rows(value, rows, n, numbering) for value, rows, n in examples]
        what = f"the key {column} of dataset {dataset.id}" if kind == "key" else f"column {column} (declared unique)"
        out.append(Diagnostic(
            "E648" if kind == "key" else "E647",
            f"{_plural(total, 'value')} of {what} {'appears' if total == 1 else 'appear'} in more than one row",
            DataLocation(dataset.id, locator, examples[0][1][0], column),
            help="each value may appear once; remove or merge the duplicate rows at the source, or load with "
                 "bad rows skipped (every row sharing the value): --on-bad-rows skip",
            notes=notes + more_notes(total, len(examples)),
        ))
    return out


#: how values of a type convert (docs/sources.md), said beside values that do not
WRITTEN_AS = {
    "date": ("dates convert written year first: 2026-03-05 or 2026/3/5, or as a timestamp with a zone by its "
             "IANA name (2026-03-05 09:30 America/New_York), not an abbreviation such as EST"),
    "timestamp": ("timestamps convert written year first: 2026-03-05 09:30, 2026-03-05T09:30:00+08:00 or "
                  "2026-03-05 09:30 America/New_York (a zone by its IANA name, not an abbreviation such as EST)"),
    "integer": "integers convert written as 1200 or 1,200 (or 12万), at most 9,223,372,036,854,775,807 either side of 0",
    "money": "amounts convert written as 1234.5, 1,234.50 or 56万 (no currency sign), at most 14 digits before the point",
    "decimal": "numbers convert written as 0.125, 1,234.5 or 56万, at most 12 digits before the point",
    "boolean": "booleans convert written as true/false, t/f, yes/no, y/n, 1/0 or 是/否",
}


def no_value_help(marker: str, column: str) -> str:
    """What to do about a word for "no value" when the source does not say (`Source.no_value_help`)."""
    return f"'{marker}' looks like a marker for no value: where there is none, leave the value empty (or null) at the source"


def _row_problem(kind, column, total, examples, dataset: Dataset, locator, numbering,
                 written_as: Callable[[str], str | None] | None = None,
                 no_value: Callable[[str, str], str] | None = None) -> Diagnostic:
    where = DataLocation(dataset.id, locator, examples[0][0], column)
    if kind == "convert":
        kind_of = dataset.columns[column].type
        word = TYPE_WORDS[kind_of]
        if total != 1:
            word = _PLURAL_WORDS.get(word, word)
        markers = {str(v).strip() for _, v in examples}
        written = (written_as(kind_of) if written_as else None) or WRITTEN_AS.get(kind_of)
        help = f"{written}; {SKIP_HELP}" if written else SKIP_HELP
        if len(markers) == 1 and markers <= NULL_MARKERS:
            # exports often spell "no value" as a word: say how to read it as missing
            help = (no_value or no_value_help)(markers.pop(), column)
        return Diagnostic(
            "E643", f"{_plural(total, 'value')} in column {column} {'is' if total == 1 else 'are'} not {word}",
            where, help=help,
            notes=[f"{numbering.where(r)}: {v!r}" for r, v in examples] + more_notes(total, len(examples)),
        )
    if kind == "required":
        declared = dataset.columns[column].required
        why = "declared required" if declared or dataset.kind != "roster" else "the roster's id"
        return Diagnostic(
            "E646", f"{_plural(total, 'row')} {'has' if total == 1 else 'have'} no {column} ({why})",
            where, help=SKIP_HELP,
            notes=[numbering.where(r) for r, _ in examples] + more_notes(total, len(examples)),
        )
    return Diagnostic(
        "E645", f"{_plural(total, 'negative value')} in column {column} (declared non_negative)",
        where, help=SKIP_HELP,
        notes=[f"{numbering.where(r)}: {v}" for r, v in examples] + more_notes(total, len(examples)),
    )


#: how every rejects file begins: kpirules replaces or removes only files that begin so
REJECTS_HEADER = b"_row,_line,_reason,_text"


def is_rejects_file(path: Path) -> bool:
    """Whether path is a rejects file an earlier run wrote (and may be replaced or removed)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(len(REJECTS_HEADER)) == REJECTS_HEADER
    except OSError:
        return False


def write_rejects(con: duckdb.DuckDBPyConnection, path: Path, stage: str, problems: str | None,
                  unreadable: str | None, dataset: Dataset, numbering: Numbering) -> None:
    """Write every rejected record with its reasons to path (atomically).

    Declared columns hold the row's values as loaded, except a value that did not
    convert, which is written as the source gave it.
    """
    names = list(dataset.columns)
    given = ", ".join(
        f"max(value) FILTER (kind = 'convert' AND \"column\" = {literal(n)}) AS o{i}" for i, n in enumerate(names)
    )
    originals = ", ".join(f"coalesce(r.o{i}, CAST(s.{quote(n)} AS VARCHAR)) AS {quote(n)}" for i, n in enumerate(names))
    row = numbering.row_sql("ord")
    parts = []
    if problems:
        parts.append(
            f"SELECT {row} AS _row, {numbering.line_sql(con, row)} AS _line, r.reason AS _reason, "
            f"CAST(NULL AS VARCHAR) AS _text, {originals} "
            f"FROM (SELECT ord, string_agg(message, '; ' ORDER BY seq) AS reason, {given} "
            f"FROM ({problems}) GROUP BY ord) r "
            f"JOIN (SELECT rowid + 1 AS ord, * FROM {quote(stage)}) s USING (ord)"
        )
    if unreadable:
        blanks = ", ".join(f"CAST(NULL AS VARCHAR) AS {quote(n)}" for n in names)
        parts.append(f"SELECT row AS _row, line AS _line, reason AS _reason, text AS _text, {blanks} "
                     f"FROM {quote(unreadable)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        con.execute(f"COPY ({' UNION ALL '.join(parts)} ORDER BY _row) TO {literal(tmp)} (FORMAT csv, HEADER)")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _clip(text: str | None, width: int = 120) -> str:
    text = (text or "").replace("\n", "\\n")
    return text if len(text) <= width else text[: width - 3] + "..."
