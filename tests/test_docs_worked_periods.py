"""docs/semantics.md §1 (periods) and §2 (windows), worked by hand and checked on the real CLI.

Every expected number below is worked from the documentation only; tests/docs_worked_kit.py
writes the scheme, the CSV files and kpirules.toml and runs `kpirules run --format json`.
"""

from __future__ import annotations

from click.testing import CliRunner

from docs_worked_kit import D, HEADER, explain, kpi, person, project, run
from kpirules.cli import cli

CALLS_ROLE = """
role rep { applies_to person.role == "rep"
  kpi calls { process main  measure count(calls)  target >= 10  weight 100% }
}
"""


def header(*lines: str) -> str:
    """The kit's scheme header with these statements added (a `period` line replaces month)."""
    text = " ".join(lines)
    base = HEADER.replace("period month  ", "") if "period " in text else HEADER
    return base.replace("timezone", text + "  timezone")


def windows(p: dict, kpi_id: str = "calls") -> tuple[str, str]:
    aggregate = kpi(p, kpi_id)["aggregates"][0]
    return aggregate["window_start"], aggregate["window_end"]


def test_timestamps_are_placed_in_the_scheme_time_zone(tmp_path):
    # semantics §1 "A row belongs to a period": [first day, day after last day) in the scheme's
    # timezone (Asia/Shanghai, UTC+8); an offset is converted, a naive value is already local.
    calls = """
    A,2026-03-31 15:59:59Z
    A,2026-03-31 16:00:00Z
    A,2026-02-28 16:00:00Z
    A,2026-03-01 00:00:00
    A,2026-03-31 23:59:59
    A,2026-04-01 00:00:00
    A,2026-03-31 23:30:00+00:00
    """
    # 15:59:59Z = 23:59:59 on 31 March (in); 16:00Z = 00:00 on 1 April (out);
    # 28 Feb 16:00Z = 00:00 on 1 March (in); naive 1 March 00:00 (in); naive 31 March 23:59:59 (in);
    # naive 1 April 00:00 (out); 23:30 UTC on 31 March is 07:30 on 1 April in Shanghai (out,
    # language.md §3 `timezone`): 4 calls.
    p = person(run(tmp_path, CALLS_ROLE, {"calls": calls}, "2026-03"))
    assert D(kpi(p, "calls")["value"]) == 4
    assert windows(p) == ("2026-03-01", "2026-04-01")


def test_daylight_saving_time_moves_the_utc_bounds_of_a_period(tmp_path):
    # semantics §1: periods start and end at local midnight, daylight-saving changes as the
    # time zone database has them. Europe/Berlin is UTC+1 until 2026-03-29, then UTC+2:
    # March runs from 2026-02-28 23:00Z to 2026-03-31 22:00Z.
    calls = """
    A,2026-02-28 22:59:59Z
    A,2026-02-28 23:00:00Z
    A,2026-03-29 01:30:00Z
    A,2026-03-31 21:59:59Z
    A,2026-03-31 22:00:00Z
    A,2026-03-31 22:30:00Z
    """
    # 22:59:59Z on 28 Feb = 23:59:59 CET (out); 23:00Z = 00:00 on 1 March (in); 29 March
    # 01:30Z = 03:30 CEST (in); 21:59:59Z on 31 March = 23:59:59 CEST (in); 22:00Z = 00:00
    # on 1 April (out); 22:30Z = 00:30 on 1 April (out, though 23:30 at March's UTC+1): 3 calls
    berlin = HEADER.replace("Asia/Shanghai", "Europe/Berlin")
    p = person(run(tmp_path, CALLS_ROLE, {"calls": calls}, "2026-03", berlin))
    assert D(kpi(p, "calls")["value"]) == 3


