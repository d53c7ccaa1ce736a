"""language.md §11 and §12 checked on real files with the real CLI: constants without a
value, the ends and the range of `linear A to B`, the payout cap, negative commission
rates, and the units of range bounds and lookup keys (E255).

Each expected problem names the section of docs/language.md it comes from; positions are
found in the role text (docs_worked_kit.at). The numbers of the run tests are worked by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from docs_worked_kit import D, at, check, kpi, num, person, run
from kpirules.cli import cli

MARCH = "2026-03"
NUMBER_HELP = "write a number, e.g. 1.0 or 0.5"
#: one deal in March worth 1000 CNY that took 120 days: k scores 100 (120 of 100, capped)
DEAL = {"deals": "A,2026-03-05,1000,true,120"}


def paid(payout: str, score: str = "") -> str:
    return f"""
role rep {{
  kpi k {{ outcome main  weight 100%  measure sum(deals.days)  target >= 100 {score} }}
  kpi c {{ outcome auxiliary  measure sum(deals.amount) }}
  payout {{ target_incentive 1000
    {payout}
  }}
}}
"""


# ---------------------------------------------------------------- §12.2: linear A to B

LINEAR_ENDS_HELP = ("write the factors at the row's two bounds, e.g. linear 0.6 to 1.0, or write the row "
                    "as an expression of total_score instead of linear, e.g. total_score / 100")


@pytest.mark.parametrize("segment, end, message, help", [
    ("linear 0.6 to total_score", "total_score  [100",
     "an end of a linear segment must be a constant number; this one reads total_score", LINEAR_ENDS_HELP),
    ("linear -total_score to 1", "-total_score",
     "an end of a linear segment must be a constant number; this one reads total_score", LINEAR_ENDS_HELP),
    ("linear 1 / 0 to 1", "1 / 0", "an end of a linear segment divides by zero, so it has no value", NUMBER_HELP),
])
def test_the_ends_of_a_linear_segment_are_constants_with_a_value(tmp_path, segment, end, message, help):
    # `run` stopped with a TypeError on the first two, and divided by nothing on the third
    role = paid(f"factor by total_score {{ [0, 60): 0  [60, 100): {segment}  [100, ∞): 1 }}")
    line, column = at(role, end)
    assert check(tmp_path, role) == (1, [(line, column, "E232", message, help)])


def test_constant_arithmetic_at_the_ends_of_a_linear_segment_is_fine(tmp_path):
    # linear 0.6 to 1.0 on [60, 100): at a total of 80, half way, the factor is 0.8
    role = paid("factor by total_score { [0, 60): 0  [60, 100): linear 0.5 + 0.1 to 2 * 0.5  [100, ∞): 1 }")
    p = person(run(tmp_path, role, {"deals": "A,2026-03-05,1000,true,80"}, MARCH))
    assert num(p["payout"]["factor"]) == D("0.8")
    assert num(p["payout"]["total"]) == D(800)


def test_a_linear_segment_over_one_point_is_e256(tmp_path):
    # `run` stopped with E515, dividing by the range's zero width
    role = paid("factor by total_score { [0, 60): 0  [60, 60]: linear 0 to 1  (60, ∞): 1 }")
    line, column = at(role, "linear 0 to 1")
    assert check(tmp_path, role) == (1, [
        (line, column, "E256", "a linear segment needs a range wider than one point to interpolate over",
         "give the row two different bounds, or write its factor as a number instead of linear"),
    ])


# ---------------------------------------------------------------- §11.2, §11.3, §12.2: constants with a value


@pytest.mark.parametrize("where, written, what", [
    ("score tiers { [0%, 100%): 1 / 0  [100%, ∞): 100 }", "1 / 0", "a tier's value"),
    ("score lookup { 0%: 0  80%: (1 - 1) / 0 }", "(1 - 1) / 0", "a lookup score"),
])
def test_a_score_without_a_value_is_e232(tmp_path, where, written, what):
    # the tier scored 0 without a word
    role = paid("", score=where)
    line, column = at(role, written)
    assert check(tmp_path, role) == (1, [(line, column, "E232", f"{what} divides by zero, so it has no value",
                                          NUMBER_HELP)])


def test_a_constant_factor_row_without_a_value_is_e232(tmp_path):
    # the row gave the factor 0 without a word; a row that reads total_score is worked out
    # per person (semantics.md §7: no value there gives 0), so it is not refused
    role = paid("factor by total_score { [0, 50): 1 / 0  [50, 60): 100 / (total_score - 50)  [60, ∞): 1 }")
    line, column = at(role, "1 / 0")
    assert check(tmp_path, role) == (1, [(line, column, "E232", "a tier's value divides by zero, so it has no value",
                                          NUMBER_HELP)])


def test_scores_written_as_arithmetic_on_numbers_are_fine(tmp_path):
    # §11.2: 50 + 10 is 60 points; 120 days of 100 is 120% attainment, in [100%, ∞)
    role = paid("", score="score tiers { [0%, 100%): 50 + 10  [100%, ∞): 2 * 50 }")
    p = person(run(tmp_path, role, DEAL, MARCH))
    assert num(kpi(p, "k")["score"]) == D(100)


# ---------------------------------------------------------------- §12.3 and §12.5: cap and rates


def test_a_negative_cap_is_e232(tmp_path):
    # it paid -5.00 whatever was earned
    role = paid("cap -5")
    line, column = at(role, "-5")
    assert check(tmp_path, role) == (1, [
        (line, column, "E232", "the payout cap cannot be negative",
         "write 0 or more: the cap is the most the period pays; money is taken back by a manual adjustment"),
    ])


def test_a_cap_of_zero_pays_nothing(tmp_path):
    p = person(run(tmp_path, paid("cap 0"), DEAL, MARCH))
    assert num(p["payout"]["total"]) == D(0)


def test_a_negative_commission_rate_takes_money_back(tmp_path):
    # §12.5: 1000 CNY incentive (score 100, no factor table: factor 1), then c's 1000 CNY at
    # -1% is a line of -10.00: 990.00 paid
    p = person(run(tmp_path, paid("commission c marginal { [0, ∞): -1% }"), DEAL, MARCH))
    assert p["payout"]["commissions"] == {"c": "-10.00"}
    assert num(p["payout"]["total"]) == D(990)


def test_a_commission_rate_in_money_is_reported_once(tmp_path):
    role = paid("commission c marginal { [0, ∞): 1 CNY }")
    line, column = at(role, "1 CNY")
    # it said "a tier's value" and asked for a number such as 1.0
    assert check(tmp_path, role) == (1, [(line, column, "E232", "a commission rate must be a number, found money (CNY)",
                                          "write the rate as a share of the amount, e.g. 1.5% or 0.015")])


def test_a_commission_rate_without_a_value_is_reported_once(tmp_path):
    role = paid("commission c marginal { [0, ∞): 1 / 0 }")
    line, column = at(role, "1 / 0")
    assert check(tmp_path, role) == (1, [(line, column, "E232", "a commission rate divides by zero, so it has no value",
                                          NUMBER_HELP)])


# ---------------------------------------------------------------- §11.2, §12.2, §12.5: units of bounds (E255)

AMOUNTS_HELP = "write an amount, e.g. [0, 100万) or [0, 100万 CNY)"


def valued(measure: str, table: str) -> str:
    return f"""
