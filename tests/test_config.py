"""kpirules.toml: finding it, validating it, and binding it to the scheme's datasets."""

from __future__ import annotations

from pathlib import Path

import pytest
from source_project import KPI, make_project

from kpirules.config import load_config
from kpirules.errors import ConfigError
from kpirules.model import load_scheme
from kpirules.sources.base import read_secret


def _config(workdir: Path, text: str, name: str = "kpirules.toml"):
    (workdir / name).write_text(text, encoding="utf-8")
    return load_config(workdir / name)


def _problems(workdir: Path, text: str) -> list:
    with pytest.raises(ConfigError) as caught:
        _config(workdir, text)
    return caught.value.diagnostics


GOOD = """\
[project]
rulesets = ["scheme.kpi"]
default_env = "sample"

[env.sample.datasets.people]
source = "csv"
path = "data/people.csv"
encoding = "gbk"

[env.test.datasets.people]
source = "parquet"
path = "people.parquet"

[lint]
select = ["KPI1"]
"""


def test_a_valid_config(workdir):
    config = _config(workdir, GOOD)
    assert config.root == workdir.resolve()
    with pytest.raises(ConfigError, match=r"E001.*no such file or directory: scheme.kpi \(listed in project.rulesets\)"):
        config.ruleset_paths()
    (workdir / "scheme.kpi").write_text("", encoding="utf-8")
    assert config.ruleset_paths() == [workdir.resolve() / "scheme.kpi"]
    people = config.environment().datasets["people"]
    assert (people.source, people.options.path, people.options.encoding) == ("csv", Path("data/people.csv"), "gbk")
    assert config.environment("test").datasets["people"].source == "parquet"
    assert config.lint == {"select": ["KPI1"]}  # passed through for the lint command to validate


def test_found_in_a_parent_folder_or_in_pyproject(workdir):
    _config(workdir, GOOD)
    nested = workdir / "a" / "b"
    nested.mkdir(parents=True)
    assert load_config(start=nested).path == (workdir / "kpirules.toml").resolve()
    (workdir / "kpirules.toml").unlink()
    pyproject = GOOD.replace("[project]", "[tool.kpirules.project]").replace("[env.", "[tool.kpirules.env.") \
        .replace("[lint]", "[tool.kpirules.lint]")
    (workdir / "pyproject.toml").write_text('[project]\nname = "x"\n\n' + pyproject, encoding="utf-8")
    config = load_config(start=nested)
    assert config.path.name == "pyproject.toml"
    assert config.environment().datasets["people"].options.encoding == "gbk"


def test_no_config_anywhere(workdir):
    with pytest.raises(ConfigError) as caught:
        load_config(start=workdir)
    (d,) = caught.value.diagnostics
    assert d.code == "E600"
    assert d.help == "run `kpirules init` to write a starter kpirules.toml"


def test_unknown_option_names_the_key_path_line_and_suggestion(workdir):
    (d,) = _problems(workdir, GOOD.replace('path = "data/people.csv"', 'pth = "data/people.csv"'))
    assert (d.code, d.message) == ("E602", "unknown key env.sample.datasets.people.pth (source csv)")
    assert (d.location.path, d.location.line, d.location.column) == ("kpirules.toml", 7, 1)
    assert d.help == "did you mean 'path'?"


def test_missing_required_option_and_unknown_source(workdir):
    found = _problems(workdir, GOOD.replace('path = "data/people.csv"\n', "").replace('"parquet"', '"parqet"'))
    assert [(d.code, d.message, d.help) for d in found] == [
        ("E604", "missing required option env.sample.datasets.people.path (source csv)",
         "add `path = ...` to [env.sample.datasets.people]"),
        ("E605", "env.test.datasets.people.source: unknown source type 'parqet'", "did you mean 'parquet'?"),
    ]


def test_a_source_that_is_not_text_is_a_wrong_type_not_a_missing_source(workdir):
    (d,) = _problems(workdir, GOOD.replace('source = "parquet"', "source = 5"))
    assert (d.code, d.message) == ("E603", "env.test.datasets.people.source must be text, the name of a source type")
    assert (d.location.path, d.location.line, d.location.column) == ("kpirules.toml", 11, 1)
    assert d.help == 'write it in quotes, e.g. source = "csv" (see `kpirules plugins`)'
    (missing,) = _problems(workdir, GOOD.replace('source = "parquet"\n', ""))
    assert (missing.code, missing.message) == ("E604", "env.test.datasets.people has no `source`")


