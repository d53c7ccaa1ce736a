"""Known answers for scoring: each curve, both directions, targets of 0 (docs/semantics.md §4-5).

Every expected number is worked by hand from docs/semantics.md, never copied from a run.
Most tests use one KPI, `revenue = sum(deals.amount)` against a target of 1000 CNY, so the
attainment is simply the amount of one deal row / 1000 and can be placed anywhere, to the
6th decimal, with a money column of 4 decimals.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from known_answers_kit import COMMON, D, calls, deal, evaluate_rulesets, kpi, person, rep, run

RULESETS = Path(__file__).resolve().parent.parent / "rulesets"


def revenue_role(score_line: str = "", target: str = ">= 1000 CNY") -> str:
    return COMMON + f"""
role rep {{
  kpi revenue {{
    outcome main
    measure sum(deals.amount)
    target {target}
    weight 100%
    {score_line}
  }}
}}
"""


def score_for(tmp_path, score_line: str, amount: str, target: str = ">= 1000 CNY"):
    rows = {"people": [rep()], "deals": [deal("p1", "2026-03-10", amount)]}
    result = run(tmp_path, revenue_role(score_line, target), rows, "2026-03")
    return kpi(person(result, "p1"), "revenue")


# ----------------------------------------------------------------- linear


@pytest.mark.parametrize(
    ("amount", "attainment", "score"),
    [
        # 499.99 / 1000 = 49.999% < floor 50% -> 0
        ("499.99", "0.49999", "0"),
        # exactly at the floor the score jumps to 100 x 50% = 50
        ("500", "0.5", "50"),
        # between floor and cap: 100 x 87.35% = 87.35
        ("873.5", "0.8735", "87.35"),
        # exactly at the cap: 100 x 120% = 120
        ("1200", "1.2", "120"),
        # above the cap: 150% is capped at 120% -> 120
        ("1500", "1.5", "120"),
    ],
)
def test_linear_floor_and_cap(tmp_path, amount, attainment, score):
    result = score_for(tmp_path, "score linear floor 50% cap 120%", amount)
    assert result.status == "ok"
    assert result.value == D(amount)
    assert result.attainment == D(attainment)
    assert result.score == D(score)
    assert result.contribution == D(score)  # weight 100%


def test_linear_attainment_is_rounded_before_it_meets_the_floor(tmp_path):
    # 4999.996 / 10000 = 49.99996% rounds half-up at 6 places to 0.500000 = the floor 50%,
    # so the score is 100 x 50% = 50, not 0.
    result = score_for(tmp_path, "score linear floor 50% cap 120%", "4999.996", target=">= 10000 CNY")
    assert result.attainment == D("0.5")
    assert result.score == D("50")


def test_linear_attainment_and_score_have_six_decimals(tmp_path):
    # 2000 / 3000 = 0.6666666... -> attainment 0.666667 (half-up, 6 places); score 100 x 0.666667
    result = score_for(tmp_path, "score linear", "2000", target=">= 3000 CNY")
    assert result.attainment == D("0.666667")
    assert result.score == D("66.6667")


@pytest.mark.parametrize(
    ("amount", "score"),
    [
        ("873.5", "87.35"),  # 87.35% -> 87.35
        ("1000", "100"),  # on target: exactly 100%
        ("1300", "100"),  # 130% is capped at the default cap 100%
        ("0", "0"),  # default floor 0%: 0% scores 0
    ],
)
def test_default_curve_is_linear_floor_0_cap_100(tmp_path, amount, score):
    # no score line at all: linear with floor 0% and cap 100%
    assert score_for(tmp_path, "", amount).score == D(score)


def test_linear_with_a_floor_only_keeps_the_default_cap(tmp_path):
    # `linear floor 50%`: cap defaults to 100%, so 130% scores 100
    assert score_for(tmp_path, "score linear floor 50%", "1300").score == D("100")
    assert score_for(tmp_path, "score linear floor 50%", "400").score == D("0")


# ----------------------------------------------------------------- tiers

TIERS = """score tiers {
      [0%, 80%): 10
      [80%, 90%): 60
      [90%, 100%]: 80
      (100%, ∞): 100
    }"""


@pytest.mark.parametrize(
    ("amount", "score"),
    [
        ("0", "10"),  # 0% is in [0%, 80%)
        ("799.999", "10"),  # 79.9999% is below 80%: [0%, 80%)
        ("800", "60"),  # 80% is in [80%, 90%): the lower bound is inclusive
        ("899.999", "60"),  # 89.9999% is still in [80%, 90%)
        ("900", "80"),  # 90% is excluded from [80%, 90%) and included in [90%, 100%]
        ("1000", "80"),  # 100% is in [90%, 100%]: closed at the top
        ("1000.001", "100"),  # 100.0001% is in (100%, ∞)
        ("5000", "100"),
    ],
)
def test_tiers_by_attainment_boundaries(tmp_path, amount, score):
    assert score_for(tmp_path, TIERS, amount).score == D(score)


def test_tiers_read_a_negative_attainment_as_zero(tmp_path):
    # a refund: -100 / 1000 = -10% attainment is read as 0%, which is in [0%, 80%) -> 10
    result = score_for(tmp_path, TIERS, "-100")
    assert result.attainment == D("-0.1")
    assert result.score == D("10")


VALUE_TIERS = """score tiers by value {
      [0, 5): 0
      [5, 10): 50
      [10, ∞): 100
    }"""


@pytest.mark.parametrize(("n", "score"), [(0, "0"), (4, "0"), (5, "50"), (9, "50"), (10, "100"), (12, "100")])
def test_tiers_by_value(tmp_path, n, score):
    # the value (number of calls) picks the row, whatever the target says
    text = COMMON + f"""
