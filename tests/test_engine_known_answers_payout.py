"""Known answers for payouts: factor, gates, commissions, rounding, cap, adjustments (docs/semantics.md §7).

The role has one main KPI, revenue = sum(deals.amount) against 1000 CNY with `linear cap 150%`,
so the total score is the deal amount / 10 (up to 150), and one auxiliary KPI,
answer_rate = answered calls / calls against 50%, for the gates to read.
Without a factor table the factor is total / 100.
"""

from __future__ import annotations

import pytest

from known_answers_kit import COMMON, D, calls, deal, kpi, person, rep, run
from kpirules.errors import DataError

ADJUSTMENTS = """
adjustments payout_adjustments {
  person person_id
  period period
  amount amount
  reason reason
  approver approved_by
  column person_id string
  column period string
  column amount money
  column reason string
  column approved_by string
}
"""

ROLE = """
role rep {
  kpi revenue {
    outcome main
    measure sum(deals.amount)
    target >= 1000 CNY
    weight 100%
    score linear cap 150%
  }
  kpi answer_rate {
    process auxiliary
    measure count(calls where answered) / count(calls)
    target >= 50%
  }
  payout {
PAYOUT
  }
}
"""


def paid(tmp_path, payout: str, amount="1200", answered=(1, 3), adjustments=(), header="", people=None):
    """Run March 2026 for p1 with one deal of `amount` and (answered, unanswered) calls."""
    text = COMMON.replace("  period month\n", f"  period month\n  {header}\n") + ADJUSTMENTS + ROLE.replace("PAYOUT", payout)
    yes, no = answered
    rows = {
        "people": people or [rep()],
        "deals": [deal("p1", "2026-03-10", amount)] if amount is not None else [],
        "calls": calls("p1", "2026-03-02", yes, answered=True) + calls("p1", "2026-03-03", no, answered=False),
        "payout_adjustments": list(adjustments),
    }
    return person(run(tmp_path, text, rows, "2026-03"), "p1")


# ----------------------------------------------------------------- factor


@pytest.mark.parametrize(
    ("amount", "total", "factor", "incentive"),
    [
        ("599.99", "59.999", "0", "0.00"),  # [0, 60): 0
        ("600", "60", "0.6", "600.00"),  # [60, 100): linear 0.6 to 1.0 at its low end
        # 89.5: 0.6 + (1.0 - 0.6) x (89.5 - 60) / (100 - 60) = 0.6 + 0.4 x 29.5 / 40 = 0.895
        ("895", "89.5", "0.895", "895.00"),
        ("1000", "100", "1", "1000.00"),  # [100, ∞): 1.0 + 2 x 0 / 100
        ("1100", "110", "1.2", "1200.00"),  # 1.0 + 2 x 10 / 100 = 1.2
        ("1200", "120", "1.3", "1300.00"),  # 1.0 + 2 x 20 / 100 = 1.4, capped by `cap factor 1.3`
    ],
)
def test_factor_table_linear_segment_expression_and_cap_factor(tmp_path, amount, total, factor, incentive):
    payout = """
    target_incentive 1000 CNY
    factor by total_score {
      [0, 60): 0
      [60, 100): linear 0.6 to 1.0
      [100, ∞): 1.0 + 2 * (total_score - 100) / 100
    }
    cap factor 1.3
"""
    p1 = paid(tmp_path, payout, amount)
    assert p1.total_score == D(total)
    assert p1.payout.factor == D(factor)
    assert p1.payout.incentive == D(incentive)


def test_factor_is_rounded_to_six_places_before_it_is_paid(tmp_path):
    # total 110: 1 + 10 / 30 = 1.3333333... -> factor 1.333333; 30,000 x 1.333333 = 39,999.99
    payout = """
    target_incentive 30000 CNY
    factor by total_score {
      [0, 100): total_score / 100
      [100, ∞): 1 + (total_score - 100) / 30
    }
"""
    p1 = paid(tmp_path, payout, "1100")
    assert p1.payout.factor == D("1.333333")
    assert p1.payout.incentive == D("39999.99")


