"""language.md §9 and §13 checked on real files with the real CLI: aggregates inside
aggregates (E318), the helps of E309 and E315, round()'s digits, and E260 for a
percentage.

Each expected problem names the section of docs/language.md it comes from; positions are
found in the role text (docs_worked_kit.at). The numbers of the run tests are worked by hand.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from docs_worked_kit import D, at, check, kpi, num, person, project, run
from kpirules.cli import cli

MARCH = "2026-03"

E318_HELP = ("combine aggregates outside one another: sum(deals.amount) / count(deals), "
             "not sum(deals.amount / count(deals))")


def measured(measure: str) -> str:
    return f"""
role rep {{
  kpi k {{ outcome main  weight 100%  target >= 1
    measure {measure}
  }}
}}
"""


# ---------------------------------------------------------------- §9.1: no aggregate inside another

NESTED = [
    # (measure, the inner aggregate as written, its function, the outer one)
    ("avg(deals.amount where sum(deals.amount) > 1)", "sum(deals.amount)", "sum", "avg"),
    ("count(deals where sum(deals.days) > 1)", "sum(deals.days)", "sum", "count"),
    ("sum(deals.days + sum(deals.days))", "sum(deals.days))", "sum", "sum"),
    ("sum(deals.days * avg(deals.days))", "avg(deals.days)", "avg", "sum"),
    # these said E203 "unknown column 'deals' of deals", or E302 count_distinct needs numbers
    ("sum(count(deals))", "count(deals)", "count", "sum"),
    ("max(count(deals))", "count(deals)", "count", "max"),
    ("count(deals where count(deals) > 1)", "count(deals) >", "count", "count"),
    ("count(deals where count_distinct(deals.owner_id) > 1)", "count_distinct(", "count_distinct", "count"),
    ("sum(min(deals.days))", "min(", "min", "sum"),
]


@pytest.mark.parametrize("measure, inner, function, outer", NESTED, ids=[m for m, *_ in NESTED])
def test_an_aggregate_inside_an_aggregate_is_e318_at_the_inner_one(tmp_path, measure, inner, function, outer):
    role = measured(measure)
    code, problems = check(tmp_path, role)
    line, column = at(role, inner, nth=2 if measure.count(inner) > 1 else 1)
    assert code == 1
    assert problems == [(line, column, "E318",
                         f"{function}(...) is inside {outer}(...), whose argument and where read one row at a time",
                         E318_HELP)]


def test_run_refuses_an_aggregate_inside_an_aggregate_instead_of_stopping_with_an_internal_error(tmp_path):
    # `run` used to stop with "internal error: AssertionError: sum is not a row function" (exit 2)
    config = project(tmp_path, measured("avg(deals.amount where sum(deals.amount) > 1)"),
                     {"deals": "A,2026-03-05,100,true,1"})
    result = CliRunner().invoke(cli, ["run", "--config", str(config), "--period", MARCH])
    assert result.exit_code == 1
    assert "error[E318]: sum(...) is inside avg(...)" in result.output
    assert "internal error" not in result.output


@pytest.mark.parametrize("measure", ["sum(max(deals.days, 1))", "count(deals where min(days, 3) > 1)"])
def test_min_and_max_of_two_values_stay_row_functions_inside_an_aggregate(tmp_path, measure):
    # §9.1: with two or more arguments, min and max are the functions of §13.4
    assert check(tmp_path, measured(measure)) == (0, [])


# ---------------------------------------------------------------- helps of E309 and E315


def test_min_of_text_is_told_what_min_and_max_take(tmp_path):
    role = measured("min(deals.owner_id)")
    line, column = at(role, "deals.owner_id")
    assert check(tmp_path, role)[1] == [
        (line, column, "E309", "cannot min a string column",
         "min and max need numbers, amounts, durations or dates; count or count_distinct counts text"),
    ]


def test_a_function_of_one_argument_says_one_argument(tmp_path):
    role = measured("abs(count(deals), 1)")
    line, column = at(role, "abs(")
    assert check(tmp_path, role)[1] == [(line, column, "E315", "abs(...) takes one argument", "call it as abs(x)")]


# ---------------------------------------------------------------- §13.4: round(x, digits)

DIGITS_HELP = ("write the number of decimal places, e.g. round(x, 2), or a negative number to round "
               "to tens, hundreds, ...: round(x, -2)")


@pytest.mark.parametrize("measure, digits", [
    ("sum(round(deals.amount, 1.5))", "1.5"),           # DuckDB rounded to 2 places, Python to 1
    ("round(sum(deals.amount), count(deals))", "count(deals)"),
    ("sum(round(deals.amount, days))", "days"),
    ("round(sum(deals.amount), 1 + 1)", "1 + 1"),
    ("round(sum(deals.amount), 200%)", "200%"),
])
def test_rounding_digits_that_are_not_a_whole_number_constant_are_e232(tmp_path, measure, digits):
    role = measured(measure)
    line, column = at(role, digits)
    assert check(tmp_path, role)[1] == [
        (line, column, "E232", "round(x, digits): digits must be a whole number written as a constant", DIGITS_HELP),
    ]


def test_a_target_rounded_to_a_fraction_of_places_is_e232(tmp_path):
    role = """
