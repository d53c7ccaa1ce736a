"""docs/semantics.md §2 (KPI values), §4 (attainment) and §5 (scores) worked by hand on the real CLI.

Every expected number below is worked from the documentation only; tests/docs_worked_kit.py
writes the scheme, the CSV files and kpirules.toml and runs `kpirules run --format json`.
"""

from __future__ import annotations

import pytest

from docs_worked_kit import D, HEADER, explain, kpi, num, person, run

MARCH = "2026-03"


def one_kpi(body: str, extra: str = "") -> str:
    """A role with one main KPI written as `body` (weight 100%)."""
    return f"""
role rep {{ applies_to person.role == "rep"
  {extra}
  kpi k {{ outcome main  weight 100%  {body} }}
}}
"""


def result_of(tmp_path, body: str, data: dict[str, str], extra: str = "", header: str = HEADER) -> dict:
    return kpi(person(run(tmp_path, one_kpi(body, extra), data, MARCH, header)), "k")


# ------------------------------------------------------------------ §2 aggregates over no rows

@pytest.mark.parametrize(("measure", "value"), [
    ("count(deals)", D(0)),
    ("count(deals.amount)", D(0)),
    ("count_distinct(deals.amount)", D(0)),
    ("sum(deals.amount)", D(0)),
])
def test_counts_and_sums_over_no_rows_are_zero(tmp_path, measure, value):
    # semantics §2 table "over no rows": 0, a value, so the KPI is scored: 0 / 10 -> score 0
    # (a deal on 28 February is outside March; the call on 31 March makes the data reach March,
    # since a period after the latest date in the data is refused, E503)
    data = {"deals": "A,2026-02-28,5,true,1", "calls": "A,2026-03-31 10:00:00"}
    k = result_of(tmp_path, f"measure {measure}  target >= 10", data)
    assert (k["status"], num(k["value"]), num(k["score"])) == ("ok", value, 0)


@pytest.mark.parametrize("measure", [
    "avg(deals.amount)", "min(deals.amount)", "max(deals.amount)", "median(deals.amount)",
    "count(deals where won) / count(deals)",
    "avg(deals.days) + count(deals)",  # arithmetic with a missing operand has no value
])
def test_averages_extremes_and_rates_over_no_rows_have_no_value(tmp_path, measure):
    # semantics §2: no value -> status no_data, scored with the no_data score (default 0)
    k = result_of(tmp_path, f"measure {measure}  target >= 10", {})
    assert (k["status"], k["value"], num(k["score"])) == ("no_data", None, 0)
    assert num(k["contribution"]) == 0


def test_a_zero_denominator_has_no_value(tmp_path):
    # semantics §2 "Division by zero has no value": two deals, none above 100 CNY
    deals = "A,2026-03-02,5,true,1\nA,2026-03-03,-5,false,1"
    body = "measure count(deals where won) / count(deals where amount > 100)  target >= 10"
    k = result_of(tmp_path, body, {"deals": deals})
    assert (k["status"], k["value"]) == ("no_data", None)


DEALS_WITH_GAPS = """
A,2026-03-02,10,true,1
A,2026-03-03,,false,1
A,2026-03-04,40,,1
A,2026-03-05,10,true,1
A,2026-03-06,20,,1
"""


@pytest.mark.parametrize(("measure", "value"), [
    ("count(deals)", D(5)),                   # rows
    ("count(deals.amount)", D(4)),            # the empty amount is not counted
    ("count_distinct(deals.amount)", D(3)),   # 10, 40, 20
    ("sum(deals.amount)", D(80)),             # 10 + 40 + 10 + 20
    ("avg(deals.amount)", D(20)),             # 80 / 4 present values
    ("min(deals.amount)", D(10)),
    ("max(deals.amount)", D(40)),
    ("count(deals where won)", D(2)),         # the two empty `won` cells are kept by neither
    ("count(deals where not won)", D(1)),     # ... `where won` nor `where not won`
])
def test_missing_values_in_a_column(tmp_path, measure, value):
    k = result_of(tmp_path, f"measure {measure}  target >= 1", {"deals": DEALS_WITH_GAPS})
    assert num(k["value"]) == value


def test_the_median_of_an_even_number_of_values_is_the_mean_of_the_middle_two(tmp_path):
    # language.md §9.1 "the middle value": 10, 10, 20, 40 -> (10 + 20) / 2 = 15
    k = result_of(tmp_path, "measure median(deals.amount)  target >= 1", {"deals": DEALS_WITH_GAPS})
    assert num(k["value"]) == 15


