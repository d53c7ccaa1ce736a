"""A configuration value of the wrong shape, through the real commands: the message says
what the key must be and what to write, at the line and column where it is written.

pydantic's own words ("Input should be a valid dictionary or instance of _EnvTable") named
a class of ours and did not say what to write.
"""

from __future__ import annotations

import pytest

SAMPLE_HEADER = "[env.sample.datasets.leads]"
PEOPLE = '[env.sample.datasets.people]\nsource = "csv"\npath = "data/sample/people.csv"\n'


def _first_problem(result, config_text: str, written: str) -> tuple[str, str, str]:
    """The first error line, its help line, and where `written` starts in the config."""
    lines = result.output.splitlines()
    number = next(n for n, line in enumerate(config_text.splitlines(), 1) if written in line)
    column = config_text.splitlines()[number - 1].index(written) + 1
    helps = [line for line in lines if line.startswith("  = help: ")]
    return lines[0], helps[0] if helps else "", f"kpirules.toml:{number}:{column}"


@pytest.mark.parametrize(("old", "new", "written", "message", "help"), [
    # a table written as a list of tables
    (SAMPLE_HEADER, "[[env.sample.datasets.leads]]", "[[env.sample.datasets.leads]]",
     "env.sample.datasets.leads must be a table: write [env.sample.datasets.leads], not [[env.sample.datasets.leads]]",
     "[[...]] starts a list of tables; env.sample.datasets.leads is one table"),
    ("[project]", "[[project]]", "[[project]]",
     "project must be a table: write [project], not [[project]]",
     "[[...]] starts a list of tables; project is one table"),
    (SAMPLE_HEADER, "[[env.prod]]\nx = 1\n\n" + SAMPLE_HEADER, "[[env.prod]]",
     "env.prod must be a table: write [env.prod], not [[env.prod]]",
     "[[...]] starts a list of tables; env.prod is one table"),
    (SAMPLE_HEADER, "[[lint]]\n\n" + SAMPLE_HEADER, "[[lint]]",
     "lint must be a table: write [lint], not [[lint]]", "[[...]] starts a list of tables; lint is one table"),
    # a table written as a value of another kind
    (SAMPLE_HEADER, '[env.prod]\ndatasets = "leads.csv"\n\n' + SAMPLE_HEADER, "datasets =",
     "env.prod.datasets must be a table, not text", "write [env.prod.datasets] with its keys on the lines below it"),
    # a list written as something else, and a list entry of the wrong kind
    ('rulesets = ["rulesets"]', 'rulesets = "rulesets"', 'rulesets = "rulesets"',
     "project.rulesets must be a list of paths, not text", 'write the list in brackets: rulesets = ["rulesets"]'),
    ('rulesets = ["rulesets"]', 'rulesets = ["rulesets", 3]', "3",
     "project.rulesets must be a list of paths: entry 2 is a whole number",
     'write the list in brackets: rulesets = ["rulesets"]'),
    # text, true or false, whole numbers: the option named, the value never repeated
    ('default_env = "sample"', "default_env = true", "default_env",
     "project.default_env must be text in quotes, not a boolean", 'put it in quotes: default_env = "..."'),
    (PEOPLE, PEOPLE + 'header = "maybe"\n', "header",
     "env.sample.datasets.people.header must be true or false, not text",
     "write header = true or header = false, without quotes"),
    (PEOPLE, PEOPLE + "skip_rows = 1.5\n", "skip_rows",
     "env.sample.datasets.people.skip_rows must be a whole number, not a decimal number",
     "write digits without quotes: skip_rows = 1"),
    # never converted: text, a decimal number or a number where a whole number or a boolean belongs
    (PEOPLE, PEOPLE + 'skip_rows = "2"\n', "skip_rows",
     "env.sample.datasets.people.skip_rows must be a whole number, not text",
     "write digits without quotes: skip_rows = 1"),
    (PEOPLE, PEOPLE + "skip_rows = 2.0\n", "skip_rows",
     "env.sample.datasets.people.skip_rows must be a whole number, not a decimal number",
     "write digits without quotes: skip_rows = 1"),
    (PEOPLE, PEOPLE + 'header = "yes"\n', "header",
     "env.sample.datasets.people.header must be true or false, not text",
     "write header = true or header = false, without quotes"),
    (PEOPLE, PEOPLE + "header = 1\n", "header",
     "env.sample.datasets.people.header must be true or false, not a whole number",
     "write header = true or header = false, without quotes"),
    (SAMPLE_HEADER, '[env.pg.datasets.people]\nsource = "postgres"\ntable = "people"\nport = "5432"\n\n'
     + SAMPLE_HEADER, "port",
     "env.pg.datasets.people.port must be a whole number, not text", "write digits without quotes: port = 1"),
    # an option of two kinds: one message naming both
    (SAMPLE_HEADER, '[env.x.datasets.people]\nsource = "xlsx"\npath = "people.xlsx"\nsheet = true\n\n'
     + SAMPLE_HEADER, "sheet",
     "env.x.datasets.people.sheet must be text in quotes or a whole number, not a boolean",
     'put it in quotes: sheet = "..."'),
    (PEOPLE, PEOPLE + 'columns = "id"\n', "columns",
     "env.sample.datasets.people.columns must be a list of text values, not text",
     'write the list in brackets: columns = ["...", "..."]'),
    (PEOPLE, PEOPLE.replace('"data/sample/people.csv"', "2026-03-01"), "path",
     "env.sample.datasets.people.path must be a path in quotes, not a date or time",
     'put it in quotes: path = "data/file.csv"'),
    (PEOPLE, PEOPLE + "skip_rows = -1\n", "skip_rows", "env.sample.datasets.people.skip_rows must be at least 0", ""),
    # one of a few values: listed as TOML writes them
    (SAMPLE_HEADER, '[env.pg.datasets.people]\nsource = "postgres"\ntable = "people"\nsslmode = "on"\n\n'
     + SAMPLE_HEADER, "sslmode",
     'env.pg.datasets.people.sslmode must be "disable", "allow", "prefer", "require", "verify-ca" or "verify-full"',
     'write one of them in quotes, e.g. sslmode = "disable"'),
])
def test_run_says_what_a_value_of_the_wrong_shape_must_be(sample_project, edit, run_cli, old, new, written,
                                                          message, help):
    config = sample_project / "kpirules.toml"
    edit(config, old, new)
    result = run_cli("run")
    assert result.exit_code == 2, result.output
    first, first_help, where = _first_problem(result, config.read_text(encoding="utf-8"), written)
    assert first == f"{where}: error[E603]: {message}"
    assert first_help == (f"  = help: {help}" if help else "")
    assert "_EnvTable" not in result.output and "Input should" not in result.output


