"""Suppression comments: `# kpirules: ignore[KPI101] reason` and `# kpirules: ignore-file[KPI105] reason`.

A line suppression hides the findings that start in the code it reaches
(`kpirules.lang.suppression`): written after code, what starts on its line and all of a
statement or block that ends there (after a block's closing `}` the whole block); written
alone on its line, the statement under it: the next line that is not a comment
(suppressions for several rules may be stacked above one line). A file
suppression applies to the whole file. Codes are required: a bare `ignore` would hide
pitfalls nobody has looked at; slugs and prefixes are not accepted (KPI902 says which code
to write for a slug). A suppression that names an unknown code, or that hides nothing, is
itself a finding (KPI902, KPI901).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from kpirules.lang import ast
from kpirules.lang.suppression import MARKER, Reach, reach, suppression_form


@dataclass
class Suppression:
    kind: str  # "line" or "file"
    codes: list[str]
    reason: str
    line: int  # the comment's line
    column: int
    end_column: int
    #: the code whose findings it hides (line suppressions)
    reach: Reach
    used: set[str] = field(default_factory=set)


@dataclass
class BadComment:
    """A `# kpirules:` comment that cannot be read, or names unknown codes."""

    line: int
    column: int
    end_column: int
    text: str
    problem: str


def read_suppressions(tree: ast.File, lines: list[str]) -> tuple[list[Suppression], list[BadComment]]:
    """The suppressions of one file, and the comments that look like one but are not."""
    found: list[Suppression] = []
    bad: list[BadComment] = []
    nodes: list[ast.Node] | None = None
    for comment in tree.comments:
        if MARKER.match(comment.text) is None:
            continue
        end = comment.column + len(comment.text)
        form = suppression_form(comment)
        if form is None:
            bad.append(BadComment(comment.line, comment.column, end, comment.text,
                                  "write `# kpirules: ignore[CODE] reason` or `# kpirules: ignore-file[CODE] reason`"))
            continue
        codes = [c.strip() for c in form.group("codes").split(",") if c.strip()]
        if not codes:
            bad.append(BadComment(comment.line, comment.column, end, comment.text,
                                  "name the rule codes to suppress, e.g. ignore[KPI101]"))
            continue
        if nodes is None:
            nodes = list(ast.walk(tree.items))
        found.append(Suppression(
            kind="file" if form.group("kind").lower() == "ignore-file" else "line",
            codes=codes, reason=form.group("reason").strip(), line=comment.line,
            column=comment.column, end_column=end,
            reach=reach(comment, lines, nodes),
        ))
    return found, bad


def not_a_code(name: str, slugs: dict[str, str], codes: Iterable[str]) -> tuple[str, str]:
    """Why a name in a suppression is no rule code, and what to write instead (KPI902):
    suppressions take codes only, so a slug gets its code and a prefix is refused."""
    if name in slugs:
        return f"{name} is a rule name, not a code", f"suppressions take rule codes: write {slugs[name]}"
    if name != name.upper() and name.upper() in codes:
        return f"{name} is not written as the rule code", f"rule codes are written in capitals: write {name.upper()}"
    words = name.split()
    if len(words) > 1 and all(w.upper() in codes for w in words):
        # `ignore[KPI101 KPI105]`: two codes read as one
        return (f"{name} is several codes read as one",
                f"separate the codes with commas: ignore[{', '.join(w.upper() for w in words)}]")
    covered = sorted(code for code in codes if code.startswith(name.upper()))
    if covered:
        return (f"{name} is a prefix of rule codes",
                f"suppressions do not take prefixes: name each code to hide ({', '.join(covered)})")
    return f"unknown rule code {name}", "run `kpirules rules` to list the codes"


def suppressing(suppressions: list[Suppression], code: str, line: int, column: int) -> Suppression | None:
    """The suppression that hides a finding of `code` starting at line:column, if any."""
    for s in suppressions:
        if code in s.codes and (s.kind == "file" or s.reach.covers(line, column)):
            return s
    return None
