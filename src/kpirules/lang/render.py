"""Render syntax-tree nodes as canonical .kpi text, for `kpirules fmt`.

Expressions become one string each. Statements become `Stmt`s: the one line a statement
is printed on, the source positions it was read from (so comments can be put back next
to it), and for a block its body and where its closing brace was. The layout around
them (indentation, blank lines, comments) is `kpirules.lang.fmt`'s job.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kpirules.lang import ast

#: A source position: 1-based line and column.
Pos = tuple[int, int]


@dataclass
class Stmt:
    """One statement as printed: its line, and for a block its body and closing brace.

    `end` is where the printed line's source ends: the end of a one-line statement, or
    the last token of a block's header whose position the tree knows (the id, the axis,
    the keyword). A label or `{` after it has no position of its own.
    """

    text: str
    start: Pos
    end: Pos
    body: list[Stmt] | None = None
    close: Pos | None = None
    is_import: bool = False


# ================================================================ expressions


def quote(text: str) -> str:
    """A text as a "..." literal: the “...” form and raw quotes are written with escapes."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'


def literal(node: ast.Literal_) -> str:
    if node.type == "string":
        return quote(node.value)
    # numbers keep the digits as written (50万, 1_000, 0.50); only the percent sign is normalised
    return node.text.replace("％", "%")


def bound(node: ast.Literal_ | ast.Infinity) -> str:
    if isinstance(node, ast.Infinity):
        return "-∞" if node.negative else "∞"
    return literal(node)


def interval(node: ast.Interval) -> str:
    low = "[" if node.low_closed else "("
    high = "]" if node.high_closed else ")"
    return f"{low}{bound(node.low)}, {bound(node.high)}{high}"


def expression(node, shown: Callable[[ast.Node], str | None] | None = None) -> str:
    """An expression on one line; parentheses exactly where the tree has `Paren` nodes.

    `shown`, when given, may write any node its own way (a name replaced by its value, for
    an explanation); where it returns None the node is written as here.
    """
    if shown is not None and (text := shown(node)) is not None:
        return text

    def part(inner) -> str:  # the parts, written the same way
        return expression(inner, shown)

    match node:
        case ast.Literal_():
            return literal(node)
        case ast.Ref():
            return node.dotted
        case ast.Ident():
            return node.name
        case ast.Paren():
            return f"({part(node.inner)})"
        case ast.Unary(op="-"):
            return f"-{part(node.operand)}"
        case ast.Unary():
            return f"not {part(node.operand)}"
        case ast.Binary():
            return f"{part(node.left)} {node.op} {part(node.right)}"
        case ast.Between():
            return (
                f"{part(node.value)} between {part(node.low)} and {part(node.high)}"
            )
        case ast.InList():
            options = ", ".join(part(o) for o in node.options)
            op = "not in" if node.negated else "in"
            return f"{part(node.value)} {op} [{options}]"
        case ast.Conditional():
            return (
                f"if {part(node.condition)} then {part(node.then)} "
                f"else {part(node.otherwise)}"
            )
        case ast.Call():
            inside = ", ".join(part(a) for a in node.args)
            if node.where is not None:
                inside += f" where {part(node.where)}"
            if node.on is not None:
                inside += f" on {node.on.name}"
            return f"{node.function}({inside})"
        case ast.LinearSegment():
            return f"linear {part(node.start)} to {part(node.end)}"
    raise TypeError(f"cannot format {type(node).__name__}")  # pragma: no cover - a new node kind


# ================================================================ statements


def _start(span: ast.Span) -> Pos:
    return (span.line, span.column)


def _end(span: ast.Span) -> Pos:
    return (span.end_line, span.end_column)


def _after_keyword(span: ast.Span, keyword: str) -> Pos:
    """The end of the keyword a node starts with (a keyword is one token, on one line)."""
    return (span.line, span.column + len(keyword))


def _line(node: ast.Node, text: str) -> Stmt:
    return Stmt(text, _start(node.span), _end(node.span))


def _labelled(words: str, label: str | None) -> str:
    return words if label is None else f"{words} {quote(label)}"


def _block(node: ast.Node, header: str, header_end: Pos, body: list, close_span=None) -> Stmt:
    close = close_span or node.span
    return Stmt(
        header,
        _start(node.span),
        header_end,
        body=[statement(child) for child in body],
        close=(close.end_line, close.end_column - 1),
    )


