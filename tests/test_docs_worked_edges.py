"""More documented rules at their edges, worked by hand (docs/semantics.md, docs/language.md).

Every expected number below is worked from the documentation only; tests/docs_worked_kit.py
writes the scheme, the CSV files and kpirules.toml and runs `kpirules run --format json`.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from docs_worked_kit import D, HEADER, explain, kpi, num, person, project, run
from kpirules.cli import cli

MARCH = "2026-03"


def one_kpi(body: str, payout: str = "") -> str:
    return f"""
role rep {{ applies_to person.role == "rep"
  kpi k {{ outcome main  weight 100%  {body} }}
  {payout}
}}
"""


def calls(n: int, day: str = "2026-03-20") -> str:
    return f"A,{day} 10:00:00\n" * n


# ----------------------------------------------------------------------- §1 time zones

def test_a_source_time_zone_places_its_naive_timestamps(tmp_path):
    # semantics §1 / sources.md: naive values are in the scheme's zone unless the source names
    # another. In UTC, 31 March 16:00 is 1 April 00:00 in Shanghai (out of March) and
    # 28 February 16:00 is 1 March 00:00 (in): 1 call in March.
    data = {"calls": "A,2026-03-31 16:00:00\nA,2026-02-28 16:00:00"}
    p = person(run(tmp_path, one_kpi("measure count(calls)  target >= 1"), data, MARCH,
                   options={"calls": 'timezone = "UTC"'}))
    assert num(kpi(p, "k")["value"]) == 1


def test_a_date_without_a_time_in_a_timestamp_column_is_midnight_where_it_is_read(tmp_path):
    # sources.md, Time zones: a date alone in a `timestamp` column is the midnight that starts
    # the day in the binding's zone, then converted to the scheme's. Midnight in Tokyo (UTC+9)
    # is 23:00 the day before in Shanghai (UTC+8): 2026-04-01 is 2026-03-31 23:00, so with
    # 2026-03-15 that is 2 calls in March (1 if the date were midnight in Shanghai). A `date`
    # column keeps the day as written: of the deals on 2026-03-15 and 2026-04-01, 1 is in March.
    role = """
