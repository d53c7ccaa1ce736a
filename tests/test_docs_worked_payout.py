"""docs/semantics.md §7 (payout) and language.md §3 / §12 (rounding, payout statements) worked by hand.

Every expected number below is worked from the documentation only; tests/docs_worked_kit.py
writes the scheme, the CSV files and kpirules.toml and runs `kpirules run --format json`.
The role's KPI is a call count with target 100 and `cap 300%`, so n calls score exactly n
points and the total score is n: each test picks the total it needs with the number of calls.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from docs_worked_kit import D, HEADER, num, person, project, run
from kpirules.cli import cli

MARCH = "2026-03"


def calls(n: int) -> str:
    return "A,2026-03-20 10:00:00\n" * n


def role(payout: str, extra_kpis: str = "") -> str:
    return f"""
role rep {{ applies_to person.role == "rep"
  kpi calls {{ process main  weight 100%  measure count(calls)  target >= 100  score linear cap 300% }}
  kpi amount {{ outcome auxiliary  measure sum(deals.amount)  target >= 1 }}
  kpi rate {{ outcome auxiliary  measure count(deals where won) / count(deals)  target >= 1% }}
  {extra_kpis}
  payout {{
    {payout}
  }}
}}
"""


def pay(tmp_path, payout: str, total: int, data: dict[str, str] | None = None, extra_kpis: str = "",
        header: str = HEADER) -> dict:
    """The payout of person A with total score `total` (that many calls)."""
    p = person(run(tmp_path, role(payout, extra_kpis), {"calls": calls(total), **(data or {})}, MARCH, header))
    assert num(p["total_score"]) == total
    return p["payout"]


def deals(*amounts: str) -> dict[str, str]:
    return {"deals": "\n".join(f"A,2026-03-05,{a},true,1" for a in amounts)}


# ------------------------------------------------------------------ 1. target incentive

def test_the_target_incentive_from_a_person_attribute_and_a_missing_one(tmp_path):
    # semantics §7.1: the attribute named; a missing value counts as 0. No factor table:
    # factor = total / 100 = 0.8; A: 2500 x 0.8 = 2000.00; B: 0
    people = "A,rep,,2020-01-01,,,2500\nB,rep,,2020-01-01,,,"
    data = {"people": people, "calls": calls(80) + "B,2026-03-20 10:00:00\n" * 80}
    result = run(tmp_path, role("target_incentive person.target_incentive"), data, MARCH)
    a, b = (person(result, who)["payout"] for who in "AB")
    assert (num(a["factor"]), num(a["total"])) == (D("0.8"), D("2000.00"))
    assert num(b["total"]) == 0


# ----------------------------------------------------------------- 2. and 3. the factor

FACTORS = """
    target_incentive 1000 CNY
    factor by total_score {
      [0, 60): 0
      [60, 100): linear 0.6 to 1.0
      [100, ∞): 1.0 + 1.5 * (total_score - 100) / 100
    }
