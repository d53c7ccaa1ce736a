"""`kpirules lint` through the real CLI: text output, exit codes, bad input, configuration."""

from __future__ import annotations

import json

import os
from pathlib import Path

import pytest

from lint_support import BAD_ROLE, REPO, run_cli, write_scheme


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with the prelude and bad.kpi (KPI101 error; KPI102, KPI105 warnings); the working directory."""
    monkeypatch.chdir(tmp_path)
    write_scheme(tmp_path, {"bad.kpi": BAD_ROLE})
    return tmp_path


def test_reference_rulesets_lint_clean(monkeypatch):
    monkeypatch.chdir(REPO)
    result = run_cli("lint", "--no-cache", "rulesets")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "No findings in 5 files."


def test_text_output_has_location_caret_and_help(project):
    result = run_cli("lint", "--no-cache", "--select", "KPI101", "bad.kpi")
    assert result.exit_code == 1
    expected = (
        "bad.kpi:3:6: KPI101 [error] The main KPI weights of role telesales add up to 70%, not 100%.\n"
        "  |\n"
        '3 | role telesales "电话销售" {\n'
        "  |      ^^^^^^^^^\n"
        "  help: change the weights (outbound_calls 70%) so that they add up to 100%\n"
        "\n"
        "Found 1 error in 1 file.\n"
    )
    assert result.output == expected


def test_exit_codes_follow_the_fail_level(project):
    assert run_cli("lint", "--no-cache", "bad.kpi").exit_code == 1  # KPI101 is an error
    assert run_cli("lint", "--no-cache", "--select", "KPI105", "bad.kpi").exit_code == 0  # a warning only
    assert run_cli("lint", "--no-cache", "--select", "KPI105", "--fail-level", "warning", "bad.kpi").exit_code == 1
    assert run_cli("lint", "--no-cache", "--exit-zero", "bad.kpi").exit_code == 0
    assert run_cli("lint", "--no-cache", "--select", "KPI1", "--ignore", "KPI101", "bad.kpi").exit_code == 0
    assert run_cli("lint", "--no-cache", "--select", "weights-sum", "bad.kpi").exit_code == 1


def test_select_and_ignore_repeat_and_slugs_take_any_case(project):
    # repeated, the last alone was kept; `WEIGHTS-SUM` was an unknown rule code
    assert run_cli("lint", "--no-cache", "--select", "KPI1", "--ignore", "KPI105", "--ignore", "KPI101",
                   "--ignore", "KPI102", "--output-format", "concise", "bad.kpi").output == "No findings in 1 file.\n"
    both = run_cli("lint", "--no-cache", "--select", "KPI101", "--select", "KPI105", "--output-format", "concise",
                   "bad.kpi")
    assert "KPI101" in both.output and "KPI105" in both.output
    assert run_cli("lint", "--no-cache", "--select", "WEIGHTS-SUM", "bad.kpi").exit_code == 1
    near = run_cli("lint", "--no-cache", "--select", "dominant", "bad.kpi")
    assert near.exit_code == 2 and "help: did you mean KPI102 (dominant-weight)?" in near.output


def test_usage_errors_exit_2(project):
    missing = run_cli("lint", "--no-cache", "nowhere.kpi")
    assert missing.exit_code == 2 and "no such file or directory: nowhere.kpi" in missing.output
    unknown = run_cli("lint", "--no-cache", "--select", "KPI999", "bad.kpi")
    assert unknown.exit_code == 2 and "--select: unknown rule code 'KPI999'" in unknown.output
    assert run_cli("lint", "--output-format", "xml", "bad.kpi").exit_code == 2


def test_a_file_that_does_not_parse_is_reported_and_the_others_still_linted(project):
    (project / "broken.kpi").write_text('import "prelude.kpi"\nrole r "R" {\n  kpi k "K" {\n    wieght 30%\n  }\n}\n',
                                        encoding="utf-8")
    result = run_cli("lint", "--no-cache", "--output-format", "concise", "bad.kpi", "broken.kpi")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(line.startswith("broken.kpi:4:5: E") and "[error]" in line for line in lines), lines
    assert any(line.startswith("bad.kpi:3:6: KPI101") for line in lines), lines


def test_a_file_importing_a_broken_file_is_skipped_with_a_note(project):
    (project / "prelude.kpi").write_text("scheme {", encoding="utf-8")
    result = run_cli("lint", "--no-cache", "bad.kpi")
    assert result.exit_code == 1
    assert "prelude.kpi:1:8: E" in result.output
    assert "note: bad.kpi was not linted: it imports prelude.kpi, which has errors" in result.output


def test_a_scheme_error_is_reported_with_its_check_code(project):
    (project / "bad.kpi").write_text(BAD_ROLE.replace("count(calls)", "count(cals)"), encoding="utf-8")
    result = run_cli("lint", "--no-cache", "--output-format", "concise", "bad.kpi")
    assert result.exit_code == 1
    assert "bad.kpi:8:19: E202 [error] unknown dataset 'cals'" in result.output


def test_statistics(project):
    result = run_cli("lint", "--no-cache", "--statistics", "bad.kpi")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "1  KPI101  [error]  weights-sum",
        "1  KPI102  [warning]  dominant-weight",
        "1  KPI105  [warning]  main-kpi-count",
        "Found 1 error, 2 warnings in 1 file.",
    ]
    # with --output-format json, the same counts as data (the table was written whatever the format)
    result = run_cli("lint", "--no-cache", "--statistics", "--output-format", "json", "bad.kpi")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == [
        {"code": "KPI101", "severity": "error", "rule": "weights-sum", "count": 1},
        {"code": "KPI102", "severity": "warning", "rule": "dominant-weight", "count": 1},
        {"code": "KPI105", "severity": "warning", "rule": "main-kpi-count", "count": 1},
    ]
    result = run_cli("lint", "--no-cache", "--statistics", "--output-format", "sarif", "bad.kpi")
    assert result.exit_code == 2 and "it has no sarif form" in result.output


def test_output_file_is_written_whole(project):
    result = run_cli("lint", "--no-cache", "--output-format", "json", "--output", "report.json", "bad.kpi")
    assert result.exit_code == 1
    assert (project / "report.json").read_text(encoding="utf-8").startswith("{")
    assert [p.name for p in project.iterdir() if p.name.startswith(".report")] == []  # no temp file left
    assert "Found 1 error, 2 warnings in 1 file." in result.output  # the summary goes to stderr


def test_rule_and_rules_commands():
    doc = run_cli("rule", "KPI101")
    assert doc.exit_code == 0
    assert doc.output.startswith("KPI101 weights-sum [error]\npitfall: unbalanced weights (权重失衡)\n")
    assert "Bad:" in doc.output and "Good:" in doc.output and "help: change the weights" in doc.output
    assert run_cli("rule", "weights-sum").output == doc.output
    missing = run_cli("rule", "KPI999")
    assert missing.exit_code == 2 and "unknown rule 'KPI999'" in missing.output
    misspelt = run_cli("rule", "weight-sum")  # had no suggestion, where other unknown names have one
    assert misspelt.exit_code == 2
    assert "help: did you mean 'weights-sum'?" in misspelt.output
    prefix = run_cli("rule", "KPI1")  # suggested KPI901, the closest spelling
    assert prefix.exit_code == 2
    assert "help: KPI1 begins several rule codes; name one: KPI101, KPI102, KPI103, KPI104, KPI105" in prefix.output
    listing = run_cli("rules").output.splitlines()
    assert listing[0].startswith("KPI101  weights-sum")
    assert any(line.startswith("KPI902  invalid-suppression") for line in listing)


def test_docs_rules_md_is_current():
    from kpirules.lint.docs import rules_markdown
    from kpirules.lint.registry import all_rules

    current = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    assert current == rules_markdown(all_rules()), "regenerate: kpirules rules --markdown -o docs/rules.md"
    # printed, it is the same text: `kpirules rules --markdown > docs/rules.md` works too (it
    # ended in a blank line)
    assert run_cli("rules", "--markdown").stdout == current


def test_every_lint_command_has_help_with_an_example():
    for command in ("lint", "rule", "rules"):
        result = run_cli(command, "--help")
        assert result.exit_code == 0 and "Example" in result.output, command


def test_lint_never_imports_the_cli():
    for path in (REPO / "src" / "kpirules" / "lint").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "kpirules.cli" not in text, f"{path} imports the CLI"


def test_history_option_evaluates_past_periods(project):
    from lint_support import write_history_data

    config = write_history_data(project)
    (project / "bad.kpi").write_text(BAD_ROLE.replace("target >= 200", "target >= 250"), encoding="utf-8")
    result = run_cli("lint", "--history", "--config", str(config), "--select", "KPI8", "--output-format", "concise", "bad.kpi")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == (
        "bad.kpi:9:5: KPI801 [warning] The target of KPI outbound_calls (250) is beyond what the best 10% "
        "of role telesales reached in the last 6 periods (181)."
    )


def test_history_without_data_configuration_exits_2(project):
    result = run_cli("lint", "--history", "bad.kpi")
    assert result.exit_code == 2
    assert "E600" in result.output or "kpirules.toml" in result.output


def test_the_installed_command_runs(project):
    import subprocess
    import sys

    kpirules = Path(sys.executable).with_name("kpirules")
    done = subprocess.run([str(kpirules), "lint", "--no-cache", "--output-format", "concise", "bad.kpi"],
                          capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
    assert done.returncode == 1
    assert done.stdout.splitlines()[0].startswith("bad.kpi:3:6: KPI101 [error]")


def test_without_paths_the_configured_rulesets_are_linted(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_scheme(tmp_path / "schemes", {"bad.kpi": BAD_ROLE})
    (tmp_path / "kpirules.toml").write_text('[project]\nrulesets = ["schemes"]\n', encoding="utf-8")
    result = run_cli("lint", "--no-cache", "--output-format", "concise")
    assert result.output.splitlines()[0].startswith("schemes/bad.kpi:3:6: KPI101")


def test_history_leaves_out_periods_before_the_data_starts(project):
    # the data covers 2026-01 to 2026-06: asked for 12 periods, lint compares the 6 the data
    # reaches; 2025-07 to 2025-12 would count every person as reaching 0 there
    from lint_support import write_history_data

    config = write_history_data(project)
    config.write_text(config.read_text(encoding="utf-8") + "\n[lint]\nhistory-periods = 12\n", encoding="utf-8")
    (project / "bad.kpi").write_text(BAD_ROLE.replace("target >= 200", "target >= 250"), encoding="utf-8")
    result = run_cli("lint", "--history", "--config", str(config), "--select", "KPI8", "--output-format", "concise", "bad.kpi")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == (
        "bad.kpi:9:5: KPI801 [warning] The target of KPI outbound_calls (250) is beyond what the best 10% "
        "of role telesales reached in the last 6 periods (181)."
    )
    assert "KPI803" not in result.output


def test_a_folder_is_one_scheme_without_imports_as_for_check(tmp_path, monkeypatch):
    # role files beside common.kpi that do not import it: check reads the folder as one scheme,
    # lint read each file as its own (E241 "no scheme header found", and KPI401 for objectives
    # the roles serve)
    root = Path(__file__).resolve().parents[1]
    folder = tmp_path / "schemes"
    folder.mkdir()
    for name in ("common.kpi", "telesales.kpi", "key_account_manager.kpi", "customer_success_manager.kpi",
                 "sales_manager.kpi"):
        text = (root / "rulesets" / name).read_text(encoding="utf-8")
        (folder / name).write_text(text.replace('import "common.kpi"\n', ""), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert run_cli("check", "schemes").exit_code == 0
    result = run_cli("lint", "--no-cache", "schemes")
    assert result.exit_code == 0, result.output
    assert "E241" not in result.output and "KPI401" not in result.output
