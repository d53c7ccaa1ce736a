"""The plugin system: built-in sources and third-party plugins through the same hooks."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from types import SimpleNamespace

import pyarrow as pa
import pytest
from source_project import load, load_problem, rows

from kpirules import hookspecs, i18n, plugins
from kpirules.errors import ConfigError, DataError, Diagnostic
from kpirules.hookspecs import hookimpl
from kpirules.report.diagnostics import render_text
from kpirules.sources.base import Source, SourceOptions

ROSTER = pa.table({"person_id": ["P1", "P2"], "name": ["韦刚", "Ann"], "manager_id": [None, "P1"]})


class MemoryOptions(SourceOptions):
    drop: list[str] = []
    fail: bool = False


class MemorySource(Source):
    """A source that hands over an in-memory roster, as a CRM plugin would hand over its API's rows."""

    name = "memory"
    Options = MemoryOptions

    def read(self):
        if self.options.fail:
            raise RuntimeError("the CRM is down")
        return ROSTER.drop_columns(self.options.drop)


class MemoryPlugin:
    @hookimpl
    def register_sources(self, register):
        register(MemorySource)


@pytest.fixture(autouse=True)
def _reset():
    plugins.reset_plugins()
    yield
    plugins.reset_plugins()


MEMORY = {"people": {"source": "memory"}}


def test_built_in_sources_are_default_plugins():
    infos = {info.name: info for info in plugins.plugin_infos()}
    assert set(plugins.DEFAULT_PLUGINS) <= set(infos)
    csv = infos["kpirules.sources.csv"]
    assert (csv.hooks, csv.sources) == (["register_sources"], ["csv"])
    assert {"csv", "duckdb", "json", "jsonl", "parquet", "sqlite", "xlsx"} <= set(plugins.source_types())


def test_a_third_party_source_loads_like_a_built_in_one(workdir):
    plugins.pm.register(MemoryPlugin(), name="memory-plugin")
    con, report = load(workdir, MEMORY)
    assert rows(con, "people") == [("P1", "韦刚", None), ("P2", "Ann", "P1")]
    assert report["people"].description == "memory memory"
    plugins.reset_plugins()
    assert "memory" not in plugins.source_types()


def test_describe_source_hook_wins_over_the_source(workdir):
    class Describer:
        @hookimpl
        def describe_source(self, source_name, options):
            return f"the {source_name} CRM" if source_name == "memory" else None

    plugins.pm.register(MemoryPlugin(), name="memory-plugin")
    plugins.pm.register(Describer(), name="describer")
    _, report = load(workdir, MEMORY)
    assert report["people"].description == "the memory CRM"


def test_a_describe_source_hook_that_raises_is_its_plugins_error(workdir):
    class Quiet:
        @hookimpl
        def describe_source(self, source_name, options):
            return None

    class Raising:
        @hookimpl
        def describe_source(self, source_name, options):
            raise RuntimeError("describe bug")

    plugins.pm.register(MemoryPlugin(), name="memory-plugin")
    plugins.pm.register(Raising(), name="raising")
    plugins.pm.register(Quiet(), name="quiet")  # called first, says nothing: the next one raises
    with pytest.raises(ConfigError) as caught:
        load(workdir, MEMORY)
    (d,) = caught.value.diagnostics
    assert (d.code, d.message) == ("E620", "plugin raising raised in describe_source for dataset people "
                                           "(source memory in [env.test.datasets.people]): RuntimeError: describe bug")
    assert d.help == "fix or uninstall the plugin, or leave it out with KPIRULES_PLUGINS"


class ExportOptions(SourceOptions):
    export_file: Path
    named: bool = False


class ExportSource(Source):
    """A source whose file option is not called `path`."""

    name = "memory_export"
    Options = ExportOptions

    def read(self):
        option = "export_file" if self.options.named else None
        self.existing_file(self.resolve(self.options.export_file), option)
        return ROSTER


class ExportPlugin:
    @hookimpl
    def register_sources(self, register):
        register(ExportSource)


@pytest.mark.parametrize(("named", "what"), [(False, "the path"), (True, "`export_file`")])
def test_existing_file_names_the_option_that_held_the_path_or_none(workdir, named, what):
    # the help never names an option the source does not have (`path`)
    plugins.pm.register(ExportPlugin(), name="export-plugin")
    (workdir / "exports").mkdir()
    for value, help in [("missing.csv", f"check {what} in [env.test.datasets.people] of kpirules.toml "
                                        "(relative paths start at the config file's folder)"),
                        ("exports", f"point {what} in [env.test.datasets.people] at one file")]:
        problem = load_problem(workdir, {"people": {"source": "memory_export", "export_file": value, "named": named}})
        assert (problem.code, problem.help) == ("E640", help)


