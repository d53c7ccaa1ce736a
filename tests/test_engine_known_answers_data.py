"""Known answers for KPI values: rows, windows, scope, missing values, no value (docs/semantics.md §2, §6)."""

from __future__ import annotations

import pytest

from known_answers_kit import COMMON, D, calls, deal, kpi, person, rep, run

# ----------------------------------------------------------------- team scope

TEAM = COMMON + """
role mgr {
  kpi team_calls {
    process main
    scope team
    measure count(calls)
    target >= 10
    weight 50%
  }
  kpi team_and_own_calls {
    process main
    scope team_and_self
    measure count(calls)
    target >= 10
    weight 50%
  }
}

role rep {
  kpi own_calls {
    process main
    measure count(calls)
    target >= 10
    weight 100%
  }
}
"""


def test_team_scope_direct_and_indirect_reports(tmp_path):
    # m1 <- r1 (a manager too) <- r2 ; m2 <- r3 (another team)
    people = [
        rep("m1", role="mgr"),
        rep("r1", role="mgr", manager_id="m1"),
        rep("r2", manager_id="r1"),
        rep("m2", role="mgr"),
        rep("r3", manager_id="m2"),
    ]
    rows = {
        "people": people,
        "calls": calls("m1", "2026-03-02", 2) + calls("r1", "2026-03-02", 3) + calls("r2", "2026-03-02", 4)
        + calls("r3", "2026-03-02", 5),
    }
    result = run(tmp_path, TEAM, rows, "2026-03")
    m1, r1, m2 = person(result, "m1"), person(result, "r1"), person(result, "m2")
    # m1's team: r1 (3) + r2 (4, indirect) = 7; own 2 excluded; r3 is not in it
    assert kpi(m1, "team_calls").value == D(7)
    # team_and_self adds m1's own 2 -> 9
    assert kpi(m1, "team_and_own_calls").value == D(9)
    # r1's team is r2 only: 4; with r1's own 3: 7
    assert kpi(r1, "team_calls").value == D(4)
    assert kpi(r1, "team_and_own_calls").value == D(7)
    assert kpi(m2, "team_calls").value == D(5)
    assert kpi(m2, "team_and_own_calls").value == D(5)
    # the rep's own KPI is unchanged by anyone's team
    assert kpi(person(result, "r2"), "own_calls").value == D(4)
    # m1: 7/10 -> 70 x 50% = 35; 9/10 -> 90 x 50% = 45; total 80
    assert m1.total_score == D(80)


def test_team_scope_without_reports_counts_zero(tmp_path):
    result = run(tmp_path, TEAM, {"people": [rep("m1", role="mgr")], "calls": calls("m1", "2026-03-02", 2)}, "2026-03")
    m1 = person(result, "m1")
    # no reports: count over no rows is 0 (not no value); team_and_self sees the own 2
    assert (kpi(m1, "team_calls").value, kpi(m1, "team_calls").status) == (D(0), "ok")
    assert kpi(m1, "team_and_own_calls").value == D(2)


# ----------------------------------------------------------------- no value

NO_DATA = COMMON + """
role rep {
  kpi calls_made {
    process main
    measure count(calls)
    target >= 10
    weight 50%
  }
  kpi revenue {
    outcome main
    measure sum(deals.amount)
    target >= 1000 CNY
    weight 20%
  }
  kpi deal_size {
    outcome main
    measure avg(deals.amount)
    target >= 500 CNY
    weight 15%
  }
  kpi win_rate {
    outcome main
    measure count(deals where won) / count(deals)
    target >= 50%
    weight 15%
    KPI_NO_DATA
  }
}
"""


def no_data_run(tmp_path, header_line="", kpi_line="", role_line=""):
    text = NO_DATA.replace("KPI_NO_DATA", kpi_line).replace("  period month\n", f"  period month\n  {header_line}\n")
    text = text.replace("role rep {\n", f"role rep {{\n  {role_line}\n")
    # ten calls, no deals at all
    return person(run(tmp_path, text, {"people": [rep()], "calls": calls("p1", "2026-03-02", 10)}, "2026-03"), "p1")


