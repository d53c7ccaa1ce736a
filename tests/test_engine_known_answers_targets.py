"""Known answers for targets: `when` order, per-person targets, tenure, proration (docs/semantics.md §1, §3)."""

from __future__ import annotations

import pytest

from known_answers_kit import COMMON, D, calls, kpi, person, rep, run
from kpirules.errors import DataError

TARGETS_DATASET = """
targets monthly_targets {
  person person_id
  period period
  column person_id string
  column period string
  column calls integer
  column revenue money
}
"""

LAYERED = COMMON + TARGETS_DATASET + """
role rep {
  kpi calls_made {
    process main
    measure count(calls)
    target >= 10
    target >= 4 when person.level == "junior"
    target >= 6 when person.tenure_months < 3
    target >= monthly_targets.calls
    weight 100%
  }
}
"""


def layered(tmp_path, people, targets=(), period="2026-03"):
    rows = {"people": people, "calls": calls("p1", "2026-03-02", 3), "monthly_targets": list(targets)}
    return run(tmp_path, LAYERED, rows, period)


def test_first_matching_when_wins_in_written_order(tmp_path):
    # junior and hired 2026-02-01 (1 whole month on 2026-03-31): both conditions hold; the first written (4) wins
    result = layered(tmp_path, [rep("p1", level="junior", hired_on="2026-02-01")])
    calls_made = kpi(person(result, "p1"), "calls_made")
    assert (calls_made.target, calls_made.target_source) == (D(4), "when")
    # 3 calls / 4 = 75% -> 75
    assert calls_made.score == D(75)


def test_second_when_applies_when_the_first_does_not(tmp_path):
    # senior, hired 2026-02-01: only tenure_months < 3 holds -> 6
    result = layered(tmp_path, [rep("p1", level="senior", hired_on="2026-02-01")])
    assert kpi(person(result, "p1"), "calls_made").target == D(6)


def test_unconditional_target_when_no_condition_holds(tmp_path):
    # senior with years of tenure -> no `when` holds -> the target without `when`: 10
    result = layered(tmp_path, [rep("p1", level="senior")])
    calls_made = kpi(person(result, "p1"), "calls_made")
    assert (calls_made.target, calls_made.target_source) == (D(10), "constant")


def test_a_condition_on_a_missing_attribute_is_not_true(tmp_path):
    # level is empty: `person.level == "junior"` is neither true nor false, so it does not apply
    result = layered(tmp_path, [rep("p1", level=None)])
    assert kpi(person(result, "p1"), "calls_made").target == D(10)


def test_per_person_target_overrides_when_and_unconditional(tmp_path):
    # a junior new hire would get 4 by `when`; the per-person row for 2026-03 says 5 and wins
    result = layered(
        tmp_path,
        [rep("p1", level="junior", hired_on="2026-02-01")],
        [{"person_id": "p1", "period": "2026-03", "calls": 5}],
    )
    calls_made = kpi(person(result, "p1"), "calls_made")
    assert (calls_made.target, calls_made.target_source) == (D(5), "per_person")
    # 3 / 5 = 60% -> 60
    assert calls_made.score == D(60)


def test_per_person_row_for_another_period_does_not_apply(tmp_path):
    # rows for 2026-02 and for the quarter 2026Q1 do not apply to the monthly KPI in 2026-03
    result = layered(
        tmp_path,
        [rep("p1", level="senior")],
        [{"person_id": "p1", "period": "2026-02", "calls": 5}, {"person_id": "p1", "period": "2026Q1", "calls": 15}],
    )
    assert kpi(person(result, "p1"), "calls_made").target == D(10)


def test_per_person_row_for_another_person_does_not_apply(tmp_path):
    result = layered(tmp_path, [rep("p1", level="senior")], [{"person_id": "p2", "period": "2026-03", "calls": 5}])
    assert kpi(person(result, "p1"), "calls_made").target == D(10)


def test_per_person_row_without_a_value_falls_through(tmp_path):
    # the row exists but its calls cell is empty: not a target; the constant 10 applies
    result = layered(tmp_path, [rep("p1", level="senior")], [{"person_id": "p1", "period": "2026-03", "calls": None}])
    assert kpi(person(result, "p1"), "calls_made").target == D(10)