role rep {{
  kpi calls_made {{
    process main
    measure count(calls)
    target >= 100
    weight 100%
    {VALUE_TIERS}
  }}
}}
"""
    rows = {"people": [rep()], "calls": [
        {"call_id": f"c{i}", "agent_id": "p1", "called_on": "2026-03-02"} for i in range(n)
    ]}
    result = kpi(person(run(tmp_path, text, rows, "2026-03"), "p1"), "calls_made")
    assert result.value == D(n)
    assert result.score == D(score)


def test_tiers_by_value_needs_no_target(tmp_path):
    # docs/language.md §11.2: with `by value` "the KPI needs no target"; it is scored on its value
    text = COMMON + f"""
role rep {{
  kpi calls_made {{
    process main
    measure count(calls)
    weight 100%
    {VALUE_TIERS}
  }}
}}
"""
    rows = {"people": [rep()], "calls": calls("p1", "2026-03-02", 7)}
    result = kpi(person(run(tmp_path, text, rows, "2026-03"), "p1"), "calls_made")
    # 7 calls is in [5, 10): 50
    assert (result.status, result.target, result.score) == ("ok", None, D(50))
    assert result.score_rule == "value 7 is in [5, 10): score 50"


@pytest.mark.parametrize(
    ("score_line", "rule"),
    [
        ("score tiers by value {\n [0%, 80%): 0\n [80%, 90%): 60\n [90%, ∞): 100\n }",
         "value 85% is in [80%, 90%): score 60"),
        ("score lookup by value { 0%: 0  80%: 60  90%: 100 }", "lookup: value 85% reaches the row 80%: score 60"),
    ],
)
def test_value_tiers_of_a_rate_read_the_rate_and_explain_it_in_percent(tmp_path, score_line, rule):
    text = COMMON + f"""
