"""Suppression comments as the language sees them: how they are written and what code they reach.

`# kpirules: ignore[KPI101] reason` is a line suppression and `# kpirules: ignore-file[KPI105]
reason` a file suppression. Which findings they hide is lint's business
(`kpirules.lint.suppress`); where a line suppression reaches is defined here, from the
syntax tree and the source lines, because `kpirules fmt` must keep that reach when it
moves code onto other lines.

A line suppression written after code reaches the code that starts on its line and
everything written in a statement or block that ends on its line: after a block's
closing `}` the whole block, after the last line of a statement written over several
lines the whole statement. Written alone on its line, it reaches the code that starts on
the next line that is not a comment (suppressions for several rules may be stacked above
one line).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kpirules.lang import ast

# in any case, as `# noqa` is (`# KPIRULES: IGNORE[KPI102]` was passed over without a word)
MARKER = re.compile(r"#\s*kpirules\s*:\s*(?P<body>.*)$", re.IGNORECASE)
FORM = re.compile(r"^(?P<kind>ignore-file|ignore)\s*\[(?P<codes>[^\]]*)\]\s*(?P<reason>.*)$", re.IGNORECASE)


def suppression_form(comment: ast.Comment) -> re.Match | None:
    """The parts of a `# kpirules:` comment written correctly (`kind`, `codes`, `reason`), else None."""
    marker = MARKER.match(comment.text)
    return FORM.match(marker.group("body").strip()) if marker is not None else None


def is_line_suppression(comment: ast.Comment) -> bool:
    form = suppression_form(comment)
    return form is not None and form.group("kind").lower() == "ignore" and bool(form.group("codes").strip(" ,"))


@dataclass(frozen=True)
class Reach:
    """The code a line suppression reaches: what starts on `line`, and what lies in `spans`."""

    line: int
    spans: tuple[ast.Span, ...] = ()

    def covers(self, line: int, column: int) -> bool:
        """Whether something (a finding, a node) starting at line:column is reached."""
        return line == self.line or any(
            (s.line, s.column) <= (line, column) < (s.end_line, s.end_column) for s in self.spans
        )


def reach(comment: ast.Comment, lines: list[str], nodes: list[ast.Node]) -> Reach:
    """Where a line suppression reaches, given its file's lines and every node of its tree."""
    source = lines[comment.line - 1] if 0 < comment.line <= len(lines) else ""
    if source[: comment.column - 1].strip():
        ending_here = tuple(
            n.span for n in nodes if n.span.end_line == comment.line and n.span.line < comment.line
        )
        return Reach(comment.line, ending_here)
    target = comment.line + 1  # the statement under it, past other comments stacked above that statement
    while target <= len(lines) and lines[target - 1].lstrip().startswith("#"):
        target += 1
    return Reach(target)
