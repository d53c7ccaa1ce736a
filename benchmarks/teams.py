"""Benchmark: `kpirules run` over a roster of managers, as one deep chain and as many short ones.

Every person is a manager assessed on team scopes (a team sum, a team_and_self count and a
team distinct count, which joins every fact row to the team table), with one deal each.
Shapes: one chain of --people (P1 reports to P0, P2 to P1, ...: people * (people - 1) / 2
manager-report pairs, 3.1 million for 2,500) and the same people in chains of --depth.
Times the real command (a subprocess) and reports the best wall time and the peak memory
of the runs, and checks that repeated runs print the same output.
Target (2-core machine): a chain of 2,500 in a few seconds, not slower than 5 s.

    python benchmarks/teams.py                   # 2,500 people, chains of 2,500 and of 200
    python benchmarks/teams.py --people 1500 --depth 10 --repeat 5
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCHEME = """\
scheme teams "teams" { period month  currency CNY }
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

CONFIG = """\
[project]
rulesets = ["rulesets"]
[env.default.datasets.people]
source = "csv"
path = "people.csv"
[env.default.datasets.deals]
source = "csv"
path = "deals.csv"
"""


def write_project(folder: Path, managers: list[int | None]) -> None:
    """The scheme and P0..P(n-1), Pi managed by P(managers[i]) (None: nobody), with one deal
    each: Pi's of amount i + 1 and kind K(i % 7)."""
    (folder / "rulesets").mkdir(parents=True)
    (folder / "rulesets" / "teams.kpi").write_text(SCHEME, encoding="utf-8")
    (folder / "kpirules.toml").write_text(CONFIG, encoding="utf-8")
    (folder / "people.csv").write_text("person_id,role,manager_id\n" + "".join(
        f"P{i},mgr,{'' if boss is None else f'P{boss}'}\n" for i, boss in enumerate(managers)), encoding="utf-8")
    (folder / "deals.csv").write_text("owner_id,closed_on,amount,kind\n" + "".join(
        f"P{i},2026-03-10,{i + 1},K{i % 7}\n" for i in range(len(managers))), encoding="utf-8")


def chains(people: int, depth: int) -> list[int | None]:
    """The managers of `people` people in chains of `depth`: Pi reports to P(i-1) unless i is
    a multiple of depth."""
    return [i - 1 if i % depth else None for i in range(people)]


def time_run(folder: Path, repeat: int) -> tuple[float, float]:
    """Best wall time (s) and the peak memory (MiB) of `kpirules run` in `folder`."""
    command = [sys.executable, "-c", "from kpirules.cli import main; main()",
               "run", "--period", "2026-03", "--format", "csv"]
    best, outputs = float("inf"), set()
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(command, cwd=folder, capture_output=True, check=True)
        best = min(best, time.perf_counter() - start)
        outputs.add(done.stdout)
    assert len(outputs) == 1, "repeated runs printed different results"
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the largest child so far
    return best, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2500)
    parser.add_argument("--depth", type=int, default=200, help="the length of the short chains")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        for depth in (args.depth, args.people):  # the short chains first: peak memory only grows
            folder = Path(tmp) / f"depth{depth}"
            write_project(folder, chains(args.people, depth))
            best, peak = time_run(folder, args.repeat)
            print(f"{args.people} people in chains of {depth}: best {best:.2f} s, peak so far {peak:.0f} MiB")


if __name__ == "__main__":
    main()