role rep {{
  kpi answer_rate {{
    process main
    measure count(calls where answered) / count(calls)
    target >= 90%
    weight 100%
    {score_line}
  }}
}}
"""
    rows = {"people": [rep()], "calls": calls("p1", "2026-03-02", 17, answered=True)
            + calls("p1", "2026-03-03", 3, answered=False)}
    result = kpi(person(run(tmp_path, text, rows, "2026-03"), "p1"), "answer_rate")
    # 17 of 20 answered = 85%: the row [80%, 90%) -> 60; its attainment, 85% / 90% =
    # 0.9444444 -> 94.4444%, would have reached the last row (100)
    assert (result.value, result.attainment, result.score) == (D("0.85"), D("0.944444"), D(60))
    assert result.score_rule == rule


# ----------------------------------------------------------------- lookup

LOOKUP = """score lookup {
      50%: 40
      80%: 70
      100%: 100
    }"""


@pytest.mark.parametrize(
    ("amount", "score"),
    [
        ("499.999", "0"),  # 49.9999%: below the first key -> 0
        ("500", "40"),  # exactly the key 50%
        ("790", "40"),  # 79%: the last key <= 79% is 50%
        ("800", "70"),  # exactly 80%
        ("999.999", "70"),  # 99.9999%: last key <= is 80%
        ("1000", "100"),
        ("1500", "100"),  # above the last key: the last row
    ],
)
def test_lookup_by_attainment(tmp_path, amount, score):
    assert score_for(tmp_path, LOOKUP, amount).score == D(score)


@pytest.mark.parametrize(("amount", "score"), [("2", "0"), ("3", "30"), ("5.5", "30"), ("6", "60"), ("60", "60")])
def test_lookup_by_value(tmp_path, amount, score):
    # keys are values (CNY), not attainment; below the first key scores 0
    line = "score lookup by value {\n  3: 30\n  6: 60\n}"
    assert score_for(tmp_path, line, amount).score == D(score)


# ----------------------------------------------------------------- pass/fail


@pytest.mark.parametrize(("amount", "score"), [("999.999", "0"), ("1000", "100"), ("1500", "100"), ("0", "0")])
def test_pass_fail(tmp_path, amount, score):
    # 100 when attainment >= 100%, else 0
    assert score_for(tmp_path, "score pass_fail", amount).score == D(score)


# ----------------------------------------------------------------- directions

CYCLE_DAYS = COMMON + """
role rep {
  kpi deal_cycle {
    outcome main
    measure avg(days_between(deals.opened_on, deals.closed_on))
    target <= %s
    weight 100%%
    %s
  }
}
"""


def cycle_for(tmp_path, cycles: list[int], target: str = "30d", score_line: str = "score linear cap 150%"):
    # every deal closes on 2026-03-31 (in the period) and opened `c` days before
    closed = dt.date(2026, 3, 31)
    rows = {"people": [rep()], "deals": [
        {"owner_id": "p1", "opened_on": closed - dt.timedelta(days=c), "closed_on": closed} for c in cycles
    ]}
    return kpi(person(run(tmp_path, CYCLE_DAYS % (target, score_line), rows, "2026-03"), "p1"), "deal_cycle")


def test_lower_is_better_attainment_is_target_over_value(tmp_path):
    # cycles 20 and 28 days: avg 24; target <= 30 -> attainment 30 / 24 = 125% -> score 125
    result = cycle_for(tmp_path, [20, 28])
    assert result.value == D(24)
    assert result.attainment == D("1.25")
    assert result.score == D(125)


def test_lower_is_better_above_target(tmp_path):
    # avg 40 days against 30: attainment 30 / 40 = 75% -> score 75
    result = cycle_for(tmp_path, [40])
    assert result.attainment == D("0.75")
    assert result.score == D(75)


def test_lower_is_better_value_zero_is_the_best_score(tmp_path):
    # deals closed the day they opened: value 0 -> attainment unbounded -> the curve's best (cap 150%)
    result = cycle_for(tmp_path, [0, 0])
    assert result.value == D(0)
    assert result.attainment == D("Infinity")
    assert result.score == D(150)


def test_lower_is_better_value_zero_in_tiers_is_the_last_row(tmp_path):
    # unbounded attainment falls in the last, open-ended row
    result = cycle_for(tmp_path, [0], score_line=TIERS)
    assert result.score == D(100)


def test_lower_is_better_target_zero(tmp_path):
    # target <= 0 days: any positive value is 0% attainment -> 0; a value of 0 is unbounded -> best
    assert cycle_for(tmp_path, [3], target="0d").attainment == D(0)
    assert cycle_for(tmp_path, [3], target="0d").score == D(0)
    zero = cycle_for(tmp_path, [0], target="0d")
    assert zero.attainment == D("Infinity")
    assert zero.score == D(150)


@pytest.mark.parametrize(
    ("amount", "attainment", "score"),
    [
        ("250", "1", "100"),  # target 0: 250 >= 0 -> 100%
        ("0", "1", "100"),  # 0 >= 0 -> 100%
        ("-50", "0", "0"),  # a net refund is below the target 0 -> 0%
    ],
)
def test_higher_is_better_target_zero(tmp_path, amount, attainment, score):
    result = score_for(tmp_path, "", amount, target=">= 0 CNY")
    assert result.attainment == D(attainment)
    assert result.score == D(score)


@pytest.mark.parametrize(
    ("amount", "attainment", "score"),
    [
        ("-50", "1", "100"),  # target -100 (a loss allowance): -50 >= -100 -> 100%
        ("-150", "0", "0"),  # -150 < -100 -> 0%
    ],
)
def test_higher_is_better_negative_target(tmp_path, amount, attainment, score):
    result = score_for(tmp_path, "", amount, target=">= -100 CNY")
    assert result.attainment == D(attainment)
    assert result.score == D(score)


# ----------------------------------------------------------------- grades

GRADED = COMMON + """
grades standard {
  [90, ∞): "A"
  [75, 90): "B"
  [60, 75): "C"
  [0, 60): "D"
}

