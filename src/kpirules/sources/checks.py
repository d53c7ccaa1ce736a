"""Checks across rows: the roster's structure and the people a fact dataset credits.

The roster must have rows and name each person once, every manager must be a person in it, and the
manager chain must not loop (found with a recursive CTE, not Python over rows). People a
fact, targets or adjustments dataset credits but the roster lacks are counted, not errors:
the report says how many rows and which ids, so nothing disappears silently.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from kpirules.errors import DataLocation, Diagnostic
from kpirules.model.scheme import Dataset
from kpirules.sources.convert import quote
from kpirules.sources.loaded import DatasetLoad
from kpirules.sources.problems import EXAMPLES, NULL_MARKERS, Numbering, more_notes, no_value_help, value_in_rows

UNKNOWN_EXAMPLES = 5
#: the rows shown for each manager id missing from the roster
ROWS_PER_VALUE = 5


def roster_diagnostics(con: duckdb.DuckDBPyConnection, table: str, roster: Dataset, locator: str,
                       numbering: Numbering, no_value: Callable[[str, str], str] | None = None) -> list[Diagnostic]:
    """Duplicate person ids, managers missing from the roster, and manager cycles.

    `no_value` (the source's `no_value_help`) says what to do when the managers missing are
    all one word for "no value" (`NULL`)."""
    person = roster.bindings.get("id")
    if person is None:
        return []
    t, p = quote(table), quote(person)
    out = []
    duplicates = con.execute(
        f"SELECT {p}, list(rowid + 1 ORDER BY rowid), count(*) OVER () FROM {t} WHERE {p} IS NOT NULL "
        f"GROUP BY {p} HAVING count(*) > 1 ORDER BY min(rowid) LIMIT {EXAMPLES}"
    ).fetchall()
    if duplicates:
        total = duplicates[0][2]
        notes = [f"{pid!r} in " + " and ".join(numbering.where(numbering.row(con, o)) for o in ords[:5])
                 for pid, ords, _ in duplicates]
        out.append(Diagnostic(
            "E650", f"{total} person id{'s' if total != 1 else ''} appear{'' if total != 1 else 's'} "
            f"more than once in the roster", DataLocation(roster.id, locator, column=person),
            help="each person has one row in the roster; merge or remove the duplicates",
            notes=notes + more_notes(total, len(duplicates)),
        ))
    out += _left_before_hired(con, t, roster, locator, numbering)
    if duplicates:
        return out  # the manager checks assume one row per person
    manager = roster.bindings.get("manager")
    if manager is None:
        return out
    m = quote(manager)
    # ids are matched as text, exactly as written (a manager column may be typed apart from the id's)
    m_text, p_text = f"CAST({m} AS VARCHAR)", f"CAST({p} AS VARCHAR)"
    # per manager id missing from the roster: its first rows, how many rows name it, and the totals
    unknown = con.execute(
        f"SELECT {m}, list(rowid + 1 ORDER BY rowid)[1:{ROWS_PER_VALUE}], count(*), "
        f"count(*) OVER (), sum(count(*)) OVER () FROM {t} WHERE {m} IS NOT NULL "
        f"AND {m_text} NOT IN (SELECT {p_text} FROM {t} WHERE {p} IS NOT NULL) GROUP BY {m} "
        f"ORDER BY min(rowid) LIMIT {EXAMPLES}"
    ).fetchall()
    if unknown:
        ids, rows = unknown[0][3], int(unknown[0][4])
        s, be = ("s", "are") if ids != 1 else ("", "is")
        out.append(Diagnostic(
            # the same manager on several rows (a team): both counts
            "E651", f"{ids} manager id{s} in column {manager} {be} not a person in the roster" if rows == ids
            else f"{rows} rows name {ids} manager id{s} in column {manager} that {be} not a person in the roster",
            DataLocation(roster.id, locator, numbering.row(con, unknown[0][1][0]), manager),
            help=_unknown_manager_help(manager, person, {str(v).strip() for v, *_ in unknown}, no_value),
            notes=[value_in_rows(v, [numbering.row(con, o) for o in ords], n, numbering) for v, ords, n, _, _ in unknown]
            + more_notes(ids, len(unknown)),
        ))
    # one walk per loop, from its smallest id (`_loop_starts`); each walk keeps the people it
    # passed and their rows (`ords`, rowid + 1), in step
    edges = con.execute(f"SELECT count(*) FROM {t} WHERE {p} IS NOT NULL AND {m} IS NOT NULL").fetchone()[0]
    cycles = con.execute(
        f"WITH RECURSIVE edges AS (SELECT {p_text} AS id, {m_text} AS manager, rowid + 1 AS ord FROM {t} "
        f"WHERE {p} IS NOT NULL AND {m} IS NOT NULL), {_loop_starts(edges)}, "
        f"walk(start, cur, path, ords) AS (SELECT id, manager, [id], [ord] FROM edges "
        f"WHERE id IN (SELECT id FROM starts) UNION ALL "
        f"SELECT w.start, e.manager, list_append(w.path, w.cur), list_append(w.ords, e.ord) "
        f"FROM walk w JOIN edges e ON e.id = w.cur "
        f"WHERE w.cur <> w.start AND NOT list_contains(w.path, w.cur)) "
        f"SELECT DISTINCT ON (list_sort(path)) path, ords FROM walk WHERE cur = start ORDER BY list_sort(path)"
    ).fetchall()
    for path, ords in cycles:
        first = path.index(min(path))
        loop, rows = path[first:] + path[:first], [numbering.row(con, o) for o in ords[first:] + ords[:first]]
        # each person in the loop with the manager their row names: the next one
        notes = [f"{numbering.where(row)}: {pid!r}, {manager} {boss!r}"
                 for row, pid, boss in zip(rows, loop, [*loop[1:], loop[0]])]
        # a long loop is shown by its first people (the notes name their rows)
        shown = [*loop, loop[0]] if len(loop) <= 10 else [*loop[:10], f"... ({len(loop)} people) ...", loop[0]]
        out.append(Diagnostic(
            "E652", "manager cycle: " + " -> ".join(map(str, shown)),
            DataLocation(roster.id, locator, rows[0], manager),
            help="a person cannot (indirectly) manage themselves; fix one manager in the cycle",
            notes=notes[:EXAMPLES] + more_notes(len(notes), EXAMPLES),
        ))
    return out


def _loop_starts(edges: int) -> str:
    """CTEs ending in `starts`: the smallest id of each manager loop, found by pointer jumping
    over `edges` (id, manager), so that the loops are walked once each, never from everyone.

    Round k holds, for each person with at least 2^k managers above them, the one 2^k steps
    up (`up`) and the smallest id of the 2^k people from the person up to just below that
    one (`low`); a round joins the previous one with itself, so a person whose chain ends at
    a top drops out. Once 2^rounds exceeds the number of edges (longer than any loop or any
    path into one) only people in or under a loop are left, every `up` is in a loop and
    every person of a loop is someone's `up`, and a person of a loop whose `low` is their
    own id is its smallest. A chain of 2,500 takes 12 joins of at most 2,500 rows, where
    walking up from everyone made 3 million rows, each with a list of the people passed."""
    rounds = max(1, edges.bit_length())
    ctes = ["jump0 AS MATERIALIZED (SELECT id, manager AS up, id AS low FROM edges)"]
    for k in range(1, rounds + 1):
        ctes.append(f"jump{k} AS MATERIALIZED (SELECT a.id, b.up, least(a.low, b.low) AS low "
                    f"FROM jump{k - 1} a JOIN jump{k - 1} b ON b.id = a.up)")
    ctes.append(f"starts AS (SELECT id FROM jump{rounds} WHERE id = low AND id IN (SELECT up FROM jump{rounds}))")
    return ", ".join(ctes)


def _left_before_hired(con: duckdb.DuckDBPyConnection, t: str, roster: Dataset, locator: str,
                       numbering: Numbering) -> list[Diagnostic]:
    """E653: a leave date before the hire date (a rehire whose old leave date was kept):
    such a person would be active on no day, and left out of every run without a word."""
    hired, left = roster.bindings.get("hire_date"), roster.bindings.get("leave_date")
    if hired is None or left is None:
        return []
    h, lv, p = quote(hired), quote(left), quote(roster.bindings["id"])
    found = con.execute(
        f"SELECT rowid + 1, {p}, CAST({h} AS DATE), CAST({lv} AS DATE), count(*) OVER () FROM {t} "
        f"WHERE CAST({lv} AS DATE) < CAST({h} AS DATE) ORDER BY rowid LIMIT {EXAMPLES}"
    ).fetchall()
    if not found:
        return []
    total = found[0][4]
    return [Diagnostic(
        "E653", f"{total} {'people leave' if total != 1 else 'person leaves'} before being hired "
        f"({left} before {hired})", DataLocation(roster.id, locator, numbering.row(con, found[0][0]), left),
        help=f"for a person hired again, empty {left} (or give the new leave date); "
             f"a person is active from {hired} to {left}, both included",
        notes=[f"{numbering.where(numbering.row(con, o))}: {pid!r}, {hired} {h_.isoformat()}, {left} {l_.isoformat()}"
               for o, pid, h_, l_, _ in found],
    )]


def empty_roster(roster: DatasetLoad) -> Diagnostic | None:
    """E504: a roster loaded without rows (a file with only its header), so that nobody is
    evaluated; `run` and `sources check` both refuse it."""
    if roster.rows:
        return None
    return Diagnostic(
        "E504", f"the roster ({roster.dataset}) has no rows: there is nobody to evaluate",
        DataLocation(roster.dataset, roster.locator), help=f"check the source it is read from ({roster.description})",
    )


def unknown_persons(con: duckdb.DuckDBPyConnection, table: str, column: str, roster_table: str,
                    roster_id: str) -> tuple[int, list[str], int | None]:
    """How many rows credit a person the roster lacks, a few of those ids, and the first such
    row (rowid + 1, for messages)."""
    t, c, r, rid = quote(table), quote(column), quote(roster_table), quote(roster_id)
    # as text, as the engine matches rows to people: "02" credits nobody when the ids are 1, 2, 3
    missing = f"FROM {t} s ANTI JOIN {r} p ON CAST(s.{c} AS VARCHAR) = CAST(p.{rid} AS VARCHAR) WHERE s.{c} IS NOT NULL"
    count, first = con.execute(f"SELECT count(*), min(s.rowid) + 1 {missing}").fetchall()[0]
    if not count:
        return 0, [], None
    examples = con.execute(
        # ids that are numbers in their order (9 before 10), then the others as text
        f"SELECT DISTINCT CAST(s.{c} AS VARCHAR) AS v {missing} "
        f"ORDER BY TRY_CAST(v AS HUGEINT) NULLS LAST, v LIMIT {UNKNOWN_EXAMPLES}"
    ).fetchall()
    return count, [v for (v,) in examples], first


#: what to do about rows credited to people the roster lacks (kpirules run, sources check)
UNKNOWN_PERSON_HELP = ("ids are matched exactly as written, spaces and case included; fix the id in the source "
                       "or add the person to the roster")


def rows_without(con: duckdb.DuckDBPyConnection, table: str, columns: list[str | None]) -> list[int | None]:
    """Per column, how many rows leave it empty, in one pass (None for a column not given): rows
    without a person count for nobody, rows without a date are in no period."""
    named = [c for c in columns if c is not None]
    if not named:
        return [None] * len(columns)
    counts = iter(con.execute(
        f"SELECT {', '.join(f'count(*) FILTER (WHERE {quote(c)} IS NULL)' for c in named)} FROM {quote(table)}"
    ).fetchall()[0])
    return [None if c is None else next(counts) for c in columns]


def _unknown_manager_help(manager: str, person: str, values: set[str],
                          no_value: Callable[[str, str], str] | None) -> str:
    if len(values) == 1 and values <= NULL_MARKERS:
        return (no_value or no_value_help)(next(iter(values)), manager)
    return (f"every {manager} must be the {person} of another row (or empty for the top of the tree); when the "
            f"source lists the managers only in {manager}, build the roster with a duckdb query that adds a row "
            f"for each (docs/sources.md, \"A roster whose managers are not rows\")")