def test_count_and_sum_over_no_rows_are_zero_and_avg_and_ratio_have_no_value(tmp_path):
    p1 = no_data_run(tmp_path)
    revenue, deal_size, win_rate = kpi(p1, "revenue"), kpi(p1, "deal_size"), kpi(p1, "win_rate")
    # sum over no rows is 0: an ordinary 0% attainment, scored 0
    assert (revenue.value, revenue.status, revenue.attainment, revenue.score) == (D(0), "ok", D(0), D(0))
    # avg over no rows and 0 / 0 have no value: no_data, scored with the default no_data score 0
    assert (deal_size.value, deal_size.status, deal_size.score) == (None, "no_data", D(0))
    assert (win_rate.value, win_rate.status, win_rate.score) == (None, "no_data", D(0))
    # they count in the total with that score: 10/10 -> 100 x 50% = 50; the others add 0.
    # The total is 50, not rescaled to the weights that had data.
    assert p1.total_score == D(50)


def test_scheme_no_data_score(tmp_path):
    # `no_data score 50` in the scheme: deal_size and win_rate score 50 each
    p1 = no_data_run(tmp_path, header_line="no_data score 50")
    assert kpi(p1, "deal_size").score == D(50)
    assert kpi(p1, "win_rate").score == D(50)
    # a KPI with a value of 0 is not no_data: revenue still scores 0
    assert kpi(p1, "revenue").score == D(0)
    # 50 + 20% x 0 + 15% x 50 + 15% x 50 = 50 + 7.5 + 7.5 = 65
    assert p1.total_score == D(65)


def test_no_data_score_kpi_then_role_then_scheme(tmp_path):
    # scheme 50, role 20, win_rate itself 80: KPI wins over role, role over scheme
    p1 = no_data_run(tmp_path, header_line="no_data score 50", role_line="no_data score 20",
                     kpi_line="no_data score 80")
    assert kpi(p1, "deal_size").score == D(20)
    assert kpi(p1, "win_rate").score == D(80)
    # 50 + 0 + 15% x 20 + 15% x 80 = 50 + 3 + 12 = 65
    assert p1.total_score == D(65)


# ----------------------------------------------------------------- where and missing values

WHERE = COMMON + """
role rep {
  kpi answered {
    process auxiliary
    measure count(calls where answered)
  }
  kpi not_answered {
    process auxiliary
    measure count(calls where not answered)
  }
  kpi long_calls {
    process auxiliary
    measure count(calls where duration_s >= 60)
  }
  kpi not_long_calls {
    process auxiliary
    measure count(calls where not (duration_s >= 60))
  }
  kpi timed_calls {
    process auxiliary
    measure count(calls.duration_s)
  }
  kpi all_calls {
    process auxiliary
    measure count(calls)
  }
  kpi talk_time {
    process main
    measure avg(calls.duration_s)
    target >= 60
    weight 100%
  }
}
"""


def test_where_with_missing_values_keeps_neither_way(tmp_path):
    rows = {
        "people": [rep()],
        "calls": calls("p1", "2026-03-02", 2, answered=True, duration_s=90)
        + calls("p1", "2026-03-03", 1, answered=False, duration_s=30)
        + calls("p1", "2026-03-04", 1, answered=None, duration_s=None),
    }
    p1 = person(run(tmp_path, WHERE, rows, "2026-03"), "p1")
    values = {k.id: k.value for k in p1.kpis}
    # 4 calls: answered true, true, false, empty
    assert values["all_calls"] == D(4)
    assert values["answered"] == D(2)  # the empty row is not answered ...
    assert values["not_answered"] == D(1)  # ... and not "not answered"
    assert values["long_calls"] == D(2)  # 90, 90
    assert values["not_long_calls"] == D(1)  # 30 only; the empty duration is in neither
    assert values["timed_calls"] == D(3)  # count(column) skips the empty cell
    # avg ignores the empty cell: (90 + 90 + 30) / 3 = 70, not 210 / 4
    assert values["talk_time"] == D(70)


