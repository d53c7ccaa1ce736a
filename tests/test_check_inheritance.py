"""Roles that extend others (language.md §7.2): what an `override` keeps, drops and is checked
against, on real files through the real CLI (tests/docs_worked_kit.py writes the project).

Line and column numbers are found in the written file, so that the expectations read as the
role text does; the expected numbers of a run are worked from the documentation by hand.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from docs_worked_kit import DATASETS, HEADER, D, explain, kpi, num, person, project, run
from kpirules.cli import cli

MARCH = "2026-03"


def check(folder: Path, role: str, *options: str) -> tuple[int, list[tuple[str, str, str, str]]]:
    """`kpirules check` of the project: its exit code and each error as (place, code,
    message, help), the place `line:column` in s.kpi."""
    project(folder, role, {})
    result = CliRunner().invoke(cli, [*options, "check", str(folder / "s.kpi")])
    errors = []
    for block in re.split(r"\n(?=\S+s\.kpi:\d+:\d+: error)", result.output):
        head = re.search(r"s\.kpi:(\d+:\d+): error\[(E\d+)\]: (.*)", block)
        if head:
            help = re.search(r"^\s+= (?:help: |帮助：)(.*)$", block, re.MULTILINE)
            errors.append((*head.groups(), help.group(1) if help else None))
    return result.exit_code, errors


def at(role: str, snippet: str, nth: int = 1) -> str:
    """`line:column` of the nth occurrence of snippet in the role, as written in s.kpi."""
    text = HEADER + DATASETS + role
    start = -1
    for _ in range(nth):
        start = text.index(snippet, start + 1)
    line = text.count("\n", 0, start) + 1
    return f"{line}:{start - text.rfind(chr(10), 0, start)}"


# ------------------------------------------------------------- an override's new measure

#: the reviewer's repro: an amount KPI with an amount target and a commission, and a
#: variant whose override measures days instead (before the fix: accepted, and paid
#: 58 × 1% = 0.58 CNY of commission on 58 days)
AMOUNT_BECOMES_DAYS = """
role base { applies_to person.role == "base"
  kpi amt { outcome main  measure sum(deals.amount)  target >= 100 CNY  weight 100% }
  payout { target_incentive 100 CNY  commission amt marginal { [0, ∞): 1% } }
}
role child { extends base  applies_to person.role == "child"
  override amt { measure avg(deals.days) * 1d }
}
"""


def test_an_override_measuring_another_kind_is_refused_at_its_measure(tmp_path):
    code, errors = check(tmp_path, AMOUNT_BECOMES_DAYS)
    measure = at(AMOUNT_BECOMES_DAYS, "avg(deals.days) * 1d")
    assert code == 1
    # the same errors as the statements written in one role (E304, E259), at the new
    # measure, each help naming where the inherited statement is written
    assert errors == [
        (measure, "E259", "commission is paid on an amount; amt is a duration",
         f"the commission paid on it is inherited with the payout, from "
         f"{tmp_path / 's.kpi'}:{at(AMOUNT_BECOMES_DAYS, 'commission amt')}: write this role's own payout"),
        (measure, "E304", "cannot compare duration (days) with money (CNY)",
         f"the target it is compared with is inherited from {tmp_path / 's.kpi'}:"
         f"{at(AMOUNT_BECOMES_DAYS, 'target >= 100 CNY')}: write the KPI's targets again in this "
         "override, in the new measure's kind"),
    ]


def test_the_same_statements_written_in_one_role_give_the_same_codes(tmp_path):
    role = """
