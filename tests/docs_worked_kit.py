"""A tiny scheme, a few CSV rows and the real CLI: the kit of tests/test_docs_worked*.py.

Each test writes a role (and, when the rule needs it, its own scheme header) into a fresh
folder beside a fixed roster and fixed fact datasets, binds every dataset to a CSV file in
kpirules.toml, runs `kpirules run --format json` (or `kpirules explain`) and compares the
result with numbers worked by hand from docs/semantics.md and docs/language.md.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner

from kpirules.cli import cli

D = Decimal

HEADER = 'scheme s { period month  currency CNY  timezone "Asia/Shanghai" }\n'

#: The datasets every worked example may read. Roster columns give the person attributes.
DATASETS = """
roster people {
  id person_id  role role  manager manager_id  hire_date hired_on  leave_date left_on
  column person_id string  column role string  column manager_id string
  column hired_on date  column left_on date  column level string
  column target_incentive money
}
dataset calls { person agent_id  date called_at  column agent_id string  column called_at timestamp }
dataset deals {
  person owner_id  date closed_on
  column owner_id string  column closed_on date  column amount money  column won boolean
  column days integer
}
targets quotas { person person_id  period period
  column person_id string  column period string  column calls integer  column amount money }
targets dated_quotas { person person_id  period period
  column person_id string  column period date  column calls integer }
dataset visits { person owner_id  date created_on
  column owner_id string  column customer string  column created_on date  column won_on timestamp }
adjustments corrections { person person_id  period period  amount amount  reason reason
  column person_id string  column period string  column amount money  column reason string }
"""

COLUMNS = {
    "people": "person_id,role,manager_id,hired_on,left_on,level,target_incentive",
    "calls": "agent_id,called_at",
    "deals": "owner_id,closed_on,amount,won,days",
    "quotas": "person_id,period,calls,amount",
    "dated_quotas": "person_id,period,calls",
    "corrections": "person_id,period,amount,reason",
    "visits": "owner_id,customer,created_on,won_on",
}

#: One rep, active for years, when a test does not say otherwise.
ONE_REP = "A,rep,,2020-01-01,,,"


def project(folder: Path, role: str, data: dict[str, str], header: str = HEADER,
            options: dict[str, str] | None = None) -> Path:
    """Write s.kpi, one CSV per dataset (header line + the given rows) and kpirules.toml.

    `options` adds TOML lines to a dataset's binding (`{"calls": 'timezone = "UTC"'}`).
    """
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "s.kpi").write_text(header + DATASETS + role, encoding="utf-8")
    config = ['[project]\nrulesets = ["s.kpi"]\ndefault_env = "t"\n']
    rows = {"people": ONE_REP, **data}
    for name, columns in COLUMNS.items():
        body = rows.get(name, "").strip()
        lines = [columns] + [line.strip() for line in body.splitlines() if line.strip()]
        (folder / f"{name}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        extra = (options or {}).get(name, "")
        config.append(f'[env.t.datasets.{name}]\nsource = "csv"\npath = "{name}.csv"\n{extra}\n')
    (folder / "kpirules.toml").write_text("\n".join(config), encoding="utf-8")
    return folder / "kpirules.toml"


def run(folder: Path, role: str, data: dict[str, str], period: str | None = None,
        header: str = HEADER, options: dict[str, str] | None = None) -> dict:
    """The JSON of `kpirules run --format json` on a fresh project."""
    config = project(folder, role, data, header, options)
    args = ["run", "--config", str(config), "--format", "json", "-o", str(folder / "out.json")]
    if period:
        args += ["--period", period]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return json.loads((folder / "out.json").read_text(encoding="utf-8"))


def person(result: dict, person_id: str = "A", period: str | None = None) -> dict:
    """One person's result (of the only period, or of `period`)."""
    found = [p for p in result["people"]
             if p["person_id"] == person_id and (period is None or p["period"] == period)]
    assert len(found) == 1, [(p["person_id"], p["period"]) for p in result["people"]]
    return found[0]


def kpi(p: dict, kpi_id: str) -> dict:
    return next(k for k in p["kpis"] if k["id"] == kpi_id)


def num(text: str | None) -> Decimal | None:
    return None if text is None else D(text)


def explain(folder: Path, person_id: str, period: str) -> str:
    """The text of `kpirules explain` for a project written by `project` or `run`."""
    result = CliRunner().invoke(
        cli, ["explain", person_id, "--config", str(folder / "kpirules.toml"), "--period", period])
    assert result.exit_code == 0, result.output
    return result.output


def check(folder: Path, role: str) -> tuple[int, list[tuple]]:
    """`kpirules check` of a fresh project's s.kpi: its exit code, and (line, column, code,
    message, help) of each problem in the order printed."""
    project(folder, role, {})
    result = CliRunner().invoke(cli, ["check", str(folder / "s.kpi")])
    problems: list[list] = []
    for line in result.output.splitlines():
        head = re.fullmatch(r"\S*s\.kpi:(\d+):(\d+): error\[(E\d+)\]: (.*)", line)
        if head:
            problems.append([int(head[1]), int(head[2]), head[3], head[4], None])
        elif line.startswith("  = help: "):
            problems[-1][4] = line.removeprefix("  = help: ")
    return result.exit_code, [tuple(p) for p in problems]


def at(role: str, text: str, nth: int = 1) -> tuple[int, int]:
    """Where the nth `text` of a role is in the s.kpi `project` writes: line and column."""
    start = -1
    for _ in range(nth):
        start = role.index(text, start + 1)
    before = role[:start]
    return (HEADER + DATASETS).count("\n") + before.count("\n") + 1, start - before.rfind("\n")
