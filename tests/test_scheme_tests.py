"""`kpirules test` and the pytest plugin: scheme tests (*.kpitest.toml) on real files, the real
engine, real DuckDB and the real CLI.

Expected numbers come from the small scheme MINI of scheme_tests_kit.py (one KPI, tiers by
attainment, a `when` target, a zeroing gate, no factor table: factor = total / 100) or from
the worked example of docs/semantics.md section 7 on rulesets/telesales.kpi, or the
reference rulesets.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET

from click.testing import CliRunner

from kpirules.cli import cli
from kpirules.tomlpositions import locate
from scheme_tests_kit import HEAD, MINI, REPO, cases, refused, run, write


# ---------------------------------------------------------------- the reference rulesets


def test_the_reference_tests_pass_and_cover_every_tier_branch_and_gate(monkeypatch):
    monkeypatch.chdir(REPO)
    result = run("--coverage", "-q")
    assert result.exit_code == 0, result.output
    # 6 + 6 + 5 + 9 cases; 80 items: 17 telesales, 7 senior_telesales, 17 customer success,
    # 20 key account, 19 sales manager (tiers and linear segments, target lines, factor rows,
    # commission rows, each gate passing and failing)
    assert result.output == (  # no blank line above the summary when no case is listed
        "26 cases in 4 files: 26 passed, 0 failed.\n"
        "Coverage: 80 of 80 tiers, branches and gates exercised.\n"
    )


# ---------------------------------------------------------------- passing and failing


def test_a_passing_file_with_values_and_rows(mini):
    write(mini, cases("""
        [[case]]
        name = "on target"
        values.calls = 10
        expect.kpis.calls = { target = 10, attainment = "100%", score = 100 }
        expect.factor = 1                  # no factor table: 100 / 100
        expect.gates = ["passed"]
        expect.payout = "1000.00"

        [[case]]
        name = "a junior from raw rows"
        person = { level = "junior", hired_on = 2025-01-01 }
        rows.calls = [
          { called_at = 2026-03-02T09:00:00 },
          { called_at = 2026-03-31T23:59:59 },
          # 20:00 UTC on 31 March is 04:00 on 1 April in Asia/Shanghai: not in March
          { called_at = 2026-03-31T20:00:00Z },
        ]
        # 2 calls / target 5 (the `when` line) = 40%: tier [0%, 50%): 0; the gate zeroes the payout
        expect.kpis.calls = { value = 2, target = 5, attainment = "40%", score = 0 }
        expect.gates = ["failed"]
        expect.payout = "0.00"
    """))
    result = run("mini.kpitest.toml")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "mini.kpitest.toml\n"
        "  PASS  on target\n"
        "  PASS  a junior from raw rows\n"
        "\n"
        "2 cases in 1 file: 2 passed, 0 failed.\n"
    )


def test_a_failing_case_shows_expected_actual_and_the_failing_step(mini):
    write(mini, cases("""
        [[case]]
        name = "half the calls"
        values.calls = 5
        expect.kpis.calls.score = 100
        expect.payout = "1000.00"
    """))
    result = run("mini.kpitest.toml")
    assert result.exit_code == 1
    # 5 / 10 = 50%: tier [50%, 100%): 50; factor 50 / 100 = 0.5; 1000 x 0.5 = 500.00
    assert result.output == (
        "mini.kpitest.toml\n"
        "  FAIL  half the calls  (mini.kpitest.toml:4:1)\n"
        "        kpi calls score: expected 100, got 50  (mini.kpitest.toml:7:27)\n"
        "          step: score: attainment 50% is in [50%, 100%): score 50  [mini.kpi:33]\n"
        "        payout: expected 1000.00, got 500.00  (mini.kpitest.toml:8:17)\n"
        "          step: target incentive 1000 CNY  [mini.kpi:39]\n"
        "          step: no factor table: factor = total score / 100 = 0.5\n"
        "          step: gate calls.attainment >= 50% passed: the condition holds with calls.attainment 50%  [mini.kpi:40]\n"
        "          step: incentive = 1000 CNY × 0.5 = 500.00 CNY (rounded half_up to 0.01)\n"
        "          step: payout 500.00 CNY\n"
        "\n"
        "1 case in 1 file: 0 passed, 1 failed.\n"
    )


def test_a_failing_value_from_rows_shows_the_aggregates(mini):
    write(mini, cases("""
        [[case]]
        name = "rows"
        rows.calls = [{ called_at = 2026-03-02T09:00:00 }, { called_at = 2026-02-27T09:00:00 }]
        expect.kpis.calls.value = 2
    """))
    result = run("mini.kpitest.toml")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert "        kpi calls value: expected 2, got 1  (mini.kpitest.toml:7:27)" in lines
    # explain's lines for the value: each aggregate with the rows it matched, then the value
    assert lines[lines.index("        kpi calls value: expected 2, got 1  (mini.kpitest.toml:7:27)") + 1:] == [
        "          step: count(calls) over calls, by called_at from 2026-03-01 to before 2026-04-01: "
        "1 row matched, result 1",
        "          step: value: 1",
        "",
        "1 case in 1 file: 0 passed, 1 failed.",
    ]


def test_the_worked_example_of_the_semantics_page(tmp_path, monkeypatch):
    # docs/semantics.md section 7: 210 calls, 15% conversion, 85% collection: total 89.5,
    # factor 0.895, payout 2685.00; a wrong expectation names the factor row that applied
    for name in ("telesales.kpi", "common.kpi"):
        shutil.copy(REPO / "rulesets" / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    write(tmp_path, """
        role = "telesales"
        period = "2026-03"

        [[case]]
        name = "worked example"
        values = { outbound_calls = 210, lead_conversion = "15%", collection_rate = 0.85 }
        expect.total = 89.5
        expect.grade = "良好"
        expect.factor = 0.9
    """, "telesales.kpitest.toml")
    result = run("--format", "json", "telesales.kpitest.toml")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["summary"] == {"files": 1, "cases": 1, "passed": 0, "failed": 1, "errors": 0}
    case = data["files"][0]["cases"][0]
    assert (case["status"], case["role"], case["period"], case["expectations"]) == ("failed", "telesales", "2026-03", 3)
    (failure,) = case["failures"]
    assert failure["expectation"] == "factor"
    assert (failure["expected"], failure["actual"]) == ("0.9", "0.895")
    assert failure["location"] == "telesales.kpitest.toml:10:17"
    assert failure["steps"][0] == ("total score 89.5 is in [60, 100): linear 0.6 to 1 = 0.6 + (1 − 0.6) × "
                                   "(89.5 − 60) / (100 − 60) = 0.895  [telesales.kpi:57]")
    assert failure["steps"][1] == ("gate collection_rate.attainment >= 80% passed: the condition holds with collection_rate.attainment 89.4737%  "
                                   "[telesales.kpi:61]")


def test_the_steps_of_a_failure_are_the_lines_explain_prints(mini):
    """testing.md: a failure's steps are explain's lines for the same person. The case's person
    and rows are also written as the data of a project, and every step of every failing
    expectation must be a line `kpirules explain P1` prints for it."""
    (mini / "kpirules.toml").write_text(textwrap.dedent("""\
        [project]
        rulesets = ["mini.kpi"]
        [env.test.datasets.people]
        source = "csv"
        path = "people.csv"
        [env.test.datasets.calls]
        source = "csv"
        path = "calls.csv"
    """), encoding="utf-8")
    (mini / "people.csv").write_text("person_id,role,level,hired_on\nP1,caller,junior,\n", encoding="utf-8")
    (mini / "calls.csv").write_text("agent_id,called_at\n" + "P1,2026-03-02T09:00:00\n" * 3, encoding="utf-8")
    write(mini, cases("""
        [[case]]
        name = "everything wrong"
        person = { level = "junior" }
        rows.calls = [{ called_at = 2026-03-02T09:00:00 }, { called_at = 2026-03-02T09:00:00 },
                      { called_at = 2026-03-02T09:00:00 }]
        expect.kpis.calls = { value = 9, target = 9, attainment = "9%", score = 9, contribution = 9, status = "no_data" }
        expect.total = 9
        expect.grade = "A"
        expect.factor = 9
        expect.gates = ["failed"]
        expect.target_incentive = 9
        expect.incentive = 9
        expect.payout = 9
    """))
    result = run("--format", "json", "mini.kpitest.toml")
    assert result.exit_code == 1, result.output
    failures = json.loads(result.stdout)["files"][0]["cases"][0]["failures"]
    assert len(failures) == 13
    explained = CliRunner().invoke(cli, ["explain", "P1", "--period", "2026-03"], catch_exceptions=False)
    assert explained.exit_code == 0, explained.output
    lines = {line.strip() for line in explained.stdout.splitlines()}
    for failure in failures:
        assert failure["steps"], failure
        for step in failure["steps"]:
            assert step in lines, (failure["expectation"], step)
    steps = {failure["expectation"]: failure["steps"] for failure in failures}
    # 3 calls against the junior's `when` target 5: 60%, tier [50%, 100%): 50
    assert steps["kpi calls value"] == [
        "count(calls) over calls, by called_at from 2026-03-01 to before 2026-04-01: 3 rows matched, result 3",
        "value: 3"]
    assert steps["kpi calls target"] == [
        'target: >= 5 (the `when` branch target >= 5 when person.level == "junior", mini.kpi:29); person.level "junior"']
    assert steps["kpi calls attainment"] == ["value: 3", *steps["kpi calls target"], "attainment: value / target = 60%"]
    assert steps["kpi calls contribution"] == ["weight 100% × score 50 = 50 points  [mini.kpi:30]"]
    assert steps["total"] == ["total score: 50 = 50"]
    assert steps["grade"] == ["grade: none (the role has no grades)"]


def test_a_target_incentive_without_a_value_is_expected_as_0_or_none(mini):
    """semantics.md section 7: a person attribute without a value gives the target incentive 0,
    and its step says so; `expect.target_incentive = 0` failed with "got no value"."""
    (mini / "mini.kpi").write_text(MINI.replace(
        "  column hired_on date\n", "  column hired_on date\n  column bonus money\n").replace(
        "target_incentive 1000 CNY", "target_incentive person.bonus"), encoding="utf-8")
    write(mini, cases("""
        [[case]]
        name = "zero"
        values.calls = 10
        expect.target_incentive = 0
        expect.incentive = 0
        [[case]]
        name = "none"
        values.calls = 10
        expect.target_incentive = "none"
        [[case]]
        name = "some"
        values.calls = 10
        expect.target_incentive = 5
    """))
    result = run("mini.kpitest.toml")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[1:4] == ["  PASS  zero", "  PASS  none", "  FAIL  some  (mini.kpitest.toml:13:1)"]
    assert lines[4:6] == [
        "        target_incentive: expected 5, got no value  (mini.kpitest.toml:16:27)",
        "          step: target incentive person.bonus: the person attribute has no value, so it is 0  [mini.kpi:40]"]


# ---------------------------------------------------------------- coverage


def test_coverage_lists_what_no_case_exercised(mini):
    write(mini, cases("""
        [[case]]
        name = "on target"
        values.calls = 10
        expect.payout = "1000.00"
    """))
    result = run("--coverage", "mini.kpitest.toml")
    assert result.exit_code == 1  # the case passes; the uncovered items are the problem
    assert result.output.endswith(
        "Coverage: 3 of 7 tiers, branches and gates exercised; not exercised by any case:\n"
        '  mini.kpi:29:5: role caller: kpi calls: target branch `target >= 5 when person.level == "junior"`\n'
        "  mini.kpi:32:7: role caller: kpi calls: scoring tier [0%, 50%): 0\n"
        "  mini.kpi:33:7: role caller: kpi calls: scoring tier [50%, 100%): 50\n"
        "  mini.kpi:40:5: role caller: `gate calls.attainment >= 50% else zero` failing\n"
    )
    write(mini, cases("""
        [[case]]
        name = "junior, nothing"
        person.level = "junior"
        values.calls = 0
        expect.payout = "0.00"

        [[case]]
        name = "half"
        values.calls = 5
        expect.payout = "500.00"
    """).replace("role", 'scheme = "mini.kpi"\nrole', 1), "more.kpitest.toml")
    both = run("--coverage", "--format", "json", ".")
    assert both.exit_code == 0, both.output
    assert json.loads(both.output)["coverage"] == {"items": 7, "exercised": 7, "uncovered": []}


def test_coverage_of_lookup_rows_pass_fail_tiers_by_value_and_retroactive_rows(mini):
    # MINI's header, roster and dataset, with a role of the other curves and a retroactive commission
    header = MINI.split("role caller {")[0]
    (mini / "mini.kpi").write_text(header + textwrap.dedent("""\
        role caller {
          kpi calls {
            process main
            measure count(calls)
            target >= 10
            weight 50%
            score lookup { 0%: 0  80%: 60  100%: 100 }
          }
          kpi talk {
            outcome main
            measure count(calls)
            target >= 4
            weight 30%
            score pass_fail
          }
          kpi volume {
            outcome main
            measure count(calls)
            weight 20%
            score tiers by value {
              [0, 5): 0
              [5, ∞): 100
            }
          }
          payout {
            target_incentive 1000 CNY
            commission calls retroactive {
              [0, 10): 1%
              [10, ∞): 2%
            }
          }
        }
    """), encoding="utf-8")
    write(mini, cases("""
        [[case]]
        name = "eight calls"
        values = { calls = 8, talk = 3, volume = 8 }
        # calls 80%: lookup row 80%: 60, x 50% = 30; talk 75% misses: 0; volume 8 in [5, ∞): 100, x 20% = 20
        expect.kpis.calls.score = 60
        expect.kpis.talk.score = 0
        expect.kpis.volume.score = 100
        expect.total = 50
        expect.commissions.calls = "0.08"      # retroactive: 8 is in [0, 10), so 1% of all 8
        expect.payout = "500.08"               # 1000 x 50 / 100 + 0.08
    """))
    result = run("--coverage", "mini.kpitest.toml")
    assert result.exit_code == 1, result.output
    assert result.output.endswith(
        "Coverage: 4 of 9 tiers, branches and gates exercised; not exercised by any case:\n"
        "  mini.kpi:30:20: role caller: kpi calls: lookup row 0%: 0\n"
        "  mini.kpi:30:36: role caller: kpi calls: lookup row 100%: 100\n"
        "  mini.kpi:37:11: role caller: kpi talk: pass_fail met\n"
        "  mini.kpi:44:7: role caller: kpi volume: scoring tier [0, 5): 0\n"
        "  mini.kpi:52:7: role caller: commission on calls: row [10, ∞)\n"
    )


def test_coverage_names_the_value_tiers_of_a_rate_in_percent(tmp_path, monkeypatch):
    # the reference renewal_rate tiers are renewal rates (`by value`), written as percentages
    monkeypatch.chdir(tmp_path)
    for kpi_file in ("common.kpi", "customer_success_manager.kpi"):
        shutil.copy(REPO / "rulesets" / kpi_file, tmp_path / kpi_file)
    write(tmp_path, textwrap.dedent("""\
        role = "customer_success_manager"
        period = "2026-03"
        person = { hired_on = 2022-09-01 }

        [[case]]
        name = "on target"
        values = { satisfaction = "90%", renewal_rate = "85%", health_checks = 20 }
        expect.kpis.renewal_rate.score = 100   # 85% is in [85%, 100%)
    """), "customer_success_manager.kpitest.toml")
    result = run("--coverage", "customer_success_manager.kpitest.toml")
    assert result.exit_code == 1, result.output
    uncovered = [line.split(": kpi renewal_rate: ")[1] for line in result.output.splitlines() if "kpi renewal_rate" in line]
    assert uncovered == ["scoring tier [0%, 70%): 0", "scoring tier [70%, 85%): 70", "scoring tier [100%, ∞): 110"]


# ---------------------------------------------------------------- bad test files


def test_a_case_for_a_kpi_the_role_does_not_have(mini):
    result = refused(mini, cases("""
        [[case]]
        name = "typo"
        values = { cals = 10 }
        expect.total = 100
    """), code="E806", at="6:12", message="values: the role caller has no KPI 'cals'")
    assert "  = help: did you mean 'calls'?" in result.stderr
    assert result.stdout == ""  # nothing ran


def test_a_bare_number_that_would_be_a_huge_share_is_refused(mini):
    """15 meant as 15% would read as 1500%, and a cap would hide the mistake (the score is
    capped either way): a bare share above 10 (1000%) is refused, "15%" or 0.15 accepted."""
    result = refused(mini, cases("""
        [[case]]
        name = "attainment without its sign"
        values = { calls = 10 }
        expect.kpis.calls = { attainment = 105 }
    """), code="E803", at="7:36",
        message="expect.kpis.calls.attainment: expected an attainment, not 105: as a fraction that is 10500%")
    assert '  = help: write a percentage with its sign, "105%", or as a fraction' in result.stderr


def test_a_case_name_with_pytests_separator_is_refused(mini):
    refused(mini, cases("""
        [[case]]
        name = "calls::on target"
        values = { calls = 10 }
        expect.total = 100
    """), code="E809", at="5:8", message="the case name 'calls::on target' contains '::'")


def test_case_names_are_checked_beside_the_cases_other_problems(mini):
    # testing.md: every problem is listed before anything runs; a duplicate name in a case
    # with another problem was reported only once that problem was fixed
    write(mini, HEAD + '[[case]]\nname = "x"\nbogus = 1\nexpect.total = 1\n'
                       '[[case]]\nname = "x"\nbogus = 1\nexpect.total = 2\n')
    result = run("mini.kpitest.toml")
    assert result.exit_code == 1, result.output
    found = [line.split(": error[")[1][:4] for line in result.stderr.splitlines() if ": error[" in line]
    assert found == ["E801", "E809", "E801"], result.stderr  # in line order
    assert "mini.kpitest.toml:8:8: error[E809]: two cases are named 'x'" in result.stderr


def test_the_named_configuration_chooses_the_rulesets(mini, tmp_path):
    """--config is read as `kpirules run` reads it: its [project] rulesets, and a broken one is an error."""
    (mini / "schemes").mkdir()
    (mini / "mini.kpi").rename(mini / "schemes" / "mini.kpi")
    write(mini / "schemes", cases("""
        [[case]]
        name = "on target"
        values = { calls = 10 }
        expect.total = 100
    """))
    (mini / "kpirules.toml").write_text('[project]\nrulesets = ["schemes"]\n', encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.chdir(elsewhere)
    result = run("--config", str(mini / "kpirules.toml"))
    assert result.exit_code == 0, result.output
    assert "1 case in 1 file: 1 passed, 0 failed." in result.stdout
    (mini / "kpirules.toml").write_text("[project\n", encoding="utf-8")
    broken = run("--config", str(mini / "kpirules.toml"))
    assert broken.exit_code == 2
    assert "error[E601]: invalid TOML" in broken.stderr


def test_bad_files_are_reported_at_their_place(mini):
    refused(mini, 'role = "caller\n', code="E800", at="1:15", message="not valid TOML: Illegal character '\\n'")
    # at the end of the file: after the last thing written, not at 1:1
    refused(mini, HEAD + "x = [\n", code="E800", at="3:6", message="not valid TOML: Invalid value at the end of the file")
    refused(mini, HEAD + '[[case]]\nname = "x"\nexpect.kpis.calls.scor = 1\n', code="E801", at="5:19",
           message="unknown key 'scor' in expect.kpis.calls")
    refused(mini, 'role = "caller"\n[[case]]\nname = "x"\nexpect.total = 1\n', code="E802", at="2:1",
           message="the case names no period")
    refused(mini, HEAD + '[[case]]\nname = "x"\nexpect.payout = "1,000.0.0"\n', code="E803", at="5:17",
           message="expect.payout: expected a payout, not '1,000.0.0'")
    # a list where a number belongs is named by its kind, not in Python's spelling ([Decimal('1')])
    refused(mini, HEAD + '[[case]]\nname = "x"\nexpect.total = [1]\n', code="E803", at="5:16",
           message="expect.total: expected a total, not a list")
    refused(mini, 'role = "caler"\nperiod = "2026-03"\n[[case]]\nname = "x"\nexpect.total = 1\n', code="E805",
           at="1:8", message="the scheme has no role 'caler'")
    refused(mini, HEAD.replace("2026-03", "2026Q1") + '[[case]]\nname = "x"\nexpect.total = 1\n', code="E808",
           at="2:10", message="2026Q1 covers 3 periods of the scheme; a case evaluates one")
    refused(mini, HEAD + '[[case]]\nname = "x"\nexpect.total = 1\n[[case]]\nname = "x"\nexpect.total = 2\n',
           code="E809", at="7:8", message="two cases are named 'x'")
    refused(mini, HEAD + '[[case]]\nname = "x"\ntargets.calls = 3\nexpect.total = 1\n', code="E810", at="5:9",
           message="targets: the KPI calls has no per-person target")
    refused(mini, HEAD + '[[case]]\nname = "x"\nexpect.commissions.calls = "1"\n', code="E811", at="5:20",
           message="expect.commissions: the role caller pays no commission on 'calls'")
    refused(mini, HEAD + '[[case]]\nname = "x"\nrows.call = [{ called_at = 2026-03-01T00:00:00 }]\nexpect.total = 1\n',
           code="E807", at="5:6", message="rows: the scheme has no dataset 'call'")
    refused(mini, HEAD + '[[case]]\nname = "x"\nrows.calls = [{ agent_id = "P1" }]\nexpect.total = 1\n',
           code="E816", at="5:15", message="a row of calls has no called_at: it would belong to no period")
    refused(mini, HEAD + '[[case]]\nname = "x"\nperson.hired_on = "March"\nexpect.total = 1\n', code="E803",
           at="5:19", message="person.hired_on: column hired_on holds dates, not 'March'")
    refused(mini, HEAD + '[[case]]\nname = "x"\nothers = [{ person_id = "P1" }]\nexpect.total = 1\n', code="E817",
           at="5:25", message="two people in the case have the id P1")


def test_a_name_or_cases_of_the_wrong_kind_are_e803_not_missing(mini):
    refused(mini, cases("""
        [[case]]
        name = 5
        expect.total = 1
    """), code="E803", at="5:8", message="a case's name is text in quotes, not 5")
    refused(mini, HEAD + 'case = "x"\n', code="E803", at="3:1",
            message="case lists the cases as [[case]] tables, not text")
    refused(mini, HEAD + "case = []\n", code="E802", at="3:1", message="the test file has no cases")


def test_failures_are_listed_in_the_order_they_are_written(mini):
    write(mini, cases("""
        [[case]]
        name = "half the calls"
        values.calls = 5
        expect.payout = "1000.00"
        expect.kpis.calls.score = 100
    """))
    result = run("mini.kpitest.toml")
    assert result.exit_code == 1, result.output
    # 5 calls of 10 = 50%: tier [50%, 100%): 50; factor 50 / 100; the gate (50% >= 50%) passes
    failures = [line.strip() for line in result.stdout.splitlines() if ": expected " in line]
    assert failures == [
        "payout: expected 1000.00, got 500.00  (mini.kpitest.toml:7:17)",
        "kpi calls score: expected 100, got 50  (mini.kpitest.toml:8:27)",
    ]


def test_a_missing_scheme_and_a_missing_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, HEAD + '[[case]]\nname = "x"\nexpect.total = 1\n', "lonely.kpitest.toml")
    result = run("lonely.kpitest.toml")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "lonely.kpitest.toml:1:1: error[E804]: no scheme to test: lonely.kpi does not exist")
    no_config = run("--config", "nowhere.toml")
    assert no_config.exit_code == 2
    # a configuration not there is E600, as for every command (it was E815, a PATH's code)
    assert no_config.stderr.splitlines()[0] == "error[E600]: config file not found: nowhere.toml"
    missing = run("nowhere")
    assert missing.exit_code == 2
    assert missing.stderr.splitlines()[0] == "error[E815]: no such file or directory: nowhere"
    (tmp_path / "empty").mkdir()
    none = run("empty")
    assert none.exit_code == 2
    assert none.stderr.splitlines()[0] == "error[E814]: no scheme test files (*.kpitest.toml) found in empty"


def test_rulesets_that_do_not_exist_are_e001_as_for_check(tmp_path, monkeypatch):
    """Without a PATH, the configured rulesets (else ./rulesets) that do not exist stop the
    command with E001, as check, lint, fmt and export do; E815 is for a PATH given."""
    monkeypatch.chdir(tmp_path)
    for config in (None, "[lint]\n", '[project]\nrulesets = ["schemes"]\n'):
        if config is not None:
            (tmp_path / "kpirules.toml").write_text(config, encoding="utf-8")
        result = run()
        assert result.exit_code == 2, result.output
        if config and "schemes" in config:  # said at the list that names it
            assert result.stderr.splitlines()[0] == ("kpirules.toml:2:1: error[E001]: no such file or directory: "
                                                     "schemes (listed in project.rulesets)")
        else:
            assert result.stderr.splitlines()[0] == "error[E001]: no such file or directory: rulesets", config


def test_a_file_that_is_not_utf8_is_located_at_the_first_bad_byte(mini):
    (mini / "mini.kpitest.toml").write_bytes(HEAD.encode() + "# 备注\n".encode("gbk"))
    result = run("mini.kpitest.toml")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == "mini.kpitest.toml:3:3: error[E800]: mini.kpitest.toml is not UTF-8 text (byte 37)"


def test_an_unreadable_folder_is_e106_not_no_test_files_found(mini, unreadable):
    (mini / "archive").mkdir()
    write(mini / "archive", cases("""
        [[case]]
        name = "x"
        expect.total = 1
    """))
    unreadable(mini / "archive")
    result = run(".")
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines()[0] == "archive:1:1: error[E106]: cannot read folder: Permission denied"


def test_a_person_the_role_does_not_match_is_an_error_of_the_case(mini):
    write(mini, cases("""
        [[case]]
        name = "someone else"
        person.role = "manager"
        values.calls = 10
        expect.total = 100
    """))
    result = run("mini.kpitest.toml")
    assert result.exit_code == 1
    assert result.output.splitlines()[1:4] == [
        "  ERROR someone else  (mini.kpitest.toml:4:1)",
        "        error[E812]: the person matches no role, so caller is not evaluated",
        "          help: state the person attributes the role's applies_to reads",
    ]


# ---------------------------------------------------------------- the pytest plugin


def test_pytest_collects_one_item_per_case(mini):
    write(mini, cases("""
        [[case]]
        name = "on target"
        values.calls = 10
        expect.payout = "1000.00"

        [[case]]
        name = "half"
        values.calls = 5
        expect.payout = "1000.00"
    """))
    write(mini, 'scheme = "mini.kpi"\n' + HEAD + '[[case]]\nname = "x"\nvalues.cals = 1\nexpect.total = 1\n',
          "broken.kpitest.toml")
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rN", "--continue-on-collection-errors",
         "--junitxml=junit.xml", str(mini)],
        cwd=mini, capture_output=True, text=True, env=env, timeout=300,
    )
    out = done.stdout
    assert done.returncode == 1, out
    assert "1 failed, 1 passed, 1 error" in out
    # the failing case explains itself exactly as `kpirules test` does
    assert "mini.kpitest.toml:9:1: case 'half' failed" in out
    assert "  payout: expected 1000.00, got 500.00  (mini.kpitest.toml:12:17)" in out
    assert "    step: incentive = 1000 CNY × 0.5 = 500.00 CNY (rounded half_up to 0.01)" in out
    # the broken file is a collection error at its place, without a traceback
    assert "broken.kpitest.toml:6:8: error[E806]: values: the role caller has no KPI 'cals'" in out
    assert "Traceback" not in out
    # docs/ci.md: --junitxml gives one <testcase> per case, named by the case, a <failure> for
    # a failing one, and an <error> for the file with problems
    suite = ET.parse(mini / "junit.xml").getroot().find("testsuite")
    by_name = {case.get("name"): case for case in suite.findall("testcase")}
    assert set(by_name) == {"on target", "half", "broken.kpitest.toml"}
    assert by_name["on target"].get("classname") == "mini.kpitest.toml" and len(by_name["on target"]) == 0
    assert "payout: expected 1000.00, got 500.00" in by_name["half"].find("failure").get("message")
    assert "error[E806]" in by_name["broken.kpitest.toml"].find("error").text


def test_pytest_runs_the_reference_cases():
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "rulesets/"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout
    assert "26 passed" in done.stdout


# ---------------------------------------------------------------- the documentation


def _blocks(tag: str) -> list[str]:
    text = (REPO / "docs" / "testing.md").read_text(encoding="utf-8")
    return re.findall(rf"^```{tag}\n(.*?)^```$", text, flags=re.S | re.M)


def test_the_documented_example_passes_and_fails_as_shown(tmp_path, monkeypatch):
    (tmp_path / "rulesets").mkdir()
    for name in ("telesales.kpi", "common.kpi"):
        shutil.copy(REPO / "rulesets" / name, tmp_path / "rulesets" / name)
    monkeypatch.chdir(tmp_path)
    example = _blocks("toml")[0]
    test_file = tmp_path / "rulesets" / "telesales.kpitest.toml"
    test_file.write_text(example, encoding="utf-8")
    passing = run("rulesets")
    assert passing.exit_code == 0, passing.output
    assert passing.output.endswith("2 cases in 1 file: 2 passed, 0 failed.\n")
    # "Had the first case expected a score of 100 for outbound_calls and a payout of 2700.00"
    wrong = example.replace('score = 105 }', 'score = 100 }', 1).replace('"2685.00"', '"2700.00"', 1)
    assert wrong.count("2700.00") == 1 and wrong != example
    test_file.write_text(wrong, encoding="utf-8")
    failing = run("rulesets/telesales.kpitest.toml")
    assert failing.exit_code == 1
    shown = next(b for b in _blocks("text") if b.startswith("$ kpirules test rulesets/telesales.kpitest.toml\n"))
    assert failing.output == shown.split("\n", 1)[1]


def test_the_documented_coverage_listing_is_what_the_command_prints(mini):
    write(mini, cases("""
        [[case]]
        name = "on target"
        values.calls = 10
        expect.payout = "1000.00"
    """))
    printed = run("--coverage", "mini.kpitest.toml").output
    shown = next(b for b in _blocks("text") if b.startswith("Coverage:"))
    assert printed.endswith(shown)


# ---------------------------------------------------------------- where keys are


def test_locate_finds_keys_in_every_kind_of_table():
    positions = locate(textwrap.dedent("""\
        role = "x"
        [[case]]
        values = { a = 1, "b c" = 2 }
        expect.kpis.a.score = 3
        rows.calls = [
          { x = 1 },  # a comment with = and [ brackets ]
          { y = '''
        multi ] line''' },
        ]
        [case.person]
        level = "junior"
        [[case]]
        [[case.others]]
        person_id = "R1"
    """))
    assert positions.key(("role",)) == (1, 1)
    assert positions.key(("case", 0, "values", "a")) == (3, 12)
    assert positions.key(("case", 0, "values", "b c")) == (3, 19)
    assert positions.key(("case", 0, "expect", "kpis", "a", "score")) == (4, 15)
    assert positions.value(("case", 0, "rows", "calls", 1)) == (7, 3)
    assert positions.key(("case", 0, "person", "level")) == (11, 1)
    assert positions.key(("case", 1)) == (12, 1)
    assert positions.key(("case", 1, "others", 0, "person_id")) == (14, 1)
    # a key that was not written is placed at its nearest written parent
    assert positions.key(("case", 1, "expect", "total")) == (12, 1)


def test_a_row_a_run_would_never_apply_is_an_error_of_the_case(tmp_path, monkeypatch):
    # a target row for `2026-Q1` (not a quarter label) was passed over: the case passed on
    # the fallback target, where `kpirules run` warns that such a row is never applied
    shutil.copytree(REPO / "rulesets", tmp_path / "rulesets", ignore=shutil.ignore_patterns("*.kpitest.toml"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rulesets" / "key_account_manager.kpitest.toml").write_text(textwrap.dedent("""\
        role = "key_account_manager"
        period = "2026-03"
        person = { hired_on = 2021-04-01, target_incentive = "20000" }

        [[case]]
        name = "a mistyped quarter"
        values = { new_key_customers = 2, contract_amount = "1500000", project_progress = "85%", collection_rate = "95%", satisfaction = "90%" }
        rows.quarterly_targets = [{ period = "2026-Q1", contract_amount = "2500000" }]
        expect.kpis.contract_amount = { target = "1500000" }
    """), encoding="utf-8")
    result = CliRunner().invoke(cli, ["test", "rulesets/key_account_manager.kpitest.toml"])
    assert result.exit_code == 1, result.output
    assert ("error[E819]: a row of the case is never applied: quarterly_targets: 1 row with a period that is not a "
            "quarter label ('2026-Q1')") in result.output
