"""`kpirules fmt` keeps what every `# kpirules: ignore[...]` comment silences.

Each shape is linted, formatted with the real command, and linted again: the findings and
the number suppressed must not change, and formatting again must change nothing. Shapes
where no place for the comment would reach the same code are refused with E120.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from kpirules.cli import cli
from lint_support import lint_files, write_scheme

ROLE = """import "prelude.kpi"

role telesales "电话销售" {{
  applies_to person.role == "telesales"
{kpi}
  kpi lead_conversion "线索转化率" {{
    outcome main
    serves revenue
    measure count(leads where status == "converted") / count(leads)
    target >= 15%
    weight 20%
  }}
}}
"""

# KPI102 points at the `weight` statement, KPI402 (serves no objective) at the KPI's id on
# its header line: one suppression after a one-line block must keep reaching both
ONE_LINE_BLOCK = (
    '  kpi outbound_calls "外呼量" { process main  measure count(calls)  target >= 200  weight 80% }'
    "  # kpirules: ignore[KPI102] calls are this role's whole job"
)
ONE_LINE_BLOCK_TWO_CODES = (
    '  kpi outbound_calls "外呼量" { process main  measure count(calls)  target >= 200  weight 80% }'
    "  # kpirules: ignore[KPI102, KPI402] calls are the job"
)
WEIGHT_BEFORE_CLOSE = """  kpi outbound_calls "外呼量" {
    process main
    measure count(calls)
    target >= 200
    weight 80% }  # kpirules: ignore[KPI102] calls are the job"""
STATEMENT_OVER_TWO_LINES = """  kpi outbound_calls "外呼量" {
    process main
    measure count(calls)
    target >= 200
    weight
      80%  # kpirules: ignore[KPI102] calls are the job
  }"""
ALONE_ABOVE_A_BLOCK = """  # kpirules: ignore[KPI402] reported on its own
  kpi outbound_calls "外呼量" {
    process   main
    measure count(calls)
    target >= 200
    weight 80%  # kpirules: ignore[KPI102] calls are the job
  }"""


def run(*args: str):
    return CliRunner().invoke(cli, ["fmt", *args])


def lint_outcome(path: Path) -> tuple[Counter, int]:
    """What lint says of a file, without its line numbers (which fmt changes)."""
    result = lint_files([path])
    findings = Counter((f.code, f.message) for f in result.findings if f.path == str(path))
    return findings, result.suppressed


@pytest.mark.parametrize(
    "kpi, suppressed",
    [
        (ONE_LINE_BLOCK, 1),
        (ONE_LINE_BLOCK_TWO_CODES, 2),
        (WEIGHT_BEFORE_CLOSE, 1),
        (STATEMENT_OVER_TWO_LINES, 1),
        (ALONE_ABOVE_A_BLOCK, 2),
    ],
    ids=["one-line block", "one-line block, two codes", "weight before close", "statement over two lines",
         "alone above a block"],
)
def test_fmt_then_lint_finds_and_suppresses_what_lint_alone_does(tmp_path, kpi, suppressed):
    (path,) = write_scheme(tmp_path, {"roles.kpi": ROLE.format(kpi=kpi)})
    before = lint_outcome(path)
    assert before[1] == suppressed
    assert not any(code == "KPI901" for code, _ in before[0])

    result = run(str(path))
    assert result.exit_code == 0, result.output
    formatted = path.read_text(encoding="utf-8")
    assert lint_outcome(path) == before

    again = run("--check", str(path))
    assert again.exit_code == 0, again.output
    assert path.read_text(encoding="utf-8") == formatted


def test_after_a_one_line_block_the_comment_follows_its_closing_brace(tmp_path):
    (path,) = write_scheme(tmp_path, {"roles.kpi": ROLE.format(kpi=ONE_LINE_BLOCK)})
    assert run(str(path)).exit_code == 0
    assert (
        '  kpi outbound_calls "外呼量" {\n'
        "    process main\n"
        "    measure count(calls)\n"
        "    target >= 200\n"
        "    weight 80%\n"
        "  }  # kpirules: ignore[KPI102] calls are this role's whole job\n"
    ) in path.read_text(encoding="utf-8")


TWO_STATEMENTS_ON_ONE_LINE = """  kpi outbound_calls "外呼量" {
    process main
    measure count(calls)
    target >= 200  weight 80%  # kpirules: ignore[KPI102] calls are the job
  }"""
ALONE_ABOVE_A_ONE_LINE_BLOCK = """  # kpirules: ignore[KPI102] calls are the job
  kpi outbound_calls "外呼量" { process main  measure count(calls)  target >= 200  weight 80% }"""
INSIDE_AN_EXPRESSION = """  kpi outbound_calls "外呼量" {
    process main
    measure count(calls) +  # kpirules: ignore[KPI102] calls are the job
      count(visits)
    target >= 200
    weight 80%
  }"""


@pytest.mark.parametrize(
    "kpi, line, column",
    [(TWO_STATEMENTS_ON_ONE_LINE, 8, 32), (ALONE_ABOVE_A_ONE_LINE_BLOCK, 5, 3), (INSIDE_AN_EXPRESSION, 7, 29)],
    ids=["two statements on one line", "alone above a one-line block", "inside an expression"],
)
def test_a_suppression_no_layout_can_keep_is_refused_and_the_file_left_alone(tmp_path, kpi, line, column):
    # after `target >= 200  weight 80%` the comment reaches both statements, above a one-line
    # block all of it, inside `count(calls) + count(visits)` only its first line: once
    # formatted, no place reaches exactly that
    (path,) = write_scheme(tmp_path, {"roles.kpi": ROLE.format(kpi=kpi)})
    written = path.read_bytes()
    for args in ([], ["--check"], ["--diff"]):
        result = run(*args, str(path))
        assert result.exit_code == 1, result.output
        assert f"{path}:{line}:{column}: error[E120]: formatting would change what this suppression comment " \
               "silences" in result.stderr
        assert "with the comment after (or just above) the one it is for" in result.stderr
        assert result.stdout == ""
        assert path.read_bytes() == written


def test_the_refusal_reads_in_chinese(tmp_path):
    (path,) = write_scheme(tmp_path, {"roles.kpi": ROLE.format(kpi=TWO_STATEMENTS_ON_ONE_LINE)})
    result = run("--lang", "zh", str(path))
    assert result.exit_code == 1
    assert "error[E120]: 格式化会改变这条忽略注释所屏蔽的内容：第 8 行会被拆成多行或与其他行合并" in result.stderr
    assert "帮助：请把每条语句各写一行" in result.stderr
