"""Evaluate a scheme on data already loaded into DuckDB: the library entry point of `run`.

Fact data is aggregated in SQL (`kpirules.engine.sql`), all datasets in one statement
(`kpirules.engine.aggregates`). Large runs are then scored set-based, one SQL query per role
(`kpirules.engine.setwise`). The per-person path here is the reference: picking the
target, turning values into attainment and scores, the weighted total, grade and payout,
each step kept for `explain`; it scores small runs, stated values (`given`), anything the
set-based scorer does not compile, and the people it hands back.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING

import duckdb

from kpirules.engine import sql as sqlc
from kpirules.engine.aggregates import AggregateTables
from kpirules.engine.compiled import compile_value
from kpirules.model.expressions import compile_expr
from kpirules.engine.ir import Aggregate, KpiPlan, Plan, build_plan, worked
from kpirules.engine.numbers import CONTEXT, as_applied, fmt_decimal, quantize6, to_decimal
from kpirules.engine.payout import PayoutPlan
from kpirules.engine.periods import Calendar, Period
from kpirules.engine.results import NO_WEIGHT_CLOSES, NOTHING_CLOSES, Adjustment, AggregateTrace, KpiResult, PersonResult, RunResult, TargetProration
from kpirules.engine.rows import as_date, by_dataset, is_table, row_location, row_notes, row_place
from kpirules.engine.scoring import CurvePlan, attainment, grade, pct
from kpirules.engine.exact_sql import Unsupported
from kpirules.engine.setwise_results import run_setwise
from kpirules.model.arithmetic import truth
from kpirules.errors import DataError, Diagnostic, KpiError
from kpirules.lang.parser import gc_paused
from kpirules.model.scheme import Dataset, Kpi, Role, Scheme

if TYPE_CHECKING:
    from kpirules.sources.loaded import LoadReport

ZERO = Decimal(0)
# person-periods from which scoring in SQL (kpirules.engine.setwise) pays for its planning
SETWISE_MIN_PEOPLE = 2000
ADDITIVE = ("count", "count_distinct", "sum")
# what arithmetic raises on a number beyond the 34 digits of 6-place decimals (quantize6),
# and on a date beyond year 9999 (a duration added to a date)
BEYOND_RANGE = (decimal.DecimalException, OverflowError)
# what DuckDB raises when a sum or product of decimals outgrows DECIMAL(38)
SQL_BEYOND_RANGE = (duckdb.OutOfRangeException, duckdb.ConversionException)


def _rows(con: duckdb.DuckDBPyConnection, query: str, params=None) -> list[dict]:
    cursor = con.execute(query, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _whole_months(start: dt.date, end: dt.date) -> int:
    """Whole months from start to end, by the calendar: 31 Jan + 1 month is 28 (or 29) Feb."""
    months = (end.year - start.year) * 12 + (end.month - start.month)
    last_day_of_month = (end + dt.timedelta(days=1)).day == 1
    return months - (1 if end.day < start.day and not last_day_of_month else 0)


class Person:
    """A roster row and what is derived from it as of a period's end."""

    def __init__(self, row: dict, roster: Dataset, number: int | None = None):
        self.row = row
        #: the roster row it came from (rowid + 1; None when the roster is not a table), for messages
        self.number = number
        b = roster.bindings
        self.id = str(row[b["id"]])
        self.name = row.get(b["name"]) if "name" in b else None
        self.team = row.get(b["team"]) if "team" in b else None
        self.manager = row.get(b["manager"]) if "manager" in b else None
        self.role_column = row.get(b["role"]) if "role" in b else None
        self.hired = as_date(row.get(b["hire_date"])) if "hire_date" in b else None
        self.left = as_date(row.get(b["leave_date"])) if "leave_date" in b else None

    def active_days(self, period: Period) -> int:
        start = max(period.start, self.hired) if self.hired else period.start
        end = min(period.last_day, self.left) if self.left else period.last_day
        return max((end - start).days + 1, 0)

    def attributes(self, as_of: dt.date):
        """`get(name)`: the value of person.<name> as of a day."""
        row, hired = self.row, self.hired

        def get(name: str):
            if name in row:
                value = row[name]
                return Decimal(value) if isinstance(value, int) and not isinstance(value, bool) else value
            if name == "tenure_months" and hired:
                return Decimal(_whole_months(hired, as_of))
            if name == "tenure_days" and hired:
                return Decimal((as_of - hired).days)
            return None

        return get


def _person_lookup(get):
    return lambda parts: get(parts[1]) if parts[0] == "person" and len(parts) == 2 else None