role rep { applies_to person.role == "rep"
  kpi k { outcome main  weight 50%  measure count(calls)  target >= 1 }
  kpi d { outcome main  weight 50%  measure count(deals)  target >= 1 }
}
"""
    data = {"calls": "A,2026-04-01\nA,2026-03-15", "deals": "A,2026-03-15,1,true,1\nA,2026-04-01,1,true,1"}
    tokyo = 'timezone = "Asia/Tokyo"'
    p = person(run(tmp_path, role, data, MARCH, options={"calls": tokyo, "deals": tokyo}))
    assert (num(kpi(p, "k")["value"]), num(kpi(p, "d")["value"])) == (2, 1)


def test_no_dated_rows_and_no_period_is_an_error(tmp_path):
    # semantics §1: nothing to choose a default period from (E501)
    config = project(tmp_path, one_kpi("measure count(calls)  target >= 1"), {})
    result = CliRunner().invoke(cli, ["run", "--config", str(config)])
    assert result.exit_code == 1 and "E501" in result.output


def test_a_latest_date_outside_the_supported_years_chooses_no_period(tmp_path):
    # semantics §1: a placeholder date such as 9999-12-31 in the fact data (E505; choosing the
    # period after it was an internal error, year 10000 is out of range); --period still works
    # it names the dataset, column and first row holding that date, and lists its rows:
    # rows 2 and 3 of calls.csv are on lines 3 and 4 (the header is line 1); and so for every
    # dataset holding it, in one run: row 2 of deals.csv, on line 3
    config = project(tmp_path, one_kpi("measure count(calls)  target >= 1"),
                     {"calls": calls(1, "2026-03-01") + calls(2, "9999-12-31"),
                      "deals": "A,2026-03-02,1,true,1\nA,9999-12-31,1,true,1"})
    result = CliRunner().invoke(cli, ["run", "--config", str(config)])
    assert result.exit_code == 1, result.output
    assert (f"dataset calls, source {tmp_path / 'calls.csv'}, row 2, column called_at: error[E505]: the latest date in the "
            "data, 9999-12-31, is out of range: periods are in the years 1900 to 2999\n"
            "  = note: row 2 (line 3)\n  = note: row 3 (line 4)\n") in result.stderr
    assert (f"dataset deals, source {tmp_path / 'deals.csv'}, row 2, column closed_on: error[E505]: the latest date in "
            "the data, 9999-12-31, is out of range: periods are in the years 1900 to 2999\n"
            "  = note: row 2 (line 3)\n") in result.stderr
    assert "Found 2 errors." in result.stderr
    assert "internal error" not in result.output
    result = CliRunner().invoke(cli, ["run", "--config", str(config), "--period", MARCH])
    assert result.exit_code == 0, result.output


def test_a_latest_date_whose_fiscal_period_is_out_of_range_chooses_no_period(tmp_path):
    # semantics §1: with fiscal years starting in March and named by the year they end in,
    # 2999-12-31 is in fiscal 3000: the default 3000Q3 was evaluated, a label --period refuses
    header = HEADER.replace("period month", "period quarter\n  fiscal_year_start march\n  fiscal_year_named_by end")
    config = project(tmp_path, one_kpi("measure count(calls)  target >= 1"), {"calls": calls(1, "2999-12-31")},
                     header)
    result = CliRunner().invoke(cli, ["run", "--config", str(config)])
    assert result.exit_code == 1, result.output
    assert ("error[E505]: the latest date in the data, 2999-12-31, would choose 3000Q3, the latest quarter ended by "
            "it, out of range: periods are in the years 1900 to 2999") in result.output


@pytest.mark.parametrize("named_by, label, runs", [
    # fiscal years from April: 1900 named by its end is 1899-04-01 to 1900-03-31, whose months
    # --period 1899-04 refuses; 2999Q4 named by its start is 3000-01-01 to 3000-03-31
    ("end", "1900", "1899-04-01 to 1900-03-31"),
    ("start", "2999Q4", "3000-01-01 to 3000-03-31"),
])
def test_a_fiscal_period_reaching_outside_the_years_is_refused(tmp_path, named_by, label, runs):
    header = HEADER.replace("period month", f"period month\n  fiscal_year_start april\n  fiscal_year_named_by {named_by}")
    config = project(tmp_path, one_kpi("measure count(calls)  target >= 1"), {"calls": calls(1, "2026-03-01")},
                     header)
    result = CliRunner().invoke(cli, ["run", "--config", str(config), "--period", label])
    assert result.exit_code == 2, result.output
    assert (f"error[E020]: '{label}' runs from {runs}, out of range: periods are in the years 1900 to 2999"
            in result.output)


def test_a_latest_date_early_in_1900_names_the_period_it_would_choose(tmp_path):
    # 1900-01-15 is in 1900-01, which has not ended: the month it would choose is 1899-12 (it
    # said the date "is in 1899-12", and called a real date a placeholder)
    config = project(tmp_path, one_kpi("measure count(calls)  target >= 1"), {"calls": calls(1, "1900-01-15")})
    result = CliRunner().invoke(cli, ["run", "--config", str(config)])
    assert result.exit_code == 1, result.output
    assert ("error[E505]: the latest date in the data, 1900-01-15, would choose 1899-12, the latest month ended by "
            "it, out of range: periods are in the years 1900 to 2999") in result.output
    assert "help: check the date in the data, or, where the command takes one, name the period with --period" \
        in result.output


def test_a_period_after_the_data_is_refused(tmp_path):
    # semantics §1: a requested period that starts after the latest date in the data (E503);
    # one that has started is evaluated on the data so far
    config = project(tmp_path, one_kpi("measure count(calls)  target >= 1"), {"calls": calls(1, "2026-03-01")})
    result = CliRunner().invoke(cli, ["run", "--config", str(config), "--period", "2026-04"])
    assert result.exit_code == 1
    # at the row holding the latest date: the one call, row 1 on line 2 of calls.csv
    assert ("calls.csv, row 1, column called_at: error[E503]: no data covers 2026-04: the latest date in the "
            "data is 2026-03-01\n  = note: row 1 (line 2)\n") in result.output
    result = CliRunner().invoke(cli, ["run", "--config", str(config), "--period", MARCH])
    assert result.exit_code == 0, result.output


def test_a_longer_period_evaluates_only_the_months_the_data_has_reached(tmp_path):
    # semantics §1: data up to 2026-04-02; --period 2026Q2 evaluates April only, and says why.
    # The KPI is lower-is-better: May and June, with no calls, would have scored 100 on nothing.
    body = one_kpi("measure count(calls)  target <= 5")
    data = {"calls": calls(2, "2026-04-02")}
    data = run(tmp_path, body, data, "2026Q2")
    assert data["periods"] == ["2026-04"]
    # ... and April, which the data stops inside, holds the values so far
    assert data["period_reason"] == ("as requested; 2026-05, 2026-06 not evaluated: they start after the "
                                     "latest date in the data (2026-04-02); the latest date in the data "
                                     "(2026-04-02) is before 2026-04 ends (2026-04-30): its values are those so far")
    assert num(kpi(person(data, period="2026-04"), "k")["value"]) == 2


def test_the_default_period_of_a_quarterly_scheme(tmp_path):
    header = HEADER.replace("period month", "period quarter")
    role = one_kpi("measure count(calls)  target >= 1")
    assert run(tmp_path / "a", role, {"calls": calls(1, "2026-03-31")}, header=header)["periods"] == ["2026Q1"]
    assert run(tmp_path / "b", role, {"calls": calls(1, "2026-03-30")}, header=header)["periods"] == ["2025Q4"]


def test_a_default_period_the_data_has_not_begun_says_so(tmp_path):
    # semantics §1: data from 2026-03-01 to 2026-03-30 evaluates February by default (the
    # latest month ended by 03-30), which ends before the earliest date: computed on no rows,
    # as --period 2026-02 says it (the default period's reason said only the first half)
    data = {"calls": calls(1, "2026-03-01") + "\n" + calls(1, "2026-03-30")}
    result = run(tmp_path, one_kpi("measure count(calls)  target >= 1"), data)
    assert result["periods"] == ["2026-02"]
    assert result["period_reason"] == ("the latest month that ended on or before the latest date in the data "
                                       "(2026-03-30); 2026-02 ends before the earliest date in the data "
                                       "(2026-03-01): computed on no rows")


def test_a_year_in_a_quarterly_scheme_is_four_runs(tmp_path):
    header = HEADER.replace("period month", "period quarter")
    result = run(tmp_path, one_kpi("measure count(calls)  target >= 1"), {"calls": calls(1, "2026-12-31")},
                 "2026", header)
    assert result["periods"] == ["2026Q1", "2026Q2", "2026Q3", "2026Q4"]
    # semantics §1: evaluated, and the reason says which periods the data has not begun
    assert result["period_reason"] == ("as requested; 2026Q1, 2026Q2, 2026Q3 end before the earliest date in the "
                                       "data (2026-12-31): computed on no rows")


def test_rows_placed_by_an_on_column_count_for_the_earliest_date(tmp_path):
    # semantics §1: the earliest date is the date bindings' and the `on` columns'. The visits
    # were created in April but one was won on 2026-03-20: March holds that row (1 visit won),
    # so the reason must not say March is "computed on no rows"; February still is, as it ends
    # before 2026-03-20.
    body = one_kpi("measure count(visits on won_on)  target >= 1")
    data = run(tmp_path / "a", body, {"visits": "A,c1,2026-04-02,2026-03-20 10:00:00"}, MARCH)
    assert data["period_reason"] == "as requested"
    assert num(kpi(person(data), "k")["value"]) == 1
    data = run(tmp_path / "b", body, {"visits": "A,c1,2026-04-02,2026-03-20 10:00:00"}, "2026-02")
    assert data["period_reason"] == ("as requested; 2026-02 ends before the earliest date in the data "
                                     "(2026-03-20): computed on no rows")


def test_a_period_without_any_data_is_evaluated_and_says_so(tmp_path):
    # semantics §1: with no dated rows at all, --period is needed, and every value is on no rows
    result = run(tmp_path, one_kpi("measure count(calls)  target >= 1"), {"calls": ""}, MARCH)
    assert result["period_reason"] == ("as requested; the fact datasets hold no dated rows: every value is "
                                       "computed on no rows")


def test_data_without_a_date_binding_needs_a_period_and_is_counted_by_its_on_column(tmp_path, monkeypatch):
    # semantics §1: no fact dataset binds a date, the KPI places rows `on` a column: no default
    # period (E501, saying why), and with --period the rows of March count (2, not "no rows")
    (tmp_path / "s.kpi").write_text(
        HEADER + 'roster people { id person_id  role role  column person_id string  column role string }\n'
        'dataset visits { person owner_id  column owner_id string  column seen_on date }\n'
        'role rep { applies_to person.role == "rep"\n'
        '  kpi k { process main  weight 100%  measure count(visits on seen_on)  target >= 4 } }\n', encoding="utf-8")
    (tmp_path / "people.csv").write_text("person_id,role\nA,rep\n", encoding="utf-8")
    (tmp_path / "visits.csv").write_text("owner_id,seen_on\nA,2026-03-02\nA,2026-03-30\nA,2026-04-01\n", encoding="utf-8")
    (tmp_path / "kpirules.toml").write_text(
        '[project]\nrulesets = ["s.kpi"]\ndefault_env = "t"\n'
        '[env.t.datasets.people]\nsource = "csv"\npath = "people.csv"\n'
        '[env.t.datasets.visits]\nsource = "csv"\npath = "visits.csv"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["run"])
    assert result.exit_code == 1
    assert "error[E501]: no fact dataset binds a date column, so no period can be chosen from the data" in result.output
    result = CliRunner().invoke(cli, ["run", "--period", MARCH, "--format", "json", "-o", "out.json"])
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert data["period_reason"] == ("as requested; no fact dataset binds a date column, so the data does not show "
                                     "which periods it covers")
    assert num(kpi(person(data), "k")["value"]) == 2


# ------------------------------------------------------------------- §2 row functions, `on`

VISITS = """
A,c1,2026-02-10,2026-03-02 09:00:00
A,c1,2026-03-05,
A,c2,2026-03-05,2026-03-15 23:00:00
A,c2,2026-03-05,
A,c3,2026-03-31,2026-04-01 10:00:00
"""


@pytest.mark.parametrize(("measure", "value"), [
    # c1's first visit is in February: not new in March; c2's two rows share the earliest day:
    # both are first; c3 is new: 3 first-time rows, 2 customers
    ("count(visits where first_time(customer))", D(3)),
    ("count_distinct(visits.customer where first_time(customer))", D(2)),
    # `on won_on` places rows by won_on: c1 (2 March) and c2 (15 March) won in March; c3 on
    # 1 April is not; rows without a won_on are in no period
    ("count(visits on won_on)", D(2)),
    # days from created_on to won_on, for rows won in March: c1 2026-02-10 -> 2026-03-02 = 20,
    # c2 2026-03-05 -> 2026-03-15 = 10: average 15 days
    ("avg(days_between(visits.created_on, visits.won_on) on won_on)", D(15)),
    # semantics §2: first_time goes by the dataset's date (created_on) also `on won_on`: of the
    # rows won in March, c1's (created 10 February, its first) and c2's first row (5 March; the
    # row without won_on is in no window): 2
    ("count(visits where first_time(customer) on won_on)", D(2)),
])
def test_first_time_days_between_and_on(tmp_path, measure, value):
    target = "target <= 30d" if "days_between" in measure else "target >= 1"
    p = person(run(tmp_path, one_kpi(f"measure {measure}  {target}"), {"visits": VISITS}, MARCH))
    assert num(kpi(p, "k")["value"]) == value


@pytest.mark.parametrize(("amounts", "value"), [
    (["0.00005"], D("0.0001")),              # money keeps 4 places: rounded half away from zero
    (["-0.00005"], D("-0.0001")),
    (["0.00004", "0.00004"], D("0")),        # each row is rounded as it is loaded, then summed
    (["12.34565", "0.00015"], D("12.3459")),  # 12.3457 + 0.0002
])
def test_money_values_keep_four_places_as_they_are_loaded(tmp_path, amounts, value):
    # sources.md: money is DECIMAL(18,4); more places are rounded half away from zero when read
    data = {"deals": "\n".join(f"A,2026-03-05,{a},true,1" for a in amounts)}
    p = person(run(tmp_path, one_kpi("measure sum(deals.amount)  target >= 1"), data, MARCH))
    assert num(kpi(p, "k")["value"]) == value


def test_first_time_is_by_day_and_never_for_an_empty_value(tmp_path):
    # semantics §2: rows on the earliest day all count, whatever their time (the calls dataset
    # is dated by a timestamp); a row with no customer is never first. Here calls carry no
    # customer, so the visits dataset's `customer` is used: c9 twice on 3 March (09:00, 23:00)
    # and once on 4 March, and a row with no customer: first rows 2
    rows = "A,c9,2026-03-03,\nA,c9,2026-03-03,\nA,c9,2026-03-04,\nA,,2026-03-03,"
    p = person(run(tmp_path, one_kpi("measure count(visits where first_time(customer))  target >= 1"),
                   {"visits": rows}, MARCH))
    assert num(kpi(p, "k")["value"]) == 2


# ---------------------------------------------------------------------------- §5 curves

@pytest.mark.parametrize(("n", "score"), [(0, 5), (4, 5), (5, 9), (12, 9)])
def test_lookup_by_value(tmp_path, n, score):
    # language.md §11.3: the last key at most the value; the value 0 is at the key 0
    body = "measure count(calls)  score lookup by value { 0: 5  5: 9 }"
    p = person(run(tmp_path, one_kpi(body), {"calls": calls(n)}, MARCH))
    assert num(kpi(p, "k")["score"]) == score


def test_a_negative_attainment_is_read_as_zero_by_lookup(tmp_path):
    # semantics §5: -5 / 10 = -50% is read as 0%: the key 0% scores 5 (not 0, "below the first key")
    body = "measure sum(deals.amount)  target >= 10  score lookup { 0%: 5  50%: 9 }"
    p = person(run(tmp_path, one_kpi(body), {"deals": "A,2026-03-05,-5,true,1"}, MARCH))
    assert num(kpi(p, "k")["score"]) == 5
    # the explanation says which attainment the curve read, not only the one shown
    assert kpi(p, "k")["score_rule"] == "lookup: attainment -50% (read as 0%) reaches the row 0%: score 5"


@pytest.mark.parametrize(("amount", "score"), [(-150, 0), (-100, 1), (-60, 1), (-50, 3), (-1, 3), (0, 30), (49, 30), (50, 50)])
def test_lookup_keys_may_be_negative(tmp_path, amount, score):
    # language.md §11.3: keys are numbers, negative ones too; below the first key (-100) the
    # score is 0. "60 - 10" is the last row's score (a minus inside a row), "-50:" a new row.
    body = "measure sum(deals.amount)  score lookup by value { -100: 1  -50: 3  0: 30  50: 60 - 10 }"
    p = person(run(tmp_path, one_kpi(body), {"deals": f"A,2026-03-05,{amount},true,1"}, MARCH))
    assert num(kpi(p, "k")["score"]) == score


def test_tier_scores_may_be_arithmetic_and_are_kept_exact(tmp_path):
    body = "measure count(calls)  target >= 10  score tiers { [0%, 50%): 0  [50%, ∞): 50 + 12.5 }"
    p = person(run(tmp_path, one_kpi(body), {"calls": calls(6)}, MARCH))
    assert num(kpi(p, "k")["score"]) == D("62.5")


def test_a_per_person_target_for_a_lower_is_better_kpi(tmp_path):
    # semantics §3 step 1 applies to `<=` KPIs too; 20 / 25 -> attainment 125%, capped at 100
    body = "measure sum(deals.days)  target <= quotas.calls  target <= 10"
    data = {"quotas": "A,2026-03,20,", "deals": "A,2026-03-05,1,true,25"}
    k = kpi(person(run(tmp_path, one_kpi(body), data, MARCH)), "k")
    assert (num(k["target"]), num(k["attainment"])) == (20, D("0.8"))


# --------------------------------------------------------------------------- §7 payout

PAYOUT_ROLE = """
role rep { applies_to person.role == "rep"
  kpi calls { process main  weight 100%  measure count(calls)  target <= 1  score tiers { [0%, ∞): 80 } }
  kpi amount { outcome auxiliary  measure sum(deals.amount)  target >= 1 }
  payout { PAYOUT }
}
"""


def paid(tmp_path, payout: str, data: dict[str, str], people: str = "A,rep,,2026-03-10,,,") -> dict:
    """Person A's payout; the total score is always 80 (one tier), so the factor is 0.8."""
    p = person(run(tmp_path, PAYOUT_ROLE.replace("PAYOUT", payout), {"people": people, **data}, MARCH))
    assert num(p["total_score"]) == 80
    return p["payout"]


