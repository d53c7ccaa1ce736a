"""`kpirules explain` shows each step's own numbers: the days behind a proration, what a cap
cut, the curve, band and row that decided, so that a calculator repeats every line.

Each test runs the real CLI on a scratch copy of the sample company (the repository's
rulesets, data and kpirules.toml), changed where a test needs a case the sample lacks.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from kpirules.cli import cli

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def sample(tmp_path, monkeypatch) -> Path:
    """A scratch copy of the sample company, the working directory."""
    for name in ("rulesets", "data/sample"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copyfile(ROOT / "kpirules.toml", tmp_path / "kpirules.toml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def explain(*args: str) -> list[str]:
    result = CliRunner().invoke(cli, ["explain", *args])
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


def steps(*args: str) -> list[dict]:
    result = CliRunner().invoke(cli, ["explain", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)[0]["payout"]["steps"]


def test_the_incentive_is_prorated_by_the_days_the_header_counts(sample):
    # P019 was active 16 of June's 30 days: the line says 16/30, not the reduced 8/15
    lines = explain("P019", "--period", "2026-06")
    assert "active 16 of 30 days (proration 0.533333)" in lines
    assert "  incentive = 3000 CNY × 0 × 16/30 days = 0.00 CNY (rounded half_up to 0.01)" in lines
    incentive = next(s for s in steps("P019", "--period", "2026-06") if s["step"] == "incentive")
    assert incentive["description"] == "incentive = 3000 CNY × 0 × 16/30 days = 0.00 CNY (rounded half_up to 0.01)"
    assert "  激励奖金 = 3000 CNY × 0 × 16/30 天 = 0.00 CNY（按 half_up 舍入到 0.01）" in explain(
        "P019", "--period", "2026-06", "--lang", "zh")
