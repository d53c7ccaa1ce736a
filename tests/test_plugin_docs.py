"""docs/plugins.md and docs/sources.md keep up with the code: every hook, every built-in source
and option is documented, every hook is exercised by a test, and the example plugin works."""

from __future__ import annotations

import ast
import copy
import importlib
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from kpirules import hookspecs, plugins

REPO = Path(__file__).resolve().parent.parent
PLUGINS_DOC = REPO / "docs" / "plugins.md"
SOURCES_DOC = REPO / "docs" / "sources.md"
TESTS = Path(__file__).resolve().parent

#: hooks no test exercises yet, and why; strict: the day a test does, this must be removed
NOT_YET_EXERCISED: dict[str, str] = {}


def _signatures() -> dict[str, str]:
    """Each hookspec's `def` line exactly as in hookspecs.py (decorator and body left out)."""
    tree = ast.parse((REPO / "src" / "kpirules" / "hookspecs.py").read_text(encoding="utf-8"))
    found = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in hookspecs.HOOKS:
            bare = copy.deepcopy(node)
            bare.body, bare.decorator_list = [ast.Pass()], []
            found[node.name] = ast.unparse(bare).splitlines()[0].removesuffix(":")
    return found


def _section(text: str, heading: str) -> str:
    """The text under a markdown heading, up to the next heading of the same or a higher level
    (lines in fenced code blocks, such as `# comments`, are not headings)."""
    level = len(heading.split(" ", 1)[0])
    lines = text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.rstrip("\n") == heading)
    fenced = False
    for end in range(start + 1, len(lines)):
        fenced ^= lines[end].startswith("```")
        marks = len(lines[end]) - len(lines[end].lstrip("#"))
        if not fenced and 0 < marks <= level and lines[end][marks:marks + 1] == " ":
            return "".join(lines[start:end])
    return "".join(lines[start:])


def test_every_hook_has_a_signature_in_hookspecs():
    assert set(_signatures()) == set(hookspecs.HOOKS)


@pytest.mark.parametrize("hook", sorted(hookspecs.HOOKS))
def test_every_hook_is_documented_with_its_exact_signature_and_how_results_combine(hook):
    text = PLUGINS_DOC.read_text(encoding="utf-8")
    section = _section(text, f"### `{hook}`")
    assert f"```python\n{_signatures()[hook]}\n```" in section
    first_result = hookspecs.HOOKS[hook].kpirules_spec.get("firstresult", False)
    combines = "The first implementation returning" if first_result else "Every implementation is called"
    assert combines in " ".join(section.split()), f"the section of {hook} must say how results combine"


