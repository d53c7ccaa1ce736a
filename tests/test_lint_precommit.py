"""The pre-commit hooks of .pre-commit-hooks.yaml, run by the real `pre-commit` tool.

The hooks are copied into a `repo: local` configuration of a temporary git repository,
with `language: system` and the entry pointing at this venv's kpirules, so nothing is
installed from the network; ids, entries and file patterns are the published ones.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from lint_support import BAD_ROLE, PRELUDE, REPO

PRE_COMMIT = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or shutil.which("pre-commit")
pytestmark = pytest.mark.skipif(PRE_COMMIT is None, reason="pre-commit is not installed (pip install -e '.[test]')")


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "schemes"
    repo.mkdir()
    _git(repo, "init", "-q")
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    bindir = Path(sys.executable).parent
    local = []
    for hook in hooks:
        command, *args = hook["entry"].split()
        local.append({**hook, "language": "system", "entry": " ".join([str(bindir / command), *args])})
    config = {"repos": [{"repo": "local", "hooks": local}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    shutil.copyfile(PRELUDE, repo / "prelude.kpi")
    (repo / "notes.txt").write_text("not a scheme\n", encoding="utf-8")
    return repo


def _pre_commit(repo: Path, *hook: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PRE_COMMIT_HOME": str(repo.parent / "pre-commit-home"), "NO_COLOR": "1"}
    return subprocess.run([PRE_COMMIT, "run", "--all-files", "--color", "never", *hook], cwd=repo,
                          capture_output=True, text=True, env=env, timeout=300)


def test_the_three_hooks_are_published():
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert {h["id"]: h["entry"].split()[:2] for h in hooks} == {
        "kpirules-lint": ["kpirules", "lint"], "kpirules-fmt": ["kpirules", "fmt"],
        "kpirules-test": ["kpirules", "test"],
    }
    assert {h["id"]: h["files"] for h in hooks} == {
        "kpirules-lint": r"\.kpi$", "kpirules-fmt": r"\.kpi$", "kpirules-test": r"(\.kpi|\.kpitest\.toml)$",
    }


def test_test_hook_runs_the_scheme_tests_and_fails_on_a_wrong_expectation(repo: Path):
    # the reference rulesets and their scheme tests, in ./rulesets of a project without a config
    shutil.copytree(REPO / "rulesets", repo / "rulesets")
    _git(repo, "add", ".")
    passed = _pre_commit(repo, "kpirules-test")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "kpirules test" in passed.stdout and "Passed" in passed.stdout
    tests = repo / "rulesets" / "telesales.kpitest.toml"
    text = tests.read_text(encoding="utf-8")
    assert text.count('expect.payout = "2685.00"') == 1
    tests.write_text(text.replace('expect.payout = "2685.00"', 'expect.payout = "2700.00"'), encoding="utf-8")
    _git(repo, "add", ".")
    failed = _pre_commit(repo, "kpirules-test")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "FAIL" in failed.stdout and "2700.00" in failed.stdout


def test_lint_hook_fails_on_a_pitfall_and_passes_once_fixed(repo: Path):
    (repo / "telesales.kpi").write_text(BAD_ROLE, encoding="utf-8")
    _git(repo, "add", ".")
    failed = _pre_commit(repo, "kpirules-lint")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "telesales.kpi:3:6: KPI101 [error]" in failed.stdout
    (repo / "telesales.kpi").write_text(BAD_ROLE.replace("weight 70%", "weight 100%"), encoding="utf-8")
    _git(repo, "add", ".")
    passed = _pre_commit(repo, "kpirules-lint")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "kpirules lint" in passed.stdout and "Passed" in passed.stdout


def test_fmt_hook_rewrites_an_unformatted_file(repo: Path):
    messy = BAD_ROLE.replace("weight 70%", "weight 100%").replace("  kpi outbound_calls", "        kpi outbound_calls")
    (repo / "telesales.kpi").write_text(messy, encoding="utf-8")
    _git(repo, "add", ".")
    first = _pre_commit(repo, "kpirules-fmt")
    assert first.returncode == 1, first.stdout + first.stderr  # pre-commit fails when a hook changes files
    assert "files were modified by this hook" in first.stdout
    assert "\n  kpi outbound_calls" in (repo / "telesales.kpi").read_text(encoding="utf-8")
    _git(repo, "add", ".")
    second = _pre_commit(repo, "kpirules-fmt")
    assert second.returncode == 0, second.stdout + second.stderr