def test_count_distinct_skips_missing_values(tmp_path):
    text = COMMON + """
role rep {
  kpi customers {
    outcome main
    measure count_distinct(deals.customer_id)
    target >= 4
    weight 100%
  }
}
"""
    rows = {"people": [rep()], "deals": [
        deal("p1", "2026-03-02", customer_id="A"), deal("p1", "2026-03-03", customer_id="A"),
        deal("p1", "2026-03-04", customer_id="B"), deal("p1", "2026-03-05", customer_id=None),
    ]}
    customers = kpi(person(run(tmp_path, text, rows, "2026-03"), "p1"), "customers")
    # A, B: 2 (the empty one is not a customer); 2 / 4 -> 50
    assert customers.value == D(2)
    assert customers.score == D(50)


# ----------------------------------------------------------------- on <date column>


def test_on_places_rows_by_another_date_column(tmp_path):
    text = COMMON + """
role rep {
  kpi closed {
    outcome auxiliary
    measure count(deals)
  }
  kpi opened {
    process main
    measure count(deals on opened_on)
    target >= 4
    weight 100%
  }
  kpi won_when_opened {
    outcome auxiliary
    measure count(deals where won on opened_on)
  }
}
"""
    rows = {"people": [rep()], "deals": [
        {"owner_id": "p1", "opened_on": "2026-02-20", "closed_on": "2026-03-05", "won": True},
        {"owner_id": "p1", "opened_on": "2026-03-10", "closed_on": "2026-04-02", "won": True},
        {"owner_id": "p1", "opened_on": "2026-03-12", "closed_on": "2026-04-05", "won": False},
        {"owner_id": "p1", "opened_on": "2026-03-15", "closed_on": "2026-03-20", "won": True},
    ]}
    p1 = person(run(tmp_path, text, rows, "2026-03"), "p1")
    # closed in March (the dataset's date): 03-05 and 03-20 -> 2
    assert kpi(p1, "closed").value == D(2)
    # opened in March: 03-10, 03-12, 03-15 -> 3; 3 / 4 -> 75
    assert kpi(p1, "opened").value == D(3)
    assert kpi(p1, "opened").score == D(75)
    # opened in March and won: 03-10, 03-15 -> 2
    assert kpi(p1, "won_when_opened").value == D(2)


def test_period_boundaries_are_first_day_included_day_after_last_excluded(tmp_path):
    text = COMMON + """
dataset logins {
  person agent_id
  date at
  column agent_id string
  column at timestamp
}

role rep {
  kpi logins_made {
    process main
    measure count(logins)
    target >= 2
    weight 100%
  }
}
"""
    rows = {"people": [rep()], "logins": [
        {"agent_id": "p1", "at": "2026-02-28 23:59:59"},
        {"agent_id": "p1", "at": "2026-03-01 00:00:00"},
        {"agent_id": "p1", "at": "2026-03-31 23:59:59"},
        {"agent_id": "p1", "at": "2026-04-01 00:00:00"},
    ]}
    # only the two March timestamps count, including the last second of 03-31
    assert kpi(person(run(tmp_path, text, rows, "2026-03"), "p1"), "logins_made").value == D(2)


# ----------------------------------------------------------------- first_time, days_between

FIRST_TIME = COMMON + """
role rep {
  kpi new_customers {
    outcome main
    measure count_distinct(deals.customer_id where first_time(customer_id))
    target >= 4
    weight 100%
  }
  kpi first_deals {
    outcome auxiliary
    measure count(deals where first_time(customer_id))
  }
}
"""


