"""An independent oracle: hand-written SQL computes every reference KPI's value per person
on the shipped sample data, and `kpirules run` must agree with it exactly.

The SQL below is written from the rulesets' definitions, reads the sample CSV/Parquet files
directly with DuckDB (not through kpirules' loader), and shares no code with the engine.
Ratios are divided here in Python and rounded half-up to 6 places, as docs/semantics.md
says values are.
"""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from kpirules.cli import cli

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "sample"

# Self-scope measures: (KPI id, numerator SQL, denominator SQL or None). Each SQL returns
# (person, value) for the month [:s, :e) or, for quarterly KPIs, the quarter to date [:q, :e).
SELF = {
    "outbound_calls": ("SELECT agent_id, count(*) FROM calls WHERE called_at >= $s AND called_at < $e GROUP BY 1", None),
    "lead_conversion": (
        "SELECT owner_id, count(*) FROM leads WHERE status = 'converted' AND converted_at >= $s AND converted_at < $e GROUP BY 1",
        "SELECT owner_id, count(*) FROM leads WHERE created_at >= $s AND created_at < $e GROUP BY 1",
    ),
    "collection_rate": (
        "SELECT owner_id, sum(amount) FROM payments WHERE paid_on >= $s AND paid_on < $e GROUP BY 1",
        "SELECT owner_id, sum(amount) FROM invoices WHERE invoiced_on >= $s AND invoiced_on < $e GROUP BY 1",
    ),
    "satisfaction": (
        "SELECT owner_id, count(*) FROM surveys WHERE score >= 4 AND answered_on >= $s AND answered_on < $e GROUP BY 1",
        "SELECT owner_id, count(*) FROM surveys WHERE answered_on >= $s AND answered_on < $e GROUP BY 1",
    ),
    "new_key_customers": (
        """SELECT owner_id, count(DISTINCT customer_id) FROM contracts c
           WHERE signed_on >= $q AND signed_on < $e AND amount >= 500000
             AND signed_on = (SELECT min(signed_on) FROM contracts f WHERE f.customer_id = c.customer_id)
           GROUP BY 1""",
        None,
    ),
    "contract_amount": ("SELECT owner_id, sum(amount) FROM contracts WHERE signed_on >= $q AND signed_on < $e GROUP BY 1", None),
    "project_progress": (
        "SELECT owner_id, count(*) FROM milestones WHERE completed_on <= due_on AND due_on >= $s AND due_on < $e GROUP BY 1",
        "SELECT owner_id, count(*) FROM milestones WHERE due_on >= $s AND due_on < $e GROUP BY 1",
    ),
    "renewal_rate": (
        "SELECT owner_id, count(*) FROM renewals WHERE renewed AND due_on >= $s AND due_on < $e GROUP BY 1",
        "SELECT owner_id, count(*) FROM renewals WHERE due_on >= $s AND due_on < $e GROUP BY 1",
    ),
    "health_checks": (
        "SELECT owner_id, count(*) FROM visits WHERE NOT new_customer AND visited_on >= $s AND visited_on < $e GROUP BY 1",
        None,
    ),
}

# Team-scope measures of the sales-manager role: rows of all direct and indirect reports.
TEAM = """
WITH RECURSIVE team(owner, member) AS (
  SELECT manager_id, person_id FROM people WHERE manager_id IS NOT NULL
  UNION SELECT t.owner, p.person_id FROM team t JOIN people p ON p.manager_id = t.member)
SELECT t.owner, {agg} FROM {table} x JOIN team t ON x.owner_id = t.member
WHERE {where} x.{date} >= $s AND x.{date} < $e GROUP BY 1
"""
TEAM_MEASURES = {
    "new_customer_development": (TEAM.format(agg="count(*)", table="visits", where="new_customer AND", date="visited_on"), None),
    "collection_rate": (
        TEAM.format(agg="sum(x.amount)", table="payments", where="", date="paid_on"),
        TEAM.format(agg="sum(x.amount)", table="invoices", where="", date="invoiced_on"),
    ),
    "satisfaction": (
        TEAM.format(agg="count(*)", table="surveys", where="score >= 4 AND", date="answered_on"),
        TEAM.format(agg="count(*)", table="surveys", where="", date="answered_on"),
    ),
    "team_revenue": (TEAM.format(agg="sum(x.amount)", table="contracts", where="", date="signed_on"), None),
}
ROLE_KPIS = {
    "telesales": ["outbound_calls", "lead_conversion", "collection_rate", "satisfaction"],
    "senior_telesales": ["outbound_calls", "lead_conversion", "collection_rate", "satisfaction"],
    "key_account_manager": ["new_key_customers", "contract_amount", "project_progress", "collection_rate", "satisfaction"],
    "customer_success_manager": ["satisfaction", "renewal_rate", "health_checks"],
}
PERIODS = {  # period: (month start, month end, quarter start)
    "2026-06": ("2026-06-01", "2026-07-01", "2026-04-01"),
    "2026-12": ("2026-12-01", "2027-01-01", "2026-10-01"),
}
SIX = Decimal("0.000001")


