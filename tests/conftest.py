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
def mini(workdir: Path) -> Path:
    """A working directory holding mini.kpi (scheme_tests_kit.MINI), so messages name files relative to it."""
    from scheme_tests_kit import MINI

    (workdir / "mini.kpi").write_text(MINI, encoding="utf-8")
    return workdir


@pytest.fixture
def ruleset_copy(workdir: Path) -> Path:
    """A scratch copy of the reference rulesets at ./rulesets, safe to edit."""
    target = workdir / "rulesets"
    shutil.copytree(RULESETS, target)
    return target


@pytest.fixture
def sample_project(workdir: Path) -> Path:
    """A scratch copy of the sample company (rulesets, data/sample, kpirules.toml), the
    working directory."""
    for name in ("rulesets", "data/sample"):
        shutil.copytree(REPO / name, workdir / name)
    shutil.copyfile(REPO / "kpirules.toml", workdir / "kpirules.toml")
    return workdir


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


# root reads and lists whatever the permissions say: a test of an unreadable file runs in
# a pytest of its own without those two capabilities (setpriv), so that it runs in CI too
_DROP = "-dac_override,-dac_read_search"
_DROPPED = "KPIRULES_TEST_WITHOUT_DAC"


def _privileged() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0 and not os.environ.get(_DROPPED)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """A test using `unreadable`, run as root: run it again under setpriv, which leaves root
    without the capabilities that ignore permissions, and pass or fail as it does there."""
    import shutil as sh
    import subprocess
    import sys

    if "unreadable" not in pyfuncitem.fixturenames or not _privileged() or sh.which("setpriv") is None:
        return None
    command = ["setpriv", f"--bounding-set={_DROP}", f"--inh-caps={_DROP}", "--",
               sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", pyfuncitem.nodeid]
    done = subprocess.run(command, cwd=REPO, env={**os.environ, _DROPPED: "1"}, capture_output=True, text=True)
    if done.returncode == 0 and " passed" in done.stdout:
        return True
    if "Operation not permitted" in done.stderr:  # setpriv itself refused (a container without the capability)
        pytest.skip("setpriv cannot drop root's capabilities here, and root reads files without read permission")
    raise AssertionError(f"{pyfuncitem.nodeid}, run without root's read capabilities:\n{done.stdout}\n{done.stderr}")


@pytest.fixture
def unreadable():
    """unreadable(path): take away every permission of path (given back afterwards); skip
    where they do not count (root reads anyway, but see pytest_pyfunc_call)."""
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