def test_commissions_and_the_cap_are_not_prorated(tmp_path):
    # semantics §7.5: only the incentive is prorated (22 of 31 days):
    # 1000 x 0.8 x 22 / 31 = 567.741935... -> 567.74; commission 1,000 x 10% = 100.00 in full
    payout = "target_incentive 1000 CNY  commission amount retroactive { [0, ∞): 10% }"
    got = paid(tmp_path, payout, {"deals": "A,2026-03-12,1000,true,1"})
    assert (num(got["incentive"]), num(got["total"])) == (D("567.74"), D("667.74"))
    # cap 600 (not 600 x 22 / 31): 667.74 -> 600.00
    got = paid(tmp_path / "cap", payout + "  cap 600 CNY", {"deals": "A,2026-03-12,1000,true,1"})
    assert num(got["total"]) == D("600.00")


def test_the_capped_amount_is_rounded(tmp_path):
    # semantics §7 "Rounding": the capped amount is a money line: cap 499.995 -> 500.00
    got = paid(tmp_path, "target_incentive 1000 CNY  cap 499.995 CNY  proration off", {})
    assert num(got["total"]) == D("500.00")


def test_marginal_rows_with_an_inclusive_upper_bound(tmp_path):
    # language.md §6.1 / §12.5: 100万 itself is in [0, 100万]: 150万 pays
    # 100万 x 0.5% + 50万 x 1% = 5,000 + 5,000 = 10,000
    payout = "commission amount marginal { [0, 100万]: 0.5%  (100万, ∞): 1% }"
    got = paid(tmp_path, payout, {"deals": "A,2026-03-12,1500000,true,1"})
    assert num(got["total"]) == D("10000.00")


