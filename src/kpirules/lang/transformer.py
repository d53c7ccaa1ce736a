"""Turn Lark's parse callbacks into syntax-tree nodes that keep their spans.

The transformer runs inside the LALR parser (no intermediate parse tree), one small
method per grammar rule. Spans are computed from the first and last child that has a
position, so every node covers exactly the text it was parsed from.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from lark import Token, Transformer

from kpirules.defaults import defaults
from kpirules.lang import ast
from kpirules.lang.syntax_errors import EXPONENT_HELP, EXPONENT_MESSAGE

_MAGNITUDES = {"万": Decimal(10_000), "亿": Decimal(100_000_000)}
#: how deep an expression may nest: checking, formatting, evaluating and exporting a scheme
#: walk expressions recursively, and Python stops a recursion about 1000 calls deep
MAX_DEPTH = defaults()["expressions"]["max_depth"]
#: a number written as this or more cannot be computed with exactly (E260, docs/semantics.md §8)
MAX_INTEGER_DIGITS = defaults()["numbers"]["max_integer_digits"]
TOO_LARGE = Decimal(10) ** MAX_INTEGER_DIGITS
_NUMERIC = {"number", "percent", "money", "duration"}


#: what a backslash and the character after it stand for inside "..." (docs/language.md §2.7)
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}


#: the `e3` of `1e3`, or the `e` of `1e-3`, right after a number (`syntax_errors` finds the others)
_EXPONENT = re.compile(r"[eE][0-9_]*")


class InvalidLiteral(ValueError):
    """A literal that lexes but has no value, such as the date 2026-02-30."""

    def __init__(self, token: Token, message: str, help: str):
        super().__init__(message)
        self.token = token
        self.help = help


class NestedTooDeeply(ValueError):
    """An expression nested more than MAX_DEPTH levels; `token` opens the level too many."""

    def __init__(self, token: Token):
        super().__init__(str(token))
        self.token = token


def number_value(text: str) -> Decimal:
    """The value of a number as written: `1_000`, `1.5`, `50万`, `1.2亿`."""
    magnitude = Decimal(1)
    if text[-1] in _MAGNITUDES:
        magnitude = _MAGNITUDES[text[-1]]
        text = text[:-1]
    return Decimal(text.replace("_", "")) * magnitude


def _underscores_between_digits(token: Token) -> None:
    """E110 for a number whose `_` is not between two digits (`1__000`, `1000_`, `1_.5`):
    `_` groups digits, as in `1_000_000`; anywhere else it is most likely a slip."""
    written = str(token)
    digits = re.search(r"[0-9][0-9_.]*", written)
    if digits is None or not re.search(r"__|_$|_\.|\._", digits.group()):
        return
    grouped = re.sub(r"_*\._*", ".", re.sub(r"_+", "_", digits.group())).rstrip("_").rstrip(".")
    fixed = written[:digits.start()] + grouped + written[digits.end():]
    raise InvalidLiteral(token, "a '_' in a number goes between two digits, as in 1_000_000",
                         f"write {fixed}")


def _bounds(item) -> tuple[int, int, int, int] | None:
    if isinstance(item, Token):
        return item.line, item.column, item.end_line, item.end_column
    span = getattr(item, "span", None)
    if span is not None:
        return span.line, span.column, span.end_line, span.end_column
    if isinstance(item, list):
        first = next((b for b in map(_bounds, item) if b), None)
        last = next((b for b in map(_bounds, reversed(item)) if b), None)
        if first and last:
            return first[0], first[1], last[2], last[3]
    return None


class _Bracketed(list):
    """The options of `in [...]` with the span of the whole bracketed list."""

    def __init__(self, items, span):
        super().__init__(items)
        self.span = span


class KpiTransformer(Transformer):
    """Builds `ast` nodes; the parser calls `begin` before each parse."""

    path: str = "<string>"
    #: levels of the expressions built so far in this parse, by id(node) (a name or literal is 0)
    depths: dict[int, int]

    def begin(self, path: str) -> None:
        """Start a parse of the file at `path`."""
        self.path = path
        self.depths = {}
        self.too_large: list[ast.Literal_] = []

    # ---------------------------------------------------------------- helpers

    def _span(self, children) -> ast.Span:
        first = last = None
        for child in children:
            b = _bounds(child)
            if b:
                first = first or b
                last = b
        if first is None:
            return ast.Span(path=self.path, line=1, column=1, end_line=1, end_column=1)
        return ast.Span(
            path=self.path, line=first[0], column=first[1], end_line=last[2], end_column=last[3]
        )

    def _ident(self, token: Token) -> ast.Ident:
        return ast.Ident(name=str(token), span=self._span([token]))

    @staticmethod
    def _string(token: Token) -> str:
        text = str(token)
        if text.startswith("“"):
            return text[1:-1]
        body = text[1:-1]
        if "\\" not in body:
            return body
        out, i = [], 0
        while i < len(body):
            ch = body[i]
            if ch == "\\" and i + 1 < len(body):
                nxt = body[i + 1]
                if nxt not in _ESCAPES:
                    raise InvalidLiteral(
                        token, f"unknown escape \\{nxt} in a quoted text",
                        'the escapes are \\" \\\\ \\n \\t; write \\\\ for a backslash',
                    )
                out.append(_ESCAPES[nxt])
                i += 2
            else:
                out.append(ch)
                i += 1
        return "".join(out)

    @staticmethod
    def _tokens(children, *types: str) -> list[Token]:
        return [c for c in children if isinstance(c, Token) and c.type in types]

    def _label(self, children) -> str | None:
        strings = self._tokens(children, "STRING")
        return self._string(strings[0]) if strings else None

    def _nodes(self, children) -> list:
        return [c for c in children if not isinstance(c, Token)]

    def _depth(self, child) -> int:
        if isinstance(child, list):
            return max((self._depth(c) for c in child), default=0)
        return self.depths.get(id(child), 0)

    def _nested(self, node, token: Token, *children):
        """`node`, one level deeper than its deepest child; NestedTooDeeply at `token` past MAX_DEPTH."""
        depth = 1 + max((self._depth(c) for c in children if c is not None), default=0)
        if depth > MAX_DEPTH:
            raise NestedTooDeeply(token)
        self.depths[id(node)] = depth
        return node

    # ---------------------------------------------------------------- file

    def start(self, children):
        return children

    def import_stmt(self, children):
        return ast.Import(path=self._string(children[1]), span=self._span(children))

    # ---------------------------------------------------------------- scheme

    def scheme_decl(self, children):
        return ast.SchemeDecl(
            id=self._ident(children[1]),
            label=self._label(children[:3]),
            body=self._nodes(children),
            span=self._span(children),
        )

    def _setting(self, children, value=None):
        key = children[0]
        if value is None:
            value = children[1]
            if isinstance(value, Token):
                value = (
                    self._string_literal(value)
                    if value.type == "STRING"
                    else self._ident(value)
                )
        return ast.Setting(
            key=str(key), value=value, key_span=self._span([key]), span=self._span(children)
        )

    period_stmt = fiscal_name_stmt = review_stmt = currency_stmt = _setting
    timezone_stmt = owner_stmt = description_stmt = _setting
    extends_stmt = applies_stmt = measure_stmt = weight_stmt = scope_stmt = _setting
    unit_stmt = target_incentive_stmt = cap_stmt = origin_stmt = _setting

    def fiscal_start_stmt(self, children):
        token = children[1]
        if token.type == "NUMBER":
            return self._setting(children, self.number([token]))
        return self._setting(children)

    def proration_stmt(self, children):
        return self._setting(children)

    def cap_factor_stmt(self, children):
        return ast.Setting(
            key="cap factor",
            value=children[2],
            key_span=self._span(children[:2]),
            span=self._span(children),
        )

    def effective_stmt(self, children):
        return ast.Effective(
            start=self.date([children[1]]), end=self.date([children[3]]), span=self._span(children)
        )

    def objective_stmt(self, children):
        return ast.Objective(
            id=self._ident(children[1]), label=self._label(children), span=self._span(children)
        )

    def rounding_stmt(self, children):
        return ast.Rounding(
            mode=self._ident(children[1]), step=children[2], span=self._span(children)
        )

    def no_data_stmt(self, children):
        return ast.NoData(score=children[2], span=self._span(children))

    # ---------------------------------------------------------------- datasets

    def dataset_decl(self, children):
        return ast.DatasetDecl(
            kind=str(children[0]),
            id=self._ident(children[1]),
            label=self._label(children[:3]),
            body=self._nodes(children),
            span=self._span(children),
        )

    def binding_stmt(self, children):
        return ast.Binding(
            key=str(children[0]), column=self._ident(children[1]), span=self._span(children)
        )

    def column_stmt(self, children):
        return ast.Column(
            name=self._ident(children[1]),
            type=self._ident(children[2]),
            constraints=[str(c) for c in self._tokens(children, "NON_NEGATIVE", "REQUIRED", "UNIQUE")],
            label=self._label(children),
            span=self._span(children),
        )

    # ---------------------------------------------------------------- grades

    def grades_decl(self, children):
        return ast.GradesDecl(
            id=self._ident(children[1]),
            label=self._label(children),
            table=children[-1],
            span=self._span(children),
        )

    def grade_table(self, children):
        return ast.GradeTable(rows=self._nodes(children), span=self._span(children))

    def grade_row(self, children):
        token = children[2]
        quoted = token.type == "STRING"
        return ast.GradeRow(
            interval=children[0],
            grade=self._string(token) if quoted else str(token),
            quoted=quoted,
            span=self._span(children),
        )

    # ---------------------------------------------------------------- roles

    def role_decl(self, children):
        return ast.RoleDecl(
            id=self._ident(children[1]),
            label=self._label(children[:3]),
            body=self._nodes(children),
            span=self._span(children),
        )

    def role_grades_stmt(self, children):
        target = children[1]
        if isinstance(target, Token):
            return ast.GradesUse(name=self._ident(target), span=self._span(children))
        return ast.GradesUse(table=target, span=self._span(children))

    def kpi_decl(self, children):
        return ast.KpiDecl(
            id=self._ident(children[1]),
            label=self._label(children[:3]),
            body=self._nodes(children),
            span=self._span(children),
        )

    def override_decl(self, children):
        return ast.KpiDecl(
            id=self._ident(children[1]),
            override=True,
            body=self._nodes(children),
            span=self._span(children),
        )

    def kind_stmt(self, children):
        return ast.Kind(
            kind=str(children[0]),
            rank=str(children[1]) if len(children) > 1 else None,
            span=self._span(children),
        )

    def target_stmt(self, children):
        when = children[4] if len(children) > 3 else None
        op = {"≥": ">=", "≤": "<="}.get(str(children[1]), str(children[1]))
        return ast.Target(op=op, value=children[2], when=when, span=self._span(children))

    def serves_stmt(self, children):
        names = self._tokens(children[1:], "NAME")
        return ast.Serves(objectives=[self._ident(n) for n in names], span=self._span(children))

    def score_stmt(self, children):
        return ast.Score(curve=children[1], span=self._span(children))

    def linear_curve(self, children):
        floor = cap = None
        for keyword, value in zip(children[1::2], children[2::2]):
            if keyword.type == "FLOOR":
                floor = value
            else:
                cap = value
        return ast.LinearCurve(floor=floor, cap=cap, span=self._span(children))

    def by_axis(self, children):
        return self._ident(children[1])

    def _axis_and_rows(self, children):
        axis = next((c for c in children if isinstance(c, ast.Ident)), None)
        rows = [c for c in children if isinstance(c, (ast.TierRow, ast.LookupRow))]
        return axis, rows

    def tiers_curve(self, children):
        axis, rows = self._axis_and_rows(children)
        return ast.TiersCurve(axis=axis, rows=rows, span=self._span(children))

    def lookup_curve(self, children):
        axis, rows = self._axis_and_rows(children)
        return ast.LookupCurve(axis=axis, rows=rows, span=self._span(children))

    def pass_fail_curve(self, children):
        return ast.PassFailCurve(span=self._span(children))

    def tier_row(self, children):
        return ast.TierRow(interval=children[0], value=children[2], span=self._span(children))

    def lookup_row(self, children):
        return ast.LookupRow(key=children[0], value=children[2], span=self._span(children))

    # ---------------------------------------------------------------- payout

    def payout_decl(self, children):
        return ast.PayoutDecl(body=self._nodes(children), span=self._span(children))

    def factor_stmt(self, children):
        axis = children[2 : children.index(next(c for c in children if getattr(c, "type", None) == "LBRACE"))]
        return ast.Factor(
            axis=ast.Ident(name="".join(map(str, axis)), span=self._span(axis)),
            rows=[c for c in children if isinstance(c, ast.TierRow)],
            span=self._span(children),
        )

    def factor_row(self, children):
        return self.tier_row(children)

    def linear_segment(self, children):
        return ast.LinearSegment(start=children[1], end=children[3], span=self._span(children))

    def gate_stmt(self, children):
        effect, amount, effect_children = children[3]
        no_data = self._ident(children[5]) if len(children) > 4 else None
        return ast.Gate(
            condition=children[1],
            effect=effect,
            amount=amount,
            no_data=no_data,
            span=self._span(children[:3] + effect_children + children[4:]),
        )

    def gate_zero(self, children):
        return ("zero", None, children)

    def gate_cap_factor(self, children):
        return ("cap_factor", children[2], children)

    def gate_multiply(self, children):
        return ("multiply", children[1], children)

    def commission_stmt(self, children):
        return ast.Commission(
            kpi=self._ident(children[1]),
            mode=self._ident(children[2]),
            rows=[c for c in children if isinstance(c, ast.TierRow)],
            span=self._span(children),
        )

    # ---------------------------------------------------------------- intervals

    def interval(self, children):
        return ast.Interval(
            low=self._bound(children[1]),
            high=self._bound(children[3]),
            low_closed=children[0].type == "LSQB",
            high_closed=children[4].type == "RSQB",
            span=self._span(children),
        )

    def _bound(self, item):
        if isinstance(item, Token):
            return ast.Infinity(span=self._span([item]))
        return item

    def neg_inf(self, children):
        return ast.Infinity(negative=True, span=self._span(children))

    def negative(self, children):
        literal: ast.Literal_ = children[1]
        return literal.model_copy(
            update={"value": -literal.value, "text": "-" + literal.text, "span": self._span(children)}
        )

    # ---------------------------------------------------------------- literals

    def _literal(self, type_, token, value, currency=None, span_items=None, text=None):
        if type_ in _NUMERIC and isinstance(token, Token):
            _underscores_between_digits(token)
        literal = ast.Literal_(
            type=type_,
            value=value,
            currency=currency,
            text=text or (str(token) if currency is None else f"{token} {currency}"),
            span=self._span(span_items or [token]),
        )
        written = value * 100 if type_ == "percent" else value  # a percentage's digits as written: 15 of 15%
        if type_ in _NUMERIC and abs(written) >= TOO_LARGE:
            self.too_large.append(literal)  # reported with the scheme's other problems (E260)
        return literal

    def number(self, children):
        token = children[0]
        return self._literal("number", token, number_value(str(token)))

    def negative_key(self, children):
        # a lookup key such as `-5%` or `-10`: one token (see the grammar)
        token = children[0]
        body = str(token)[1:].strip()
        if body[-1] in "%％":
            return self._literal("percent", token, -number_value(body[:-1]) / 100, text=f"-{body[:-1]}%")
        return self._literal("number", token, -number_value(body), text=f"-{body}")

    def percent(self, children):
        token = children[0]
        # `30％` from a Chinese input method means `30%`: keep the ASCII text
        return self._literal("percent", token, number_value(str(token)[:-1]) / 100, text=str(token)[:-1] + "%")

    def money_literal(self, children):
        amount, currency = children
        if currency.start_pos == amount.end_pos and _EXPONENT.fullmatch(str(currency)):
            # `1e3` lexes as the amount 1 in the currency `e3`: say what it is
            written = Token("NUMBER", f"{amount}{currency}", amount.start_pos, amount.line, amount.column,
                            currency.end_line, currency.end_column, currency.end_pos)
            raise InvalidLiteral(written, EXPONENT_MESSAGE, EXPONENT_HELP)
        return self._literal(
            "money", amount, number_value(str(amount)), str(currency), span_items=children
        )

    def duration(self, children):
        token = children[0]
        return self._literal("duration", token, Decimal(str(token)[:-1]))

    def date(self, children):
        token = children[0]
        try:
            value = dt.date.fromisoformat(str(token))
        except ValueError:
            raise InvalidLiteral(
                token, f"{token} is not a calendar date", "write a real date as YYYY-MM-DD"
            ) from None
        return self._literal("date", token, value)

    def string(self, children):
        token = children[0]
        return self._string_literal(token)

    def _string_literal(self, token):
        """A quoted text; `“...”` from a Chinese input method keeps the text `"..."`."""
        value = self._string(token)
        text = None
        if str(token).startswith("“"):
            text = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return self._literal("string", token, value, text=text)

    def boolean(self, children):
        token = children[0]
        return self._literal("boolean", token, str(token) == "true")

    # ---------------------------------------------------------------- expressions

    def ref(self, children):
        parts = [self._ident(t) for t in self._tokens(children, "NAME")]
        return ast.Ref(parts=parts, span=self._span(children))

    def paren(self, children):
        return self._nested(ast.Paren(inner=children[1], span=self._span(children)), children[0], children[1])

    def conditional(self, children):
        node = ast.Conditional(
            condition=children[1], then=children[3], otherwise=children[5], span=self._span(children)
        )
        return self._nested(node, children[0], children[1], children[3], children[5])

    def _binary(self, children, op=None):
        node = ast.Binary(
            op=op or _OPERATORS.get(str(children[1]), str(children[1])),
            left=children[0],
            right=children[2],
            span=self._span(children),
        )
        return self._nested(node, children[1], children[0], children[2])

    add = sub = mul = div = compare = or_op = and_op = _binary

    def neg(self, children):
        node = ast.Unary(op="-", operand=children[1], span=self._span(children))
        return self._nested(node, children[0], children[1])

    def not_op(self, children):
        node = ast.Unary(op="not", operand=children[1], span=self._span(children))
        return self._nested(node, children[0], children[1])

    def between(self, children):
        node = ast.Between(
            value=children[0], low=children[2], high=children[4], span=self._span(children)
        )
        return self._nested(node, children[1], children[0], children[2], children[4])

    def in_list(self, children):
        node = ast.InList(value=children[0], options=list(children[2]), span=self._span(children))
        return self._nested(node, children[1], children[0], children[2])

    def not_in_list(self, children):
        node = ast.InList(
            value=children[0], options=list(children[3]), negated=True, span=self._span(children)
        )
        return self._nested(node, children[1], children[0], children[3])

    def list_literal(self, children):
        # a list that remembers its brackets, so `x in [...]` spans up to the `]`
        return _Bracketed(self._nodes(children), self._span(children))

    def call(self, children):
        where = on = None
        args = []
        for child in children[1:]:
            if isinstance(child, tuple):
                if child[0] == "where":
                    where = child[1]
                else:
                    on = child[1]
            elif not isinstance(child, Token):
                args.append(child)
        node = ast.Call(
            function=str(children[0]), args=args, where=where, on=on, span=self._span(children)
        )
        return self._nested(node, children[0], args, where)

    def where_clause(self, children):
        return ("where", children[1])

    def on_clause(self, children):
        return ("on", self._ident(children[1]))


_OPERATORS = {"≥": ">=", "≤": "<=", "，": ","}