def test_a_person_without_hire_or_leave_date_is_active_every_day(tmp_path):
    # semantics §1 "Who is evaluated": no hire date and no leave date: active all 31 days of
    # March, nothing prorated (the target of 10 stays 10)
    people = "A,rep,,,,,"
    p = person(run(tmp_path, CALLS_ROLE, {"people": people, "calls": "A,2026-03-10 10:00:00"}, "2026-03"))
    assert (p["active_days"], p["period_days"], D(kpi(p, "calls")["target"])) == (31, 31, 10)


def test_dates_are_in_the_period_from_first_to_last_day(tmp_path):
    role = """
role rep { applies_to person.role == "rep"
  kpi amount { outcome main  measure sum(deals.amount)  target >= 100  weight 100% }
}
"""
    deals = """
    A,2026-02-28,1,,
    A,2026-03-01,10,,
    A,2026-03-31,100,,
    A,2026-04-01,1000,,
    """
    # 1 March and 31 March are in March; 28 February and 1 April are not: 10 + 100 = 110
    p = person(run(tmp_path, role, {"deals": deals}, "2026-03"))
    assert D(kpi(p, "amount")["value"]) == 110


def test_fiscal_year_from_march_named_by_its_end(tmp_path):
    # semantics §1: fiscal_year_start march, named by end: 2026Q1 is March to May 2025,
    # 2026Q4 is December 2025 to February 2026, fiscal 2026 is 2025-03-01 .. 2026-02-28.
    calls = """
    A,2025-02-28 12:00:00
    A,2025-03-01 12:00:00
    A,2025-05-31 12:00:00
    A,2025-06-01 12:00:00
    A,2025-12-01 12:00:00
    A,2026-02-28 12:00:00
    A,2026-03-01 12:00:00
    """
    quarterly = header("period quarter  fiscal_year_start march")
    q1 = person(run(tmp_path / "q1", CALLS_ROLE, {"calls": calls}, "2026Q1", quarterly))
    assert windows(q1) == ("2025-03-01", "2025-06-01")
    assert D(kpi(q1, "calls")["value"]) == 2  # 1 March and 31 May 2025
    q4 = person(run(tmp_path / "q4", CALLS_ROLE, {"calls": calls}, "2026Q4", quarterly))
    assert windows(q4) == ("2025-12-01", "2026-03-01")
    assert D(kpi(q4, "calls")["value"]) == 2  # 1 December 2025 and 28 February 2026
    yearly = header("period year  fiscal_year_start march")
    year = person(run(tmp_path / "y", CALLS_ROLE, {"calls": calls}, "2026", yearly))
    assert windows(year) == ("2025-03-01", "2026-03-01")
    assert D(kpi(year, "calls")["value"]) == 5  # every call from 1 March 2025 to 28 February 2026


def test_fiscal_year_from_march_named_by_its_start(tmp_path):
    # semantics §1: with fiscal_year_named_by start, fiscal 2026 runs 2026-03-01 .. 2027-02-28
    # and 2026Q1 is March to May 2026.
    quarterly = header("period quarter  fiscal_year_start march  fiscal_year_named_by start")
    calls = "A,2026-03-01 00:00:00\nA,2026-05-31 23:59:59\nA,2026-06-01 00:00:00\nA,2026-02-28 23:59:59"
    q1 = person(run(tmp_path / "q1", CALLS_ROLE, {"calls": calls}, "2026Q1", quarterly))
    assert windows(q1) == ("2026-03-01", "2026-06-01")
    assert D(kpi(q1, "calls")["value"]) == 2
    yearly = header("period year  fiscal_year_start 3  fiscal_year_named_by start")
    year = person(run(tmp_path / "y", CALLS_ROLE, {"calls": calls}, "2026", yearly))
    assert windows(year) == ("2026-03-01", "2027-03-01")
    assert D(kpi(year, "calls")["value"]) == 3


