"""A role without `applies_to` is for the people whose roster `role` binding holds its id
(docs/language.md 7.1): without that binding it matches nobody, and `check`, `lint` and
`run` say so (E213) at the role, instead of a run of nobody that exits 0.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from teams import CONFIG  # noqa: E402 - rulesets/, people.csv and deals.csv bound by a kpirules.toml

COMMON = """scheme s "s" {
  period month
  currency USD
}

roster people {
  id person_id%s
  column person_id string required unique
  column %s string
}

dataset deals {
  person owner_id
  date closed_on
  column owner_id string
  column closed_on date
  column amount money
}
"""

AGENT = """import "common.kpi"

role agent "Agent" {
  kpi won { outcome main  measure sum(deals.amount)  target >= 100  weight 100% }
}
"""

HELP_BIND_ROLE = ("add `role role` to roster people (a column named role is not read until it is bound), "
                  "or give role agent an `applies_to <condition>`")


def project(folder, binding: str = "", column: str = "role", roles: str = AGENT) -> None:
    """The scheme in rulesets/, and two agents in people.csv whose `column` says "agent"."""
    (folder / "rulesets").mkdir()
    (folder / "rulesets" / "common.kpi").write_text(COMMON % (binding, column), encoding="utf-8")
    (folder / "rulesets" / "agent.kpi").write_text(roles, encoding="utf-8")
    (folder / "kpirules.toml").write_text(CONFIG, encoding="utf-8")
    (folder / "people.csv").write_text(f"person_id,{column}\nA1,agent\nA2,agent\n", encoding="utf-8")
    (folder / "deals.csv").write_text("owner_id,closed_on,amount\nA1,2026-03-05,150\nA2,2026-03-09,50\n",
                                      encoding="utf-8")


@pytest.mark.parametrize("command", [["check"], ["lint"], ["run", "--period", "2026-03"]])
def test_a_column_named_role_but_not_bound_is_reported_at_the_role(workdir, run_cli, command):
    project(workdir)
    result = run_cli(*command)
    assert result.exit_code == 1, result.output
    assert "rulesets/agent.kpi:3:6" in result.output  # the role's name: `role agent`
    assert ("role agent has no applies_to and roster people binds no role column, so it matches nobody"
            in result.output)
    assert HELP_BIND_ROLE in result.output
    assert "evaluated" not in result.output
    assert "Traceback" not in result.output


def test_without_a_role_column_the_help_names_any_column(workdir, run_cli):
    project(workdir, column="position")
    result = run_cli("check")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "rulesets/agent.kpi:3:6: error[E213]: role agent has no applies_to and roster people binds no role "
        "column, so it matches nobody")
    assert ("help: add `role <column>` to roster people, naming the column that holds each person's role, "
            "or give role agent an `applies_to <condition>`") in result.stderr


def test_in_chinese(workdir, run_cli):
    project(workdir)
    result = run_cli("--lang", "zh", "check")
    assert result.exit_code == 1
    assert "岗位 agent 没有 applies_to，而花名册 people 没有绑定 role 列，所以它不会匹配任何人" in result.stderr
    assert "请在花名册 people 中加上 `role role`" in result.stderr


def test_once_bound_the_role_column_matches_the_people(workdir, run_cli):
    project(workdir, binding="\n  role role")
    assert run_cli("check").exit_code == 0
    result = run_cli("run", "--period", "2026-03", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    # A1: 150 / 100 = 150% attainment; A2: 50 / 100 = 50%
    assert [(row["person_id"], row["role"], row["attainment"]) for row in rows] == [
        ("A1", "agent", "1.5"), ("A2", "agent", "0.5")]


def test_a_role_only_extended_is_a_template_and_not_reported(workdir, run_cli):
    # base has neither applies_to nor a role binding to match by: it exists to be extended
    roles = AGENT.replace('role agent "Agent" {', "role base {") + (
        "\nrole agent {\n  extends base\n  applies_to person.role == \"agent\"\n}\n")
    project(workdir, roles=roles)
    assert run_cli("check").exit_code == 0
    result = run_cli("run", "--period", "2026-03", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert [row.split(",")[1] for row in result.stdout.splitlines()[1:]] == ["A1", "A2"]


def test_a_role_extending_another_is_still_reported_itself(workdir, run_cli):
    # agent extends base and has no applies_to either: base is a template, agent matches nobody
    roles = AGENT.replace('role agent "Agent" {', "role base {") + "\nrole agent {\n  extends base\n}\n"
    project(workdir, roles=roles)
    result = run_cli("check")
    assert result.exit_code == 1
    assert [line.split(": ")[0] for line in result.stderr.splitlines() if "error[" in line] == [
        "rulesets/agent.kpi:7:6"]
