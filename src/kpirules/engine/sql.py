"""Compile aggregates (the intermediate form in `ir`) into SQL, and nothing else.

Per dataset, one query grouped by the credited person and run period. Team sums and
counts are then added up over each manager's direct and indirect reports from those
per-person groups (`rollup`); other team aggregates (distinct counts, min, max, median)
join the rows to the team table and group by the manager.
Each aggregate is a column computed with a `FILTER (WHERE ...)` clause that places rows
in the aggregate's window (its KPI period up to the run period's end) and applies its
`where` condition; with one run period the window's bounds are constants, with several
a small table of periods is joined. `first_time(col)` compares a row's date with its
value's first day over the whole dataset's history (grouped once, joined to the rows).
The run executes all of a run's queries as one statement (`kpirules.engine.aggregates`).

The SQL is DuckDB's dialect; the few dialect-specific pieces (date difference, quoting)
live in small functions so another engine can be targeted later.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from kpirules.engine.exact_sql import round_division
from kpirules.engine.ir import Aggregate
from kpirules.engine.periods import Calendar, Period
from kpirules.lang import ast
from kpirules.model.expressions import empty_text_test
from kpirules.model.scheme import Dataset

TEAM_TABLE = "__kp_team"  # a CTE of the aggregate statement (team_cte)


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


def date_diff_days(start: str, end: str) -> str:
    return f"date_diff('day', CAST({start} AS DATE), CAST({end} AS DATE))"


def is_empty(value: str, empty: bool) -> str:
    """SQL true when the text `value` is empty (no value, or ''), or with `empty` False, when
    it is not: never unknown, as `x == ""` and `x != ""` are (docs/language.md §13.3)."""
    return f"(NULLIF({value}, '') IS {'' if empty else 'NOT '}NULL)"


@dataclass
class RowCompiler:
    """SQL for expressions over one dataset's rows (a `where` or an aggregate's argument)."""

    dataset: Dataset
    alias: str = "src"
    date_column: str | None = None
    first_time_columns: dict[str, tuple[str, str]] = field(default_factory=dict)

    def column(self, name: str) -> str:
        return f"{self.alias}.{quote(name)}"

    def sql(self, e) -> str:
        node = e.node
        if node == "literal":
            if e.type == "duration":
                return str(int(e.value))
            return literal(e.value)
        if node == "ref":
            name = e.parts[-1].name
            column = self.dataset.columns.get(name)
            if column is not None and column.type == "timestamp":
                # the language's dates are calendar days (docs/language.md, types): a time
                # of day would put 2026-03-31 15:00 after `<= 2026-03-31`, and make a
                # difference of two timestamps an interval instead of days
                return f"CAST({self.column(name)} AS DATE)"
            return self.column(name)
        if node == "paren":
            return f"({self.sql(e.inner)})"
        if node == "unary":
            return f"(NOT {self.sql(e.operand)})" if e.op == "not" else f"(-{self.sql(e.operand)})"
        if node == "binary":
            tested = empty_text_test(e)
            if tested is not None:  # `x == ""`: whether x is empty (model.expressions.empty_text_test)
                return is_empty(self.sql(tested[0]), tested[1])
            op = {"==": "=", "!=": "<>", "and": "AND", "or": "OR"}.get(e.op, e.op)
            left, right = self.sql(e.left), self.sql(e.right)
            if e.op in ("*", "/"):
                scales = self.scale(e.left), self.scale(e.right)
                if None not in scales:
                    return (_times if e.op == "*" else _quotient)(left, right, *scales)
            if e.op == "/":  # pragma: no cover - the checker admits numbers only
                return f"({left} / NULLIF({right}, 0))"
            return f"({left} {op} {right})"
        if node == "between":
            return f"({self.sql(e.value)} BETWEEN {self.sql(e.low)} AND {self.sql(e.high)})"
        if node == "in":
            options = ", ".join(self.sql(o) for o in e.options)
            return f"({self.sql(e.value)} {'NOT IN' if e.negated else 'IN'} ({options}))"
        if node == "if":
            return f"(CASE WHEN {self.sql(e.condition)} THEN {self.sql(e.then)} ELSE {self.sql(e.otherwise)} END)"
        if node == "call":
            return self.call(e)
        raise AssertionError(f"cannot compile {node} to SQL")  # pragma: no cover

    def call(self, e: ast.Call) -> str:
        fn = e.function
        args = [self.sql(a) for a in e.args]
        if fn == "days_between":
            return date_diff_days(args[0], args[1])
        if fn == "first_time":
            # first ever by the dataset's own date, whatever `on` column picks the window
            column, date = e.args[0].parts[-1].name, self.dataset.date_column or self.date_column
            name = f"__first__{column}__{date}"
            self.first_time_columns[name] = (column, date)
            return self.column(name)
        # a missing argument makes no value, as everywhere (DuckDB's least and greatest skip NULLs)
        missing = " OR ".join(f"{a} IS NULL" for a in args)
        if fn == "min":
            return f"(CASE WHEN {missing} THEN NULL ELSE least({', '.join(args)}) END)"
        if fn == "max":
            return f"(CASE WHEN {missing} THEN NULL ELSE greatest({', '.join(args)}) END)"
        if fn == "clamp":
            return f"(CASE WHEN {missing} THEN NULL ELSE least(greatest({args[0]}, {args[1]}), {args[2]}) END)"
        if fn == "abs":
            return f"abs({args[0]})"
        if fn == "round":
            # digits is a whole number (`2.0` too), which DuckDB's round() takes only as an integer
            return f"round({args[0]}, {f'CAST({args[1]} AS INTEGER)' if len(args) > 1 else 0})"
        raise AssertionError(f"{fn} is not a row function")  # pragma: no cover


    def scale(self, e) -> int | None:
        """The decimal places of a numeric row expression as SQL computes it (None: not a
        number, or not known), so that products and quotients can be computed exactly."""
        node = e.node
        if node == "literal":
            if isinstance(e.value, Decimal) and e.type != "duration":
                return max(0, -e.value.as_tuple().exponent) if e.value.is_finite() else None
            return 0 if isinstance(e.value, int) and not isinstance(e.value, bool) else None
        if node == "ref":
            column = self.dataset.columns.get(e.parts[-1].name)
            return None if column is None else _COLUMN_SCALES.get(column.type)
        if node == "paren":
            return self.scale(e.inner)
        if node == "unary":
            return None if e.op == "not" else self.scale(e.operand)
        if node == "binary" and e.op in ("+", "-", "*", "/"):
            left, right = self.scale(e.left), self.scale(e.right)
            if left is None or right is None:
                return None
            return QUOTIENT_PLACES if e.op == "/" else min(left + right, _MAX_PLACES) if e.op == "*" else max(left, right)
        if node == "if":
            then, otherwise = self.scale(e.then), self.scale(e.otherwise)
            return None if then is None or otherwise is None else max(then, otherwise)
        if node == "call":
            if e.function == "days_between":
                return 0
            if e.function == "round":
                digits = e.args[1].value if len(e.args) > 1 and e.args[1].node == "literal" else 0
                return max(0, int(digits)) if self.scale(e.args[0]) is not None else None
            if e.function in ("abs", "min", "max", "clamp"):
                found = [self.scale(a) for a in e.args]
                return None if None in found else max(found)
        return None


#: decimal places of a declared column type in the loaded tables (sources' SQL_TYPES)
_COLUMN_SCALES = {"integer": 0, "decimal": 6, "money": 4}
#: a quotient of two row values is exact to this many places (rounded half-up there)
QUOTIENT_PLACES = 12
#: the most places a product keeps: DECIMAL(38, 24) leaves 14 digits before the point
_MAX_PLACES = 24


def _decimal(sql: str, places: int) -> str:
    return f"CAST({sql} AS DECIMAL(38,{places}))"


def _times(left: str, right: str, left_places: int, right_places: int) -> str:
    """left * right in 128 bits: DuckDB multiplies two DECIMAL(18, x) in 64 bits and overflows
    at products of about 10^6 (x = 6); past 24 places in all, the factors keep 12 each."""
    if left_places + right_places > _MAX_PLACES:
        left_places, right_places = min(left_places, _MAX_PLACES // 2), min(right_places, _MAX_PLACES // 2)
    return f"({_decimal(left, left_places)} * {_decimal(right, right_places)})"


def _quotient(left: str, right: str, left_places: int, right_places: int) -> str:
    """left / right exact to QUOTIENT_PLACES places, rounded half-up (no value for a zero
    divisor): DuckDB divides decimals in binary floating point. Both are made integers (their
    unscaled values) and divided in 128 bits."""

    def unscaled(sql: str, places: int) -> str:
        return f"CAST({_decimal(sql, places)} * {10 ** places} AS HUGEINT)"

    n, d = unscaled(left, left_places), unscaled(right, right_places)
    numerator = f"({n} * {10 ** (right_places + QUOTIENT_PLACES)})"
    denominator = f"({d} * {10 ** left_places})"
    q = round_division(f"({numerator} * sign({denominator}))", f"abs({denominator})", "half_up")
    step = f"CAST(0.{'0' * (QUOTIENT_PLACES - 1)}1 AS DECIMAL({QUOTIENT_PLACES + 1},{QUOTIENT_PLACES}))"
    return f"(CASE WHEN {d} = 0 THEN NULL ELSE CAST({q} AS DECIMAL(38,0)) * {step} END)"


def filter_clause(condition: str) -> str:
    """An aggregate's FILTER clause; none when the condition is empty (every row counts)."""
    return f" FILTER (WHERE {condition})" if condition else ""


