"""Suppression comments: `# kpirules: ignore[KPI101] reason` and `# kpirules: ignore-file[KPI105] reason`.

A line suppression written after code applies to findings that start on its line; written
alone on its line, it applies to the statement under it: the next line that is not a comment
(suppressions for several rules may be stacked above one line). A file
suppression applies to the whole file. Codes are required: a bare `ignore` would hide
pitfalls nobody has looked at. A suppression that names an unknown code, or that hides
nothing, is itself a finding (KPI902, KPI901).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kpirules.lang import ast

_MARKER = re.compile(r"#\s*kpirules\s*:\s*(?P<body>.*)$")
_FORM = re.compile(r"^(?P<kind>ignore-file|ignore)\s*\[(?P<codes>[^\]]*)\]\s*(?P<reason>.*)$")


@dataclass
class Suppression:
    kind: str  # "line" or "file"
    codes: list[str]
    reason: str
    line: int  # the comment's line
    column: int
    end_column: int
    #: the line whose findings it hides (line suppressions)
    applies_to: int
    used: set[str] = field(default_factory=set)


@dataclass
class BadComment:
    """A `# kpirules:` comment that cannot be read, or names unknown codes."""

    line: int
    column: int
    end_column: int
    text: str
    problem: str


def read_suppressions(comments: list[ast.Comment], lines: list[str]) -> tuple[list[Suppression], list[BadComment]]:
    """The suppressions of one file, and the comments that look like one but are not."""
    found: list[Suppression] = []
    bad: list[BadComment] = []
    for comment in comments:
        marker = _MARKER.match(comment.text)
        if marker is None:
            continue
        end = comment.column + len(comment.text)
        form = _FORM.match(marker.group("body").strip())
        if form is None:
            bad.append(BadComment(comment.line, comment.column, end, comment.text,
                                  "write `# kpirules: ignore[CODE] reason` or `# kpirules: ignore-file[CODE] reason`"))
            continue
        codes = [c.strip() for c in form.group("codes").split(",") if c.strip()]
        if not codes:
            bad.append(BadComment(comment.line, comment.column, end, comment.text,
                                  "name the rule codes to suppress, e.g. ignore[KPI101]"))
            continue
        source = lines[comment.line - 1] if 0 < comment.line <= len(lines) else ""
        alone = not source[: comment.column - 1].strip()
        target = comment.line
        if alone:  # the statement under it, past other comments stacked above that statement
            target += 1
            while target <= len(lines) and lines[target - 1].lstrip().startswith("#"):
                target += 1
        found.append(Suppression(
            kind="file" if form.group("kind") == "ignore-file" else "line",
            codes=codes, reason=form.group("reason").strip(), line=comment.line,
            column=comment.column, end_column=end,
            applies_to=target,
        ))
    return found, bad


def suppressing(suppressions: list[Suppression], code: str, line: int) -> Suppression | None:
    """The suppression that hides a finding of `code` starting on `line`, if any."""
    for s in suppressions:
        if code in s.codes and (s.kind == "file" or s.applies_to == line):
            return s
    return None