def test_a_rate_is_an_exact_decimal_rounded_half_up_to_six_places(tmp_path):
    # semantics §8: 1 / 3 won = 0.333333 (half-up at 6 places); 2 / 3 = 0.666667
    deals = "A,2026-03-02,1,true,1\nA,2026-03-03,1,false,1\nA,2026-03-04,1,true,1"
    k = result_of(tmp_path, "measure count(deals where not won) / count(deals)  target >= 50%", {"deals": deals})
    assert num(k["value"]) == D("0.333333")
    k = result_of(tmp_path / "b", "measure count(deals where won) / count(deals)  target >= 50%", {"deals": deals})
    assert num(k["value"]) == D("0.666667")
    # attainment 0.666667 / 0.5 = 1.333334, capped at 100% -> score 100
    assert num(k["attainment"]) == D("1.333334")


# ------------------------------------------------------------------------ §2 no_data scores

NO_DATA_ROLES = """
role rep { applies_to person.role == "rep"
  no_data score 20
  kpi own { outcome main  weight 50%  measure avg(deals.amount)  target >= 1  no_data score 30 }
  kpi role_default { outcome main  weight 50%  measure avg(deals.amount)  target >= 1 }
}
role other { applies_to person.role == "other"
  kpi scheme_default { outcome main  weight 40%  measure avg(deals.amount)  target >= 1 }
  kpi negative { outcome main  weight 60%  measure avg(deals.amount)  target >= 1  no_data score -10 }
}
"""


def test_no_data_scores_kpi_then_role_then_scheme_and_they_count_in_the_total(tmp_path):
    header = HEADER.replace("currency CNY", "currency CNY  no_data score 10")
    people = "A,rep,,2020-01-01,,,\nB,other,,2020-01-01,,,"
    result = run(tmp_path, NO_DATA_ROLES, {"people": people}, MARCH, header)
    a, b = person(result, "A"), person(result, "B")
    assert [(k["status"], num(k["score"])) for k in a["kpis"]] == [("no_data", 30), ("no_data", 20)]
    assert [num(k["score"]) for k in b["kpis"]] == [10, -10]
    # A: 50% x 30 + 50% x 20 = 25; B: 40% x 10 + 60% x -10 = 4 - 6 = -2
    assert (num(a["total_score"]), num(b["total_score"])) == (25, -2)


def test_a_missing_target_makes_an_attainment_curve_no_data_but_not_a_by_value_curve(tmp_path):
    # semantics §2 "No value" and §3 step 4: no target applies (the only line has a `when`)
    role = """
role rep { applies_to person.role == "rep"
  kpi by_attainment { process main  weight 50%  measure count(calls)  target >= 5 when person.level == "x" }
  kpi by_value { process main  weight 50%  measure count(calls)
    score tiers by value { [0, 2): 10  [2, ∞): 90 } }
  kpi side { process auxiliary  measure count(calls) }
}
"""
    p = person(run(tmp_path, role, {"calls": "A,2026-03-02 10:00:00\nA,2026-03-03 10:00:00"}, MARCH))
    assert (kpi(p, "by_attainment")["status"], kpi(p, "by_attainment")["target"]) == ("no_data", None)
    assert num(kpi(p, "by_attainment")["value"]) == 2
    assert (kpi(p, "by_value")["status"], num(kpi(p, "by_value")["score"])) == ("ok", 90)
    # an auxiliary KPI with a value and no target: its value, no score, no contribution
    side = kpi(p, "side")
    assert (num(side["value"]), side["score"], side["contribution"]) == (2, None, None)
    assert num(p["total_score"]) == 45  # 50% x 0 + 50% x 90


# ------------------------------------------------------------------------------ §4 attainment

def calls(n: int) -> str:
    return "A,2026-03-02 10:00:00\n" * n


def sum_of(amount: str) -> dict[str, str]:
    return {"deals": f"A,2026-03-02,{amount},true,1"}


@pytest.mark.parametrize(("target", "amount", "attainment"), [
    (">= 7", "3", D("0.428571")),      # 3 / 7 = 0.4285714... -> 0.428571
    (">= 0", "0", D(1)),               # target <= 0: 100% when value >= target
    (">= 0", "-5", D(0)),              # ... else 0%
    (">= -10", "-5", D(1)),
    (">= -10", "-20", D(0)),
    ("<= 45", "50", D("0.9")),         # target / value = 45 / 50
    ("<= 45", "0", "Infinity"),        # value <= 0, target >= 0: unbounded
    ("<= 0", "0", "Infinity"),
    ("<= 45", "-3", "Infinity"),
    ("<= 0", "5", D(0)),               # target <= 0 and value > 0: 0%
    ("<= -1", "5", D(0)),
    ("<= -1", "0", D(0)),              # target < 0 and value <= 0: 0%
    ("<= -1", "-2", D(0)),
])
def test_attainment_by_direction(tmp_path, target, amount, attainment):
    # semantics §4 table; JSON writes an unbounded attainment as "Infinity" (semantics §8)
    k = result_of(tmp_path, f"measure sum(deals.amount)  target {target}", sum_of(amount))
    got = k["attainment"] if attainment == "Infinity" else num(k["attainment"])
    assert got == attainment