def test_a_plugin_returning_wrong_columns(workdir):
    plugins.pm.register(MemoryPlugin(), name="memory-plugin")
    with pytest.raises(DataError) as caught:
        load(workdir, {"people": {"source": "memory", "drop": ["name"]}})
    (d,) = caught.value.diagnostics
    assert (d.code, d.message) == ("E642", "source has no column name for declared column name")
    assert str(d.location) == "dataset people, source memory, column name"


def test_a_source_that_fails_to_read(workdir):
    plugins.pm.register(MemoryPlugin(), name="memory-plugin")
    with pytest.raises(DataError) as caught:
        load(workdir, {"people": {"source": "memory", "fail": True}})
    assert caught.value.diagnostics[0].message == "source memory failed to read: RuntimeError: the CRM is down"


class DealsSource(Source):
    """Hands over one deal as text, an amount and a date the loader cannot read, and says its own
    rules for amounts (as a CRM plugin that takes currency signs off would)."""

    name = "memory_deals"
    seen: dict = {}

    def read(self):
        DealsSource.seen = {"timezone": self.context.scheme_timezone, "currency": self.context.scheme_currency}
        return pa.table({"deal_id": ["D1"], "owner_id": ["P1"], "signed_at": [None], "signed_on": ["31.03.2026"],
                         "units": ["1"], "amount": ["EUR 5"], "rate": [None], "won": [None]})

    def bad_value_help(self, column_type):
        return "amounts in CNY convert written as ¥5 or CNY 5" if column_type == "money" else None


class DealsPlugin:
    @hookimpl
    def register_sources(self, register):
        register(DealsSource)


def test_a_source_knows_the_schemes_time_zone_and_currency(workdir):
    plugins.pm.register(DealsPlugin(), name="deals-plugin")
    with pytest.raises(DataError):
        load(workdir, {"deals": {"source": "memory_deals"}})
    assert DealsSource.seen == {"timezone": "Asia/Shanghai", "currency": "CNY"}


def test_a_source_says_how_its_values_are_written_beside_those_that_do_not_convert(workdir):
    plugins.pm.register(DealsPlugin(), name="deals-plugin")
    with pytest.raises(DataError) as caught:
        load(workdir, {"deals": {"source": "memory_deals"}})
    helps = {d.location.column: d.help for d in caught.value.diagnostics}
    assert helps["amount"].startswith("amounts in CNY convert written as ¥5 or CNY 5; fix the values at the source")
    # a type the source says nothing about keeps the loader's own rules
    assert helps["signed_on"].startswith("dates convert written year first")


@pytest.mark.parametrize(("hook", "what"), [("register_sources", "sources"), ("register_catalogs", "catalogs")])
def test_a_plugin_that_raises_while_registering(hook, what):
    def boom(register):
        raise RuntimeError("no licence")

    plugins.pm.register(SimpleNamespace(**{hook: hookimpl(boom)}), name="boom")
    with pytest.raises(ConfigError) as caught:
        plugins.source_types()
    (d,) = caught.value.diagnostics
    assert (d.code, d.message) == ("E620", f"plugin boom raised while registering {what}: RuntimeError: no licence")


def test_two_sources_with_one_name():
    class CsvToo(MemorySource):
        name = "csv"

    class Dup:
        @hookimpl
        def register_sources(self, register):
            register(CsvToo)

    plugins.pm.register(Dup(), name="dup")
    with pytest.raises(ConfigError) as caught:
        plugins.source_types()
    assert caught.value.diagnostics[0].message == \
        "source type 'csv' is registered by two plugins: kpirules.sources.csv and dup"
    # a built-in cannot be uninstalled nor left out: the help said to do either
    assert caught.value.diagnostics[0].help == "'csv' is a built-in source type: give the plugin's source another `name`"


def test_one_plugin_registering_a_source_twice_is_told_to_register_it_once():
    class Mine(MemorySource):
        name = "mine"

    class Twice:
        @hookimpl
        def register_sources(self, register):
            register(Mine)
            register(Mine)

    plugins.pm.register(Twice(), name="twice")
    with pytest.raises(ConfigError) as caught:
        plugins.source_types()
    (d,) = caught.value.diagnostics
    assert (d.code, d.message, d.help) == ("E621", "source type 'mine' is registered twice by plugin twice",
                                           "register each source class once in register_sources")


