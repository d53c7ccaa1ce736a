"""examples/adventureworks: the scheme is clean, and a real run over the shared AdventureWorks
data gives, for every person and quarter, the KPI values a hand-written DuckDB query over the
raw files gives.

The data tests read ../shared/data/adventureworks-oltp-sales (from the repository root) through
KPIRULES_ADVENTUREWORKS_DIR, as examples/adventureworks/README.md says to run it. They skip,
saying why, when the folder is absent, and fail instead under CI=true.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from example_kit import at_repository_root  # noqa: F401 (autouse: each test runs from the root)
from example_kit import kpi, people_by_period, ratio, run_cli, shared_data, value

EXAMPLE = "examples/adventureworks"
CONFIG = f"{EXAMPLE}/kpirules.toml"
VARIABLE = "KPIRULES_ADVENTUREWORKS_DIR"
DATA = "../shared/data/adventureworks-oltp-sales"  # relative to the repository root, as in the README
# Employee.OrganizationNode: 274 (/6/, North American Sales Manager) has 275-284 below him,
# 285 (Pacific) has 286, 287 (European) has 288-290
TEAMS = {"274": [str(i) for i in range(275, 285)], "285": ["286"], "287": ["288", "289", "290"]}


def kpirules(*args: str, data: str | None = DATA):
    """The real CLI, run from the repository root with the data folder in the environment."""
    return run_cli(VARIABLE, data, *args)


@pytest.fixture(scope="module")
def aw_data() -> Path:
    return shared_data(DATA, "SalesOrderHeader.csv", "AdventureWorks", VARIABLE)


@pytest.fixture(scope="module")
def everyone(aw_data: Path) -> dict[tuple[str, str], dict]:
    """`kpirules run --period YEAR --format json` for 2011 to 2014: (person, quarter) -> result."""
    return people_by_period(VARIABLE, DATA, CONFIG, ["2011", "2012", "2013", "2014"])


# The independent side: plain SQL over the raw files. An order falls in the calendar quarter of
# its OrderDate; a quota belongs to the calendar quarter its QuotaDate falls in (one per person
# and quarter); a customer is new on the day of its first order, online or not.
ORDERS_SQL = """
WITH soh AS (
  SELECT CAST(SalesPersonID AS VARCHAR) AS person, CustomerID, CAST(OrderDate AS DATE) AS ordered,
         CAST(SubTotal AS DECIMAL(19, 4)) AS subtotal
  FROM read_csv($orders, delim = '\t', header = true, all_varchar = true)
), first_order AS (SELECT CustomerID, min(ordered) AS first_day FROM soh GROUP BY CustomerID)
SELECT person, year(ordered) || 'Q' || quarter(ordered), sum(subtotal), count(*),
       count(DISTINCT CustomerID) FILTER (WHERE ordered = first_day)
