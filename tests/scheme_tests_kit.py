"""What the scheme-test tests share: a small scheme (MINI: one KPI, tiers by attainment, a
`when` target, a zeroing gate, no factor table: factor = total / 100) and running
`kpirules test` through the real CLI. The fixture `mini`, a folder holding MINI, is in
conftest.py.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from click.testing import CliRunner

from kpirules.cli import cli

REPO = Path(__file__).resolve().parent.parent

MINI = """\
scheme mini "mini" {
  period month
  currency CNY
  timezone "Asia/Shanghai"
}

roster people {
  id person_id
  role role
  hire_date hired_on
  column person_id string
  column role string
  column level string
  column hired_on date
}

dataset calls {
  person agent_id
  date called_at
  column agent_id string
  column called_at timestamp
}

role caller {
  kpi calls {
    process main
    measure count(calls)
    target >= 10
    target >= 5 when person.level == "junior"
    weight 100%
    score tiers {
      [0%, 50%): 0
      [50%, 100%): 50
      [100%, ∞): 100
    }
  }

  payout {
    target_incentive 1000 CNY
    gate calls.attainment >= 50% else zero
  }
}
"""

HEAD = 'role = "caller"\nperiod = "2026-03"\n'


def run(*args: str):
    return CliRunner().invoke(cli, ["test", *args], catch_exceptions=False)


def cases(block: str) -> str:
    """A test file of MINI: the role and period, then the cases written (indented) in block."""
    return HEAD + textwrap.dedent(block)


def write(folder: Path, text: str, name: str = "mini.kpitest.toml") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def refused(mini, text: str, *, code: str, at: str, message: str, exit_code: int = 1):
    """Write text as mini.kpitest.toml; `kpirules test` refuses it with code at `at` (line:col)."""
    write(mini, text)
    result = run("mini.kpitest.toml")
    assert result.exit_code == exit_code, result.output
    assert "Traceback" not in result.output
    first = result.stderr.splitlines()[0]
    assert first == f"mini.kpitest.toml:{at}: error[{code}]: {message}", result.stderr
    return result
