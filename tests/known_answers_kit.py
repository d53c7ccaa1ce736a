"""Helpers for the evaluator's known-answer tests: a scheme on disk, its tables in DuckDB.

A test writes a small .kpi scheme, gives a few rows per dataset, and calls `run`.
Tables are created from the scheme's own column declarations with the loader's column
types (docs/semantics.md: string VARCHAR, integer BIGINT, decimal DECIMAL(18,6),
money DECIMAL(18,4), date DATE, timestamp TIMESTAMP, boolean BOOLEAN), so the engine
sees exactly what a real data source would hand it. Nothing of the engine is mocked.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb

from kpirules.engine.data_dates import default_period
from kpirules.engine.evaluate import evaluate
from kpirules.engine.periods import Calendar
from kpirules.engine.results import KpiResult, PersonResult, RunResult
from kpirules.model import load_scheme
from kpirules.model.scheme import Scheme

D = Decimal

SQL_TYPES = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "decimal": "DECIMAL(18,6)",
    "money": "DECIMAL(18,4)",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "boolean": "BOOLEAN",
}

# The scheme header, roster and fact datasets most tests share. A role without
# `applies_to` matches the people whose roster `role` column equals its id.
HEADER = """
scheme known_answers {
  currency CNY
  period month
}
"""

ROSTER = """
roster people {
  id person_id
  name name
  role role
  manager manager_id
  hire_date hired_on
  leave_date left_on
  column person_id string
  column name string
  column role string
  column manager_id string
  column level string
  column hired_on date
  column left_on date
  column target_incentive money
}
"""

FACTS = """
dataset calls {
  person agent_id
  date called_on
  column call_id string
  column agent_id string
  column called_on date
  column answered boolean
  column duration_s integer
}

dataset deals {
  person owner_id
  date closed_on
  column deal_id string
  column owner_id string
  column customer_id string
  column opened_on date
  column closed_on date
  column won boolean
  column amount money
}
"""

COMMON = HEADER + ROSTER + FACTS


def scheme_from(tmp_path: Path, text: str, name: str = "scheme.kpi") -> Scheme:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_scheme([path])


def create_tables(con: duckdb.DuckDBPyConnection, scheme: Scheme, rows: dict[str, list[dict]]) -> None:
    """One table per declared dataset, typed as declared; `rows` fills some of them."""
    unknown = set(rows) - set(scheme.datasets)
    assert not unknown, f"rows given for undeclared datasets {unknown}"
    for ds in scheme.datasets.values():
        columns = list(ds.columns.values())
        ddl = ", ".join(f'"{c.name}" {SQL_TYPES[c.type]}' for c in columns)
        con.execute(f'CREATE TABLE "{ds.id}" ({ddl})')
        given = rows.get(ds.id, [])
        for row in given:
            extra = set(row) - set(ds.columns)
            assert not extra, f"{ds.id} has no columns {extra}"
        if given:
            placeholders = ", ".join("?" for _ in columns)
            con.executemany(
                f'INSERT INTO "{ds.id}" VALUES ({placeholders})',
                [[_cell(row.get(c.name), c.type) for c in columns] for row in given],
            )


def _cell(value, type_: str):
    """Dates and timestamps may be written as ISO text in a test; money as text or Decimal."""
    if isinstance(value, str) and type_ == "date":
        return dt.date.fromisoformat(value)
    if isinstance(value, str) and type_ == "timestamp":
        return dt.datetime.fromisoformat(value)
    if isinstance(value, (str, int)) and not isinstance(value, bool) and type_ in ("money", "decimal"):
        return Decimal(str(value))
    return value


def setup(tmp_path: Path, text: str, rows: dict[str, list[dict]]) -> tuple[Scheme, duckdb.DuckDBPyConnection]:
    scheme = scheme_from(tmp_path, text)
    con = duckdb.connect(":memory:")
    create_tables(con, scheme, rows)
    return scheme, con


def run(tmp_path: Path, text: str, rows: dict[str, list[dict]], period: str, **kwargs) -> RunResult:
    """Load the scheme, load the rows, evaluate every scheme period the label covers."""
    scheme, con = setup(tmp_path, text, rows)
    calendar = Calendar(scheme.header)
    periods = calendar.scheme_periods(calendar.parse(period))
    return evaluate(scheme, con, periods, **kwargs)


def run_default_period(tmp_path: Path, text: str, rows: dict[str, list[dict]]) -> RunResult:
    scheme, con = setup(tmp_path, text, rows)
    period, reason = default_period(scheme, con)
    return evaluate(scheme, con, [period], period_reason=reason)


def evaluate_rulesets(paths: list[Path], rows: dict[str, list[dict]], period: str) -> RunResult:
    """Evaluate .kpi files as they are (the reference rulesets) on the given rows."""
    scheme = load_scheme(paths)
    con = duckdb.connect(":memory:")
    create_tables(con, scheme, rows)
    calendar = Calendar(scheme.header)
    return evaluate(scheme, con, calendar.scheme_periods(calendar.parse(period)))


def person(result: RunResult, person_id: str, period: str | None = None) -> PersonResult:
    found = [p for p in result.people if p.person_id == person_id and (period is None or p.period == period)]
    assert len(found) == 1, f"expected one result for {person_id} {period or ''}, found {len(found)}"
    return found[0]


def kpi(result: PersonResult, kpi_id: str) -> KpiResult:
    found = [k for k in result.kpis if k.id == kpi_id]
    assert len(found) == 1, f"no KPI {kpi_id} in {[k.id for k in result.kpis]}"
    return found[0]


def rep(person_id: str = "p1", role: str = "rep", **attrs) -> dict:
    """A roster row for someone active since 2020 unless told otherwise."""
    return {"person_id": person_id, "name": person_id.upper(), "role": role, "hired_on": "2020-01-01", **attrs}


def calls(person_id: str, day: str, n: int = 1, **cols) -> list[dict]:
    return [{"call_id": f"{person_id}-{day}-{i}", "agent_id": person_id, "called_on": day, **cols} for i in range(n)]


def deal(person_id: str, day: str, amount=None, **cols) -> dict:
    row = {"owner_id": person_id, "closed_on": day, **cols}
    if amount is not None:
        row["amount"] = D(str(amount))
    return row
