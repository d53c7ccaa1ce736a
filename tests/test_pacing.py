"""`kpirules run --as-of DATE`: values to date, pace, projection and status, worked by hand.

The small project below (written to a temp folder) is a monthly scheme paced as of
2026-11-10: November has 30 days, so day 10 is a third of the month. The numbers in the
assertions are worked out in the comments next to them; docs/pacing.md states the rules.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from kpirules import i18n
from kpirules.cli import cli

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"

KPI = """\
scheme pace "pacing test" {
  period month
  currency CNY
  timezone "Asia/Shanghai"
}

roster people {
  id person_id
  name name
  role role
  hire_date hired_on
  leave_date left_on
  column person_id string required unique
  column name string
  column role string
  column hired_on date
  column left_on date
}

dataset calls {
  person agent_id
  date called_at
  column agent_id string
  column called_at timestamp
}

dataset leads {
  person owner_id
  date created_at
  column owner_id string
  column created_at date
  column converted_at date
  column status string
}

dataset deals {
  person owner_id
  date signed_on
  column owner_id string
  column signed_on date
  column amount money
}

grades letters {
  [90, ∞): "A"
  [0, 90): "B"
}

role telesales "电话销售" {
  applies_to person.role == "telesales"
  grades letters

  kpi calls "外呼量" {
    process main
    measure count(calls)
    target >= 200
    weight 50%
    score linear cap 120%
  }

  kpi conversion "转化率" {
    outcome main
    measure count(leads where status == "converted" on converted_at) / count(leads)
    target >= 20%
    weight 20%
  }

  kpi revenue "销售额" {
    outcome main
    measure sum(deals.amount)
    target >= 300000 CNY
    weight 30%
  }

  kpi lost_leads "丢失线索" {
    process auxiliary
    measure count(leads where status == "lost")
    target <= 20
  }

  payout {
    target_incentive 1000 CNY
  }
}

role key_account "大客户经理" {
  applies_to person.role == "key_account"
  grades letters

  kpi contract_amount "季度合同额" {
    outcome main
    period quarter
    measure sum(deals.amount)
    target >= 920000 CNY
    weight 60%
  }

  kpi calls "外呼量" {
    process main
    measure count(calls)
    target >= 100
    weight 40%
  }
}
"""

CONFIG = """\
[project]
rulesets = ["pacing.kpi"]

[env.test.datasets.people]
source = "csv"
path = "people.csv"

[env.test.datasets.calls]
source = "csv"
path = "calls.csv"

[env.test.datasets.leads]
source = "csv"
path = "leads.csv"

