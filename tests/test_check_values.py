"""Values a role writes that `kpirules check` refuses or reads as documented: ranges and their
infinities (language.md §6), targets of the measure's kind (§8.3), weights (§8.4) and
tenure (§5); on real files through the real CLI.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from docs_worked_kit import D, kpi, num, person, project, run
from kpirules.cli import cli
from test_check_inheritance import at, check

MARCH = "2026-03"


def role_of(body: str) -> str:
    return f'\nrole rep {{ applies_to person.role == "rep"\n  {body}\n}}\n'


# ------------------------------------------------------------- ranges

@pytest.mark.parametrize(("row", "message", "help"), [
    ("[inf, ∞)", "the range [∞, ∞) is empty: ∞ ends a range, it cannot start one",
     "start the row at a number, or at -∞ for a row with no lower end"),
    ("[60, -∞)", "the range [60, -∞) is empty: -∞ starts a range, it cannot end one",
     "end the row at a number, or at ∞ for a row with no upper end"),
])
def test_an_infinity_on_the_wrong_side_is_an_empty_range(tmp_path, row, message, help):
    # before: the sign was ignored, [60, -∞) read as [60, ∞) and [inf, ∞) as the whole line
    grades = f"\ngrades g {{ [0, 60): C  {row}: B }}\n"
    assert check(tmp_path, grades) == (1, [(at(grades, row), "E254", message, help)])


@pytest.mark.parametrize("table", [
    "score tiers { [0%, 100%): 0  [100%, -∞): 100 }",
    "score tiers by value { [0, 10): 0  [10, -inf): 100 }",
])
def test_an_infinity_on_the_wrong_side_is_refused_in_scoring_tiers(tmp_path, table):
    role = role_of(f"kpi k {{ process main  measure count(calls)  target >= 1  weight 100%  {table} }}")
    code, errors = check(tmp_path, role)
    assert (code, [e[1] for e in errors]) == (1, ["E254"])


def test_an_infinity_on_the_wrong_side_is_refused_in_factors_and_commissions(tmp_path):
    role = role_of("kpi k { outcome main  measure sum(deals.amount)  target >= 1  weight 100% }\n"
                   "  payout { target_incentive 100 CNY\n"
                   "    factor by total_score { [0, 60): 0  [inf, ∞): 1 }\n"
                   "    commission k marginal { [0, 100): 1%  [100, -∞): 2% } }")
    code, errors = check(tmp_path, role)
    assert (code, [(e[0], e[1]) for e in errors]) == (1, [(at(role, "[inf, ∞)"), "E254"),
                                                          (at(role, "[100, -∞)"), "E254")])


def test_a_grade_bound_in_money_is_e255(tmp_path):
    # §6.3: bounds are points of the total score
    grades = "\ngrades g { [0, 50 CNY): C  [50 CNY, ∞): B }\n"
    message = "total_score is in points (0 to 100 and above), not an amount"
    assert check(tmp_path, grades) == (1, [
        (at(grades, "50 CNY"), "E255", message, "write 50 instead of 50 CNY"),
        (at(grades, "50 CNY", 2), "E255", message, "write 50 instead of 50 CNY"),
    ])


def test_overlapping_rows_that_reach_infinity_are_not_also_e253(tmp_path):
    # [50, ∞) covers everything above 80: only the two overlaps are wrong
    grades = "\ngrades g { [0, 60): A  [50, ∞): B  [70, 80): C }\n"
    code, errors = check(tmp_path, grades)
    assert (code, [(e[0], e[1]) for e in errors]) == (1, [(at(grades, "[50, ∞)"), "E251"),
                                                          (at(grades, "[70, 80)"), "E251")])


def test_a_table_that_stops_short_is_e253_at_the_row_reaching_highest(tmp_path):
    grades = "\ngrades g { [0, 100): A  [50, 60): B }\n"
    code, errors = check(tmp_path, grades)
    assert (code, [e[:3] for e in errors]) == (1, [
        (at(grades, "[0, 100)"), "E253", "the grade table does not cover values above 100"),
        (at(grades, "[50, 60)"), "E251", "the grade table rows [0, 100) and [50, 60) overlap"),
    ])


@pytest.mark.parametrize(("measure", "table", "message"), [
    ("count(deals)", "[0, 100 CNY): 0  [100 CNY, ∞): 100", "the value scored is a number, not an amount"),
    ("sum(deals.amount)", "[0%, 50%): 0  [50%, ∞): 100", "the value scored is an amount, not a percentage"),
    ("avg(deals.days) * 1d", "[0, 5 CNY): 0  [5 CNY, ∞): 100", "the value scored is a duration in days, not an amount"),
])
def test_value_tiers_are_in_the_kind_of_the_value(tmp_path, measure, table, message):
    role = role_of(f"kpi k {{ outcome main  measure {measure}  weight 100%  score tiers by value {{ {table} }} }}")
    code, errors = check(tmp_path, role)
    assert code == 1 and {e[2] for e in errors} == {message}


# ------------------------------------------------------------- targets

@pytest.mark.parametrize("target", ["target >= 100 CNY", "target >= person.target_incentive"])
def test_an_amount_target_on_a_count_is_e304(tmp_path, target):
    # §8.3: a count's target is a count (before: accepted, as money compares with any number)
    role = role_of(f"kpi k {{ process main  measure count(calls)  {target}  weight 100% }}")
    code, errors = check(tmp_path, role)
    assert code == 1
    assert errors == [(at(role, target.split(">= ")[1]), "E304", "cannot compare number with money (CNY)",
                       "the measure is a count or a plain number, so its target is a number too, e.g. 200; "
                       "an amount is the target of a measure of amounts, e.g. sum(deals.amount)")]


def test_a_plain_number_is_a_target_for_an_amount_and_a_count_may_be_paid_commission(tmp_path):
    # §10: a plain number next to an amount is taken in the scheme currency; §12.5: a
    # commission is paid on an amount or a number
    role = role_of("kpi a { outcome main  measure sum(deals.amount)  target >= 100  weight 50% }\n"
                   "  kpi n { outcome main  measure count(deals)  target >= 2  weight 50% }\n"
                   "  payout { target_incentive 100 CNY  commission n marginal { [0, ∞): 5 } }")
    assert check(tmp_path, role) == (0, [])


# ------------------------------------------------------------- weights

def test_a_negative_weight_is_e232(tmp_path):
    role = role_of("kpi k { process main  measure count(calls)  target >= 1  weight -50% }")
    assert check(tmp_path, role) == (1, [(
        at(role, "-50%"), "E232", "a weight cannot be negative",
        "write 0% or more; a KPI that should not count is `auxiliary`, without a weight")])


def test_weights_above_100_percent_and_a_main_kpi_without_weight_count_as_written(tmp_path):
    # §8.4: k at 150% scoring 100 (2 calls, target 2) contributes 150 points; m has no
    # weight and counts 0% though it scores 100; the total is not capped
    role = role_of("kpi k { process main  measure count(calls)  target >= 2  weight 150% }\n"
                   "  kpi m { process main  measure count(calls)  target >= 1 }")
    calls = "A,2026-03-02 10:00:00\nA,2026-03-03 10:00:00"
    p = person(run(tmp_path, role, {"calls": calls}, MARCH))
    assert (num(kpi(p, "k")["score"]), num(kpi(p, "m")["score"]), kpi(p, "m")["weight"]) == (100, 100, None)
    assert num(p["total_score"]) == D(150)


# ------------------------------------------------------------- E248, tenure

def test_a_main_kpi_without_measure_needs_no_target(tmp_path):
    # §8: it has no value and always gets its no-data score; E248 is for one with a measure
    role = role_of("kpi judged { process main  weight 50% }\n"
                   "  kpi calls { process main  measure count(calls)  weight 50% }")
    assert check(tmp_path, role) == (1, [(at(role, "calls { process"), "E248",
                                          "KPI calls has no target, so its attainment cannot be computed",
                                          "add `target >= <value>` (or `target <= <value>` when lower is better)")])


def test_a_table_of_plain_numbers_without_a_target_points_at_by_value(tmp_path):
    # tiers of counts without `by value`: E248 and E255 said "add a target" and "write 200%"
    # (audit), where the KPI meant to score the count itself
    role = role_of("kpi calls { process main  measure count(calls)  weight 100%\n"
                   "    score tiers {\n      [0, 2): 0\n      [2, ∞): 100\n    }\n  }")
    found = check(tmp_path, role)[1]
    assert found[0][1:] == ("E248", "KPI calls has no target, so its attainment cannot be computed",
                            "add `target >= <value>` (or `target <= <value>` when lower is better), or score the "
                            "value itself: `score tiers by value`")
    assert [f[1] for f in found[1:]] == ["E255", "E255"]
    assert all(f[3].endswith("; to score the value itself, write `tiers by value`") for f in found[1:])
    # written so, it checks
    fixed = role.replace("score tiers {", "score tiers by value {")
    assert check(tmp_path / "fixed", fixed) == (0, [])


def test_tenure_without_a_hire_date_binding_says_to_bind_it(tmp_path):
    role = role_of("kpi k { process main  measure count(calls)  target >= 1 when person.tenure_days < 30"
                   "  target >= 2  weight 100% }")
    project(tmp_path, role, {})  # the kit's roster binds hire_date: take the binding out
    kpi_file = tmp_path / "s.kpi"
    kpi_file.write_text(kpi_file.read_text(encoding="utf-8").replace("hire_date hired_on  ", ""), encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(kpi_file)])
    assert result.exit_code == 1
    assert "error[E204]: unknown person attribute 'tenure_days'" in result.output
    assert "= help: tenure_days is worked out from the hire date: bind it in roster people, " \
           "e.g. `hire_date hired_on`" in result.output


@pytest.mark.parametrize(("hired", "days"), [("2026-03-10", 21), ("2026-03-31", 0), ("2026-03-01", 30)])
def test_tenure_days_is_the_last_day_minus_the_hire_date(tmp_path, hired, days):
    # §5: hired 2026-03-10, 21 on 2026-03-31; hired on the last day, 0. The target is
    # tenure_days + 1, prorated (semantics §3) by the days worked, the hire date included:
    # days + 1 of March's 31 (hired 03-10: 22 × 22/31 = 15.612903)
    role = role_of("kpi k { process main  measure count(calls)  target >= person.tenure_days + 1  weight 100% }")
    p = person(run(tmp_path, role, {"people": f"A,rep,,{hired},,,"}, MARCH))
    assert num(kpi(p, "k")["target"]) == (D(days + 1) * (days + 1) / 31).quantize(D("0.000001"))


@pytest.mark.parametrize("zone", ["Asia", "America", ""])
def test_a_region_or_an_empty_time_zone_is_e233(tmp_path, zone):
    # "Asia" is a folder of the time zone database: check, lint and export ended in a traceback
    # (IsADirectoryError); `timezone ""` was UTC without a word
    path = tmp_path / "s.kpi"
    path.write_text(f'scheme t {{ currency CNY  timezone "{zone}" }}\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exit_code == 1, result.output
    assert f"error[E233]: unknown time zone '{zone}'" in result.output
    assert "Traceback" not in result.output

