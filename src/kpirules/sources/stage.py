"""The staging table: a dataset's rows converted to the declared types, and their problems.

The fast paths are one `CREATE TABLE ... AS SELECT` that reads the source once and writes
the declared columns. For a text source that can read its own columns typed
(`Source.typed_scan`: the csv source), the first try lets its reader parse the columns
whose types it parses exactly as the loader converts them (`typed_stage`); when a value does
not parse there, the next converts the text, each value as carefully as always, but raising
(DuckDB's `error()`) where a value the source gave does not convert or a required one is
missing (`fast_stage`).
A value that did not convert never reaches the table; only a NULL for "no value" does,
and the test for blanks runs only on rows whose value is NULL. If it succeeds, one
aggregate over the negative non_negative values and one GROUP BY per unique column or
key are all that is left to check: clean data costs one scan of the source.

When the fast path raises, or finds a negative value, the careful path runs: the same
conversions yielding NULL (never raising) plus `__given`, how many of the row's
convertible values the source gave; one aggregate then counts the suspect rows, and
`find_row_problems` reads the source again beside the staged rows (a POSITIONAL JOIN:
both keep the source's order) and records each problem, with the value as the source
gave it, in a problems table. Row numbers are the staging table's `rowid + 1`; the
staging table is never updated (an UPDATE would move rows and change their rowid).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from kpirules.model.scheme import ColumnSpec, Dataset
from kpirules.sources.convert import (
    SQL_TYPES, TYPE_WORDS, Conversion, conversion, in_calendar, literal, quote, read_value, reader_type,
)

GIVEN = "__given"
PROBLEM_COLUMNS = 'ord BIGINT, seq INTEGER, kind VARCHAR, "column" VARCHAR, value VARCHAR, message VARCHAR'


@dataclass
class StagePlan:
    """How one dataset is staged: the SQL, and what the checks need to know."""

    dataset: Dataset
    stage: str
    raw: str
    #: the careful staging SQL: never raises for a value, adds __given
    create: str
    #: the fast staging SQL: raises where `create` would leave a problem to find
    fast_create: str
    #: the source values, one column __g<i> per declared column, in source order
    given_sql: str
    conversions: list[tuple[str, ColumnSpec, Conversion]] = field(default_factory=list)
    #: source column -> the type a text source's reader may parse it as (`reader_type`)
    reader_types: dict[str, str] = field(default_factory=dict)
    #: the fast staging SELECT's columns over a read with `reader_types`
    typed_outputs: list[str] = field(default_factory=list)
    #: the declared columns that read is to parse
    typed_columns: list[str] = field(default_factory=list)

    @property
    def fallible(self) -> list[tuple[int, str]]:
        return [(i, name) for i, (name, _, conv) in enumerate(self.conversions) if conv.can_fail]


def required(dataset: Dataset, name: str) -> bool:
    """Whether a column must have a value in every row: declared `required`, or the roster's
    id (a roster row without one is nobody: `str(None)` made it a person called "None")."""
    return dataset.columns[name].required or (dataset.kind == "roster" and dataset.bindings.get("id") == name)


def plan_stage(dataset: Dataset, raw: str, raw_types: dict[str, str], sources: dict[str, str], stage: str,
               *, scheme_tz: str, source_tz: str | None) -> StagePlan:
    """raw_types: source column -> DuckDB type; sources: declared column -> source column."""
    givens, outputs, fallible, conversions, strict = [], [], [], [], []
    # text columns a text source's reader may parse itself: each read by one declared column
    readers = {sources[name]: reader_type(column) for name, column in dataset.columns.items()
               if raw_types[sources[name]] == "VARCHAR" and reader_type(column) is not None}
    readers = {src: t for src, t in readers.items() if list(sources.values()).count(src) == 1}
    typed_outputs = []
    for i, (name, column) in enumerate(dataset.columns.items()):
        source = f"r.{quote(sources[name])}"
        # one flat SELECT: DuckDB computes shared subexpressions once, and nesting the
        # conversions in subqueries measured slower
        flat = conversion(column, source, raw_types[sources[name]], scheme_tz=scheme_tz, source_tz=source_tz)
        outputs.append(f"CAST({flat.value} AS {SQL_TYPES[column.type]}) AS {quote(name)}")
        # coalesce evaluates its second argument only where the first is NULL: the blank
        # test costs nothing on rows that converted
        checked = flat.unranged or flat.value  # the range is checked on the staged values
        if flat.strict is not None:
            checked = flat.strict  # for typed sources, often DuckDB's own CAST
        elif flat.can_fail:
            checked = f"coalesce({checked}, CASE WHEN {flat.blank} THEN NULL ELSE {_RAISE} END)"
        if required(dataset, name):
            checked = f"coalesce({checked}, {_RAISE})"
        strict.append(f"CAST({checked} AS {SQL_TYPES[column.type]}) AS {quote(name)}")
        if sources[name] in readers:
            value = read_value(column, source, scheme_tz=scheme_tz, source_tz=source_tz)
            typed_outputs.append(f"CAST({value} AS {SQL_TYPES[column.type]}) AS {quote(name)}")
        else:
            typed_outputs.append(strict[-1])
        if flat.can_fail:
            fallible.append(f"({flat.given} IS NOT NULL)::INTEGER")
        # the same conversion over the rescanned source value, for find_row_problems
        conversions.append((name, column, conversion(column, source, raw_types[sources[name]], scheme_tz=scheme_tz,
                                                     source_tz=source_tz, given_alias=f"__g{i}")))
        givens.append(f"{flat.given} AS __g{i}")
    if fallible:
        outputs.append(f"{' + '.join(fallible)} AS {GIVEN}")
    create = f"CREATE TABLE {quote(stage)} AS SELECT {', '.join(outputs)} FROM {quote(raw)} AS r"
    fast_create = f"CREATE TABLE {quote(stage)} AS SELECT {', '.join(strict)} FROM {quote(raw)} AS r"
    given_sql = f"SELECT {', '.join(givens)} FROM {quote(raw)} AS r"
    typed_columns = [name for name in dataset.columns if sources[name] in readers]
    return StagePlan(dataset, stage, raw, create, fast_create, given_sql, conversions, readers, typed_outputs,
                     typed_columns)


#: aborts the fast path; its message is never shown (the careful path says what was wrong)
_RAISE = "error('kpirules: a value needs a closer look')"


def fast_stage(con: duckdb.DuckDBPyConnection, plan: StagePlan) -> bool:
    """Stage with plan.fast_create; True if every value converted and no constraint on a
    single value is broken (else nothing is left staged)."""
    try:
        con.execute(plan.fast_create)
    except (duckdb.ConversionException, duckdb.InvalidInputException, duckdb.OutOfRangeException):
        con.execute(f"DROP TABLE IF EXISTS {quote(plan.stage)}")
        return False
    return _staged_values_hold(con, plan)


def typed_stage(con: duckdb.DuckDBPyConnection, plan: StagePlan, scan: str) -> bool | None:
    """Stage from `scan`, the source read again with `plan.reader_types` parsed by its own
    reader (`Source.typed_scan`), the other columns as in plan.fast_create.

    True: staged, as `fast_stage` stages. False: a value breaks a constraint (nothing is left
    staged; the careful path finds it). None: the reader could not parse a value or read a
    record (nothing is left staged; `fast_stage` converts the text itself). The reader parses
    at about the cost of DuckDB reading the file alone, where converting the text after it
    has been read costs about a fifth more: this is the path clean files take.
    """
    try:
        con.execute(f"CREATE TABLE {quote(plan.stage)} AS SELECT {', '.join(plan.typed_outputs)} FROM {scan} AS r")
    except (duckdb.ConversionException, duckdb.InvalidInputException, duckdb.OutOfRangeException):
        con.execute(f"DROP TABLE IF EXISTS {quote(plan.stage)}")
        return None
    # a required value the reader read as no value is the careful path's to report (the
    # text conversions raise on it themselves)
    missing = [f"{quote(n)} IS NULL" for n in plan.typed_columns if required(plan.dataset, n)]
    return _staged_values_hold(con, plan, missing)


def _staged_values_hold(con: duckdb.DuckDBPyConnection, plan: StagePlan, more: list[str] = ()) -> bool:
    """Whether the table a fast path staged has no negative non_negative value and no day
    outside the calendar (nor any of `more`); if it has, it is dropped."""
    suspect = list(more) + [f"{quote(n)} < 0" for n, c in plan.dataset.columns.items() if c.non_negative]
    # a typed date or timestamp converts as it is, infinity and years past 9999 too
    suspect += [f"(CASE WHEN {quote(n)} IS NULL THEN FALSE WHEN isfinite({quote(n)}) "
                f"THEN NOT {in_calendar(quote(n))} ELSE TRUE END)"
                for n, c in plan.dataset.columns.items() if c.type in ("date", "timestamp")]
    negative = " OR ".join(suspect)
    if negative and con.execute(f"SELECT count(*) FROM {quote(plan.stage)} WHERE {negative}").fetchall()[0][0]:
        con.execute(f"DROP TABLE {quote(plan.stage)}")
        return False
    return True


@dataclass
class Summary:
    rows: int
    #: rows that may hold a problem (a value that did not convert, negative, missing)
    suspect: int
    #: unique columns and keys whose values may not all be distinct
    duplicated: list[str]


def summarise(con: duckdb.DuckDBPyConnection, plan: StagePlan, distinct: list[str], *, careful: bool) -> Summary:
    """The staged rows, the suspect ones (careful path only: the fast path has none), and
    the unique columns and keys whose values may repeat."""
    suspect = _suspect_condition(plan) if careful else ""
    parts = ["count(*)", f"count(*) FILTER ({suspect})" if suspect else "0"]
    rows, suspects = con.execute(f"SELECT {', '.join(parts)} FROM {quote(plan.stage)}").fetchall()[0]
    # grouping by the value's hash is cheaper than by the text, and (unlike count(DISTINCT))
    # runs on every core; a collision only sends the column to mark_duplicates, which
    # compares the values themselves
    duplicated = [
        name for name in distinct
        if con.execute(
            f"SELECT count(*) FROM (SELECT hash({quote(name)}) AS h FROM {quote(plan.stage)} "
            f"WHERE {quote(name)} IS NOT NULL GROUP BY h HAVING count(*) > 1)"
        ).fetchall()[0][0]
    ]
    return Summary(rows, suspects, duplicated)


def _suspect_condition(plan: StagePlan, table: str = "") -> str:
    prefix = f"{table}." if table else ""
    conditions = []
    if plan.fallible:
        converted = " + ".join(f"({prefix}{quote(name)} IS NOT NULL)::INTEGER" for _, name in plan.fallible)
        conditions.append(f"{prefix}{GIVEN} <> {converted}")
    for name, column, _ in plan.conversions:
        if column.non_negative:
            conditions.append(f"{prefix}{quote(name)} < 0")
        if required(plan.dataset, name):
            conditions.append(f"{prefix}{quote(name)} IS NULL")
    return " OR ".join(f"({c})" for c in conditions)


def problems_table(con: duckdb.DuckDBPyConnection, name: str) -> str:
    con.execute(f"CREATE TEMP TABLE {quote(name)} ({PROBLEM_COLUMNS})")
    return name


def find_row_problems(con: duckdb.DuckDBPyConnection, plan: StagePlan, problems: str) -> None:
    """Record every value that did not convert, every negative non_negative value, every
    missing required value, reading the source again beside the staged rows."""
    suspects = f"{problems}_suspects"
    con.execute(
        f"CREATE TEMP TABLE {quote(suspects)} AS SELECT s.rowid + 1 AS __ord, s.*, g.* "
        f"FROM {quote(plan.stage)} s POSITIONAL JOIN ({plan.given_sql}) g WHERE {_suspect_condition(plan, 's')}"
    )
    try:
        for i, (name, column, conv) in enumerate(plan.conversions):
            g, v = f"__g{i}", quote(name)
            checks = []
            if conv.can_fail:
                said = (f"{literal(name + ': ' + chr(39))} || CAST({g} AS VARCHAR) || "
                        f"{literal(chr(39) + ' is not ' + TYPE_WORDS[column.type])}")
                checks.append(("convert", f"{v} IS NULL AND NOT {conv.blank}", f"CAST({g} AS VARCHAR)", said))
            if required(plan.dataset, name):
                checks.append(("required", f"{v} IS NULL AND {conv.blank}", "NULL",
                               literal(f"{name}: missing (required)")))
            if column.non_negative:
                said = f"{literal(name + ': ')} || CAST({v} AS VARCHAR) || {literal(' is negative (non_negative)')}"
                checks.append(("negative", f"{v} < 0", f"CAST({v} AS VARCHAR)", said))
            for k, (kind, condition, value, message) in enumerate(checks):
                con.execute(
                    f"INSERT INTO {quote(problems)} SELECT __ord, {i * 10 + k}, {literal(kind)}, {literal(name)}, "
                    f"{value}, {message} FROM {quote(suspects)} WHERE {condition}"
                )
    finally:
        con.execute(f"DROP TABLE IF EXISTS {quote(suspects)}")


def mark_duplicates(con: duckdb.DuckDBPyConnection, stage: str, problems: str, column: str, kind: str) -> None:
    """Record a problem for every row whose `column` value appears more than once."""
    col = quote(column)
    value = f"CAST({col} AS VARCHAR)"
    message = (
        f"{literal('duplicate key ' + column + ' ' + chr(39))} || {value} || {literal(chr(39))}"
        if kind == "key" else
        f"{literal(column + ': ' + chr(39))} || {value} || {literal(chr(39) + ' appears in more than one row (unique)')}"
    )
    con.execute(
        f"INSERT INTO {quote(problems)} SELECT rowid + 1, 1000, {literal(kind)}, {literal(column)}, {value}, {message} "
        f"FROM {quote(stage)} WHERE {col} IN (SELECT {col} FROM {quote(stage)} WHERE {col} IS NOT NULL "
        f"GROUP BY {col} HAVING count(*) > 1)"
    )


def problems_sql(problems: str) -> str:
    """Every problem of every row: ord (1-based row order), seq, kind, column, value, message."""
    return f'SELECT ord, seq, kind, "column", value, message FROM {quote(problems)}'


def bad_row_sql(problems: str) -> str:
    """A condition on the staging table: this row has a problem."""
    return f"(rowid + 1 IN (SELECT ord FROM {quote(problems)}))"


def good_rows(con: duckdb.DuckDBPyConnection, plan: StagePlan, problems: str) -> tuple[int, int]:
    """(rows with problems, good rows)."""
    bad, good = con.execute(
        f"SELECT count(*) FILTER (bad), count(*) FILTER (NOT bad) FROM "
        f"(SELECT {bad_row_sql(problems)} AS bad FROM {quote(plan.stage)})"
    ).fetchall()[0]
    return bad, good


def hash_sum(con: duckdb.DuckDBPyConnection, table: str, dataset: Dataset) -> int:
    """The order-free sum of the row hashes of a loaded table (the fingerprint's content part)."""
    cols = ", ".join(quote(c) for c in dataset.columns)
    (total,) = con.execute(f"SELECT sum(hash({cols})::HUGEINT) FROM {quote(table)}").fetchall()[0]
    return int(total or 0)