def test_halves_of_a_fiscal_year_from_april(tmp_path):
    # language.md §3: fiscal_year_start april: April 2026 to March 2027 is fiscal 2027 (named
    # by end) and 2026 (named by start); H1 is its first six months, H2 the last six.
    for naming, label in (("end", "2027H2"), ("start", "2026H2")):
        halves = header(f"period half  fiscal_year_start april  fiscal_year_named_by {naming}")
        p = person(run(tmp_path / naming, CALLS_ROLE, {}, label, halves))
        assert windows(p) == ("2026-10-01", "2027-04-01"), naming


def test_a_month_is_always_the_calendar_month(tmp_path):
    monthly = header("fiscal_year_start march")
    p = person(run(tmp_path, CALLS_ROLE, {}, "2026-03", monthly))
    assert windows(p) == ("2026-03-01", "2026-04-01")


def test_a_longer_period_evaluates_each_scheme_period_on_its_own(tmp_path):
    # semantics §1: `--period 2026Q1` in a monthly scheme evaluates January, February and March
    calls = "A,2026-01-05 10:00:00\nA,2026-02-05 10:00:00\nA,2026-02-06 10:00:00\nA,2026-03-05 10:00:00"
    result = run(tmp_path, CALLS_ROLE, {"calls": calls}, "2026Q1")
    assert result["periods"] == ["2026-01", "2026-02", "2026-03"]
    values = [D(kpi(person(result, period=m), "calls")["value"]) for m in result["periods"]]
    assert values == [1, 2, 1]


def test_a_shorter_period_than_the_schemes_is_refused_with_the_enclosing_one(tmp_path):
    # semantics §1: naming a shorter period is an error that suggests the enclosing period
    config = project(tmp_path, CALLS_ROLE, {}, header("period quarter"))
    result = CliRunner().invoke(cli, ["run", "--config", str(config), "--period", "2026-02"])
    assert result.exit_code != 0
    assert "2026Q1" in result.output
    assert "Traceback" not in result.output


def test_the_default_period_is_the_latest_whose_last_day_the_data_reaches(tmp_path):
    # semantics §1 "Without --period": the latest scheme period whose last day is on or before
    # the latest date in the fact datasets. Data up to 30 March: March is not complete,
    # February is chosen. Targets and adjustments are not fact datasets.
    data = {"calls": "A,2026-03-30 10:00:00", "quotas": "A,2026-06,1,",
            "corrections": "A,2026-05,1,late deal"}
    result = run(tmp_path / "feb", CALLS_ROLE, data)
    assert result["periods"] == ["2026-02"]
    assert "2026-03-30" in result["period_reason"]
    result = run(tmp_path / "mar", CALLS_ROLE, {"calls": "A,2026-03-31 10:00:00"})
    assert result["periods"] == ["2026-03"]


def test_the_latest_date_is_read_in_the_scheme_time_zone(tmp_path):
    # 17:00 UTC on 30 March is 01:00 on 31 March in Shanghai: the data reaches 31 March, so
    # March is complete (in UTC it would still be 30 March and February would be chosen).
    result = run(tmp_path, CALLS_ROLE, {"calls": "A,2026-03-30 17:00:00Z"})
    assert result["periods"] == ["2026-03"]


QUARTER_ROLE = """
role rep { applies_to person.role == "rep"
  kpi calls { process main  measure count(calls)  target >= 10  weight 60% }
  kpi amount { outcome main  period quarter  measure sum(deals.amount)  target >= 1000  weight 40% }
  payout {
    target_incentive 1000 CNY
    gate amount.attainment >= 50% else zero
  }
}
"""
QUARTER_DATA = {
    "calls": "A,2026-01-10 10:00:00\n" * 8 + "A,2026-03-10 10:00:00\n" * 5,
    "deals": "A,2026-01-15,100,,\nA,2026-02-15,200,,\nA,2026-03-15,500,,",
}


