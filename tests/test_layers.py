"""The layering of src/kpirules, enforced by reading every import (lazy ones too) with `ast`.

    lang -> model -> engine -> lint, report, diff, schemetest -> cli

A layer imports only layers to its left (and the base modules errors, defaults, io);
the source plugins beside `model` may import the model but nothing to its right;
nothing imports the CLI, and the core never imports a plugin package (`kpirules_*`).
A layer that does not exist yet is simply skipped.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "kpirules"

BASE = {"errors", "defaults", "io"}
#: layer -> the kpirules top-level modules and packages it must not import
FORBIDDEN = {
    "model": {"engine", "lint", "report", "diff", "schemetest", "cli"},
    "engine": {"lint", "report", "diff", "schemetest", "cli"},
    "lint": {"cli"},
    "report": {"cli"},
    # `kpirules diff` sits beside lint and report
    "diff": {"schemetest", "cli"},
    # scheme tests sit beside lint and report; the pytest plugin is a thin shell over them
    "schemetest": {"lint", "diff", "cli"},
    "pytest_plugin": {"lint", "diff", "cli"},
    # plugin and source code sits beside the model
    "sources": {"engine", "lint", "report", "diff", "cli"},
    "plugins": {"engine", "lint", "report", "diff", "cli"},
    "hookspecs": {"engine", "lint", "report", "diff", "cli"},
    "config": {"engine", "lint", "report", "diff", "cli"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(source: str, module: str, is_package: bool) -> set[str]:
    """Every module an import statement in `source` names, relative imports made absolute."""
    found: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            # `from kpirules import cli` imports the submodule kpirules.cli
            found.update(f"{target}.{alias.name}" for alias in node.names if alias.name != "*")
    return found


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "kpirules" else None


def all_modules() -> dict[str, set[str]]:
    """kpirules module name -> the modules it imports."""
    graph = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = module_name(path)
        graph[name] = imports_of(path.read_text(encoding="utf-8"), name, path.name == "__init__.py")
    return graph


GRAPH = all_modules()
EXISTING = {layer_of(m) for m in GRAPH} - {None}


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_only_layers_to_its_left(layer):
    if layer not in EXISTING:
        pytest.skip(f"kpirules.{layer} does not exist yet")
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if layer_of(module) == layer
        for target in targets
        if layer_of(target) in FORBIDDEN[layer] and layer_of(target) != layer
    )
    assert wrong == []


def test_lang_uses_only_the_base_modules():
    allowed = BASE | {"lang"}
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if layer_of(module) == "lang"
        for target in targets
        if layer_of(target) is not None and layer_of(target) not in allowed
    )
    assert wrong == []


def test_nothing_imports_the_cli():
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if layer_of(module) != "cli"
        for target in targets
        if layer_of(target) == "cli"
    )
    assert wrong == []


def test_the_core_never_imports_a_plugin_package():
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        for target in targets
        if target.split(".")[0].startswith("kpirules_")
    )
    assert wrong == []


def test_the_scan_sees_every_kind_of_import():
    # the checks above can fail: relative, lazy and `from package import module` imports count
    source = (
        "import kpirules.engine\n"
        "from ..report import diagnostics\n"
        "from . import cli\n"
        "def f():\n    import kpirules_salesforce.api\n"
    )
    assert imports_of(source, "kpirules.model.loader", is_package=False) == {
        "kpirules.engine",
        "kpirules.report", "kpirules.report.diagnostics",
        "kpirules.model", "kpirules.model.cli",
        "kpirules_salesforce.api",
    }
    assert imports_of("from . import parser\n", "kpirules.lang", is_package=True) == {
        "kpirules.lang", "kpirules.lang.parser",
    }


def test_the_scan_covers_the_package():
    assert "kpirules.lang.parser" in GRAPH
    assert "kpirules.cli" in GRAPH
    assert "kpirules.lang.transformer" in GRAPH["kpirules.lang.parser"]


def test_only_the_cli_and_the_pytest_plugin_import_the_scheme_tests():
    # kpirules.schemetest sits beside lint and report: the core never depends on it
    users = {"schemetest", "pytest_plugin", "cli"}
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        for target in targets
        if layer_of(target) in ("schemetest", "pytest_plugin") and layer_of(module) not in users
    )
    assert wrong == []
