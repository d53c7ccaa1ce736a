"""A deep chain of managers through the real `kpirules run`: the team table (every manager
with every direct and indirect report) and the roster's loop check (E652) on a chain of
300 people, one below the other, where each manager's team is everyone further down.

How fast a much longer chain runs is in benchmarks/README.md, not timed here.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from teams import chains, write_project  # noqa: E402 - the benchmark's project: 3 team KPIs, a deal each

N = 300  # P0 at the top, P1 reports to P0, ..., P299 at the bottom; Pi's deal is of amount i + 1


def test_every_manager_of_a_deep_chain_sums_everyone_below(workdir, run_cli):
    write_project(workdir, chains(N, N))
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
    managers = chains(N, N)
    for person, boss in loop.items():
        managers[person] = boss
    write_project(workdir, managers)
    result = run_cli("run", "--period", "2026-03", "--format", "csv")
    assert result.exit_code == 1, result.output
    # one E652 for the loop, none for the people below it
    assert result.output.count("error[E652]") == 1, result.output
    assert f"error[E652]: {message}" in result.output
    assert "Traceback" not in result.output
