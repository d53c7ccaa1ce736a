"""`kpirules fmt` lays out the text and keeps how the file stores it: BOM and CRLF line endings.

`--check` passes exactly when `fmt` would leave the bytes alone, and `--diff` shows only
lines whose text changes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kpirules.cli import cli

BOM = b"\xef\xbb\xbf"
CANONICAL = 'role r {\n  kpi k {\n    weight 30%\n  }\n}\n'
# one line out of place: only the `weight` line changes
MISPLACED = 'role r {\n  kpi k {\n        weight 30%\n  }\n}\n'


def run(*args: str):
    return CliRunner().invoke(cli, ["fmt", *args])


def crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode("utf-8")


def lf(text: str) -> bytes:
    return text.encode("utf-8")


@pytest.mark.parametrize(
    "stored",
    [crlf(CANONICAL), BOM + lf(CANONICAL), BOM + crlf(CANONICAL), lf(CANONICAL)],
    ids=["CRLF", "BOM", "BOM and CRLF", "LF"],
)
def test_a_canonical_file_passes_check_however_it_stores_its_text(tmp_path, stored):
    path = tmp_path / "r.kpi"
    path.write_bytes(stored)
    for args in (["--check"], ["--diff"], []):
        result = run(*args, str(path))
        assert result.exit_code == 0, result.output
        assert result.stdout == ""
        assert path.read_bytes() == stored
    assert "would reformat" not in run("--check", str(path)).stderr


@pytest.mark.parametrize(
    "stored, written",
    [
        (crlf(MISPLACED), crlf(CANONICAL)),
        (BOM + lf(MISPLACED), BOM + lf(CANONICAL)),
        (BOM + crlf(MISPLACED), BOM + crlf(CANONICAL)),
        (lf(MISPLACED), lf(CANONICAL)),
    ],
    ids=["CRLF", "BOM", "BOM and CRLF", "LF"],
)
def test_fmt_keeps_the_bom_and_crlf_it_finds_and_diff_shows_only_the_changed_line(tmp_path, stored, written):
    path = tmp_path / "r.kpi"
    path.write_bytes(stored)
    check = run("--check", str(path))
    assert check.exit_code == 1
    assert f"would reformat {path}" in check.stderr

    diff = run("--diff", str(path))
    assert diff.exit_code == 1
    assert [line for line in diff.stdout.splitlines() if line[:1] in "+-" and line[:3] not in ("---", "+++")] == [
        "-        weight 30%",
        "+    weight 30%",
    ]
    assert path.read_bytes() == stored

    assert run(str(path)).exit_code == 0
    assert path.read_bytes() == written
    assert run("--check", str(path)).exit_code == 0


def test_mixed_line_endings_become_lf_and_diff_says_only_that(tmp_path):
    path = tmp_path / "r.kpi"
    stored = b'role r {\r\n  kpi k {\n    weight 30%\r\n  }\n}\n'
    path.write_bytes(stored)
    assert run("--check", str(path)).exit_code == 1

    diff = run("--diff", str(path))
    assert diff.exit_code == 1
    assert diff.stdout == ""
    assert f"would change only the line endings of {path}: mixed, written as LF" in diff.stderr
    assert path.read_bytes() == stored

    assert run(str(path)).exit_code == 0
    assert path.read_bytes() == lf(CANONICAL)


def test_fmt_never_adds_a_bom_and_a_new_layout_is_written_with_lf(tmp_path):
    path = tmp_path / "r.kpi"
    path.write_bytes(b"role r { kpi k { weight 30% } }")  # one line, no line break to follow
    assert run(str(path)).exit_code == 0
    assert path.read_bytes() == lf(CANONICAL)


def test_the_line_endings_note_reads_in_chinese(tmp_path):
    path = tmp_path / "r.kpi"
    path.write_bytes(b'role r {\r\n  kpi k {\n    weight 30%\n  }\n}\n')
    result = run("--lang", "zh", "--diff", str(path))
    assert result.exit_code == 1
    assert f"{path} 只需改动换行符：混用了多种换行符，将统一写为 LF" in result.stderr


def test_the_reference_rulesets_checked_out_with_crlf_pass_check(tmp_path):
    # what a Windows checkout with core.autocrlf gives CI
    rulesets = Path(__file__).resolve().parent.parent / "rulesets"
    for source in rulesets.glob("*.kpi"):
        (tmp_path / source.name).write_bytes(source.read_bytes().replace(b"\n", b"\r\n"))
    result = run("--check", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "all files are formatted" in result.stderr
