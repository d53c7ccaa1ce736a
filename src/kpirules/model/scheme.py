"""The resolved scheme: what a set of .kpi files means, as pydantic models.

Imports are followed, roles are merged with the roles they extend, defaults are filled
in from `kpirules/defaults.toml`, and every name is checked. Expressions stay syntax
trees (`kpirules.lang.ast`), now known to be well-typed. Every object keeps the span it
was declared at, so later stages (engine, lint, explain) can point back at the source.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, InstanceOf

from kpirules.lang import ast
from kpirules.lang.ast import Span

PeriodUnit = Literal["month", "quarter", "half", "year"]
ColumnType = Literal["string", "integer", "decimal", "money", "date", "timestamp", "boolean"]


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Objective(Model):
    id: str
    label: str | None = None
    span: InstanceOf[Span]


class Rounding(Model):
    """How money is rounded: a mode (half_up, half_even, down, ...) and a step (0.01, 1, 100)."""

    mode: str
    step: Decimal


class Header(Model):
    """The scheme header: what every role shares."""

    id: str
    label: str | None = None
    description: str | None = None
    owner: str | None = None
    period: PeriodUnit | None = None
    fiscal_year_start: int = 1
    fiscal_year_named_by: Literal["start", "end"] = "end"
    review: str | None = None
    currency: str
    timezone: str = "UTC"
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None
    objectives: list[Objective] = []
    rounding: Rounding
    no_data_score: Decimal = Decimal(0)
    #: where no_data_score comes from: the header's `no_data score`, or the built-in default
    no_data_from: Literal["scheme", "default"] = "default"
    span: InstanceOf[Span]


class ColumnSpec(Model):
    name: str
    type: ColumnType
    non_negative: bool = False
    required: bool = False
    unique: bool = False
    label: str | None = None
    span: InstanceOf[Span]


class Dataset(Model):
    """A logical table the scheme reads; where it comes from is project configuration."""

    id: str
    kind: Literal["dataset", "roster", "targets", "adjustments"]
    label: str | None = None
    description: str | None = None
    origin: Literal["system", "manual"] = "system"
    #: column name for each role a column plays: person, key, date, period, id, name, ...
    bindings: dict[str, str] = {}
    columns: dict[str, ColumnSpec]
    span: InstanceOf[Span]

    @property
    def person_column(self) -> str | None:
        return self.bindings.get("id" if self.kind == "roster" else "person")

    @property
    def date_column(self) -> str | None:
        return self.bindings.get("date")


class Band(Model):
    """One row of a table keyed by a range: `[60, 100): ...`."""

    low: Decimal | None  # None is -infinity
    high: Decimal | None  # None is +infinity
    low_closed: bool
    high_closed: bool
    span: InstanceOf[Span]

    def contains(self, x: Decimal) -> bool:
        above = self.low is None or (x >= self.low if self.low_closed else x > self.low)
        below = self.high is None or (x <= self.high if self.high_closed else x < self.high)
        return above and below


class GradeBand(Band):
    grade: str


class Grades(Model):
    id: str | None = None
    label: str | None = None
    bands: list[GradeBand]
    span: InstanceOf[Span]


class Tier(Band):
    """A scoring, factor or commission tier: its value is an expression or a linear segment."""

    value: ast.Expr | None = None
    linear_from: ast.Expr | None = None
    linear_to: ast.Expr | None = None


class LookupPoint(Model):
    key: Decimal
    value: ast.Expr
    span: InstanceOf[Span]


class Curve(Model):
    """How attainment (or the value) becomes a score."""

    kind: Literal["linear", "tiers", "lookup", "pass_fail"]
    axis: Literal["attainment", "value"] = "attainment"
    floor: Decimal | None = None
    cap: Decimal | None = None
    tiers: list[Tier] = []
    points: list[LookupPoint] = []
    span: InstanceOf[Span] | None = None


class TargetRule(Model):
    """One `target` line: the value, and the person condition under which it applies."""

    value: ast.Expr
    when: ast.Expr | None = None
    #: the targets dataset this rule reads per person, if any
    per_person: str | None = None
    span: InstanceOf[Span]


class Kpi(Model):
    id: str
    label: str | None = None
    description: str | None = None
    kind: Literal["process", "outcome"] | None = None
    rank: Literal["main", "auxiliary"] = "main"
    measure: ast.Expr | None = None
    #: ">=" when higher is better, "<=" when lower is better
    direction: Literal[">=", "<="] = ">="
    targets: list[TargetRule] = []
    weight: Decimal | None = None
    #: where the weight is written: the KPI's own `weight` line, or its parent role's when an
    #: `override` (or `extends`) keeps the inherited weight
    weight_span: InstanceOf[Span] | None = None
    serves: list[str] = []
    period: PeriodUnit | None = None
    curve: Curve
    scope: Literal["self", "team", "team_and_self"] = "self"
    no_data_score: Decimal
    #: where no_data_score was set: the KPI, its role, the scheme header, or the default
    no_data_from: Literal["kpi", "role", "scheme", "default"] = "default"
    unit: str | None = None
    #: the value's type: number, percent, money, duration
    value_type: str = "number"
    #: the datasets the measure reads
    datasets: list[str] = []
    #: the role that declared the KPI, when inherited through `extends`
    inherited_from: str | None = None
    span: InstanceOf[Span]


class Gate(Model):
    condition: ast.Expr
    effect: Literal["zero", "cap_factor", "multiply"]
    amount: Decimal | None = None
    no_data: Literal["pass", "fail"] = "fail"
    kpis: list[str] = []
    span: InstanceOf[Span]


class Commission(Model):
    kpi: str
    mode: Literal["marginal", "retroactive"]
    tiers: list[Tier]
    span: InstanceOf[Span]


class Payout(Model):
    target_incentive: ast.Expr | None = None
    factor_tiers: list[Tier] = []
    factor_span: InstanceOf[Span] | None = None
    cap_factor: Decimal | None = None
    cap: Decimal | None = None
    cap_factor_span: InstanceOf[Span] | None = None
    cap_span: InstanceOf[Span] | None = None
    gates: list[Gate] = []
    commissions: list[Commission] = []
    proration: bool = True
    rounding: Rounding
    span: InstanceOf[Span]


class Role(Model):
    id: str
    label: str | None = None
    description: str | None = None
    extends: str | None = None
    applies_to: ast.Expr | None = None
    kpis: list[Kpi]
    grades: Grades | None = None
    payout: Payout | None = None
    span: InstanceOf[Span]

    def kpi(self, kpi_id: str) -> Kpi | None:
        return next((k for k in self.kpis if k.id == kpi_id), None)

    @property
    def main_kpis(self) -> list[Kpi]:
        return [k for k in self.kpis if k.rank == "main"]


class Scheme(Model):
    """Everything a set of .kpi files declares, resolved and checked."""

    header: Header
    datasets: dict[str, Dataset]
    grades: dict[str, Grades] = {}
    roles: dict[str, Role]
    #: every file read, in the order read
    files: list[str]

    @property
    def roster(self) -> Dataset | None:
        return next((d for d in self.datasets.values() if d.kind == "roster"), None)

    def person_attributes(self) -> dict[str, str]:
        """The attributes `person.X` can name, with their types."""
        return person_attributes(self.roster)


def person_attributes(roster: Dataset | None) -> dict[str, str]:
    """A roster's columns, plus tenure_months and tenure_days when it knows hire dates."""
    if roster is None:
        return {}
    attrs = {name: col.type for name, col in roster.columns.items()}
    if "hire_date" in roster.bindings:
        attrs.setdefault("tenure_months", "integer")
        attrs.setdefault("tenure_days", "integer")
    return attrs
