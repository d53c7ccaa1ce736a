"""Shared fixtures: the reference rulesets, a scratch copy of them, the real CLI, unreadable files."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

REPO = Path(__file__).resolve().parent.parent
RULESETS = REPO / "rulesets"


@pytest.fixture(scope="session")
def rulesets_dir() -> Path:
    """The reference rulesets in the repository (read only)."""
    return RULESETS


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory; diagnostics name files relative to it."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def ruleset_copy(workdir: Path) -> Path:
    """A scratch copy of the reference rulesets at ./rulesets, safe to edit."""
    target = workdir / "rulesets"
    shutil.copytree(RULESETS, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def edit():
    """edit(path, old, new): replace the one occurrence of `old`; fail if it is not there exactly once."""
    return _edit


@pytest.fixture
def run_cli():
    """Invoke the real `kpirules` command group in-process; returns click's Result."""
    from kpirules.cli import cli

    def run(*args: str) -> Result:
        return CliRunner().invoke(cli, list(args), catch_exceptions=True)

    return run


@pytest.fixture
def unreadable():
    """unreadable(path): take away every permission of path (given back afterwards); skip
    where they do not count (root reads anyway)."""
    taken = []

    def take(path: Path) -> Path:
        mode = path.stat().st_mode
        path.chmod(0)
        taken.append((path, mode))
        if os.access(path, os.R_OK):
            pytest.skip("this user reads files without read permission (root)")
        return path

    yield take
    for path, mode in reversed(taken):
        path.chmod(mode)
