"""Quote the .kpi source a result came from: `rulesets/telesales.kpi:12` and the text written there."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from kpirules.engine.results import RowPlace
from kpirules.lang.ast import Span


def _lines(path: str) -> tuple[str, ...]:
    # spans name files relative to the working directory: a cache keyed by that name alone
    # would serve another file after a chdir, or a file since rewritten (a long pytest session)
    # (the absolute name, not the resolved one: resolving reads every folder on the way, and
    # a report quotes the source some ten times per person)
    try:
        found = os.path.abspath(path)
        stat = os.stat(found)
    except OSError:
        return ()
    return _read(found, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=64)
def _read(path: str, mtime_ns: int, size: int) -> tuple[str, ...]:
    try:
        return tuple(Path(path).read_text(encoding="utf-8-sig").splitlines())
    except (OSError, UnicodeDecodeError):
        return ()


def where(span: Span | RowPlace | None) -> str:
    """A place as a step points at it: `rulesets/telesales.kpi:12`, or a data row
    (`data/adjustments.csv row 3 (line 4)`)."""
    if span is None:
        return ""
    return f"{span.path}:{span.line}" if isinstance(span, Span) else str(span)


def written(span: Span | None) -> str:
    """The exact text a span covers, joined onto one line."""
    if span is None:
        return ""
    lines = _lines(span.path)
    if not lines or span.line > len(lines):
        return ""
    if span.line == span.end_line:
        return lines[span.line - 1][span.column - 1 : span.end_column - 1]
    parts = [lines[span.line - 1][span.column - 1 :]]
    parts += [line.strip() for line in lines[span.line : span.end_line - 1]]
    parts.append(lines[span.end_line - 1][: span.end_column - 1].strip())
    return " ".join(p.strip() for p in parts if p.strip())
