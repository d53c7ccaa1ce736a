"""The lint engine's file handling: parsing on two processes, grouping files into schemes."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from lint_support import BAD_ROLE, REPO, lint_files, write_scheme

sys.path.insert(0, str(REPO / "benchmarks"))
from lint import generate  # noqa: E402 - the benchmark's generator of role files


PARSE_BOTH_WAYS = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from lint import generate
from kpirules.lint.workset import PARALLEL_FROM, _can_fork, parse_files
assert _can_fork(), "a fresh interpreter runs one thread"
root = Path(sys.argv[1])
files = generate(root / "roles", PARALLEL_FROM + 2)
(root / "roles" / "role_000.kpi").write_text("role {\\n", encoding="utf-8")  # one does not parse
serial = parse_files(files, jobs=1)
parallel = parse_files(files, jobs=2)
assert parallel.order == serial.order
assert parallel.trees == serial.trees
assert [d.message for d in parallel.problems[files[0].resolve()]] == [
    d.message for d in serial.problems[files[0].resolve()]]
print("same", len(parallel.trees))
"""


def test_parsing_on_two_processes_gives_the_same_trees(tmp_path: Path):
    # in a fresh interpreter: this one runs other tests' threads, and then parses on one process
    from kpirules.lint.workset import PARALLEL_FROM

    done = subprocess.run([sys.executable, "-c", PARSE_BOTH_WAYS, str(tmp_path), str(REPO / "benchmarks")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["same", str(PARALLEL_FROM + 2)]


def test_no_fork_while_other_threads_run():
    # a fork copies one thread; locks the others hold would stay locked in the child
    from kpirules.lint.workset import _can_fork

    stop = threading.Event()
    waiting = threading.Thread(target=stop.wait)
    waiting.start()
    try:
        assert not _can_fork()
    finally:
        stop.set()
        waiting.join()


def test_the_benchmark_scheme_lints_clean(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    files = generate(tmp_path / "roles", 30)
    result = lint_files(files + [tmp_path / "roles" / "common.kpi"])
    assert result.findings == []
    assert [f.status for f in result.files] == ["linted"] * 31


def test_independent_schemes_in_one_run_are_linted_separately(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    a = write_scheme(tmp_path / "a", {"bad.kpi": BAD_ROLE})
    b = write_scheme(tmp_path / "b", {"bad.kpi": BAD_ROLE.replace("weight 70%", "weight 100%")})
    result = lint_files(a + b)
    weights = sorted(f.path for f in result.findings if f.code == "KPI101")
    assert weights == ["a/bad.kpi"]  # two scheme headers, two schemes: no duplicate-header error
    assert not [f for f in result.findings if not f.code.startswith("KPI")]


def test_a_scheme_error_in_one_role_file_leaves_the_others_linted(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    files = write_scheme(tmp_path, {
        "bad.kpi": BAD_ROLE,
        "typo.kpi": BAD_ROLE.replace("telesales", "other").replace("count(calls)", "count(cals)"),
    })
    result = lint_files(files)
    assert {(f.path, f.code) for f in result.findings if f.code in ("KPI101", "E202")} == {
        ("bad.kpi", "KPI101"), ("typo.kpi", "E202"),
    }
    assert [(r.path, r.status) for r in result.files] == [("bad.kpi", "linted"), ("typo.kpi", "error")]


def test_objectives_are_not_reported_unserved_while_a_role_file_is_in_error(tmp_path: Path, monkeypatch):
    # KPI401 said "Objective revenue is served by no KPI" of a scheme whose role serving it
    # was in a file that did not parse; it says nothing until every file reads
    monkeypatch.chdir(tmp_path)
    role = ('import "prelude.kpi"\nrole r "R" {\n  kpi a "A" { process main  measure count(calls)  target >= 200  '
            'weight 100%  serves revenue, retention }\n}\n')
    files = write_scheme(tmp_path, {"role.kpi": role.replace("count(calls)", "count(calls")})
    result = lint_files([tmp_path / "prelude.kpi"])
    assert [f.code for f in result.findings if f.code == "KPI401"] == []
    files[0].write_text(role, encoding="utf-8")
    result = lint_files([tmp_path / "prelude.kpi"])
    assert [f.code for f in result.findings if f.code == "KPI401"] == []  # served
    files[0].write_text(role.replace("serves revenue, retention", "serves revenue"), encoding="utf-8")
    result = lint_files([tmp_path / "prelude.kpi"])
    assert [f.message for f in result.findings if f.code == "KPI401"] == [
        "Objective retention is served by no KPI of any role."]