def test_a_quarterly_kpi_in_january_is_in_progress_and_the_others_are_scaled(tmp_path):
    # semantics §2: the window of a quarterly KPI runs from the quarter's start to the end of
    # the run period; §6: not scored in that run, the other contributions scaled by
    # (sum of main weights) / (weights scored) = 100% / 60%.
    p = person(run(tmp_path, QUARTER_ROLE, QUARTER_DATA, "2026-01"))
    amount = kpi(p, "amount")
    assert amount["status"] == "in_progress"
    assert windows(p, "amount") == ("2026-01-01", "2026-02-01")
    assert D(amount["value"]) == 100 and D(amount["attainment"]) == D("0.1")  # to date: 100 / 1000
    assert amount["score"] is None
    # calls 8 / 10 = 80% -> 80; contribution 60% x 80 = 48; total 48 x 100 / 60 = 80
    assert D(kpi(p, "calls")["contribution"]) == 48
    assert D(p["total_score"]) == 80
    # §7.4: the gate on the in-progress KPI (10% < 50%) is not applied: 1000 x 0.8 = 800.00
    assert D(p["payout"]["total"]) == D("800.00")


def test_a_quarterly_kpi_in_february_reads_quarter_to_date(tmp_path):
    p = person(run(tmp_path, QUARTER_ROLE, QUARTER_DATA, "2026-02"))
    assert windows(p, "amount") == ("2026-01-01", "2026-03-01")
    assert D(kpi(p, "amount")["value"]) == 300  # 100 + 200
    # no calls in February: 0 / 10 -> 0; total 0, payout 0
    assert D(p["total_score"]) == 0


def test_when_no_main_kpi_closes_the_total_is_0_and_the_notes_say_why(tmp_path):
    # semantics §5: with calls made auxiliary, the quarterly amount is the only main KPI; in
    # January nothing is scored, the total is 0 (factor 0, payout 0) and a note says why
    only_quarterly = QUARTER_ROLE.replace("process main  measure count(calls)  target >= 10  weight 60%",
                                          "process auxiliary  measure count(calls)  target >= 10")
    only_quarterly = only_quarterly.replace("weight 40%", "weight 100%")
    p = person(run(tmp_path, only_quarterly, QUARTER_DATA, "2026-01"))
    assert (D(p["total_score"]), D(p["payout"]["total"])) == (0, 0)
    assert p["notes"] == ["no main KPI's period closes in this run, so none is scored: the total score is 0"]
    assert "no main KPI's period closes in this run" in explain(tmp_path, "A", "2026-01")
    p = person(run(tmp_path / "march", only_quarterly, QUARTER_DATA, "2026-03"))
    assert p["notes"] == []


def test_when_only_weightless_main_kpis_close_the_note_says_so(tmp_path):
    # semantics §6: calls (monthly, main) has weight 0% and closes in January; amount
    # (quarterly, 100%) is in progress. Nothing with weight is scored: the total is 0, and
    # the note must not claim that no main KPI closed (calls did, and is scored 80)
    weightless = QUARTER_ROLE.replace("measure count(calls)  target >= 10  weight 60%",
                                      "measure count(calls)  target >= 10  weight 0%")
    weightless = weightless.replace("weight 40%", "weight 100%")
    p = person(run(tmp_path, weightless, QUARTER_DATA, "2026-01"))
    assert D(kpi(p, "calls")["score"]) == 80  # 8 / 10
    assert D(p["total_score"]) == 0
    assert p["notes"] == ["the main KPIs whose period closes in this run have weight 0, and the others are not "
                          "scored in this run: the total score is 0"]


def test_the_run_that_closes_the_quarter_scores_the_whole_quarter(tmp_path):
    p = person(run(tmp_path, QUARTER_ROLE, QUARTER_DATA, "2026-03"))
    amount = kpi(p, "amount")
    assert amount["status"] == "ok"
    assert windows(p, "amount") == ("2026-01-01", "2026-04-01")
    # amount 800 / 1000 = 80% -> 80 x 40% = 32; calls 5 / 10 = 50% -> 50 x 60% = 30; total 62
    assert D(amount["contribution"]) == 32
    assert D(p["total_score"]) == 62
    # the gate holds (80% >= 50%): 1000 x 0.62 = 620.00
    assert D(p["payout"]["total"]) == D("620.00")
    assert "in_progress" not in explain(tmp_path, "A", "2026-03")