def test_no_factor_table_means_total_over_100(tmp_path):
    # total 87.35 -> factor 0.8735 -> 2000 x 0.8735 = 1747.00
    p1 = paid(tmp_path, "    target_incentive 2000 CNY\n", "873.5")
    assert p1.payout.factor == D("0.8735")
    assert p1.payout.incentive == D("1747.00")


def test_target_incentive_from_a_person_attribute_missing_counts_as_zero(tmp_path):
    payout = "    target_incentive person.target_incentive\n"
    with_amount = paid(tmp_path / "a", payout, "1000", people=[rep(target_incentive=D(2500))])
    assert with_amount.payout.incentive == D("2500.00")  # 2500 x factor 1
    without = paid(tmp_path / "b", payout, "1000", people=[rep(target_incentive=None)])
    assert without.payout.incentive == D(0)
    assert without.payout.total == D(0)


# ----------------------------------------------------------------- gates

# 1 answered call of 4: answer rate 25%, attainment 25% / 50% = 50%. Deal 1200: total 120, factor 1.2.
COMMISSION = """
    commission revenue retroactive {
      [0, ∞): 10%
    }
"""


def test_gate_passes(tmp_path):
    p1 = paid(tmp_path, "    target_incentive 1000 CNY\n    gate answer_rate.attainment >= 50% else zero\n")
    assert p1.payout.factor == D("1.2")
    assert p1.payout.incentive == D("1200.00")
    assert not p1.payout.zeroed_by_gate


def test_gate_else_zero_zeroes_incentive_and_commissions(tmp_path):
    p1 = paid(tmp_path, "    target_incentive 1000 CNY\n    gate answer_rate.attainment >= 100% else zero\n" + COMMISSION)
    # attainment 50% < 100%: the whole payout is 0, the 10% x 1200 = 120 commission too
    assert p1.payout.zeroed_by_gate
    assert p1.payout.incentive == D(0)
    assert p1.payout.commissions["revenue"] == D(0)
    assert p1.payout.total == D(0)


def test_gate_else_cap_factor(tmp_path):
    p1 = paid(tmp_path, "    target_incentive 1000 CNY\n    gate answer_rate.attainment >= 100% else cap factor 0.5\n" + COMMISSION)
    # factor 1.2 capped at 0.5 -> 500; the commission is untouched: 120; total 620
    assert p1.payout.factor == D("0.5")
    assert p1.payout.incentive == D("500.00")
    assert p1.payout.commissions["revenue"] == D("120.00")
    assert p1.payout.total == D("620.00")


def test_gate_cap_factor_leaves_a_lower_factor_alone(tmp_path):
    # deal 400: total 40, factor 0.4 is already below the gate's cap 0.5 -> 400
    p1 = paid(tmp_path, "    target_incentive 1000 CNY\n    gate answer_rate.attainment >= 100% else cap factor 0.5\n", "400")
    assert p1.payout.factor == D("0.4")
    assert p1.payout.incentive == D("400.00")
    # the step says the cap changed nothing (it said "factor capped at 0.5 → 0.4")
    step = next(s for s in p1.payout.steps if s.step == "gate")
    assert step.description.endswith("factor capped at 0.5; 0.4 is not above it")


def test_gate_else_multiply(tmp_path):
    p1 = paid(tmp_path, "    target_incentive 1000 CNY\n    gate answer_rate.attainment >= 100% else multiply 0.5\n")
    # 1.2 x 0.5 = 0.6 -> 600
    assert p1.payout.factor == D("0.6")
    assert p1.payout.incentive == D("600.00")


@pytest.mark.parametrize(
    ("gates", "factor"),
    [
        # written order: 1.2 x 0.5 = 0.6, then capped at 0.5 -> 0.5
        ("gate answer_rate.attainment >= 100% else multiply 0.5\n    gate answer_rate.value >= 50% else cap factor 0.5", "0.5"),
        # the other way round: capped at 0.5, then x 0.5 -> 0.25
        ("gate answer_rate.value >= 50% else cap factor 0.5\n    gate answer_rate.attainment >= 100% else multiply 0.5", "0.25"),
    ],
)
def test_gates_apply_in_written_order(tmp_path, gates, factor):
    p1 = paid(tmp_path, f"    target_incentive 1000 CNY\n    {gates}\n")
    assert p1.payout.factor == D(factor)


