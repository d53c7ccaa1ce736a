"""Known answers for periods and people: fiscal years, the default period, who is evaluated (docs/semantics.md §1)."""

from __future__ import annotations

import datetime as dt

import pytest

from known_answers_kit import COMMON, D, calls, kpi, person, rep, run, run_default_period, scheme_from
from kpirules.engine.periods import Calendar
from kpirules.errors import ConfigError, DataError

ROLE = """
role rep {
  kpi calls_made {
    process main
    measure count(calls)
    target >= 10
    weight 100%
  }
}
"""


def calendar(tmp_path, *lines: str) -> Calendar:
    text = COMMON.replace("  period month\n", "  period month\n" + "".join(f"  {line}\n" for line in lines)) + ROLE
    return Calendar(scheme_from(tmp_path, text).header)


def span(period) -> tuple[dt.date, dt.date]:
    return period.start, period.last_day


# ----------------------------------------------------------------- fiscal years


def test_fiscal_year_starting_in_march_named_by_its_end(tmp_path):
    cal = calendar(tmp_path, "fiscal_year_start march")
    # fiscal 2026 runs 2025-03-01 .. 2026-02-28; Q1 is March-May 2025, Q4 December 2025-February 2026
    assert span(cal.parse("2026")) == (dt.date(2025, 3, 1), dt.date(2026, 2, 28))
    assert span(cal.parse("2026Q1")) == (dt.date(2025, 3, 1), dt.date(2025, 5, 31))
    assert span(cal.parse("2026Q4")) == (dt.date(2025, 12, 1), dt.date(2026, 2, 28))
    assert span(cal.parse("2026H2")) == (dt.date(2025, 9, 1), dt.date(2026, 2, 28))
    # a month is always the calendar month
    assert span(cal.parse("2026-03")) == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def test_fiscal_year_starting_in_march_named_by_its_start(tmp_path):
    cal = calendar(tmp_path, "fiscal_year_start march", "fiscal_year_named_by start")
    # fiscal 2026 runs 2026-03-01 .. 2027-02-28; Q1 is March-May 2026
    assert span(cal.parse("2026")) == (dt.date(2026, 3, 1), dt.date(2027, 2, 28))
    assert span(cal.parse("2026Q1")) == (dt.date(2026, 3, 1), dt.date(2026, 5, 31))
    assert span(cal.parse("2026Q4")) == (dt.date(2026, 12, 1), dt.date(2027, 2, 28))
    assert span(cal.parse("2026-03")) == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))


@pytest.mark.parametrize("naming", ["end", "start"])
def test_january_start_makes_fiscal_periods_calendar_periods(tmp_path, naming):
    cal = calendar(tmp_path, f"fiscal_year_named_by {naming}")
    assert span(cal.parse("2026Q1")) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert span(cal.parse("2026H2")) == (dt.date(2026, 7, 1), dt.date(2026, 12, 31))
    assert span(cal.parse("2026")) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))


def test_a_longer_label_is_evaluated_month_by_month(tmp_path):
    cal = calendar(tmp_path, "fiscal_year_start march")
    # 2026Q1 of a March fiscal year in a monthly scheme: March, April, May 2025
    assert [p.label for p in cal.scheme_periods(cal.parse("2026Q1"))] == ["2025-03", "2025-04", "2025-05"]


def test_a_shorter_label_than_the_scheme_period_suggests_the_enclosing_one(tmp_path):
    text = COMMON.replace("period month", "period quarter") + ROLE
    cal = Calendar(scheme_from(tmp_path, text).header)
    with pytest.raises(ConfigError) as error:
        cal.scheme_periods(cal.parse("2026-02"))
    assert "--period 2026Q1" in error.value.diagnostics[0].help


QUARTERLY_SCHEME = COMMON.replace("period month", "period quarter") + ROLE

FISCAL_ROWS = [
    "2025-02-28",  # fiscal 2025 (end naming) / 2024 (start naming)
    "2025-03-01",  # first day of end-named 2026Q1
    "2025-05-31",  # last day of end-named 2026Q1
    "2025-06-01",  # end-named 2026Q2
    "2026-03-01",  # first day of start-named 2026Q1
    "2026-05-31",  # last day of start-named 2026Q1
    "2026-06-01",  # start-named 2026Q2
]


