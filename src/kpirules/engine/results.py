"""What an evaluation produces: per person and period, every number and where it came from.

These models are both the output of `kpirules run` and the trace `kpirules explain`
prints: each step keeps the source span of the .kpi line it applied. Decimals serialise
to JSON as strings, so no amount passes through binary floating point.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, InstanceOf

from kpirules.lang.ast import Span


class Result(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AggregateTrace(Result):
    """One aggregate of a measure: which rows it read and what it found."""

    dataset: str
    function: str
    argument: InstanceOf[Span] | None = None
    where: InstanceOf[Span] | None = None
    date_column: str
    window_start: dt.date
    window_end: dt.date  # exclusive
    scope: str
    rows_matched: int
    value: Decimal | None


class KpiResult(Result):
    id: str
    label: str | None
    kind: str | None
    rank: str
    status: Literal["ok", "no_data", "in_progress"]
    period: str  # the KPI's own period label (a quarter for a quarterly KPI)
    value: Decimal | None
    value_type: str
    direction: str
    target: Decimal | None
    target_source: str  # constant, when, per_person, none
    target_span: InstanceOf[Span] | None = None
    target_before_proration: Decimal | None = None
    attainment: Decimal | None
    score: Decimal | None
    score_rule: str
    floor_hit: bool = False
    cap_hit: bool = False
    weight: Decimal | None
    contribution: Decimal | None
    aggregates: list[AggregateTrace] = []
    span: InstanceOf[Span]


class PayoutStep(Result):
    step: str  # target_incentive, factor, cap_factor, gate, incentive, commission, cap, adjustment, total
    description: str
    value: Decimal | None = None
    span: InstanceOf[Span] | None = None


class Adjustment(Result):
    amount: Decimal
    reason: str
    approver: str | None = None


class PayoutResult(Result):
    currency: str
    target_incentive: Decimal | None
    factor: Decimal | None
    incentive: Decimal
    commissions: dict[str, Decimal] = {}
    adjustments: list[Adjustment] = []
    capped: bool = False
    zeroed_by_gate: bool = False
    total: Decimal
    steps: list[PayoutStep] = []


class PersonResult(Result):
    person_id: str
    name: str | None
    role: str
    role_label: str | None
    team: str | None
    manager: str | None
    period: str
    active_days: int
    period_days: int
    proration: Decimal  # share of the period the person was active
    kpis: list[KpiResult]
    total_score: Decimal
    grade: str | None
    payout: PayoutResult | None
    notes: list[str] = []


class RunResult(Result):
    """The results of one run, and what it read."""

    scheme: str
    periods: list[str]
    period_reason: str
    currency: str
    people: list[PersonResult]
    unmatched_people: list[str] = []  # roster people active in the period whose role matches no scheme role
    inactive_people: int = 0
    warnings: list[str] = []
