"""Lint configuration, suppression comments, the result cache and a crashing rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from lint_support import BAD_ROLE, run_cli, write_scheme


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write_scheme(tmp_path, {"bad.kpi": BAD_ROLE})
    return tmp_path


def _codes(result) -> list[str]:
    return [line.split(": ", 1)[1].split(" ")[0] for line in result.output.splitlines() if line.startswith("bad.kpi:")]


# ------------------------------------------------------------------ configuration


def test_pyproject_select_ignore_severity_and_options(project):
    (project / "pyproject.toml").write_text(
        "[tool.kpirules.lint]\n"
        'select = ["KPI1"]\n'
        'ignore = ["KPI102"]\n'
        "main-kpis = [1, 4]\n"
        "[tool.kpirules.lint.severity]\n"
        'KPI101 = "warning"\n',
        encoding="utf-8",
    )
    result = run_cli("lint", "--no-cache", "--output-format", "concise", "bad.kpi")
    assert result.exit_code == 0, result.output  # KPI101 lowered to a warning; KPI105 satisfied by [1, 4]
    assert result.output.splitlines()[0].startswith("bad.kpi:3:6: KPI101 [warning]")
    assert _codes(result) == ["KPI101"]


def test_kpirules_toml_wins_over_pyproject_and_sets_the_fail_level(project):
    (project / "pyproject.toml").write_text('[tool.kpirules.lint]\nselect = ["KPI101"]\n', encoding="utf-8")
    (project / "kpirules.toml").write_text('[lint]\nselect = ["KPI105"]\nfail-level = "warning"\n', encoding="utf-8")
    result = run_cli("lint", "--no-cache", "--output-format", "concise", "bad.kpi")
    assert _codes(result) == ["KPI105"]
    assert result.exit_code == 1  # a warning, at the configured fail level


def test_severity_and_per_file_ignores_take_slugs_and_prefixes(project):
    # rules.md: as select and ignore do. They passed validation and were then matched by
    # exact code, so they did nothing. bad.kpi has KPI101 (weights-sum), KPI102 and KPI105.
    (project / "kpirules.toml").write_text(
        '[lint.severity]\nweights-sum = "info"\n[lint.per-file-ignores]\n"b*.kpi" = ["KPI10"]\n', encoding="utf-8")
    result = run_cli("lint", "--no-cache", "--output-format", "concise", "bad.kpi")
    assert _codes(result) == [] and result.exit_code == 0, result.output
    # the most specific entry wins, wherever it is written
    for text in ('KPI101 = "info"\nKPI1 = "error"\n', 'KPI1 = "error"\nweights-sum = "info"\n'):
        (project / "kpirules.toml").write_text("[lint.severity]\n" + text, encoding="utf-8")
        result = run_cli("lint", "--no-cache", "--output-format", "concise", "bad.kpi")
        assert "bad.kpi:3:6: KPI101 [info]" in result.output, text
        assert "bad.kpi:11:5: KPI102 [error]" in result.output, text


def test_per_file_ignores(project):
    (project / "kpirules.toml").write_text('[lint.per-file-ignores]\n"b*.kpi" = ["KPI101", "KPI105"]\n', encoding="utf-8")
    result = run_cli("lint", "--no-cache", "--output-format", "concise", "bad.kpi")
    assert _codes(result) == ["KPI102"] and result.exit_code == 0


@pytest.mark.parametrize("text,message", [
    ('[lint]\nselct = ["KPI101"]\n', "error[E701]: lint.selct: unknown key"),
    ('[lint]\nselect = ["KPI999"]\n', "error[E701]: lint.select: unknown rule code 'KPI999'"),
    ('[lint]\nselect = "KPI101"\n', "error[E701]: lint.select: must be a list of rule codes"),
    ('[lint]\nmain-kpis = [3]\n', "error[E701]: lint.main-kpis: [3] does not fit this option"),
    # values as the file writes them ("fatal", true), not as Python does ('fatal', True)
    ('[lint]\nfail-level = "fatal"\n', 'error[E701]: lint.fail-level: "fatal" is not a severity'),
    ('[lint.severity]\nKPI101 = "loud"\n', 'error[E701]: lint.severity.KPI101: "loud" is not a severity'),
    ('[lint]\nmain-kpis = [true, 5]\n', "error[E701]: lint.main-kpis: [true, 5] does not fit this option"),
    # an empty keyword is in every text: KPI302 would say nothing, whatever the role
    ('[lint]\ncustomer-keywords = [""]\n', 'error[E701]: lint.customer-keywords: [""] is out of range'),
    ('[lint.per-file-ignores]\n"*.kpi" = ["KPI998"]\n', "error[E701]: lint.per-file-ignores.\"*.kpi\": unknown rule code 'KPI998'"),
    ("[lint\n", "kpirules.toml:1:6: error[E601]: invalid TOML"),
    # rules.md: a value of the wrong type, or out of its range, stops the run
    ('[lint]\nmain-kpis = [5, 3]\n', "error[E701]: lint.main-kpis: [5, 3] is out of range"),
    # two whole numbers, as equal-weights-from = 2.5 is refused (it was accepted, exit 0)
    ('[lint]\nmain-kpis = [3.5, 5]\n', "error[E701]: lint.main-kpis: [3.5, 5] is out of range"),
    ('[lint]\nequal-weights-from = 2.5\n', "error[E701]: lint.equal-weights-from: 2.5 is out of range"),
    ('[lint]\nmax-weight-share = 1.5\n', "error[E701]: lint.max-weight-share: 1.5 is out of range"),
    ('[lint]\nmin-weight = -1\n', "error[E701]: lint.min-weight: -1 is out of range"),
    ('[lint]\nhistory-periods = 0\n', "error[E701]: lint.history-periods: 0 is out of range"),
])
def test_a_broken_configuration_names_the_key_and_file_and_exits_2(project, text, message):
    (project / "kpirules.toml").write_text(text, encoding="utf-8")
    result = run_cli("lint", "--no-cache", "bad.kpi")
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("broken, first_line", [
    (b'[project]\nrulesets = ["."]\n[project\n',
     "kpirules.toml:3:9: error[E601]: invalid TOML: Cannot declare ('project',) twice"),
    (b'[project]\nrulesets = ["."]\n# \xff\xfe\n',
     "kpirules.toml:3:3: error[E601]: file is not valid UTF-8 (byte 0xff cannot be decoded)"),
])
def test_a_configuration_that_does_not_read_is_reported_as_run_reports_it(project, broken, first_line):
    # lint reads [lint] on its own when PATHs are given: the same diagnostic as run, at the
    # place, never E702 at 1:1 nor an internal error
    (project / "kpirules.toml").write_bytes(broken)
    linted = run_cli("lint", "--no-cache", "bad.kpi")
    ran = run_cli("run", "--period", "2026-03")
    assert linted.exit_code == ran.exit_code == 2, linted.output
    assert linted.output.splitlines()[0] == first_line
    assert linted.output == ran.output
    assert linted.output.splitlines()[-1].startswith("  = help: ")


@pytest.mark.parametrize(("text", "first_line", "help"), [
    # each at the entry's own line, naming it (they were at the [table] header, and a bad
    # severity named neither the code nor the value)
    ('[lint]\nselect = ["KPI1"]\n\n[lint.severity]\nKPI101 = "warning"\nKPI105 = "critical"\n',
     "kpirules.toml:6:1: error[E701]: lint.severity.KPI105: \"critical\" is not a severity",
     '  = help: write KPI105 = "error", "warning" or "info"'),
    ('[lint.severity]\nKPI101 = "info"\nKPI999 = "info"\n',
     "kpirules.toml:3:1: error[E701]: lint.severity.KPI999: unknown rule code 'KPI999'", "  = help: known codes: KPI101"),
    ('[lint.per-file-ignores]\n"a.kpi" = ["KPI101"]\n"legacy/*.kpi" = ["KPI998"]\n',
     "kpirules.toml:3:1: error[E701]: lint.per-file-ignores.\"legacy/*.kpi\": unknown rule code 'KPI998'",
     "  = help: known codes: KPI101"),
    ('[lint.per-file-ignores]\n"a.kpi" = ["KPI101"]\n"legacy/*.kpi" = "KPI105"\n',
     "kpirules.toml:3:1: error[E701]: lint.per-file-ignores.\"legacy/*.kpi\": must be a list of rule codes",
     '  = help: e.g. "legacy/*.kpi" = ["KPI101", "KPI1"]'),
])
def test_an_entry_of_severity_or_per_file_ignores_is_reported_at_its_own_line(project, text, first_line, help):
    (project / "kpirules.toml").write_text(text, encoding="utf-8")
    result = run_cli("lint", "--no-cache", "bad.kpi")
    assert result.exit_code == 2, result.output
    lines = result.output.splitlines()
    assert lines[0] == first_line
    assert lines[-1].startswith(help), result.output


def test_the_files_select_is_checked_when_the_command_line_selects_too(project):
    # --select replaces the file's select, but a wrong code there is still E701 (it was
    # not read at all: exit 0 with --select, exit 2 without)
    (project / "kpirules.toml").write_text('[lint]\nselect = ["KPI999"]\n', encoding="utf-8")
    for options in ((), ("--select", "KPI105")):
        result = run_cli("lint", "--no-cache", *options, "bad.kpi")
        assert result.exit_code == 2, (options, result.output)
        assert result.output.splitlines()[0] == "kpirules.toml:2:1: error[E701]: lint.select: unknown rule code 'KPI999'"


def test_a_configuration_error_points_at_the_line(project):
    (project / "kpirules.toml").write_text('[project]\nrulesets = ["."]\n\n[lint]\nmax-weight-share = "half"\n', encoding="utf-8")
    result = run_cli("lint", "--no-cache", "bad.kpi")
    assert result.exit_code == 2
    assert "kpirules.toml:5:1: error[E701]" in result.output


def test_config_discovery_matches_the_project_configuration(tmp_path: Path):
    from kpirules.config import find_config
    from kpirules.lint.config import find_config_file

    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    assert find_config_file(nested) == find_config(nested)
    (tmp_path / "pyproject.toml").write_text("[tool.black]\n", encoding="utf-8")
    assert find_config_file(nested) == find_config(nested)
    (tmp_path / "a" / "pyproject.toml").write_text("[tool.kpirules.lint]\nignore = []\n", encoding="utf-8")
    assert find_config_file(nested) == find_config(nested) == tmp_path / "a" / "pyproject.toml"
    # with a byte-order mark, and with a TOML error, it is still the configuration: a BOM made
    # it pass unseen (its fail-level and ignores dropped), and a broken one too, with exit 0
    (tmp_path / "a" / "pyproject.toml").write_bytes(b"\xef\xbb\xbf[tool.kpirules.lint]\nignore = []\n")
    assert find_config_file(nested) == find_config(nested) == tmp_path / "a" / "pyproject.toml"
    (tmp_path / "a" / "pyproject.toml").write_text('[tool.kpirules.lint]\nignore = ["KPI105"\n', encoding="utf-8")
    assert find_config_file(nested) == find_config(nested) == tmp_path / "a" / "pyproject.toml"
    (tmp_path / "a" / "pyproject.toml").write_text('[tool.black\n', encoding="utf-8")  # someone else's, broken
    assert find_config_file(nested) is find_config(nested) is None
    (nested / "kpirules.toml").write_text("", encoding="utf-8")
    assert find_config_file(nested) == find_config(nested) == nested / "kpirules.toml"


def test_a_broken_pyproject_configuration_is_e601_not_passed_over(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.kpirules.lint]\nfail-level = "warning"\nignore = ["KPI105"\n',
                                             encoding="utf-8")
    result = run_cli("lint", "--no-cache", ".")
    assert result.exit_code == 2, result.output
    assert "pyproject.toml:3:19: error[E601]: invalid TOML: Unclosed array at the end of the file" in result.output


# ------------------------------------------------------------------ suppression comments


def test_suppression_on_the_line_and_above(project):
    text = BAD_ROLE.replace('role telesales "电话销售" {', '# kpirules: ignore[KPI101] weights are being rebalanced\nrole telesales "电话销售" {')
    text = text.replace("    weight 70%", "    weight 70%  # kpirules: ignore[KPI102] calls are the job")
    (project / "bad.kpi").write_text(text, encoding="utf-8")
    result = run_cli("lint", "--no-cache", "--output-format", "concise", "bad.kpi")
    assert _codes(result) == ["KPI105"] and result.exit_code == 0
    assert "2 suppressed by comments." in result.output


def test_stacked_suppressions_cover_the_statement_under_them(project):
    # two comments standing alone above one line: each covers that line (the first used to
    # cover the second comment, hiding nothing, and was reported as unused: KPI901)
    text = BAD_ROLE.replace('role telesales "电话销售" {', '# kpirules: ignore[KPI101] weights are being rebalanced\n'
                            '# kpirules: ignore[KPI105] a pilot role\nrole telesales "电话销售" {')
    text = text.replace("    weight 70%", "    weight 70%  # kpirules: ignore[KPI102] calls are the job")
    (project / "bad.kpi").write_text(text, encoding="utf-8")
    result = run_cli("lint", "--no-cache", "--output-format", "concise", "bad.kpi")
    assert _codes(result) == [] and result.exit_code == 0, result.output
    assert "3 suppressed by comments." in result.output


def test_a_suppression_in_capitals_suppresses_too(project):
    # `# KPIRULES: IGNORE[KPI102]` was passed over: neither a suppression nor reported (KPI902)
    text = BAD_ROLE.replace("    weight 70%", "    weight 70%  # KPIRULES: IGNORE[KPI102] calls are the job")
    text = "# Kpirules: Ignore-File[KPI101, KPI105] pilot\n" + text
    (project / "bad.kpi").write_text(text, encoding="utf-8")
    result = run_cli("lint", "--no-cache", "--output-format", "concise", "bad.kpi")
    assert _codes(result) == [] and result.exit_code == 0, result.output
    assert "3 suppressed by comments." in result.output


def test_file_suppression_and_unknown_codes(project):
    text = "# kpirules: ignore-file[KPI101, KPI105, KPI777] pilot\n" + BAD_ROLE
    (project / "bad.kpi").write_text(text, encoding="utf-8")
    result = run_cli("lint", "--no-cache", "--output-format", "concise", "bad.kpi")
    assert result.output.splitlines()[0] == (
        "bad.kpi:1:1: KPI902 [error] This suppression comment cannot be used: unknown rule code KPI777."
    )
    assert _codes(result) == ["KPI902", "KPI102"]
    assert result.exit_code == 1


@pytest.mark.parametrize(("name", "message", "help"), [
    # suppressions take codes only; a slug or a prefix was "unknown rule code" with the
    # help "run `kpirules rules`"
    ("weights-sum", "weights-sum is a rule name, not a code", "help: suppressions take rule codes: write KPI101"),
    ("KPI10", "KPI10 is a prefix of rule codes",
     "help: suppressions do not take prefixes: name each code to hide (KPI101, KPI102, KPI103, KPI104, KPI105)"),
    ("KPI777", "unknown rule code KPI777", "help: run `kpirules rules` to list the codes"),
    # a code in lower case was "a prefix of rule codes" (it is not one)
    ("kpi102", "kpi102 is not written as the rule code", "help: rule codes are written in capitals: write KPI102"),
])
def test_a_suppression_naming_a_slug_or_prefix_says_what_to_write(project, name, message, help):
    (project / "bad.kpi").write_text(f"# kpirules: ignore-file[{name}] pilot\n" + BAD_ROLE, encoding="utf-8")
    result = run_cli("lint", "--no-cache", "--select", "KPI902", "bad.kpi")
    lines = result.output.splitlines()
    assert lines[0] == f"bad.kpi:1:1: KPI902 [error] This suppression comment cannot be used: {message}."
    assert help in [line.strip() for line in lines], result.output
    assert result.exit_code == 1


def test_suppressions_in_a_file_no_rule_ran_on_are_not_reported(project):
    # rules.md: suppressions of rules that did not run are not reported (KPI901); a file
    # that does not pass `kpirules check` is not linted at all
    text = BAD_ROLE.replace("    weight 70%", "    weight 70%  # kpirules: ignore[KPI102] calls are the job")
    text = text.replace("count(calls)", "count(no_such_dataset)", 1)
    (project / "bad.kpi").write_text(text, encoding="utf-8")
    result = run_cli("lint", "--no-cache", "--output-format", "concise", "bad.kpi")
    assert result.exit_code == 1 and "KPI901" not in result.output, result.output
    assert "bad.kpi:" in result.output


def test_errors_that_stop_linting_cannot_be_suppressed(project):
    (project / "bad.kpi").write_text('# kpirules: ignore-file[KPI101] x\nimport "prelude.kpi"\nrole {\n', encoding="utf-8")
    result = run_cli("lint", "--no-cache", "--output-format", "concise", "bad.kpi")
    assert result.exit_code == 1 and "bad.kpi:3:" in result.output


# ------------------------------------------------------------------ cache


def test_warm_runs_print_the_same_and_see_changes(project):
    first = run_cli("lint", "bad.kpi")
    assert (project / ".kpirules_cache" / "lint").is_dir()
    second = run_cli("lint", "bad.kpi")
    assert second.output == first.output and second.exit_code == first.exit_code == 1
    # a change in an imported file invalidates the stored result
    prelude = project / "prelude.kpi"
    prelude.write_text(prelude.read_text(encoding="utf-8").replace("  review weekly\n", ""), encoding="utf-8")
    (project / "prelude.kpi").touch()
    third = run_cli("lint", "--output-format", "concise", "bad.kpi", "prelude.kpi")
    assert "prelude.kpi:5:8: KPI503" in third.output
    # and a change in the linted file too
    (project / "bad.kpi").write_text(BAD_ROLE.replace("weight 70%", "weight 100%"), encoding="utf-8")
    fourth = run_cli("lint", "--output-format", "concise", "bad.kpi")
    assert "KPI101" not in fourth.output


def test_configuration_change_invalidates_the_cache(project):
    run_cli("lint", "bad.kpi")
    (project / "kpirules.toml").write_text('[lint]\nignore = ["KPI101"]\n', encoding="utf-8")
    assert run_cli("lint", "bad.kpi").exit_code == 0


def test_a_file_added_beside_the_linted_one_invalidates_the_cache(tmp_path, monkeypatch):
    # lint reads the .kpi files beside the one named (a role serving an objective of the
    # common file); a role added there after a cached run was not seen: KPI401 stayed
    import shutil

    (tmp_path / "rs").mkdir()
    shutil.copy(Path(__file__).resolve().parents[1] / "rulesets" / "common.kpi", tmp_path / "rs" / "common.kpi")
    monkeypatch.chdir(tmp_path)
    # with no role in the files read, KPI401 says nothing (the roles may be in another folder)
    first = run_cli("lint", "--output-format", "concise", "--select", "KPI401", "rs/common.kpi")
    assert "No findings" in first.output, first.output
    (tmp_path / "rs" / "calls.kpi").write_text("""import "common.kpi"