@pytest.mark.parametrize(("text", "message", "place"), [
    # a table written as an array of tables: at its [[...]] header (it said 1:1), saying what
    # to write (it said "Input should be a valid dictionary or instance of _EnvTable")
    ('[project]\nrulesets = ["s.kpi"]\n\n[[env.prod]]\nx = 1\n',
     "env.prod must be a table: write [env.prod], not [[env.prod]]", (4, 1)),
    ('[project]\nrulesets = ["s.kpi"]\n\n  [[ env.prod.datasets."calls" ]]  # x\nsource = "csv"\n',
     "env.prod.datasets.calls must be a table: write [env.prod.datasets.calls], not [[env.prod.datasets.calls]]",
     (4, 3)),
    ('# settings\n[[project]]\nrulesets = ["s.kpi"]\n', "project must be a table: write [project], not [[project]]",
     (2, 1)),
    ('[project]\nrulesets = ["s.kpi"]\n[[lint]]\n', "lint must be a table: write [lint], not [[lint]]", (3, 1)),
    # the same mistake in other shapes: an array where a table is expected, at the top of the
    # file or inside a table, and a table where a list is expected
    ('# settings\nproject = []\n', "project must be a table, not a list", (2, 1)),
    ('[project]\nrulesets = ["s.kpi"]\n[env]\nprod = [1, 2]\n', "env.prod must be a table, not a list", (4, 1)),
    ('# settings\n[project.rulesets]\na = 1\n', "project.rulesets must be a list of paths, not a table", (2, 1)),
    ('[project]\n[[project.rulesets]]\na = 1\n', "project.rulesets must be a list of paths: entry 1 is a table", (2, 1)),
    ('[project]\nrulesets = ["s.kpi", 3]\n', "project.rulesets must be a list of paths: entry 2 is a whole number",
     (2, 22)),
])
def test_a_value_of_the_wrong_shape_is_located_where_it_is_written(workdir, text, message, place):
    (d,) = _problems(workdir, text)
    assert (d.code, d.message) == ("E603", message)
    assert (d.location.path, d.location.line, d.location.column) == ("kpirules.toml", *place)


def test_a_wrong_shape_in_pyproject_is_located_under_tool_kpirules(workdir):
    (workdir / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.kpirules.project]\n'
                                            'rulesets = ["s.kpi"]\n\n[[tool.kpirules.env.prod]]\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(workdir / "pyproject.toml")
    (d,) = caught.value.diagnostics
    # the key and the header as the file must write them (the key was named without tool.kpirules.)
    assert d.message == ("tool.kpirules.env.prod must be a table: write [tool.kpirules.env.prod], not "
                         "[[tool.kpirules.env.prod]]")
    assert (d.location.line, d.location.column) == (7, 1)


def test_unknown_top_level_and_project_keys(workdir):
    found = _problems(workdir, GOOD.replace("default_env", "default_environment") + "\n[lints]\nx = 1\n")
    assert [(d.code, d.message, d.help) for d in found] == [
        ("E602", "unknown key project.default_environment", "did you mean 'default_env'?"),
        ("E602", "unknown key lints", "did you mean 'lint'?"),
    ]


def test_option_values_are_checked_without_echoing_them(workdir):
    found = _problems(workdir, GOOD.replace('encoding = "gbk"', 'encoding = "klingon"\nskip_rows = -1'))
    assert [(d.code, d.message) for d in found] == [
        ("E603", "env.sample.datasets.people.encoding (source csv): unknown encoding 'klingon' "
                 "(e.g. utf-8, gbk, gb18030, utf-16)"),
        ("E603", "env.sample.datasets.people.skip_rows must be at least 0"),
    ]


def test_credentials_in_the_file_are_refused(workdir):
    (d,) = _problems(workdir, GOOD.replace('encoding = "gbk"', 'password = "hunter2"'))
    assert (d.code, d.message) == ("E609", "env.sample.datasets.people.password: credentials must not be written "
                                           "in the config file")
    assert "hunter2" not in str(d) and "hunter2" not in (d.help or "")
    # the help names only options the source type has: csv has no password_env or password_file
    assert d.help == "remove it: source csv takes no password"


@pytest.mark.parametrize(("written", "code"), [
    ('password = "hunter2"', "E609"),
    ('pgpassword = "hunter2"', "E609"),  # was an unknown key (E602), shown with its value
    ('dsn = "postgresql://reader:hunter2@db/crm"', "E602"),
    ("password = '''hunter2'''", "E609"),
    ('dsn = "host=db password=hunter2 dbname=crm"', "E602"),
])
def test_the_line_shown_under_a_config_error_hides_credentials(workdir, run_cli, written, code):
    # sources.md: descriptions and messages never show a credential, the quoted line included
    (workdir / "kpirules.toml").write_text(GOOD.replace('encoding = "gbk"', written), encoding="utf-8")
    result = run_cli("sources", "check")
    assert result.exit_code == 2
    assert f"error[{code}]" in result.output
    assert "hunter2" not in result.output
    assert "***" in result.output