def test_first_time_looks_at_all_history_and_all_people(tmp_path):
    rows = {"people": [rep("p1"), rep("p2")], "deals": [
        # A: first bought in 2025, so not new in March 2026
        deal("p1", "2025-11-20", customer_id="A"), deal("p1", "2026-03-03", customer_id="A"),
        # B: first on 2026-03-05 (two rows that day, both first), again on 03-20 (not first)
        deal("p1", "2026-03-05", customer_id="B"), deal("p1", "2026-03-05", customer_id="B"),
        deal("p1", "2026-03-20", customer_id="B"),
        # C: first on 2026-03-10
        deal("p1", "2026-03-10", customer_id="C"),
        # D: first won by p2 in February; p1's March deal with D is not a first
        deal("p2", "2026-02-14", customer_id="D"), deal("p1", "2026-03-11", customer_id="D"),
    ]}
    p1 = person(run(tmp_path, FIRST_TIME, rows, "2026-03"), "p1")
    # new customers in March for p1: B and C -> 2; 2 / 4 -> 50
    assert kpi(p1, "new_customers").value == D(2)
    assert kpi(p1, "new_customers").score == D(50)
    # first rows: B's two rows of 03-05 and C's row -> 3
    assert kpi(p1, "first_deals").value == D(3)


def test_days_between_average_lower_is_better(tmp_path):
    text = COMMON + """
role rep {
  kpi deal_cycle {
    outcome main
    measure avg(days_between(deals.opened_on, deals.closed_on))
    target <= 15d
    weight 100%
    score linear cap 120%
  }
}
"""
    rows = {"people": [rep()], "deals": [
        # 2026-03-01 -> 2026-03-11: 10 days
        {"owner_id": "p1", "opened_on": "2026-03-01", "closed_on": "2026-03-11"},
        # 2026-02-20 -> 2026-03-21: 8 days left in February (28 days) + 21 = 29 days
        {"owner_id": "p1", "opened_on": "2026-02-20", "closed_on": "2026-03-21"},
        # no opening date: ignored by the average
        {"owner_id": "p1", "opened_on": None, "closed_on": "2026-03-25"},
    ]}
    cycle = kpi(person(run(tmp_path, text, rows, "2026-03"), "p1"), "deal_cycle")
    # (10 + 29) / 2 = 19.5 days; target 15: attainment 15 / 19.5 = 0.7692307... -> 0.769231
    assert cycle.value == D("19.5")
    assert cycle.attainment == D("0.769231")
    assert cycle.score == D("76.9231")


# ----------------------------------------------------------------- quarterly KPI in a monthly scheme

QUARTERLY = COMMON + """
role rep {
  kpi calls_made {
    process main
    measure count(calls)
    target >= 10
    weight 60%
  }
  kpi revenue {
    outcome main
    period quarter
    measure sum(deals.amount)
    target >= 3000 CNY
    weight 40%
  }
}
"""


def test_quarterly_kpi_in_progress_then_scored_on_the_whole_quarter(tmp_path):
    rows = {
        "people": [rep()],
        "calls": calls("p1", "2026-01-15", 8) + calls("p1", "2026-02-15", 10) + calls("p1", "2026-03-15", 12),
        "deals": [deal("p1", "2026-01-20", 600), deal("p1", "2026-02-20", 900), deal("p1", "2026-03-20", 1200)],
    }
    result = run(tmp_path, QUARTERLY, rows, "2026Q1")
    assert [p.period for p in result.people] == ["2026-01", "2026-02", "2026-03"]
    jan, feb, mar = (person(result, "p1", m) for m in ("2026-01", "2026-02", "2026-03"))

    # January: revenue to date 600 / 3000 = 20%, in progress, not scored
    revenue = kpi(jan, "revenue")
    assert (revenue.status, revenue.period, revenue.value, revenue.attainment) == ("in_progress", "2026Q1", D(600), D("0.2"))
    assert (revenue.score, revenue.contribution) == (None, None)
    # calls 8/10 -> 80 x 60% = 48; scaled by 100% / 60%: 48 / 0.6 = 80
    assert kpi(jan, "calls_made").contribution == D(48)
    assert jan.total_score == D(80)

    # February: quarter to date 600 + 900 = 1500 -> 50%, in progress; calls 10/10 -> 60 / 0.6 = 100
    assert (kpi(feb, "revenue").value, kpi(feb, "revenue").attainment) == (D(1500), D("0.5"))
    assert kpi(feb, "revenue").status == "in_progress"
    assert feb.total_score == D(100)

    # March closes the quarter: 2700 / 3000 = 90% -> 90 x 40% = 36; calls 12/10 -> 120% capped at 100 -> 60
    revenue = kpi(mar, "revenue")
    assert (revenue.status, revenue.value, revenue.score, revenue.contribution) == ("ok", D(2700), D(90), D(36))
    assert mar.total_score == D(96)