def test_a_run_where_no_main_kpi_closes_scores_zero(tmp_path):
    # semantics §6: when no main KPI of a role closes in a run, the total of that run is 0
    role = """
role rep { applies_to person.role == "rep"
  kpi amount { outcome main  period quarter  measure sum(deals.amount)  target >= 1000  weight 100% }
  payout { target_incentive 1000 CNY }
}
"""
    p = person(run(tmp_path, role, QUARTER_DATA, "2026-02"))
    assert D(p["total_score"]) == 0
    assert D(p["payout"]["total"]) == 0


PEOPLE = """
A,rep,,2026-01-15,,,
B,rep,,2026-01-31,,,
C,rep,,2026-03-31,,,
D,rep,,2026-03-10,,,
"""
# `<=` targets are never prorated (semantics §3), so the targets show the attributes as read.
TENURE_ROLE = """
role rep { applies_to person.role == "rep"
  kpi calls { process main  measure count(calls)  weight 100%
    target <= person.tenure_months * 100 + 1
  }
  kpi days { process auxiliary  measure count(calls)  target <= person.tenure_days + 1 }
}
"""


def tenure(result: dict, person_id: str) -> tuple[D, D]:
    p = person(result, person_id)
    return (D(kpi(p, "calls")["target"]) - 1) / 100, D(kpi(p, "days")["target"]) - 1


def test_tenure_in_whole_calendar_months_and_days(tmp_path):
    # semantics §1 "Person attributes", the worked examples: hired 2026-01-15: 1 month on
    # 2026-02-28, 2 on 2026-03-31; hired 2026-01-31: 1 on 2026-02-28, 2 on 2026-03-31;
    # hired 2026-03-31: 0 on 2026-04-29 (not a period end), 1 on 2026-04-30.
    # tenure_days: days from the hire date to the period's last day (31 March - 10 March = 21).
    feb = run(tmp_path / "feb", TENURE_ROLE, {"people": PEOPLE}, "2026-02")
    assert tenure(feb, "A")[0] == 1 and tenure(feb, "B")[0] == 1
    mar = run(tmp_path / "mar", TENURE_ROLE, {"people": PEOPLE}, "2026-03")
    assert tenure(mar, "A")[0] == 2 and tenure(mar, "B")[0] == 2
    assert tenure(mar, "D") == (0, 21)
    assert tenure(mar, "C") == (0, 0)
    apr = run(tmp_path / "apr", TENURE_ROLE, {"people": PEOPLE}, "2026-04")
    assert tenure(apr, "C") == (1, 30)


def test_who_is_evaluated(tmp_path):
    # semantics §1 "Who is evaluated": active on at least one day of the period (hired on or
    # before its last day, not left before its first day) and matching exactly one role.
    people = """
    A,rep,,2020-01-01,2026-03-01,,
    B,rep,,2020-01-01,2026-02-28,,
    C,rep,,2026-03-31,,,
    D,rep,,2026-04-01,,,
    E,clerk,,2020-01-01,,,
    """
    result = run(tmp_path, CALLS_ROLE, {"people": people}, "2026-03")
    assert sorted(p["person_id"] for p in result["people"]) == ["A", "C"]
    assert result["unmatched_people"] == ["E"]
    # A left on 1 March: one active day, both dates count; C hired on 31 March: one day
    assert (person(result, "A")["active_days"], person(result, "C")["active_days"]) == (1, 1)


def test_a_person_matching_two_roles_is_an_error_naming_both(tmp_path):
    role = CALLS_ROLE + CALLS_ROLE.replace("role rep {", "role other {")
    config = project(tmp_path, role, {}, HEADER)
    result = CliRunner().invoke(cli, ["run", "--config", str(config), "--period", "2026-03"])
    assert result.exit_code == 1
    assert "A" in result.output and "rep" in result.output and "other" in result.output
