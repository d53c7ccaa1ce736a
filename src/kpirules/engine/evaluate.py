"""Evaluate a scheme on data already loaded into DuckDB: the library entry point of `run`.

Fact data is aggregated in SQL (`kpirules.engine.sql`), one grouped query per dataset and
scope kind. What stays in Python is per person and period: picking the target, turning
values into attainment and scores, the weighted total, grade and payout, each step kept
for `explain`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import duckdb

from kpirules.engine import sql as sqlc
from kpirules.engine.ir import KpiPlan, build_plan
from kpirules.engine.numbers import CONTEXT, quantize6, to_decimal
from kpirules.engine.payout import compute_payout
from kpirules.engine.periods import Calendar, Period
from kpirules.engine.results import Adjustment, AggregateTrace, KpiResult, PersonResult, RunResult
from kpirules.engine.scoring import attainment, grade, score
from kpirules.engine.values import evaluate as eval_expr
from kpirules.engine.values import evaluate_value, truth
from kpirules.errors import DataError, DataLocation, Diagnostic
from kpirules.model.scheme import Dataset, Kpi, Role, Scheme

ZERO = Decimal(0)
ADDITIVE = ("count", "count_distinct", "sum")


def _rows(con: duckdb.DuckDBPyConnection, query: str, params=None) -> list[dict]:
    cursor = con.execute(query, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _whole_months(start: dt.date, end: dt.date) -> int:
    months = (end.year - start.year) * 12 + (end.month - start.month)
    return months - (1 if end.day < start.day else 0)


def _as_date(x) -> dt.date | None:
    if isinstance(x, dt.datetime):
        return x.date()
    return x


class Person:
    """A roster row and what is derived from it as of a period's end."""

    def __init__(self, row: dict, roster: Dataset):
        self.row = row
        b = roster.bindings
        self.id = str(row[b["id"]])
        self.name = row.get(b["name"]) if "name" in b else None
        self.team = row.get(b["team"]) if "team" in b else None
        self.manager = row.get(b["manager"]) if "manager" in b else None
        self.role_column = row.get(b["role"]) if "role" in b else None
        self.hired = _as_date(row.get(b["hire_date"])) if "hire_date" in b else None
        self.left = _as_date(row.get(b["leave_date"])) if "leave_date" in b else None

    def active_days(self, period: Period) -> int:
        start = max(period.start, self.hired) if self.hired else period.start
        end = min(period.last_day, self.left) if self.left else period.last_day
        return max((end - start).days + 1, 0)

    def attributes(self, as_of: dt.date):
        def get(name: str):
            if name in self.row:
                return self.row[name]
            if name == "tenure_months" and self.hired:
                return Decimal(_whole_months(self.hired, as_of))
            if name == "tenure_days" and self.hired:
                return Decimal((as_of - self.hired).days)
            return None

        return get


def latest_fact_date(scheme: Scheme, con: duckdb.DuckDBPyConnection) -> dt.date | None:
    latest = None
    for ds in scheme.datasets.values():
        if ds.kind != "dataset" or ds.date_column is None:
            continue
        value = con.execute(f"SELECT max({sqlc.quote(ds.date_column)}) FROM {sqlc.quote(ds.id)}").fetchone()[0]
        value = _as_date(value)
        if value is not None and (latest is None or value > latest):
            latest = value
    return latest


def default_period(scheme: Scheme, con: duckdb.DuckDBPyConnection) -> tuple[Period, str]:
    """The latest scheme period that ended on or before the latest date in the fact data."""
    latest = latest_fact_date(scheme, con)
    if latest is None:
        raise DataError(
            Diagnostic("E501", "the fact datasets hold no dated rows, so no period can be chosen",
                       help="pass --period, or check that the data sources are not empty")
        )
    period = Calendar(scheme.header).latest_ended(latest)
    return period, f"the latest {period.unit} that ended on or before the latest date in the data ({latest.isoformat()})"


