"""Shared helpers of the lint tests: write an example next to the rules' prelude and lint it."""

from __future__ import annotations

import shutil
from pathlib import Path

from kpirules.lint.config import LintConfig, load_config
from kpirules.lint.engine import Linter, Selection
from kpirules.lint.registry import all_rules, option_defaults
from kpirules.lint.result import LintResult

REPO = Path(__file__).resolve().parent.parent
PRELUDE = REPO / "docs" / "rules-prelude.kpi"
CASES = REPO / "tests" / "fixtures" / "lint" / "cases"


def write_scheme(folder: Path, files: dict[str, str]) -> list[Path]:
    """Write files (name -> text) into folder beside a copy of the prelude; return them."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PRELUDE, folder / "prelude.kpi")
    written = []
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def lint_files(paths: list[Path], config_file: Path | None = None, history=None) -> LintResult:
    """Lint like `kpirules lint PATHS` (no cache), with every rule selected."""
    config = load_config(config_file, option_defaults(all_rules())) if config_file else LintConfig()
    selection = Selection.build(config, None, None, history is not None)
    return Linter(config, selection, history).lint(paths)
