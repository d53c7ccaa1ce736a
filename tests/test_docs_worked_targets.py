"""docs/semantics.md §2 (team scope), §3 (targets, proration) and §6 (total, grade) worked by hand.

Every expected number below is worked from the documentation only; tests/docs_worked_kit.py
writes the scheme, the CSV files and kpirules.toml and runs `kpirules run --format json`.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from docs_worked_kit import D, explain, kpi, num, person, project, run
from kpirules.cli import cli

MARCH = "2026-03"


def calls(n: int, day: str = "2026-03-20") -> str:
    return f"A,{day} 10:00:00\n" * n


# ----------------------------------------------------------------------------- §3 targets

LAYERED = """
role rep { applies_to person.role == "rep"
  kpi calls { process main  weight 100%  measure count(calls)
    target <= quotas.calls
    target <= 300 when person.level == "senior"
    target <= 200 when person.tenure_months < 3
    target <= 100
  }
}
"""
# `<=` targets are never prorated (semantics §3), so hires within March keep whole targets.
LAYERED_PEOPLE = """
A,rep,,2020-01-01,,senior,
B,rep,,2026-02-01,,senior,
C,rep,,2026-02-01,,,
D,rep,,2020-01-01,,,
E,rep,,2020-01-01,,senior,
F,rep,,2020-01-01,,,
"""


def test_per_person_then_first_matching_when_then_the_unconditional_target(tmp_path):
    # semantics §3: 1. the per-person row for the KPI's period with a present value;
    # 2. the first `when` in written order; 3. the line without `when`.
    quotas = """
    E,2026-03,42,
    F,2026-03,,
    A,2026-02,7,
    A,2026Q1,8,
    """
    result = run(tmp_path, LAYERED, {"people": LAYERED_PEOPLE, "quotas": quotas}, MARCH)
    targets = {p["person_id"]: num(kpi(p, "calls")["target"]) for p in result["people"]}
    # A: senior (the February and Q1 rows are for other periods) -> 300; B: senior and new ->
    # the first `when` (300); C: new (1 whole month) -> 200; D: -> 100; E: its row -> 42;
    # F: its row has no value -> 100
    assert targets == {"A": 300, "B": 300, "C": 200, "D": 100, "E": 42, "F": 100}
    sources = {p["person_id"]: kpi(p, "calls")["target_source"] for p in result["people"]}
    assert sources["E"] != sources["F"]


QUARTERLY_TARGET = """
role rep { applies_to person.role == "rep"
  kpi monthly { process main  weight 50%  measure count(calls)  target >= quotas.calls  target >= 1 }
  kpi quarterly { process main  weight 50%  period quarter  measure count(calls)
    target >= quotas.calls  target >= 2 }
}
"""


def test_a_label_row_applies_to_the_kpi_of_its_own_period_only(tmp_path):
    # semantics §3: `2026Q1` is a quarterly KPI's row, `2026-03` a monthly one's; never split
    quotas = "A,2026Q1,30,\nA,2026-01,4,\nA,2026-02,5,"
    result = run(tmp_path, QUARTERLY_TARGET, {"quotas": quotas, "calls": calls(1)}, "2026Q1")
    jan, feb, mar = (person(result, period=m) for m in ("2026-01", "2026-02", "2026-03"))
    assert [num(kpi(p, "monthly")["target"]) for p in (jan, feb, mar)] == [4, 5, 1]
    assert [num(kpi(p, "quarterly")["target"]) for p in (jan, feb, mar)] == [30, 30, 30]


DATED = QUARTERLY_TARGET.replace("quotas.calls", "dated_quotas.calls")


def test_a_dated_row_belongs_to_every_kpi_period_that_contains_its_date(tmp_path):
    # semantics §3: a quota dated 2026-02-28 is the 2026Q1 target of a quarterly KPI and the
    # 2026-02 target of a monthly one; three monthly dated rows do not make a quarterly target
    dated = "A,2026-02-28,40"
    result = run(tmp_path, DATED, {"dated_quotas": dated, "calls": calls(1)}, "2026Q1")
    jan, feb, mar = (person(result, period=m) for m in ("2026-01", "2026-02", "2026-03"))
    assert [num(kpi(p, "monthly")["target"]) for p in (jan, feb, mar)] == [1, 40, 1]
    assert [num(kpi(p, "quarterly")["target"]) for p in (jan, feb, mar)] == [40, 40, 40]


def test_two_rows_for_one_person_and_kpi_period_are_an_error(tmp_path):
    for name, rows, table in (("label", "A,2026-03,4,\nA,2026-03,5,", "quotas"),
                              ("dated", "A,2026-03-01,4\nA,2026-03-31,5", "dated_quotas")):
        role = QUARTERLY_TARGET if table == "quotas" else DATED
        config = project(tmp_path / name, role, {table: rows, "calls": calls(1)})
        result = CliRunner().invoke(cli, ["run", "--config", str(config), "--period", MARCH])
        assert result.exit_code == 1, result.output
        assert "A" in result.output and "Traceback" not in result.output


def test_two_target_rows_are_named_by_file_row_and_line(tmp_path, monkeypatch):
    # the first record has a field too many: skipped as unreadable, it still counts as row 1
    # (line 2), so the clashing rows are rows 2 and 3 of quotas.csv, on lines 3 and 4
    config = project(tmp_path, QUARTERLY_TARGET, {"quotas": "A,2026-02,4,,9\nA,2026-03,4,\nA,2026-03,5,",
                                                  "calls": calls(1)})
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["run", "--config", str(config), "--period", MARCH, "--on-bad-rows", "skip"])
    assert result.exit_code == 1, result.output
    assert ("dataset quotas, source quotas.csv, row 3, column calls: error[E510]: two target rows for person A "
            "in period 2026-03 both give calls (rows 2, 3)\n"
            "  = note: row 2 (line 3)\n  = note: row 3 (line 4)\n") in result.output


# --------------------------------------------------------------------------- §3 proration

PRORATED = """
role rep { applies_to person.role == "rep"
  kpi calls { process main  weight 20%  measure count(calls)  target >= 150 }
  kpi net { outcome main  weight 20%  measure sum(deals.amount) - sum(deals.amount where not won)  target >= 310 }
  kpi rate { outcome main  weight 20%  measure count(deals where won) / count(deals)  target >= 15% }
  kpi average { outcome main  weight 20%  measure avg(deals.amount)  target >= 100 }
  kpi cycle { outcome main  weight 20%  measure max(deals.days)  target <= 30 }
  kpi fewer { outcome auxiliary  measure -count(calls)  target >= -310 }
  PAYOUT
}
"""
HIRED_10_MARCH = "A,rep,,2026-03-10,,,"


def prorated_targets(tmp_path, people: str, payout: str = "") -> dict[str, D]:
    role = PRORATED.replace("PAYOUT", payout)
    p = person(run(tmp_path, role, {"people": people, "calls": calls(1)}, MARCH))
    return {k["id"]: num(k["target"]) for k in p["kpis"]}


def test_additive_higher_is_better_targets_are_prorated_by_active_days(tmp_path):
    # semantics §3, its example: hired 2026-03-10, active 22 of 31 days (10 March counts):
    # 150 x 22 / 31 = 106.4516129 -> 106.451613; a difference of sums is additive:
    # 310 x 22 / 31 = 220, and so is a negated count: -310 x 22 / 31 = -220. A ratio, an
    # average and a `<=` KPI keep their targets.
    targets = prorated_targets(tmp_path, HIRED_10_MARCH)
    assert targets == {"calls": D("106.451613"), "net": D(220), "rate": D("0.15"),
                       "average": D(100), "cycle": D(30), "fewer": D(-220)}


def test_the_leave_date_counts_as_an_active_day(tmp_path):
    # hired 10 March, left 20 March: 11 active days (both count); 150 x 11 / 31 = 53.225806
    targets = prorated_targets(tmp_path, "A,rep,,2026-03-10,2026-03-20,,")
    assert targets["calls"] == D("53.225806")
    p = person(run(tmp_path / "b", PRORATED.replace("PAYOUT", ""),
                   {"people": "A,rep,,2026-03-10,2026-03-20,,", "calls": calls(1)}, MARCH))
    assert (p["active_days"], p["period_days"]) == (11, 31)


def test_proration_off_keeps_the_whole_target(tmp_path):
    targets = prorated_targets(tmp_path, HIRED_10_MARCH, "payout { target_incentive 100 CNY  proration off }")
    assert targets["calls"] == 150


def test_proration_is_on_by_default_with_or_without_a_payout_block(tmp_path):
    # semantics §3: proration is on unless the role's payout says `proration off`
    with_payout = prorated_targets(tmp_path / "a", HIRED_10_MARCH, "payout { target_incentive 100 CNY }")
    without = prorated_targets(tmp_path / "b", HIRED_10_MARCH)
    assert with_payout["calls"] == without["calls"] == D("106.451613")


@pytest.mark.parametrize(("measure", "prorated"), [
    ("sum(deals.amount) * 2", False),
    ("sum(deals.amount) / 2", False),
    ("count(calls) + count(deals)", True),
    ("count_distinct(deals.owner_id)", True),
])
def test_which_measures_are_additive(tmp_path, measure, prorated):
    # semantics §3: only counts, distinct counts, sums, and sums and differences of those
    role = f"""