def test_a_scaled_total_exactly_on_a_rounding_midpoint_rounds_up(tmp_path):
    # semantics.md §6: the scaled total is rounded half-up to 6 places. January, the quarterly
    # KPI in progress: calls 1 -> the tier's 206.89655 x 14% = 28.965517 (28.9655170 exactly);
    # scaled by 29% / 14%: 28.965517 x 0.29 / 0.14 = 8.39999993 / 0.14 = 59.9999995 exactly ->
    # 60.000000, grade "B", factor 1. Dividing by 0.29 / 0.14 cut to 34 digits first gave
    # 59.999999: grade "C", factor 0, a payout of 0
    text = COMMON + """
grades g {
  [60, inf): "B"
  [0, 60): "C"
}

role rep {
  grades g
  kpi calls_made {
    process main
    measure count(calls)
    score tiers by value { [0, inf): 206.89655 }
    weight 14%
  }
  kpi revenue {
    outcome main
    period quarter
    measure sum(deals.amount)
    target >= 3000 CNY
    weight 15%
  }
  payout {
    target_incentive 1000 CNY
    factor by total_score { [0, 60): 0  [60, inf): 1 }
  }
}
"""
    rows = {"people": [rep()], "calls": calls("p1", "2026-01-15", 1), "deals": [deal("p1", "2026-01-20", 600)]}
    jan = person(run(tmp_path, text, rows, "2026-01"), "p1")
    assert kpi(jan, "calls_made").contribution == D("28.965517")
    assert (jan.total_score, jan.grade, jan.payout.total) == (D("60.000000"), "B", D("1000.00"))


def test_quarterly_kpi_window_in_a_fiscal_year_starting_in_february(tmp_path):
    # fiscal year starts in February (named by the year it ends in): Feb-Apr 2026 is quarter 1 of
    # fiscal 2027. In March 2026 the quarterly KPI runs from 2026-02-01 to 2026-03-31.
    text = QUARTERLY.replace("  period month\n", "  period month\n  fiscal_year_start february\n")
    rows = {
        "people": [rep()],
        "calls": calls("p1", "2026-03-15", 10),
        "deals": [deal("p1", "2026-01-31", 5000), deal("p1", "2026-02-01", 700),
                  deal("p1", "2026-03-31", 800), deal("p1", "2026-04-01", 900)],
    }
    mar = person(run(tmp_path, text, rows, "2026-03"), "p1")
    revenue = kpi(mar, "revenue")
    # 700 + 800 = 1500 to date; January's 5000 is the previous fiscal quarter, April's 900 is not yet
    assert (revenue.period, revenue.status, revenue.value) == ("2027Q1", "in_progress", D(1500))


# ----------------------------------------------------------------- other aggregates, missing operands

AGGREGATES = COMMON + """
role rep {
  kpi smallest {
    outcome auxiliary
    measure min(deals.amount)
  }
  kpi largest {
    outcome auxiliary
    measure max(deals.amount)
  }
  kpi middle {
    outcome auxiliary
    measure median(deals.amount)
  }
  kpi total {
    outcome auxiliary
    measure sum(deals.amount)
  }
  kpi calls_and_talk {
    process main
    measure count(calls) + avg(calls.duration_s)
    target >= 10
    weight 50%
  }
  kpi won_per_lost {
    outcome main
    measure count(deals where won) / count(deals where not won)
    target >= 2
    weight 50%
  }
  kpi negative_cycle {
    outcome auxiliary
    measure avg(days_between(deals.closed_on, deals.opened_on))
  }
}
"""


