"""What a scheme change does to people's results: both schemes evaluated on the same data.

Each scheme loads the configured data on its own connection (once, when both declare
the same datasets), exactly as `kpirules run` would, and is evaluated for the same
periods. People are matched by period and person id; a person evaluated on one side
only (a role added, removed or matching other people) counts as paid nothing on the
other. Schemes assessing different periods (month and quarter) are matched in the
periods asked, each side's payouts in them summed. Payout differences are exact: the
totals are the schemes' rounded payouts.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from kpirules.config import ProjectConfig
from kpirules.diff.revisions import Side
from kpirules.engine.data_dates import check_covered, default_period, latest_fact_date
from kpirules.engine.evaluate import evaluate
from kpirules.engine.numbers import CONTEXT
from kpirules.engine.periods import UNIT_MONTHS, Calendar, Period
from kpirules.engine.results import PersonResult, RunResult
from kpirules.errors import ConfigError, Diagnostic, KpiError
from kpirules.model.scheme import Scheme
from kpirules.sources.load import load_datasets
from kpirules.sources.loaded import LoadReport

ZERO = Decimal(0)


@dataclass
class PersonImpact:
    """One person in one period: score, grade and payout before and after."""

    period: str
    person_id: str
    name: str | None
    role_old: str | None
    role_new: str | None
    score_old: Decimal | None
    score_new: Decimal | None
    grade_old: str | None
    grade_new: str | None
    payout_old: Decimal | None
    payout_new: Decimal | None
    #: how many of each side's periods the row holds: 1, 0 when not evaluated on that side,
    #: several when the schemes assess different periods and the side's payouts are summed
    periods_old: int
    periods_new: int

    @property
    def status(self) -> str:
        """both, only_old (evaluated before only) or only_new."""
        if self.role_new is None:
            return "only_old"
        return "only_new" if self.role_old is None else "both"

    @property
    def role(self) -> str:
        return self.role_new or self.role_old or ""

    @property
    def score_delta(self) -> Decimal | None:
        if self.score_old is None or self.score_new is None:
            return None
        return self.score_new - self.score_old

    @property
    def payout_delta(self) -> Decimal:
        """New minus old, nothing paid counting as 0 (with the places of the amount paid)."""
        return _or_zero(self.payout_new) - _or_zero(self.payout_old)

    @property
    def compared(self) -> bool:
        """Assessed once on each side, so the total scores and grades can be compared."""
        return self.periods_old == 1 and self.periods_new == 1

    @property
    def changed(self) -> bool:
        if self.status != "both" or self.payout_old != self.payout_new:
            return True
        return self.compared and (self.score_old != self.score_new or self.grade_old != self.grade_new)


@dataclass
class Impact:
    periods: list[str]
    period_reason: str
    currency: str
    env: str
    people: list[PersonImpact]
    #: the decimal places of each side's money (its finest payout rounding step)
    places_old: int
    places_new: int
    warnings: list[str] = field(default_factory=list)

    @property
    def cost_old(self) -> Decimal:
        return _to_places(sum((_or_zero(p.payout_old) for p in self.people), ZERO), self.places_old)

    @property
    def cost_new(self) -> Decimal:
        return _to_places(sum((_or_zero(p.payout_new) for p in self.people), ZERO), self.places_new)

    @property
    def gainers(self) -> list[PersonImpact]:
        return [p for p in self.people if p.payout_delta > 0]

    @property
    def losers(self) -> list[PersonImpact]:
        return [p for p in self.people if p.payout_delta < 0]

    @property
    def changed(self) -> list[PersonImpact]:
        return [p for p in self.people if p.changed]

    def summary(self) -> dict:
        """Counts and sums: who gains and loses, by how much, and the payout cost."""
        places = max(self.places_old, self.places_new)  # a change between the sides: the finer step's
        gains = [_to_places(p.payout_delta, places) for p in self.gainers]
        losses = [_to_places(p.payout_delta, places) for p in self.losers]
        return {
            "people": len(self.people),
            "evaluated_before": sum(1 for p in self.people if p.status != "only_new"),
            "evaluated_after": sum(1 for p in self.people if p.status != "only_old"),
            "only_before": sum(1 for p in self.people if p.status == "only_old"),
            "only_after": sum(1 for p in self.people if p.status == "only_new"),
            "changed": len(self.changed),
            "gain": len(gains), "lose": len(losses),
            # evaluated on both sides: someone dropped or added with nothing to pay keeps nothing
            "unchanged_payout": sum(1 for p in self.people if p.status == "both" and p.payout_delta == 0),
            "grade_changes": sum(1 for p in self.people if p.compared and p.grade_old != p.grade_new),
            "score_changes": sum(1 for p in self.people if p.score_delta not in (None, ZERO)),
            "gain_total": _to_places(sum(gains, ZERO), places), "loss_total": _to_places(sum(losses, ZERO), places),
            "largest_gain": max(gains, default=None), "largest_loss": min(losses, default=None),
            "cost_old": self.cost_old, "cost_new": self.cost_new,
            "cost_delta": _to_places(self.cost_new - self.cost_old, places),
        }


def _or_zero(amount: Decimal | None) -> Decimal:
    return ZERO if amount is None else amount


def _to_places(amount: Decimal, places: int) -> Decimal:
    """The amount written with at least `places` decimals: a sum of none is 0.00, not 0."""
    places = max(places, -amount.as_tuple().exponent)
    return amount.quantize(Decimal(1).scaleb(-places), context=CONTEXT)


def compute_impact(old: Scheme, new: Scheme, config: ProjectConfig, env: str | None,
                   period_labels: list[str], sides: tuple[Side, Side], bad_rows: str = "stop",
                   rejects: Path | None = None) -> Impact:
    """Evaluate both schemes on the configured data for the periods asked (default: as `run`).

    Errors name the side they belong to, as the rulesets' errors do: `in OLD (HEAD~1)`.
    `bad_rows` and `rejects` load the data as `run --on-bad-rows --rejects` does; the
    rejects written are those of NEW's load.
    """
    before, after = _Evaluated(old, sides[0], "OLD"), _Evaluated(new, sides[1], "NEW")
    for label in period_labels:  # a mistyped period is reported before any data is read
        for side in (before, after):
            requested = side.calendar.parse(label)
            with _naming(side):
                side.calendar.scheme_periods(requested)
        _same_days(label, before, after)
    shared = _same_datasets(old, new)
    with _naming(*([before] if shared else []), after):
        after.con, after.loads = _load(new, config, env, bad_rows, rejects)
    if shared:
        before.con, before.loads = after.con, after.loads
    else:
        with _naming(before):
            before.con, before.loads = _load(old, config, env, bad_rows)
    labels, reason, reached = _choose_periods(before, after, period_labels, shared)
    if not period_labels:
        _same_days(labels[0], before, after)
    results, owners = [], []
    for side in (before, after):
        # schemes assessing different periods are matched in the periods asked
        periods, owner = side.periods(labels, reached, by_label=before.calendar.unit != after.calendar.unit)
        with _naming(side):
            results.append(evaluate(side.scheme, side.con, periods, period_reason=reason, loads=side.loads))
        owners.append(owner)
    return Impact(
        periods=list(dict.fromkeys([*owners[0].values(), *owners[1].values()])), period_reason=reason,
        currency=new.header.currency, env=after.loads.env, people=_match(results, owners),
        places_old=money_places(old), places_new=money_places(new),
        warnings=list(dict.fromkeys(after.loads.skipped() + before.loads.skipped())),
    )


def _choose_periods(before: _Evaluated, after: _Evaluated, period_labels: list[str],
                    shared: bool = False) -> tuple[list[str], str, dt.date | None]:
    """The period labels to evaluate, the reason to print, and the last day a period may
    start on (check_covered: the latest date in the data; None for the default period).
    The periods asked are checked against NEW's data: with `shared` (both sides read the
    same data) a problem found there names both sides."""
    old_unit, new_unit = before.calendar.unit, after.calendar.unit
    if period_labels:
        with _naming(*([before] if shared else []), after):
            reasons = []
            for label in period_labels:
                requested = after.calendar.parse(label)
                periods = after.calendar.scheme_periods(requested)
                reasons.append(check_covered(after.scheme, after.con, requested, periods, after.loads)[1])
            reached = latest_fact_date(after.scheme, after.con)
        labels, reason = period_labels, "; ".join(dict.fromkeys(reasons))
    else:
        # the longer unit's period holds whole periods of the shorter: both schemes accept it
        longer = after if UNIT_MONTHS[new_unit] >= UNIT_MONTHS[old_unit] else before
        with _naming(*([before, after] if shared else [longer])):
            period, reason = default_period(longer.scheme, longer.con, longer.loads)
        labels, reached = [period.label], None
    if old_unit != new_unit:
        reason = (f"{reason}; OLD is assessed per {old_unit}, NEW per {new_unit}: "
                  "each person's payouts in the period are summed")
    return labels, reason, reached


def _same_days(label: str, before: _Evaluated, after: _Evaluated) -> None:
    """E022 when a period label names different days on the two sides (their fiscal years
    start in different months, or are named by different years): people would be compared
    across different days."""
    old, new = before.calendar.parse(label), after.calendar.parse(label)
    if (old.start, old.end) == (new.start, new.end):
        return
    headers = before.scheme.header, after.scheme.header

    def fiscal(h) -> str:
        named = "" if h.fiscal_year_start == 1 else f", named by the year it {h.fiscal_year_named_by}s in"
        return f"fiscal year from {dt.date(2000, h.fiscal_year_start, 1):%B}{named}"

    raise ConfigError(Diagnostic(
        "E022",
        f"{label} is {old.start.isoformat()} to {old.last_day.isoformat()} in OLD but {new.start.isoformat()} to "
        f"{new.last_day.isoformat()} in NEW (OLD's {fiscal(headers[0])}; NEW's {fiscal(headers[1])}): "
        "the impact compares people on the same days",
        help="ask for a period that is the same days on both sides with --period (months are, where both schemes "
             "are assessed per month), or run each scheme on its own periods with kpirules run",
    ))


@dataclass
class _Evaluated:
    """One scheme of the diff on the data: its calendar, connection and what loading reported."""

    scheme: Scheme
    side: Side
    which: str  # OLD or NEW
    con: Any = None
    loads: LoadReport | None = None

    @property
    def calendar(self) -> Calendar:
        return Calendar(self.scheme.header)

    def periods(self, labels: list[str], reached: dt.date | None,
                by_label: bool) -> tuple[list[Period], dict[str, str]]:
        """The scheme periods the labels cover (those started by `reached`), and for each
        the period people are matched in: its own, or with `by_label` the label asked."""
        periods, owner = [], {}
        for label in labels:
            for period in self.calendar.scheme_periods(self.calendar.parse(label)):
                if period.label not in owner and (reached is None or period.start <= reached):
                    periods.append(period)
                    owner[period.label] = label if by_label else period.label
        return periods, owner


@contextmanager
def _naming(*sides: _Evaluated):
    """An error raised inside names the side (or both sides) it belongs to."""
    try:
        yield
    except KpiError as exc:
        for side in sides:
            side.side.relocate(exc, side.which)
        raise


def money_places(scheme: Scheme) -> int:
    """The decimal places of the scheme's money: the finest payout rounding step it uses."""
    steps = [scheme.header.rounding.step] + [r.payout.rounding.step for r in scheme.roles.values() if r.payout]
    return max(-min(step.as_tuple().exponent, 0) for step in steps)