role rep {{ applies_to person.role == "rep"
  kpi k {{ outcome main  weight 100%  measure {measure}  target >= 310 }}
}}
"""
    p = person(run(tmp_path, role, {"people": HIRED_10_MARCH, "calls": calls(1)}, MARCH))
    assert num(kpi(p, "k")["target"]) == (D(220) if prorated else D(310))


def test_a_quarterly_target_is_prorated_over_the_quarter(tmp_path):
    # semantics §3: active days / days in the KPI's period. Hired 15 February: active in Q1
    # from 15 February to 31 March = 14 + 31 = 45 of 90 days; 900 x 45 / 90 = 450
    role = """
role rep { applies_to person.role == "rep"
  kpi q { process main  weight 100%  period quarter  measure count(calls)  target >= 900 }
}
"""
    p = person(run(tmp_path, role, {"people": "A,rep,,2026-02-15,,,", "calls": calls(1)}, MARCH))
    assert num(kpi(p, "q")["target"]) == 450


def test_a_per_person_target_is_prorated_too(tmp_path):
    # quotas row 2026-03: 31 calls; hired 10 March: 31 x 22 / 31 = 22
    role = """
role rep { applies_to person.role == "rep"
  kpi k { process main  weight 100%  measure count(calls)  target >= quotas.calls }
}
"""
    data = {"people": HIRED_10_MARCH, "quotas": "A,2026-03,31,", "calls": calls(11)}
    p = person(run(tmp_path, role, data, MARCH))
    k = kpi(p, "k")
    assert (num(k["target"]), num(k["target_before_proration"]), num(k["attainment"])) == (22, 31, D("0.5"))


# ------------------------------------------------------------------- §6 total score, grade

def test_contributions_are_rounded_to_six_places_and_the_total_is_their_sum(tmp_path):
    # calls 3 / 7 -> attainment 0.428571 -> score 42.8571; 33.3% x 42.8571 = 14.27141430
    # -> 14.271414. deals 1 of 1 won -> 100% -> 100 x 40% = 40. Weights need not sum to 100%:
    # total 14.271414 + 40 = 54.271414
    role = """