def test_exactly_on_target_is_exactly_100_percent(tmp_path):
    k = result_of(tmp_path, "measure count(deals where won) / count(deals)  target >= 15%  score pass_fail",
                  {"deals": "A,2026-03-02,1,true,1" + "\nA,2026-03-02,1,false,1" * 19})
    # 3 of 20 would be 15%; here 1 of 20 = 5%: fail. The 15%-exact case is below.
    assert num(k["score"]) == 0
    deals = "A,2026-03-02,1,true,1\n" * 3 + "A,2026-03-02,1,false,1\n" * 17
    k = result_of(tmp_path / "b", "measure count(deals where won) / count(deals)  target >= 15%  score pass_fail",
                  {"deals": deals})
    assert (num(k["attainment"]), num(k["score"])) == (1, 100)


def test_the_unbounded_attainment_scores_the_curves_best(tmp_path):
    # semantics §4: scored as the curve's best: linear cap 120% -> 120; the default cap -> 100;
    # tiers and lookup: the last, open-ended row (§5)
    cases = {
        "score linear cap 120%": 120,
        "": 100,
        "score tiers { [0%, 50%): 1  [50%, 100%): 2  [100%, ∞): 3 }": 3,
        "score lookup { 0%: 5  100%: 7 }": 7,
        "score pass_fail": 100,
    }
    for n, (curve, score) in enumerate(cases.items()):
        k = result_of(tmp_path / str(n), f"measure sum(deals.amount)  target <= 45  {curve}", sum_of("0"))
        assert num(k["score"]) == score, curve


# ---------------------------------------------------- §4/§5 the comparison precision at edges

EDGE_CURVES = {
    "score linear floor 80%": (D(80), D(0)),
    "score tiers { [0%, 80%): 0  [80%, 100%): 60  [100%, ∞): 100 }": (D(60), D(0)),
    "score lookup { 0%: 0  80%: 60  100%: 100 }": (D(60), D(0)),
}


@pytest.mark.parametrize("curve", EDGE_CURVES)
def test_attainment_is_rounded_to_six_places_before_it_meets_a_floor_or_tier_edge(tmp_path, curve):
    # semantics §4: attainment rounded half-up to 6 places, then compared.
    # 7,999,995 / 10,000,000 = 0.7999995 -> 0.800000: on the 80% edge (the row it starts);
    # 7,999,994 / 10,000,000 = 0.7999994 -> 0.799999: below it.
    at_edge, below = EDGE_CURVES[curve]
    k = result_of(tmp_path / "at", f"measure sum(deals.amount)  target >= 10000000  {curve}", sum_of("7999995"))
    assert (num(k["attainment"]), num(k["score"])) == (D("0.8"), at_edge)
    k = result_of(tmp_path / "below", f"measure sum(deals.amount)  target >= 10000000  {curve}", sum_of("7999994"))
    assert (num(k["attainment"]), num(k["score"])) == (D("0.799999"), below)


def test_pass_fail_at_the_comparison_precision(tmp_path):
    # 9,999,995 / 10,000,000 = 0.9999995 -> 1.000000: passes; 9,999,994 -> 0.999999: fails
    curve = "score pass_fail"
    k = result_of(tmp_path / "at", f"measure sum(deals.amount)  target >= 10000000  {curve}", sum_of("9999995"))
    assert num(k["score"]) == 100
    k = result_of(tmp_path / "below", f"measure sum(deals.amount)  target >= 10000000  {curve}", sum_of("9999994"))
    assert num(k["score"]) == 0


@pytest.mark.parametrize(("amount", "score"), [
    ("8499995", D(100)),   # value 0.8499995 -> 0.850000: in [85%, 100%)
    ("8499994", D(70)),    # value 0.849999: in [70%, 85%)
    ("10000000", D(110)),  # exactly 100%: [100%, ∞)
    ("6999999", D(70)),   # value 0.6999999 -> 0.700000: in [70%, 85%)
    ("6999994", D(0)),    # value 0.699999: in [0%, 70%)
])
def test_tiers_by_value_read_the_value_at_six_places(tmp_path, amount, score):
    # language.md §11.2 `by value` (the renewal example's tiers); semantics §8: the value is
    # rounded half-up to 6 places where it is computed
    body = ("measure sum(deals.amount where won) / sum(deals.amount)  target >= 85%  "
            "score tiers by value { [100%, ∞): 110  [0%, 70%): 0  [70%, 85%): 70  [85%, 100%): 100 }")
    rest = 10000000 - int(amount)
    deals = f"A,2026-03-02,{amount},true,1\nA,2026-03-02,{rest},false,1"
    k = result_of(tmp_path, body, {"deals": deals})
    assert num(k["score"]) == score