def test_factor_linear_row_with_exclusive_lower_bound(tmp_path):
    # semantics §7.2: linear A to B across (60, 100]: at 80, 0.6 + 0.4 x 20 / 40 = 0.8
    payout = "target_incentive 1000 CNY  proration off  factor by total_score { [0, 60]: 0  (60, 100]: linear 0.6 to 1.0  (100, ∞): 1 }"
    got = paid(tmp_path, payout, {})
    assert (num(got["factor"]), num(got["total"])) == (D("0.8"), D("800.00"))


def test_explain_shows_the_payout_steps_a_person_can_check(tmp_path):
    payout = "target_incentive 1000 CNY  commission amount retroactive { [0, ∞): 10% }"
    folder = tmp_path / "x"
    run(folder, PAYOUT_ROLE.replace("PAYOUT", payout),
        {"people": "A,rep,,2026-03-10,,,", "deals": "A,2026-03-12,1000,true,1"}, MARCH)
    text = explain(folder, "A", MARCH)
    assert "active 22 of 31 days" in text
    assert "567.74" in text and "100.00" in text and "667.74" in text


def test_explain_points_the_caps_at_their_lines_and_says_a_role_without_grades_is_not_graded(tmp_path):
    # README: each step points at its .kpi line. 300 calls against 100: total 300 (cap 300%),
    # factor 3 capped at 1.5; incentive 1000 x 1.5 = 1500 capped at 1200. The role has no grades.
    role = """
role rep { applies_to person.role == "rep"
  kpi calls { process main  weight 100%  measure count(calls)  target >= 100  score linear cap 300% }
  payout {
    target_incentive 1000 CNY
    factor by total_score { [0, ∞): total_score / 100 }
    cap factor 1.5
    cap 1200 CNY
  }
}
"""
    folder = tmp_path / "x"
    run(folder, role, {"calls": calls(300)}, MARCH)
    lines = [line.strip() for line in explain(folder, "A", MARCH).splitlines()]
    at = {text: i for i, text in enumerate((folder / "s.kpi").read_text(encoding="utf-8").splitlines(), 1)}
    kpi = folder / "s.kpi"
    assert f"factor capped at 1.5  [{kpi}:{at['    cap factor 1.5']}]" in lines, lines
    assert (f"incentive 1500.00 CNY is above the cap: payout capped at 1200.00 CNY  [{kpi}:{at['    cap 1200 CNY']}]"
            in lines), lines
    assert "grade: none (the role has no grades)" in lines