role rep { applies_to person.role == "rep"
  kpi calls { process main  weight 33.3%  measure count(calls)  target >= 7 }
  kpi won { outcome main  weight 40%  measure count(deals where won) / count(deals)  target >= 100% }
  kpi side { process auxiliary  measure count(calls)  target >= 1 }
}
"""
    p = person(run(tmp_path, role, {"calls": calls(3), "deals": "A,2026-03-03,5,true,1"}, MARCH))
    assert num(kpi(p, "calls")["contribution"]) == D("14.271414")
    assert num(p["total_score"]) == D("54.271414")
    # the auxiliary KPI is scored (3 / 1 -> capped at 100) but contributes nothing
    assert num(kpi(p, "side")["score"]) == 100 and kpi(p, "side")["contribution"] in (None, "0")


def test_the_in_progress_scaling_is_rounded_to_six_places(tmp_path):
    # semantics §6: January of a quarterly KPI (70%): the monthly contributions
    # 20% x 33.3333 (1 / 3 -> 0.333333) = 6.66666 and 10% x 50 = 5 -> 11.66666, scaled by
    # 100% / 30% = 38.8888666... -> 38.888867
    role = """
role rep { applies_to person.role == "rep"
  kpi third { process main  weight 20%  measure count(calls)  target >= 3 }
  kpi half { process main  weight 10%  measure count(calls)  target >= 2 }
  kpi q { process main  weight 70%  period quarter  measure count(calls)  target >= 9 }
}
"""
    p = person(run(tmp_path, role, {"calls": calls(1, "2026-01-20")}, "2026-01"))
    assert num(p["total_score"]) == D("38.888867")


GRADED = """
grades bands { [90, ∞): A  [75, 90): B  (60, 75): C  [0, 60]: D }
role rep { applies_to person.role == "rep"
  grades bands
  kpi calls { process main  weight 100%  measure count(calls)  target >= 100  score linear cap 200% }
}
"""


@pytest.mark.parametrize(("n", "grade"), [(59, "D"), (60, "D"), (61, "C"), (75, "B"), (89, "B"), (90, "A"), (150, "A")])
def test_grade_bands_at_their_edges(tmp_path, n, grade):
    # semantics §6: the row whose range contains the total; 60 is in [0, 60], not in (60, 75)
    p = person(run(tmp_path, GRADED, {"calls": calls(n)}, MARCH))
    assert (num(p["total_score"]), p["grade"]) == (n, grade)


# --------------------------------------------------------------------------- §2 team scope

TEAM = """
role mgr { applies_to person.role == "mgr"
  kpi team { process main  weight 50%  scope team  measure count(calls)  target >= 1 }
  kpi team_and_self { process main  weight 50%  scope team_and_self  measure count(calls)  target >= 1 }
}
role rep { applies_to person.role == "rep"
  kpi own { process main  weight 100%  measure count(calls)  target >= 1 }
}
"""
TEAM_PEOPLE = """
M,mgr,,2020-01-01,,,
A,rep,M,2020-01-01,,,
B,rep,A,2020-01-01,,,
C,rep,,2020-01-01,,,
N,mgr,A,2020-01-01,,,
"""


def test_team_scope_reads_direct_and_indirect_reports_and_not_the_manager(tmp_path):
    # M manages A, A manages B and N: M's team is A, B and N: 2 + 4 + 16 = 22 calls (M's own
    # call excluded); team_and_self adds M's own: 23. C has no manager and is in no team.
    # N manages nobody: team 0, team_and_self 16.
    rows = {"M": 1, "A": 2, "B": 4, "C": 8, "N": 16}
    data = "\n".join(f"{who},2026-03-05 10:00:00" for who, n in rows.items() for _ in range(n))
    result = run(tmp_path, TEAM, {"people": TEAM_PEOPLE, "calls": data}, MARCH)
    m, n = person(result, "M"), person(result, "N")
    assert (num(kpi(m, "team")["value"]), num(kpi(m, "team_and_self")["value"])) == (22, 23)
    assert (num(kpi(n, "team")["value"]), num(kpi(n, "team_and_self")["value"])) == (0, 16)
    assert num(kpi(person(result, "A"), "own")["value"]) == 2


def test_a_quarterly_target_is_prorated_over_the_whole_quarter_in_every_run(tmp_path):
    # semantics §3: hired 15 January: 17 + 28 + 31 = 76 of 90 days in Q1, counted over the
    # whole quarter also before it closes: 900 x 76 / 90 = 760 in January, February and March
    role = """
role rep { applies_to person.role == "rep"
  kpi q { process main  weight 100%  period quarter  measure count(calls)  target >= 900 }
}
"""
    result = run(tmp_path, role, {"people": "A,rep,,2026-01-15,,,", "calls": calls(1)}, "2026Q1")
    targets = [num(kpi(person(result, period=m), "q")["target"]) for m in ("2026-01", "2026-02", "2026-03")]
    assert targets == [760, 760, 760]


def test_a_total_below_the_grade_table_has_no_grade(tmp_path):
    # semantics §6: a no-data score of -10 makes the total -10, below [0, 60]: no grade
    role = GRADED.replace("score linear cap 200% }", "score linear cap 200%  no_data score -10 }").replace(
        "measure count(calls)", "measure avg(deals.days)")
    p = person(run(tmp_path, role, {"calls": calls(1)}, MARCH))
    assert (num(p["total_score"]), p["grade"]) == (-10, None)
    # explain says why (the role has a grade table; the total is outside it)
    assert "grade: none (no grade band holds this total)" in explain(tmp_path, "A", MARCH)
