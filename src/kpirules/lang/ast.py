"""The syntax tree of a .kpi file: pydantic models that keep their source spans.

The tree mirrors what was written, statement by statement and in order, so that
`kpirules fmt` can print it back and diagnostics can point at any part of it. Meaning
(defaults, inheritance, names resolved across files) is the model layer's job.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from collections.abc import Iterator
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, InstanceOf

from kpirules.errors import Location


@dataclass(frozen=True, slots=True)
class Span:
    """Where a node was written: path, 1-based line and column, end exclusive."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int

    def location(self) -> Location:
        return Location(self.path, self.line, self.column, self.end_line, self.end_column)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


class Node(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    span: InstanceOf[Span]


class Ident(Node):
    """A name as written: a KPI id, a column, a keyword argument such as `month`."""

    node: Literal["ident"] = "ident"
    name: str


# ============================================================== expressions


class Literal_(Node):
    """A constant: number, percentage (stored as a fraction), money, duration, date, text, boolean."""

    node: Literal["literal"] = "literal"
    type: Literal["number", "percent", "money", "duration", "date", "string", "boolean"]
    value: Decimal | dt.date | str | bool
    currency: str | None = None
    text: str


class Infinity(Node):
    node: Literal["infinity"] = "infinity"
    negative: bool = False


class Ref(Node):
    """A dotted name: `person.level`, `payments.amount`, `collection_rate.attainment`, `total_score`."""

    node: Literal["ref"] = "ref"
    parts: list[Ident]

    @property
    def dotted(self) -> str:
        return ".".join(p.name for p in self.parts)


class Unary(Node):
    node: Literal["unary"] = "unary"
    op: Literal["-", "not"]
    operand: Expr


class Binary(Node):
    node: Literal["binary"] = "binary"
    op: Literal["+", "-", "*", "/", "==", "!=", ">=", "<=", ">", "<", "and", "or"]
    left: Expr
    right: Expr


class Between(Node):
    node: Literal["between"] = "between"
    value: Expr
    low: Expr
    high: Expr


class InList(Node):
    node: Literal["in"] = "in"
    value: Expr
    options: list[Expr]
    negated: bool = False


class Conditional(Node):
    node: Literal["if"] = "if"
    condition: Expr
    then: Expr
    otherwise: Expr


class Call(Node):
    """A function or aggregate: `count(leads where status == "won" on won_at)`, `min(a, b)`."""

    node: Literal["call"] = "call"
    function: str
    args: list[Expr]
    where: Expr | None = None
    on: Ident | None = None


class Paren(Node):
    node: Literal["paren"] = "paren"
    inner: Expr


Expr = Annotated[
    Union[Literal_, Ref, Unary, Binary, Between, InList, Conditional, Call, Paren],
    Field(discriminator="node"),
]

Bound = Annotated[Union[Literal_, Infinity], Field(discriminator="node")]

# ============================================================== tables


class Interval(Node):
    """A range such as `[60, 100)`: square bracket includes the bound, round excludes it."""

    node: Literal["interval"] = "interval"
    low: Bound
    high: Bound
    low_closed: bool
    high_closed: bool


class LinearSegment(Node):
    """`linear 0.6 to 1.0`: interpolate from the first value at the low bound to the second at the high."""

    node: Literal["linear_segment"] = "linear_segment"
    start: Expr
    end: Expr


class TierRow(Node):
    node: Literal["tier_row"] = "tier_row"
    interval: Interval
    value: Annotated[
        Union[Literal_, Ref, Unary, Binary, Between, InList, Conditional, Call, Paren, LinearSegment],
        Field(discriminator="node"),
    ]


class LookupRow(Node):
    node: Literal["lookup_row"] = "lookup_row"
    key: Literal_
    value: Expr


class GradeRow(Node):
    node: Literal["grade_row"] = "grade_row"
    interval: Interval
    grade: str
    quoted: bool = True


# ============================================================== statements


class Setting(Node):
    """A keyword and one value: `period month`, `weight 30%`, `measure count(calls)`, `owner "..."`."""

    node: Literal["setting"] = "setting"
    key: str
    value: Expr | Ident
    key_span: InstanceOf[Span]


class Objective(Node):
    node: Literal["objective"] = "objective"
    id: Ident
    label: str | None = None


class Effective(Node):
    node: Literal["effective"] = "effective"
    start: Literal_
    end: Literal_


class Rounding(Node):
    node: Literal["rounding"] = "rounding"
    mode: Ident
    step: Expr


class NoData(Node):
    """`no_data score 0`: the score a KPI without a value gets."""

    node: Literal["no_data"] = "no_data"
    score: Literal_


class Binding(Node):
    """A dataset's column for a role it plays: `person agent_id`, `date called_at`, `key call_id`."""

    node: Literal["binding"] = "binding"
    key: str
    column: Ident


class Column(Node):
    node: Literal["column"] = "column"
    name: Ident
    type: Ident
    constraints: list[str] = []
    label: str | None = None


class Kind(Node):
    """`process main`, `outcome auxiliary`: what a KPI tracks and whether it is weighted."""

    node: Literal["kind"] = "kind"
    kind: Literal["process", "outcome"]
    rank: Literal["main", "auxiliary"] | None = None


class Target(Node):
    node: Literal["target"] = "target"
    op: Literal[">=", "<="]
    value: Expr
    when: Expr | None = None


class Serves(Node):
    node: Literal["serves"] = "serves"
    objectives: list[Ident]


class LinearCurve(Node):
    node: Literal["linear"] = "linear"
    floor: Expr | None = None
    cap: Expr | None = None


class TiersCurve(Node):
    node: Literal["tiers"] = "tiers"
    axis: Ident | None = None
    rows: list[TierRow]


class LookupCurve(Node):
    node: Literal["lookup"] = "lookup"
    axis: Ident | None = None
    rows: list[LookupRow]


class PassFailCurve(Node):
    node: Literal["pass_fail"] = "pass_fail"


Curve = Annotated[
    Union[LinearCurve, TiersCurve, LookupCurve, PassFailCurve], Field(discriminator="node")
]


class Score(Node):
    node: Literal["score"] = "score"
    curve: Curve


class Factor(Node):
    """`factor by total_score { ... }`: the payout factor as a function of the total score."""

    node: Literal["factor"] = "factor"
    axis: Ident
    rows: list[TierRow]


class Gate(Node):
    """`gate <condition> else <effect>`: what happens to the payout when the condition fails."""

    node: Literal["gate"] = "gate"
    condition: Expr
    effect: Literal["zero", "cap_factor", "multiply"]
    amount: Expr | None = None
    no_data: Ident | None = None


class Commission(Node):
    node: Literal["commission"] = "commission"
    kpi: Ident
    mode: Ident
    rows: list[TierRow]


class GradeTable(Node):
    node: Literal["grade_table"] = "grade_table"
    rows: list[GradeRow]


class GradesUse(Node):
    """`grades standard` (a named table) or `grades { ... }` inside a role."""

    node: Literal["grades_use"] = "grades_use"
    name: Ident | None = None
    table: GradeTable | None = None


class KpiDecl(Node):
    node: Literal["kpi"] = "kpi"
    id: Ident
    label: str | None = None
    override: bool = False
    body: list[KpiStmt]


class PayoutDecl(Node):
    node: Literal["payout"] = "payout"
    body: list[PayoutStmt]


KpiStmt = Annotated[
    Union[Setting, Kind, Target, Serves, Score, NoData], Field(discriminator="node")
]
PayoutStmt = Annotated[
    Union[Setting, Factor, Gate, Commission, Rounding], Field(discriminator="node")
]
RoleStmt = Annotated[
    Union[Setting, KpiDecl, GradesUse, PayoutDecl, NoData], Field(discriminator="node")
]
SchemeStmt = Annotated[
    Union[Setting, Objective, Effective, Rounding, NoData], Field(discriminator="node")
]
DatasetStmt = Annotated[Union[Setting, Binding, Column], Field(discriminator="node")]


class Import(Node):
    node: Literal["import"] = "import"
    path: str


class SchemeDecl(Node):
    node: Literal["scheme"] = "scheme"
    id: Ident
    label: str | None = None
    body: list[SchemeStmt]


class DatasetDecl(Node):
    node: Literal["dataset"] = "dataset"
    kind: Literal["dataset", "roster", "targets", "adjustments"]
    id: Ident
    label: str | None = None
    body: list[DatasetStmt]


class GradesDecl(Node):
    node: Literal["grades"] = "grades"
    id: Ident
    label: str | None = None
    table: GradeTable


class RoleDecl(Node):
    node: Literal["role"] = "role"
    id: Ident
    label: str | None = None
    body: list[RoleStmt]


Item = Annotated[
    Union[Import, SchemeDecl, DatasetDecl, GradesDecl, RoleDecl], Field(discriminator="node")
]


class Comment(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    line: int
    column: int
    text: str


class File(BaseModel):
    """One parsed .kpi file: its declarations in order, and its comments (for fmt and lint)."""

    path: str
    items: list[Item]
    comments: list[Comment] = []
    #: number literals too large to compute with (transformer.TOO_LARGE), for E260
    too_large: list[Literal_] = []


def walk(node: Any) -> Iterator[Node]:
    """Every node under node (itself included; node may be a list of them), depth first."""
    if node is None:
        return
    if isinstance(node, list):
        for item in node:
            yield from walk(item)
        return
    if not isinstance(node, Node):
        return
    yield node
    for name in type(node).model_fields:
        if name == "span":
            continue
        value = getattr(node, name)
        if isinstance(value, (Node, list)):
            yield from walk(value)


for _model in list(globals().values()):  # resolve forward references; validators build lazily
    if isinstance(_model, type) and issubclass(_model, BaseModel) and _model is not BaseModel:
        _model.model_rebuild()