def aggregate_sql(agg: Aggregate, row: RowCompiler, condition: str) -> str:
    """The aggregate over the rows for which `condition` holds (every row, when empty)."""
    where = filter_clause(condition)
    if agg.argument is None:
        return f"count(*){where}"
    arg = row.sql(agg.argument)
    if agg.function == "count_distinct":
        return f"count(DISTINCT {arg}){where}"
    if agg.function == "median":
        # the mean of the two middle values (the one middle value of an odd count), exact:
        # DuckDB's median interpolates in the column's own decimal type, cutting off the
        # half (10.0001 and 10.0002 give 10.0001), and through a double for wide gaps; here
        # the lower and the upper middle value are picked, and halved by a decimal product
        return f"((quantile_disc({arg}, 0.5){where} + -quantile_disc(-({arg}), 0.5){where}) * 0.5)"
    return f"{agg.function}({arg}){where}"


@dataclass
class DatasetQuery:
    """The SQL for one dataset and scope kind, and which aggregate each column holds.

    `name` names its result in the run's statement (`kpirules.engine.aggregates`). A
    per-person query may also compute, per person, team aggregates that are sums of their
    members' (`rolled`: columns t<i> and tn<i>), which a roll-up query (`rollup`) then adds
    up over each manager's team instead of joining every fact row to the team table.
    """

    dataset: str
    team: bool
    sql: str
    value_columns: list[int]  # aggregate index of each value column, in order
    count_columns: list[int]  # aggregate index of each rows-matched column, in order
    name: str = ""
    rolled_columns: list[int] = field(default_factory=list)
    rolled_count_columns: list[int] = field(default_factory=list)
    #: read by a roll-up as well as by the run's statement: computed once
    shared: bool = False