role rep {
  kpi k { outcome main  weight 100%  measure count(deals)
    target >= round(person.target_incentive, 0.5)
  }
}
"""
    line, column = at(role, "0.5")
    assert check(tmp_path, role)[1] == [
        (line, column, "E232", "round(x, digits): digits must be a whole number written as a constant", DIGITS_HELP),
    ]


def test_negative_digits_round_to_hundreds_in_a_row_a_measure_and_a_target(tmp_path):
    # §13.4: round(1250, -2) -> 1300, halves away from zero. sum(round(row, -2)) is SQL's
    # round over the rows, round(sum(...), -2) and the target Python's; 2.0 places is 2.
    role = """
role rep {
  kpi rows { outcome main  weight 50%  measure sum(round(deals.days, -2))  target >= round(1250, -2) }
  kpi total { outcome main  weight 50%  measure round(sum(deals.days), -2)  target >= 1300 }
  kpi negative { outcome auxiliary  measure sum(round(-deals.days, -2)) }
  kpi places { outcome auxiliary  measure sum(round(deals.amount, 2.0)) }
}
"""
    p = person(run(tmp_path, role, {"deals": "A,2026-03-05,1.235,true,1250"}, MARCH))
    assert num(kpi(p, "rows")["value"]) == D(1300)
    assert num(kpi(p, "rows")["target"]) == D(1300)
    assert num(kpi(p, "total")["value"]) == D(1300)
    assert num(kpi(p, "negative")["value"]) == D(-1300)
    assert num(kpi(p, "places")["value"]) == D("1.24")   # 1.235 half-up to 2 places


# ---------------------------------------------------------------- §13.1: 18 digits as written


@pytest.mark.parametrize("target", ["9999999999999999999%", "-99999999999999999999%"])
def test_a_percentage_of_more_than_18_digits_as_written_is_e260(tmp_path, target):
    role = measured("count(deals)").replace("target >= 1", f"target >= {target}")
    line, column = at(role, target.lstrip("-"))
    assert check(tmp_path, role)[1] == [
        (line, column, "E260",
         f"the number {target.lstrip('-')} is too large: a number has at most 18 digits before the decimal point",
         "values are exact decimals of 34 digits with 6 decimal places; write a smaller number "
         "(a value this large is probably a typo)"),
    ]


def test_a_percentage_of_18_digits_is_accepted(tmp_path):
    role = measured("count(deals)").replace("target >= 1", "target >= 999999999999999999%")
    assert check(tmp_path, role) == (0, [])


@pytest.mark.parametrize("digits", ["7", "40", "-29"])
def test_rounding_digits_beyond_the_places_values_have_are_e232(tmp_path, digits):
    # round(sum(...), 40) was a run's E515 ("more than 28 digits before the decimal point")
    # for a value of 3 digits: 40 places left no room in 34 significant digits
    role = measured(f"round(sum(deals.amount), {digits})")
    line, column = at(role, digits)
    assert check(tmp_path, role)[1] == [
        (line, column, "E232", "round(x, digits): digits must be from -28 to 6: values are kept to 6 decimal places, "
                               "with at most 28 digits before the point", DIGITS_HELP),
    ]


def test_rounding_to_6_places_or_to_28_digits_before_the_point_is_accepted(tmp_path):
    assert check(tmp_path, measured("round(sum(deals.amount), 6) + round(sum(deals.amount), -28)"))[1] == []