class KpiRuntime:
    """A KPI with its value, targets and curve compiled once per run."""

    def __init__(self, kpi: Kpi, plan: KpiPlan, aggregates):
        self.kpi = kpi
        self.plan = plan
        self.value = compile_value(plan.value) if plan.value is not None else None
        self.curve = CurvePlan(kpi.curve, rate=kpi.value_type == "percent")
        self.unit = kpi.period
        # each as the KPI's own measure writes it (explain points at its lines), computed once per index
        self.aggregates = [(i, plan.written.get(i, aggregates[i]), aggregates[i].function in ADDITIVE)
                           for i in plan.aggregates]
        self.targets = []
        for rule in kpi.targets:
            column = rule.value.parts[-1].name if rule.per_person and rule.value.node == "ref" else None
            when = compile_expr(rule.when) if rule.when is not None else None
            self.targets.append((rule, when, compile_expr(rule.value), column))

    def target(self, person_id: str, lookup, kpi_period: Period, targets):
        for rule, _, _, column in self.targets:
            if rule.per_person:
                row = targets.get((rule.per_person, person_id, kpi_period.label))
                if row is not None and row.get(column) is not None:
                    return to_decimal(row[column]), "per_person", rule
        for rule, when, value, _ in self.targets:
            if when is not None and truth(when(lookup)):
                return to_decimal(value(lookup)), "when", rule
        for rule, when, value, _ in self.targets:
            if when is None and rule.per_person is None:
                return to_decimal(value(lookup)), "constant", rule
        return None, "none", None


class RoleRuntime:
    def __init__(self, role: Role, plan: Plan):
        self.role = role
        self.applies_to = compile_expr(role.applies_to) if role.applies_to is not None else None
        self.kpis = [KpiRuntime(k, plan.kpis[(role.id, k.id)], plan.aggregates) for k in role.kpis]
        self.payout = PayoutPlan(role.payout) if role.payout is not None else None
        self.proration = role.payout.proration if role.payout else True

    def applies(self, person: Person, lookup) -> bool:
        if self.applies_to is not None:
            return truth(self.applies_to(lookup))
        return person.role_column is not None and str(person.role_column) == self.role.id