def test_a_targets_column_named_l_is_read_like_any_other(tmp_path):
    # the check for period labels never applied grouped by an alias `l`, which a column `l`
    # of the dataset took over: every run stopped with an internal error
    text = LAYERED.replace("  column revenue money\n", "  column revenue money\n  column l integer\n").replace(
        "target >= monthly_targets.calls", "target >= monthly_targets.l")
    rows = {"people": [rep("p1")], "calls": calls("p1", "2026-03-02", 3),
            "monthly_targets": [{"person_id": "p1", "period": "2026-03", "calls": 5, "l": 12},
                                {"person_id": "p1", "period": "2026-3", "calls": 5, "l": 9}]}
    result = run(tmp_path, text, rows, "2026-03")
    # the per-person target 12 of the 2026-03 row; the 2026-3 row is never applied, and said
    assert kpi(person(result, "p1"), "calls_made").target == D(12)
    assert [w.split(" (")[0] for w in result.warnings] == ["monthly_targets: 1 row with a period that is not a month label"]


def test_two_per_person_rows_for_one_period_are_an_error(tmp_path):
    with pytest.raises(DataError) as error:
        layered(
            tmp_path,
            [rep("p1")],
            [{"person_id": "p1", "period": "2026-03", "calls": 5}, {"person_id": "p1", "period": "2026-03", "calls": 6}],
        )
    assert "p1" in str(error.value)
    assert "2026-03" in str(error.value)


def test_quarterly_kpi_reads_the_quarter_row(tmp_path):
    text = COMMON + TARGETS_DATASET + """
role rep {
  kpi revenue {
    outcome main
    period quarter
    measure sum(deals.amount)
    target >= 3000 CNY
    target >= monthly_targets.revenue
    weight 100%
  }
}
"""
    rows = {
        "people": [rep()],
        "deals": [{"owner_id": "p1", "closed_on": "2026-02-10", "amount": D(1200)}],
        # the monthly row is never split or summed into the quarter: only the 2026Q1 row applies
        "monthly_targets": [
            {"person_id": "p1", "period": "2026-03", "revenue": D(100)},
            {"person_id": "p1", "period": "2026Q1", "revenue": D(2400)},
        ],
    }
    revenue = kpi(person(run(tmp_path, text, rows, "2026-03"), "p1"), "revenue")
    # 1200 in the quarter / 2400 = 50% -> 50
    assert (revenue.period, revenue.target, revenue.target_source) == ("2026Q1", D(2400), "per_person")
    assert revenue.attainment == D("0.5")
    assert revenue.score == D(50)


# ----------------------------------------------------------------- tenure

TENURE = COMMON + """
role rep {
  kpi answered_rate {
    outcome main
    measure count(calls where answered) / count(calls)
    target >= 50%
    target >= 10% when person.tenure_months == 0
    target >= 20% when person.tenure_months == 1
    target >= 40% when person.tenure_months == 2
    weight 100%
  }
}
"""


def test_tenure_months_counts_whole_months_to_the_periods_last_day(tmp_path):
    # hired 2026-01-15: 0 whole months on 2026-01-31, 1 on 2026-02-28, 2 on 2026-03-31
    # (a rate is never prorated, so the target shows the tenure directly)
    rows = {
        "people": [rep("p1", hired_on="2026-01-15")],
        "calls": calls("p1", "2026-01-20", answered=True) + calls("p1", "2026-02-20", answered=True)
        + calls("p1", "2026-03-20", answered=True),
    }
    result = run(tmp_path, TENURE, rows, "2026Q1")
    targets = {p.period: kpi(p, "answered_rate").target for p in result.people}
    assert targets == {"2026-01": D("0.1"), "2026-02": D("0.2"), "2026-03": D("0.4")}


@pytest.mark.parametrize(
    ("hired_on", "period", "months"),
    [
        # docs/semantics.md §1: a month is complete on the same day of a later month, or on the
        # last day of a shorter one
        ("2026-01-31", "2026-02", 1),  # on 2026-02-28
        ("2026-01-31", "2026-03", 2),  # on 2026-03-31
        ("2026-03-31", "2026-03", 0),  # on the hire day itself
        ("2026-03-31", "2026-04", 1),  # on 2026-04-30
        ("2026-01-15", "2026-02", 1),  # on 2026-02-28: 15 Feb completed one month, 15 Mar not yet
    ],
)
def test_tenure_months_from_a_month_end_hire(tmp_path, hired_on, period, months):
    rows = {"people": [rep("p1", hired_on=hired_on)], "calls": calls("p1", f"{period}-28", answered=True)}
    target = kpi(person(run(tmp_path, TENURE, rows, period), "p1"), "answered_rate").target
    assert target == {0: D("0.1"), 1: D("0.2"), 2: D("0.4")}[months]


# ----------------------------------------------------------------- proration of targets

PRORATED = COMMON + """
role rep {
  kpi calls_made {
    process main
    measure count(calls)
    target >= 150
    weight 40%
  }
  kpi answered_rate {
    outcome main
    measure count(calls where answered) / count(calls)
    target >= 80%
    weight 20%
  }
  kpi unanswered {
    process main
    measure count(calls where not answered)
    target <= 10
    weight 20%
  }
  kpi talk_time {
    process main
    measure avg(calls.duration_s)
    target >= 120
    weight 20%
  }
  payout {
    target_incentive 3000 CNY
    PRORATION
  }
}
"""