role rep {{
  kpi k {{ outcome main  weight 100%  measure {measure}
    score {table}
  }}
}}
"""


RATE = "count(deals where won) / count(deals)"

BOUNDS = [
    # (role, each bound or key in the wrong unit as written, message, help)
    (valued(RATE, "tiers by value { [0, 50): 0  [50, ∞): 100 }"), ["50)", "50, ∞"],
     "the value scored is a percentage: write 50%", "the bounds of a rate are percentages, e.g. [85%, 100%)"),
    (valued(RATE, "lookup by value { 0: 0  50: 100 }"), ["50:"],
     "the value scored is a percentage: write 50%", "the keys of a rate are percentages, e.g. 85%: 100"),
    (valued("count(deals)", "tiers by value { [0, 50%): 0  [50%, ∞): 100 }"), ["50%)", "50%, ∞"],
     "the value scored is a number, not a percentage", "write a number, e.g. [0, 50)"),
    (valued("count(deals)", "lookup by value { 0: 0  50%: 100 }"), ["50%:"],
     "the value scored is a number, not a percentage", "write a number, e.g. 50: 100"),
    (valued("sum(deals.amount)", "tiers by value { [0, 50%): 0  [50%, ∞): 100 }"), ["50%)", "50%, ∞"],
     "the value scored is an amount, not a percentage", AMOUNTS_HELP),
    (valued("sum(deals.amount)", "lookup by value { 0: 0  50%: 100 }"), ["50%:"],
     "the value scored is an amount, not a percentage", "write an amount, e.g. 50万: 100"),
    # a lookup key written as an amount (§11.2) was a syntax error, "unexpected 'CNY'"
    (valued("count(deals)", "lookup by value { 0: 0  50 CNY: 100 }"), ["50 CNY:"],
     "the value scored is a number, not an amount", "write 50 instead of 50 CNY"),
    (valued("avg(days_between(deals.closed_on, deals.closed_on))", "tiers by value { [0, 20d): 100  [20d, ∞): 0 }"),
     ["20d)", "20d, ∞"], "the bounds of a duration are plain numbers of days", "write 20 instead of 20d"),
    (paid("commission c marginal { [0, 50%): 1%  [50%, ∞): 2% }"), ["50%)", "50%, ∞"],
     "a commission's ranges are amounts, not percentages", AMOUNTS_HELP),
    (paid("factor by total_score { [0, 60 CNY): 0  [60 CNY, ∞): 1 }"), ["60 CNY)", "60 CNY, ∞"],
     "total_score is in points (0 to 100 and above), not an amount", "write 60 instead of 60 CNY"),
]


@pytest.mark.parametrize("role, written, message, help", BOUNDS, ids=[b[2] + " " + b[1][0] for b in BOUNDS])
def test_a_bound_in_the_wrong_unit_is_e255_at_each_bound(tmp_path, role, written, message, help):
    # each was read as it is: 50 as 5000%, 50% as 0.5 CNY or 0.5 deals, 60 CNY as 60 points;
    # the duration's 20d was E303, "20 d is not in the scheme's currency (CNY)"
    assert check(tmp_path, role) == (1, [(*at(role, text), "E255", message, help) for text in written])


@pytest.mark.parametrize("role", [
    valued(RATE, "tiers by value { [0, 0.5): 0  [0.5, 1): 50  [1, ∞): 100 }"),   # fractions: 50%, 100%
    valued(RATE, "tiers by value { [0%, 50%): 0  [50%, ∞): 100 }"),
    valued("count(deals)", "tiers by value { [0, 50): 0  [50, ∞): 100 }"),
    valued("avg(days_between(deals.closed_on, deals.closed_on))", "tiers by value { [0, 20): 100  [20, ∞): 0 }"),
    paid("commission c marginal { [0, 50万): 1%  [50万 CNY, ∞): 2% }"),
    valued("sum(deals.amount)", "lookup by value { 0 CNY: 0  50万 CNY: 50  100万: 100 }"),
])
def test_bounds_in_the_tables_unit_are_fine(tmp_path, role):
    assert check(tmp_path, role) == (0, [])


def test_an_attainment_key_in_the_wrong_unit_is_told_how_a_key_is_written(tmp_path):
    role = valued("count(deals)", "lookup { 0: 0  80: 60 }").replace("measure count(deals)",
                                                                     "measure count(deals)  target >= 10")
    line, column = at(role, "80:")
    assert check(tmp_path, role) == (1, [
        (line, column, "E255", "attainment is a percentage: write 80%", "attainment keys are written as percentages, e.g. 80%: 60; to score the value itself, write `lookup by value`"),
    ])


# ---------------------------------------------------------------- the shipped schemes still check


@pytest.mark.parametrize("folder", ["rulesets", "examples/adventureworks", "examples/maven-crm", "examples/northwind"])
def test_the_shipped_schemes_pass_check(folder):
    root = Path(__file__).resolve().parent.parent / folder
    result = CliRunner().invoke(cli, ["check", str(root)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("payout, written, message", [
    # each passed check and lint, and turned payouts into deductions (-2,965.50) at run time,
    # while `cap -1` was refused
    ("target_incentive -3000 CNY", "-3000 CNY", "the target incentive cannot be negative"),
    ("cap factor -1", "-1", "the cap factor cannot be negative"),
    ("gate k.attainment >= 80% else multiply -1", "-1", "the gate's factor cannot be negative"),
    ("gate k.attainment >= 80% else cap factor -0.5", "-0.5", "the gate's factor cannot be negative"),
])
def test_a_negative_incentive_or_factor_is_e232(tmp_path, payout, written, message):
    role = f"""
