"""docs/language.md rules that change numbers (roles, extends, expressions), worked by hand.

Every expected number below is worked from the documentation only; tests/docs_worked_kit.py
writes the scheme, the CSV files and kpirules.toml and runs `kpirules run --format json`.
"""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from docs_worked_kit import D, explain, kpi, num, person, project, run
from kpirules.cli import cli

MARCH = "2026-03"


def one_kpi(body: str) -> str:
    return f"""
role rep {{ applies_to person.role == "rep"
  kpi k {{ outcome main  weight 100%  {body} }}
}}
"""


def value_of(tmp_path, measure: str, data: dict[str, str], target: str = "target >= 1") -> D | None:
    return num(kpi(person(run(tmp_path, one_kpi(f"measure {measure}  {target}"), data, MARCH)), "k")["value"])


DEALS = """
A,2026-03-02,10,true,1
A,2026-03-03,20,false,2
A,2026-03-04,25,true,3
A,2026-03-05,,true,4
"""


@pytest.mark.parametrize(("measure", "value"), [
    ("count(deals where amount between 10 and 20)", D(2)),    # §13.3: both ends included
    ("count(deals where days in [1, 3])", D(2)),
    ("count(deals where days not in [1, 3])", D(2)),
    ("count(deals where amount > 15 or days == 4)", D(3)),    # the empty amount: 4 matches by days
    ("sum(deals.amount) * 15%", D("8.25")),                   # §10: money x percentage = 55 x 0.15
    # §10: a number is taken as an amount in the scheme currency, a count too (it was E302,
    # while count(deals) * 1 passed): 55 + 4 deals x 100 = 455, 55 - 4 = 51
    ("sum(deals.amount) + count(deals) * 100", D(455)),
    ("sum(deals.amount) - count(deals)", D(51)),
    ("count(deals) + sum(deals.amount)", D(59)),
    ("sum(deals.amount / 5)", D(11)),                         # an expression of the row's columns
    ("max(count(deals), 10)", D(10)),                         # §13.4 functions
    ("clamp(count(deals), 5, 10)", D(5)),
    ("abs(count(deals) - 10)", D(6)),
    ("min(count(deals), 10)", D(4)),
    ("10 - 3 - 2", D(5)),                                     # §13.3 left to right
    ("1 + 2 * 3", D(7)),
])
def test_expressions(tmp_path, measure, value):
    assert value_of(tmp_path, measure, {"deals": DEALS}) == value


@pytest.mark.parametrize(("measure", "value"), [
    ("round(sum(deals.amount) / 4)", D(14)),         # 55 / 4 = 13.75 -> 14
    ("round(sum(deals.amount) / 22)", D(3)),         # 2.5 -> 3: halves away from zero
    ("round(0 - sum(deals.amount) / 22)", D(-3)),    # -2.5 -> -3
    ("round(sum(deals.amount) / 8, 2)", D("6.88")),  # 6.875 -> 6.88
    ("round(sum(deals.amount) / 40, 1)", D("1.4")),  # 1.375 -> 1.4
])
def test_round_rounds_half_up(tmp_path, measure, value):
    # language.md §13.4 `round`: to the nearest, halves away from zero (as `half_up` money)
    assert value_of(tmp_path, measure, {"deals": DEALS}, "target >= -100") == value


def test_a_value_rounded_to_zero_is_written_zero_not_minus_zero(tmp_path):
    # round(-0.25) = 0; a statement saying "value: -0" confuses the person reading it
    k = kpi(person(run(tmp_path, one_kpi("measure round(0 - sum(deals.amount) / 40)  target <= 1"),
                       {"deals": "A,2026-03-02,10,true,1"}, MARCH)), "k")
    assert k["value"] == "0"
    assert not re.search(r"(?<![\w-])-0(?![\w.])", explain(tmp_path, "A", "2026-03"))


def test_targets_in_magnitudes_and_as_plain_numbers(tmp_path):
    # language.md §10/§13.1: 15% == 0.15, 5万 == 50,000, a plain number on an amount is CNY
    role = """
role rep { applies_to person.role == "rep"
  kpi a { outcome main  weight 25%  measure sum(deals.amount)  target >= 5万 CNY }
  kpi b { outcome main  weight 25%  measure sum(deals.amount)  target >= 50000 }
  kpi c { outcome main  weight 25%  measure count(deals where won) / count(deals)  target >= 0.15 }
  kpi d { outcome main  weight 25%  measure count(deals where won) / count(deals)  target >= 15% }
}
"""
    p = person(run(tmp_path, role, {"deals": "A,2026-03-02,1_0000,true,1".replace("_", "")}, MARCH))
    assert [num(k["target"]) for k in p["kpis"]] == [50000, 50000, D("0.15"), D("0.15")]
    assert [num(k["attainment"]) for k in p["kpis"]][:2] == [D("0.2"), D("0.2")]