def test_tiers_by_value_on_a_count_with_exclusive_and_inclusive_edges(tmp_path):
    body = "measure count(calls)  score tiers by value { [0, 5]: 10  (5, 8): 20  [8, ∞): 30 }"
    got = [num(result_of(tmp_path / str(n), body, {"calls": calls(n)})["score"]) for n in (5, 6, 8)]
    assert got == [10, 20, 30]  # 5 is in [0, 5]; 6 in (5, 8); 8 in [8, ∞)


# ------------------------------------------------------------------------------- §5 curves

@pytest.mark.parametrize(("n", "curve", "score"), [
    (7, "score linear floor 50% cap 120%", D(70)),
    (4, "score linear floor 50% cap 120%", D(0)),     # 40% < floor 50% -> 0
    (5, "score linear floor 50% cap 120%", D(50)),    # exactly at the floor: it jumps to 50
    (15, "score linear floor 50% cap 120%", D(120)),  # 150% -> cap 120% -> 120
    (15, "", D(100)),                                 # no score line: linear floor 0% cap 100%
    (15, "score linear floor 60%", D(100)),           # the cap not written is 100%
    (3, "score linear cap 120%", D(30)),              # the floor not written is 0%
    (7, "score lookup { 50%: 10  100%: 100 }", D(10)),
    (4, "score lookup { 50%: 10  100%: 100 }", D(0)),  # below the first key: 0
    (10, "score lookup { 0%: 0  80%: 60  100%: 100 }", D(100)),
    (9, "score pass_fail", D(0)),
    (10, "score pass_fail", D(100)),
])
def test_curves(tmp_path, n, curve, score):
    # semantics §5 table; target 10 calls, so n calls is n x 10% attainment
    k = result_of(tmp_path, f"measure count(calls)  target >= 10  {curve}", {"calls": calls(n)})
    assert num(k["score"]) == score


def test_a_linear_score_is_rounded_to_six_places(tmp_path):
    # 3 / 7 = 0.428571 (attainment at 6 places) -> score 100 x 0.428571 = 42.8571
    k = result_of(tmp_path, "measure count(calls)  target >= 7", {"calls": calls(3)})
    assert num(k["score"]) == D("42.8571")


def test_a_negative_attainment_is_read_as_zero_by_tiers(tmp_path):
    # semantics §5: with tiers by attainment, an attainment below 0 is read as 0: -5 / 10 = -50%
    # falls in [0%, 50%), not in [-∞, 0%)
    body = "measure sum(deals.amount)  target >= 10  score tiers { [-∞, 0%): 3  [0%, 50%): 7  [50%, ∞): 9 }"
    k = result_of(tmp_path, body, sum_of("-5"))
    assert (num(k["attainment"]), num(k["score"])) == (D("-0.5"), 7)
    assert k["score_rule"] == "attainment -50% (read as 0%) is in [0%, 50%): score 7"
    # linear: -50% is below the default floor 0%: score 0
    k = result_of(tmp_path / "lin", "measure sum(deals.amount)  target >= 10", sum_of("-5"))
    assert num(k["score"]) == 0


def test_a_quantity_over_a_constant_keeps_its_kind(tmp_path):
    # language.md §10 and §9.1: `sum(deals.days) / 60` is a number (in the KPI's unit), not a
    # percentage: explain showed "value: 60000%" and "target: >= 60000%" for 600 and 600,
    # and a `score ... by value` row of 600 had to be written 600%.
    # A's days: 24000 + 12000 = 36000; / 60 = 600, on the target of 600: 100%, score 100
    role = """
role rep "Rep" { applies_to person.role == "rep"
  kpi talk "Talk time" { process main  weight 100%  unit "分钟"
    measure sum(deals.days) / 60  target >= 600
    score tiers by value { [0, 600): 0  [600, ∞): 100 } }
  kpi share "Won share" { process auxiliary  measure count(deals where won) / count(deals) }
}
"""
    data = {"deals": "A,2026-03-02,1,true,24000\nA,2026-03-03,1,false,12000"}
    talk = kpi(person(run(tmp_path, role, data, "2026-03")), "talk")
    assert (talk["value_type"], num(talk["value"]), num(talk["target"]), num(talk["score"])) == (
        "number", D(600), D(600), D(100))
    share = kpi(person(run(tmp_path, role, data, "2026-03")), "share")
    assert (share["value_type"], num(share["value"])) == ("percent", D("0.5"))  # 1 of 2: still a share
    text = explain(tmp_path, "A", "2026-03")
    assert "  value: 36000 / 60 = 600 分钟" in text and "  target: >= 600 分钟" in text
