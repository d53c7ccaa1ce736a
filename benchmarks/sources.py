"""Benchmark: load a 10-million-row CSV and Parquet file through the built-in sources.

Generates (in a temporary folder) a CSV file of calls with seven declared columns of
every type plus an extra one, and the same rows as Parquet. Then, in the same run and
alternating, times:

- kpirules: `load_datasets` through the `csv` / `parquet` source, with the declared
  columns and types and the schema checks (every value converts, non_negative, required);
- DuckDB alone: `CREATE TABLE t AS SELECT <columns cast to the declared types> FROM
  read_csv(...)` (and read_parquet), with no checks at all.

The target (<= 1.2 x DuckDB alone) compares those two. Passes DuckDB alone does not make
are switched off for the comparison and their cost is printed separately: the key's
uniqueness check (on by default for users: `check_keys`), measured as a second load with
it, and the fingerprint (computed only when asked for, as `kpirules run --format json`
does), measured as the time to read `DatasetLoad.fingerprint` after a load.

Prints the best wall-clock time of each over --repeat runs, the ratios, and the same for
CPU time (all DuckDB threads), which is steadier on a machine shared with other work.

    python benchmarks/sources.py                 # 10 million rows
    python benchmarks/sources.py --rows 1000000 --repeat 3
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb

KPI = """\
scheme bench {
  period month
  currency CNY
  timezone "Asia/Shanghai"
}

dataset calls {
  person agent_id
  key call_id
  date called_at
  column call_id string
  column agent_id string
  column called_at timestamp
  column duration_s integer non_negative
  column amount money non_negative
  column paid_on date
  column renewed boolean
}
"""

CONFIG = """\
[project]
rulesets = ["bench.kpi"]

[env.csv.datasets.calls]
source = "csv"
path = "calls.csv"

[env.parquet.datasets.calls]
source = "parquet"
path = "calls.parquet"
"""

CASTS = ("CAST(call_id AS VARCHAR) AS call_id, CAST(agent_id AS VARCHAR) AS agent_id, "
         "CAST(called_at AS TIMESTAMP) AS called_at, CAST(duration_s AS BIGINT) AS duration_s, "
         "CAST(amount AS DECIMAL(18,4)) AS amount, CAST(paid_on AS DATE) AS paid_on, "
         "CAST(renewed AS BOOLEAN) AS renewed")


def generate(folder: Path, rows: int) -> None:
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(f"""
        COPY (SELECT 'C' || lpad(i::VARCHAR, 10, '0') AS call_id,
                     'P' || lpad((i % 9973)::VARCHAR, 5, '0') AS agent_id,
                     strftime(TIMESTAMP '2026-01-01' + to_seconds(i % 31536000), '%Y-%m-%d %H:%M:%S') AS called_at,
                     (i * 7) % 3600 AS duration_s,
                     ((i * 13) % 100000) / 100.0 AS amount,
                     DATE '2026-01-01' + (i % 365)::INTEGER AS paid_on,
                     i % 3 = 0 AS renewed,
                     'note ' || (i % 50) AS note
              FROM range({rows}) t(i)) TO '{folder / "calls.csv"}' (HEADER)""")
    con.execute(f"COPY (SELECT * FROM read_csv('{folder / 'calls.csv'}')) TO '{folder / 'calls.parquet'}'")
    (folder / "bench.kpi").write_text(KPI, encoding="utf-8")
    (folder / "kpirules.toml").write_text(CONFIG, encoding="utf-8")


def time_kpirules(folder: Path, env: str, check_keys: bool = False,
                  fingerprint: bool = False) -> tuple[float, float, int]:
    from kpirules.config import load_config
    from kpirules.model import load_scheme
    from kpirules.sources.load import load_datasets

    scheme = load_scheme([folder / "bench.kpi"])
    config = load_config(folder / "kpirules.toml")
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    start, cpu = time.perf_counter(), time.process_time()
    report = load_datasets(scheme, config, con, env=env, check_keys=check_keys)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    if fingerprint:  # only its own cost
        start, cpu = time.perf_counter(), time.process_time()
        assert len(report["calls"].fingerprint) == 32
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    con.close()
    return elapsed, cpu, report["calls"].rows


def time_duckdb(folder: Path, reader: str) -> tuple[float, float, int]:
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    start, cpu = time.perf_counter(), time.process_time()
    con.execute(f"CREATE TABLE t AS SELECT {CASTS} FROM {reader}")
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    (rows,) = con.execute("SELECT count(*) FROM t").fetchall()[0]
    con.close()
    return elapsed, cpu, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the best time counts")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kpirules-bench-") as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        generate(folder, args.rows)
        size = (folder / "calls.csv").stat().st_size / 2**20
        print(f"generated {args.rows:,} rows in {time.perf_counter() - start:.1f}s "
              f"(CSV {size:,.0f} MiB, Parquet {(folder / 'calls.parquet').stat().st_size / 2**20:,.0f} MiB)",
              flush=True)
        cases = {
            "csv": (lambda: time_kpirules(folder, "csv"),
                    lambda: time_duckdb(folder, f"read_csv('{folder / 'calls.csv'}')")),
            "parquet": (lambda: time_kpirules(folder, "parquet"),
                        lambda: time_duckdb(folder, f"read_parquet('{folder / 'calls.parquet'}')")),
        }
        for name, (ours, theirs) in cases.items():
            runs = {"kpirules": ours, "DuckDB alone": theirs,
                    "key check": lambda n=name: time_kpirules(folder, n, check_keys=True),
                    "fingerprint": lambda n=name: time_kpirules(folder, n, fingerprint=True)}
            wall = {label: float("inf") for label in runs}
            cpu = dict(wall)
            for _ in range(args.repeat):  # alternate, so background load hits all alike
                for label, run in runs.items():
                    w, c, rows = run()
                    assert rows == args.rows, (name, label, rows)
                    wall[label], cpu[label] = min(wall[label], w), min(cpu[label], c)
            for measure, best in (("wall", wall), ("cpu", cpu)):
                base, ours = best["DuckDB alone"], best["kpirules"]
                print(f"{name:8} {measure:4}  kpirules {ours:6.2f}s   DuckDB alone {base:6.2f}s   "
                      f"ratio {ours / base:.2f} (target <= 1.2)   separately: key check "
                      f"+{best['key check'] - ours:.2f}s, fingerprint {best['fingerprint']:.2f}s", flush=True)


if __name__ == "__main__":
    main()