@pytest.mark.parametrize(("old", "new", "written", "line"), [
    ("[project]", "[[project]]", "[[project]]",
     "error[E603]: project must be a table: write [project], not [[project]]"),
    ('rulesets = ["rulesets"]', 'rulesets = "rulesets"', 'rulesets = "rulesets"',
     "error[E603]: project.rulesets must be a list of paths, not text"),
    ('rulesets = ["rulesets"]', 'rulesets = ["rulesets", 3]', "3",
     "error[E603]: project.rulesets must be a list of paths: entry 2 is a whole number"),
    (SAMPLE_HEADER, "[[lint]]\n\n" + SAMPLE_HEADER, "[[lint]]",
     "error[E701]: lint must be a table: write [lint], not [[lint]]"),
    ("[project]", "lint = 3\n\n[project]", "lint = 3",
     "error[E701]: lint must be a table, not a whole number"),
    (SAMPLE_HEADER, '[lint]\nselect = ["ALL"]\n[[lint.severity]]\n\n' + SAMPLE_HEADER, "[[lint.severity]]",
     "error[E701]: lint.severity must be a table: write [lint.severity], not [[lint.severity]]"),
])
def test_lint_says_what_a_value_of_the_wrong_shape_must_be(sample_project, edit, run_cli, old, new, written, line):
    # lint reads only [project] rulesets and [lint], with the standard library: the same words
    config = sample_project / "kpirules.toml"
    edit(config, old, new)
    result = run_cli("lint", "--no-cache")
    assert result.exit_code == 2, result.output
    first, _, where = _first_problem(result, config.read_text(encoding="utf-8"), written)
    assert first == f"{where}: {line}"


def test_a_list_of_tables_in_pyproject_names_the_header_to_write(workdir, ruleset_copy, run_cli):
    (workdir / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[[tool.kpirules.project]]\nrulesets = ["rulesets"]\n', encoding="utf-8")
    for command in (("run",), ("lint", "--no-cache")):
        result = run_cli(*command)
        assert result.exit_code == 2, result.output
        assert result.output.splitlines()[0] == (
            "pyproject.toml:4:1: error[E603]: tool.kpirules.project must be a table: write [tool.kpirules.project], "
            "not [[tool.kpirules.project]]")


def test_the_words_are_chinese_with_lang_zh(sample_project, edit, run_cli):
    edit(sample_project / "kpirules.toml", SAMPLE_HEADER, "[[env.sample.datasets.leads]]")
    result = run_cli("--lang", "zh", "run")
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert lines[0].endswith("error[E603]: env.sample.datasets.leads 必须是一个表：请写 [env.sample.datasets.leads]，"
                             "而不是 [[env.sample.datasets.leads]]")
    assert "  = 帮助：[[...]] 表示表的列表；env.sample.datasets.leads 只能是一个表" in lines