@pytest.fixture(scope="module")
def oracle_db():
    con = duckdb.connect()
    con.execute(f"CREATE VIEW calls AS SELECT * FROM read_parquet('{DATA / 'calls.parquet'}')")
    types = {
        "people": "{'person_id':'VARCHAR','manager_id':'VARCHAR'}",
        "leads": "{'created_at':'DATE','converted_at':'DATE'}",
        "payments": "{'paid_on':'DATE','amount':'DECIMAL(18,2)'}",
        "invoices": "{'invoiced_on':'DATE','amount':'DECIMAL(18,2)'}",
        "surveys": "{'answered_on':'DATE','score':'BIGINT'}",
        "contracts": "{'signed_on':'DATE','amount':'DECIMAL(18,2)'}",
        "milestones": "{'due_on':'DATE','completed_on':'DATE'}",
        "renewals": "{'due_on':'DATE','renewed':'BOOLEAN'}",
        "visits": "{'visited_on':'DATE','new_customer':'BOOLEAN'}",
    }
    for table, columns in types.items():
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_csv('{DATA / (table + '.csv')}', header=true, types={columns})")
    return con


_CACHE: dict[tuple[str, str], dict[str, Decimal]] = {}


def _values(con, sql: str, period: str) -> dict[str, Decimal]:
    if (sql, period) in _CACHE:
        return _CACHE[(sql, period)]
    s, e, q = PERIODS[period]
    rows = con.execute(sql.replace("$s", f"DATE '{s}'").replace("$e", f"DATE '{e}'").replace("$q", f"DATE '{q}'")).fetchall()
    values = {str(person): Decimal(str(value)) for person, value in rows if person is not None}
    _CACHE[(sql, period)] = values
    return values


def _expected(con, measure, period: str, person: str) -> Decimal | None:
    numerator_sql, denominator_sql = measure
    numerator = _values(con, numerator_sql, period).get(person, Decimal(0))
    if denominator_sql is None:
        return numerator
    denominator = _values(con, denominator_sql, period).get(person, Decimal(0))
    if denominator == 0:
        return None  # docs/semantics.md: division by zero has no value
    return (numerator / denominator).quantize(SIX, rounding=ROUND_HALF_UP)


@pytest.fixture(scope="module", params=sorted(PERIODS))
def run_json(request, tmp_path_factory):
    out = tmp_path_factory.mktemp("oracle") / "run.json"
    result = CliRunner().invoke(cli, ["run", "--period", request.param, "--format", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return request.param, json.loads(out.read_text(encoding="utf-8"))


def test_every_kpi_value_matches_the_hand_written_sql(oracle_db, run_json):
    period, data = run_json
    checked = 0
    for person in data["people"]:
        role = person["role"]
        measures = TEAM_MEASURES if role == "sales_manager" else {k: SELF[k] for k in ROLE_KPIS[role]}
        by_id = {k["id"]: k for k in person["kpis"]}
        assert set(by_id) == set(measures), (person["person_id"], role)
        for kpi_id, measure in measures.items():
            expected = _expected(oracle_db, measure, period, person["person_id"])
            actual = by_id[kpi_id]["value"]
            assert (None if actual is None else Decimal(actual)) == expected, (period, person["person_id"], kpi_id)
            checked += 1
    assert checked > 200  # about 60 people with 3 to 5 KPIs each


def test_the_run_covers_everyone_active(oracle_db, run_json):
    period, data = run_json
    s, e, _ = PERIODS[period]
    active = {
        row[0] for row in oracle_db.execute(
            f"SELECT person_id FROM read_csv('{DATA / 'people.csv'}', header=true, types={{'left_on':'DATE','hired_on':'DATE'}}) "
            f"WHERE hired_on < DATE '{e}' AND (left_on IS NULL OR left_on >= DATE '{s}')"
        ).fetchall()
    }
    assert {p["person_id"] for p in data["people"]} == active