role ts "电话销售" {
  applies_to person.role == "ts"
  kpi calls "外呼量" {
    process auxiliary
    measure count(calls)
    target >= 200
  }
}
""", encoding="utf-8")
    first = run_cli("lint", "--output-format", "concise", "--select", "KPI401", "rs/common.kpi")
    assert "Objective retention is served by no KPI" in first.output
    (tmp_path / "rs" / "cs.kpi").write_text("""import "common.kpi"
role cs "客户成功" {
  applies_to person.role == "cs"
  kpi sat "客户满意度" {
    outcome auxiliary
    measure count(surveys where score >= 4) / count(surveys)
    target >= 90%
    serves retention
  }
}
""", encoding="utf-8")
    second = run_cli("lint", "--output-format", "concise", "--select", "KPI401", "rs/common.kpi")
    assert "Objective revenue is served by no KPI" in second.output
    assert "Objective retention" not in second.output, second.output


def test_a_change_to_kpirules_own_files_invalidates_the_cache(tmp_path):
    # an editable install changes its code without changing its version: the cache key
    # follows the sizes and times of the package's files (here a stand-in package folder)
    import os

    from kpirules.lint.cache import _code

    package = tmp_path / "kpirules"
    (package / "lint").mkdir(parents=True)
    rule = package / "lint" / "rules.py"
    rule.write_text("THRESHOLD = 8\n", encoding="utf-8")
    (package / "i18n_zh.toml").write_text("[messages]\n", encoding="utf-8")
    before = _code(package)
    assert _code(package) == before
    rule.write_text("THRESHOLD = 9\n", encoding="utf-8")  # same size: the time tells
    os.utime(rule, ns=(rule.stat().st_atime_ns, rule.stat().st_mtime_ns + 1_000_000))
    assert _code(package) != before
    changed = _code(package)
    (package / "i18n_zh.toml").write_text("[messages]\nE001 = []\n", encoding="utf-8")
    assert _code(package) != changed


# ------------------------------------------------------------------ a crashing rule


class Exploding:
    """A real plugin whose rule fails on every role (a bug in a rule, as in a third-party package)."""

    from kpirules.hookspecs import hookimpl

    @hookimpl
    def register_lint_rules(self, register):
        from kpirules.lint.rule import Rule

        class Crash(Rule):
            """Role {role} makes this rule crash."""

            code = "TST001"
            slug = "crash"
            severity = "warning"
            pitfall = "none"
            help = "none"

            def check_role(self, ctx, role):
                raise ZeroDivisionError("division by zero in a test rule")

        register(Crash)


def test_a_crashing_rule_becomes_a_kpi000_finding_and_the_others_still_run(project, monkeypatch):
    from kpirules.plugins import pm, reset_plugins

    monkeypatch.delenv("KPIRULES_DEBUG", raising=False)
    pm.register(Exploding(), name="exploding-test-plugin")
    try:
        result = run_cli("lint", "--no-cache", "--output-format", "concise", "bad.kpi")
    finally:
        pm.unregister(name="exploding-test-plugin")
        reset_plugins()
    lines = result.output.splitlines()
    assert lines[0] == ("bad.kpi:1:1: KPI000 [error] rule TST001 crashed while checking this file: "
                        "ZeroDivisionError: division by zero in a test rule")
    assert "KPI101" in result.output  # the built-in rules ran
    assert result.exit_code == 1


def test_history_periods_is_a_documented_option(project):
    # ci.md: `history-periods` (default 6) sets how many closed periods --history evaluates
    (project / "kpirules.toml").write_text("[lint]\nhistory-periods = 3\n", encoding="utf-8")
    result = run_cli("lint", "--no-cache", "bad.kpi")
    assert result.exit_code in (0, 1), result.output
    assert "E701" not in result.output


def test_a_lint_setting_that_is_not_a_table_names_the_table_at_its_line(project):
    # it said "/abs/path/kpirules.toml:1:1: error[E701]: kpirules.toml: lint.: must be a table"
    (project / "kpirules.toml").write_text('title = "x"\nlint = 3\n[project]\nrulesets = ["."]\n', encoding="utf-8")
    result = run_cli("lint", "--no-cache", "bad.kpi")
    assert result.exit_code == 2
    assert result.output.splitlines()[0] == "kpirules.toml:2:1: error[E701]: lint must be a table, not a whole number"


@pytest.mark.parametrize(("text", "first_line"), [
    # a table written as an array of tables: at its [[...]] header (it said 1:1)
    ('[project]\nrulesets = ["."]\n[[lint]]\nselect = ["ALL"]\n', "kpirules.toml:3:1: error[E701]: lint must be a table: write [lint], not [[lint]]"),
    ('[lint]\nselect = ["ALL"]\n[[lint.severity]]\n',
     "kpirules.toml:3:1: error[E701]: lint.severity must be a table: write [lint.severity], not [[lint.severity]]"),
    # the key of [lint], not a key of the same name in another table
    ('[project]\nselect = 1\n[lint]\nselect = "ALL"\n', "kpirules.toml:4:1: error[E701]: lint.select: must be a list of rule codes"),
])
def test_a_lint_setting_of_the_wrong_shape_is_located_where_it_is_written(project, text, first_line):
    (project / "kpirules.toml").write_text(text, encoding="utf-8")
    result = run_cli("lint", "--no-cache", "bad.kpi")
    assert result.exit_code == 2
    assert result.output.splitlines()[0] == first_line


@pytest.mark.parametrize("cached", [False, True])
def test_lint_output_never_replaces_the_configuration_it_read(project, cached):
    # `lint -o kpirules.toml` replaced the configuration with the report
    config = project / "kpirules.toml"
    config.write_text('[project]\nrulesets = ["."]\n\n[lint]\nignore = ["KPI702"]\n', encoding="utf-8")
    before = config.read_bytes()
    if cached:
        run_cli("lint", "bad.kpi")  # fills the cache: the next run reads the config on its cached path
    result = run_cli("lint", *([] if cached else ["--no-cache"]), "-o", "kpirules.toml", "bad.kpi")
    assert result.exit_code == 2, result.output
    assert "error[E006]: kpirules.toml is one of this command's inputs" in result.output
    assert config.read_bytes() == before


@pytest.mark.parametrize("name, text, first_line, help", [
    # lint read the [lint] table alone: a misspelt one was passed over, its settings dropped
    ("kpirules.toml", '[project]\nrulesets = ["."]\n\n[lnit]\nselect = ["KPI1"]\n',
     "kpirules.toml:4:1: error[E602]: unknown key lnit", "did you mean 'lint'?"),
    ("pyproject.toml", '[tool.kpirules.project]\nrulesets = ["."]\n\n[tool.kpirules.lints]\nselect = ["KPI1"]\n',
     "pyproject.toml:4:1: error[E602]: unknown key tool.kpirules.lints", "did you mean 'lint'?"),
    # a [run] table was taken and ignored: `period = "2026-03"` there ran 2026-12, without a word
    ("kpirules.toml", '[project]\nrulesets = ["."]\n\n[run]\nperiod = "2026-03"\n',
     "kpirules.toml:4:1: error[E602]: unknown key run", "known keys: project, env, lint"),
])
def test_a_misspelt_table_stops_lint_as_it_stops_run(project, name, text, first_line, help):
    (project / name).write_text(text, encoding="utf-8")
    for command in (("lint", "--no-cache"), ("lint",), ("run",)):
        result = run_cli(*command)
        assert result.exit_code == 2, result.output
        assert result.output.startswith(first_line), result.output
        assert f"= help: {help}" in result.output


def test_lint_knows_the_tables_the_configuration_has():
    from kpirules.config import ProjectConfig
    from kpirules.lint.config import TOP_LEVEL_KEYS

    read = {"env" if name == "envs" else name for name in ProjectConfig.model_fields} - {"path", "key_prefix"}
    assert set(TOP_LEVEL_KEYS) == read