def test_min_max_median_sum_ignore_missing_values(tmp_path):
    rows = {"people": [rep()], "deals": [
        deal("p1", "2026-03-02", 100, won=True), deal("p1", "2026-03-03", 400, won=True),
        deal("p1", "2026-03-04", 250, won=True), deal("p1", "2026-03-05", None, won=True),
    ]}
    p1 = person(run(tmp_path, AGGREGATES, rows, "2026-03"), "p1")
    # 100, 400, 250 and an empty amount: min 100, max 400, median 250, sum 750
    assert [kpi(p1, k).value for k in ("smallest", "largest", "middle", "total")] == [D(100), D(400), D(250), D(750)]


def test_min_max_median_over_no_rows_have_no_value(tmp_path):
    p1 = person(run(tmp_path, AGGREGATES, {"people": [rep()]}, "2026-03"), "p1")
    assert [kpi(p1, k).value for k in ("smallest", "largest", "middle")] == [None, None, None]
    assert kpi(p1, "total").value == D(0)


def test_arithmetic_with_a_missing_operand_and_division_by_zero_have_no_value(tmp_path):
    rows = {
        "people": [rep()],
        # two calls without a duration: count 2 + avg(no present values) has no value
        "calls": calls("p1", "2026-03-02", 2),
        # every deal won: 2 won / 0 lost is a division by zero, although there are rows
        "deals": [deal("p1", "2026-03-02", 10, won=True), deal("p1", "2026-03-03", 10, won=True)],
    }
    p1 = person(run(tmp_path, AGGREGATES, rows, "2026-03"), "p1")
    assert (kpi(p1, "calls_and_talk").value, kpi(p1, "calls_and_talk").status) == (None, "no_data")
    assert (kpi(p1, "won_per_lost").value, kpi(p1, "won_per_lost").status) == (None, "no_data")
    assert p1.total_score == D(0)


def test_days_between_is_negative_when_the_second_date_is_earlier(tmp_path):
    rows = {"people": [rep()], "deals": [{"owner_id": "p1", "opened_on": "2026-03-01", "closed_on": "2026-03-11"}]}
    # from closed_on (03-11) back to opened_on (03-01): -10 days
    assert kpi(person(run(tmp_path, AGGREGATES, rows, "2026-03"), "p1"), "negative_cycle").value == D(-10)


@pytest.mark.parametrize(
    ("amounts", "median"),
    [
        # an even count: the mean of the two middle values, exact, then rounded half-up to 6
        # places (semantics.md §8): (10.0001 + 10.0002) / 2 = 10.00015
        (["10.0001", "10.0002"], "10.00015"),
        (["-2.0002", "-2.0001"], "-2.00015"),
        # AdventureWorks person 274, 2013Q4: (70731.3713 + 83.988) / 2 = 35407.67965
        (["70731.3713", "83.988"], "35407.67965"),
        # an odd count: the middle value; an even count of whole numbers: 250 and 400 -> 325
        (["100", "400", "250"], "250"),
        (["100", "400", "250", "900"], "325"),
    ],
)
def test_median_is_the_exact_mean_of_the_middle_values(tmp_path, amounts, median):
    rows = {"people": [rep()], "deals": [deal("p1", f"2026-03-{i + 2:02d}", a, won=True) for i, a in enumerate(amounts)]}
    p1 = person(run(tmp_path, AGGREGATES, rows, "2026-03"), "p1")
    assert kpi(p1, "middle").value == D(median)


TIMESTAMPED = COMMON + """
dataset tickets {
  person owner_id
  date opened_at
  column owner_id string
  column opened_at timestamp
  column solved_at timestamp
}

role rep {
  kpi opened {
    process main
    measure count(tickets)
    target >= 1
    weight 100%
  }
  kpi by_march_31 {
    process auxiliary
    measure count(tickets where opened_at <= 2026-03-31)
  }
  kpi in_march {
    process auxiliary
    measure count(tickets where opened_at between 2026-03-01 and 2026-03-31)
  }
  kpi on_march_31 {
    process auxiliary
    measure count(tickets where opened_at == 2026-03-31)
  }
  kpi solved_within_a_day {
    process auxiliary
    measure count(tickets where solved_at - opened_at <= 1d)
  }
}
"""


