"""Print a .kpi file in its one canonical layout (`kpirules fmt`).

The formatter prints the syntax tree, never the source, so the output depends only on
what the file means and on its comments and blank lines. The canonical layout:

* Indentation is 2 spaces; one statement per line; a block opens as
  `kind id "label" {` and its `}` stands on its own line; an empty block is `{}`.
* Top-level items are separated by exactly one blank line; consecutive imports stay
  together with no blank line. Inside blocks, blank lines written between statements are
  kept but collapsed to one; there is never a blank line right after `{` or right
  before `}`, nor at the start or end of the file.
* Statements stay in the order written. Nothing is reordered, added or dropped.
* Text is printed as "..." with \\" and \\\\ escapes (the “...” form becomes "...");
  grade labels are always quoted.
* Full-width punctuation becomes ASCII (％ ： ， （ ） ｛ ｝ ［ ］ ≥ ≤ become
  % : , ( ) { } [ ] >= <=); `inf` in a range becomes `∞`.
* Numbers keep their written text (`50万`, `1_000`, `0.50`), except that a full-width
  percent sign becomes `%`. Money is `<number> <CODE>`; a negative literal is `-10`.
* Expressions have one space around binary operators and `between ... and`, after
  commas and after `not`; lists are `["a", "b"]`; calls are
  `count(leads where status == "converted" on converted_at)`. Parentheses are kept
  exactly as written, never added or removed.
* Table rows are one per line with one space after the colon: `[60, 100): linear 0.6 to 1.0`,
  `80%: 60`, `[90, ∞): "优秀"`. No column alignment and no line wrapping.
* Comments are all kept, in order, with their text unchanged. An own-line comment stays
  before the statement, row or item that follows it, at that statement's indentation;
  one before a `}` stays at the block's inner indentation; one at the end of the file
  stays at the end. A trailing comment stays at the end of its statement's line, two
  spaces after the code. A comment written inside something printed on one line (a
  multi-line expression, say) moves onto its own line just before that statement.
  A block that holds only comments keeps its braces on lines of their own around them.
* A line suppression (`# kpirules: ignore[CODE] reason`) reaches the same code after
  formatting as before (`kpirules.lang.suppression`). A trailing one whose line is split
  stays after the last code of that line, so after a one-line block it follows the `}`
  and still covers the whole block. Where no place would reach the same code (a
  suppression after two statements written on one line, or above a one-line block), the
  file is refused with E120 rather than silently suppressing less or more.
* Formatting is idempotent: formatting formatted text changes nothing.

The layout is about the text; how the file stores it stays as it is (`format_source`).
A byte-order mark is kept when the file has one and never added, and lines end with CRLF
when every line of the file did, else with LF (a new, mixed or single-line file). So
`fmt --check` passes exactly when `fmt` would leave the file's bytes as they are.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from kpirules.errors import Diagnostic, Location, SchemeError
from kpirules.lang import ast
from kpirules.lang.parser import decode_source, parse_text
from kpirules.lang.render import Pos, Stmt, statement
from kpirules.lang.suppression import is_line_suppression, reach

INDENT = "  "
_BLANK = None  # a blank line among the comments of a gap
_WHITESPACE = " \t\r\n\ufeff"


_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Reformatted:
    """A file before and after formatting: the two texts (lines ending in LF), and the bytes to write."""

    original: str
    text: str
    data: bytes

    @property
    def line_endings_only(self) -> bool:
        """Whether the bytes change although the text does not (mixed line endings become LF)."""
        return self.original == self.text


def format_source(data: bytes, path: str) -> Reformatted:
    """Format a .kpi file's bytes, keeping its byte-order mark and its CRLF line endings.

    Raises SchemeError as `format_file_text` does, and for bytes that are not UTF-8.
    """
    text = decode_source(data, path)
    formatted = format_file_text(text, path)
    newline = b"\r\n" if data.count(b"\n") == data.count(b"\r\n") > 0 else b"\n"
    written = formatted.encode("utf-8").replace(b"\n", newline)
    if data.startswith(_BOM):
        written = _BOM + written
    return Reformatted(text.replace("\r\n", "\n"), formatted, written)


def format_file_text(text: str, path: str) -> str:
    """The canonical text of a .kpi source.

    Raises SchemeError if it does not parse, or (E120) if the layout would change the code a
    suppression comment reaches.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    file = parse_text(text, path)
    formatted = _format(file, _SourceLines(text))
    _check_suppressions(file, text, formatted, path)
    return formatted