def test_gate_on_total_score_and_person_attribute(tmp_path):
    payout = (
        "    target_incentive 1000 CNY\n"
        "    gate total_score >= 100 else zero\n"
        '    gate person.level == "senior" else multiply 0.5\n'
    )
    # total 120 >= 100 holds; level junior is not senior: 1.2 x 0.5 = 0.6 -> 600
    p1 = paid(tmp_path, payout, people=[rep(level="junior")])
    assert p1.payout.incentive == D("600.00")
    # total 90 < 100: zero
    p1 = paid(tmp_path / "low", payout, "900", people=[rep(level="senior")])
    assert p1.payout.total == D(0)


def test_gate_on_a_kpi_without_a_value_fails(tmp_path):
    # no calls at all: answer_rate = 0 / 0 has no value, so the gate fails -> 1.2 x 0.5 = 0.6
    p1 = paid(tmp_path, "    target_incentive 1000 CNY\n    gate answer_rate.attainment >= 10% else multiply 0.5\n", answered=(0, 0))
    assert kpi(p1, "answer_rate").status == "no_data"
    assert p1.payout.factor == D("0.6")


def test_gate_on_a_kpi_without_a_value_with_no_data_pass(tmp_path):
    payout = "    target_incentive 1000 CNY\n    gate answer_rate.attainment >= 10% else multiply 0.5 no_data pass\n"
    p1 = paid(tmp_path, payout, answered=(0, 0))
    assert p1.payout.factor == D("1.2")
    assert p1.payout.incentive == D("1200.00")


def _no_target_for_juniors(tmp_path, gate: str):
    """answer_rate's only target is for seniors: p1, a junior, has an answer rate (1 of 4: 25%)
    and no target, so no attainment (semantics.md §2: no_data, scored 0). Deal 1200: factor 1.2."""
    # a main KPI (weighted 0%: the total stays revenue's), so that no target makes it no_data
    text = COMMON + ADJUSTMENTS + ROLE.replace(
        "    process auxiliary\n", "    process main\n    weight 0%\n").replace(
        "    target >= 50%\n  }", '    target >= 50% when person.level == "senior"\n  }').replace(
        "PAYOUT", f"    target_incentive 1000 CNY\n    {gate}\n")
    rows = {"people": [rep(level="junior")], "deals": [deal("p1", "2026-03-10", "1200")],
            "calls": calls("p1", "2026-03-02", 1, answered=True) + calls("p1", "2026-03-03", 3, answered=False),
            "payout_adjustments": []}
    return person(run(tmp_path, text, rows, "2026-03"), "p1")


def test_a_gate_reading_the_value_of_a_kpi_without_a_target_reads_it(tmp_path):
    # semantics.md §7 step 4: the KPI has a value (25%), so the condition is read: 25% >= 20%
    # holds, factor 1.2. It failed as "its KPI has no value" (the KPI's status is no_data)
    p1 = _no_target_for_juniors(tmp_path, "gate answer_rate.value >= 20% else multiply 0.5")
    assert (kpi(p1, "answer_rate").status, kpi(p1, "answer_rate").value) == ("no_data", D("0.25"))
    assert p1.payout.factor == D("1.2")
    assert [s.description for s in p1.payout.steps if s.step == "gate"] == [
        "gate answer_rate.value >= 20% passed: the condition holds with answer_rate.value 25%"]


def test_a_gate_reading_a_result_the_kpi_lacks_fails_whatever_the_rest_says(tmp_path):
    # semantics.md §7 step 4: a condition on a result the KPI does not have although it has a
    # value does not hold, the gate fails, and no_data pass does not change that: `or
    # total_score >= 0` passed it (unknown or true). Factor 1.2 x 0.5 = 0.6
    p1 = _no_target_for_juniors(
        tmp_path, "gate answer_rate.attainment >= 10% or total_score >= 0 else multiply 0.5 no_data pass")
    assert p1.payout.factor == D("0.6")
    assert [s.description for s in p1.payout.steps if s.step == "gate"] == [
        "gate answer_rate.attainment >= 10% or total_score >= 0 failed (answer_rate.attainment has no value, although "
        "answer_rate has one): factor × 0.5 = 0.6"]