def test_a_timestamp_column_is_read_as_its_calendar_day(tmp_path):
    import datetime as dt

    # docs/language.md, types: a date is a calendar day, and timestamp columns give dates.
    # Tickets opened 2026-03-10 09:00 (solved 03-11 18:00: 1 day later by the calendar) and
    # 2026-03-31 15:00 (solved 04-02 08:00: 2 days). Both are on or before 2026-03-31 and
    # between 03-01 and 03-31; one is on 03-31; one was solved within a day.
    rows = {"people": [rep()], "tickets": [
        {"owner_id": "p1", "opened_at": dt.datetime(2026, 3, 10, 9), "solved_at": dt.datetime(2026, 3, 11, 18)},
        {"owner_id": "p1", "opened_at": dt.datetime(2026, 3, 31, 15), "solved_at": dt.datetime(2026, 4, 2, 8)},
    ]}
    p1 = person(run(tmp_path, TIMESTAMPED, rows, "2026-03"), "p1")
    assert [kpi(p1, k).value for k in ("opened", "by_march_31", "in_march", "on_march_31", "solved_within_a_day")] \
        == [D(2), D(2), D(2), D(1), D(1)]


# ----------------------------------------------------------------- conditions in a measure

@pytest.mark.parametrize(("condition", "results"), [
    # calls in March: p2 2, p1 1, p0 none; each measure is `if <condition> then 1 else 0`
    ("not (count(calls) > 1)", (0, 1, 1)),  # `not` was read as a minus sign: always 0
    ("count(calls) > 1 and count(calls) < 5", (1, 0, 0)),  # and, or, between, in: internal error
    ("count(calls) == 0 or count(calls) == 2", (1, 0, 1)),
    ("count(calls) between 1 and 5", (1, 1, 0)),
    ("count(calls) in [0, 2]", (1, 0, 1)),
    ("count(calls) not in [0, 2]", (0, 1, 0)),
    # p0's average over no calls has no value: `not` of unknown is unknown, so `else` (§1)
    ("not (avg(calls.duration_s) > 100)", (1, 1, 0)),
])
def test_conditions_in_a_measure(tmp_path, condition, results):
    text = COMMON + f"""
role rep {{
  kpi calls_made {{ process main  measure count(calls)  target >= 1  weight 100% }}
  kpi flag {{ outcome auxiliary  measure if {condition} then 1 else 0 }}
}}
"""
    rows = {"people": [rep("p2"), rep("p1"), rep("p0")],
            "calls": calls("p2", "2026-03-02", 2, duration_s=60) + calls("p1", "2026-03-03", 1, duration_s=90)}
    result = run(tmp_path, text, rows, "2026-03")
    assert tuple(kpi(person(result, p), "flag").value for p in ("p2", "p1", "p0")) == tuple(D(r) for r in results)


# ----------------------------------------------------------------- arithmetic inside a row

@pytest.mark.parametrize(("measure", "amounts", "value"), [
    # semantics §8: no binary floating point. 2.675 / 1 = 2.675 exactly, round to 2 places
    # half-up: 2.68 (DuckDB divided decimals as doubles: 2.67499999... -> 2.67)
    ("sum(round(deals.amount / 1, 2))", ["2.675"], "2.68"),
    # 0.0001 / 3 = 0.000033333333 (12 places) x 3 rows = 0.000099999999 -> 6 places: 0.0001
    ("sum(deals.amount / 3)", ["0.0001", "0.0001", "0.0001"], "0.0001"),
    # a row's quotient by zero has no value: sum of none is 0 (a divisor written as 0 is E232 when
    # the scheme is read; one that is 0 in the data is this)
    ("sum(deals.amount / (deals.amount - 5))", ["5"], "0"),
    # a missing argument makes no value (DuckDB's least/greatest skipped it): clamp(1, 3, 10)
    # = 3, clamp(empty) has no value, so the sum is 3 (it was 6) and one row is counted (not 2)
    ("sum(clamp(deals.amount, 3, 10))", ["1", None], "3"),
    ("count(deals where min(amount, 10) >= 0)", ["1", None], "1"),
    ("count(deals where max(amount, 0) >= 0)", ["1", None], "1"),
])
def test_arithmetic_inside_a_row_is_exact_and_missing_values_propagate(tmp_path, measure, amounts, value):
    text = COMMON + f"""
role rep {{
  kpi k {{ outcome main  measure count(deals)  target >= 1  weight 100% }}
  kpi m {{ outcome auxiliary  measure {measure} }}
}}
"""
    rows = {"people": [rep()], "deals": [deal("p1", "2026-03-10", D(a) if a else None) for a in amounts]}
    assert kpi(person(run(tmp_path, text, rows, "2026-03"), "p1"), "m").value == D(value)