class Evaluator:
    def __init__(self, scheme: Scheme, con: duckdb.DuckDBPyConnection, loads: LoadReport | None = None):
        self.scheme = scheme
        self.con = con
        # where each dataset's rows came from, for messages that point at a row
        self.loads = by_dataset(loads)
        self.calendar = Calendar(scheme.header)
        self.currency = scheme.header.currency
        roster = scheme.roster
        if roster is None:
            raise DataError(Diagnostic("E502", "the scheme declares no roster, so there is nobody to evaluate"))
        self.roster = roster

    # ------------------------------------------------------------- data

    def _aggregate_results(self, plan: Plan, periods: list[Period], with_counts: bool = True) -> AggregateTables:
        """Per dataset: one grouped query by person, and for team scope either a roll-up of
        the members' own sums and counts or (distinct counts, min, max, median) a query that
        joins the rows to the team table; all run together into one table."""
        try:
            return self._aggregate_tables(list(enumerate(plan.aggregates)), periods, with_counts)
        except SQL_BEYOND_RANGE:
            pass
        # find the KPI to name: its aggregates alone overflow (a failed run can afford the queries)
        for kp in plan.kpis.values():
            try:
                self._aggregate_tables([(i, plan.aggregates[i]) for i in kp.aggregates], periods, False).release()
            except SQL_BEYOND_RANGE:
                labels = ", ".join(p.label for p in periods)
                raise DataError(Diagnostic(
                    "E515", f"KPI {kp.kpi.id} cannot be computed in {labels}: a sum or product over the rows "
                    "of its measure has more than 38 digits", kp.kpi.measure.span.location(), help=BEYOND_HELP,
                )) from None
        raise DataError(Diagnostic(
            "E515", "the measures cannot be computed: a sum or product over the rows has more than 38 digits",
            help=BEYOND_HELP,
        ))

    def _aggregate_tables(self, indexed: list[tuple[int, Aggregate]], periods: list[Period],
                          with_counts: bool) -> AggregateTables:
        own: dict[str, list] = defaultdict(list)
        rolled: dict[str, list] = defaultdict(list)
        joined: dict[str, list] = defaultdict(list)
        for index, agg in indexed:
            group = own if agg.scope == "self" else rolled if sqlc.rolls_up(agg) else joined
            group[agg.dataset].append((index, agg))
        team = sqlc.team_cte(self.roster) if rolled or joined else None
        queries = []
        for dataset in sorted(own.keys() | rolled.keys() | joined.keys()):
            ds = self.scheme.datasets[dataset]
            if own[dataset] or rolled[dataset]:
                query = sqlc.compile_dataset(ds, own[dataset], self.calendar, periods, False, with_counts, rolled[dataset])
                queries.append((query, own[dataset]))
                if rolled[dataset]:
                    queries.append((sqlc.rollup(query, rolled[dataset]), rolled[dataset]))
            if joined[dataset]:
                queries.append((sqlc.compile_dataset(ds, joined[dataset], self.calendar, periods, True, with_counts),
                                joined[dataset]))
        return AggregateTables(self.con, queries, team)

    def _per_person_targets(self, needed: dict[str, dict[str, str]],
                            reads: dict[tuple[str, str], set[str]] | None = None) -> dict[tuple[str, str, str], dict]:
        """Rows of targets datasets by (dataset, person, KPI period label).

        A period column holds labels (2026Q1, 2026-03) or dates: a date places its row in the
        KPI period that contains it (a quota dated 2026-03-31 is the target of 2026Q1 for a
        quarterly KPI and of 2026-03 for a monthly one). Several rows for one person and
        period are merged; two that both give a value for a column a KPI of that period reads
        (`reads`: (dataset, unit) -> columns) are an error (E510): kpirules never sums or
        splits targets. Rows whose value is empty there do not count.
        """
        found: dict[tuple[str, str, str], dict] = {}
        given_by: dict[tuple[str, str, str], dict[str, int | None]] = {}  # the row each merged value came from
        problems = []
        for ds_id, labels in needed.items():
            ds = self.scheme.datasets[ds_id]
            person, period = ds.bindings["person"], ds.bindings["period"]
            dated = ds.columns[period].type in ("date", "timestamp")
            if dated:
                where, params = f"{sqlc.quote(period)} IS NOT NULL", None
            else:
                where, params = f"CAST({sqlc.quote(period)} AS VARCHAR) IN (SELECT unnest(?))", [sorted(labels)]
            number = "rowid + 1 AS __kp_row, " if is_table(self.con, ds.id) else ""  # row numbers for messages
            rows = _rows(self.con, f"SELECT {number}* FROM {sqlc.quote(ds.id)} WHERE {where}", params)
            units = set(labels.values())
            for row in rows:
                number = row.pop("__kp_row", None)
                if dated:
                    day = as_date(row[period])
                    keys = {self.calendar.period(unit, day).label for unit in units} & set(labels)
                else:
                    keys = {str(row[period])}
                for label in keys:
                    key = (ds.id, str(row[person]), label)
                    if key not in found:
                        found[key] = dict(row)
                        given_by[key] = {c: number for c, v in row.items() if v is not None}
                        continue
                    merged = found[key]
                    read = (reads or {}).get((ds.id, labels[label]), set(ds.columns))
                    clash = sorted(c for c in read if row.get(c) is not None and merged.get(c) is not None)
                    if clash:
                        at = sorted({n for n in (*(given_by[key][c] for c in clash), number) if n is not None})
                        rows = [row_location(self.loads, ds.id, n).row for n in at]
                        problems.append(Diagnostic(
                            "E510", f"two target rows for person {key[1]} in period {label} both give "
                                    f"{', '.join(clash)}" + (f" (rows {', '.join(map(str, rows))})" if rows else ""),
                            row_location(self.loads, ds.id, number, clash[0]),
                            help="keep one value per person and period; kpirules never sums or splits targets",
                            notes=row_notes(self.loads, ds.id, at),
                        ))
                    for c, v in row.items():
                        if merged.get(c) is None and v is not None:
                            merged[c] = v
                            given_by[key][c] = number
        if problems:
            raise DataError(problems)
        return found

    def _adjustments(self, periods: list[Period]) -> dict[tuple[str, str], list[Adjustment]]:
        """Manual adjustments by (person, run period label). A period column holds labels, or
        dates (`date`, `timestamp`): a dated row is for the scheme period containing its day."""
        labels = {p.label for p in periods}
        out: dict[tuple[str, str], list[Adjustment]] = defaultdict(list)
        problems = []
        for ds in self.scheme.datasets.values():
            if ds.kind != "adjustments":
                continue
            b = ds.bindings
            column = sqlc.quote(b["period"])
            dated = ds.columns[b["period"]].type in ("date", "timestamp")
            if dated:
                first, last = min(p.start for p in periods), max(p.last_day for p in periods)
                where, params = f"CAST({column} AS DATE) BETWEEN ? AND ?", [first, last]
            else:
                where, params = f"CAST({column} AS VARCHAR) IN (SELECT unnest(?))", [sorted(labels)]
            number = "rowid + 1 AS __kp_row, " if is_table(self.con, ds.id) else ""  # row numbers for messages
            rows = _rows(self.con, f"SELECT {number}* FROM {sqlc.quote(ds.id)} WHERE {where}", params)
            for row in rows:
                number = row.pop("__kp_row", None)
                label = (self.calendar.period(self.calendar.unit, as_date(row[b["period"]])).label if dated
                         else str(row[b["period"]]))
                if label not in labels:
                    continue
                person, amount, reason = row.get(b["person"]), row.get(b["amount"]), row.get(b["reason"])
                if person is None:  # for nobody: the load's warning says so ("rows have no person_id")
                    continue
                if amount is None:
                    problems.append(Diagnostic(
                        "E516", f"an adjustment for person {person} in {label} has no amount",
                        row_location(self.loads, ds.id, number, b["amount"]),
                        help="fill in the amount (a negative one takes money back) or remove the row",
                        notes=row_notes(self.loads, ds.id, [number]),
                    ))
                    continue
                if reason is None or not str(reason).strip():
                    shown = fmt_decimal(to_decimal(amount)) if isinstance(amount, (int, Decimal)) else amount
                    problems.append(Diagnostic(
                        "E511", f"an adjustment of {shown} for person {person} in {label} has no reason",
                        row_location(self.loads, ds.id, number, b["reason"]),
                        help="every manual adjustment needs a reason; fill it in or remove the row",
                        notes=row_notes(self.loads, ds.id, [number]),
                    ))
                    continue
                out[(str(person), label)].append(
                    Adjustment(amount=to_decimal(amount), reason=str(reason),
                               approver=row.get(b["approver"]) if "approver" in b else None,
                               _place=row_place(self.loads, ds.id, number))
                )
        if problems:
            raise DataError(problems)
        return out

    def _periods_without_targets(self, needed: dict[str, dict[str, str]],
                                 targets: dict[tuple[str, str, str], dict]) -> list[str]:
        """A warning per targets dataset and KPI period asked about that no row of it is for:
        a source that stopped early (quotas entered up to March, a run of June) leaves every
        KPI that reads its targets from it without one, scored as no data."""
        given = {(ds_id, label) for ds_id, _, label in targets}
        out = []
        for ds_id, labels in sorted(needed.items()):
            missing = sorted(label for label in labels if (ds_id, label) not in given)
            if not missing:
                continue
            ds = self.scheme.datasets[ds_id]
            column = ds.bindings["period"]
            latest = ""
            if ds.columns[column].type in ("date", "timestamp"):
                last = self.con.execute(f"SELECT max({sqlc.quote(column)}) FROM {sqlc.quote(ds_id)}").fetchone()[0]
                if last is not None:
                    latest = f" (its latest {column} is {as_date(last).isoformat()})"
            shown = ", ".join(missing)
            out.append(f"{ds_id}: no row gives a target for {shown}{latest}: the KPIs that read their targets "
                       f"from it have none there and are scored as no data; check that the source is up to date")
        return out

    def _labels_never_read(self, needed: dict[str, dict[str, str]]) -> list[str]:
        """Warnings for rows of targets and adjustments datasets whose period label can never
        apply: not a period label at all (`2026-3`), or a label of another length than the
        periods the scheme reads there (a month in a quarterly scheme's adjustments)."""
        out = []
        for ds in self.scheme.datasets.values():
            if ds.kind == "adjustments":
                units = {self.calendar.unit}
            elif ds.kind == "targets" and ds.id in needed:
                units = set(needed[ds.id].values())
            else:
                continue
            column = ds.bindings["period"]
            if ds.columns[column].type in ("date", "timestamp"):
                continue
            number = "rowid + 1" if is_table(self.con, ds.id) else "NULL"
            odd = []
            for label, n, first in self.con.execute(
                    f"SELECT CAST({sqlc.quote(column)} AS VARCHAR) AS __kp_label, count(*), min({number}) "
                    f"FROM {sqlc.quote(ds.id)} WHERE {sqlc.quote(column)} IS NOT NULL GROUP BY ALL ORDER BY 1").fetchall():
                try:
                    unit = self.calendar.parse(label).unit
                except KpiError:
                    unit = None
                if unit not in units or label != label.strip():
                    odd.append((label, n, first))
            if odd:
                rows = sum(n for _, n, _ in odd)
                wanted = " or ".join(sorted(units))
                labels = ", ".join(repr(label) for label, _, _ in odd[:5]) + (", ..." if len(odd) > 5 else "")
                firsts = [first for _, _, first in odd if first is not None]
                load = self.loads.get(ds.id)
                if not firsts or load is None:
                    out.append(f"{ds.id}: {rows} row{'s' if rows != 1 else ''} with a period that is not a {wanted} "
                               f"label ({labels}): never applied")
                    continue
                row, source = load.where(min(firsts)), load.locator
                if rows == 1:
                    out.append(f"{ds.id}: 1 row with a period that is not a {wanted} label ({labels}), at {row} of "
                               f"{source}, column {column}: never applied")
                else:
                    out.append(f"{ds.id}: {rows} rows with a period that is not a {wanted} label ({labels}), the "
                               f"first at {row} of {source}, column {column}: never applied")
        return out

    def _worth_sql(self, periods: list[Period], persons: list[str] | None) -> bool:
        if persons is not None and len(persons) * len(periods) < SETWISE_MIN_PEOPLE:
            return False
        count = self.con.execute(f"SELECT count(*) FROM {sqlc.quote(self.roster.id)}").fetchall()[0][0]
        return count * len(periods) >= SETWISE_MIN_PEOPLE

    def people(self) -> list[Person]:
        """The roster, ordered by id (also what pacing paces)."""
        number = "rowid + 1 AS __kp_row, " if is_table(self.con, self.roster.id) else ""  # row numbers for messages
        rows = _rows(self.con, f"SELECT {number}* FROM {sqlc.quote(self.roster.id)} "
                               f"ORDER BY {sqlc.quote(self.roster.bindings['id'])}")
        return [Person(row, self.roster, row.pop("__kp_row", None)) for row in rows]

    # ------------------------------------------------------------- run

    def run(self, periods: list[Period], *, roles: list[str] | None = None, persons: list[str] | None = None,
            period_reason: str = "", trace_rows: bool = False,
            given: Mapping[tuple[str, str], Decimal | None] | None = None, setwise: bool | None = None) -> RunResult:
        """Evaluate; `setwise` True scores in SQL what compiles, False per person in Python,
        None (the default) decides by size: planning the SQL costs about as much as a few
        hundred people scored in Python, so small runs (explain, tests) stay in Python."""
        # a result left open on the connection (fetchone) would block the queries below
        self.con.execute("SELECT 1").fetchall()
        selected = [r for r in self.scheme.roles if roles is None or r in roles]
        plan = build_plan(self.scheme, selected)
        runtimes = {r: RoleRuntime(self.scheme.roles[r], plan) if r in selected else None for r in self.scheme.roles}
        matchers = [(r, compile_expr(role.applies_to) if role.applies_to is not None else None) for r, role in self.scheme.roles.items()]
        aggregates = self._aggregate_results(plan, periods, trace_rows)
        try:
            # the KPI periods each targets dataset is asked about
            needed: dict[str, dict[str, str]] = defaultdict(dict)  # dataset -> label -> unit
            reads: dict[tuple[str, str], set[str]] = defaultdict(set)  # (dataset, unit) -> columns read
            for rt in runtimes.values():
                for k in rt.kpis if rt else []:
                    unit = k.unit or self.calendar.unit
                    for rule, _, _, column in k.targets:
                        if rule.per_person:
                            reads[(rule.per_person, unit)].add(column)
                            for p in periods:
                                needed[rule.per_person][self.calendar.period(unit, p.start).label] = unit
            targets = self._per_person_targets(needed, reads)
            adjustments = self._adjustments(periods)
            warnings = self._labels_never_read(needed)
            # a KPI whose every target line reads one dataset per person has none without its rows
            only: set[str] = set()
            for rt in runtimes.values():
                for k in rt.kpis if rt else []:
                    sources = {rule.per_person for rule, _, _, _ in k.targets}
                    if len(sources) == 1 and None not in sources:
                        only |= sources
            warnings += self._periods_without_targets({d: needed[d] for d in needed if d in only}, targets)
            self.scored_in_sql = 0
            if setwise is None:
                setwise = self._worth_sql(periods, persons)
            result = None
            if setwise and not given:
                # score in SQL what it compiles; it hands anything else back to the code below
                try:
                    result = run_setwise(self, plan, runtimes, periods, aggregates, targets, adjustments,
                                         persons=persons, period_reason=period_reason)
                except (Unsupported, duckdb.OutOfRangeException, duckdb.ConversionException, duckdb.InvalidInputException):
                    # the SQL path declined (or met a number it cannot hold): the Python path is the reference
                    self.scored_in_sql = 0
            if result is None:
                result = self._score_in_python(runtimes, matchers, periods, aggregates, targets, adjustments,
                                               persons=persons, period_reason=period_reason, given=given)
            warnings += _adjustments_not_applied(self._selected(adjustments, periods, matchers, roles, persons), result)
            result.warnings.extend(warnings)
            return result
        finally:
            # traces read later find the aggregates in memory
            aggregates.release()

    def _selected(self, adjustments, periods: list[Period], matchers, roles: list[str] | None,
                  persons: list[str] | None) -> dict[tuple[str, str], list[Adjustment]]:
        """The adjustments of the people a run is asked about: with `persons`, those named; with
        `roles`, those whose attributes match one of the roles on the period's last day, active
        in it or not (someone matching no role, or not in the roster, is in no role)."""
        if (roles is None and persons is None) or not adjustments:
            return adjustments
        ends = {p.label: p.last_day for p in periods}
        people = {p.id: p for p in self.people()} if roles is not None else {}
        kept = {}
        for (person_id, label), rows in adjustments.items():
            if persons is not None and person_id not in persons:
                continue
            if roles is not None:
                person = people.get(person_id)
                lookup = _person_lookup(person.attributes(ends[label])) if person else None
                if person is None or not set(_roles_of(person, lookup, matchers)) & set(roles):
                    continue
            kept[(person_id, label)] = rows
        return kept

    def _score_in_python(self, runtimes, matchers, periods, aggregates, targets, adjustments, *,
                         persons, period_reason, given) -> RunResult:
        """Score each person and period with the reference path, in roster order."""
        values, counts = aggregates.dicts()
        people = self.people()
        results: list[PersonResult] = []
        unmatched: list[str] = []
        inactive = 0
        conflicts: dict[tuple[str, tuple[str, ...]], Diagnostic] = {}  # one per person and roles, not per period
        for period in periods:
            for person in people:
                if persons is not None and person.id not in persons:
                    continue
                if person.active_days(period) == 0:
                    inactive += 1
                    continue
                get = person.attributes(period.last_day)
                lookup = _person_lookup(get)
                matched = _roles_of(person, lookup, matchers)
                if len(matched) > 1:
                    # the role column need not be what matched: name the person's row
                    conflicts.setdefault((person.id, tuple(matched)), Diagnostic(
                        "E512",
                        f"person {person.id}{f' ({person.name})' if person.name else ''} matches two roles: "
                        + " and ".join(matched),
                        row_location(self.loads, self.roster.id, person.number),
                        help="make the roles' applies_to conditions exclusive, or fix the person's attributes",
                        notes=row_notes(self.loads, self.roster.id, [person.number]),
                    ))
                    continue
                if not matched:
                    unmatched.append(person.id)
                    continue
                runtime = runtimes[matched[0]]
                if runtime is None:
                    continue
                key = (person.id, period.label)
                results.append(self._evaluate_person(
                    person, runtime, period, get, lookup, values.get(key, {}), counts.get(key, {}),
                    targets, adjustments.get(key, []), given,
                ))
        if conflicts:
            raise DataError(list(conflicts.values()))
        return RunResult(
            scheme=self.scheme.header.id,
            periods=[p.label for p in periods],
            period_reason=period_reason,
            currency=self.currency,
            people=results,
            unmatched_people=list(dict.fromkeys(unmatched)),  # in the people's order: ids that are numbers by value
            inactive_people=inactive,
        )

    def _evaluate_person(self, person: Person, rt: RoleRuntime, period: Period, get, lookup,
                         person_values, person_counts, targets, adjustments, given=None) -> PersonResult:
        role = rt.role
        kpi_results: dict[str, KpiResult] = {}
        notes: list[str] = []
        weights_all = weights_scored = total = ZERO
        for kr in rt.kpis:
            stated = (given[(person.id, kr.kpi.id)],) if given and (person.id, kr.kpi.id) in given else None
            try:
                result = self._evaluate_kpi(kr, person, lookup, period, person_values, person_counts, targets,
                                            rt.proration, stated)
            except BEYOND_RANGE as exc:
                raise too_large(kr.kpi, person.id, period.label, exc) from None
            kpi_results[kr.kpi.id] = result
            if result.rank == "main":
                weight = result.weight or ZERO
                weights_all = CONTEXT.add(weights_all, weight)
                if result.status != "in_progress":
                    weights_scored = CONTEXT.add(weights_scored, weight)
                    total = CONTEXT.add(total, result.contribution)
        if weights_scored and weights_scored != weights_all:
            # one division of the exact product: dividing by a quotient already cut to 34 digits
            # could move a total that is exactly on a 6-place midpoint (59.9999995) below it
            total = CONTEXT.divide(CONTEXT.multiply(total, weights_all), weights_scored)
            notes.append(
                "KPIs whose period has not closed are not scored in this run; the weights of the "
                f"others are scaled by {pct(weights_all)} / {pct(weights_scored)}"
            )
        elif weights_all and not weights_scored:
            closed = any(r.rank == "main" and r.status != "in_progress" for r in kpi_results.values())
            notes.append(NO_WEIGHT_CLOSES if closed else NOTHING_CLOSES)
        total = quantize6(total)
        days = person.active_days(period)
        # the share applied to targets and the incentive (1 with proration off), for reading
        ratio = quantize6(Decimal(days) / Decimal(period.days)) if rt.proration else Decimal(1)
        payout = None
        if rt.payout is not None:
            arguments = dict(person=get, kpis=kpi_results, total_score=total, days=(days, period.days),
                             currency=self.currency, adjustments=adjustments)
            try:
                payout = rt.payout.compute(**arguments)
            except BEYOND_RANGE as exc:
                raise DataError(Diagnostic(
                    "E515", f"the payout of role {role.id} cannot be computed for person {person.id} in "
                    f"{period.label}: {_beyond(exc)}", (role.payout or role).span.location(), help=_beyond_help(exc),
                )) from None
            payout._steps = _steps_of(rt.payout, arguments)
        return PersonResult(
            person_id=person.id, name=person.name, role=role.id, role_label=role.label,
            team=person.team, manager=str(person.manager) if person.manager is not None else None,
            period=period.label, active_days=days, period_days=period.days, proration=ratio,
            kpis=list(kpi_results.values()), total_score=total, grade=grade(role.grades, total),
            payout=payout, notes=notes,
        )

    def _evaluate_kpi(self, kr: KpiRuntime, person: Person, lookup, period: Period, person_values,
                      person_counts, targets, proration_on, stated: tuple | None = None) -> KpiResult:
        kpi = kr.kpi
        unit = kr.unit or self.calendar.unit
        kpi_period = period if unit == period.unit else self.calendar.period(unit, period.start)
        closes = kpi_period.end == period.end
        aggs = {}
        for index, _, additive in kr.aggregates:
            raw = person_values.get(index)
            aggs[index] = ZERO if raw is None and additive else raw
        if stated is not None:  # a value stated by a scheme test or projected by pacing
            value = quantize6(to_decimal(stated[0]))
        else:
            value = quantize6(to_decimal(kr.value(aggs))) if kr.value is not None else None
        target, source, rule = kr.target(person.id, lookup, kpi_period, targets)
        target = quantize6(target)
        before = prorated = None
        if target is not None and kr.plan.additive and kpi.direction == ">=" and proration_on:
            days = person.active_days(kpi_period)
            if days < kpi_period.days:
                before, prorated = target, TargetProration(days, kpi_period.days)
                target = quantize6(CONTEXT.divide(CONTEXT.multiply(target, Decimal(days)), Decimal(kpi_period.days)))
        att = attainment(value, target, kpi.direction)
        if not closes:
            status = "in_progress"
        elif value is None:
            status = "no_data"
        elif att is None and kpi.curve.axis == "attainment":
            # an auxiliary KPI without a target is still reported with its value
            status = "ok" if kpi.rank == "auxiliary" and target is None else "no_data"
        else:
            status = "ok"
        if status == "ok" and att is None and kpi.curve.axis == "attainment":
            s, floor_hit, cap_hit = None, False, False
        elif status == "no_data":
            s, floor_hit, cap_hit = as_applied(kpi.no_data_score), False, False
        else:
            s, floor_hit, cap_hit = kr.curve.score(value, att)
            if status == "in_progress":  # no score yet, so nothing decided it
                floor_hit = cap_hit = False
        main = kpi.rank == "main"
        contribution = quantize6(CONTEXT.multiply(kpi.weight or ZERO, s)) if main and status != "in_progress" else None
        return KpiResult(
            id=kpi.id, label=kpi.label, kind=kpi.kind, rank=kpi.rank, status=status,
            period=kpi_period.label, value=value, value_type=kpi.value_type, direction=kpi.direction,
            target=target, target_source=source, target_span=rule.span if rule else None,
            target_before_proration=before, attainment=att,
            score=s if status != "in_progress" else None,
            floor_hit=floor_hit, cap_hit=cap_hit, weight=kpi.weight if main else None,
            contribution=contribution, span=kpi.span,
            _aggregates=lambda: _traces(kr, aggs, person_counts, kpi_period, period),
            _rule=lambda: _rule(kr, status, value, att, target, unit, kpi_period),
            _proration=lambda: prorated,
            _worked=(lambda missing: None) if stated is not None else partial(worked, kr.plan.value, aggs),
            _exact=(lambda: None) if stated is not None else partial(exact_value, kr, aggs),
        )