role rep {
  grades standard
  kpi revenue {
    outcome main
    measure sum(deals.amount)
    target >= 1000 CNY
    weight 100%
    score linear cap 150%
  }
}
"""


@pytest.mark.parametrize(
    ("amount", "total", "grade"),
    [
        ("1500", "150", "A"),  # open-ended top row
        ("900", "90", "A"),  # 90 is in [90, ∞), not in [75, 90)
        ("899.99", "89.999", "B"),
        ("750", "75", "B"),
        ("600", "60", "C"),
        ("599.99", "59.999", "D"),
        ("0", "0", "D"),
    ],
)
def test_grade_is_the_row_containing_the_total(tmp_path, amount, total, grade):
    rows = {"people": [rep()], "deals": [deal("p1", "2026-03-10", amount)]}
    p1 = person(run(tmp_path, GRADED, rows, "2026-03"), "p1")
    assert p1.total_score == D(total)
    assert p1.grade == grade


# ----------------------------------------------------------------- the worked example


def test_worked_example_telesales(tmp_path):
    """docs/semantics.md §7 'A worked example', on the reference rulesets themselves."""
    people = [{"person_id": "t1", "name": "张三", "role": "telesales", "hired_on": "2024-05-01"}]
    calls = [{"call_id": f"c{i}", "agent_id": "t1", "called_at": f"2026-03-{1 + i % 28:02d} 10:00:00"} for i in range(210)]
    # 20 leads created in March, 3 of them converted in March
    leads = [
        {"lead_id": f"l{i}", "owner_id": "t1", "created_at": "2026-03-05",
         "status": "converted" if i < 3 else "open", "converted_at": "2026-03-20" if i < 3 else None}
        for i in range(20)
    ]
    invoices = [{"invoice_id": "i1", "owner_id": "t1", "invoiced_on": "2026-03-03", "amount": D(10000)}]
    payments = [{"payment_id": "y1", "owner_id": "t1", "paid_on": "2026-03-25", "amount": D(8500)}]
    result = evaluate_rulesets(
        [RULESETS / "common.kpi", RULESETS / "telesales.kpi"],
        {"people": people, "calls": calls, "leads": leads, "invoices": invoices, "payments": payments},
        "2026-03",
    )
    t1 = person(result, "t1")
    calls_kpi, conversion, collection = (kpi(t1, k) for k in ("outbound_calls", "lead_conversion", "collection_rate"))
    # 210 / 200 = 105% -> 105 (cap 120%); weight 30% -> 31.5
    assert (calls_kpi.value, calls_kpi.attainment, calls_kpi.score, calls_kpi.contribution) == (D(210), D("1.05"), D(105), D("31.5"))
    # 3 / 20 = 15% against 15% -> 100% -> 100; weight 40% -> 40
    assert (conversion.value, conversion.attainment, conversion.score, conversion.contribution) == (D("0.15"), D(1), D(100), D(40))
    # 8500 / 10000 = 85% against 95% -> 89.4737% -> tier [80%, 90%) -> 60; weight 30% -> 18
    assert (collection.value, collection.attainment, collection.score, collection.contribution) == (D("0.85"), D("0.894737"), D(60), D(18))
    # satisfaction is auxiliary and has no surveys: computed, contributes nothing
    assert kpi(t1, "satisfaction").contribution is None
    assert t1.total_score == D("89.5")
    assert t1.grade == "良好"
    # factor row [60, 100) linear 0.6 to 1.0: 0.6 + 0.4 x 29.5 / 40 = 0.895; the gate holds
    assert t1.payout.factor == D("0.895")
    assert t1.payout.incentive == D("2685.00")
    assert t1.payout.total == D("2685.00")


TOUCHES = COMMON + """
dataset touches {
  person owner_id
  date touched_at
  column owner_id string
  column customer string
  column touched_at timestamp
}