@pytest.mark.parametrize(("header", "rule"), [
    (HEADER, "no value: scored 0 by default (no_data)"),
    (HEADER.replace("timezone", "no_data score 7  timezone"), "no value: scored 7 as the scheme says (no_data)"),
])
def test_a_no_data_score_says_where_it_came_from(tmp_path, header, rule):
    # semantics §3: the KPI's no_data score, else its role's, else the scheme's, else 0; the output says so
    p = person(run(tmp_path, one_kpi("measure avg(deals.amount)  target >= 1"), {}, MARCH, header))
    assert kpi(p, "k")["score_rule"] == rule


def test_identical_measures_are_computed_once_but_each_trace_points_at_its_own_line(tmp_path):
    # README: explain points each step at its .kpi line, also when two KPIs share an aggregate
    role = """
role rep { applies_to person.role == "rep"
  kpi first { process main  weight 50%  measure sum(deals.amount)  target >= 10 }
  kpi second { process main  weight 50%
    measure sum(deals.amount)
    target >= 20 }
}
"""
    result = run(tmp_path, role, {"deals": "A,2026-03-05,15,true,1"}, MARCH)
    kpis = {k["id"]: k for k in person(result)["kpis"]}
    lines = {k: int(v["aggregates"][0]["argument"].split(":")[-2]) for k, v in kpis.items()}
    text = (tmp_path / "s.kpi").read_text(encoding="utf-8").splitlines()
    assert "kpi first" in text[lines["first"] - 1] and text[lines["second"] - 1].strip() == "measure sum(deals.amount)"
    assert [num(k["value"]) for k in kpis.values()] == [15, 15]


