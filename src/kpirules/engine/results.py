"""What an evaluation produces: per person and period, every number and where it came from.

Results are plain slotted dataclasses so that evaluating ten thousand people costs little;
the words of the trace (`score_rule`, aggregate traces, payout steps) are produced only
when asked for (`kpirules explain`, JSON output) by re-running the same rules with
tracing on. `kpirules.report.run_output` turns results into JSON, CSV and tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from kpirules.lang.ast import Span

#: the note of a person whose main KPIs all have periods that have not closed (semantics.md §5)
NOTHING_CLOSES = "no main KPI's period closes in this run, so none is scored: the total score is 0"
#: the main KPIs that close have no weight, and those with weight are in progress: nothing to scale
NO_WEIGHT_CLOSES = ("the main KPIs whose period closes in this run have weight 0, and the others are not "
                    "scored in this run: the total score is 0")


@dataclass(slots=True)
class AggregateTrace:
    """One aggregate of a measure: which rows it read and what it found."""

    dataset: str
    function: str
    argument: Span | None
    where: Span | None
    date_column: str
    window_start: dt.date
    window_end: dt.date  # exclusive
    scope: str
    rows_matched: int | None  # None when the run did not count rows (trace_rows off)
    value: Decimal | None


@dataclass(slots=True)
class TargetProration:
    """The days behind a prorated target: the target x active_days / period_days of the KPI's period."""

    active_days: int
    period_days: int


@dataclass(slots=True)
class KpiResult:
    id: str
    label: str | None
    kind: str | None
    rank: str
    status: str  # ok, no_data, in_progress
    period: str  # the KPI's own period label (a quarter for a quarterly KPI)
    value: Decimal | None
    value_type: str
    direction: str
    target: Decimal | None
    target_source: str  # constant, when, per_person, none
    target_span: Span | None
    target_before_proration: Decimal | None
    attainment: Decimal | None
    score: Decimal | None
    floor_hit: bool
    cap_hit: bool
    weight: Decimal | None
    contribution: Decimal | None
    span: Span
    _aggregates: Callable[[], list[AggregateTrace]] = field(repr=False, default=lambda: [])
    _rule: Callable[[], str] = field(repr=False, default=lambda: "")
    _proration: Callable[[], TargetProration | None] = field(repr=False, default=lambda: None)
    _worked: Callable[[str], str | None] = field(repr=False, default=lambda missing: None)
    _exact: Callable[[], Decimal | None] = field(repr=False, default=lambda: None)

    @property
    def target_proration(self) -> TargetProration | None:
        """The days the target was prorated by (None when proration did not change it)."""
        return self._proration()

    @property
    def aggregates(self) -> list[AggregateTrace]:
        return self._aggregates()

    def exact_value(self) -> Decimal | None:
        """The measure's value before it was kept to 6 places (None: stated, not measured, or
        no value), worked out when read: explain says when the two differ."""
        return self._exact()

    def worked(self, missing: str = "no value") -> str | None:
        """The measure's arithmetic with the aggregates' results put in (`2 / 24`), `missing`
        standing for an aggregate without a value; None when the value is one aggregate, a
        constant, or stated rather than measured."""
        return self._worked(missing)

    @property
    def score_rule(self) -> str:
        return self._rule()


@dataclass(slots=True, frozen=True)
class RowPlace:
    """A row of a dataset as people find it in its source (`data/adjustments.csv row 3 (line 4)`),
    or the dataset alone when its rows cannot be numbered (a view, a query)."""

    dataset: str
    source: str | None = None
    row: str | None = None  # `row 3 (line 4)`, as kpirules.sources.loaded.DatasetLoad.where writes it

    def __str__(self) -> str:
        return f"{self.source or self.dataset} {self.row}" if self.row else self.dataset


@dataclass(slots=True)
class PayoutStep:
    step: str  # target_incentive, factor, cap_factor, gate, incentive, commission, cap, adjustment, total
    description: str
    value: Decimal | None = None
    #: the .kpi place of the rule; for an adjustment, the row of the adjustments dataset
    span: Span | RowPlace | None = None


@dataclass(slots=True)
class Adjustment:
    amount: Decimal
    reason: str
    approver: str | None = None
    #: where the adjustment is written (its row), for the payout step that adds it
    _place: RowPlace | None = field(default=None, repr=False)


@dataclass(slots=True)
class PayoutResult:
    currency: str
    target_incentive: Decimal | None
    factor: Decimal
    incentive: Decimal
    commissions: dict[str, Decimal]
    adjustments: list[Adjustment]
    capped: bool
    zeroed_by_gate: bool
    total: Decimal
    _steps: Callable[[], list[PayoutStep]] = field(repr=False, default=lambda: [])

    @property
    def steps(self) -> list[PayoutStep]:
        return self._steps()


@dataclass(slots=True)
class PersonResult:
    person_id: str
    name: str | None
    role: str
    role_label: str | None
    team: str | None
    manager: str | None
    period: str
    active_days: int
    period_days: int
    proration: Decimal  # the share applied: active days / period days to 6 places, 1 with proration off
    kpis: list[KpiResult]
    total_score: Decimal
    grade: str | None
    payout: PayoutResult | None
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class RunResult:
    """The results of one run, and what it read."""

    scheme: str
    periods: list[str]
    period_reason: str
    currency: str
    people: list[PersonResult]
    unmatched_people: list[str] = field(default_factory=list)
    inactive_people: int = 0
    warnings: list[str] = field(default_factory=list)
