"""The JSON outputs of `kpirules run` keep their exact bytes: the files in
tests/fixtures/run_output were written by kpirules and reviewed, and any change to the
writers (a faster one, a refactoring) must reproduce them byte for byte.

Only what depends on the machine or the moment is masked: the versions, the creation time,
the folder, the datasets' fingerprints (DuckDB's hash) and the seal that covers them. When a
change to the rulesets or the engine changes the results on purpose, write the files again
with the commands in `CASES` from a copy of the sample project and review the difference.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "run_output"
PEOPLE = ["--person", "P049", "--person", "P055", "--person", "P060"]  # commissions, an adjustment, a prorated target

#: fixture file: the `kpirules run` arguments that wrote it (`--manifest` writes the manifest)
CASES = {
    "three_people.json": ["run", "--period", "2026Q4", *PEOPLE, "--format", "json"],
    "three_people.jsonl": ["run", "--period", "2026Q4", *PEOPLE, "--format", "jsonl"],
    "three_people.manifest.json": ["run", "--period", "2026Q4", *PEOPLE, "--format", "csv", "--manifest"],
    "pacing_two_people.json": ["run", "--as-of", "2026-11-20", "--person", "P049", "--person", "P055",
                               "--format", "json"],
}

_MACHINE = re.compile(r'^(\s*"(?:kpirules_version|duckdb_version|created|directory|fingerprint|seal)": ).*$',
                      re.MULTILINE)


def _masked(text: str) -> str:
    return _MACHINE.sub(r"\1...", text)


@pytest.mark.parametrize("name", CASES)
def test_run_writes_the_same_bytes_as_before(name, sample_project, run_cli):
    out = sample_project / name
    arguments = CASES[name] + [str(out)] if name.endswith("manifest.json") else CASES[name] + ["-o", str(out)]
    result = run_cli(*arguments)
    assert result.exit_code == 0, result.output
    assert _masked(out.read_text(encoding="utf-8")) == _masked((FIXTURES / name).read_text(encoding="utf-8"))

