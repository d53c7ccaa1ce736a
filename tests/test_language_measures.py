"""language.md §9 checked on real files with the real CLI: aggregates inside aggregates
(E318).

Each expected problem names the section of docs/language.md it comes from; positions are
found in the role text (docs_worked_kit.at). The numbers of the run tests are worked by hand.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from docs_worked_kit import at, check, project
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


