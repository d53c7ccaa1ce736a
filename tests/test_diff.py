"""`kpirules diff`: the structural change between two rulesets, with positions, and where
the two sides come from (folders, git revisions), on real files, real git and the real CLI.

The impact on people (the sample data, checked against two separate runs) is in
tests/test_diff_impact.py.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from kpirules.diff import diff_schemes

COMMON = """\
scheme shop "Shop" {
  period month
  currency CNY
}

roster people {
  id person_id
  role role
  column person_id string
  column role string
  column target_incentive money
}

dataset deals {
  person owner_id
  date closed_on
  column owner_id string
  column closed_on date
  column amount money
}

grades standard {
  [90, ∞): "A"
  [60, 90): "B"
  [0, 60): "C"
}
"""

# line numbers below are this file's: 7 revenue, 11 its weight, 15 deal_count, 19 its
# weight, 22 the [50%, 100%) tier, 27 payout, 34 cap factor, 35 the gate, 36 commission
SELLER = """\
import "common.kpi"

role seller "Seller" {
  applies_to person.role == "seller"
  grades standard

  kpi revenue "Revenue" {
    outcome main
    measure sum(deals.amount)
    target >= 100000 CNY
    weight 60%
    score linear floor 50% cap 120%
  }

  kpi deal_count "Deals" {
    process main
    measure count(deals)
    target >= 10
    weight 40%
    score tiers {
      [0%, 50%): 0
      [50%, 100%): 60
      [100%, ∞): 100
    }
  }

  payout {
    target_incentive person.target_incentive
    factor by total_score {
      [0, 60): 0
      [60, 100): linear 0.6 to 1.0
      [100, ∞): 1.0
    }
    cap factor 1.5
    gate revenue.attainment >= 80% else cap factor 0.5
    commission revenue marginal {
      [0, 100000): 1%
      [100000, ∞): 2%
    }
  }
}
"""


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def changes(workdir: Path, new_files: dict[str, str], old_files: dict[str, str] | None = None) -> list[tuple]:
    write(workdir / "old", old_files or {"common.kpi": COMMON, "seller.kpi": SELLER})
    write(workdir / "new", {"common.kpi": COMMON, "seller.kpi": SELLER, **new_files})
    report = diff_schemes("old", "new", None, impact=False)
    return [(c.action, c.subject, c.what, c.old, c.new, c.old_at, c.new_at) for c in report.changes]


def edited(text: str, *pairs: tuple[str, str]) -> str:
    for old, new in pairs:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


# ---------------------------------------------------------------------- structure


def test_identical_rulesets_have_no_changes(workdir):
    assert changes(workdir, {}) == []


def test_weights_tiers_gates_and_caps_changed_in_place(workdir):
    seller = edited(
        SELLER,
        ("weight 60%", "weight 50%"), ("weight 40%", "weight 50%"),
        ("[50%, 100%): 60", "[50%, 100%): 70"),
        ("cap factor 1.5", "cap factor 2"),
        ("attainment >= 80% else", "attainment >= 90% else"),
    )
    assert changes(workdir, {"seller.kpi": seller}) == [
        ("changed", "role seller, KPI revenue", "weight", "60%", "50%", "old/seller.kpi:11", "new/seller.kpi:11"),
        ("changed", "role seller, KPI deal_count", "weight", "40%", "50%", "old/seller.kpi:19", "new/seller.kpi:19"),
        ("changed", "role seller, KPI deal_count", "scoring tier", "[50%, 100%): 60", "[50%, 100%): 70",
         "old/seller.kpi:22", "new/seller.kpi:22"),
        ("changed", "role seller", "cap factor", "1.5", "2", "old/seller.kpi:34", "new/seller.kpi:34"),
        ("changed", "role seller", "gate", "revenue.attainment >= 80% else cap factor 0.5",
         "revenue.attainment >= 90% else cap factor 0.5", "old/seller.kpi:35", "new/seller.kpi:35"),
    ]


def test_additions_and_removals_point_at_the_side_that_has_them(workdir):
    seller = edited(
        SELLER,
        # a layered target (line 11), a payout cap (line 36), the commission removed
        ("    target >= 100000 CNY\n", '    target >= 100000 CNY\n    target >= 50000 CNY when person.role == "junior"\n'),
        ("    cap factor 1.5\n", "    cap factor 1.5\n    cap 20000 CNY\n"),
        ("    commission revenue marginal {\n      [0, 100000): 1%\n      [100000, ∞): 2%\n    }\n", ""),
    )
    assert changes(workdir, {"seller.kpi": seller}) == [
        ("added", "role seller, KPI revenue", "target", None, '>= 50000 CNY when person.role == "junior"',
         None, "new/seller.kpi:11"),
        ("added", "role seller", "payout cap", None, "20000 CNY", None, "new/seller.kpi:36"),
        ("removed", "role seller", "commission", "marginal on revenue { [0, 100000): 1%; [100000, ∞): 2% }", None,
         "old/seller.kpi:36", None),
    ]


def test_kpis_and_roles_added_and_removed(workdir):
    # deal_count (lines 15-25) becomes visits; a second role arrives in its own file
    seller = edited(SELLER, ("kpi deal_count \"Deals\"", "kpi visits \"Visits\""))
    manager = 'import "seller.kpi"\n\nrole manager {\n  extends seller\n  applies_to person.role == "manager"\n}\n'
    # roles come in the new scheme's order: manager.kpi is read before seller.kpi
    assert changes(workdir, {"seller.kpi": seller, "manager.kpi": manager}) == [
        ("added", "role manager", "role", None, "manager (2 KPIs, with payout)", None, "new/manager.kpi:3"),
        ("added", "role seller, KPI visits", "KPI", None, 'visits "Visits" (process main, weight 40%)',
         None, "new/seller.kpi:15"),
        ("removed", "role seller, KPI deal_count", "KPI", 'deal_count "Deals" (process main, weight 40%)', None,
         "old/seller.kpi:15", None),
    ]


def test_a_moved_boundary_reads_as_changed_rows_of_the_shared_grade_table(workdir):
    common = edited(COMMON, ('[60, 90): "B"', '[65, 90): "B"'), ('[0, 60): "C"', '[0, 65): "C"'))
    # the roles use the table by name: it is reported once, as the grade table's change
    assert changes(workdir, {"common.kpi": common}) == [
        ("changed", "grades standard", "grade band", '[60, 90): "B"', '[65, 90): "B"',
         "old/common.kpi:24", "new/common.kpi:24"),
        ("changed", "grades standard", "grade band", '[0, 60): "C"', '[0, 65): "C"',
         "old/common.kpi:25", "new/common.kpi:25"),
    ]


def test_the_header_a_dataset_column_and_a_commission_tier(workdir):
    common = edited(COMMON, ("period month", "period quarter"),
                    ("  column amount money\n", "  column amount money\n  column region string \"区域\"\n"))
    seller = edited(SELLER, ("[0, 100000): 1%", "[0, 100000): 1.5%"))
    assert changes(workdir, {"common.kpi": common, "seller.kpi": seller}) == [
        ("changed", "scheme", "period", "month", "quarter", "old/common.kpi:2", "new/common.kpi:2"),
        ("added", "dataset deals", "column", None, 'region string "区域"', None, "new/common.kpi:20"),
        ("changed", "role seller", "marginal commission tier on revenue", "[0, 100000): 1%", "[0, 100000): 1.5%",
         "old/seller.kpi:37", "new/seller.kpi:37"),
    ]


def test_a_fiscal_year_start_is_shown_as_a_scheme_writes_it(workdir):
    # it was shown as month numbers, "1 -> 4"
    common = edited(COMMON, ("period month", "period month\n  fiscal_year_start april"))
    found = changes(workdir, {"common.kpi": common})
    assert found[0][:5] == ("changed", "scheme", "fiscal year start", "january", "april")


# language.md §12: a role may have several commissions on one KPI, each its own line; the
# second one below is lines 40-42 of the new seller.kpi
RETROACTIVE = "    commission revenue retroactive {\n      [0, ∞): 0.5%\n    }\n"
TWO_COMMISSIONS = edited(SELLER, ("      [100000, ∞): 2%\n    }\n", "      [100000, ∞): 2%\n    }\n" + RETROACTIVE))


def test_a_second_commission_on_a_kpi_is_added_and_the_first_is_unchanged(workdir):
    # it was read as the marginal one changed into a retroactive one, with its tiers changed
    assert changes(workdir, {"seller.kpi": TWO_COMMISSIONS}) == [
        ("added", "role seller", "commission", None, "retroactive on revenue { [0, ∞): 0.5% }",
         None, "new/seller.kpi:40"),
    ]
    assert changes(workdir, {"seller.kpi": SELLER}, {"common.kpi": COMMON, "seller.kpi": TWO_COMMISSIONS}) == [
        ("removed", "role seller", "commission", "retroactive on revenue { [0, ∞): 0.5% }", None,
         "old/seller.kpi:40", None),
    ]


def test_each_of_several_commissions_on_a_kpi_is_compared(workdir):
    # the first of the two commissions changes a tier: only the last one on a KPI was compared
    moved = edited(TWO_COMMISSIONS, ("[100000, ∞): 2%", "[100000, ∞): 3%"))
    rate = edited(TWO_COMMISSIONS, ("[0, ∞): 0.5%", "[0, ∞): 0.6%"))
    assert changes(workdir, {"seller.kpi": moved}, {"common.kpi": COMMON, "seller.kpi": TWO_COMMISSIONS}) == [
        ("changed", "role seller", "marginal commission tier on revenue", "[100000, ∞): 2%", "[100000, ∞): 3%",
         "old/seller.kpi:38", "new/seller.kpi:38"),
    ]
    # both in one: matched by mode, whatever their order
    swapped = edited(rate, ("    commission revenue marginal {\n      [0, 100000): 1%\n      [100000, ∞): 2%\n    }\n"
                            + RETROACTIVE.replace("0.5%", "0.6%"),
                            RETROACTIVE.replace("0.5%", "0.6%")
                            + "    commission revenue marginal {\n      [0, 100000): 1%\n      [100000, ∞): 2%\n    }\n"))
    assert changes(workdir, {"seller.kpi": swapped}, {"common.kpi": COMMON, "seller.kpi": TWO_COMMISSIONS}) == [
        ("changed", "role seller", "retroactive commission tier on revenue", "[0, ∞): 0.5%", "[0, ∞): 0.6%",
         "old/seller.kpi:41", "new/seller.kpi:37"),
    ]


def test_a_tier_change_of_one_of_two_commissions_fails_exit_code(workdir, run_cli):
    write(workdir / "old", {"common.kpi": COMMON, "seller.kpi": TWO_COMMISSIONS})
    write(workdir / "new", {"common.kpi": COMMON,
                            "seller.kpi": edited(TWO_COMMISSIONS, ("[100000, ∞): 2%", "[100000, ∞): 3%"))})
    result = run_cli("diff", "old", "new", "--no-impact", "--exit-code")
    assert result.exit_code == 1, result.output
    assert "changed  role seller: marginal commission tier on revenue: [100000, ∞): 2% → [100000, ∞): 3%" in result.stdout


def test_a_scheme_rounding_change_is_the_schemes_not_each_roles(workdir):
    # seller's payout inherits the scheme's rounding: it was listed again as seller's
    # "payout rounding" at its payout line (27), which did not change
    common = edited(COMMON, ("  currency CNY\n", "  currency CNY\n  rounding half_up 0.1\n"))
    assert changes(workdir, {"common.kpi": common}) == [
        ("changed", "scheme", "rounding", "half_up 0.01", "half_up 0.1", "old/common.kpi:1", "new/common.kpi:4"),
    ]


def test_a_roles_own_rounding_line_is_the_roles_change(workdir):
    # seller writes its own rounding at line 35, after `cap factor 1.5`; the side without one
    # is at the scheme's (its header when it writes no rounding either)
    seller = edited(SELLER, ("    cap factor 1.5\n", "    cap factor 1.5\n    rounding half_up 1\n"))
    assert changes(workdir, {"seller.kpi": seller}) == [
        ("changed", "role seller", "payout rounding", "half_up 0.01", "half_up 1", "old/common.kpi:1",
         "new/seller.kpi:35"),
    ]
    manager = 'import "seller.kpi"\n\nrole manager {\n  extends seller\n  applies_to person.role == "manager"\n}\n'
    rounder = edited(seller, ("rounding half_up 1", "rounding down 1"))
    found = changes(workdir, {"seller.kpi": rounder, "manager.kpi": manager},
                    {"common.kpi": COMMON, "seller.kpi": seller, "manager.kpi": manager})
    # the manager's payout is the seller's: its line changes for both roles
    assert found == [
        ("changed", f"role {rid}", "payout rounding", "half_up 1", "down 1", "old/seller.kpi:35", "new/seller.kpi:35")
        for rid in ("manager", "seller")
    ]
    # a payout block of its own replaces the seller's, rounding and all: the junior's is the scheme's
    for side in ("old", "new"):
        (workdir / side / "manager.kpi").unlink()
    junior = manager.replace("manager", "junior").replace("}\n", "  payout {\n    target_incentive 1000 CNY\n  }\n}\n")
    found = changes(workdir, {"seller.kpi": rounder, "junior.kpi": junior},
                    {"common.kpi": COMMON, "seller.kpi": seller, "junior.kpi": junior})
    assert [c[1] for c in found] == ["role seller"]


def test_a_new_scoring_kind_is_one_change(workdir):
    seller = edited(SELLER, ("score linear floor 50% cap 120%", "score pass_fail"))
    assert changes(workdir, {"seller.kpi": seller}) == [
        ("changed", "role seller, KPI revenue", "scoring", "linear floor 50% cap 120%", "pass_fail",
         "old/seller.kpi:12", "new/seller.kpi:12"),
    ]


def test_the_value_tiers_of_a_rate_read_as_written(workdir):
    # deal_count becomes a rate; `by value` its tiers are rates, shown as the percentages written
    rate = edited(SELLER, ("measure count(deals)", "measure count(deals where amount >= 1000 CNY) / count(deals)"),
                  ("target >= 10\n", "target >= 80%\n"))
    by_value = edited(rate, ("score tiers {", "score tiers by value {"))
    assert changes(workdir, {"seller.kpi": by_value}, {"common.kpi": COMMON, "seller.kpi": rate}) == [
        ("changed", "role seller, KPI deal_count", "scoring", "tiers { [0%, 50%): 0; [50%, 100%): 60; [100%, ∞): 100 }",
         "tiers by value { [0%, 50%): 0; [50%, 100%): 60; [100%, ∞): 100 }", "old/seller.kpi:20", "new/seller.kpi:20"),
    ]
    moved = edited(by_value, ("[50%, 100%): 60", "[50%, 100%): 70"))
    assert changes(workdir, {"seller.kpi": moved}, {"common.kpi": COMMON, "seller.kpi": by_value}) == [
        ("changed", "role seller, KPI deal_count", "scoring tier", "[50%, 100%): 60", "[50%, 100%): 70",
         "old/seller.kpi:22", "new/seller.kpi:22"),
    ]


def test_an_inherited_change_is_reported_for_every_role_it_reaches_at_the_line_written(workdir):
    manager = 'import "seller.kpi"\n\nrole manager {\n  extends seller\n  applies_to person.role == "manager"\n}\n'
    seller = edited(SELLER, ("weight 60%", "weight 70%"), ("weight 40%", "weight 30%"))
    found = changes(workdir, {"seller.kpi": seller, "manager.kpi": manager},
                    {"common.kpi": COMMON, "seller.kpi": SELLER, "manager.kpi": manager})
    assert [(c[1], c[3], c[4], c[6]) for c in found] == [
        ("role manager, KPI revenue", "60%", "70%", "new/seller.kpi:11"),
        ("role manager, KPI deal_count", "40%", "30%", "new/seller.kpi:19"),
        ("role seller, KPI revenue", "60%", "70%", "new/seller.kpi:11"),
        ("role seller, KPI deal_count", "40%", "30%", "new/seller.kpi:19"),
    ]


# ---------------------------------------------------------------------- the command


def test_text_markdown_and_json_show_the_same_change(workdir, run_cli):
    write(workdir / "old", {"common.kpi": COMMON, "seller.kpi": SELLER})
    write(workdir / "new", {"common.kpi": COMMON, "seller.kpi": edited(SELLER, ("weight 60%", "weight 55%"),
                                                                          ("weight 40%", "weight 45%"))})
    text = run_cli("diff", "old", "new")
    assert text.exit_code == 0, text.output
    assert "  changed  role seller, KPI revenue: weight: 60% → 55%\n           at old/seller.kpi:11 → new/seller.kpi:11" in text.stdout
    assert "Impact: not computed: no kpirules.toml here or above" in text.stdout

    markdown = run_cli("diff", "old", "new", "--format", "markdown")
    assert markdown.exit_code == 0, markdown.output
    assert "#### Structural changes (2)" in markdown.stdout
    assert ("- role `seller`, KPI `revenue`, **weight**: `60%` → `55%` "
            "<sub>old/seller.kpi:11 → new/seller.kpi:11</sub>") in markdown.stdout

    data = json.loads(run_cli("diff", "old", "new", "--format", "json").stdout)
    assert data["changes"][1] == {
        "action": "changed", "section": "role", "name": "seller", "kpi": "deal_count", "what": "weight",
        "old": "40%", "new": "45%", "old_at": "old/seller.kpi:19", "new_at": "new/seller.kpi:19",
    }
    assert data["impact"] is None


def test_exit_code_option_and_output_file(workdir, run_cli):
    write(workdir / "old", {"common.kpi": COMMON, "seller.kpi": SELLER})
    write(workdir / "same", {"common.kpi": COMMON, "seller.kpi": SELLER})
    write(workdir / "new", {"common.kpi": COMMON, "seller.kpi": edited(SELLER, ("cap factor 1.5", "cap factor 1.6"))})
    assert run_cli("diff", "old", "new").exit_code == 0  # a change is not a failure by default
    assert run_cli("diff", "old", "new", "--exit-code").exit_code == 1
    assert run_cli("diff", "old", "same", "--exit-code").exit_code == 0
    result = run_cli("diff", "old", "new", "--format", "json", "-o", "diff.json")
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads((workdir / "diff.json").read_text(encoding="utf-8"))["changes"][0]["new"] == "1.6"


def test_a_broken_side_is_reported_with_its_name_and_nothing_is_written(workdir, run_cli):
    write(workdir / "old", {"common.kpi": COMMON, "seller.kpi": SELLER})
    write(workdir / "new", {"common.kpi": COMMON, "seller.kpi": edited(SELLER, ("count(deals)", "count(dealz)"))})
    result = run_cli("diff", "old", "new", "-o", "out.md", "--format", "markdown")
    assert result.exit_code == 1
    assert "new/seller.kpi:17:19: error[E202]: unknown dataset 'dealz'" in result.stderr
    assert "in NEW (new)" in result.stderr
    assert "Traceback" not in result.output
    assert not (workdir / "out.md").exists()


def test_no_impact_with_a_period_is_a_usage_error(workdir, run_cli):
    write(workdir / "old", {"common.kpi": COMMON, "seller.kpi": SELLER})
    result = run_cli("diff", "old", "old", "--no-impact", "--period", "2026-06")
    assert result.exit_code == 2
    assert "error[E825]" in result.stderr


# ---------------------------------------------------------------------- git revisions

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@pytest.fixture
def repo(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository with two commits of a project: the second raises revenue's weight."""
    for key, value in {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
                       "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_GLOBAL": "/dev/null",
                       "GIT_CONFIG_NOSYSTEM": "1", "GIT_CEILING_DIRECTORIES": str(workdir.parent)}.items():
        monkeypatch.setenv(key, value)
    write(workdir / "rulesets", {"common.kpi": COMMON, "seller.kpi": SELLER})
    (workdir / "kpirules.toml").write_text('[project]\nrulesets = ["rulesets"]\n', encoding="utf-8")
    git(workdir, "init", "-q", "-b", "main")
    git(workdir, "add", "-A")
    git(workdir, "commit", "-qm", "first")
    write(workdir / "rulesets", {"seller.kpi": edited(SELLER, ("weight 60%", "weight 70%"), ("weight 40%", "weight 30%"))})
    git(workdir, "commit", "-qam", "second")
    return workdir


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@needs_git
def test_diff_against_the_previous_commit(repo, run_cli):
    result = run_cli("diff", "HEAD~1", ".", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["old"]["spec"] == "HEAD~1" and data["old"]["paths"] == ["HEAD~1:rulesets"]
    assert len(data["old"]["commit"]) >= 7
    assert data["new"]["paths"] == ["rulesets"]
    assert [(c["kpi"], c["old"], c["new"], c["old_at"], c["new_at"]) for c in data["changes"]] == [
        ("revenue", "60%", "70%", "HEAD~1:rulesets/seller.kpi:11", "rulesets/seller.kpi:11"),
        ("deal_count", "40%", "30%", "HEAD~1:rulesets/seller.kpi:19", "rulesets/seller.kpi:19"),
    ]
    # no data is bound: the structure is compared, the impact says why it is missing
    assert data["impact"] is None


@needs_git
def test_revision_with_a_path_and_between_two_revisions(repo, run_cli):
    assert len(json.loads(run_cli("diff", "main~1:rulesets", "rulesets", "--format", "json",
                                  "--no-impact").stdout)["changes"]) == 2
    # two revisions, and a single file whose import is read from the same revision
    both = json.loads(run_cli("diff", "HEAD~1:rulesets/seller.kpi", "HEAD", "--format", "json", "--no-impact").stdout)
    assert [c["new_at"] for c in both["changes"]] == ["HEAD:rulesets/seller.kpi:11", "HEAD:rulesets/seller.kpi:19"]
    assert run_cli("diff", "HEAD", "HEAD", "--exit-code", "--no-impact").exit_code == 0


@needs_git
def test_relative_imports_and_paths_from_a_subfolder(repo, run_cli, monkeypatch):
    # roles in a subfolder importing ../common.kpi, read from the current folder with REV:./path
    (repo / "rulesets" / "roles").mkdir()
    git(repo, "mv", "rulesets/seller.kpi", "rulesets/roles/seller.kpi")
    path = repo / "rulesets" / "roles" / "seller.kpi"
    path.write_text(path.read_text(encoding="utf-8").replace('import "common.kpi"', 'import "../common.kpi"'),
                    encoding="utf-8")
    git(repo, "commit", "-qam", "roles in a folder")
    monkeypatch.chdir(repo / "rulesets")
    result = run_cli("diff", "HEAD~1:./seller.kpi", "HEAD:./roles", "--no-impact", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["new"]["paths"] == ["HEAD:rulesets/roles"]
    assert data["changes"] == []  # only moved: the same scheme


@needs_git
def test_a_revision_that_does_not_exist(repo, run_cli):
    result = run_cli("diff", "HEAD~5", ".", "-o", "out.txt")
    assert result.exit_code == 2
    assert "error[E821]: revision HEAD~5 does not exist in this repository" in result.stderr
    assert not (repo / "out.txt").exists()


@needs_git
def test_a_path_that_is_not_in_the_revision(repo, run_cli):
    result = run_cli("diff", "main:rules", "rulesets")
    assert result.exit_code == 2
    assert "error[E822]: path rules is not in main" in result.stderr
    assert "main:./PATH" in result.stderr


@needs_git
def test_a_broken_old_revision_names_its_file_as_rev_path(repo, run_cli):
    path = repo / "rulesets" / "seller.kpi"
    path.write_text(path.read_text(encoding="utf-8").replace("count(deals)", "count(dealz)"), encoding="utf-8")
    git(repo, "commit", "-qam", "broken")
    path.write_text(SELLER, encoding="utf-8")
    result = run_cli("diff", "HEAD", ".")
    assert result.exit_code == 1
    assert "HEAD:rulesets/seller.kpi:17:19: error[E202]: unknown dataset 'dealz'" in result.stderr
    assert "in OLD (HEAD)" in result.stderr


def test_outside_a_repository_a_missing_path_is_neither(workdir, run_cli, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(workdir.parent))
    write(workdir / "new", {"common.kpi": COMMON, "seller.kpi": SELLER})
    result = run_cli("diff", "HEAD~1", "new")
    assert result.exit_code == 2
    assert "error[E820]: no such file or folder: HEAD~1, and the current folder is not in a git repository" in result.stderr