def test_a_score_or_factor_written_with_more_than_six_places_is_applied_rounded(tmp_path):
    # semantics.md §5 and §8: scores and factors are kept to 6 places, half-up
    # `cap factor 0.0123455` is 0.012346: 100,000 x 0.012346 = 1234.60 (1234.55 unrounded)
    p1 = paid(tmp_path / "cap", "    target_incentive 100000 CNY\n    cap factor 0.0123455\n")
    assert (p1.payout.factor, p1.payout.incentive) == (D("0.012346"), D("1234.60"))
    # the same cap from a failed gate (attainment 50% < 100%)
    p1 = paid(tmp_path / "gate", "    target_incentive 100000 CNY\n"
              "    gate answer_rate.attainment >= 100% else cap factor 0.0123455\n")
    assert (p1.payout.factor, p1.payout.incentive) == (D("0.012346"), D("1234.60"))
    # no calls: answer_rate (main, 50%) has no value and scores its `no_data score 1.2345675`
    # as 1.234568: contribution 0.617284 (0.61728375 unrounded); revenue 1200 / 1000 -> 120
    # x 50% = 60; total 60.617284
    text = COMMON + ADJUSTMENTS + ROLE.replace("    weight 100%\n", "    weight 50%\n").replace(
        "    process auxiliary\n", "    process main\n    weight 50%\n    no_data score 1.2345675\n").replace(
        "PAYOUT", "    target_incentive 1000 CNY\n")
    rows = {"people": [rep()], "deals": [deal("p1", "2026-03-10", "1200")], "calls": [], "payout_adjustments": []}
    p1 = person(run(tmp_path / "nodata", text, rows, "2026-03"), "p1")
    rate = kpi(p1, "answer_rate")
    assert (rate.status, rate.score, rate.contribution) == ("no_data", D("1.234568"), D("0.617284"))
    assert p1.total_score == D("60.617284")


# ----------------------------------------------------------------- commissions

TIERS = """
      [0, 1000 CNY): 1%
      [1000 CNY, 3000 CNY): 2%
      [3000 CNY, ∞): 5%
"""


@pytest.mark.parametrize(
    ("amount", "commission"),
    [
        ("2000", "30.00"),  # 1000 x 1% + 1000 x 2% = 10 + 20
        ("3000", "50.00"),  # on the boundary: 10 + 2000 x 2% = 50; nothing yet at 5%
        ("4000", "100.00"),  # 10 + 40 + 1000 x 5% = 100
        ("999.99", "10.00"),  # 999.99 x 1% = 9.9999 -> 10.00
        ("-500", "0.00"),  # a negative value pays nothing
    ],
)
def test_marginal_commission(tmp_path, amount, commission):
    p1 = paid(tmp_path, f"    commission revenue marginal {{{TIERS}    }}\n", amount)
    assert p1.payout.commissions["revenue"] == D(commission)
    assert p1.payout.incentive == D(0)  # no target incentive
    assert p1.payout.total == D(commission)


def test_a_marginal_commission_on_a_value_of_0_says_nothing_is_paid(tmp_path):
    # a value of 0 with a first row below 0: it said "nothing above the first tier", though
    # 0 is in the second row
    p1 = paid(tmp_path, "    commission revenue marginal {\n      [-1000, 0): 3%\n      [0, ∞): 1%\n    }\n", "0")
    assert p1.payout.commissions["revenue"] == D("0.00")
    step = next(s for s in p1.payout.steps if s.step == "commission")
    assert "marginal: nothing to pay at 0" in step.description