def test_a_product_of_two_decimal_columns_is_computed_in_128_bits(tmp_path):
    # 100,000,000 CNY x 1000.25 = 100,025,000,000: DuckDB multiplied DECIMAL(18,4) by
    # DECIMAL(18,6) in 64 bits and overflowed (10^12 x 10^9 unscaled): a false E515 "more
    # than 38 digits" for an 12-digit value
    text = COMMON + """
dataset lines {
  person owner_id
  date sold_on
  column owner_id string
  column sold_on date
  column price money
  column quantity decimal
}

role rep {
  kpi k { outcome main  measure sum(lines.price * lines.quantity)  target >= 1 CNY  weight 100% }
}
"""
    rows = {"people": [rep()], "lines": [{"owner_id": "p1", "sold_on": "2026-03-10", "price": D("100000000"),
                                          "quantity": D("1000.25")}]}
    assert kpi(person(run(tmp_path, text, rows, "2026-03"), "p1"), "k").value == D("100025000000")


# ----------------------------------------------------------------- == "" tests for the empty value

EMPTY = COMMON + """
role top {
  applies_to person.manager_id == ""
  kpi unknown_customers {
    process main
    measure count(deals where customer_id == "")
    target >= 1
    weight 50%
  }
  kpi known_customers {
    process main
    measure count(deals where customer_id != "")
    target >= 2 when person.level == ""
    target >= 4
    weight 50%
  }
}
role report {
  applies_to person.manager_id != ""
  kpi deals_made {
    process main
    measure count(deals)
    target >= 1
    weight 100%
  }
}
"""


@pytest.mark.parametrize("setwise", [True, False])
def test_a_comparison_with_the_empty_text_tests_for_an_empty_cell(tmp_path, setwise):
    # an empty cell is no value, so `manager_id == ""` never held: the managers matched no
    # role, and `customer_id == ""` counted 0 rows (audit); now it tests for the empty value
    from known_answers_kit import setup
    from kpirules.engine.evaluate import Evaluator
    from kpirules.engine.periods import Calendar

    rows = {
        "people": [rep("p1", role="x", manager_id=None, level=None), rep("p2", role="x", manager_id="p1", level="a")],
        "deals": [deal("p1", "2026-03-02", customer_id=None), deal("p1", "2026-03-03", customer_id=None),
                  deal("p1", "2026-03-04", customer_id="A"), deal("p2", "2026-03-05", customer_id="B")],
    }
    scheme, con = setup(tmp_path, EMPTY, rows)
    calendar = Calendar(scheme.header)
    evaluator = Evaluator(scheme, con)
    result = evaluator.run(calendar.scheme_periods(calendar.parse("2026-03")), setwise=setwise)
    assert evaluator.scored_in_sql == (2 if setwise else 0)
    p1, p2 = person(result, "p1"), person(result, "p2")
    assert (p1.role, p2.role) == ("top", "report")
    # p1: 2 deals without a customer, 1 with; level empty, so the `when` target 2 applies
    assert kpi(p1, "unknown_customers").value == D(2)
    assert (kpi(p1, "known_customers").value, kpi(p1, "known_customers").target) == (D(1), D(2))
    assert kpi(p2, "deals_made").value == D(1)