# ------------------------------------------------------ missing values in conditions

MISSING_LEVEL = """
role rep { applies_to person.role == "rep" and person.level != "x"
  kpi v { process main  weight 100%  measure count(calls)  target >= 1 }
}
role other { applies_to person.role == "other"
  kpi v { process main  weight 100%  measure count(calls)  target >= 1
    target >= 7 when not (person.level == "y") }
  payout { target_incentive 1000 CNY  gate not (person.level == "x") else multiply 0.5 }
}
"""


def test_a_condition_on_a_person_attribute_without_a_value_is_never_true(tmp_path):
    # semantics §1/§3/§7 (as in §2 for `where`): a comparison with a missing value is neither
    # true nor false, so neither is its `not`. A (no level) is matched by no role; C (no level)
    # gets no `when` target (1, not 7) and fails the gate: 1 call of 1 scores 100, factor
    # 1.0 x 0.5 = 0.5; D (level z) gets the target 7 and passes the gate.
    people = "A,rep,,2020-01-01,,,\nB,rep,,2020-01-01,,z,\nC,other,,2020-01-01,,,\nD,other,,2020-01-01,,z,"
    data = {"people": people, "calls": "C,2026-03-20 10:00:00\nD,2026-03-20 10:00:00"}
    result = run(tmp_path, MISSING_LEVEL, data, MARCH)
    assert result["unmatched_people"] == ["A"]
    c, d = person(result, "C"), person(result, "D")
    assert (num(kpi(c, "v")["target"]), num(c["payout"]["factor"])) == (1, D("0.5"))
    assert num(kpi(d, "v")["target"]) == 7
    assert num(d["payout"]["factor"]) == D("0.142857")  # 1 / 7 = 14.2857 points -> 0.142857