@pytest.mark.parametrize(
    ("amount", "commission"),
    [
        ("2000", "40.00"),  # inside [1000, 3000): 2% of all of it
        ("3000", "150.00"),  # on the boundary: in [3000, ∞), so 5% of all of it
        ("1000", "20.00"),  # 1000 is in [1000, 3000): 2%
        ("999.99", "10.00"),  # 1% x 999.99 = 9.9999 -> 10.00
        ("-500", "0.00"),
    ],
)
def test_retroactive_commission(tmp_path, amount, commission):
    p1 = paid(tmp_path, f"    commission revenue retroactive {{{TIERS}    }}\n", amount)
    assert p1.payout.commissions["revenue"] == D(commission)


def test_commission_on_a_quarterly_kpi_is_paid_when_the_quarter_closes(tmp_path):
    text = COMMON + """
role rep {
  kpi calls_made {
    process main
    measure count(calls)
    target >= 1
    weight 50%
  }
  kpi revenue {
    outcome main
    period quarter
    measure sum(deals.amount)
    target >= 3000 CNY
    weight 50%
  }
  payout {
    target_incentive 1000 CNY
    gate revenue.attainment >= 100% else zero
    commission revenue marginal {
      [0, ∞): 10%
    }
  }
}
"""
    rows = {
        "people": [rep()],
        "calls": calls("p1", "2026-01-05") + calls("p1", "2026-02-05") + calls("p1", "2026-03-05"),
        "deals": [deal("p1", "2026-01-20", 600), deal("p1", "2026-02-20", 900), deal("p1", "2026-03-20", 1200)],
    }
    result = run(tmp_path, text, rows, "2026Q1")
    jan, mar = person(result, "p1", "2026-01"), person(result, "p1", "2026-03")
    # January: revenue is in progress, so its gate is not applied and its commission not paid.
    # calls 1/1 -> 100 x 50% = 50, scaled by 100% / 50% -> total 100 -> factor 1 -> 1000
    assert jan.total_score == D(100)
    assert not jan.payout.zeroed_by_gate
    assert jan.payout.incentive == D("1000.00")
    assert "revenue" not in jan.payout.commissions
    assert jan.payout.total == D("1000.00")
    # March: 2700 / 3000 = 90% < 100%: the gate zeroes the payout, commission 10% x 2700 = 270 included
    assert mar.payout.zeroed_by_gate
    assert mar.payout.total == D(0)


def test_commission_on_the_whole_quarter_in_the_closing_month(tmp_path):
    text = COMMON + """
role rep {
  kpi revenue {
    outcome main
    period quarter
    measure sum(deals.amount)
    target >= 3000 CNY
    weight 100%
  }
  payout {
    commission revenue marginal {
      [0, ∞): 10%
    }
  }
}
"""
    rows = {"people": [rep()], "deals": [deal("p1", "2026-01-20", 600), deal("p1", "2026-03-20", 1200)]}
    result = run(tmp_path, text, rows, "2026Q1")
    # paid once, in March, on the quarter's 600 + 1200 = 1800: 180.00
    assert [p.payout.total for p in result.people] == [D(0), D(0), D("180.00")]
    assert person(result, "p1", "2026-03").payout.commissions == {"revenue": D("180.00")}


# ----------------------------------------------------------------- rounding


@pytest.mark.parametrize(
    ("mode", "incentive", "adjustment"),
    [
        # 4.69 x factor 0.5 = 2.345; adjustment -2.345 (docs: half_up 2.345 -> 2.35)
        ("half_up", "2.35", "-2.35"),
        ("half_even", "2.34", "-2.34"),
        ("half_down", "2.34", "-2.34"),
        ("up", "2.35", "-2.35"),
        ("down", "2.34", "-2.34"),
        ("ceiling", "2.35", "-2.34"),
        ("floor", "2.34", "-2.35"),
    ],
)
def test_rounding_modes_on_an_exact_half_cent(tmp_path, mode, incentive, adjustment):
    adjustments = [{"person_id": "p1", "period": "2026-03", "amount": D("-2.345"), "reason": "correction"}]
    p1 = paid(tmp_path, f"    target_incentive 4.69 CNY\n    rounding {mode} 0.01\n", "500", adjustments=adjustments)
    assert p1.payout.factor == D("0.5")
    assert p1.payout.incentive == D(incentive)
    assert p1.payout.total == D(incentive) + D(adjustment)


