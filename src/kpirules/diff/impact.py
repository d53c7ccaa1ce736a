"""What a scheme change does to people's results: both schemes evaluated on the same data.

Each scheme loads the configured data on its own connection (once, when both declare
the same datasets), exactly as `kpirules run` would, and is evaluated for the same
periods. People are matched by period and person id; a person evaluated on one side
only (a role added, removed or matching other people) counts as paid nothing on the
other. Payout differences are exact: the totals are the schemes' rounded payouts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from kpirules.config import ProjectConfig
from kpirules.engine.data_dates import check_covered, default_period, latest_fact_date
from kpirules.engine.evaluate import evaluate
from kpirules.engine.periods import Calendar
from kpirules.engine.results import PersonResult, RunResult
from kpirules.errors import KpiError
from kpirules.model.scheme import Scheme
from kpirules.sources.load import load_datasets

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
        return (self.payout_new or ZERO) - (self.payout_old or ZERO)

    @property
    def changed(self) -> bool:
        return (self.status != "both" or self.score_old != self.score_new or self.grade_old != self.grade_new
                or self.payout_old != self.payout_new)


@dataclass
class Impact:
    periods: list[str]
    period_reason: str
    currency: str
    env: str
    people: list[PersonImpact]
    warnings: list[str] = field(default_factory=list)

    @property
    def cost_old(self) -> Decimal:
        return sum((p.payout_old or ZERO for p in self.people), ZERO)

    @property
    def cost_new(self) -> Decimal:
        return sum((p.payout_new or ZERO for p in self.people), ZERO)

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
        gains = [p.payout_delta for p in self.gainers]
        losses = [p.payout_delta for p in self.losers]
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
            "grade_changes": sum(1 for p in self.people if p.status == "both" and p.grade_old != p.grade_new),
            "score_changes": sum(1 for p in self.people if p.score_delta not in (None, ZERO)),
            "gain_total": sum(gains, ZERO), "loss_total": sum(losses, ZERO),
            "largest_gain": max(gains, default=None), "largest_loss": min(losses, default=None),
            "cost_old": self.cost_old, "cost_new": self.cost_new, "cost_delta": self.cost_new - self.cost_old,
        }


def compute_impact(old: Scheme, new: Scheme, config: ProjectConfig, env: str | None,
                   period_labels: list[str]) -> Impact:
    """Evaluate both schemes on the configured data for the periods asked (default: as `run`)."""
    calendars = Calendar(old.header), Calendar(new.header)
    for label in period_labels:  # a mistyped period is reported before any data is read
        for calendar in calendars:
            calendar.scheme_periods(calendar.parse(label))
    con_new, report = _load(new, config, env, "NEW")
    con_old, report_old = (con_new, report) if _same_datasets(old, new) else _load(old, config, env, "OLD")
    reached = None  # the last day a period may start on (check_covered): the latest date in the data
    if period_labels:
        reasons = []
        labels = period_labels
        for label in labels:
            requested = calendars[1].parse(label)
            reasons.append(check_covered(new, con_new, requested, calendars[1].scheme_periods(requested), report)[1])
        reason = "; ".join(dict.fromkeys(reasons))
        reached = latest_fact_date(new, con_new)
    else:
        period, reason = default_period(new, con_new, report)
        labels = [period.label]
    results = []
    sides = ((old, con_old, report_old, calendars[0]), (new, con_new, report, calendars[1]))
    for scheme, con, loads, calendar in sides:
        periods = _unique(p for lb in labels for p in calendar.scheme_periods(calendar.parse(lb))
                          if reached is None or p.start <= reached)
        results.append(evaluate(scheme, con, periods, period_reason=reason, loads=loads))
    return Impact(
        periods=_unique_labels(results), period_reason=reason, currency=new.header.currency,
        env=report.env, people=_match(*results),
    )


def _load(scheme: Scheme, config: ProjectConfig, env: str | None, which: str):
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    try:
        report = load_datasets(scheme, _bound_to(scheme, config, env), con, env=env)
    except KpiError as exc:
        for diagnostic in exc.diagnostics:
            diagnostic.notes.append(f"while loading the data for the {which} scheme")
        raise
    return con, report


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


def _unique(items):
    seen, out = set(), []
    for item in items:
        if item.label not in seen:
            seen.add(item.label)
            out.append(item)
    return out


def _unique_labels(results: list[RunResult]) -> list[str]:
    labels: list[str] = []
    for result in results:
        labels += [p for p in result.periods if p not in labels]
    return labels


def _match(old: RunResult, new: RunResult) -> list[PersonImpact]:
    before = {(p.period, p.person_id): p for p in old.people}
    after = {(p.period, p.person_id): p for p in new.people}
    keys = list(after) + [k for k in before if k not in after]
    return [_person(before.get(k), after.get(k)) for k in sorted(keys)]


def _person(o: PersonResult | None, n: PersonResult | None) -> PersonImpact:
    either = n or o
    return PersonImpact(
        period=either.period, person_id=either.person_id, name=either.name,
        role_old=o.role if o else None, role_new=n.role if n else None,
        score_old=o.total_score if o else None, score_new=n.total_score if n else None,
        grade_old=o.grade if o else None, grade_new=n.grade if n else None,
        payout_old=o.payout.total if o and o.payout else None,
        payout_new=n.payout.total if n and n.payout else None,
    )