def _table(node: ast.Node, header: str, table: ast.GradeTable) -> Stmt:
    # the grade table's span starts at its `{`, so the whole header line is known
    brace_end = (table.span.line, table.span.column + 1)
    return _block(node, header, brace_end, table.rows, close_span=table.span)


def _curve(node: ast.Score) -> Stmt:
    curve = node.curve
    match curve:
        case ast.LinearCurve():
            text = "score linear"
            if curve.floor is not None:
                text += f" floor {expression(curve.floor)}"
            if curve.cap is not None:
                text += f" cap {expression(curve.cap)}"
            return _line(node, text)
        case ast.PassFailCurve():
            return _line(node, "score pass_fail")
    header = f"score {curve.node}"
    header_end = _after_keyword(curve.span, curve.node)
    if curve.axis is not None:
        header += f" by {curve.axis.name}"
        header_end = _end(curve.axis.span)
    return _block(node, header, header_end, curve.rows)


def _gate(node: ast.Gate) -> Stmt:
    effect = {"zero": "zero", "cap_factor": "cap factor", "multiply": "multiply"}[node.effect]
    text = f"gate {expression(node.condition)} else {effect}"
    if node.amount is not None:
        text += f" {expression(node.amount)}"
    if node.no_data is not None:
        text += f" no_data {node.no_data.name}"
    return _line(node, text)


def statement(node) -> Stmt:
    """A top-level item, statement or table row as a `Stmt`."""
    match node:
        case ast.Import():
            return Stmt(f"import {quote(node.path)}", _start(node.span), _end(node.span), is_import=True)
        case ast.SchemeDecl() | ast.DatasetDecl() | ast.RoleDecl():
            kind = node.kind if isinstance(node, ast.DatasetDecl) else node.node
            header = _labelled(f"{kind} {node.id.name}", node.label)
            return _block(node, header, _end(node.id.span), node.body)
        case ast.KpiDecl(override=True):
            return _block(node, f"override {node.id.name}", _end(node.id.span), node.body)
        case ast.KpiDecl():
            return _block(node, _labelled(f"kpi {node.id.name}", node.label), _end(node.id.span), node.body)
        case ast.GradesDecl():
            return _table(node, _labelled(f"grades {node.id.name}", node.label), node.table)
        case ast.GradesUse(table=None):
            return _line(node, f"grades {node.name.name}")
        case ast.GradesUse():
            return _table(node, "grades", node.table)
        case ast.PayoutDecl():
            return _block(node, "payout", _after_keyword(node.span, "payout"), node.body)
        case ast.Factor():
            return _block(node, f"factor by {node.axis.name}", _end(node.axis.span), node.rows)
        case ast.Commission():
            header = f"commission {node.kpi.name} {node.mode.name}"
            return _block(node, header, _end(node.mode.span), node.rows)
        case ast.Score():
            return _curve(node)
        case ast.Setting():
            return _line(node, f"{node.key} {expression(node.value)}")
        case ast.Objective():
            return _line(node, _labelled(f"objective {node.id.name}", node.label))
        case ast.Effective():
            return _line(node, f"effective {literal(node.start)} to {literal(node.end)}")
        case ast.Rounding():
            return _line(node, f"rounding {node.mode.name} {expression(node.step)}")
        case ast.NoData():
            return _line(node, f"no_data score {literal(node.score)}")
        case ast.Binding():
            return _line(node, f"{node.key} {node.column.name}")
        case ast.Column():
            words = " ".join([f"column {node.name.name} {node.type.name}", *node.constraints])
            return _line(node, _labelled(words, node.label))
        case ast.Kind():
            return _line(node, node.kind if node.rank is None else f"{node.kind} {node.rank}")
        case ast.Target():
            text = f"target {node.op} {expression(node.value)}"
            if node.when is not None:
                text += f" when {expression(node.when)}"
            return _line(node, text)
        case ast.Serves():
            return _line(node, "serves " + ", ".join(o.name for o in node.objectives))
        case ast.Gate():
            return _gate(node)
        case ast.TierRow():
            return _line(node, f"{interval(node.interval)}: {expression(node.value)}")
        case ast.LookupRow():
            return _line(node, f"{literal(node.key)}: {expression(node.value)}")
        case ast.GradeRow():
            # grade labels are always quoted, even when written as a bare name
            return _line(node, f"{interval(node.interval)}: {quote(node.grade)}")
    raise TypeError(f"cannot format {type(node).__name__}")  # pragma: no cover - a new node kind
