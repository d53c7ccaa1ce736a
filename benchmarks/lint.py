"""Benchmark: `kpirules lint` over 200 role files (about 60 lines each) and a common file.

Generates the files in a temporary folder, then times the real command (a subprocess, as
CI runs it) cold (no cache) and warm (the cache filled by the run before), and checks that
repeated runs print the same output.
Targets (2-core machine): cold under 2.5 s, warm under 0.5 s.

    python benchmarks/lint.py              # 200 roles, 5 warm runs
    python benchmarks/lint.py --roles 50 --runs 3
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

ROLE = """\
import "common.kpi"

# Generated role {n}: four main KPIs, one auxiliary, and a payout.
role role_{n} "岗位 {n}" {{
  description "Generated role number {n} for the lint benchmark."
  applies_to person.role == "role_{n}"
  grades standard

  kpi calls_{n} "外呼量" {{
    description "Outbound calls logged in the month."
    process main
    measure count(calls)
    target >= {calls}
    target >= {calls_new} when person.tenure_months < 3
    weight 30%
    score linear floor 50% cap 120%
    serves revenue
  }}

  kpi conversion_{n} "线索转化率" {{
    description "Leads converted over leads created."
    outcome main
    measure count(leads where status == "converted") / count(leads)
    target >= {conversion}%
    weight 30%
    serves revenue
  }}

  kpi collection_{n} "回款率" {{
    description "Cash received over amounts invoiced."
    outcome main
    measure sum(payments.amount) / sum(invoices.amount)
    target >= 95%
    weight 20%
    score tiers {{
      [0%, 80%): 0
      [80%, 95%): 60
      [95%, ∞): 100
    }}
    serves revenue
  }}

  kpi satisfaction_{n} "客户满意度" {{
    description "Share of survey answers scoring 4 or 5."
    outcome main
    measure count(surveys where score >= 4) / count(surveys)
    target >= 90%
    weight 20%
    serves retention
  }}

  payout {{
    target_incentive {incentive} CNY
    factor by total_score {{
      [0, 60): 0
      [60, 100): linear 0.6 to 1.0
      [100, ∞): 1.0 + (total_score - 100) / 100
    }}
    cap factor 1.5
  }}
}}
"""

COMMON = """\
scheme bench_2026 "基准方案" {
  period month
  review weekly
  currency CNY
  objective revenue "销售额增长"
  objective retention "客户满意与留存"
}

roster people "人员名册" {
  id person_id
  role role
  hire_date hired_on
  column person_id string required unique
  column role string "岗位"
  column hired_on date "入职日期"
}

dataset calls "外呼记录" {
  person agent_id
  date called_at
  column agent_id string
  column called_at timestamp
}

dataset leads "销售线索" {
  person owner_id
  date created_at
  column owner_id string
  column created_at date
  column status string
}

dataset invoices "开票" {
  person owner_id
  date invoiced_on
  column owner_id string
  column invoiced_on date
  column amount money "开票金额"
}

dataset payments "回款" {
  person owner_id
  date paid_on
  column owner_id string
  column paid_on date
  column amount money "回款金额"
}

dataset surveys "客户满意度调查" {
  person owner_id
  date answered_on
  column owner_id string
  column answered_on date
  column score integer "评分"
}

grades standard "标准等级" {
  [90, ∞): "优秀"
  [60, 90): "合格"
  [0, 60): "待改进"
}
"""


def generate(folder: Path, roles: int = 200) -> list[Path]:
    """Write common.kpi and `roles` role files into folder; return the role files."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "common.kpi").write_text(COMMON, encoding="utf-8")
    written = []
    for n in range(roles):
        path = folder / f"role_{n:03d}.kpi"
        path.write_text(
            ROLE.format(n=n, calls=150 + n, calls_new=100 + n, conversion=10 + n % 10, incentive=3000 + 10 * n),
            encoding="utf-8",
        )
        written.append(path)
    return written


def _run(folder: Path, *extra: str) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall-clock seconds, CPU seconds (user + system, the command and its helper process) and the result."""
    kpirules = Path(sys.executable).with_name("kpirules")
    command = [str(kpirules), "lint", *extra, "roles"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roles", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5, help="warm and cold runs each (median reported)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kpirules-lint-bench-"))
    try:
        files = generate(work / "roles", args.roles)
        lines = sum(len(p.read_text(encoding="utf-8").splitlines()) for p in files) / len(files)
        print(f"{len(files)} role files of {lines:.0f} lines each, plus common.kpi, in {work}")
        print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores "
              "(other processes slow wall-clock times; CPU time is what the command itself used)")
        cold, cold_cpu, outputs = [], [], set()
        for _ in range(args.runs):
            seconds, cpu, done = _run(work, "--no-cache")
            cold.append(seconds)
            cold_cpu.append(cpu)
            outputs.add((done.returncode, done.stdout))
        _run(work)  # fill the cache
        warm, warm_cpu = [], []
        for _ in range(args.runs):
            seconds, cpu, done = _run(work)
            warm.append(seconds)
            warm_cpu.append(cpu)
            outputs.add((done.returncode, done.stdout))
        code, stdout = next(iter(outputs))
        print(f"exit code {code}; {stdout.strip().splitlines()[-1] if stdout.strip() else '(no output)'}")
        for name, walls, cpus, target in (("cold", cold, cold_cpu, 2.5), ("warm", warm, warm_cpu, 0.5)):
            print(f"{name}: median {statistics.median(walls):.3f} s wall (min {min(walls):.3f}, max {max(walls):.3f}), "
                  f"{statistics.median(cpus):.3f} s CPU; target < {target} s")
        print("output identical on every run" if len(outputs) == 1 else f"OUTPUT DIFFERS between runs ({len(outputs)} variants)")
        if len(outputs) != 1:
            sys.exit(1)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