role rep {{
  kpi k {{ outcome main  weight 100%  measure count(deals)  target >= 10 }}
  payout {{
    {"target_incentive 3000 CNY" if "target_incentive" not in payout else ""}
    factor by total_score {{ [0, ∞): 1 }}
    {payout}
  }}
}}
"""
    line, column = at(role, written)
    assert check(tmp_path, role) == (1, [(line, column, "E232", message,
                                          "write 0 or more: a negative one turns every payout into a deduction; "
                                          "money is taken back by a manual adjustment")])


@pytest.mark.parametrize("body, written", [
    # each passed check: the target, the gate and the condition had no value at every run
    ("measure count(deals)  target >= 200 / 0", "200 / 0"),
    ("measure count(deals) / 0  target >= 1", "count(deals) / 0"),
    ("measure count(deals)  target >= 5  target >= 10 when person.tenure_months < 3 / 0", "3 / 0"),
])
def test_a_division_by_a_constant_zero_is_e232(tmp_path, body, written):
    role = f"""
role rep {{
  kpi k {{ outcome main  weight 100%  {body} }}
}}
"""
    line, column = at(role, written)
    assert check(tmp_path, role) == (1, [(line, column, "E232", f"{written} divides by zero, so it has no value",
                                          "divide by a number other than 0")])