@pytest.mark.parametrize(
    ("naming", "expected"),
    [
        # 2026Q1 = 2025-03-01 .. 2025-05-31: two calls
        ("", 2),
        # 2026Q1 = 2026-03-01 .. 2026-05-31: two calls
        ("fiscal_year_named_by start", 2),
    ],
)
def test_fiscal_quarter_counts_the_rows_of_its_months(tmp_path, naming, expected):
    text = QUARTERLY_SCHEME.replace("  period quarter\n", f"  period quarter\n  fiscal_year_start march\n  {naming}\n")
    rows = {"people": [rep()], "calls": [c for day in FISCAL_ROWS for c in calls("p1", day)]}
    p1 = person(run(tmp_path, text, rows, "2026Q1"), "p1")
    assert p1.period == "2026Q1"
    calls_made = kpi(p1, "calls_made")
    assert calls_made.value == D(expected)
    first = calls_made.aggregates[0]
    if naming:
        assert (first.window_start, first.window_end) == (dt.date(2026, 3, 1), dt.date(2026, 6, 1))
    else:
        assert (first.window_start, first.window_end) == (dt.date(2025, 3, 1), dt.date(2025, 6, 1))


# ----------------------------------------------------------------- the default period

TWO_DATASETS_ROLE = COMMON + ROLE


@pytest.mark.parametrize(
    ("latest_call", "latest_deal", "expected"),
    [
        ("2026-03-31", None, "2026-03"),  # March ends on the latest date: March
        ("2026-03-30", None, "2026-02"),  # March has not ended: February
        ("2026-03-30", "2026-04-02", "2026-03"),  # the latest date of any fact dataset counts
    ],
)
def test_default_period_is_the_latest_period_ended_by_the_latest_fact_date(tmp_path, latest_call, latest_deal, expected):
    rows = {"people": [rep()], "calls": calls("p1", "2026-01-10") + calls("p1", latest_call)}
    if latest_deal:
        rows["deals"] = [{"owner_id": "p1", "closed_on": latest_deal}]
    result = run_default_period(tmp_path, TWO_DATASETS_ROLE, rows)
    assert result.periods == [expected]
    assert latest_deal or latest_call in result.period_reason


def test_default_period_in_a_quarterly_scheme(tmp_path):
    # latest fact 2026-05-15: Q2 has not ended, Q1 (ended 2026-03-31) has
    rows = {"people": [rep()], "calls": calls("p1", "2026-05-15")}
    result = run_default_period(tmp_path, QUARTERLY_SCHEME, rows)
    assert result.periods == ["2026Q1"]


# ----------------------------------------------------------------- who is evaluated

ROLES = COMMON + ROLE + """
role senior_rep {
  applies_to person.level == "senior"
  kpi calls_made {
    process main
    measure count(calls)
    target >= 20
    weight 100%
  }
}
"""


def test_a_person_matching_two_roles_is_an_error_naming_both(tmp_path):
    # roster role "rep" matches role rep; level senior matches senior_rep's applies_to
    rows = {"people": [rep("p1", level="senior")], "calls": calls("p1", "2026-03-02")}
    with pytest.raises(DataError) as error:
        run(tmp_path, ROLES, rows, "2026-03")
    message = str(error.value)
    assert "p1" in message
    assert "rep" in message.replace("senior_rep", "")
    assert "senior_rep" in message


def test_people_who_match_no_role_are_listed(tmp_path):
    rows = {"people": [rep("p1"), rep("p2", role="intern"), rep("p3", role="intern", level="senior")]}
    result = run(tmp_path, ROLES, rows, "2026-03")
    assert [p.person_id for p in result.people] == ["p1", "p3"]
    assert person(result, "p3").role == "senior_rep"
    assert result.unmatched_people == ["p2"]


@pytest.mark.parametrize(
    ("hired_on", "left_on", "evaluated", "active_days"),
    [
        ("2020-01-01", "2026-02-28", False, 0),  # left before March: not evaluated
        ("2020-01-01", "2026-03-01", True, 1),  # left on March's first day: active one day
        ("2026-03-31", None, True, 1),  # hired on March's last day: active one day
        ("2026-04-01", None, False, 0),  # hired after March
    ],
)
def test_who_is_active_in_the_period(tmp_path, hired_on, left_on, evaluated, active_days):
    rows = {"people": [rep("p1", hired_on=hired_on, left_on=left_on)]}
    result = run(tmp_path, ROLES, rows, "2026-03")
    assert [p.person_id for p in result.people] == (["p1"] if evaluated else [])
    assert result.unmatched_people == []  # an inactive person is neither evaluated nor "unmatched"
    if evaluated:
        assert person(result, "p1").active_days == active_days