@pytest.mark.parametrize(
    ("target_incentive", "mode", "step", "amount", "incentive"),
    [
        ("1001", "half_up", "1", "500", "501"),  # 1001 x 0.5 = 500.5 -> 501
        ("1001", "half_even", "1", "500", "500"),  # 500.5 -> the even neighbour 500
        ("1003", "half_even", "1", "500", "502"),  # 501.5 -> 502
        ("1000", "half_up", "100", "1250", "1300"),  # 1000 x 1.25 = 1250 -> 1300
        ("1000", "half_even", "100", "1250", "1200"),  # 1250 -> 1200
        ("1000", "down", "100", "1290", "1200"),  # 1290 -> 1200
        ("1000", "up", "100", "1210", "1300"),  # 1210 -> 1300
    ],
)
def test_rounding_steps(tmp_path, target_incentive, mode, step, amount, incentive):
    p1 = paid(tmp_path, f"    target_incentive {target_incentive} CNY\n    rounding {mode} {step}\n", amount)
    assert p1.payout.incentive == D(incentive)


def test_scheme_rounding_applies_when_the_payout_has_none(tmp_path):
    # scheme: half_even 1; 1001 x 0.5 = 500.5 -> 500
    p1 = paid(tmp_path, "    target_incentive 1001 CNY\n", "500", header="rounding half_even 1")
    assert p1.payout.incentive == D(500)
    # the payout's own rounding wins over the scheme's
    p1 = paid(tmp_path / "own", "    target_incentive 1001 CNY\n    rounding half_up 1\n", "500", header="rounding half_even 1")
    assert p1.payout.incentive == D(501)


def test_each_line_is_rounded_and_the_total_is_their_sum(tmp_path):
    payout = """
    target_incentive 1001 CNY
    rounding half_up 1
    commission revenue retroactive {
      [0, ∞): 0.5%
    }
"""
    adjustments = [{"person_id": "p1", "period": "2026-03", "amount": D("0.5"), "reason": "rounding test"}]
    p1 = paid(tmp_path, payout, "500", adjustments=adjustments)
    # incentive 1001 x 0.5 = 500.5 -> 501; commission 0.5% x 500 = 2.5 -> 3; adjustment 0.5 -> 1
    assert p1.payout.incentive == D(501)
    assert p1.payout.commissions["revenue"] == D(3)
    # 501 + 3 + 1 = 505 (rounding the unrounded sum 503.5 would give 504)
    assert p1.payout.total == D(505)


# ----------------------------------------------------------------- cap and adjustments


def test_cap_then_adjustments(tmp_path):
    payout = "    target_incentive 1000 CNY\n    cap 1000 CNY\n" + COMMISSION
    adjustments = [
        {"person_id": "p1", "period": "2026-03", "amount": D(200), "reason": "spot award", "approved_by": "m1"},
        {"person_id": "p1", "period": "2026-02", "amount": D(999), "reason": "another month"},
        {"person_id": "p2", "period": "2026-03", "amount": D(999), "reason": "another person"},
    ]
    p1 = paid(tmp_path, payout, adjustments=adjustments)
    # incentive 1200 + commission 120 = 1320, capped at 1000; then + 200 (after the cap) = 1200
    assert p1.payout.incentive == D("1200.00")
    assert p1.payout.commissions["revenue"] == D("120.00")
    assert p1.payout.capped
    assert [a.amount for a in p1.payout.adjustments] == [D(200)]
    assert p1.payout.total == D("1200.00")


def test_the_capped_amount_is_rounded(tmp_path):
    # 1200 + 120 over the cap 1234.567: the capped line is rounded half-up to 0.01 -> 1234.57
    p1 = paid(tmp_path, "    target_incentive 1000 CNY\n    cap 1234.567 CNY\n" + COMMISSION)
    assert p1.payout.capped
    assert p1.payout.total == D("1234.57")


