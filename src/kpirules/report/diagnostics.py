"""Render diagnostics the way compilers do: location, message, source line, caret, help.

    rulesets/telesales.kpi:8:19: error[E202]: unknown dataset 'cals'
       |
     8 |     measure count(cals)
       |                   ^^^^
       = help: did you mean 'calls'?

Carets line up under wide (CJK) characters, which take two terminal columns. With
`lang="zh"` the message, help and notes are in Chinese; codes and places stay.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from kpirules import i18n
from kpirules.errors import Diagnostic, Location


def _source_lines(path: str) -> list[str]:
    # read afresh each time, never cached: a relative path names another file after a
    # chdir, and a file may change between two runs in one process (tests, watch mode)
    try:
        text = Path(path).read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return []
    # lines end at "\n" only, as the parser counts them: str.splitlines() would also
    # break at form feeds and U+2028 and show the wrong line under the caret
    text = text.removeprefix("\ufeff")
    return [line.removesuffix("\r") for line in text.split("\n")] if text else []


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


_SHOWN_AS_SPACE = str.maketrans({c: " " for c in "\t\r\x85\u2028\u2029"}
                                # other control characters (NUL, ESC, ...) as their pictures (␀, ␛)
                                | {chr(c): chr(0x2400 + c) for c in range(32) if chr(c) not in "\t\r\n"}
                                | {"\x7f": "\u2421"})
_OTHER_BREAK = re.compile("[\r\x85\u2028\u2029]")


def source_excerpt(loc: Location, lines: list[str] | None = None) -> list[str]:
    """The gutter, source line and caret lines under a location (empty when unavailable)."""
    lines = _source_lines(loc.path) if lines is None else lines
    if not 1 <= loc.line <= len(lines):
        return []
    # a tab, and a carriage return or line separator inside the line (which a terminal would
    # act on), each show as one space, so the caret stays under its character
    line = lines[loc.line - 1]
    cut = _OTHER_BREAK.search(line, loc.column)  # a file of CR-only line endings is one long line
    line = (line[:cut.start()] if cut else line).translate(_SHOWN_AS_SPACE)
    if loc.path.endswith(".toml"):
        from kpirules.config import masked

        line = masked(line)  # a configuration file's credentials never reach a message
    start = min(loc.column - 1, len(line))
    if loc.end_line == loc.line and loc.end_column and loc.end_column > loc.column:
        end = min(loc.end_column - 1, len(line))
    else:
        end = len(line.rstrip()) if loc.end_line and loc.end_line > loc.line else start + 1
    end = max(end, start + 1)
    if len(line) > _LONG:
        # a line of thousands of characters (a minified or generated file) is shown around
        # the place, `…` marking what is left out
        end = min(end, start + _AROUND)
        left, right = max(0, start - _AROUND), min(len(line), end + _AROUND)
        line = ("…" if left else "") + line[left:right] + ("…" if right < len(line) else "")
        shift = (1 if left else 0) - left
        start, end = start + shift, end + shift
    number = str(loc.line)
    pad = " " * len(number)
    caret = " " * display_width(line[:start]) + "^" * max(1, display_width(line[start:end]))
    return [f"{pad} |", f"{number} | {line}", f"{pad} | {caret}"]


#: lines longer than this are shown `_AROUND` characters either side of the place
_LONG, _AROUND = 300, 100


def render_text(d: Diagnostic, show_source: bool = True, lang: str = "en") -> str:
    d = i18n.localize(d, lang)
    where = f"{i18n.location_text(d.location, lang)}: " if d.location else ""
    out = [f"{where}{d.severity}[{d.code}]: {d.message}"]
    if show_source and isinstance(d.location, Location):
        out.extend(source_excerpt(d.location))
    for note in d.notes:
        out.append("  = " + i18n.labelled(lang, "note", note))
    if d.help:
        out.append("  = " + i18n.labelled(lang, "help", d.help))
    return "\n".join(out)


def render_all(diagnostics: Iterable[Diagnostic], show_source: bool = True, lang: str = "en") -> str:
    return "\n\n".join(render_text(d, show_source, lang) for d in diagnostics)


def as_dict(d: Diagnostic, lang: str = "en") -> dict:
    d = i18n.localize(d, lang)
    loc = d.location
    out: dict = {"code": d.code, "severity": d.severity, "message": d.message}
    if isinstance(loc, Location):
        out.update(
            path=loc.path, line=loc.line, column=loc.column,
            end_line=loc.end_line, end_column=loc.end_column,
        )
    elif loc is not None:
        out["where"] = {k: getattr(loc, k) for k in ("dataset", "source", "row", "column")}
    if d.help:
        out["help"] = d.help
    return out


def render_json(diagnostics: Iterable[Diagnostic], lang: str = "en") -> str:
    return json.dumps([as_dict(d, lang) for d in diagnostics], ensure_ascii=False, indent=2)