GATED = """
role rep { applies_to person.role == "rep"
  kpi v { process main  weight 100%  measure count(calls)  score tiers by value { [0, ∞): 80 } }
  kpi r { outcome auxiliary  measure avg(deals.amount) }
  payout { target_incentive 1000 CNY  GATE }
}
"""


@pytest.mark.parametrize(("gate", "factor"), [
    # a KPI without a value fails the gate whatever the rest of the condition says
    ("gate r.value >= 5 or total_score > 10 else multiply 0.5", D("0.4")),
    ("gate r.value >= 5 or total_score > 10 else multiply 0.5 no_data pass", D("0.8")),
    # `v` has a value but no target (scored by value): its target and attainment are missing,
    # so a condition on them does not hold, and `no_data pass` (about values) does not help
    ("gate v.attainment >= 5% else multiply 0.5 no_data pass", D("0.4")),
    ("gate v.target >= 5 else multiply 0.5", D("0.4")),
])
def test_gates_on_results_a_kpi_does_not_have(tmp_path, gate, factor):
    # semantics §7.4; total 80 (by-value tier), factor 0.8 before the gate
    p = person(run(tmp_path, GATED.replace("GATE", gate), {"calls": calls(1)}, MARCH))
    assert num(p["payout"]["factor"]) == factor