def test_registering_something_that_is_not_a_source():
    class Wrong:
        @hookimpl
        def register_sources(self, register):
            register(dict)

    plugins.pm.register(Wrong(), name="wrong")
    with pytest.raises(ConfigError) as caught:
        plugins.source_types()
    assert caught.value.diagnostics[0].code == "E622"


def test_a_misspelt_hook_fails_loudly():
    class Typo:
        @hookimpl
        def register_source(self, register):  # the hook is register_sources
            register(MemorySource)

    plugins.pm.register(Typo(), name="typo")
    with pytest.raises(ConfigError) as caught:
        plugins.source_types()
    (d,) = caught.value.diagnostics
    assert d.code == "E623"
    assert d.message.startswith("plugin typo ")
    assert "register_sources" in d.help


@pytest.fixture
def installed_plugin(tmp_path, monkeypatch):
    """A real installed distribution with a `kpirules` entry point, found through sys.path."""
    (tmp_path / "kpirules_demo_plugin.py").write_text(
        "import pyarrow as pa\n"
        "from kpirules.hookspecs import hookimpl\n"
        "from kpirules.sources.base import Source, SourceOptions\n"
        "class Demo(Source):\n"
        "    name = 'demo'\n"
        "    Options = SourceOptions\n"
        "    def read(self):\n"
        "        return pa.table({'person_id': ['P1'], 'name': ['a'], 'manager_id': [None]})\n"
        "@hookimpl\n"
        "def register_sources(register):\n"
        "    register(Demo)\n", encoding="utf-8")
    (tmp_path / "kpirules_broken_plugin.py").write_text("raise ImportError('missing dependency')\n")
    info = tmp_path / "kpirules_demo_plugin-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: kpirules-demo-plugin\nVersion: 1.2.3\n")
    (info / "entry_points.txt").write_text(
        "[kpirules]\ndemo = kpirules_demo_plugin\nbroken = kpirules_broken_plugin\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    return "demo"


def test_installed_plugins_load_from_entry_points(installed_plugin, monkeypatch, workdir):
    monkeypatch.setenv(plugins.SELECT_ENV, "demo")
    infos = {info.name: info for info in plugins.plugin_infos()}
    assert (infos["demo"].version, infos["demo"].sources) == ("1.2.3", ["demo"])
    assert "broken" not in infos
    con, _ = load(workdir, {"people": {"source": "demo"}})
    assert rows(con, "people") == [("P1", "a", None)]


def test_a_plugin_that_fails_to_import(installed_plugin, monkeypatch):
    monkeypatch.delenv(plugins.SELECT_ENV, raising=False)
    with pytest.raises(ConfigError) as caught:
        plugins.source_types()
    (d,) = caught.value.diagnostics
    assert d.message == "plugin broken failed to load (kpirules_broken_plugin): ImportError: missing dependency"


def test_selecting_plugins_by_environment(installed_plugin, monkeypatch):
    monkeypatch.setenv(plugins.SELECT_ENV, "")
    assert "demo" not in plugins.source_types()  # empty: no installed plugins, built-ins still there
    assert "csv" in plugins.source_types()
    plugins.reset_plugins()
    monkeypatch.setenv(plugins.SELECT_ENV, "dmeo")
    with pytest.raises(ConfigError) as caught:
        plugins.source_types()
    (d,) = caught.value.diagnostics
    assert d.code == "E624"
    assert d.help.startswith("did you mean 'demo'?")


def test_a_source_type_of_a_plugin_kpirules_plugins_leaves_out(installed_plugin, monkeypatch, workdir):
    # the binding names demo, which the installed plugin demo provides: E605 says why it is unknown
    monkeypatch.setenv(plugins.SELECT_ENV, "")
    with pytest.raises(ConfigError) as caught:
        load(workdir, {"people": {"source": "demo"}})
    (d,) = caught.value.diagnostics
    assert d.code == "E605" and d.message.endswith("unknown source type 'demo'")
    assert d.help == ("the installed plugin demo provides it, but KPIRULES_PLUGINS leaves that plugin out: "
                      "add demo to KPIRULES_PLUGINS, or unset KPIRULES_PLUGINS")
    assert "demo" not in plugins.source_types()  # asking registered nothing
    plugins.reset_plugins()
    # a type no installed plugin provides keeps the did-you-mean
    with pytest.raises(ConfigError) as caught:
        load(workdir, {"people": {"source": "cvs"}})
    assert caught.value.diagnostics[0].help == "did you mean 'csv'?"


def test_a_plugin_without_hookimpl_is_named_when_its_source_type_is_unknown(workdir):
    # register_sources written without @hookimpl: pluggy registers the plugin and calls
    # nothing, and E605 said "unknown source type 'jsonl_crm'", with a did-you-mean
    class Forgotten:
        def register_sources(self, register):  # no @hookimpl
            register(MemorySource)

    plugins.pm.register(Forgotten(), name="forgotten")
    try:
        with pytest.raises(ConfigError) as caught:
            load(workdir, {"people": {"source": "jsonl_crm"}})
        (d,) = caught.value.diagnostics
        assert d.code == "E605"
        assert d.help == ("the installed plugin forgotten implements no hook: mark its register_sources with "
                          "@hookimpl (from kpirules.hookspecs import hookimpl)")
    finally:
        plugins.reset_plugins()


def test_kpirules_plugins_may_name_a_built_in_plugin_as_the_plugins_command_lists_it(installed_plugin, monkeypatch,
                                                                                     run_cli):
    from kpirules.lint.registry import BUILTIN_PLUGIN
    from kpirules.report.formats import PLUGIN_NAME

    assert {PLUGIN_NAME, BUILTIN_PLUGIN} <= set(plugins.BUILT_IN_PLUGINS)
    monkeypatch.setenv(plugins.SELECT_ENV, "kpirules.sources.csv,demo")
    listed = run_cli("plugins")
    assert listed.exit_code == 0, listed.output
    assert "kpirules.sources.csv" in listed.stdout and "demo" in listed.stdout
    plugins.reset_plugins()
    monkeypatch.setenv(plugins.SELECT_ENV, "kpirules.sources.csv")
    assert "demo" not in plugins.source_types() and "csv" in plugins.source_types()


class DownSource(Source):
    """A CRM source whose API is down: a message and help of the plugin's own."""

    name = "memory_down"
    Options = SourceOptions

    def read(self):
        raise self.error("E640", "the CRM answered 503 Service Unavailable",
                         "the CRM is being updated: run again in an hour")


CRM_CATALOG = """
[messages]
E640 = [
  ["the CRM answered {status}", "CRM 返回了 {status}"],
  # as specific as the core's pattern: the core's wins
  ["file not found: {path}", "文件丢了：{path}"],
]
E641 = [
  # more specific than the core's "{locator} is not valid {encoding}{hint?}": this one wins
  ["{locator} is not valid {encoding} text (line {line})", "{locator} 不是有效的 {encoding} 文本（第 {line} 行）"],
]
[groups]
help = [
  ["the CRM is being updated: run again in {when}", "CRM 正在升级：请在{when:crm_when}后重新运行"],
]
crm_when = [
  ["an hour", "一小时"],
]
"""


@pytest.fixture
def no_installed_plugins(monkeypatch):
    """Only the plugins a test registers: an installed plugin's catalog translates too."""
    monkeypatch.setenv(plugins.SELECT_ENV, "")


def catalog_plugin(folder, text=CRM_CATALOG, lang="zh"):
    """A plugin registering DownSource and a catalog of lang written to folder."""
    path = folder / f"crm_{lang}.toml"
    path.write_text(text, encoding="utf-8")

    class CrmPlugin:
        @hookimpl
        def register_sources(self, register):
            register(DownSource)

        @hookimpl
        def register_catalogs(self, register):
            register(lang, path)

    plugins.pm.register(CrmPlugin(), name="crm")


def test_a_plugin_catalog_translates_its_messages(workdir, no_installed_plugins):
    catalog_plugin(workdir)
    with pytest.raises(DataError) as caught:
        load(workdir, {"people": {"source": "memory_down"}})
    (d,) = caught.value.diagnostics
    assert render_text(d, lang="zh").splitlines() == [
        "数据集 people，来源 memory_down: error[E640]: CRM 返回了 503 Service Unavailable",
        "  = 帮助：CRM 正在升级：请在一小时后重新运行",
    ]
    # the more specific pattern wins, the core's on a tie
    assert i18n.localize(Diagnostic("E640", "file not found: a.csv"), "zh").message == "找不到文件：a.csv"
    assert i18n.localize(Diagnostic("E641", "a.csv is not valid latin-1 text (line 3)"), "zh").message == \
        "a.csv 不是有效的 latin-1 文本（第 3 行）"
    assert i18n.localize(Diagnostic("E641", "a.csv is not valid latin-1"), "zh").message == "a.csv 不是有效的 latin-1 编码"
    plugins.reset_plugins()  # an unregistered plugin's catalog goes with it
    assert i18n.localize(d, "zh").message == "无法读取数据源：the CRM answered 503 Service Unavailable"


def test_a_catalog_of_a_language_kpirules_does_not_speak_is_left_out(workdir, no_installed_plugins):
    catalog_plugin(workdir, CRM_CATALOG.replace("CRM 返回了", "CRM a répondu"), lang="fr")
    plugins.source_types()
    assert i18n.localize(Diagnostic("E640", "the CRM answered 503"), "zh").message == "无法读取数据源：the CRM answered 503"


@pytest.mark.parametrize(("text", "why"), [
    ("[ui]\nx = 'y'\n", "unknown section 'ui' (a plugin's catalog has messages, groups, lint)"),
    ("[messages]\nE640 = [['a {x}', '乙 {x:nowhere}']]\n", "names the group 'nowhere', which no catalog has"),
    ("[messages]\nE640 = [['a {x}', '乙 {y}']]\n", "names {y}, which 'a {x}' does not capture"),
    ("[messages]\nE640 = [['a']]\n", "[messages] E640: ['a'] is not a pair [english, translation]"),
    ("[groups]\nnote = [['a', '乙']]\n", "the group 'note' is read by code and takes no patterns"),
    ("[messages\n", "cannot read"),
])
def test_a_catalog_kpirules_cannot_use_is_the_plugins_error(workdir, text, why):
    catalog_plugin(workdir, text)
    with pytest.raises(ConfigError) as caught:
        plugins.source_types()
    (d,) = caught.value.diagnostics
    assert d.code == "E620" and d.message.startswith("plugin crm registered a catalog kpirules cannot use: ")
    assert why in d.message


def test_every_hook_is_documented_with_how_results_combine():
    assert set(hookspecs.HOOKS) == {"register_sources", "describe_source", "register_output_formats",
                                    "register_lint_rules", "register_catalogs"}
    for name, spec in hookspecs.HOOKS.items():
        doc = spec.__doc__ or ""
        assert "Every implementation is called" in doc or "first implementation" in doc, name
        assert ":param" in doc, name


def test_plugins_command_lists_a_registered_plugin(run_cli):
    plugins.pm.register(MemoryPlugin(), name="memory-plugin")
    result = run_cli("plugins", "--json")
    assert result.exit_code == 0, result.output
    listed = {p["name"]: p for p in json.loads(result.stdout)}
    assert listed["memory-plugin"] == {"name": "memory-plugin", "version": None, "hooks": ["register_sources"],
                                       "sources": ["memory"]}
    text = run_cli("plugins").stdout
    assert "kpirules.sources.csv" in text and "sources: csv" in text


def test_plugins_command_lists_the_plugins_when_one_fails_to_register(run_cli):
    # it printed nothing and exited 2: the command one debugs plugins with was of no use
    class Boom:
        @hookimpl
        def register_sources(self, register):
            raise RuntimeError("licence server down")

    plugins.pm.register(MemoryPlugin(), name="memory-plugin")
    plugins.pm.register(Boom(), name="boom")
    result = run_cli("plugins")
    assert result.exit_code == 2
    assert "kpirules.sources.csv" in result.stdout and "memory-plugin" in result.stdout
    assert "boom" in result.stdout and "hooks: register_sources" in result.stdout
    assert "error[E620]: plugin boom raised while registering sources: RuntimeError: licence server down" \
        in result.stderr


@pytest.mark.parametrize("thing", [dict, "KPI999", object()])
def test_registering_something_that_is_not_a_lint_rule(thing, run_cli):
    class Wrong:
        @hookimpl
        def register_lint_rules(self, register):
            register(thing)

    plugins.pm.register(Wrong(), name="wrong-rules")
    result = run_cli("rules")
    assert result.exit_code == 2, result.output
    assert f"error[E620]: plugin wrong-rules registered {thing!r}, which is not a lint Rule subclass" in result.output
    assert "AttributeError" not in result.output