"""


@pytest.mark.parametrize(("total", "factor"), [
    (59, D(0)),
    (60, D("0.6")),            # the lower bound of the linear row: A
    (89, D("0.89")),           # 0.6 + 0.4 x 29 / 40 = 0.89
    (99, D("0.99")),
    (100, D(1)),               # 100 is in [100, ∞): 1.0 + 1.5 x 0 = 1.0
    (150, D("1.75")),          # 1.0 + 1.5 x 50 / 100
])
def test_factor_rows_at_their_edges(tmp_path, total, factor):
    got = pay(tmp_path, FACTORS, total)
    assert num(got["factor"]) == factor
    assert num(got["total"]) == (1000 * factor).quantize(D("0.01"))


def test_the_factor_is_rounded_to_six_places_before_the_incentive(tmp_path):
    # semantics §7.2: total 100 / 300 = 0.333333 (6 places); 30,000 x 0.333333 = 9,999.99
    # (an unrounded factor would pay 10,000.00)
    got = pay(tmp_path, "target_incentive 30000 CNY  factor by total_score { [0, ∞): total_score / 300 }", 100)
    assert (num(got["factor"]), num(got["total"])) == (D("0.333333"), D("9999.99"))


def test_cap_factor(tmp_path):
    # semantics §7.3: 150 -> 1.75, capped at 1.2: 1000 x 1.2 = 1200.00
    got = pay(tmp_path, FACTORS + "cap factor 1.2", 150)
    assert (num(got["factor"]), num(got["total"])) == (D("1.2"), D("1200.00"))
    got = pay(tmp_path / "pct", FACTORS + "cap factor 120%", 150)
    assert num(got["factor"]) == D("1.2")


def test_a_negative_total_without_a_factor_table_gives_a_negative_incentive(tmp_path):
    # semantics §7.2: factor = total / 100, not floored. A no-data score of -10 makes the total
    # -10: factor -0.1 and 1000 x -0.1 = -100.00. A `[-∞, 0): 0` factor row pays 0 instead.
    extra = "kpi nothing { outcome main  weight 100%  measure avg(deals.days)  target >= 1  no_data score -10 }"
    text = role("target_incentive 1000 CNY", extra).replace("weight 100%  measure count(calls)",
                                                               "weight 0%  measure count(calls)")
    data = {"calls": calls(1)}
    p = person(run(tmp_path / "a", text, data, MARCH))
    assert (num(p["total_score"]), num(p["payout"]["total"])) == (-10, D("-100.00"))
    floored = text.replace("target_incentive 1000 CNY",
                           "target_incentive 1000 CNY  factor by total_score { [-∞, 0): 0  [0, ∞): total_score / 100 }")
    p = person(run(tmp_path / "b", floored, data, MARCH))
    assert num(p["payout"]["total"]) == 0

    # §7.2: a total that no row contains gets the factor 0 (the table starts at 0, the total
    # is -10): 0, not the -0.1 of "no factor table" nor the 0.1 of the nearest row
    from_zero = text.replace("target_incentive 1000 CNY",
                             "target_incentive 1000 CNY  factor by total_score { [0, 60): 0.1  [60, ∞): 1 }")
    p = person(run(tmp_path / "c", from_zero, data, MARCH))
    assert (num(p["payout"]["factor"]), num(p["payout"]["total"])) == (0, 0)


# ------------------------------------------------------------------------------ 4. gates

@pytest.mark.parametrize(("gates", "factor"), [
    ("gate calls.value >= 80 else zero", D("0.8")),
    ("gate calls.attainment >= 90% else cap factor 0.5", D("0.5")),
    ("gate calls.score >= 90 else multiply 0.5", D("0.4")),
    ("gate calls.target >= 100 else zero", D("0.8")),
    ("gate total_score > 80 else multiply 0.5", D("0.4")),
    ("gate person.level == \"senior\" else multiply 0.5", D("0.4")),  # A has no level: not equal
    # written order: cap 0.5 then multiply 0.5 = 0.25 (multiply first would give 0.4, then 0.4)
    ("gate total_score > 90 else cap factor 0.5\n    gate total_score > 90 else multiply 0.5", D("0.25")),
    ("gate total_score > 90 else multiply 0.5\n    gate total_score > 90 else cap factor 0.5", D("0.4")),
])
def test_gates(tmp_path, gates, factor):
    # semantics §7.4; total 80, no factor table: factor 0.8 before the gates
    got = pay(tmp_path, f"target_incentive 1000 CNY\n    {gates}", 80)
    assert num(got["factor"]) == factor
    assert num(got["total"]) == (1000 * factor).quantize(D("0.01"))


def test_else_zero_pays_nothing(tmp_path):
    got = pay(tmp_path, "target_incentive 1000 CNY\n    gate calls.value >= 150 else zero", 80)
    assert (got["zeroed_by_gate"], num(got["incentive"]), num(got["total"])) == (True, 0, 0)


def test_cap_factor_applies_before_the_gates(tmp_path):
    # semantics §7 order: factor 1.75 (total 150), cap factor 1.2, then multiply 0.5 -> 0.6
    # (the other order would give 0.875)
    got = pay(tmp_path, FACTORS + "cap factor 1.2\n    gate total_score > 200 else multiply 0.5", 150)
    assert num(got["factor"]) == D("0.6")


@pytest.mark.parametrize(("gate", "total"), [
    ("gate rate.value >= 50% else zero", D(0)),                    # no value: fails
    ("gate rate.value >= 50% else zero no_data fail", D(0)),
    ("gate rate.value >= 50% else zero no_data pass", D("800.00")),
    ("gate rate.attainment >= 50% else multiply 0.5", D("400.00")),
])
def test_a_gate_on_a_kpi_without_a_value(tmp_path, gate, total):
    # semantics §7.4: `rate` has no deals, so no value (no_data): the gate fails unless
    # `no_data pass`. Total 80: 1000 x 0.8 = 800.00
    got = pay(tmp_path, f"target_incentive 1000 CNY\n    {gate}", 80)
    assert num(got["total"]) == total


def test_else_zero_zeroes_incentive_and_commissions_but_not_adjustments(tmp_path):
    # semantics §7.4: `else zero` makes incentive and commissions 0; §7.8 adjustments come after
    payout = """target_incentive 1000 CNY
    commission amount retroactive { [0, ∞): 10% }
    gate total_score >= 90 else zero"""
    data = {**deals("500"), "corrections": "A,2026-03,12.345,late deal"}
    got = pay(tmp_path, payout, 80, data)
    assert (num(got["incentive"]), [num(v) for v in got["commissions"].values()]) == (0, [0])
    assert got["zeroed_by_gate"] is True
    # the adjustment 12.345 rounds half-up to 12.35 and is still paid
    assert num(got["total"]) == D("12.35")


# ------------------------------------------------------------------ 5. incentive, proration

def test_the_incentive_is_prorated_with_one_division_then_rounded(tmp_path):
    # semantics §7.5, its example: 7.0525 x 1 x 22 / 31 = 5.005 exactly -> half_up 5.01
    # (the rounded proration 0.709677 would give 7.0525 x 0.709677 = 5.004997 -> 5.00).
    # Hired 10 March: active 22 of 31 days. A factor row of 1 keeps the factor at 1 whatever
    # the (prorated-target) total is.
    payout = "target_incentive 7.0525 CNY  factor by total_score { [0, ∞): 1 }"
    data = {"people": "A,rep,,2026-03-10,,,", "calls": calls(80)}
    p = person(run(tmp_path, role(payout), data, MARCH))
    assert (p["active_days"], p["period_days"], num(p["proration"])) == (22, 31, D("0.709677"))
    assert num(p["payout"]["incentive"]) == D("5.01")


def test_proration_off_pays_the_whole_incentive(tmp_path):
    payout = "target_incentive 7.0525 CNY  factor by total_score { [0, ∞): 1 }  proration off"
    data = {"people": "A,rep,,2026-03-10,,,", "calls": calls(80)}
    p = person(run(tmp_path, role(payout), data, MARCH))
    assert num(p["payout"]["incentive"]) == D("7.05")  # 7.0525 -> 7.05
    # semantics §7.5: the proration shown is the one applied, 1 (A was active 22 of 31 days)
    assert (p["active_days"], p["period_days"], num(p["proration"])) == (22, 31, 1)


def test_a_factor_row_without_a_value_there_gives_factor_0_and_says_so(tmp_path):
    # semantics §7.2: 100 calls, total 100; the row's 10 / (total_score - 100) divides by 0:
    # no value, factor 0, incentive 0.00
    got = pay(tmp_path, "target_incentive 1000 CNY\n    factor by total_score { [0, ∞): 10 / (total_score - 100) }", 100)
    assert (num(got["factor"]), num(got["total"])) == (0, 0)
    factor = next(s["description"] for s in got["steps"] if s["step"] == "factor")
    assert factor == ("total score 100 is in [0, ∞): factor = 10 / (100 − 100), which has no value "
                      "(a division by zero): factor 0")


# ---------------------------------------------------------------------------- 6. commissions

TABLE = "{ [0, 100万): 0.5%  [100万, 300万): 1%  [300万, ∞): 1.5% }"


@pytest.mark.parametrize(("amount", "marginal", "retroactive"), [
    ("2000000", D("15000.00"), D("20000.00")),     # language.md §12.5's example
    ("1000000", D("5000.00"), D("10000.00")),      # at the edge: 100万 is in [100万, 300万)
    ("999999.99", D("5000.00"), D("5000.00")),     # 4,999.99995 -> 5,000.00
    ("3000000", D("25000.00"), D("45000.00")),     # 5,000 + 200万 x 1% ; 300万 x 1.5%
    ("12345.67", D("61.73"), D("61.73")),          # 61.72835 -> 61.73
    ("-5000", D("0.00"), D("0.00")),               # a negative value pays nothing
])
def test_marginal_and_retroactive_commissions(tmp_path, amount, marginal, retroactive):
    payout = f"commission amount marginal {TABLE}"
    got = pay(tmp_path / "m", payout, 0, deals(amount))
    assert [num(v) for v in got["commissions"].values()] == [marginal]
    assert num(got["total"]) == marginal
    got = pay(tmp_path / "r", f"commission amount retroactive {TABLE}", 0, deals(amount))
    assert [num(v) for v in got["commissions"].values()] == [retroactive]


def test_a_negative_commission_value_is_said_to_count_as_zero(tmp_path):
    # semantics §7.6: a negative value pays nothing; the step says why (not "nothing above
    # the first tier", nor "0 is in [0, 100万)" as if 0 were the value)
    def line(mode):
        got = pay(tmp_path / mode, f"commission amount {mode} {TABLE}", 0, deals("-5000"))
        return next(s["description"] for s in got["steps"] if s["step"] == "commission")
    assert line("marginal") == "commission on amount (-5000): marginal: a value below 0 counts as 0: nothing to pay = 0.00 CNY"
    assert line("retroactive") == ("commission on amount (-5000): retroactive: a value below 0 counts as 0: 0 is in "
                                   "[0, 1000000), so 0.5% applies to all of it = 0.00 CNY")


@pytest.mark.parametrize(("amount", "paid"), [
    ("70", D("0.70")),      # 70 x 1%: no part of 70 is in [-100, 0)
    ("0", D("0.00")),
    ("-50", D("0.00")),     # a negative value pays nothing
    ("250.5", D("2.51")),   # 2.505 -> 2.51
])
def test_a_marginal_row_reaching_below_zero_holds_only_its_part_from_zero(tmp_path, amount, paid):
    # language.md §12.5: only the part of the value at or above 0 is in any row
    got = pay(tmp_path, "commission amount marginal { [-100, 0): 10%  [0, ∞): 1% }", 0, deals(amount))
    assert got["commissions"] == {"amount": str(paid)}
    assert num(got["total"]) == paid


def test_two_commissions_on_one_kpi_are_two_lines_summed_per_kpi(tmp_path):
    # language.md §12.5: value 150; marginal 100 x 1% + 50 x 2% = 2.00; retroactive 150 x 2% = 3.00;
    # the output's commissions: amount 2.00 + 3.00 = 5.00, and the payout is 5.00
    table = "{ [0, 100]: 1%  (100, ∞): 2% }"
    got = pay(tmp_path, f"commission amount marginal {table}  commission amount retroactive {table}", 0,
              deals("150"))
    assert got["commissions"] == {"amount": "5.00"}
    assert num(got["total"]) == D("5.00")
    lines = [step["description"] for step in got["steps"] if step["step"] == "commission"]
    assert len(lines) == 2 and lines[0].endswith("= 2.00 CNY") and lines[1].endswith("= 3.00 CNY"), lines


def test_a_commission_on_a_quarterly_kpi_is_paid_in_the_closing_run(tmp_path):
    # semantics §7.6: in the run that closes the KPI's period, on the whole quarter
    extra = "kpi quarter { outcome auxiliary  period quarter  measure sum(deals.amount)  target >= 1 }"
    payout = "commission quarter retroactive { [0, ∞): 10% }"
    data = {"deals": "A,2026-01-05,100,true,1\nA,2026-02-05,200,true,1\nA,2026-03-05,300,true,1",
            "calls": calls(0) + "A,2026-01-20 10:00:00\nA,2026-02-20 10:00:00\nA,2026-03-20 10:00:00"}
    result = run(tmp_path, role(payout, extra), data, "2026Q1")
    paid = [num(person(result, period=m)["payout"]["total"]) for m in ("2026-01", "2026-02", "2026-03")]
    assert paid == [0, 0, D("60.00")]  # (100 + 200 + 300) x 10%


# ------------------------------------------------------------------------ 7. cap, 8. adjustments

def test_the_cap_limits_incentive_and_commissions_then_adjustments_are_added(tmp_path):
    # incentive 1000 x 0.8 = 800; commission 5,000 x 10% = 500; 1,300 capped at 1,000;
    # adjustments 50.005 -> 50.01 and -20 are added after the cap: 1,030.01
    payout = "target_incentive 1000 CNY\n    commission amount retroactive { [0, ∞): 10% }\n    cap 1000 CNY"
    data = {**deals("5000"), "corrections": "A,2026-03,50.005,missed deal\nA,2026-03,-20,duplicate\nA,2026-02,99,old"}
    got = pay(tmp_path, payout, 80, data)
    assert got["capped"] is True
    assert num(got["total"]) == D("1030.01")


def test_a_cap_between_rounding_steps_pays_the_cap_rounded(tmp_path):
    # semantics §7.7: 120 calls, no factor table: 1000 x 1.2 = 1200 > cap 1000.005; the capped
    # amount is a money line, rounded half-up to 0.01: 1000.01 (above the cap by half a cent)
    got = pay(tmp_path, "target_incentive 1000 CNY\n    cap 1000.005 CNY", 120)
    assert got["capped"] is True
    assert num(got["total"]) == D("1000.01")
    # the step shows the cap as written, since the amount paid is not it
    cap = next(s["description"] for s in got["steps"] if s["step"] == "cap")
    assert cap == ("incentive 1200.00 CNY is above the cap 1000.005: payout capped at 1000.01 CNY "
                   "(the cap rounded half_up to 0.01)")


@pytest.mark.parametrize("reason", ['""', '"   "'])
def test_an_adjustment_without_a_reason_stops_the_run(tmp_path, monkeypatch, reason):
    config = project(tmp_path, role("target_incentive 1000 CNY"),
                     {"calls": calls(80), "corrections": f"A,2026-03,7,fine\nA,2026-03,10.50,{reason}"})
    monkeypatch.chdir(tmp_path)  # the file is named as the user would open it, from here
    result = CliRunner().invoke(cli, ["run", "--config", str(config), "--period", MARCH])
    assert result.exit_code == 1, result.output
    # the second data row, on line 3 of corrections.csv (line 1 is the header)
    assert ("dataset corrections, source corrections.csv, row 2, column reason: error[E511]: an adjustment "
            "of 10.5 for person A in 2026-03 has no reason\n  = note: row 2 (line 3)\n") in result.output
    assert "Traceback" not in result.output


def test_adjustments_that_cannot_be_paid_are_reported_not_dropped(tmp_path):
    # semantics §7.8: adjustments are paid to the person evaluated in their period. B left in
    # February, so nobody is evaluated to pay B's March adjustment; "2026-3" is no period label.
    people = "A,rep,,2020-01-01,,,\nB,rep,,2020-01-01,2026-02-10,,"
    # "２０２６-03" (full-width digits, typed with a Chinese input method) is no label either: it
    # was taken for one, so no warning, and never matched the run's "2026-03": 500 lost silently
    rows = "A,2026-03,5,ok\nB,2026-03,7,late fix\nA,2026-3,9,typo\nA,２０２６-03,500,bonus"
    result = run(tmp_path, role("target_incentive 1000 CNY"), {"people": people, "calls": calls(80), "corrections": rows}, MARCH)
    assert num(person(result)["payout"]["total"]) == D("805.00")
    assert "1 adjustment not applied: nobody evaluated to pay (B in 2026-03)" in result["warnings"]
    # the first such row is the third data row, on line 4 (line 1 is the header)
    odd = [w for w in result["warnings"] if w.startswith("corrections: 2 rows with a period")]
    assert len(odd) == 1 and odd[0].startswith(
        "corrections: 2 rows with a period that is not a month label ('2026-3', '２０２６-03'), the first at row 3 "
        "(line 4) of ")
    assert odd[0].endswith("corrections.csv, column period: never applied")


LEAD = """
role lead { applies_to person.role == "lead"
  kpi calls { process main  weight 100%  measure count(calls)  target >= 100 }
}
"""


@pytest.mark.parametrize(("options", "expected"), [
    # B left in February: nobody is evaluated to pay B's March adjustment, also when B is asked for
    (["--person", "B"], ["1 adjustment not applied: nobody evaluated to pay (B in 2026-03)"]),
    (["--person", "A"], []),
    # --role rep: the people whose attributes match rep, evaluated or not (B); not X, who is in
    # no role (not in the roster), nor L, who is in another
    (["--role", "rep"], ["1 adjustment not applied: nobody evaluated to pay (B in 2026-03)"]),
    (["--role", "lead"], ["1 adjustment not applied: the person's role has no payout (L in 2026-03)"]),
    (["--role", "lead", "--person", "A"], []),
    ([], ["2 adjustments not applied: nobody evaluated to pay (B in 2026-03, X in 2026-03)",
          "1 adjustment not applied: the person's role has no payout (L in 2026-03)"]),
])
def test_the_adjustments_that_cannot_be_paid_are_those_of_the_people_asked_about(tmp_path, options, expected):
    # semantics §7.8: with --person or --role the warning covers the people selected
    people = "A,rep,,2020-01-01,,,\nB,rep,,2020-01-01,2026-02-10,,\nL,lead,,2020-01-01,,,"
    rows = "A,2026-03,5,ok\nB,2026-03,7,late fix\nL,2026-03,3,no payout\nX,2026-03,2,not in the roster"
    config = project(tmp_path, role("target_incentive 1000 CNY") + LEAD,
                     {"people": people, "calls": calls(80), "corrections": rows})
    result = CliRunner().invoke(cli, ["run", "--config", str(config), "--period", MARCH, "--format", "json", *options])
    assert result.exit_code == 0, result.output
    assert [w for w in json.loads(result.stdout)["warnings"] if " not applied: " in w] == expected


def test_a_dated_adjustment_is_for_the_period_containing_its_day(tmp_path):
    # semantics §7.8: in a `date` column, a row is for the scheme period containing its day;
    # rows dated in February or April are not for March. It used to be compared with the label
    # "2026-03" as text, never matched, and was dropped without a word.
    config = project(tmp_path, role("target_incentive 1000 CNY"),
                     {"calls": calls(80), "corrections": "A,2026-03-31,500,late deal\nA,2026-03-01,-20,duplicate\n"
                                                         "A,2026-02-28,99,old\nA,2026-04-01,7,next"})
    scheme = tmp_path / "s.kpi"
    text = scheme.read_text(encoding="utf-8")
    scheme.write_text(text.replace("column period string  column amount money", "column period date  column amount money"),
                      encoding="utf-8")
    result = CliRunner().invoke(cli, ["run", "--config", str(config), "--period", MARCH, "--format", "json"])
    assert result.exit_code == 0, result.output
    (a,) = json.loads(result.stdout)["people"]
    # 1000 x 0.8 = 800.00, + 500 - 20 = 1280.00
    assert [(adj["amount"], adj["reason"]) for adj in a["payout"]["adjustments"]] == [("500.00", "late deal"),
                                                                                     ("-20.00", "duplicate")]
    assert a["payout"]["total"] == "1280.00"


def test_an_adjustment_without_an_amount_stops_the_run(tmp_path, monkeypatch):
    # it was paid as 0.00 without a word
    config = project(tmp_path, role("target_incentive 1000 CNY"),
                     {"calls": calls(80), "corrections": "A,2026-03,7,fine\nA,2026-03,,forgot the amount"})
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["run", "--config", str(config), "--period", MARCH])
    assert result.exit_code == 1, result.output
    assert ("dataset corrections, source corrections.csv, row 2, column amount: error[E516]: an adjustment "
            "for person A in 2026-03 has no amount\n  = note: row 2 (line 3)\n") in result.output


def test_an_adjustment_for_a_role_without_a_payout_is_reported_not_dropped(tmp_path):
    # language.md §12: a role without `payout` pays nothing, so its adjustments cannot be paid
    text = role("target_incentive 1000 CNY").replace("  payout {", "  payout_removed {")
    text = text[:text.index("  payout_removed {")] + "}\n"
    result = run(tmp_path, text, {"calls": calls(80), "corrections": "A,2026-03,500,late deal"}, MARCH)
    assert person(result)["payout"] is None
    assert "1 adjustment not applied: the person's role has no payout (A in 2026-03)" in result["warnings"]


# ------------------------------------------------------------------------------- rounding

@pytest.mark.parametrize(("mode", "positive", "negative"), [
    ("half_up", "2.35", "-2.35"),
    ("half_even", "2.34", "-2.34"),
    ("half_down", "2.34", "-2.34"),
    ("up", "2.35", "-2.35"),
    ("down", "2.34", "-2.34"),
    ("ceiling", "2.35", "-2.34"),
    ("floor", "2.34", "-2.35"),
])
def test_rounding_modes(tmp_path, mode, positive, negative):
    # language.md §3 table: 2.345 at step 0.01; a factor of 1 and of -1 (a factor row)
    for sign, expected in ((1, positive), (-1, negative)):
        payout = f"target_incentive 2.345 CNY  factor by total_score {{ [0, ∞): {sign} }}  rounding {mode} 0.01"
        got = pay(tmp_path / str(sign), payout, 80)
        assert num(got["incentive"]) == D(expected), (mode, sign)


def test_money_keeps_its_rounding_steps_places_in_json(tmp_path):
    # output.md: money keeps its rounding step's places. Step 0.001: 1.23 x 1 = 1.230 (it was
    # written 1.23, as any other decimal); the zeroed commission's step is 0.000, as its line
    payout = ("target_incentive 1.23 CNY  factor by total_score { [0, ∞): 1 }  rounding half_up 0.001\n"
              "    commission amount retroactive { [0, ∞): 10% }\n    gate calls.value >= 150 else zero")
    got = pay(tmp_path, payout, 80, deals("5000"))
    assert (got["incentive"], got["commissions"], got["total"]) == ("0.000", {"amount": "0.000"}, "0.000")
    assert [s["value"] for s in got["steps"] if s["step"] == "commission"] == ["0.000"]
    got = pay(tmp_path / "paid", payout.replace("gate calls.value >= 150", "gate calls.value >= 50"), 80, deals("5000"))
    # 1.23 x 1 = 1.230; 5000 x 10% = 500.000; 501.230
    assert (got["incentive"], got["commissions"], got["total"]) == ("1.230", {"amount": "500.000"}, "501.230")
    assert got["target_incentive"] == "1.23"  # as written: not a rounded line


@pytest.mark.parametrize(("rounding", "expected"), [
    ("half_up 100", D(1300)),       # 1,250 -> 1,300
    ("half_even 100", D(1200)),     # 1,250 -> 1,200 (2 is even)
    ("down 100", D(1200)),
    ("half_up 1 CNY", D(1250)),
    ("half_up 0.05", D(1250)),
])
def test_rounding_steps(tmp_path, rounding, expected):
    got = pay(tmp_path, f"target_incentive 1250 CNY  factor by total_score {{ [0, ∞): 1 }}  rounding {rounding}", 80)
    assert num(got["incentive"]) == expected


def test_the_scheme_rounding_applies_unless_the_payout_sets_its_own(tmp_path):
    header = HEADER.replace("currency CNY", "currency CNY  rounding half_even 0.01")
    payout = "target_incentive 2.345 CNY  factor by total_score { [0, ∞): 1 }"
    assert num(pay(tmp_path / "scheme", payout, 80, header=header)["incentive"]) == D("2.34")
    own = payout + "  rounding up 0.1"
    assert num(pay(tmp_path / "role", own, 80, header=header)["incentive"]) == D("2.4")


def test_the_total_is_the_sum_of_the_rounded_lines(tmp_path):
    # semantics §7 "Rounding": incentive 1.005 -> 1.01, commission 10.05 x 10% = 1.005 -> 1.01,
    # adjustment 1.005 -> 1.01: total 3.03 (rounding the unrounded sum 3.015 would give 3.02)
    payout = ("target_incentive 1.005 CNY  factor by total_score { [0, ∞): 1 }\n"
              "    commission amount retroactive { [0, ∞): 10% }")
    data = {**deals("10.05"), "corrections": "A,2026-03,1.005,bonus"}
    got = pay(tmp_path, payout, 80, data)
    assert (num(got["incentive"]), num(got["total"])) == (D("1.01"), D("3.03"))


WORKED = """
grades standard { [90, ∞): "优秀"  [75, 90): "良好"  [60, 75): "合格"  [0, 60): "待改进" }
role telesales { applies_to person.role == "rep"
  grades standard
  kpi outbound_calls { process main  measure count(calls)  target >= 200  weight 30%
    score linear floor 60% cap 120% }
  kpi lead_conversion { outcome main  measure count(deals where won) / count(deals)  target >= 15%  weight 40%
    score linear floor 50% cap 120% }
  kpi collection_rate { outcome main  measure sum(deals.amount where won) / sum(deals.amount)  target >= 95%
    weight 30%
    score tiers by value { [0%, 80%): 0  [80%, 90%): 60  [90%, 95%): 80  [95%, ∞): 100 } }
  payout {
    target_incentive 3000 CNY
    factor by total_score {
      [0, 60): 0
      [60, 100): linear 0.6 to 1.0
      [100, ∞): 1.0 + 1.5 * (total_score - 100) / 100
    }
    cap factor 2.0
    gate collection_rate.attainment >= 80% else cap factor 0.5
  }
}
"""


def test_the_worked_example_of_semantics(tmp_path):
    # semantics §7 "A worked example", with the same numbers on the kit's datasets:
    # 210 calls / 200 = 105% -> 105 x 30% = 31.5; 3 of 20 deals won = 15% -> 100 x 40% = 40;
    # 8,500 of 10,000 won = 85% by value -> 60 x 30% = 18 (attainment 89.4737%).
    # Total 89.5 -> 良好; factor 0.6 + 0.4 x 29.5 / 40 = 0.895; 3,000 x 0.895 = 2,685.00
    deals = "A,2026-03-05,8500,true,1\n" + "A,2026-03-05,0,true,1\n" * 2 + "A,2026-03-05,1500,false,1\n" \
        + "A,2026-03-05,0,false,1\n" * 16
    p = person(run(tmp_path, WORKED, {"calls": calls(210), "deals": deals}, MARCH))
    assert [num(k["contribution"]) for k in p["kpis"]] == [D("31.5"), 40, 18]
    assert num(p["kpis"][2]["attainment"]) == D("0.894737")
    assert (num(p["total_score"]), p["grade"]) == (D("89.5"), "良好")
    assert (num(p["payout"]["factor"]), num(p["payout"]["total"])) == (D("0.895"), D("2685.00"))