def test_the_json_lines_add_up_to_the_total(tmp_path):
    # semantics §7 "Rounding": with `rounding half_up 100`, the adjustments 149 and 150 are
    # the lines 100 and 200; the incentive 1000 x 0.8 = 800: total 1,100. The statement (JSON)
    # must list lines that add up to it.
    role = GATED.replace("GATE", "rounding half_up 100")
    data = {"calls": calls(1), "corrections": "A,2026-03,149,x\nA,2026-03,150,y"}
    got = person(run(tmp_path, role, data, MARCH))["payout"]
    assert num(got["total"]) == 1100
    lines = [num(got["incentive"])] + [num(v) for v in got["commissions"].values()]
    assert sum(lines + [num(a["amount"]) for a in got["adjustments"]]) == num(got["total"])


def test_an_adjustment_rounded_to_zero_is_written_0_00(tmp_path):
    # semantics §7 "Rounding": -0.004 CNY rounds to the cent as 0.00; a statement never says -0.00
    role = GATED.replace("GATE", "")
    data = {"calls": calls(1), "corrections": "A,2026-03,-0.004,typo"}
    got = person(run(tmp_path, role, data, MARCH))["payout"]
    assert [a["amount"] for a in got["adjustments"]] == ["0.00"]
    # explain shows the amount as written and the rounding that made it 0.00
    assert "manual adjustment -0.004 CNY, rounded half_up to 0.01: 0.00 CNY: typo" in explain(tmp_path, "A", MARCH)


def test_explain_says_why_a_kpi_has_no_target(tmp_path):
    # semantics §3: a rule whose value is empty is no target, and the rules after it are not
    # tried; explain said only "target: none found". A's target_incentive cell is empty.
    role = """
role rep { applies_to person.role == "rep"
  kpi k { outcome main  weight 50%  measure sum(deals.amount)
          target >= person.target_incentive when person.role == "rep"
          target >= 500 }
  kpi v { outcome main  weight 25%  measure count(calls)  score tiers by value { [0, ∞): 100 } }
  kpi w { outcome main  weight 25%  measure count(calls)  target >= 5 when person.level == "x" }
}
"""
    project(tmp_path, role, {"calls": calls(2), "deals": "A,2026-03-05,100,true,1"})
    text = explain(tmp_path, "A", MARCH)
    assert ('  target: none: the `when` branch target >= person.target_incentive when person.role == "rep" '
            f'({tmp_path / "s.kpi"}:26) gives no value; person.role "rep"') in text
    assert "  target: none (the KPI sets no target)" in text  # v: a by-value curve
    assert "  target: none found" in text  # w: its only rule's `when` does not hold



def test_the_table_shows_a_kpi_without_a_target_in_progress_by_its_value(tmp_path):
    # output.md, the table's cells: a quarterly KPI in January is in progress; without a target
    # its cell is its value to date (3 calls: "3 so far"), where it showed "- so far"
    role = """
role rep { applies_to person.role == "rep"
  kpi q { outcome auxiliary  measure count(calls)  period quarter }
  kpi k { outcome main  weight 100%  measure count(calls)  target >= 3 }
}
"""
    config = project(tmp_path, role, {"calls": calls(3, "2026-01-20")})
    result = CliRunner().invoke(cli, ["run", "--config", str(config), "--period", "2026-01"])
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if line.lstrip("│ ").startswith("A "))
    assert "3 so far" in row and "- so far" not in row, row
    # the role has no payout rules: no payout column and no "total payout 0 CNY"
    assert "payout CNY" not in result.stdout
    assert "1 person evaluated; no payout rules." in result.stdout