def prorated_run(tmp_path, person_row, proration_line=""):
    rows = {
        "people": [person_row],
        # 50 calls on 2026-03-20, 40 answered, 10 not, 60 seconds each
        "calls": calls("p1", "2026-03-20", 40, answered=True, duration_s=60)
        + [{"call_id": f"n{i}", "agent_id": "p1", "called_on": "2026-03-20", "answered": False, "duration_s": 60} for i in range(10)],
    }
    return person(run(tmp_path, PRORATED.replace("PRORATION", proration_line), rows, "2026-03"), "p1")


def test_mid_period_hire_prorates_additive_targets_only(tmp_path):
    p1 = prorated_run(tmp_path, rep("p1", hired_on="2026-03-10"))
    # hired 2026-03-10: active 10th..31st = 22 of 31 days
    assert (p1.active_days, p1.period_days) == (22, 31)
    calls_made = kpi(p1, "calls_made")
    # 150 x 22 / 31 = 106.4516129... -> 106.451613 (the docs' example)
    assert calls_made.target == D("106.451613")
    assert calls_made.target_before_proration == D(150)
    # 50 / 106.451613 = 0.46969697... -> 0.469697 -> score 46.9697
    assert calls_made.attainment == D("0.469697")
    assert calls_made.score == D("46.9697")
    # a ratio, a lower-is-better count and an average are never prorated
    assert kpi(p1, "answered_rate").target == D("0.8")
    assert kpi(p1, "unanswered").target == D(10)
    assert kpi(p1, "talk_time").target == D(120)


def test_mid_period_leaver_prorates_target_and_incentive(tmp_path):
    p1 = prorated_run(tmp_path, rep("p1", left_on="2026-03-20"))
    # left 2026-03-20 (an active day): 1st..20th = 20 of 31 days
    assert p1.active_days == 20
    calls_made = kpi(p1, "calls_made")
    # 150 x 20 / 31 = 96.7741935... -> 96.774194; 50 / 96.774194 = 0.516667 -> 51.6667
    assert calls_made.target == D("96.774194")
    assert calls_made.score == D("51.6667")
    # answered 40/50 = 80% vs 80% -> 100; unanswered 10 vs <= 10 -> 100; talk 60 / 120 = 50% -> 50
    # total = 0.4 x 51.6667 + 0.2 x 100 + 0.2 x 100 + 0.2 x 50 = 20.66668 + 20 + 20 + 10 = 70.66668
    assert p1.total_score == D("70.66668")
    # no factor table: factor = 70.66668 / 100 = 0.706667 (6 places)
    assert p1.payout.factor == D("0.706667")
    # incentive = 3000 x 0.706667 x 20/31 = 1367.7425806... -> 1367.74
    assert p1.payout.incentive == D("1367.74")


def test_proration_off_keeps_target_and_incentive_whole(tmp_path):
    p1 = prorated_run(tmp_path, rep("p1", left_on="2026-03-20"), "proration off")
    calls_made = kpi(p1, "calls_made")
    # target stays 150: 50 / 150 = 33.3333% -> 33.3333
    assert calls_made.target == D(150)
    assert calls_made.target_before_proration is None
    assert calls_made.score == D("33.3333")
    # total = 0.4 x 33.3333 + 20 + 20 + 10 = 63.33332; factor 0.633333; incentive 3000 x 0.633333 = 1899.999 -> 1900.00
    assert p1.total_score == D("63.33332")
    assert p1.payout.incentive == D("1900.00")


def test_incentive_proration_uses_the_exact_day_share(tmp_path):
    # 100,000 x 1 x 22/31 = 70,967.741935... -> 70,967.74. Proration is not one of the numbers
    # docs/semantics.md §8 rounds to 6 places (0.709677 would give 70,967.70).
    text = COMMON + """
role rep {
  kpi calls_made {
    process main
    measure count(calls)
    target >= 1
    weight 100%
  }
  payout {
    target_incentive 100000 CNY
  }
}
"""
    rows = {"people": [rep("p1", hired_on="2026-03-10")], "calls": calls("p1", "2026-03-20", 5)}
    p1 = person(run(tmp_path, text, rows, "2026-03"), "p1")
    # target 1 x 22/31 = 0.709677; 5 calls: way above, default cap 100% -> score 100, factor 1
    assert p1.payout.factor == D(1)
    assert p1.payout.incentive == D("70967.74")