role base { applies_to person.role == "base"
  kpi amt { outcome main  measure avg(deals.days) * 1d  target >= 100 CNY  weight 100% }
  payout { target_incentive 100 CNY  commission amt marginal { [0, ∞): 1% } }
}
"""
    code, errors = check(tmp_path, role)
    assert code == 1 and [e[1] for e in errors] == ["E304", "E259"]


def test_an_override_that_writes_its_targets_again_is_accepted(tmp_path):
    role = AMOUNT_BECOMES_DAYS.replace(
        "override amt { measure avg(deals.days) * 1d }",
        "override amt { measure count(deals)  target >= 3 }\n"
        "  payout { target_incentive 100 CNY }")
    assert check(tmp_path, role) == (0, [])


@pytest.mark.parametrize(("base", "message"), [
    ("measure sum(deals.amount)  weight 100%\n    score tiers by value { [0, 100 CNY): 0  [100 CNY, ∞): 100 }",
     "the value scored is a number, not an amount"),
    # a rate's bounds are percentages (two checks judged them, and the override's missed this)
    ("measure count(deals where deals.days > 3) / count(deals)  weight 100%\n"
     "    score tiers by value { [0%, 50%): 0  [50%, ∞): 100 }",
     "the value scored is a number, not a percentage"),
])
def test_an_inherited_score_by_value_is_checked_against_the_new_measure(tmp_path, base, message):
    role = f"""
role base {{ applies_to person.role == "base"
  kpi k {{ outcome main  {base} }}
}}
role child {{ extends base  applies_to person.role == "child"
  override k {{ measure count(deals) }}
}}
"""
    code, errors = check(tmp_path, role)
    assert code == 1
    assert errors == [(
        at(role, "count(deals) }"), "E255", message,
        f"its score by value is inherited from {tmp_path / 's.kpi'}:{at(role, 'tiers by value')}, with bounds "
        "of another kind: write a score line for the new measure in this override",
    )]


def test_an_inherited_gate_is_checked_against_the_new_measure(tmp_path):
    role = """