def rolls_up(agg: Aggregate) -> bool:
    """A team aggregate that is the sum of its members' own: counts and sums (not distinct
    counts, minimums, maximums or medians)."""
    return agg.scope != "self" and agg.function in ("count", "sum")


def window_start_column(unit: str) -> str:
    return f"start_{unit}"


def periods_cte(calendar: Calendar, periods: list[Period], units: set[str]) -> str:
    units = sorted(units)
    columns = ["label", "p_end"] + [window_start_column(u) for u in units]
    rows = []
    for p in periods:
        values = [literal(p.label), literal(p.end)]
        values += [literal(calendar.period(u, p.start).start) for u in units]
        rows.append("(" + ", ".join(values) + ")")
    return f"periods({', '.join(columns)}) AS (VALUES {', '.join(rows)})"


def compile_dataset(
    dataset: Dataset,
    aggregates: list[tuple[int, Aggregate]],
    calendar: Calendar,
    periods: list[Period],
    team: bool,
    with_counts: bool = True,
    rolled: list[tuple[int, Aggregate]] = (),
) -> DatasetQuery:
    """One grouped query computing every aggregate over this dataset for every period; with
    `rolled`, also each person's own part of those team aggregates (no team join)."""
    person = dataset.person_column
    units = {agg.unit for _, agg in [*aggregates, *rolled]}
    # when no aggregate here counts the manager's own rows, leave them out of the join
    only_reports = team and all(agg.scope == "team" for _, agg in aggregates)
    # one period: its bounds are constants (a join with a one-row table costs more than it says)
    if len(periods) == 1:
        p = periods[0]
        bound = {"label": literal(p.label), "p_end": literal(p.end)}
        bound |= {window_start_column(u): literal(calendar.period(u, p.start).start) for u in units}
    else:
        bound = {name: f"periods.{name}" for name in ["label", "p_end"] + [window_start_column(u) for u in units]}
    earliest = min(calendar.period(u, p.start).start for u in units for p in periods)
    latest = max(p.end for p in periods)
    # with one period and one date column, an aggregate whose window is the whole prefilter
    # below needs no window in its FILTER: the WHERE already keeps only those rows
    windows = {(agg.date_column, agg.unit) for _, agg in [*aggregates, *rolled]}
    implied = {w for w in windows if len(periods) == 1 and len({d for d, _ in windows}) == 1
               and calendar.period(w[1], periods[0].start).start == earliest}
    first_time: dict[str, tuple[str, str]] = {}
    selects: list[str] = []
    columns: dict[str, list[int]] = {"v": [], "n": [], "t": [], "tn": []}
    date_columns = set()
    for index, agg, own in [(i, a, False) for i, a in aggregates] + [(i, a, True) for i, a in rolled]:
        row = RowCompiler(dataset, date_column=agg.date_column, first_time_columns=first_time)
        date = row.column(agg.date_column)
        date_columns.add(agg.date_column)
        conditions = [] if (agg.date_column, agg.unit) in implied else [
            f"{date} >= {bound[window_start_column(agg.unit)]}", f"{date} < {bound['p_end']}"]
        if agg.where is not None:
            conditions.append(row.sql(agg.where))
        if agg.scope == "team" and team and not only_reports:
            conditions.append("team.member <> team.owner")
        condition = " AND ".join(conditions)
        value, count = ("t", "tn") if own else ("v", "n")
        selects.append(f"{aggregate_sql(agg, row, condition)} AS {value}{index}")
        columns[value].append(index)
        if with_counts and (agg.argument is not None or agg.function != "count"):
            selects.append(f"count(*){filter_clause(condition)} AS {count}{index}")
            columns[count].append(index)

    source = f"SELECT * FROM {quote(dataset.id)}"
    if first_time:
        # each value's first day over the whole history, grouped once and joined to the rows:
        # the rows' own scan then keeps only the run's window (a window function over the
        # whole table would read every row twice)
        flags, joins = [], []
        # the first day is a calendar day (rows on it all count, whatever their time), and a
        # row without a value in the column is never first (a missing value matches nothing)
        for i, (name, (col, date)) in enumerate(sorted(first_time.items())):
            firsts = (f"(SELECT {quote(col)} AS k, CAST(min({quote(date)}) AS DATE) AS first_day "
                      f"FROM {quote(dataset.id)} WHERE {quote(col)} IS NOT NULL GROUP BY 1)")
            joins.append(f" LEFT JOIN {firsts} f{i} ON d.{quote(col)} = f{i}.k")
            flags.append(f"(CAST(d.{quote(date)} AS DATE) = f{i}.first_day) AS {quote(name)}")
        source = f"SELECT d.*, {', '.join(flags)} FROM {quote(dataset.id)} d{''.join(joins)}"
    prefilter = " OR ".join(
        f"(src.{quote(c)} >= {literal(earliest)} AND src.{quote(c)} < {literal(latest)})"
        for c in sorted(date_columns)
    )
    owner = "team.owner" if team else f"src.{quote(person)}"
    join = f" JOIN {TEAM_TABLE} AS team ON CAST(src.{quote(person)} AS VARCHAR) = team.member" if team else ""
    if only_reports:
        join += " AND team.member <> team.owner"
    with_periods = "" if len(periods) == 1 else f"{periods_cte(calendar, periods, units)}, "
    sql = (
        f"WITH {with_periods}src AS ({source})\n"
        f"SELECT {owner} AS person, {bound['label']} AS period,\n  " + ",\n  ".join(selects) + "\n"
        f"FROM src{join}{'' if len(periods) == 1 else ' CROSS JOIN periods'}\n"
        f"WHERE {owner} IS NOT NULL AND ({prefilter})\n"
        f"GROUP BY {'1' if len(periods) == 1 else '1, 2'}"
    )
    return DatasetQuery(dataset.id, team, sql, columns["v"], columns["n"],
                        name=f"__kp_{'team' if team else 'own'}_{dataset.id}",
                        rolled_columns=columns["t"], rolled_count_columns=columns["tn"], shared=bool(rolled))