class Evaluator:
    def __init__(self, scheme: Scheme, con: duckdb.DuckDBPyConnection):
        self.scheme = scheme
        self.con = con
        self.calendar = Calendar(scheme.header)
        roster = scheme.roster
        if roster is None:
            raise DataError(Diagnostic("E502", "the scheme declares no roster, so there is nobody to evaluate"))
        self.roster = roster

    # ------------------------------------------------------------- data

    def _aggregate_results(self, plan, periods: list[Period]):
        values: dict[tuple[str, str], dict[int, Decimal | None]] = defaultdict(dict)
        counts: dict[tuple[str, str], dict[int, int]] = defaultdict(dict)
        groups: dict[tuple[str, bool], list] = defaultdict(list)
        for index, agg in enumerate(plan.aggregates):
            groups[(agg.dataset, agg.scope != "self")].append((index, agg))
        if any(team for _, team in groups):
            self.con.execute(sqlc.team_table_sql(self.roster))
        for (dataset, team), aggregates in sorted(groups.items()):
            query = sqlc.compile_dataset(self.scheme.datasets[dataset], aggregates, self.calendar, periods, team)
            for row in self.con.execute(query.sql).fetchall():
                key = (str(row[0]), row[1])
                offset = 2
                for index in query.value_columns:
                    values[key][index] = to_decimal(row[offset]) if row[offset] is not None else None
                    offset += 1
                    if index in query.count_columns:
                        counts[key][index] = row[offset]
                        offset += 1
                    else:
                        counts[key][index] = row[offset - 1]
        return values, counts

    def _per_person_targets(self, labels: set[str]) -> dict[tuple[str, str, str], dict]:
        """Rows of targets datasets by (dataset, person, period label); duplicates are errors."""
        found: dict[tuple[str, str, str], dict] = {}
        problems = []
        for ds in self.scheme.datasets.values():
            if ds.kind != "targets":
                continue
            person, period = sqlc.quote(ds.bindings["person"]), sqlc.quote(ds.bindings["period"])
            rows = _rows(self.con, f"SELECT * FROM {sqlc.quote(ds.id)} WHERE CAST({period} AS VARCHAR) IN (SELECT unnest(?))", [sorted(labels)])
            for row in rows:
                key = (ds.id, str(row[ds.bindings["person"]]), str(row[ds.bindings["period"]]))
                if key in found:
                    problems.append(Diagnostic(
                        "E510", f"two target rows for person {key[1]} in period {key[2]}",
                        DataLocation(ds.id, column=ds.bindings["period"]),
                        help="keep one row per person and period; kpirules never sums or splits targets",
                    ))
                found[key] = row
            del person, period
        if problems:
            raise DataError(problems)
        return found

    def _adjustments(self, labels: set[str]) -> dict[tuple[str, str], list[Adjustment]]:
        out: dict[tuple[str, str], list[Adjustment]] = defaultdict(list)
        problems = []
        for ds in self.scheme.datasets.values():
            if ds.kind != "adjustments":
                continue
            b = ds.bindings
            rows = _rows(self.con, f"SELECT * FROM {sqlc.quote(ds.id)} WHERE CAST({sqlc.quote(b['period'])} AS VARCHAR) IN (SELECT unnest(?))", [sorted(labels)])
            for number, row in enumerate(rows, start=1):
                reason = row.get(b["reason"])
                if reason is None or not str(reason).strip():
                    problems.append(Diagnostic(
                        "E511", f"an adjustment of {row.get(b['amount'])} for person {row.get(b['person'])} in {row.get(b['period'])} has no reason",
                        DataLocation(ds.id, column=b["reason"]),
                        help="every manual adjustment needs a reason (and an approver); fill it in or remove the row",
                    ))
                    continue
                out[(str(row[b["person"]]), str(row[b["period"]]))].append(
                    Adjustment(amount=to_decimal(row[b["amount"]]) or ZERO, reason=str(reason),
                               approver=row.get(b["approver"]) if "approver" in b else None)
                )
        if problems:
            raise DataError(problems)
        return out

    # ------------------------------------------------------------- people

    def _people(self) -> list[Person]:
        rows = _rows(self.con, f"SELECT * FROM {sqlc.quote(self.roster.id)} ORDER BY {sqlc.quote(self.roster.bindings['id'])}")
        return [Person(row, self.roster) for row in rows]

    def _matching_roles(self, person: Person, as_of: dt.date) -> list[Role]:
        attrs = person.attributes(as_of)

        def resolve(ref):
            return attrs(ref.parts[1].name) if ref.parts[0].name == "person" else None

        matched = []
        for role in self.scheme.roles.values():
            if role.applies_to is not None:
                if truth(eval_expr(role.applies_to, resolve)):
                    matched.append(role)
            elif person.role_column is not None and str(person.role_column) == role.id:
                matched.append(role)
        return matched

    # ------------------------------------------------------------- run

    def run(self, periods: list[Period], *, roles: list[str] | None = None, persons: list[str] | None = None,
            period_reason: str = "") -> RunResult:
        selected = [r for r in self.scheme.roles if roles is None or r in roles]
        plan = build_plan(self.scheme, selected)
        self._plan = plan
        values, counts = self._aggregate_results(plan, periods)
        labels = {p.label for p in periods}
        for role in selected:
            for kpi in self.scheme.roles[role].kpis:
                if kpi.period:
                    labels |= {self.calendar.period(kpi.period, p.start).label for p in periods}
        targets = self._per_person_targets(labels)
        adjustments = self._adjustments({p.label for p in periods})
        people = self._people()
        results: list[PersonResult] = []
        unmatched: list[str] = []
        inactive = 0
        conflicts = []
        for period in periods:
            for person in people:
                if persons is not None and person.id not in persons:
                    continue
                if person.active_days(period) == 0:
                    inactive += 1
                    continue
                matched = self._matching_roles(person, period.last_day)
                if len(matched) > 1:
                    conflicts.append(Diagnostic(
                        "E512",
                        f"person {person.id}{f' ({person.name})' if person.name else ''} matches two roles: "
                        + " and ".join(r.id for r in matched),
                        DataLocation(self.roster.id, column=self.roster.bindings.get("role")),
                        help="make the roles' applies_to conditions exclusive, or fix the person's attributes",
                    ))
                    continue
                if not matched:
                    unmatched.append(person.id)
                    continue
                role = matched[0]
                if role.id not in selected:
                    continue
                results.append(self._evaluate_person(person, role, period, plan, values, counts, targets, adjustments))
        if conflicts:
            raise DataError(conflicts)
        return RunResult(
            scheme=self.scheme.header.id,
            periods=[p.label for p in periods],
            period_reason=period_reason,
            currency=self.scheme.header.currency,
            people=results,
            unmatched_people=sorted(set(unmatched)),
            inactive_people=inactive,
        )

    def _evaluate_person(self, person, role: Role, period: Period, plan, values, counts, targets, adjustments) -> PersonResult:
        attrs = person.attributes(period.last_day)
        key = (person.id, period.label)
        person_values = values.get(key, {})
        person_counts = counts.get(key, {})
        proration_on = role.payout.proration if role.payout else True
        kpi_results: dict[str, KpiResult] = {}
        notes: list[str] = []
        for kpi in role.kpis:
            kp: KpiPlan = plan.kpis[(role.id, kpi.id)]
            kpi_results[kpi.id] = self._evaluate_kpi(kpi, kp, person, attrs, period, person_values, person_counts, targets, proration_on, notes)

        main = [r for r in kpi_results.values() if r.rank == "main"]
        weights_all = sum((r.weight or ZERO for r in main), ZERO)
        scored = [r for r in main if r.status != "in_progress"]
        weights_scored = sum((r.weight or ZERO for r in scored), ZERO)
        total = sum((r.contribution or ZERO for r in scored), ZERO)
        if weights_scored and weights_scored != weights_all:
            total = CONTEXT.multiply(total, CONTEXT.divide(weights_all, weights_scored))
            notes.append(
                "KPIs whose period has not closed are not scored in this run; the weights of the "
                f"others are scaled by {weights_all * 100:f}% / {weights_scored * 100:f}%"
            )
        total = quantize6(total)
        days = person.active_days(period)
        ratio = quantize6(Decimal(days) / Decimal(period.days))
        payout = None
        if role.payout is not None:
            payout = compute_payout(
                role.payout,
                person=attrs,
                kpis=kpi_results,
                total_score=total,
                proration=ratio,
                currency=self.scheme.header.currency,
                adjustments=adjustments.get(key, []),
            )
        return PersonResult(
            person_id=person.id, name=person.name, role=role.id, role_label=role.label,
            team=person.team, manager=str(person.manager) if person.manager is not None else None,
            period=period.label, active_days=days, period_days=period.days, proration=ratio,
            kpis=list(kpi_results.values()), total_score=total, grade=grade(role.grades, total),
            payout=payout, notes=notes,
        )

    def _target(self, kpi: Kpi, person: Person, attrs, kpi_period: Period, targets):
        for rule in kpi.targets:
            if rule.per_person:
                row = targets.get((rule.per_person, person.id, kpi_period.label))
                if row is not None:
                    column = rule.value.parts[-1].name if rule.value.node == "ref" else None
                    value = to_decimal(row.get(column)) if column else None
                    if value is not None:
                        return value, "per_person", rule
        resolve = lambda ref: attrs(ref.parts[1].name) if ref.parts[0].name == "person" else None  # noqa: E731
        for rule in kpi.targets:
            if rule.when is not None and truth(eval_expr(rule.when, resolve)):
                return to_decimal(eval_expr(rule.value, resolve)), "when", rule
        for rule in kpi.targets:
            if rule.when is None and rule.per_person is None:
                return to_decimal(eval_expr(rule.value, resolve)), "constant", rule
        return None, "none", None

    def _evaluate_kpi(self, kpi: Kpi, kp: KpiPlan, person: Person, attrs, period: Period, person_values, person_counts, targets, proration_on, notes) -> KpiResult:
        unit = kpi.period or self.calendar.unit
        kpi_period = self.calendar.period(unit, period.start)
        closes = kpi_period.end == period.end
        aggs = {}
        traces = []
        for index in kp.aggregates:
            agg = self._agg(index)
            raw = person_values.get(index)
            if raw is None and agg.function in ADDITIVE:
                raw = ZERO
            aggs[index] = raw
            traces.append(AggregateTrace(
                dataset=agg.dataset, function=agg.function,
                argument=agg.argument.span if agg.argument is not None else None,
                where=agg.where.span if agg.where is not None else None,
                date_column=agg.date_column, window_start=kpi_period.start, window_end=period.end,
                scope=agg.scope, rows_matched=int(person_counts.get(index) or 0), value=raw,
            ))
        value = quantize6(to_decimal(evaluate_value(kp.value, aggs))) if kp.value is not None else None
        target, source, rule = self._target(kpi, person, attrs, kpi_period, targets)
        target = quantize6(target)
        before = None
        if target is not None and kp.additive and kpi.direction == ">=" and proration_on:
            days = person.active_days(kpi_period)
            if days < kpi_period.days:
                before = target
                target = quantize6(CONTEXT.divide(CONTEXT.multiply(target, Decimal(days)), Decimal(kpi_period.days)))
        att = attainment(value, target, kpi.direction)
        status = "ok"
        if not closes:
            status = "in_progress"
        elif value is None or (att is None and kpi.curve.axis == "attainment"):
            status = "no_data"
        if status == "no_data":
            s, rule_text, floor_hit, cap_hit = kpi.no_data_score, (
                f"no value: scored {kpi.no_data_score:f} as the scheme says (no_data)" if value is None
                else f"no target: scored {kpi.no_data_score:f} as the scheme says (no_data)"), False, False
        else:
            s, rule_text, floor_hit, cap_hit = score(kpi, value, att)
            if status == "in_progress":
                rule_text = f"in progress: the {unit} {kpi_period.label} closes on {kpi_period.last_day.isoformat()}; not scored in this run"
        contribution = None
        if kpi.rank == "main" and status != "in_progress":
            contribution = quantize6(CONTEXT.multiply(kpi.weight or ZERO, s))
        return KpiResult(
            id=kpi.id, label=kpi.label, kind=kpi.kind, rank=kpi.rank, status=status,
            period=kpi_period.label, value=value, value_type=kpi.value_type, direction=kpi.direction,
            target=target, target_source=source, target_span=rule.span if rule else None,
            target_before_proration=before, attainment=att,
            score=s if status != "in_progress" else None, score_rule=rule_text,
            floor_hit=floor_hit, cap_hit=cap_hit, weight=kpi.weight if kpi.rank == "main" else None,
            contribution=contribution, aggregates=traces, span=kpi.span,
        )

    def _agg(self, index: int):
        return self._plan.aggregates[index]


def evaluate(scheme: Scheme, con: duckdb.DuckDBPyConnection, periods: list[Period], *,
             roles: list[str] | None = None, persons: list[str] | None = None,
             period_reason: str = "") -> RunResult:
    """Evaluate every person whose role matches, for each period; data must be loaded in `con`."""
    evaluator = Evaluator(scheme, con)
    return evaluator.run(periods, roles=roles, persons=persons, period_reason=period_reason)