def exact_value(kr, aggs) -> Decimal | None:
    """A KPI's measure worked with its aggregates' results, not yet kept to 6 places."""
    if kr.value is None:
        return None
    try:
        return to_decimal(kr.value(aggs))
    except SQL_BEYOND_RANGE + (ArithmeticError,):  # it was computed before: only the unrounded form is out of reach
        return None


BEYOND_HELP = ("values are exact decimals of 34 digits kept to 6 decimal places: look for a value in the "
               "data far larger than the others, or a large constant that multiplies it")
DATE_HELP = "a duration added to a date must keep it within the years 1 to 9999: look for a duration too long"


def too_large(kpi: Kpi, person_id: str, period: str, exc: ArithmeticError) -> DataError:
    """E515 at the KPI: its value, target or score is beyond what the run's decimals hold
    (`exc` is one of BEYOND_RANGE)."""
    return DataError(Diagnostic(
        "E515", f"KPI {kpi.id} cannot be computed for person {person_id} in {period}: {_beyond(exc)}",
        kpi.span.location(), help=_beyond_help(exc),
    ))


def _beyond(exc: ArithmeticError) -> str:
    return ("a date falls outside the years 1 to 9999" if isinstance(exc, OverflowError)
            else "a number has more than 28 digits before the decimal point")