def test_prorated_incentive_on_an_exact_half_cent(tmp_path):
    # 7.0525 x 1 x 22/31 = 155.155 / 31 = 5.005 exactly -> half_up 5.01
    # (with the share rounded first, 7.0525 x 0.709677 = 5.00499... would round to 5.00)
    text = COMMON + """
role rep {
  kpi calls_made {
    process main
    measure count(calls)
    target >= 1
    weight 100%
  }
  payout {
    target_incentive 7.0525 CNY
  }
}
"""
    rows = {"people": [rep("p1", hired_on="2026-03-10")], "calls": calls("p1", "2026-03-20", 5)}
    assert person(run(tmp_path, text, rows, "2026-03"), "p1").payout.incentive == D("5.01")


def test_full_period_person_is_not_prorated(tmp_path):
    p1 = prorated_run(tmp_path, rep("p1", hired_on="2026-03-01", left_on="2026-03-31"))
    # hired on the first day and leaving on the last: all 31 days active
    assert p1.active_days == 31
    assert kpi(p1, "calls_made").target == D(150)
    assert kpi(p1, "calls_made").target_before_proration is None


# ----------------------------------------------------------------- no target found

NO_TARGET = COMMON + TARGETS_DATASET + """
role rep {
  kpi calls_made {
    process main
    measure count(calls)
    target >= 4 when person.level == "junior"
    weight 50%
  }
  kpi revenue {
    outcome main
    measure sum(deals.amount)
    target >= monthly_targets.revenue
    weight 50%
  }
}
"""


def test_a_kpi_whose_target_cannot_be_found_is_no_data(tmp_path):
    rows = {
        "people": [rep("p1", level="senior"), rep("p2", level="junior")],
        "calls": calls("p1", "2026-03-02", 4) + calls("p2", "2026-03-02", 4),
        "deals": [{"owner_id": "p1", "closed_on": "2026-03-05", "amount": D(500)},
                  {"owner_id": "p2", "closed_on": "2026-03-05", "amount": D(500)}],
        "monthly_targets": [{"person_id": "p2", "period": "2026-03", "revenue": D(1000)}],
    }
    result = run(tmp_path, NO_TARGET, rows, "2026-03")
    p1, p2 = person(result, "p1"), person(result, "p2")
    # p1 is senior: no `when` holds and there is no unconditional target; no targets row either
    for kpi_id in ("calls_made", "revenue"):
        assert (kpi(p1, kpi_id).target, kpi(p1, kpi_id).status, kpi(p1, kpi_id).score) == (None, "no_data", D(0))
    assert p1.total_score == D(0)
    # p2: 4 / 4 -> 100 x 50% = 50; 500 / 1000 -> 50 x 50% = 25; total 75
    assert p2.total_score == D(75)


# ----------------------------------------------------------------- proration: more cases

MORE_PRORATION = COMMON + """
role rep {
  kpi answered_calls {
    process main
    measure count(calls) - count(calls where not answered)
    target >= 62
    weight 50%
  }
  kpi revenue {
    outcome main
    period quarter
    measure sum(deals.amount)
    target >= 3000 CNY
    target >= 900 CNY when person.tenure_months < 1
    weight 50%
  }
}
"""


def test_difference_of_counts_is_prorated_and_quarterly_targets_use_the_quarter(tmp_path):
    # hired 2026-02-15
    rows = {
        "people": [rep("p1", hired_on="2026-02-15")],
        "calls": calls("p1", "2026-03-03", 12, answered=True),
        "deals": [{"owner_id": "p1", "closed_on": "2026-03-20", "amount": D(1000)}],
    }
    result = run(tmp_path, MORE_PRORATION, rows, "2026Q1")
    assert [p.period for p in result.people] == ["2026-02", "2026-03"]  # not active in January
    feb, mar = person(result, "p1", "2026-02"), person(result, "p1", "2026-03")
    # a difference of counts is additive: February 62 x 14/28 = 31; March is a whole month: 62
    assert kpi(feb, "answered_calls").target == D(31)
    assert kpi(mar, "answered_calls").target == D(62)
    # the quarterly target is prorated over the quarter: active 2026-02-15..03-31 = 14 + 31 = 45 of 90 days.
    # person attributes are read on the run period's last day: on 2026-02-28 tenure is 0 months (900 CNY),
    # on 2026-03-31 it is 1 month (3000 CNY)
    assert kpi(feb, "revenue").target == D(450)  # 900 x 45 / 90
    assert kpi(mar, "revenue").target == D(1500)  # 3000 x 45 / 90
    # March: 1000 / 1500 = 66.6667% -> 66.6667 x 50% = 33.33335; 12 / 62 = 19.3548% -> 9.6774
    assert kpi(mar, "revenue").score == D("66.6667")
    assert kpi(mar, "answered_calls").attainment == D("0.193548")