def test_secrets_come_from_the_environment_or_a_file_outside_the_project(workdir, tmp_path_factory, monkeypatch):
    monkeypatch.setenv("KPI_TEST_TOKEN", "s3cret")
    secret = read_secret(env="KPI_TEST_TOKEN", what="token", config_key="env.x.datasets.y", config_dir=workdir)
    assert secret.get_secret_value() == "s3cret" and "s3cret" not in repr(secret)
    outside = tmp_path_factory.mktemp("secrets") / "token"
    outside.write_text("from-file\n", encoding="utf-8")
    assert read_secret(file=outside, what="token", config_key="k", config_dir=workdir).get_secret_value() == "from-file"
    inside = workdir / "token.txt"
    inside.write_text("oops", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        read_secret(file=inside, what="token", config_key="env.x.datasets.y", config_dir=workdir)
    assert caught.value.diagnostics[0].message.startswith("env.x.datasets.y.token_file points inside the project")
    monkeypatch.delenv("KPI_TEST_TOKEN")
    with pytest.raises(ConfigError) as caught:
        read_secret(env="KPI_TEST_TOKEN", what="token", config_key="env.x.datasets.y", config_dir=workdir)
    assert caught.value.diagnostics[0].message == \
        "environment variable KPI_TEST_TOKEN (env.x.datasets.y.token_env) is not set"


def test_toml_syntax_error_has_a_position(workdir):
    (d,) = _problems(workdir, '[project]\nrulesets = ["a"\n')
    assert d.code == "E601"
    # the end of the document: just after the last thing written, not the empty line below it
    assert (d.location.line, d.location.column) == (2, 16)
    assert d.message == "invalid TOML: Unclosed array at the end of the file"


@pytest.mark.parametrize("text, line, column, reason, help", [
    # said where the next table starts (line 4, after an empty line): at the bracket left open
    ('[project]\nrulesets = ["a" # "b" ]\n\n[env.test]\n', 2, 12, "Unclosed array",
     "close the list with ']' after its last item"),
    ('[project]\nrulesets = ["a"]\n[env.test.datasets.people]\nsource = { path = "a]b.csv"\nx = 1\n', 4, 10,
     "Unclosed inline table", "close the table with '}' on the line it starts on"),
])
def test_a_bracket_left_open_is_pointed_at(workdir, text, line, column, reason, help):
    (d,) = _problems(workdir, text)
    assert (d.code, d.location.line, d.location.column, d.message, d.help) == (
        "E601", line, column, f"invalid TOML: {reason}", help)


def test_a_config_that_is_not_utf8_is_located_at_the_first_bad_byte(workdir):
    (workdir / "kpirules.toml").write_bytes(GOOD.encode() + "# 备注\n".encode("gbk"))
    with pytest.raises(ConfigError) as caught:
        load_config(workdir / "kpirules.toml")
    (d,) = caught.value.diagnostics
    assert (d.code, d.message, d.help) == (
        "E601", "file is not valid UTF-8 (byte 0xb1 cannot be decoded)", "save the file as UTF-8")
    assert (d.location.path, d.location.line, d.location.column) == ("kpirules.toml", 16, 3)


def test_an_unreadable_config_is_e600_not_an_internal_error(workdir, unreadable, run_cli):
    (workdir / "kpirules.toml").write_text(GOOD, encoding="utf-8")
    unreadable(workdir / "kpirules.toml")
    result = run_cli("run")
    assert result.exit_code == 2, result.output
    assert "error[E600]: cannot read" in result.output and "Permission denied" in result.output


@pytest.mark.parametrize("command", [["run"], ["lint"], ["check"], ["explain", "P1"]])
def test_a_folder_named_kpirules_toml_is_said_to_be_a_folder(workdir, run_cli, command):
    # it read "no kpirules.toml ... in . or its parents" (run), or ended in a traceback (lint)
    (workdir / "kpirules.toml").mkdir()
    result = run_cli(*command)
    assert result.exit_code == 2, result.output
    assert "error[E600]: kpirules.toml is a folder, not a config file" in result.output
    assert "Traceback" not in result.output


def test_choosing_the_environment(workdir):
    config = _config(workdir, GOOD.replace('default_env = "sample"\n', ""))
    with pytest.raises(ConfigError) as caught:
        config.environment()
    assert caught.value.diagnostics[0].help == "pass --env (sample, test) or set project.default_env"
    with pytest.raises(ConfigError) as caught:
        config.environment("smaple")
    assert caught.value.diagnostics[0].help == "did you mean 'sample'?"
    (d,) = _problems(workdir, GOOD.replace('default_env = "sample"', 'default_env = "prod"'))
    assert (d.code, d.message) == ("E606", "project.default_env names 'prod', which has no [env.prod] table")


def test_bindings_against_the_scheme(workdir):
    scheme, config = make_project(workdir, {"deal": {"source": "csv", "path": "deals.csv"}})
    with pytest.raises(ConfigError) as caught:
        config.bindings(scheme)
    assert [(d.code, d.message, d.help) for d in caught.value.diagnostics] == [
        ("E607", "env.test.datasets.deal binds a dataset no .kpi file declares", "did you mean 'deals'?"),
        ("E608", "dataset 'deals' has no binding in env 'test' of kpirules.toml",
         'add [env.test.datasets.deals] with source = "csv" and path = "data/deals.csv" (or another source)'),
    ]
    lines = (workdir / "kpirules.toml").read_text().splitlines()
    located = caught.value.diagnostics[0].location
    assert located.line == lines.index("[env.test.datasets.deal]") + 1
    # env.test has no header of its own: E608 is at its first table, not at the file's first line
    located = caught.value.diagnostics[1].location
    first = next(n for n, line in enumerate(lines, 1) if line.startswith("[env.test."))
    assert (located.line, located.column) == (first, 1) and first > 1


def test_a_key_of_other_characters_must_be_quoted_and_the_helps_quote_it(workdir):
    # TOML: a bare key is A-Z a-z 0-9 _ -; a Chinese environment or dataset name needs
    # quotes, so a help line naming a table writes them, and can be pasted as it is
    (d,) = _problems(workdir, GOOD.replace("[env.test.datasets.people]", "[env.本地.datasets.人员]"))
    assert (d.code, d.location.line, d.location.column) == ("E601", 10, 6)
    assert d.message == "invalid TOML: Invalid initial character for a key part"
    assert d.help == ('write the key in quotes: "本地" (a key of other characters than A-Z, a-z, 0-9, _ and - '
                      'needs them, as in [env."本地".datasets."人员"])')
    quoted = GOOD.replace("[env.test.datasets.people]", '[env."本地".datasets."人员"]')
    config = _config(workdir, quoted)
    assert config.environment("本地").datasets["人员"].key_path == 'env."本地".datasets."人员"'
    (d,) = _problems(workdir, quoted.replace('default_env = "sample"', 'default_env = "测试"'))
    assert (d.code, d.message) == ("E606", "project.default_env names '测试', which has no [env.\"测试\"] table")


def test_reference_rulesets_with_the_repository_config(rulesets_dir):
    config = load_config(rulesets_dir.parent / "kpirules.toml")
    scheme = load_scheme(config.ruleset_paths())
    assert set(config.bindings(scheme)) == set(scheme.datasets)


def test_kpi_without_roster_needs_no_people(workdir):
    kpi = KPI[: KPI.index("roster people")] + KPI[KPI.index("dataset deals"):]
    scheme, config = make_project(workdir, {"deals": {"source": "csv", "path": "deals.csv"}}, kpi, people=False)
    assert list(config.bindings(scheme)) == ["deals"]


def test_a_rename_to_a_column_nobody_declares_is_e603_at_its_line(tmp_path, monkeypatch):
    # `rename = { "status" = "nope" }`: the rename did nothing (status was still read as
    # status) and nothing said so
    import shutil

    from click.testing import CliRunner

    from kpirules.cli import cli

    root = Path(__file__).resolve().parents[1]
    for folder in ("rulesets", "data"):
        shutil.copytree(root / folder, tmp_path / folder)
    text = (root / "kpirules.toml").read_text(encoding="utf-8")
    binding = 'path = "data/sample/leads.csv"\n'
    assert text.count(binding) == 1
    (tmp_path / "kpirules.toml").write_text(text.replace(binding, binding + 'rename = { "status" = "stauts" }\n'),
                                            encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["sources", "check"])
    assert result.exit_code == 2, result.output
    line = next(n for n, written in enumerate((tmp_path / "kpirules.toml").read_text(encoding="utf-8").splitlines(), 1)
                if written.startswith("rename"))
    assert (f"kpirules.toml:{line}:1: error[E603]: env.sample.datasets.leads.rename: 'status' is renamed to stauts, "
            "which dataset leads does not declare") in result.output
    assert "did you mean 'status'?" in result.output