[env.test.datasets.deals]
source = "csv"
path = "deals.csv"
"""

PEOPLE = [
    ("T1", "张三", "telesales", "2020-01-01", ""),
    ("T2", "李四", "telesales", "2020-01-01", ""),
    ("T3", "王五", "telesales", "2026-11-06", ""),  # hired during the month: 25 active days, 5 of them by the 10th
    ("T4", "赵六", "telesales", "2026-11-20", ""),  # starts after the as-of day
    ("T5", "孙八", "telesales", "2020-01-01", "2026-11-05"),  # left before the as-of day: all 5 days elapsed
    ("K1", "钱七", "key_account", "2020-01-01", ""),
]


def _calls() -> list[tuple[str, str]]:
    rows = []
    # T1: 78 calls on the 1st to 9th, and two on the 10th late in the day (Shanghai time):
    # 23:59:59 local, and 15:59:59 UTC, which is 23:59:59 in Shanghai. 80 by the as-of day.
    rows += [("T1", f"2026-11-{1 + i % 9:02d} 10:00:00") for i in range(78)]
    rows += [("T1", "2026-11-10 23:59:59"), ("T1", "2026-11-10T15:59:59Z")]
    # not by the 10th: 16:30 UTC is 00:30 on the 11th in Shanghai; later days; and October
    rows += [("T1", "2026-11-10T16:30:00Z"), ("T1", "2026-10-31 12:00:00")]
    rows += [("T1", f"2026-11-{11 + i % 10:02d} 09:00:00") for i in range(20)]
    rows += [("T2", f"2026-11-{1 + i % 10:02d} 11:00:00") for i in range(55)]
    rows += [("T2", "2026-11-12 11:00:00")] * 10
    rows += [("T3", f"2026-11-{6 + i % 5:02d} 11:00:00") for i in range(36)]
    rows += [("T3", "2026-11-11 11:00:00")] * 5
    rows += [("T4", "2026-11-21 11:00:00")] * 3
    rows += [("T5", f"2026-11-{1 + i % 5:02d} 11:00:00") for i in range(32)]
    rows += [("K1", f"2026-11-{1 + i % 10:02d} 14:00:00") for i in range(40)]
    rows += [("K1", "2026-11-25 14:00:00")] * 30
    rows += [("K1", "2026-12-05 14:00:00")]
    return rows


LEADS = (
    # T1: ten leads created by the 10th: 2 converted by then, 1 converted on the 12th, 7 lost
    [("T1", "2026-11-02", "2026-11-04", "converted"), ("T1", "2026-11-03", "2026-11-10", "converted"),
     ("T1", "2026-11-05", "2026-11-12", "converted")]
    + [("T1", f"2026-11-{d:02d}", "", "lost") for d in (1, 2, 3, 4, 6, 7, 8)]
    # created after the as-of day
    + [("T1", "2026-11-11", "", "lost"), ("T1", "2026-11-15", "2026-11-16", "converted")]
)

DEALS = [
    ("T1", "2026-11-02", "60000.00"), ("T1", "2026-11-09", "60000.00"), ("T1", "2026-11-15", "90000.00"),
    ("T2", "2026-11-03", "50000.00"), ("T2", "2026-11-10", "45000.00"), ("T2", "2026-11-11", "100000.00"),
    ("K1", "2026-10-15", "205000.00"), ("K1", "2026-11-10", "205000.00"), ("K1", "2026-11-11", "100000.00"),
    ("K1", "2026-12-20", "300000.00"),
]


def _write_csv(path: Path, header: list[str], rows) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pacing.kpi").write_text(KPI, encoding="utf-8")
    (tmp_path / "kpirules.toml").write_text(CONFIG, encoding="utf-8")
    _write_csv(tmp_path / "people.csv", ["person_id", "name", "role", "hired_on", "left_on"], PEOPLE)
    _write_csv(tmp_path / "calls.csv", ["agent_id", "called_at"], _calls())
    _write_csv(tmp_path / "leads.csv", ["owner_id", "created_at", "converted_at", "status"], LEADS)
    _write_csv(tmp_path / "deals.csv", ["owner_id", "signed_on", "amount"], DEALS)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(i18n.ENV_VAR, raising=False)
    return tmp_path


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def paced(*args: str) -> dict:
    result = invoke("run", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    return data | {"by_person": {p["person_id"]: p for p in data["people"]}}


def kpi(person: dict, kpi_id: str) -> dict:
    return next(k for k in person["kpis"] if k["id"] == kpi_id)


# ---------------------------------------------------------------------- hand-worked numbers


def test_the_run_states_the_day_and_the_period(project):
    data = paced("--as-of", "2026-11-10")
    assert (data["period"], data["as_of"], data["elapsed_days"], data["period_days"]) == ("2026-11", "2026-11-10", 10, 30)
    assert (data["period_start"], data["period_end"], data["data_through"]) == ("2026-11-01", "2026-11-30", "2026-11-10")
    assert data["manifest"]["as_of"] == "2026-11-10"
    assert data["manifest"]["period_reason"] == "the month that contains the as-of day (2026-11-10)"
    assert data["warnings"] == []


def test_on_pace_calls_are_projected_on_track(project):
    t1 = paced("--as-of", "2026-11-10")["by_person"]["T1"]
    calls = kpi(t1, "calls")
    # 80 calls by the 10th (the two at 23:59:59 Shanghai time count, 00:30 on the 11th does not)
    # expected 200 x 10/30 = 66.666667; projected 80 x 30/10 = 240; 240 / 200 = 120%
    assert (calls["value_to_date"], calls["expected_to_date"], calls["projected_value"]) == ("80", "66.666667", "240")
    assert (calls["projected_attainment"], calls["status"], calls["elapsed_days"], calls["period_days"]) == ("1.2", "on_track", 10, 30)
    assert calls["additive"] is True


def test_at_least_ten_percent_behind_pace_is_off_track(project):
    calls = kpi(paced("--as-of", "2026-11-10")["by_person"]["T2"], "calls")
    # 55 / 66.666667 = 82.5% of pace: projected 165, 165 / 200 = 82.5%
    assert (calls["value_to_date"], calls["projected_value"], calls["projected_attainment"], calls["status"]) == \
        ("55", "165", "0.825", "off_track")


def test_a_sum_of_money_five_percent_behind_is_at_risk(project):
    revenue = kpi(paced("--as-of", "2026-11-10")["by_person"]["T2"], "revenue")
    # 50,000 + 45,000 by the 10th (the 100,000 of the 11th is not yet known); expected
    # 300,000 x 10/30 = 100,000; 95% of pace, so projected 285,000 and 95% attainment
    assert (revenue["value_to_date"], revenue["expected_to_date"], revenue["projected_value"]) == ("95000", "100000", "285000")
    assert (revenue["projected_attainment"], revenue["status"]) == ("0.95", "at_risk")


def test_a_ratio_is_shown_as_it_stands(project):
    people = paced("--as-of", "2026-11-10")["by_person"]
    conversion = kpi(people["T1"], "conversion")
    # 10 leads created by the 10th; 2 converted by then (the one converted on the 12th is
    # not a conversion yet): 20% against 20%, attainment 100%, no projection
    assert (conversion["value_to_date"], conversion["attainment_to_date"], conversion["status"]) == ("0.2", "1", "on_track")
    assert (conversion["additive"], conversion["expected_to_date"], conversion["projected_value"]) == (False, None, None)
    # no leads at all: the rate has no value
    assert kpi(people["T2"], "conversion")["status"] == "no_data"


def test_lower_is_better_mirrors_the_rule(project):
    people = paced("--as-of", "2026-11-10")["by_person"]
    lost = kpi(people["T1"], "lost_leads")
    # 7 lost leads by the 10th against at most 20 a month: allowance to date 20 x 10/30 =
    # 6.666667; projected 21; attainment 20 / 21 = 95.2381%: over the allowance, within 10%
    assert (lost["value_to_date"], lost["expected_to_date"], lost["projected_value"]) == ("7", "6.666667", "21")
    assert (lost["projected_attainment"], lost["status"]) == ("0.952381", "at_risk")
    # none lost: nothing to improve, unbounded attainment
    none = kpi(people["T2"], "lost_leads")
    assert (none["value_to_date"], none["projected_attainment"], none["status"]) == ("0", "Infinity", "on_track")


def test_projected_total_grade_and_payout_are_the_schemes(project):
    people = paced("--as-of", "2026-11-10")["by_person"]
    # T1: calls 120% (cap 120%) -> 120 x 50% = 60; conversion 100% -> 20; revenue
    # 120,000 x 3 = 360,000, 120% capped at 100% -> 30. Total 110, factor 1.1, payout 1,100.00
    t1 = people["T1"]
    assert (t1["projected_total_score"], t1["projected_grade"], t1["projected_payout"]) == ("110", "A", "1100.00")
    assert [kpi(t1, k)["projected_score"] for k in ("calls", "conversion", "revenue")] == ["120", "100", "100"]
    # T2: 82.5 x 50% = 41.25; conversion no data -> 0; 95 x 30% = 28.5. Total 69.75, payout 697.50
    t2 = people["T2"]
    assert (t2["projected_total_score"], t2["projected_grade"], t2["projected_payout"]) == ("69.75", "B", "697.50")


def test_a_person_hired_during_the_month_is_paced_over_their_own_days(project):
    t3 = paced("--as-of", "2026-11-10")["by_person"]["T3"]
    assert (t3["active_days"], t3["elapsed_days"]) == (25, 5)
    calls = kpi(t3, "calls")
    # target prorated by the run: 200 x 25/30 = 166.666667; expected to date 200 x 5/30 =
    # 33.333333; projected 36 x 25/5 = 180; 180 / 166.666667 = 108%
    assert (calls["target"], calls["expected_to_date"], calls["projected_value"]) == ("166.666667", "33.333333", "180")
    assert (calls["projected_attainment"], calls["status"]) == ("1.08", "on_track")
    # score 108 x 50% = 54, nothing else: total 54; payout 1,000 x 0.54 x 25/30 = 450.00
    assert (t3["projected_total_score"], t3["projected_payout"]) == ("54", "450.00")


def test_someone_who_left_before_the_day_is_projected_at_their_final_value(project):
    t5 = paced("--as-of", "2026-11-10")["by_person"]["T5"]
    assert (t5["active_days"], t5["elapsed_days"]) == (5, 5)
    calls = kpi(t5, "calls")
    # active the 1st to 5th, all elapsed: projected = value = 32; target 200 x 5/30 =
    # 33.333333; 32 / 33.333333 = 96%: at risk
    assert (calls["expected_to_date"], calls["projected_value"], calls["projected_attainment"], calls["status"]) == \
        ("33.333333", "32", "0.96", "at_risk")
    # 96 x 50% = 48; payout 1,000 x 0.48 x 5/30 = 80.00
    assert (t5["projected_total_score"], t5["projected_payout"]) == ("48", "80.00")


def test_someone_who_starts_after_the_day_has_not_started(project):
    t4 = paced("--as-of", "2026-11-10")["by_person"]["T4"]
    assert t4["elapsed_days"] == 0
    assert {k["status"] for k in t4["kpis"]} == {"not_started"}
    assert (t4["projected_total_score"], t4["projected_payout"]) == (None, None)
    assert all(k["projected_value"] is None for k in t4["kpis"])


def test_a_quarterly_kpi_paces_against_its_quarter(project):
    k1 = paced("--as-of", "2026-11-10")["by_person"]["K1"]
    amount = kpi(k1, "contract_amount")
    # 2026Q4 runs 92 days; October 1 to November 10 is 41 of them. 205,000 + 205,000 to date;
    # expected 920,000 x 41/92 = 410,000 exactly: on pace; projected 410,000 x 92/41 = 920,000
    assert (amount["kpi_period"], amount["period_days"], amount["elapsed_days"]) == ("2026Q4", 92, 41)
    assert (amount["value_to_date"], amount["expected_to_date"], amount["projected_value"]) == ("410000", "410000", "920000")
    assert (amount["projected_attainment"], amount["status"]) == ("1", "on_track")
    # the quarter does not close in November: shown, not scored; calls (40 -> 120, 120%,
    # capped at 100) carry the total, scaled from 40% to 100%: 40 x 100/40 = 100
    assert amount["projected_score"] is None
    assert (k1["projected_total_score"], k1["projected_grade"], k1["projected_payout"]) == ("100", "A", None)


def test_the_quarter_is_scored_in_the_month_that_closes_it(project):
    data = paced("--as-of", "2026-12-10")
    assert (data["period"], data["elapsed_days"], data["period_days"]) == ("2026-12", 10, 31)
    # nothing is dated from the 6th to the 10th, but a contract is dated December 20th: the
    # data runs past the as-of day, so the days before it are not missing
    assert data["warnings"] == []
    amount = kpi(data["by_person"]["K1"], "contract_amount")
    # October 1 to December 10 is 71 days of 92; 205,000 + 205,000 + 100,000 = 510,000 to date;
    # expected 920,000 x 71/92 = 710,000; projected 510,000 x 92/71, rounded to 6 places
    projected = (Decimal(510000) * 92 / 71).quantize(Decimal("0.000001"))
    attainment = (projected / 920000).quantize(Decimal("0.000001"))
    assert (amount["elapsed_days"], amount["value_to_date"], amount["expected_to_date"]) == (71, "510000", "710000")
    assert Decimal(amount["projected_value"]) == projected
    assert Decimal(amount["projected_attainment"]) == attainment and amount["status"] == "off_track"
    assert Decimal(amount["projected_score"]) == attainment * 100  # linear, the quarter closes in December


def test_table_csv_and_jsonl_carry_the_same_numbers(project):
    table = invoke("run", "--as-of", "2026-11-10")
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    assert lines[0] == ("Scheme pace, period 2026-11 as of 2026-11-10: day 10 of 30; "
                        "projected as if the pace to date holds to 2026-11-30")
    row = next(line for line in lines if line.strip().startswith("T1 "))
    assert row.split() == ["T1", "张三", "外呼量", "80.00", "66.67", "240.00", "120%", "on", "track", "110.00", "A", "1,100.00"]
    assert any(re.search(r"季度合同额 \(2026Q4\)\s+410,000\.00\s+410,000\.00\s+920,000\.00\s+100%\s+on track", line)
               for line in lines)
    # 1,100.00 + 697.50 + 450.00 + 80.00 (T4 has not started; K1 has no payout)
    assert re.search(r"^6 people; projected payout 2,327\.50 CNY\. KPIs: on track \d+", table.stdout, re.MULTILINE)

    rows = list(csv.DictReader(io.StringIO(invoke("run", "--as-of", "2026-11-10", "--format", "csv").stdout)))
    assert len(rows) == 5 * 4 + 2  # five telesales with four KPIs, one key-account manager with two
    t2 = next(r for r in rows if (r["person_id"], r["kpi"]) == ("T2", "calls"))
    assert (t2["as_of"], t2["value_to_date"], t2["projected_value"], t2["status"], t2["projected_payout"]) == \
        ("2026-11-10", "55", "165", "off_track", "697.50")

    lines = invoke("run", "--as-of", "2026-11-10", "--format", "jsonl").stdout.splitlines()
    first = json.loads(lines[0])
    assert len(lines) == 6 and (first["as_of"], first["elapsed_days_in_period"], first["period_days"]) == ("2026-11-10", 10, 30)


def _table_row(stdout: str, start: str, after: str = "") -> list[str]:
    """The cells of the first line that starts with `start`, after the line that starts with `after`."""
    lines = [line.strip() for line in stdout.splitlines()]
    if after:
        lines = lines[next(i for i, line in enumerate(lines) if line.startswith(after)):]
    return next(line for line in lines if line.startswith(start)).split()


def test_the_table_shows_numbers_as_kpirules_run_and_the_report_do(project):
    """Two places and thousands separators in every row, whole or not; rates as percentages."""
    stdout = invoke("run", "--as-of", "2026-11-10").stdout
    # T2: 55 calls, expected 66.666667, projected 165 (worked above); total 69.75, payout 697.50
    assert _table_row(stdout, "T2 ")[3:6] == ["55.00", "66.67", "165.00"]
    # T3: 36 calls, expected 33.333333, projected 180; total 54, payout 450.00
    assert _table_row(stdout, "T3 ")[3:6] + _table_row(stdout, "T3 ")[-3:] == \
        ["36.00", "33.33", "180.00", "54.00", "B", "450.00"]
    # T2's revenue: 95,000 to date, 100,000 expected, 285,000 projected; T1's conversion 20% as it stands
    assert _table_row(stdout, "销售额 ", after="T2 ")[1:4] == ["95,000.00", "100,000.00", "285,000.00"]
    assert _table_row(stdout, "转化率 ", after="T1 ")[1:3] == ["20%", "-"]


def test_the_sample_company_table_as_of_december_10th(monkeypatch):
    """P043's contract amount and P020's zero payout, as the review found them (3125000, 0.00 next to 3701.25)."""
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv(i18n.ENV_VAR, raising=False)
    stdout = invoke("run", "--as-of", "2026-12-10", "--person", "P043", "--person", "P020").stdout
    # the values are those of the JSON output (checked against SQL in the test above), to two places
    assert re.search(r"合同金额 \(2026Q4\)\s+3,125,000\.00\s+2,238,043\.48\s+4,049,295\.77\s", stdout)
    # the KPI's name is not wrapped: "新签大客户数 (2026Q4)" in one line, then its figures
    assert _table_row(stdout, "P043 ")[2:7] + _table_row(stdout, "P043 ")[-3:] == \
        ["新签大客户数", "(2026Q4)", "3.00", "1.54", "3.89", "120.89", "优秀", "54,917.29"]
    assert _table_row(stdout, "P020 ")[-1] == "0.00"
    assert "projected payout 54,917.29 CNY." in stdout
    november = invoke("run", "--as-of", "2026-11-10", "--person", "P043").stdout
    assert re.search(r"合同金额 \(2026Q4\)\s+2,965,000\.00\s+1,292,391\.30\s+6,653,170\.73\s", november)


def test_a_run_that_evaluates_nobody_says_so(project):
    """As `kpirules run --role R` does for a role nobody has: no table, no empty list of KPI
    statuses. (A --person not in the roster is an error, E513.)"""
    (project / "people.csv").write_text((project / "people.csv").read_text(encoding="utf-8").replace(
        "K1,钱七,key_account", "K1,钱七,telesales"), encoding="utf-8")
    result = invoke("run", "--as-of", "2026-11-10", "--role", "key_account")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:] == ["0 people evaluated; projected payout 0 CNY."]
    plain = invoke("run", "--period", "2026-11", "--role", "key_account").stdout
    assert plain.splitlines()[1] == "0 people evaluated."
    chinese = invoke("run", "--as-of", "2026-11-10", "--role", "key_account", "--lang", "zh").stdout
    assert chinese.splitlines()[1:] == ["共评估 0 人；预测奖金合计 0 CNY。"]


def test_a_person_asked_for_and_not_evaluated_is_said_why(project):
    # as `kpirules run` says it (it said "0 people evaluated" and no more): one who left in
    # October is not active in November; one of another role is left out by --role
    (project / "people.csv").write_text(project.joinpath("people.csv").read_text(encoding="utf-8")
                                        + "T9,周九,telesales,2020-01-01,2026-10-20\n", encoding="utf-8")
    result = invoke("run", "--as-of", "2026-11-10", "--person", "T9")
    assert result.exit_code == 0, result.output
    assert ("warning: --person T9 was not evaluated for 2026-11: not active: left on 2026-10-20, before the "
            "period") in result.output
    other = invoke("run", "--as-of", "2026-11-10", "--person", "K1", "--role", "telesales")
    assert ("warning: --person K1 was not evaluated for 2026-11: their role is key_account, which --role telesales "
            "leaves out") in other.output


def test_an_output_over_an_input_is_refused_before_the_work(project):
    # it was refused after the projection, its heading already written
    result = invoke("run", "--as-of", "2026-11-10", "--format", "csv", "-o", "calls.csv")
    assert result.exit_code == 2
    assert result.stderr.startswith("error[E006]: calls.csv is one of this command's inputs")


def test_the_inputs_are_left_as_they_were(project):
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in project.glob("*.csv")}
    assert invoke("run", "--as-of", "2026-11-10").exit_code == 0
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in project.glob("*.csv")} == before
    # and a run without --as-of still sees the whole month: 80 + 1 + 20 calls for T1
    full = json.loads(invoke("run", "--period", "2026-11", "--format", "json").stdout)
    t1 = next(p for p in full["people"] if p["person_id"] == "T1")
    assert kpi(t1, "calls")["value"] == "101"


def test_the_table_in_chinese(project):
    result = invoke("run", "--as-of", "2026-11-10", "--lang", "zh")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("方案 pace，期间 2026-11，截至 2026-11-10：第 10 天，共 30 天；")
    assert "进度正常" in result.stdout and "落后" in result.stdout and "有风险" in result.stdout
    english = re.compile(r"\b[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,}){2,}\b")
    for line in result.stdout.splitlines():
        assert not english.search(line), f"English left in {line!r}"


# ---------------------------------------------------------------------- bad input


@pytest.mark.parametrize(("args", "expected", "help_text"), [
    (["--period", "2026-11", "--as-of", "2026-12-05"],
     "error[E880]: --as-of 2026-12-05 is after the period: 2026-11 runs from 2026-11-01 to 2026-11-30",
     "2026-11 is over: run without --as-of for its results (kpirules run --period 2026-11)"),
    (["--period", "2026-11", "--as-of", "2026-10-31"],
     "error[E880]: --as-of 2026-10-31 is before the period: 2026-11 runs from 2026-11-01 to 2026-11-30",
     "choose an as-of day in 2026-11, or leave --period out to pace the period that contains 2026-10-31"),
    (["--period", "2026Q4", "--as-of", "2026-11-10"],
     "error[E881]: --as-of paces a single month; 2026Q4 covers 3 month periods",
     "ask for the month that contains 2026-11-10: --period 2026-11, or leave --period out"),
])
def test_an_as_of_day_outside_the_period(project, args, expected, help_text):
    result = invoke("run", *args, "--format", "json", "-o", "out.json")
    assert result.exit_code == 2
    assert expected in result.stderr and f"help: {help_text}" in result.stderr
    assert "Traceback" not in result.output and not (project / "out.json").exists()


@pytest.mark.parametrize(("day", "why"), [
    # a day the calendar lacks is said to be one, not a text that "does not match the format '%Y-%m-%d'"
    ("2026-11-31", "November 2026 has 30 days"),
    ("2025-02-29", "February 2025 has 28 days"),
    ("2026-13-01", "there is no month 13"),
    ("2026-11-00", "there is no day 0"),
    ("10/11/2026", "write it as YYYY-MM-DD"),
    ("2026-11", "write it as YYYY-MM-DD"),
])
def test_a_malformed_date_is_a_usage_error(project, day, why):
    result = invoke("run", "--as-of", day)
    assert result.exit_code == 2
    assert f"Invalid value for '--as-of': '{day}' is not a date: {why}" in result.stderr
    assert "%Y" not in result.stderr


def test_a_leap_day_is_a_date(project):
    result = invoke("run", "--as-of", "2024-02-29")
    # read as a date: refused only because the sample data starts later
    assert result.exit_code == 1
    assert "error[E883]: no data is dated from 2024-02-01 to 2024-02-29" in result.stderr


def test_a_period_with_no_data_to_date(project):
    result = invoke("run", "--as-of", "2026-12-01", "--format", "json", "-o", "out.json")
    assert result.exit_code == 1
    assert "error[E883]: no data is dated from 2026-12-01 to 2026-12-01, so there is nothing to pace" in result.stderr
    assert not (project / "out.json").exists()
    later = invoke("run", "--as-of", "2027-01-10")
    assert later.exit_code == 1
    assert "error[E503]: no data covers 2027-01: the latest date in the data is 2026-12-20" in later.stderr
    # the help names --as-of, the option given (it said "choose an earlier --period")
    assert "help: choose an earlier period (--period, or the day of --as-of)" in later.stderr


def test_formats_pacing_does_not_write(project):
    result = invoke("run", "--as-of", "2026-11-10", "--format", "xlsx", "-o", "out.xlsx")
    assert result.exit_code == 2
    assert "error[E882]: --as-of writes table, csv, json, jsonl; not xlsx" in result.stderr
    assert not (project / "out.xlsx").exists()


# ---------------------------------------------------------------------- the sample company


def test_the_sample_company_as_of_december_10th(monkeypatch):
    """The real CLI on data/sample; values to date checked against SQL written here."""
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv(i18n.ENV_VAR, raising=False)
    data = paced("--period", "2026-12", "--as-of", "2026-12-10")
    assert (data["period"], data["elapsed_days"], data["period_days"]) == ("2026-12", 10, 31)
    people = data["by_person"]
    con = duckdb.connect()
    calls = con.execute(
        f"SELECT count(*) FROM read_parquet('{SAMPLE / 'calls.parquet'}') "
        "WHERE agent_id = 'P003' AND called_at >= DATE '2026-12-01' AND called_at < DATE '2026-12-11'").fetchone()[0]
    assert kpi(people["P003"], "outbound_calls")["value_to_date"] == str(calls)
    amount = con.execute(
        f"SELECT sum(amount) FROM read_csv('{SAMPLE / 'contracts.csv'}', types={{'amount': 'DECIMAL(18,2)'}}) "
        "WHERE owner_id = 'P043' AND signed_on BETWEEN DATE '2026-10-01' AND DATE '2026-12-10'").fetchone()[0]
    assert Decimal(kpi(people["P043"], "contract_amount")["value_to_date"]) == amount
    converted, created = con.execute(
        f"SELECT count(*) FILTER (WHERE status = 'converted' AND converted_at BETWEEN DATE '2026-12-01' AND DATE '2026-12-10'), "
        f"count(*) FILTER (WHERE created_at BETWEEN DATE '2026-12-01' AND DATE '2026-12-10') "
        f"FROM read_csv('{SAMPLE / 'leads.csv'}') WHERE owner_id = 'P003'").fetchone()
    rate = Decimal(kpi(people["P003"], "lead_conversion")["value_to_date"])
    assert rate == (Decimal(converted) / Decimal(created)).quantize(Decimal("0.000001"))
    assert set(k["status"] for p in people.values() for k in p["kpis"]) <= {"on_track", "at_risk", "off_track", "no_data", "no_target"}



def test_as_of_refuses_manifest_and_snapshot(tmp_path, monkeypatch):
    """A projection is not a run to verify later: --as-of with --manifest is refused, nothing written."""
    monkeypatch.chdir(Path(__file__).resolve().parents[1])
    target = tmp_path / "m.json"
    result = invoke("run", "--as-of", "2026-12-10", "--manifest", str(target))
    assert result.exit_code == 2
    assert "E884" in result.output and "--manifest" in result.output
    assert not target.exists()


def test_the_pacing_manifest_fingerprints_the_data_as_loaded(project):
    # pacing cuts the rows after the as-of day; the manifest describes the sources as read,
    # so its fingerprints are those of a plain run's manifest over the same files
    paced = json.loads(invoke("run", "--as-of", "2026-11-10", "--format", "json").stdout)["manifest"]
    plain = json.loads(invoke("run", "--period", "2026-11", "--format", "json").stdout)["manifest"]
    assert paced["datasets"] == plain["datasets"]
    assert paced["datasets"]["calls"]["fingerprint"] == plain["datasets"]["calls"]["fingerprint"]


@pytest.mark.parametrize(("as_of", "warnings"), [
    # the latest date in the data is the contract of December 20th (above)
    ("2026-12-25", ["the data runs to 2026-12-20, before the as-of day 2026-12-25: values to date may miss the days "
                    "after it"]),
    ("2026-12-20", []),
    ("2026-12-19", []),  # the contract is after the day: the data runs past it
])
def test_a_warning_only_when_the_data_stops_before_the_as_of_day(project, as_of, warnings):
    assert paced("--as-of", as_of)["warnings"] == warnings
