"""The staging table: a dataset's rows converted to the declared types, with their problems.

One `CREATE TABLE ... AS SELECT` reads the source once and writes, per row, the declared
columns plus `__problems`: NULL for a good row, else a list of what is wrong with it
(a value that does not convert, a missing required value, a negative non_negative value).
Duplicates of unique columns and keys are added afterwards with one GROUP BY per column.
Row numbers are the staging table's `rowid + 1` (DuckDB keeps the source's order).
"""

from __future__ import annotations

import duckdb

from kpirules.model.scheme import Dataset
from kpirules.sources.convert import SQL_TYPES, TYPE_WORDS, conversion, literal, quote

PROBLEMS = "__problems"
PROBLEM_TYPE = 'STRUCT(kind VARCHAR, "column" VARCHAR, value VARCHAR, message VARCHAR)[]'


def _problem(kind: str, column: str, value: str, message: str) -> str:
    return (
        f"{{'kind': {literal(kind)}, 'column': {literal(column)}, "
        f"'value': CAST({value} AS VARCHAR), 'message': {message}}}"
    )


def stage_sql(dataset: Dataset, raw: str, raw_types: dict[str, str], sources: dict[str, str],
              stage: str, *, scheme_tz: str, source_tz: str | None) -> str:
    """The CREATE TABLE statement that converts and checks `raw` into `stage`.

    raw_types: source column -> DuckDB type; sources: declared column -> source column.
    """
    givens, values, outputs, checks = [], [], [], []
    for i, (name, column) in enumerate(dataset.columns.items()):
        g, v = f"g{i}", f"v{i}"
        conv = conversion(column, f"r.{quote(sources[name])}", raw_types[sources[name]],
                          scheme_tz=scheme_tz, source_tz=source_tz, given_alias=g)
        givens.append(f"{conv.given} AS {g}")
        values.append(f"{g}, {conv.value} AS {v}")
        outputs.append(f"CAST({v} AS {SQL_TYPES[column.type]}) AS {quote(name)}")
        if conv.can_fail:
            said = f"{literal(name + ': ' + chr(39))} || CAST({g} AS VARCHAR) || " \
                   f"{literal(chr(39) + ' is not ' + TYPE_WORDS[column.type])}"
            checks.append((f"({g} IS NOT NULL AND {v} IS NULL)", _problem("convert", name, g, said)))
        if column.required:
            checks.append((f"({g} IS NULL)",
                           _problem("required", name, "NULL", literal(f"{name}: missing (required)"))))
        if column.non_negative:
            said = f"{literal(name + ': ')} || CAST({v} AS VARCHAR) || {literal(' is negative (non_negative)')}"
            checks.append((f"({v} < 0)", _problem("negative", name, v, said)))
    if checks:
        any_problem = " OR ".join(cond for cond, _ in checks)
        items = ", ".join(f"CASE WHEN {cond} THEN {item} END" for cond, item in checks)
        problems = f"CASE WHEN {any_problem} THEN list_filter([{items}], lambda p: p IS NOT NULL) END"
    else:
        problems = f"CAST(NULL AS {PROBLEM_TYPE})"
    return (
        f"CREATE TABLE {quote(stage)} AS SELECT {', '.join(outputs)}, "
        f"CAST({problems} AS {PROBLEM_TYPE}) AS {PROBLEMS} "
        f"FROM (SELECT {', '.join(values)} FROM (SELECT {', '.join(givens)} FROM {quote(raw)} AS r))"
    )


def extra_problems_table(con: duckdb.DuckDBPyConnection, name: str) -> str:
    """A table for problems found after staging, by row (the staging table is never updated:
    an UPDATE would move rows and change their rowid, which is their row number)."""
    con.execute(f"CREATE TEMP TABLE {quote(name)} (ord BIGINT, kind VARCHAR, \"column\" VARCHAR, "
                f"value VARCHAR, message VARCHAR)")
    return name


def problems_sql(stage: str, extra: str) -> str:
    """Every problem of every row: ord (1-based row order), kind, column, value, message."""
    return (
        f"SELECT rowid + 1 AS ord, generate_subscripts({PROBLEMS}, 1) AS seq, "
        f"unnest({PROBLEMS}, recursive := true) FROM {quote(stage)} WHERE {PROBLEMS} IS NOT NULL "
        f"UNION ALL BY NAME SELECT ord, 1000 AS seq, kind, \"column\", value, message FROM {quote(extra)}"
    )


def bad_row_sql(extra: str) -> str:
    """A condition on the staging table: this row has a problem."""
    return f"({PROBLEMS} IS NOT NULL OR rowid + 1 IN (SELECT ord FROM {quote(extra)}))"


def mark_duplicates(con: duckdb.DuckDBPyConnection, stage: str, extra: str, column: str, kind: str) -> int:
    """Record a problem for every row whose `column` value appears more than once; return how many values."""
    col = quote(column)
    dups = f"{extra}_dups"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {quote(dups)} AS SELECT {col} AS v FROM {quote(stage)} "
        f"WHERE {col} IS NOT NULL GROUP BY {col} HAVING count(*) > 1"
    )
    try:
        (count,) = con.execute(f"SELECT count(*) FROM {quote(dups)}").fetchall()[0]
        if count:
            value = f"CAST({col} AS VARCHAR)"
            message = (
                f"{literal('duplicate key ' + column + ' ' + chr(39))} || {value} || {literal(chr(39))}"
                if kind == "key" else
                f"{literal(column + ': ' + chr(39))} || {value} || {literal(chr(39) + ' appears in more than one row (unique)')}"
            )
            con.execute(
                f"INSERT INTO {quote(extra)} SELECT rowid + 1, {literal(kind)}, {literal(column)}, {value}, {message} "
                f"FROM {quote(stage)} WHERE {col} IN (SELECT v FROM {quote(dups)})"
            )
        return count
    finally:
        con.execute(f"DROP TABLE IF EXISTS {quote(dups)}")


def summary(con: duckdb.DuckDBPyConnection, stage: str, extra: str, columns: list[str]) -> tuple[int, int, int]:
    """(rows with problems, good rows, order-free sum of the good rows' hashes)."""
    cols = ", ".join(quote(c) for c in columns)
    bad, good, total = con.execute(
        f"SELECT count(*) FILTER (bad), count(*) FILTER (NOT bad), "
        f"coalesce(sum(h) FILTER (NOT bad), 0) FROM "
        f"(SELECT {bad_row_sql(extra)} AS bad, hash({cols})::HUGEINT AS h FROM {quote(stage)})"
    ).fetchall()[0]
    return bad, good, int(total)