def _check_suppressions(file: ast.File, text: str, formatted: str, path: str) -> None:
    """Refuse a layout in which a line suppression would reach other code than it did.

    The formatted tree has the same nodes in the same order, and the same comments, so
    each suppression's reach is compared node by node: a finding may start at any node.
    """
    suppressions = [i for i, comment in enumerate(file.comments) if is_line_suppression(comment)]
    if not suppressions:
        return
    after = parse_text(formatted, path)
    nodes_before, nodes_after = list(ast.walk(file.items)), list(ast.walk(after.items))
    lines_before, lines_after = text.split("\n"), formatted.split("\n")
    for i in suppressions:
        comment = file.comments[i]
        before = reach(comment, lines_before, nodes_before)
        moved = reach(after.comments[i], lines_after, nodes_after)
        if [before.covers(n.span.line, n.span.column) for n in nodes_before] != [
            moved.covers(n.span.line, n.span.column) for n in nodes_after
        ]:
            raise SchemeError(Diagnostic(
                "E120",
                f"formatting would change what this suppression comment silences: line {before.line} "
                f"would be split over several lines or joined with others",
                Location(path, comment.line, comment.column, comment.line, comment.column + len(comment.text)),
                help="write each statement on a line of its own, with the comment after (or just above) the "
                     "one it is for, then run fmt again; after a block's closing `}` it covers the whole block",
            ))


def format_file(file: ast.File) -> str:
    """The canonical text of a parsed file.

    Without the source text, blank lines and trailing comments are judged from the line
    numbers the tree keeps; `format_file_text` sees the text and judges them exactly.
    """
    return _format(file, _SourceLines(None))


class _SourceLines:
    """What the layout needs to know about the source lines that the tree does not keep."""

    def __init__(self, text: str | None):
        self.lines = text.split("\n") if text is not None else None
        self.blank = (
            [n for n, line in enumerate(self.lines, 1) if not line.strip(_WHITESPACE)]
            if self.lines is not None
            else None
        )

    def blank_between(self, after_line: int, before_line: int) -> bool:
        """Whether a blank line lies strictly between the two lines."""
        if self.blank is None:
            return before_line - after_line > 1
        i = bisect.bisect_right(self.blank, after_line)
        return i < len(self.blank) and self.blank[i] < before_line

    def code_before(self, comment: ast.Comment, code_end: Pos) -> bool:
        """Whether code precedes the comment on its line (making it a trailing comment)."""
        if self.lines is None:
            return comment.line == code_end[0]
        return bool(self.lines[comment.line - 1][: comment.column - 1].strip(_WHITESPACE))


@dataclass
class _Line:
    """One printed line of code, with the comments placed around it."""

    text: str
    start: Pos
    end: Pos
    depth: int
    role: str  # "stmt", "open" (a block's header) or "close" (its `}`)
    is_import: bool = False
    before: list[ast.Comment] = field(default_factory=list)
    trailing: ast.Comment | None = None