FROM soh JOIN first_order USING (CustomerID) WHERE person IS NOT NULL GROUP BY ALL
"""
QUOTA_SQL = """
SELECT column0, year(CAST(column1 AS DATE)) || 'Q' || quarter(CAST(column1 AS DATE)), CAST(column2 AS DECIMAL(19, 4))
FROM read_csv($quotas, delim = '\t', header = false, all_varchar = true)
"""


@pytest.fixture(scope="module")
def by_hand(aw_data: Path) -> tuple[dict, dict]:
    orders = {(p, q): rest for p, q, *rest in duckdb.execute(ORDERS_SQL, {"orders": str(aw_data / "SalesOrderHeader.csv")}).fetchall()}
    quotas = {(p, q): quota for p, q, quota in duckdb.execute(QUOTA_SQL, {"quotas": str(aw_data / "SalesPersonQuotaHistory.csv")}).fetchall()}
    return orders, quotas


# ---------------------------------------------------------------------- the scheme itself


def test_scheme_passes_check_fmt_and_lint():
    checked = kpirules("check", EXAMPLE)
    assert checked.exit_code == 0, checked.output
    assert checked.stdout.strip() == "ok: 3 files, 2 roles, 8 KPIs, no problems"
    assert kpirules("fmt", "--check", EXAMPLE).exit_code == 0
    linted = kpirules("lint", "--no-cache", "--config", CONFIG, "--fail-level", "info", EXAMPLE)
    assert linted.exit_code == 0, linted.output
    # KPI302 (no customer-experience KPI) is suppressed in both roles, with its reason
    assert linted.stdout.strip() == "No findings in 3 files. 2 suppressed by comments."


def test_targets_fit_the_history(aw_data):
    linted = kpirules("lint", "--no-cache", "--history", "--config", CONFIG, "--fail-level", "info", EXAMPLE)
    assert linted.exit_code == 0, linted.output
    assert linted.stdout.strip() == "No findings in 3 files. 2 suppressed by comments."


def test_sources_read_every_file(aw_data):
    checked = kpirules("sources", "check", "--config", CONFIG)
    assert checked.exit_code == 0, checked.output
    lines = checked.stdout.splitlines()
    assert lines[0].split()[:2] == ["people", "DuckDB"] and "17 rows  ok" in lines[0]
    assert "31,465 rows  ok" in lines[1] and "163 rows  ok" in lines[2]


# ---------------------------------------------------------------------- a real run


def test_the_roster_joins_names_hire_dates_and_managers(everyone):
    blythe, jiang = everyone[("275", "2013Q4")], everyone[("274", "2013Q4")]
    assert (blythe["name"], blythe["role"], blythe["manager"], blythe["team"]) == (
        "Michael Blythe", "sales_representative", "274", "North America")
    assert (jiang["name"], jiang["role"], jiang["manager"]) == ("Stephen Jiang", "sales_manager", None)
    assert everyone[("282", "2013Q4")]["name"] == "José Saraiva"  # UTF-16 text read right


def test_every_kpi_value_matches_a_hand_written_query(everyone, by_hand):
    orders, quotas = by_hand
    checked = 0
    for (person, quarter), found in everyone.items():
        subtotal, count, new = orders.get((person, quarter), (0, 0, 0))
        if found["role"] == "sales_representative":
            assert value(found, "quota_attainment") == subtotal, (person, quarter)
            assert value(found, "orders_taken") == count, (person, quarter)
            assert value(found, "new_resellers") == new, (person, quarter)
            assert value(found, "average_order") == ratio(subtotal, count), (person, quarter)
            if (person, quarter) in quotas:
                # the quota as agreed; a person hired during the quarter has it prorated (docs/semantics.md §3)
                quota = kpi(found, "quota_attainment")
                assert Decimal(quota.get("target_before_proration") or quota["target"]) == quotas[(person, quarter)]
        else:
            team = TEAMS[person]
            team_sum = sum((orders.get((m, quarter), (0, 0, 0))[0] for m in team), Decimal(0))
            team_quota = sum((quotas.get((m, quarter), Decimal(0)) for m in team), Decimal(0))
            assert value(found, "team_quota_attainment") == ratio(team_sum, team_quota), (person, quarter)
            assert value(found, "own_quota_attainment") == subtotal, (person, quarter)
            assert value(found, "team_orders") == sum(orders.get((m, quarter), (0, 0, 0))[1] for m in team)
        checked += 1
    assert checked > 150


def test_known_figures_of_one_representative(everyone):
    # Michael Blythe (275), 2013Q4: 848,679.753 USD against his quota 849,000 → 99.9623% × 50% =
    # 49.98115; 45 orders of 30 → 150%, capped at 120 × 25% = 30; average order 18,859.550067 of
    # 20,000 → 94.2978 × 25% = 23.57445. Total 103.5556, grade A; factor 1.0 + 2 × 3.5556 / 100 =
    # 1.071112; incentive = his SalesPerson.Bonus 4,100 × 1.071112 = 4,391.56 USD; commission =
    # his SalesPerson.CommissionPct 0.012 × 848,679.753 = 10,184.157036 → 10,184.16 USD;
    # payout 4,391.56 + 10,184.16 = 14,575.72 USD.
    blythe = everyone[("275", "2013Q4")]
    assert kpi(blythe, "quota_attainment")["target"] in ("849000", "849000.0000")
    assert (blythe["total_score"], blythe["grade"]) == ("103.5556", "A")
    assert (blythe["payout"]["factor"], blythe["payout"]["incentive"]) == ("1.071112", "4391.56")
    assert (blythe["payout"]["commissions"], blythe["payout"]["total"]) == ({"quota_attainment": "10184.16"}, "14575.72")


# SalesPerson.CommissionPct per person (tab-separated, no header: BusinessEntityID first, then
# TerritoryID, SalesQuota, Bonus, CommissionPct, ...)
COMMISSION_SQL = """
SELECT column0, CAST(column4 AS DECIMAL(10, 4))
FROM read_csv($people, delim = '\t', header = false, all_varchar = true)
"""


def test_every_commission_is_the_persons_rate_of_their_sales(everyone, by_hand, aw_data):
    # the commission of each representative and quarter, worked out from the raw files: the
    # SubTotal of their orders (ORDERS_SQL) × their CommissionPct, rounded half-up to cents
    orders, _ = by_hand
    rates = dict(duckdb.execute(COMMISSION_SQL, {"people": str(aw_data / "SalesPerson.csv")}).fetchall())
    checked = 0
    for (person, quarter), found in everyone.items():
        if found["role"] != "sales_representative":
            continue
        subtotal = orders.get((person, quarter), (Decimal(0),))[0]
        expected = (subtotal * rates[person]).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
        assert Decimal(found["payout"]["commissions"]["quota_attainment"]) == expected, (person, quarter)
        checked += 1
    assert checked > 150


def test_default_period_table_and_explain(aw_data):
    table = kpirules("run", "--config", CONFIG, "--period", "2013Q4")
    assert table.exit_code == 0, table.output
    assert "17 people evaluated; total payout 173,095.50 USD." in table.stdout
    explained = kpirules("explain", "275", "--config", CONFIG, "--period", "2013Q4")
    assert explained.exit_code == 0, explained.output
    assert "  payout = 4391.56 + 10184.16 = 14575.72 USD" in explained.stdout.splitlines()