role rep {
  kpi new_touches {
    process main
    measure count(touches where first_time(customer))
    target >= 1
    weight 100%
  }
}
"""


def test_first_time_on_a_timestamp_goes_by_day_and_skips_empty_values(tmp_path):
    # semantics §2: K1's earliest day is 2 March: its rows at 15:00 and 23:00 both count (not
    # only the 15:00 one); K2's rows on 2 March count, the one on 3 March does not; a row with
    # no customer is never first. p1: K1 23:00, K2 10:00, K2 08:00, K2 (3 March), none -> 3
    rows = [
        {"owner_id": "p1", "customer": "K1", "touched_at": "2026-03-02 23:00:00"},
        {"owner_id": "p2", "customer": "K1", "touched_at": "2026-03-02 15:00:00"},
        {"owner_id": "p1", "customer": "K2", "touched_at": "2026-03-02 10:00:00"},
        {"owner_id": "p1", "customer": "K2", "touched_at": "2026-03-02 08:00:00"},
        {"owner_id": "p1", "customer": "K2", "touched_at": "2026-03-03 09:00:00"},
        {"owner_id": "p1", "customer": None, "touched_at": "2026-03-04 09:00:00"},
    ]
    result = run(tmp_path, TOUCHES, {"people": [rep("p1"), rep("p2")], "touches": rows}, "2026-03")
    assert kpi(person(result, "p1"), "new_touches").value == D(3)
    assert kpi(person(result, "p2"), "new_touches").value == D(1)


@pytest.mark.parametrize(
    ("amount", "target", "line"),
    [
        # no division where the target is 0 or below: explain names the rule that decided
        ("-50", ">= -100 CNY", "attainment: 100% (a target of 0 or below is met by a value at or above it)"),
        ("-150", ">= -100 CNY", "attainment: 0% (a target of 0 or below is missed by a value below it)"),
        ("250", ">= 0 CNY", "attainment: 100% (a target of 0 or below is met by a value at or above it)"),
        # and the division where there is one: 250 / 1000 = 25%
        ("250", ">= 1000 CNY", "attainment: value / target = 25%"),
    ],
)
def test_explain_names_the_attainment_rule_a_calculator_can_check(tmp_path, amount, target, line):
    from kpirules.report.explain import render_explain

    rows = {"people": [rep()], "deals": [deal("p1", "2026-03-10", amount)]}
    result = person(run(tmp_path, revenue_role("", target), rows, "2026-03"), "p1")
    assert line in render_explain(result)


def test_explain_names_the_lower_is_better_rules(tmp_path):
    from kpirules.report.explain import render_explain

    # value 0 days against 30: unbounded; value 3 days against 0: 0%
    zero = render_explain(person(run(tmp_path, CYCLE_DAYS % ("30d", "score linear cap 150%"), {
        "people": [rep()], "deals": [{"owner_id": "p1", "opened_on": dt.date(2026, 3, 31), "closed_on": dt.date(2026, 3, 31)}],
    }, "2026-03"), "p1"))
    assert "attainment: ∞ (lower is better and the value is 0 or below)" in zero
    late = render_explain(person(run(tmp_path, CYCLE_DAYS % ("0d", "score linear cap 150%"), {
        "people": [rep()], "deals": [{"owner_id": "p1", "opened_on": dt.date(2026, 3, 28), "closed_on": dt.date(2026, 3, 31)}],
    }, "2026-03"), "p1"))
    assert "attainment: 0% (lower is better, the target is 0 or below and the value above 0)" in late
    # 30 / 24 = 125%, the division
    ok = render_explain(person(run(tmp_path, CYCLE_DAYS % ("30d", "score linear cap 150%"), {
        "people": [rep()], "deals": [{"owner_id": "p1", "opened_on": dt.date(2026, 3, 7), "closed_on": dt.date(2026, 3, 31)}],
    }, "2026-03"), "p1"))
    assert "attainment: target / value = 125%" in ok