def _format(file: ast.File, source: _SourceLines) -> str:
    comment_positions = [(c.line, c.column) for c in file.comments]
    lines: list[_Line] = []
    for item in file.items:
        _flatten(statement(item), 0, lines, comment_positions)
    gaps = _place_comments(file.comments, lines, source)
    out: list[str] = []
    for g in range(len(lines) + 1):
        prev = lines[g - 1] if g > 0 else None
        nxt = lines[g] if g < len(lines) else None
        out.extend(_gap(gaps[g], prev, nxt, source))
        if nxt is not None:
            pad = INDENT * nxt.depth
            out.extend(pad + c.text for c in nxt.before)
            trailing = f"  {nxt.trailing.text}" if nxt.trailing else ""
            out.append(pad + nxt.text + trailing)
    return "".join(line + "\n" for line in out)


def _flatten(stmt: Stmt, depth: int, out: list[_Line], comments: list[Pos]) -> None:
    if stmt.body is None:
        out.append(_Line(stmt.text, stmt.start, stmt.end, depth, "stmt", stmt.is_import))
        return
    close_end = (stmt.close[0], stmt.close[1] + 1)
    if not stmt.body and not _any_between(comments, stmt.end, stmt.close):
        out.append(_Line(stmt.text + " {}", stmt.start, close_end, depth, "stmt"))
        return
    out.append(_Line(stmt.text + " {", stmt.start, stmt.end, depth, "open"))
    for child in stmt.body:
        _flatten(child, depth + 1, out, comments)
    out.append(_Line("}", stmt.close, close_end, depth, "close"))


def _any_between(positions: list[Pos], start: Pos, end: Pos) -> bool:
    i = bisect.bisect_right(positions, start)
    return i < len(positions) and positions[i] < end


def _place_comments(
    comments: list[ast.Comment], lines: list[_Line], source: _SourceLines
) -> list[list[ast.Comment]]:
    """Give each comment its place: inside a printed line (moved before it), or in a gap.

    Gap g lies before lines[g]; the last gap is the end of the file. A gap's first comment
    becomes the previous line's trailing comment when code precedes it on its own line.
    """
    starts = [line.start for line in lines]
    gaps: list[list[ast.Comment]] = [[] for _ in range(len(lines) + 1)]
    for comment in comments:
        pos = (comment.line, comment.column)
        g = bisect.bisect_right(starts, pos)
        if g > 0 and pos < lines[g - 1].end:
            lines[g - 1].before.append(comment)
        else:
            gaps[g].append(comment)
    for g in range(1, len(gaps)):
        prev = lines[g - 1]
        if gaps[g] and source.code_before(gaps[g][0], prev.end):
            prev.trailing = gaps[g].pop(0)
    return gaps


def _gap(
    comments: list[ast.Comment], prev: _Line | None, nxt: _Line | None, source: _SourceLines
) -> list[str]:
    """The own-line comments and blank lines printed between two lines of code."""
    if nxt is None:
        depth = 0
    else:
        depth = nxt.depth + 1 if nxt.role == "close" else nxt.depth
    last = prev.end[0] if prev is not None else 0
    if prev is not None and prev.trailing is not None:
        last = prev.trailing.line
    entries: list[ast.Comment | None] = []
    for comment in comments:
        if source.blank_between(last, comment.line):
            entries.append(_BLANK)
        entries.append(comment)
        last = comment.line
    if nxt is not None and source.blank_between(last, nxt.start[0]):
        entries.append(_BLANK)

    if prev is None or prev.role == "open":
        entries = _strip_leading_blanks(entries)
    if nxt is None or nxt.role == "close":
        entries = _strip_leading_blanks(entries[::-1])[::-1]
    if prev is not None and nxt is not None and nxt.depth == 0 and nxt.role != "close":
        if prev.is_import and nxt.is_import:
            entries = [e for e in entries if e is not _BLANK]
        elif _BLANK not in entries:
            entries.insert(0, _BLANK)
    return ["" if e is _BLANK else INDENT * depth + e.text for e in entries]


def _strip_leading_blanks(entries: list) -> list:
    while entries and entries[0] is _BLANK:
        entries = entries[1:]
    return entries