def rollup(source: DatasetQuery, rolled: list[tuple[int, Aggregate]]) -> DatasetQuery:
    """Team aggregates as sums of the members' own (computed by `source`): one row per
    manager and period, over direct and indirect reports (and the manager's own rows for
    `team_and_self`). Reads the team table and `source` by name, not the fact rows."""
    selects = []
    for index, agg in rolled:
        only_reports = " FILTER (WHERE team.member <> team.owner)" if agg.scope == "team" else ""
        selects.append(f"sum(s.t{index}){only_reports} AS v{index}")
        if index in source.rolled_count_columns:
            selects.append(f"sum(s.tn{index}){only_reports} AS n{index}")
    sql = ("SELECT team.owner AS person, s.period,\n  " + ",\n  ".join(selects) + "\n"
           f"FROM {source.name} s JOIN {TEAM_TABLE} AS team ON s.person = team.member\n"
           f"GROUP BY 1, 2")
    return DatasetQuery(source.dataset, True, sql, [i for i, _ in rolled], list(source.rolled_count_columns),
                        name=f"__kp_rollup_{source.dataset}")


def team_cte(roster: Dataset) -> str:
    """The team table, as a CTE of the statement that reads it: every (manager, member)
    pair, direct and indirect, plus (p, p) for everyone; ids as text, as rows are matched
    to people everywhere (a text "02" is not the integer 2).

    Built from the top down: each person's managers, as a list, are their manager's list
    and their manager, so a step of the recursion reads only the people one level further
    down (a chain of 2,500 takes 2,500 small steps, not steps over the 3 million pairs
    found so far). The tops are the people with no manager or one the roster lacks (E651);
    the load refuses a roster whose managers loop (E652), so everyone else is below a top."""
    # the id and manager as text, so that columns typed apart (text ids, integer managers) match
    pid = f"CAST({quote(roster.bindings['id'])} AS VARCHAR)"
    manager = f"CAST({quote(roster.bindings['manager'])} AS VARCHAR)"
    table = quote(roster.id)
    return (
        f"{TEAM_TABLE} AS MATERIALIZED (\n"
        f"WITH RECURSIVE people(id, manager) AS (SELECT {pid}, {manager} FROM {table}),\n"
        f"above(member, managers) AS (\n"
        f"  SELECT id, CAST([] AS VARCHAR[]) FROM people\n"
        f"  WHERE manager IS NULL OR manager NOT IN (SELECT id FROM people WHERE id IS NOT NULL)\n"
        f"  UNION ALL\n"
        f"  SELECT p.id, list_append(a.managers, a.member)\n"
        f"  FROM above a JOIN people p ON p.manager = a.member\n"
        f")\n"
        f"SELECT unnest(managers) AS owner, member FROM above\n"
        f"UNION ALL SELECT id, id FROM people)"
    )