def test_cap_not_reached(tmp_path):
    p1 = paid(tmp_path, "    target_incentive 1000 CNY\n    cap 5000 CNY\n" + COMMISSION)
    assert not p1.payout.capped
    assert p1.payout.total == D("1320.00")


def test_adjustments_are_added_after_a_zeroing_gate(tmp_path):
    adjustments = [{"person_id": "p1", "period": "2026-03", "amount": D(100), "reason": "guarantee"}]
    payout = "    target_incentive 1000 CNY\n    gate answer_rate.attainment >= 100% else zero\n"
    p1 = paid(tmp_path, payout, adjustments=adjustments)
    # the gate zeroes incentive and commissions; the manual adjustment is added last: 100
    assert p1.payout.total == D("100.00")


def test_an_adjustment_without_a_reason_is_an_error(tmp_path):
    adjustments = [{"person_id": "p1", "period": "2026-03", "amount": D(50), "reason": None}]
    with pytest.raises(DataError) as error:
        paid(tmp_path, "    target_incentive 1000 CNY\n", adjustments=adjustments)
    assert "reason" in str(error.value)
    assert error.value.diagnostics[0].location.dataset == "payout_adjustments"


# ----------------------------------------------------------------- rates read from the roster

RATE_ROSTER = ("  column target_incentive money\n}", "  column target_incentive money\n  column commission_pct decimal\n}")


def paid_at_rate(tmp_path, payout: str, rate, amount="2000", setwise=None):
    """`paid`, with a roster column commission_pct holding `rate` (None: an empty cell) for
    p1; `setwise` True or False scores in SQL where it can, or per person in Python."""
    from known_answers_kit import COMMON as common, setup
    from kpirules.engine.evaluate import Evaluator
    from kpirules.engine.periods import Calendar

    text = (common.replace(*RATE_ROSTER).replace("  period month\n", "  period month\n\n") + ADJUSTMENTS
            + ROLE.replace("PAYOUT", payout))
    rows = {
        "people": [rep(commission_pct=None if rate is None else D(rate))],
        "deals": [deal("p1", "2026-03-10", amount)],
        "calls": calls("p1", "2026-03-02", 1, answered=True),
        "payout_adjustments": [],
    }
    if setwise is None:
        return person(run(tmp_path, text, rows, "2026-03"), "p1")
    scheme, con = setup(tmp_path, text, rows)
    calendar = Calendar(scheme.header)
    evaluator = Evaluator(scheme, con)
    result = evaluator.run(calendar.scheme_periods(calendar.parse("2026-03")), setwise=setwise)
    return person(result, "p1"), evaluator.scored_in_sql


@pytest.mark.parametrize(("mode", "rate", "amount", "commission"), [
    ("retroactive", "0.012", "2000", "24.00"),  # 2000 x 1.2% = 24
    ("retroactive", "0.015", "848679.753", "12730.20"),  # 848679.753 x 1.5% = 12730.196295 -> 12730.20
    ("marginal", "0.012", "2000", "24.00"),  # one row from 0: marginal is retroactive
    ("retroactive", None, "2000", "0.00"),  # an empty cell: a rate of 0
    ("retroactive", "-0.01", "2000", "-20.00"),  # a negative rate takes money back, as a constant one does
])
def test_a_commission_rate_read_from_the_roster(tmp_path, mode, rate, amount, commission):
    p1 = paid_at_rate(tmp_path, f"    commission revenue {mode} {{\n      [0, ∞): person.commission_pct\n    }}\n",
                      rate, amount)
    assert p1.payout.commissions["revenue"] == D(commission)
    assert p1.payout.total == D(commission)


def test_rows_may_mix_constant_and_personal_rates(tmp_path):
    # marginal on 3000 with 1% up to 1000 and the person's 2.5% above:
    # 1000 x 1% + 2000 x 2.5% = 10 + 50 = 60
    payout = ("    commission revenue marginal {\n      [0, 1000 CNY): 1%\n"
              "      [1000 CNY, ∞): person.commission_pct\n    }\n")
    p1 = paid_at_rate(tmp_path, payout, "0.025", "3000")
    assert p1.payout.commissions["revenue"] == D("60.00")
    step = next(s for s in p1.payout.steps if s.step == "commission")
    assert "1000 × 1% + 2000 × 2.5% (person.commission_pct) = 60.00 CNY" in step.description


