"""Run a case: load its person and rows into a fresh in-memory DuckDB, evaluate with the real
engine, and compare every expectation with what came out.

Nothing here scores anything: `kpirules.engine.evaluate.evaluate` does, exactly as in
`kpirules run`; stated KPI values go in through its `given` argument.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import duckdb

from kpirules.engine.evaluate import evaluate
from kpirules.engine.results import PersonResult
from kpirules.errors import DataError, Diagnostic
from kpirules.model.scheme import Scheme
from kpirules.report.explain import Context
from kpirules.report.source import where
from kpirules.schemetest.spec import Case, Expectation
from kpirules.schemetest.steps import actual_of, shown, steps_of
from kpirules.sources.convert import SQL_TYPES, quote


@dataclass
class Failure:
    """An expectation the result did not meet, with the steps of the trace that produced it."""

    expectation: Expectation
    expected: str
    actual: str
    steps: list[str]


@dataclass
class CaseOutcome:
    case: Case
    status: str  # passed, failed, error
    failures: list[Failure] = field(default_factory=list)
    error: Diagnostic | None = None
    result: PersonResult | None = None


def case_database(case: Case, scheme: Scheme) -> duckdb.DuckDBPyConnection:
    """Every declared dataset as an empty table of its declared column types, then the case's rows."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    tables = {ds.id: [] for ds in scheme.datasets.values()}
    roster = scheme.roster
    if roster is not None:
        person = {k: v for k, v in case.person.items() if k != "__id__"}
        tables[roster.id] = [person, *case.others]
    for ds_id, rows in case.rows.items():
        tables[ds_id] = tables[ds_id] + rows
    for ds in scheme.datasets.values():
        columns = list(ds.columns)
        con.execute(f"CREATE TABLE {quote(ds.id)} ({', '.join(f'{quote(n)} {SQL_TYPES[c.type]}' for n, c in ds.columns.items())})")
        if tables[ds.id]:
            con.executemany(
                f"INSERT INTO {quote(ds.id)} VALUES ({', '.join('?' for _ in columns)})",
                [[row.get(name) for name in columns] for row in tables[ds.id]],
            )
    return con


def run_case(case: Case, scheme: Scheme) -> CaseOutcome:
    try:
        con = case_database(case, scheme)
    except duckdb.Error as exc:  # the values were checked when read; this is the last line of defence
        return CaseOutcome(case, "error", error=Diagnostic(
            "E813", f"the case cannot be loaded: {exc}", case.location,
            help="check the values of the case's person, others and rows"))
    given = {(case.person_id, kpi): value for kpi, value in case.values.items()}
    try:
        run = evaluate(scheme, con, [case.period], persons=[case.person_id], trace_rows=True, given=given)
        person = next((p for p in run.people if p.person_id == case.person_id), None)
        problem = _not_evaluated(case, run, person)
        if problem is not None:
            return CaseOutcome(case, "error", error=problem)
        if run.warnings:  # a row of the case that a run would never apply (a period mistyped)
            warning = run.warnings[0]
            return CaseOutcome(case, "error", error=Diagnostic(
                "E819", f"a row of the case is never applied: {warning}", case.location,
                help="write the row's period as the run labels it (2026-03, 2026Q1), or remove the row"))
        failures = _failures(case, person, lambda: Context.read(scheme, con))
    except DataError as exc:
        words = "; ".join(d.message for d in exc.diagnostics)
        return CaseOutcome(case, "error", error=Diagnostic(
            "E813", f"the case cannot be evaluated: {words}", case.location,
            help=exc.diagnostics[0].help))
    finally:
        con.close()
    return CaseOutcome(case, "failed" if failures else "passed", failures, result=person)


def _failures(case: Case, person: PersonResult, context: Callable[[], Context]) -> list[Failure]:
    """The expectations the result does not meet, each with explain's steps behind it (read with
    the case's scheme and roster, `context`, only when one fails)."""
    failures = []
    for expectation in case.expectations:
        actual = actual_of(expectation, person)
        if not _same(expectation.expected, actual) and not _counted_as_zero(case, expectation, actual):
            failures.append(Failure(expectation, shown(expectation, expectation.expected, person),
                                    shown(expectation, actual, person), []))
    if failures:
        read = context()
        for failure in failures:
            failure.steps = steps_of(failure.expectation, person, case, read)
    return failures


def _same(expected, actual) -> bool:
    if isinstance(expected, Decimal) or isinstance(actual, Decimal):
        return expected is not None and actual is not None and expected == actual
    return expected == actual


def _counted_as_zero(case: Case, e: Expectation, actual) -> bool:
    """`target_incentive = 0` holds when the target incentive has no value (its person attribute
    is empty): the payout counts it as 0 (semantics.md section 7), as its step says."""
    payout = case.role.payout
    return (e.field == "target_incentive" and actual is None and e.expected == 0
            and payout is not None and payout.target_incentive is not None)


def _not_evaluated(case: Case, run, person: PersonResult | None) -> Diagnostic | None:
    role = case.role
    if person is None and run.inactive_people:
        return Diagnostic("E812", f"the person is not active in {case.period.label}", case.location,
                          help="the hire date must be on or before the period's last day, the leave date on or after its first")
    if person is None:
        condition = f" (applies_to at {where(role.applies_to.span)})" if role.applies_to is not None else ""
        return Diagnostic("E812", f"the person matches no role, so {role.id} is not evaluated{condition}", case.location,
                          help="state the person attributes the role's applies_to reads")
    if person.role != role.id:
        return Diagnostic("E812", f"the person is evaluated as {person.role}, not {role.id}", case.location,
                          help=f"state attributes for which the applies_to of {role.id} holds and that of {person.role} does not")
    return None
