"""examples/northwind: the scheme is clean, and a real run over the shared Northwind data gives,
for every person and quarter, the KPI values a hand-written DuckDB query over the raw CSV files
gives.

The data tests read ../shared/data/northwind (from the repository root) through
KPIRULES_NORTHWIND_DIR, exactly as examples/northwind/README.md says to run it. They skip,
saying why, when the folder is absent, and fail instead under CI=true.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest

from example_kit import at_repository_root  # noqa: F401 (autouse: each test runs from the root)
from example_kit import SIX_PLACES, kpi, people_by_period, ratio, run_cli, shared_data, value

EXAMPLE = "examples/northwind"
CONFIG = f"{EXAMPLE}/kpirules.toml"
VARIABLE = "KPIRULES_NORTHWIND_DIR"
DATA = "../shared/data/northwind"  # relative to the repository root, as in the README
QUARTERS = ["1996Q3", "1996Q4", "1997Q1", "1997Q2", "1997Q3", "1997Q4", "1998Q1", "1998Q2"]


def kpirules(*args: str, data: str | None = DATA):
    """The real CLI, run from the repository root with the data folder in the environment."""
    return run_cli(VARIABLE, data, *args)


@pytest.fixture(scope="module")
def northwind_data() -> Path:
    return shared_data(DATA, "orders.csv", "Northwind", VARIABLE)


@pytest.fixture(scope="module")
def everyone(northwind_data: Path) -> dict[tuple[str, str], dict]:
    """`kpirules run --period YEAR --format json` for 1996, 1997 and 1998: (person, quarter) -> result."""
    return people_by_period(VARIABLE, DATA, CONFIG, ["1996", "1997", "1998"], no_warnings=True)


# The independent side: plain SQL over the raw CSV files, written from the data, not from the
# scheme. The team of an employee is everyone below them through reportsTo (Fuller: all eight
# others; Buchanan: Suyama, King, Dodsworth). An order falls in the quarter of its orderDate;
# its amount is the sum of unitPrice × quantity × (1 − discount) over its lines; a customer is
# new on the day of its first order.
BY_HAND_SQL = """
WITH RECURSIVE employee AS (
  SELECT CAST(employeeID AS VARCHAR) AS id, nullif(reportsTo, 'NULL') AS boss
  FROM read_csv($employees, all_varchar = true)
), below(manager, member) AS (
  SELECT boss, id FROM employee WHERE boss IS NOT NULL
  UNION SELECT below.manager, employee.id FROM below JOIN employee ON employee.boss = below.member
), credited(person, member) AS (
  SELECT id, id FROM employee WHERE $scope = 'self'
  UNION ALL SELECT manager, member FROM below WHERE $scope = 'team'
), line AS (
  SELECT orderID, sum(CAST(unitPrice AS DECIMAL(18, 4)) * CAST(quantity AS INTEGER)
                      * (1 - CAST(discount AS DECIMAL(18, 4)))) AS amount
  FROM read_csv($details, all_varchar = true) GROUP BY orderID
), sale AS (
  SELECT o.orderID, o.employeeID, o.customerID, CAST(o.orderDate AS DATE) AS ordered,
         CAST(o.requiredDate AS DATE) AS required, CAST(nullif(o.shippedDate, 'NULL') AS DATE) AS shipped,
         line.amount
  FROM read_csv($orders, all_varchar = true) AS o JOIN line USING (orderID)
), first_order AS (
  SELECT customerID, min(ordered) AS first_day FROM sale GROUP BY customerID
)
SELECT credited.person, year(ordered) || 'Q' || quarter(ordered) AS quarter,
       sum(amount), count(*), count(*) FILTER (WHERE shipped <= required), count(shipped),
       count(DISTINCT sale.customerID) FILTER (WHERE ordered = first_day)