@pytest.mark.parametrize("setwise", [False, True])
def test_a_constant_rate_beside_a_personal_one_is_applied_as_written(tmp_path, setwise):
    # retroactive on 40000 CNY, in the constant row [1000, ∞): 0.03125%: 40000 x 0.0003125 = 12.50
    # (the Python path applied the constant kept to 6 places, 0.000313, and paid 12.52 where SQL paid 12.50)
    payout = ("    commission revenue retroactive {\n      [0, 1000 CNY): person.commission_pct\n"
              "      [1000 CNY, ∞): 0.03125%\n    }\n")
    p1, _ = paid_at_rate(tmp_path, payout, "0.01", "40000", setwise=setwise)
    assert p1.payout.commissions["revenue"] == D("12.50")
    step = next(s for s in p1.payout.steps if s.step == "commission")
    assert "so 0.03125% applies to all of it = 12.50 CNY" in step.description


def test_an_expression_of_attributes_is_a_rate_and_explain_names_an_empty_one(tmp_path):
    # the `if` reads the level: p1 is no senior, so 1% of 2000 = 20
    payout = ('    commission revenue retroactive {\n'
              '      [0, ∞): if person.level == "senior" then 2% else 1%\n    }\n')
    p1 = paid_at_rate(tmp_path / "a", payout, "0.5")
    assert p1.payout.commissions["revenue"] == D("20.00")
    empty = paid_at_rate(tmp_path / "b", "    commission revenue retroactive {\n      [0, ∞): person.commission_pct\n    }\n",
                         None)
    step = next(s for s in empty.payout.steps if s.step == "commission")
    assert "so 0% (person.commission_pct has no value) applies to all of it = 0.00 CNY" in step.description


@pytest.mark.parametrize("rate, rate_text, value, commission", [
    # total score 150 (capped), factor 1.5: incentive 1500; commission 1500 x 1.2% = 18
    ("0.012", "person.commission_pct", "1500", "18.00"),
    # 0.05 / 3 kept as 0.016667 (half-up): 300000 x 0.016667 = 5000.10
    ("0.05", "person.commission_pct / 3", "300000", "5000.10"),
    # an empty cell is a rate of 0
    (None, "person.commission_pct", "1500", "0.00"),
])
def test_a_role_with_personal_rates_scores_the_same_in_sql_and_in_python(tmp_path, rate, rate_text, value, commission):
    # the set-based scorer reads the rate per person too (the Python path is the reference)
    payout = f"    target_incentive 1000 CNY\n    commission revenue retroactive {{\n      [0, ∞): {rate_text}\n    }}\n"
    by_sql, in_sql = paid_at_rate(tmp_path / "sql", payout, rate, value, setwise=True)
    by_python, _ = paid_at_rate(tmp_path / "py", payout, rate, value, setwise=False)
    assert (by_sql.payout.incentive, by_sql.payout.commissions["revenue"]) == (D("1500.00"), D(commission))
    assert by_sql.payout.total == by_python.payout.total == D("1500.00") + D(commission)
    assert repr(by_sql.payout) == repr(by_python.payout)
    assert in_sql == 1


def test_a_rate_worked_out_from_attributes_is_kept_to_6_places(tmp_path):
    # 0.05 / 3 = 0.0166666... is kept as 0.016667 (half-up, 6 places, as computed values are):
    # 300000 x 0.016667 = 5000.10, where the exact third would pay 5000.00; explain shows
    # the rate that was applied
    payout = "    commission revenue retroactive {\n      [0, ∞): person.commission_pct / 3\n    }\n"
    p1 = paid_at_rate(tmp_path, payout, "0.05", "300000")
    assert p1.payout.commissions["revenue"] == D("5000.10")
    step = next(s for s in p1.payout.steps if s.step == "commission")
    assert "so 1.6667% (person.commission_pct / 3) applies to all of it = 5000.10 CNY" in step.description