def _load(scheme: Scheme, config: ProjectConfig, env: str | None, bad_rows: str = "stop",
          rejects: Path | None = None):
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    return con, load_datasets(scheme, _bound_to(scheme, config, env), con, env=env, bad_rows=bad_rows,
                              rejects_dir=rejects)


def _bound_to(scheme: Scheme, config: ProjectConfig, env: str | None) -> ProjectConfig:
    """The configuration without bindings for datasets this scheme does not declare.

    One side of a diff may declare a dataset the other does not; the configuration binds
    the union, which is not an error here.
    """
    environment = config.environment(env)
    kept = {k: v for k, v in environment.datasets.items() if k in scheme.datasets}
    envs = dict(config.envs)
    envs[environment.name] = environment.model_copy(update={"datasets": kept})
    return config.model_copy(update={"envs": envs})


def _same_datasets(a: Scheme, b: Scheme) -> bool:
    return _without_spans(a.datasets) == _without_spans(b.datasets)


def _without_spans(datasets) -> dict:
    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "span"}
        return value

    return {k: strip(v.model_dump()) for k, v in datasets.items()}


def _match(results: list[RunResult], owners: list[dict[str, str]]) -> list[PersonImpact]:
    """People matched by period and person id; `owners` says which period a result counts in."""
    grouped: list[dict[tuple[str, str], list[PersonResult]]] = [{}, {}]
    for found, result, owner in zip(grouped, results, owners):
        for p in result.people:
            found.setdefault((owner[p.period], p.person_id), []).append(p)
    before, after = grouped
    keys = list(after) + [k for k in before if k not in after]
    return [_person(k[0], before.get(k, []), after.get(k, [])) for k in sorted(keys)]


def _person(period: str, olds: list[PersonResult], news: list[PersonResult]) -> PersonImpact:
    """One person in one period from each side's results in it (several when rolled up)."""
    latest = (news or olds)[-1]
    return PersonImpact(
        period=period, person_id=latest.person_id, name=latest.name,
        role_old=olds[-1].role if olds else None, role_new=news[-1].role if news else None,
        score_old=_once(olds, "total_score"), score_new=_once(news, "total_score"),
        grade_old=_once(olds, "grade"), grade_new=_once(news, "grade"),
        payout_old=_paid(olds), payout_new=_paid(news),
        periods_old=len(olds), periods_new=len(news),
    )


def _once(results: list[PersonResult], name: str):
    """A total score or grade: one assessment has one; several summed have none."""
    return getattr(results[0], name) if len(results) == 1 else None


def _paid(results: list[PersonResult]) -> Decimal | None:
    totals = [r.payout.total for r in results if r.payout]
    return sum(totals[1:], totals[0]) if totals else None