FROM sale JOIN credited ON credited.member = sale.employeeID JOIN first_order USING (customerID)
GROUP BY ALL
"""


def by_hand(data: Path, scope: str) -> dict[tuple[str, str], tuple]:
    rows = duckdb.execute(BY_HAND_SQL, {
        "employees": str(data / "employees.csv"), "orders": str(data / "orders.csv"),
        "details": str(data / "order_details.csv"), "scope": scope}).fetchall()
    return {(person, quarter): rest for person, quarter, *rest in rows}


# ---------------------------------------------------------------------- the scheme itself


def test_scheme_passes_check_fmt_and_lint():
    checked = kpirules("check", EXAMPLE)
    assert checked.exit_code == 0, checked.output
    assert checked.stdout.strip() == "ok: 3 files, 2 roles, 8 KPIs, no problems"
    assert kpirules("fmt", "--check", EXAMPLE).exit_code == 0
    linted = kpirules("lint", "--no-cache", "--config", CONFIG, "--fail-level", "info", EXAMPLE)
    assert linted.exit_code == 0, linted.output
    # KPI302 (no customer-experience KPI) in both roles and KPI304 (no new-hire targets) for the
    # representatives are suppressed with their reasons: the data has no such measures and no new hires
    assert linted.stdout.strip() == "No findings in 3 files. 3 suppressed by comments."


def test_targets_fit_the_history(northwind_data):
    linted = kpirules("lint", "--no-cache", "--history", "--config", CONFIG, "--fail-level", "info", EXAMPLE)
    assert linted.exit_code == 0, linted.output
    assert linted.stdout.strip() == "No findings in 3 files. 3 suppressed by comments."


def test_without_the_variable_the_config_says_what_to_set():
    result = kpirules("run", "--config", CONFIG, data=None)
    assert result.exit_code == 2
    assert f"names the environment variable {VARIABLE}, which is not set" in result.stderr
    assert "Traceback" not in result.output


# ---------------------------------------------------------------------- a real run


@pytest.mark.parametrize("quarter", QUARTERS)
def test_every_kpi_value_matches_a_hand_written_query(everyone, northwind_data, quarter):
    own, team = by_hand(northwind_data, "self"), by_hand(northwind_data, "team")
    checked = 0
    for (person, period), found in everyone.items():
        if period != quarter:
            continue
        prefix, rows = ("team_", team) if found["role"] == "sales_manager" else ("", own)
        amount, orders, on_time, shipped, new = rows.get((person, quarter), (0, 0, 0, 0, 0))
        assert value(found, f"{prefix}sales_amount" if not prefix else "team_sales") == amount, person
        assert value(found, f"{prefix}orders_taken" if not prefix else "team_orders") == orders, person
        assert value(found, f"{prefix}on_time_rate") == ratio(on_time, shipped), person
        assert value(found, f"{prefix}new_customers") == new, person
        checked += 1
    assert checked == 9  # all nine employees, in every quarter


def test_managers_roll_up_everyone_below_them(everyone, northwind_data):
    # Fuller's team is the other eight employees, so his team's orders are all orders but his own
    q = "1997Q4"
    others = sum(int(kpi(everyone[(p, q)], "orders_taken")["value"]) for p in ("1", "3", "4", "6", "7", "8", "9"))
    buchanan_team = int(kpi(everyone[("5", q)], "team_orders")["value"])
    assert buchanan_team == sum(int(kpi(everyone[(p, q)], "orders_taken")["value"]) for p in ("6", "7", "9"))
    own_buchanan = by_hand(northwind_data, "self")[("5", q)][1]  # Buchanan's own orders count for Fuller
    assert own_buchanan == 5
    assert int(kpi(everyone[("2", q)], "team_orders")["value"]) == others + own_buchanan


def test_known_figures_of_one_representative_and_one_manager(everyone):
    # Peacock (4), 1997Q4: 33,299.416 USD of 25,000 → 133.1977%, score 133.1977 (cap 150%);
    # 20 of 23 shipped on time = 86.9565% of 100% (floor 85%) → 86.9565; 23 orders of 15 → 153.3%,
    # capped at 120. Total 0.5 × 133.1977 + 0.25 × 86.9565 + 0.25 × 120 = 118.337975, grade A;
    # factor 1.0 + 1.5 × 18.337975 / 100 = 1.275070, but on-time attainment 86.96% < 90% caps
    # it at 1.0: 2,000 × 1.0 = 2,000.00 USD.
    peacock = everyone[("4", "1997Q4")]
    assert (peacock["total_score"], peacock["grade"]) == ("118.337975", "A")
    assert (peacock["payout"]["factor"], peacock["payout"]["total"]) == ("1", "2000.00")
    # Fuller (2), 1997Q4: the factor row [100, ∞) is 1.0 + 1.5 × (total − 100) / 100, and the
    # incentive 4,000 USD × factor, rounded to the cent (examples/northwind/README.md lists the KPIs)
    fuller = everyone[("2", "1997Q4")]
    factor = Decimal(fuller["payout"]["factor"])
    assert factor == (1 + Decimal("1.5") * (Decimal(fuller["total_score"]) - 100) / 100).quantize(SIX_PLACES)
    assert Decimal(fuller["payout"]["total"]) == (4000 * factor).quantize(Decimal("0.01"), ROUND_HALF_UP)


def test_default_period_table_and_explain(northwind_data):
    table = kpirules("run", "--config", CONFIG)
    assert table.exit_code == 0, table.output
    assert table.stdout.startswith(
        "Scheme northwind_sales, period 1998Q1: the latest quarter that ended on or before the latest "
        "date in the data (1998-05-06)")
    explained = kpirules("explain", "4", "--config", CONFIG, "--period", "1997Q4")
    assert explained.exit_code == 0, explained.output
    assert "  payout 2000.00 USD" in explained.stdout.splitlines()