role base { applies_to person.role == "base"
  kpi amt { outcome main  measure sum(deals.amount)  target >= 1  weight 100% }
  payout { target_incentive 100 CNY  gate amt.value >= 50 CNY else zero }
}
role child { extends base  applies_to person.role == "child"
  override amt { measure count(deals) / count(calls)  target >= 50% }
}
"""
    code, errors = check(tmp_path, role)
    assert code == 1
    assert errors == [(
        at(role, "count(deals) / count(calls)"), "E304", "cannot compare percentage with money (CNY)",
        f"the gate that reads it is inherited with the payout, from {tmp_path / 's.kpi'}:{at(role, 'gate amt')}: "
        "write this role's own payout",
    )]


def test_an_override_refused_for_its_measure_says_so_in_chinese(tmp_path):
    code, errors = check(tmp_path, AMOUNT_BECOMES_DAYS, "--lang", "zh")
    assert code == 1
    assert [(e[1], e[2]) for e in errors] == [
        ("E259", "提成只能按金额计算；amt 是时长（天）"), ("E304", "不能比较时长（天）和金额（CNY）")]
    assert errors[1][3].startswith("与它比较的目标继承自 ")


# ------------------------------------------------------------- auxiliary, twice, its own

AUXILIARY = """
role base { applies_to person.role == "base"
  kpi c { process main  measure count(calls)  target >= 2  weight 40% }
  kpi d { outcome main  measure count(deals)  target >= 1  weight 60% }
}
role child { extends base  applies_to person.role == "child"
  override c { process auxiliary }
}
"""


def test_an_override_making_a_kpi_auxiliary_drops_its_weight(tmp_path):
    # language.md §7.2: the inherited 40% goes with `process auxiliary`; C's total is d's
    # alone: 60% × 100 (1 deal, target 1) = 60; c, 1 call of 2, is scored 50 but not weighted
    people = "B,base,,2020-01-01,,,\nC,child,,2020-01-01,,,"
    data = {"people": people, "calls": "B,2026-03-02 10:00:00\nC,2026-03-02 10:00:00",
            "deals": "B,2026-03-03,10,true,1\nC,2026-03-03,10,true,1"}
    result = run(tmp_path, AUXILIARY, data, MARCH)
    c = person(result, "C")
    assert (kpi(c, "c")["rank"], kpi(c, "c")["weight"], num(kpi(c, "c")["score"])) == ("auxiliary", None, 50)
    assert num(c["total_score"]) == 60
    # B keeps both weights: 40% × 50 + 60% × 100 = 80
    assert num(person(result, "B")["total_score"]) == 80


def test_a_weight_written_on_an_auxiliary_override_is_still_e247(tmp_path):
    role = AUXILIARY.replace("override c { process auxiliary }", "override c { process auxiliary  weight 40% }")
    code, errors = check(tmp_path, role)
    assert (code, [(e[0], e[1]) for e in errors]) == (1, [(at(role, "weight 40%", 2), "E247")])


def test_a_kpi_overridden_twice_in_one_role_is_e222(tmp_path):
    role = AUXILIARY.replace("override c { process auxiliary }",
                             "override c { target >= 3 }\n  override c { weight 50% }")
    code, errors = check(tmp_path, role)
    assert code == 1
    assert errors == [(at(role, "c { weight"), "E222", "'override c' is given twice in role child",
                       f"the first is at line {at(role, 'override c').split(':')[0]}; write both changes in one override")]


def test_overriding_a_kpi_the_role_declares_itself_is_e206_in_either_order(tmp_path):
    for own, override in (("kpi e { process main  measure count(calls)  target >= 1 }", "override e { target >= 2 }"),
                          ("override e { target >= 2 }", "kpi e { process main  measure count(calls)  target >= 1 }")):
        role = AUXILIARY.replace("override c { process auxiliary }", f"{own}\n  {override}")
        code, errors = check(tmp_path, role)
        assert code == 1
        assert errors == [(at(role, "e { target"), "E206", "cannot override 'e': role child declares it itself",
                           f"change `kpi e` at line {at(role, 'kpi e').split(':')[0]} instead: override changes a "
                           "KPI inherited through extends")]


# ------------------------------------------------------------- whose no_data score

NO_DATA = """
role base { applies_to person.role == "base"
  no_data score 10
  kpi k1 { process main  measure avg(deals.days)  target >= 1  weight 50% }
  kpi k2 { process main  measure avg(deals.days)  target >= 1  weight 50% }
}
role child { extends base  applies_to person.role == "child"
  no_data score 30
  override k2 { no_data score 40 }
  kpi k3 { process auxiliary  measure avg(deals.days)  target >= 1 }
}
"""


def test_an_inherited_no_data_score_names_the_role_it_comes_from(tmp_path):
    # no deals: every KPI has no value. k1 keeps base's 10 (§7.2), named as role base's
    # since C's own role says 30; k3 is child's own, so "the role" is C's
    people = "B,base,,2020-01-01,,,\nC,child,,2020-01-01,,,"
    result = run(tmp_path, NO_DATA, {"people": people}, MARCH)
    rules = {k["id"]: k["score_rule"] for k in person(result, "C")["kpis"]}
    assert rules == {
        "k1": "no value: scored 10 as role base says (no_data)",
        "k2": "no value: scored 40 as the KPI says (no_data)",
        "k3": "no value: scored 30 as the role says (no_data)",
    }
    assert kpi(person(result, "B"), "k1")["score_rule"] == "no value: scored 10 as the role says (no_data)"
    assert "  score: no value: scored 10 as role base says (no_data)" in explain(tmp_path, "C", MARCH).splitlines()
    # C: 50% × 10 + 50% × 40 = 25
    assert num(person(result, "C")["total_score"]) == D(25)
    zh = CliRunner().invoke(cli, ["--lang", "zh", "explain", "C", "--config", str(tmp_path / "kpirules.toml"),
                                  "--period", MARCH])
    assert zh.exit_code == 0 and "无数值：按岗位 base 的规定（no_data）计 10 分" in zh.output