def _beyond_help(exc: ArithmeticError) -> str:
    return DATE_HELP if isinstance(exc, OverflowError) else BEYOND_HELP


def _traces(kr: KpiRuntime, aggs, counts, kpi_period: Period, period: Period) -> list[AggregateTrace]:
    return [
        AggregateTrace(
            dataset=agg.dataset, function=agg.function,
            argument=agg.argument.span if agg.argument is not None else None,
            where=agg.where.span if agg.where is not None else None,
            date_column=agg.date_column, window_start=kpi_period.start, window_end=period.end,
            scope=agg.scope, rows_matched=_rows_matched(agg, index, counts), value=aggs.get(index),
        )
        for index, agg, _ in kr.aggregates
    ]


def _roles_of(person: Person, lookup, matchers) -> list[str]:
    """The roles a person matches: those whose applies_to holds, and those without one that
    the person's role column names."""
    matched = []
    for role_id, condition in matchers:
        if condition is not None:
            if truth(condition(lookup)):
                matched.append(role_id)
        elif person.role_column is not None and str(person.role_column) == role_id:
            matched.append(role_id)
    return matched


def _adjustments_not_applied(adjustments, result: RunResult) -> list[str]:
    """Warnings for adjustments that are not paid: their person is not evaluated in their
    period (inactive, matching no role, or not in the roster), or is in a role without a
    payout."""
    evaluated = {(p.person_id, p.period): p for p in result.people if (p.person_id, p.period) in adjustments}
    nobody, unpaid = [], []
    for (person, period), rows in sorted(adjustments.items()):
        found = evaluated.get((person, period))
        if found is None:
            nobody.append((person, period, len(rows)))
        elif found.payout is None:
            unpaid.append((person, period, len(rows)))

    def shown(left) -> str:
        return ", ".join(f"{person} in {period}" for person, period, _ in left[:5]) + (", ..." if len(left) > 5 else "")

    out = []
    for left, why in ((nobody, "nobody evaluated to pay"), (unpaid, "the person's role has no payout")):
        if left:
            n = sum(count for _, _, count in left)
            out.append(f"{n} adjustment{'s' if n != 1 else ''} not applied: {why} ({shown(left)})")
    return out


