"""`${NAME}` in kpirules.toml options, and the duckdb source's `path = ":memory:"`, through the real CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
import tomli_w
from source_project import DEALS_CSV, KPI, PEOPLE_CSV, write

from kpirules.config import load_config
from kpirules.errors import ConfigError

EXPORTS = "KPIRULES_TEST_EXPORTS"


@pytest.fixture
def exports(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """CSV exports in a folder outside the project folder; the variable is unset to start with."""
    folder = workdir / "exports"
    write(folder / "deals.csv", DEALS_CSV)
    write(folder / "people.csv", PEOPLE_CSV)
    (workdir / "project").mkdir()
    monkeypatch.delenv(EXPORTS, raising=False)
    return folder


def _write_project(root: Path, bindings: dict[str, dict]) -> Path:
    """scheme.kpi and a kpirules.toml binding it, written and not loaded (loading is the test)."""
    (root / "scheme.kpi").write_text(KPI, encoding="utf-8")
    doc = {"project": {"rulesets": ["scheme.kpi"], "default_env": "test"}, "env": {"test": {"datasets": bindings}}}
    (root / "kpirules.toml").write_text(tomli_w.dumps(doc), encoding="utf-8")
    return root / "kpirules.toml"


def _project(root: Path, deals_path: str) -> Path:
    return _write_project(root, {"people": {"source": "csv", "path": "${%s}/people.csv" % EXPORTS},
                                 "deals": {"source": "csv", "path": deals_path}})


def test_a_relative_folder_in_the_variable_starts_at_the_current_directory(exports, workdir, monkeypatch, run_cli):
    # the config sits in project/, the exports beside it: a path written in the file would be
    # "../exports", but a variable set in the shell means what it says from where kpirules runs
    config = _project(workdir / "project", "${%s}/deals.csv" % EXPORTS)
    monkeypatch.setenv(EXPORTS, "exports")
    result = run_cli("sources", "check", "--config", str(config))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "people  CSV exports/people.csv (utf-8, detected, comma-separated)  3 rows  ok",
        "deals   CSV exports/deals.csv (utf-8, detected, comma-separated)  3 rows  ok",
    ]


def test_a_file_not_found_from_another_folder_is_named_in_full(exports, workdir, monkeypatch, run_cli):
    # run from project/sub with EXPORTS=exports: the file looked for is project/sub/exports/deals.csv,
    # which read "file not found: exports/deals.csv" beside a help saying that relative paths
    # start at the config file's folder (where project/exports/deals.csv may well be)
    config = _project(workdir / "project", "${%s}/deals.csv" % EXPORTS)
    (workdir / "project" / "sub").mkdir()
    monkeypatch.chdir(workdir / "project" / "sub")
    monkeypatch.setenv(EXPORTS, "exports")
    result = run_cli("sources", "check", "--config", str(config))
    assert result.exit_code == 1
    assert f"error[E640]: file not found: {workdir / 'project' / 'sub' / 'exports' / 'people.csv'}" in result.stderr


def test_an_absolute_folder_and_a_variable_inside_a_path(exports, workdir, monkeypatch):
    config = _project(workdir / "project", "../${%s}/deals.csv" % "EXPORT_NAME")
    monkeypatch.setenv(EXPORTS, str(exports))
    monkeypatch.setenv("EXPORT_NAME", "exports")
    env = load_config(config).environment()
    assert env.datasets["people"].options.path == exports / "people.csv"
    # not at the start: the result is a path written in the file, relative to the config's folder
    assert env.datasets["deals"].options.path == Path("../exports/deals.csv")


def test_an_unset_variable_names_the_key_the_file_and_the_line(exports, workdir, monkeypatch, run_cli):
    config = _project(workdir / "project", "${%s}/deals.csv" % EXPORTS)
    monkeypatch.setenv(EXPORTS, "")  # set but empty counts as unset: "/deals.csv" would be a surprise
    result = run_cli("sources", "check", "--config", str(config))
    assert result.exit_code == 2
    lines = config.read_text(encoding="utf-8").splitlines()
    people_line = lines.index('path = "${%s}/people.csv"' % EXPORTS) + 1
    deals_line = lines.index('path = "${%s}/deals.csv"' % EXPORTS) + 1
    # set but empty, it is said so (it was "which is not set")
    assert (f"project/kpirules.toml:{people_line}:1: error[E603]: env.test.datasets.people.path names the "
            f"environment variable {EXPORTS}, which is set but empty") in result.stderr
    monkeypatch.delenv(EXPORTS)
    result = run_cli("sources", "check", "--config", str(config))
    assert (f"project/kpirules.toml:{people_line}:1: error[E603]: env.test.datasets.people.path names the "
            f"environment variable {EXPORTS}, which is not set") in result.stderr
    assert f"project/kpirules.toml:{deals_line}:1: error[E603]: env.test.datasets.deals.path" in result.stderr
    assert f"= help: set it (e.g. `export {EXPORTS}=...`) or write the value in project/kpirules.toml" \
        in result.stderr
    assert "Traceback" not in result.output


def test_an_unset_variable_only_stops_the_environment_that_uses_it(exports, workdir):
    config = _project(workdir / "project", "${%s}/deals.csv" % EXPORTS)
    text = config.read_text(encoding="utf-8")
    config.write_text(text + '\n[env.local.datasets.people]\nsource = "csv"\npath = "../exports/people.csv"\n',
                      encoding="utf-8")
    loaded = load_config(config)
    assert loaded.environment("local").datasets["people"].options.path == Path("../exports/people.csv")
    with pytest.raises(ConfigError) as caught:
        loaded.environment("test")
    assert [d.code for d in caught.value.diagnostics] == ["E603", "E603"]


def test_an_environment_waiting_for_a_variable_still_has_its_other_options_checked(exports, workdir):
    # README: every command checks the whole file. A binding naming an unset variable skipped
    # the check of its other options, so `skip_rows = "2"` in that environment went unreported
    config = _project(workdir / "project", "${%s}/deals.csv" % EXPORTS)
    text = config.read_text(encoding="utf-8").replace('path = "${%s}/deals.csv"' % EXPORTS,
                                                      'path = "${%s}/deals.csv"\nskip_rows = "2"' % EXPORTS)
    config.write_text(text + '\n[env.local.datasets.people]\nsource = "csv"\npath = "../exports/people.csv"\n',
                      encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    (d,) = caught.value.diagnostics
    assert (d.code, d.message) == ("E603", "env.test.datasets.deals.skip_rows must be a whole number, not text")


def test_a_bad_name_is_an_error_and_a_doubled_dollar_is_literal(exports, workdir, monkeypatch):
    config = _project(workdir / "project", "${1st}/deals.csv")
    monkeypatch.setenv(EXPORTS, str(exports))
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    (d,) = caught.value.diagnostics
    assert (d.code, d.message) == ("E603", "env.test.datasets.deals.path: '${1st}' is not an environment variable name")
    config = _project(workdir / "project", "$${%s}/deals.csv" % EXPORTS)
    assert load_config(config).environment().datasets["deals"].options.path == Path("${%s}/deals.csv" % EXPORTS)


def test_a_variable_never_closed_is_an_error_not_a_file_name(exports, workdir, monkeypatch):
    # `${X/deals.csv` was taken as a file named so (E640, file not found)
    config = _project(workdir / "project", "${%s/deals.csv" % EXPORTS)
    monkeypatch.setenv(EXPORTS, str(exports))
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    (d,) = caught.value.diagnostics
    assert (d.code, d.message) == ("E603", "env.test.datasets.deals.path: '${' at character 1 is never closed with '}'")


def test_duckdb_in_memory_query_reads_files(exports, workdir, monkeypatch, run_cli):
    # a query over the export joins data no single file holds: here, deals with their owner's name
    query = ("SELECT d.*, p.name FROM read_csv('${%s}/deals.csv', all_varchar = true) d "
             "JOIN read_csv('${%s}/people.csv', all_varchar = true) p ON p.person_id = d.owner_id" % (EXPORTS, EXPORTS))
    config = _write_project(workdir / "project", {
        "people": {"source": "csv", "path": "${%s}/people.csv" % EXPORTS},
        "deals": {"source": "duckdb", "path": ":memory:", "query": query}})
    monkeypatch.setenv(EXPORTS, "exports")
    result = run_cli("sources", "check", "--config", str(config))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1] == "deals   DuckDB :memory: (query)  3 rows  ok"


def test_duckdb_in_memory_needs_a_query(exports, workdir):
    config = _write_project(workdir / "project", {"deals": {"source": "duckdb", "path": ":memory:", "table": "deals"}})
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    (d,) = caught.value.diagnostics
    assert d.code == "E603"
    assert 'path = ":memory:" has no tables: give a `query` that reads files' in d.message


def test_a_variable_in_a_number_option_is_refused_as_text_not_expanded(exports, workdir, monkeypatch, run_cli):
    # docs/sources.md: only text options are expanded; skip_rows is a whole number, so
    # "${SKIP}" is text where a number belongs, whatever the variable holds
    monkeypatch.setenv(EXPORTS, str(exports))
    monkeypatch.setenv("KPIRULES_TEST_SKIP", "1")
    config = _write_project(workdir / "project", {
        "people": {"source": "csv", "path": "${%s}/people.csv" % EXPORTS},
        "deals": {"source": "csv", "path": "${%s}/deals.csv" % EXPORTS, "skip_rows": "${KPIRULES_TEST_SKIP}"}})
    result = run_cli("sources", "check", "--config", str(config))
    assert result.exit_code == 2
    line = config.read_text(encoding="utf-8").splitlines().index('skip_rows = "${KPIRULES_TEST_SKIP}"') + 1
    assert (f"project/kpirules.toml:{line}:1: error[E603]: env.test.datasets.deals.skip_rows must be a whole "
            "number, not text") in result.stderr
    assert ("= help: ${NAME} is expanded only in text options; write digits without quotes: skip_rows = 1"
            in result.stderr)
    assert "Traceback" not in result.output


def test_several_environments_and_no_default_points_at_the_project_table(tmp_path):
    # E610 pointed at line 1, a comment; default_env is written in [project]
    config = tmp_path / "kpirules.toml"
    config.write_text('# the exports of two offices\n\n[project]\nrulesets = ["r"]\n\n'
                      '[env.a.datasets.x]\nsource = "csv"\npath = "x.csv"\n\n'
                      '[env.b.datasets.x]\nsource = "csv"\npath = "x.csv"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(config).environment()
    (d,) = caught.value.diagnostics
    assert (d.code, d.location.line, d.help) == ("E610", 3, "pass --env (a, b) or set project.default_env")