def test_first_time_looks_at_every_persons_rows(tmp_path):
    # semantics §2: the earliest date of all rows, across the whole dataset: B met c1 in
    # February, so A's March visit to c1 is not a first time; c2 is
    visits = "B,c1,2026-02-01,\nA,c1,2026-03-05,\nA,c2,2026-03-06,"
    data = {"visits": visits, "people": "A,rep,,2020-01-01,,,\nB,rep,,2020-01-01,,,"}
    p = person(run(tmp_path, one_kpi("measure count(visits where first_time(customer))  target >= 1"), data, MARCH))
    assert num(kpi(p, "k")["value"]) == 1


# ------------------------------------------------------------------- §7 roles and extends

def test_a_role_without_applies_to_matches_the_roster_role_column(tmp_path):
    role = 'role rep { kpi k { process main  weight 100%  measure count(calls)  target >= 1 } }'
    result = run(tmp_path, role, {"people": "A,rep,,2020-01-01,,,\nB,other,,2020-01-01,,,"}, MARCH)
    assert [p["person_id"] for p in result["people"]] == ["A"]
    assert result["unmatched_people"] == ["B"]


EXTENDS = """
role base { applies_to person.role == "base"
  no_data score 20
  kpi kept { outcome main  weight 25%  measure avg(deals.amount)  target >= 1 }
  kpi overridden { outcome main  weight 25%  measure avg(deals.amount)  target >= 1 }
  kpi targets { process main  weight 50%  measure count(calls)
    target >= 2
    target >= 4 when person.level == "senior"
  }
  payout { target_incentive 1000 CNY  cap factor 0.1 }
}
role variant { extends base  applies_to person.role == "variant"
  no_data score 50
  override overridden { no_data score 70 }
  override targets { target >= 8 }
  kpi added { outcome main  weight 0%  measure avg(deals.amount)  target >= 1 }
  payout { target_incentive 2000 CNY }
}
"""


def test_extends_override_no_data_targets_and_payout(tmp_path):
    # language.md §7.2: inherited KPIs keep the no-data score of their role (20) unless an
    # override gives one (70); the variant's own KPIs get its role's (50). Any target line
    # replaces all inherited ones: the senior V gets 8, not 4. The payout is replaced whole:
    # no `cap factor 0.1` in the variant.
    people = "V,variant,,2020-01-01,,senior,\nB,base,,2020-01-01,,senior,"
    calls = "V,2026-03-20 10:00:00\n" * 8 + "B,2026-03-20 10:00:00\n" * 4
    result = run(tmp_path, EXTENDS, {"people": people, "calls": calls}, MARCH)
    v, b = person(result, "V"), person(result, "B")
    assert {k["id"]: num(k["score"]) for k in v["kpis"]} == {"kept": 20, "overridden": 70, "targets": 100, "added": 50}
    assert num(kpi(v, "targets")["target"]) == 8 and num(kpi(b, "targets")["target"]) == 4
    # V: 25% x 20 + 25% x 70 + 50% x 100 + 0% x 50 = 5 + 17.5 + 50 = 72.5 -> 2000 x 0.725
    assert (num(v["total_score"]), num(v["payout"]["total"])) == (D("72.5"), D("1450.00"))
    # B: 25% x 20 + 25% x 20 + 50% x 100 = 60 -> factor 0.6 capped at 0.1: 1000 x 0.1
    assert (num(b["total_score"]), num(b["payout"]["total"])) == (60, D("100.00"))
    # semantics §3: the output says where each no-data score came from
    assert {k["id"]: k["score_rule"] for k in v["kpis"] if k["status"] == "no_data"} == {
        "kept": "no value: scored 20 as role base says (no_data)",  # inherited: base names it
        "overridden": "no value: scored 70 as the KPI says (no_data)",
        "added": "no value: scored 50 as the role says (no_data)",
    }


def test_a_person_attribute_in_a_where_is_e311(tmp_path):
    # language.md §6: a measure, its `where` included, cannot read person attributes (E311)
    role = ('role rep { applies_to person.role == "rep"\n'
            '  kpi k { process main  weight 100%  measure count(deals where person.level == "x")  target >= 1 } }\n')
    project(tmp_path, role, {})
    result = CliRunner().invoke(cli, ["check", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert "error[E311]: person attributes cannot be used in an aggregate over the rows of deals" in result.output