def _rows_matched(agg, index: int, counts) -> int | None:
    if index in counts:
        return int(counts[index] or 0)
    # no row for this person: nothing matched; otherwise the count was not asked for
    return 0 if not counts else None


def _rule(kr: KpiRuntime, status: str, value, att, target, unit: str, kpi_period: Period) -> str:
    if status == "in_progress":
        return f"in progress: the {unit} {kpi_period.label} closes on {kpi_period.last_day.isoformat()}; not scored in this run"
    if status == "ok" and att is None and kr.kpi.curve.axis == "attainment":
        return "no target: the value is reported, not scored"
    if status == "no_data":
        why = "no value" if value is None else "no target"
        said = {"kpi": "as the KPI says", "role": "as the role says", "scheme": "as the scheme says",
                "default": "by default"}[kr.kpi.no_data_from]
        if kr.kpi.no_data_from == "role" and kr.kpi.inherited_from:
            # an inherited KPI keeps the no-data score of the role that declared it (language.md §7.2)
            said = f"as role {kr.kpi.inherited_from} says"
        return f"{why}: scored {as_applied(kr.kpi.no_data_score):f} {said} (no_data)"
    return kr.curve.rule(value, att)


def _steps_of(plan: PayoutPlan, arguments: dict):
    """The payout's steps, worked out again with tracing on when first read, then kept (a
    report reads them for the statement and the overview)."""
    kept: list = []

    def steps():
        if not kept:
            trace: list = []
            plan.compute(**arguments, trace=trace)
            kept.append(trace)
        return kept[0]

    return steps


def evaluate(scheme: Scheme, con: duckdb.DuckDBPyConnection, periods: list[Period], *,
             roles: list[str] | None = None, persons: list[str] | None = None,
             period_reason: str = "", trace_rows: bool = False,
             given: Mapping[tuple[str, str], Decimal | None] | None = None,
             loads: LoadReport | None = None) -> RunResult:
    """Evaluate every person whose role matches, for each period; data must be loaded in `con`.

    With `trace_rows`, each aggregate also counts the rows it matched (for explain and
    JSON output); without it those counts are left out, which is faster. `given` states
    KPI values by (person id, KPI id) that replace what the data says (scheme tests state
    values; pacing scores projected values); None in it means the KPI has no value. `loads`,
    what `load_datasets` reported, lets a message about a row name its source and line.
    """
    evaluator = Evaluator(scheme, con, loads)
    # results are many small objects freed by reference counting; cyclic collections
    # walking them all cost about a third of the time
    with gc_paused():
        return evaluator.run(periods, roles=roles, persons=persons, period_reason=period_reason,
                             trace_rows=trace_rows, given=given)
