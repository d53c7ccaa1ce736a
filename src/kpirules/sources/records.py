"""Files written by bulk-export tools (SQL Server `bcp`, the AdventureWorks scripts): fields
separated by a string such as `+|`, records ended by a string such as `&|` and a line break,
and no quoting at all.

DuckDB's CSV reader takes a one-byte quote and only line breaks as record ends, so such a
file is first rewritten, chunk by chunk, as a plain quoted CSV file: every record one row,
every field exactly as written (a line break or a quote inside a field is kept, quoted).
The rewritten file is read like any other CSV file, so rejects, nulls and line numbers
follow the same rules; a line number is then the record's number.
"""

from __future__ import annotations

import csv as pycsv
from pathlib import Path

CHUNK_CHARS = 1024 * 1024


def rewrite_as_csv(source: Path, target: Path, delimiter: str, row_terminator: str | None) -> tuple[int, int]:
    """Write source (UTF-8) to target as a comma-separated, quoted CSV file.

    Returns the number of records, and how many of them ended with the terminator.

    row_terminator None ends records at a line break (`\\n` or `\\r\\n`). A last record
    without its terminator is kept; text after the last terminator that is only a line
    break is not a record.
    """
    ends = row_terminator if row_terminator is not None else "\n"
    records = ended = 0
    with open(source, encoding="utf-8-sig", newline="") as fin, \
            open(target, "w", encoding="utf-8", newline="") as fout:
        writer = pycsv.writer(fout, lineterminator="\n")

        def write(record: str) -> None:
            if row_terminator is None and record.endswith("\r"):
                record = record[:-1]
            writer.writerow(record.split(delimiter))

        pending = ""
        while chunk := fin.read(CHUNK_CHARS):
            # the last part may be a record cut by the chunk, or a terminator cut in two
            *complete, pending = (pending + chunk).split(ends)
            for record in complete:
                write(record)
            records += len(complete)
        ended = records
        if pending.strip("\r\n"):
            write(pending)
            records += 1
    return records, ended
