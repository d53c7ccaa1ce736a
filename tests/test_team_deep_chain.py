"""A deep chain of managers through the real `kpirules run`: the team table (every manager
with every direct and indirect report) and the roster's loop check (E652) on a chain of
300 people, one below the other, where each manager's team is everyone further down.

How fast a much longer chain runs is in benchmarks/README.md, not timed here.
"""

from __future__ import annotations

import csv
import io

import pytest

N = 300  # P0 at the top, P1 reports to P0, ..., P299 at the bottom

SCHEME = """
scheme chain { currency CNY  period month }
roster people { id person_id  role role  manager manager_id
  column person_id string  column role string  column manager_id string }
dataset deals { person owner_id  date closed_on
  column owner_id string  column closed_on date  column amount integer  column kind string }
role mgr {
  kpi team_amount { outcome main  weight 50%  scope team  measure sum(deals.amount)  target >= 1 }
  kpi all_deals { outcome main  weight 50%  scope team_and_self  measure count(deals)  target >= 1 }
  kpi kinds { outcome auxiliary  scope team  measure count_distinct(deals.kind) }
}
"""

CONFIG = """
[project]
rulesets = ["rulesets"]
[env.default.datasets.people]
source = "csv"
path = "people.csv"
[env.default.datasets.deals]
source = "csv"
path = "deals.csv"
"""


def write_project(folder, managers: dict[int, int | None]) -> None:
    """People P0..P(N-1) with the given managers; Pi closed one deal of amount i + 1, kind K(i % 7)."""
    (folder / "rulesets").mkdir()
    (folder / "rulesets" / "chain.kpi").write_text(SCHEME, encoding="utf-8")
    (folder / "kpirules.toml").write_text(CONFIG, encoding="utf-8")
    (folder / "people.csv").write_text("person_id,role,manager_id\n" + "".join(
        f"P{i},mgr,{'' if managers[i] is None else f'P{managers[i]}'}\n" for i in range(N)), encoding="utf-8")
    (folder / "deals.csv").write_text("owner_id,closed_on,amount,kind\n" + "".join(
        f"P{i},2026-03-10,{i + 1},K{i % 7}\n" for i in range(N)), encoding="utf-8")


def test_every_manager_of_a_deep_chain_sums_everyone_below(workdir, run_cli):
    write_project(workdir, {i: i - 1 if i else None for i in range(N)})
    result = run_cli("run", "--period", "2026-03", "--format", "csv")
    assert result.exit_code == 0, result.output
    values = {(row["person_id"], row["kpi"]): row["value"]
              for row in csv.DictReader(io.StringIO(result.stdout))}
    assert len(values) == 3 * N
    for k in range(N):
        # Pk's team is P(k+1)..P299, whose amounts are k+2..300:
        # 300 * 301 / 2 - (k+1)(k+2) / 2, e.g. P0 45150 - 1 = 45149, P298 300, P299 0
        assert values[(f"P{k}", "team_amount")] == str(N * (N + 1) // 2 - (k + 1) * (k + 2) // 2), k
        # with Pk's own deal: the N - k people from Pk down, one deal each
        assert values[(f"P{k}", "all_deals")] == str(N - k), k
        # kinds K(j % 7) for j = k+1..299: all seven while at least seven are below, else 299 - k
        assert values[(f"P{k}", "kinds")] == str(min(7, N - 1 - k)), k


@pytest.mark.parametrize(("loop", "message"), [
    # P0 manages itself; P1..P299 hang below it
    ({0: 0}, "manager cycle: P0 -> P0"),
    # P0 and P1 manage each other, the other 298 hang below P1
    ({0: 1}, "manager cycle: P0 -> P1 -> P0"),
    # the whole chain is one loop: the bottom, P299, manages the top
    ({0: N - 1}, "manager cycle: P0 -> P299 -> P298 -> P297 -> P296 -> "),
])
def test_a_loop_above_a_deep_chain_is_reported_once(workdir, run_cli, loop, message):
    write_project(workdir, {i: i - 1 for i in range(1, N)} | loop)
    result = run_cli("run", "--period", "2026-03", "--format", "csv")
    assert result.exit_code == 1, result.output
    # one E652 for the loop, none for the people below it
    assert result.output.count("error[E652]") == 1, result.output
    assert f"error[E652]: {message}" in result.output
    assert "Traceback" not in result.output
