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


HISTORY_PEOPLE = 10
HISTORY_MONTHS = 6


def write_history_data(folder: Path) -> Path:
    """Six months (2026-01 to 2026-06) of data for the prelude's datasets; returns kpirules.toml.

    Ten telesales people P01..P10; person n (0-based) logs 100 + 10 n calls every month, so
    each month's values are 100, 110, ..., 190 (median 145, top tenth from 181). Only P01
    and P02 have visits (12 a month); leads start in May, with one a month for everyone (a
    source recorded late); the other datasets are empty.
    """
    import calendar

    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    people = ["person_id,role,hired_on,target_incentive"]
    calls, visits, leads = ["agent_id,called_at"], ["owner_id,visited_on"], ["owner_id,created_at,status"]
    for n in range(HISTORY_PEOPLE):
        pid = f"P{n + 1:02d}"
        people.append(f"{pid},telesales,2020-01-01,3000")
        for month in range(1, HISTORY_MONTHS + 1):
            days = calendar.monthrange(2026, month)[1]  # every day of the month has calls
            for i in range(100 + 10 * n):
                day = 1 + i % days
                calls.append(f"{pid},2026-{month:02d}-{day:02d} {9 + i % 8:02d}:{i % 60:02d}:00")
            if n < 2:
                visits += [f"{pid},2026-{month:02d}-{1 + d:02d}" for d in range(12)]
            if month >= 5:
                leads.append(f"{pid},2026-{month:02d}-03,open")
    files = {
        "people": people, "calls": calls, "visits": visits,
        "leads": leads, "contracts": ["owner_id,signed_on,amount"],
        "surveys": ["owner_id,answered_on,score"], "self_reports": ["owner_id,reported_on"],
    }
    lines = ["[project]", 'rulesets = ["."]', 'default_env = "history"', ""]
    for name, rows in files.items():
        (data / f"{name}.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
        lines += [f"[env.history.datasets.{name}]", 'source = "csv"', f'path = "data/{name}.csv"', ""]
    config = folder / "kpirules.toml"
    config.write_text("\n".join(lines), encoding="utf-8")
    return config


def open_test_history(config: Path):
    from kpirules.lint.history import History

    return History(config, None, HISTORY_MONTHS)


def run_cli(*args: str):
    """Invoke the real `kpirules` command group in-process; returns click's Result."""
    from click.testing import CliRunner

    from kpirules.cli import cli

    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


#: a role that breaks one error rule (KPI101: weights add up to 70%) and two warning rules (KPI102:
#: one KPI carries 70%; KPI105: one main KPI, fewer than three): used by the CLI and format tests
BAD_ROLE = """\
import "prelude.kpi"

role telesales "电话销售" {
  description "Inside sales."
  kpi outbound_calls "外呼量" {
    description "Outbound calls."
    process main
    measure count(calls)
    target >= 200
    target >= 150 when person.tenure_months < 3
    weight 70%
    serves revenue
  }
  kpi satisfaction "客户满意度" {
    description "Happy customers."
    outcome auxiliary
    measure count(surveys where score >= 4) / count(surveys)
    target >= 90%
    serves retention
  }
  payout {
    target_incentive 3000 CNY
  }
}
"""
