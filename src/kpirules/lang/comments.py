"""Find the comments of a .kpi file: `#` to the end of the line, outside quoted text."""

from __future__ import annotations

import bisect
import re

from kpirules.lang.ast import Comment

_TOKENS = re.compile(r'"(?:\\.|[^"\\\n])*"|“[^”\n]*”|#[^\n]*')


def extract_comments(text: str) -> list[Comment]:
    """Every comment with its 1-based line and column, in order."""
    comments: list[Comment] = []
    line_starts = None
    for match in _TOKENS.finditer(text):
        if not match.group().startswith("#"):
            continue
        if line_starts is None:
            line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        start = match.start()
        line = bisect.bisect_right(line_starts, start)
        comments.append(
            Comment(line=line, column=start - line_starts[line - 1] + 1, text=match.group().rstrip())
        )
    return comments