def _exercised(hook: str) -> list[str]:
    """Test files implementing the hook or calling it (this file does neither)."""
    pattern = re.compile(rf"def {hook}\(|\.hook\.{hook}\b")
    return [p.name for p in TESTS.glob("test_*.py")
            if p.name != Path(__file__).name and pattern.search(p.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("hook", [
    pytest.param(h, marks=pytest.mark.xfail(reason=NOT_YET_EXERCISED[h], strict=True))
    if h in NOT_YET_EXERCISED else h
    for h in sorted(hookspecs.HOOKS)
])
def test_every_hook_is_exercised_by_a_test(hook):
    assert _exercised(hook), f"no test implements or calls {hook}"


def test_the_guide_covers_packaging_selection_and_credentials():
    text = PLUGINS_DOC.read_text(encoding="utf-8")
    for needed in ("[project.entry-points.kpirules]", "KPIRULES_PLUGINS", "## Credentials", "read_secret",
                   "check_source_contract", "make_project", "make_scheme"):
        assert needed in text, needed


# ---------------------------------------------------------------------- the example plugin


def _example_files(root: Path) -> dict[str, Path]:
    """Write every ```lang title="path"``` block of docs/plugins.md under root."""
    written = {}
    for path, body in re.findall(r'```\w+ title="([^"]+)"\n(.*?)```', PLUGINS_DOC.read_text(encoding="utf-8"), re.S):
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body, encoding="utf-8")
        written[path] = target
    return written


@pytest.fixture
def example_plugin(tmp_path, monkeypatch):
    """The guide's example package, installed as pip would: a dist-info with its entry points."""
    files = _example_files(tmp_path)
    package = files["kpirules-exports/pyproject.toml"].parent
    project = tomllib.loads(files["kpirules-exports/pyproject.toml"].read_text(encoding="utf-8"))["project"]
    src = package / "src"
    info = src / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n")
    entries = project["entry-points"]["kpirules"]
    (info / "entry_points.txt").write_text("[kpirules]\n" + "".join(f"{k} = {v}\n" for k, v in entries.items()))
    monkeypatch.syspath_prepend(str(src))
    monkeypatch.setenv(plugins.SELECT_ENV, ",".join(entries))
    importlib.invalidate_caches()
    plugins.reset_plugins()
    yield package
    plugins.reset_plugins()


def test_the_example_plugin_installs_and_lists_as_the_guide_says(example_plugin):
    listed = {info.name: info for info in plugins.plugin_infos()}
    exports = listed["exports"]
    hooks, sources = ", ".join(exports.hooks), ", ".join(exports.sources)
    line = f"{exports.name}  {exports.version}  hooks: {hooks}  sources: {sources}"
    assert line == "exports  0.1.0  hooks: register_sources  sources: csv_folder"
    assert f"kpirules plugins                         # lists: {line}" in PLUGINS_DOC.read_text(encoding="utf-8")


def test_the_example_plugins_own_tests_pass(example_plugin):
    env = {**os.environ, "PYTHONPATH": str(example_plugin / "src")}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
                            cwd=example_plugin, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


def test_an_output_never_goes_into_the_folder_the_example_plugin_reads(example_plugin, sample_project, run_cli):
    # plugins.md: a folder passed through resolve() guards every file in it, so `-o` onto an
    # export (or a new file beside them, which the next run would read as data) is E006
    exports = sample_project / "exports"
    exports.mkdir()
    (sample_project / "data" / "sample" / "surveys.csv").rename(exports / "surveys-2026.csv")
    config = sample_project / "kpirules.toml"
    binding = 'source = "csv"\npath = "data/sample/surveys.csv"\n'
    assert binding in config.read_text(encoding="utf-8")
    config.write_text(config.read_text(encoding="utf-8").replace(binding, 'source = "csv_folder"\nfolder = "exports"\n'),
                      encoding="utf-8")
    before = (exports / "surveys-2026.csv").read_bytes()
    for target in ("exports/surveys-2026.csv", "exports/new.csv"):
        result = run_cli("run", "--format", "csv", "-o", target)
        assert result.exit_code == 2, result.output
        assert (f"error[E006]: {target} is in exports, a folder this command reads as input: "
                "kpirules never writes where it reads its data") in result.output
    assert (exports / "surveys-2026.csv").read_bytes() == before
    assert sorted(p.name for p in exports.iterdir()) == ["surveys-2026.csv"]
    assert run_cli("run", "--format", "csv", "-o", "out.csv").exit_code == 0


def test_the_example_plugins_folder_follows_the_path_rules(example_plugin, tmp_path, monkeypatch):
    # sources.md: a path option starting with ${VAR} whose value is relative is taken from the
    # current directory; plugins.md: the example types its folder Path, so it is one
    from kpirules.testing import make_project

    (tmp_path / "here" / "exports").mkdir(parents=True)
    (tmp_path / "here" / "exports" / "2026-01.csv").write_text("deal_id,owner_id\nD1,Ann\n", encoding="utf-8")
    (tmp_path / "here" / "crm").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    monkeypatch.setenv("EXPORTS", "exports")
    declaration = 'dataset deals "成交" {\n  person owner_id\n  column deal_id string\n  column owner_id string\n}\n'
    project = make_project(tmp_path / "here" / "crm", declaration,
                           {"deals": {"source": "csv_folder", "folder": "${EXPORTS}"}})
    con, _ = project.load()
    assert con.sql("SELECT deal_id, owner_id FROM deals").fetchall() == [("D1", "Ann")]


@pytest.mark.parametrize("name", ["RunResult", "PersonResult", "KpiResult", "PayoutResult"])
def test_what_render_receives_is_documented_with_the_fields_it_has(name):
    from kpirules.engine import results

    bullet = re.search(rf"^- `{name}`: (.*?)(?=^- |^\n)", PLUGINS_DOC.read_text(encoding="utf-8"), re.M | re.S)
    assert bullet, f"plugins.md does not list the fields of {name}"
    # the first backticked word of each field: `kpis`, `value`; values (`"ok"`) and calls aside
    named = {w for w in re.findall(r"`([a-z_]+)(?:\(\))?`", bullet.group(1)) if w not in ("main", "auxiliary")}
    cls = getattr(results, name)
    documented = {w for w in named if hasattr(cls, w)}
    nested = {"path", "line", "column", "dataset", "function", "window_start", "window_end", "scope", "rows_matched",
              "amount", "reason", "approver", "step", "description", "value"}  # the fields of what a field holds
    assert named - documented <= nested, f"{name} has no {sorted(named - documented - nested)}"
    assert len(documented) >= 5


# ---------------------------------------------------------------------- docs/sources.md


def _built_in_sources() -> dict[str, type]:
    return {name: reg.cls for name, reg in plugins.source_types().items() if reg.plugin in plugins.DEFAULT_PLUGINS}


@pytest.mark.parametrize("name", sorted(_built_in_sources()))
def test_every_built_in_source_and_option_is_documented(name):
    text = SOURCES_DOC.read_text(encoding="utf-8")
    headings = [h for h in re.findall(r"^## .*$", text, re.MULTILINE) if f"`{name}`" in h]
    assert headings, f"docs/sources.md has no section for `{name}`"
    section = _section(text, headings[0])
    common = _section(text, "### Options every source type takes")
    cls = _built_in_sources()[name]
    for option in cls.Options.model_fields:
        where = common if option in ("rename", "timezone") else section
        assert f"| `{option}` |" in where, f"option {option} of {name} is not in its table"
