"""Where each record of a CSV file starts: the line people find it on.

DuckDB's reader skips blank lines and reads a quoted value across line breaks, so the
N-th record is not always on line N + (lines above the first record). Its rejects name a
record by a line of its own counting: blank lines count, line breaks inside quotes do not.
One pass over the file, following quotes as the reader does, gives each record's line in
both countings; it is made only when a message or a rejects file needs a line.
"""

from __future__ import annotations

import array
import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RecordLines:
    """Per record after the header (row N at index N - 1): the line of the file it starts
    on (1-based, the header and blank lines included), and the line DuckDB's rejects give it."""

    starts: array.array
    duckdb_lines: array.array


def record_lines(path: Path, encoding: str, skip: int, header: bool, quote: str, escape: str | None) -> RecordLines:
    """Each record's first line; `skip` lines, then the header record if any, come first."""
    starts, duckdb_lines = array.array("q"), array.array("q")
    # an escape that differs from the quote hides the character after it, inside quotes
    escaped = escape if escape not in (None, quote) else None
    special = re.compile("|".join(re.escape(c) for c in (quote, escaped) if c)) if quote else None
    in_quotes = False
    breaks_in_quotes = 0
    records_to_skip = 1 if header else 0
    with open(path, encoding="utf-8-sig" if encoding.lower() in ("utf-8", "utf8") else encoding,
              errors="replace", newline="") as fh:
        for number, line in enumerate(fh, start=1):
            if number <= skip:
                continue
            if in_quotes:
                breaks_in_quotes += 1
            elif line.strip("\r\n"):
                if records_to_skip:
                    records_to_skip -= 1
                else:
                    starts.append(number)
                    duckdb_lines.append(number - breaks_in_quotes)
            else:
                continue  # a blank line: no record
            if special is not None and (quote in line or (escaped and escaped in line)):
                in_quotes = _quoted_after(line, in_quotes, quote, escaped, special)
    return RecordLines(starts, duckdb_lines)


def _quoted_after(line: str, in_quotes: bool, quote: str, escaped: str | None, special: re.Pattern) -> bool:
    """Whether a quoted value is still open at the end of line."""
    if escaped is None:  # a quote doubled inside quotes closes and reopens: parity decides
        return in_quotes ^ (line.count(quote) % 2 == 1)
    skip_next = -1
    for found in special.finditer(line):
        at = found.start()
        if at == skip_next:
            continue
        if in_quotes and found.group() == escaped:
            skip_next = at + 1
        elif found.group() == quote:
            in_quotes = not in_quotes
    return in_quotes
