"""Benchmark: evaluate the reference rulesets on 10 million fact rows for 10,000 people.

Prints, measured in the same run on the same DuckDB database file, each repetition running
the three back to back (best of the repetitions, and the median of the paired ratios):
- kpirules: `kpirules.engine.evaluate.evaluate` end to end through the library API
  (aggregates, targets, scores, totals, grades, payouts) for one monthly period;
- a hand-written DuckDB SQL query computing the same per-person aggregates (the floor:
  what the data costs to aggregate at all);
- a straightforward pandas implementation of the same aggregates (if pandas is installed);
- the ratios, and kpirules' peak memory measured in a separate process.
Targets (2-core machine): kpirules <= 1.5 x the hand-written SQL, faster than pandas,
peak memory under 1.5 GiB.

    python benchmarks/evaluate.py            # 10,000 people, 10 million rows
    python benchmarks/evaluate.py --rows 1000000 --people 2000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
PERIOD = "2026-11"

# Share of the fact rows per dataset.
SHARES = {
    "calls": 0.40, "leads": 0.15, "contracts": 0.05, "invoices": 0.10, "payments": 0.10,
    "visits": 0.10, "milestones": 0.03, "surveys": 0.04, "renewals": 0.03,
}


def generate(db: Path, people: int, rows: int) -> None:
    """Write a roster and fact tables with the reference rulesets' columns into a DuckDB file."""
    con = duckdb.connect(str(db))
    con.execute("SET enable_progress_bar = false")
    managers = max(people // 10, 2)
    con.execute(f"""
        CREATE TABLE people AS
        SELECT 'P' || lpad(i::VARCHAR, 6, '0') AS person_id,
               'person ' || i AS name,
               CASE WHEN i < {managers} THEN 'sales_manager'
                    WHEN i % 10 < 4 THEN 'telesales'
                    WHEN i % 10 = 4 THEN 'senior_telesales'
                    WHEN i % 10 < 7 THEN 'key_account_manager'
                    ELSE 'customer_success_manager' END AS role,
               'team ' || (i % {managers}) AS team,
               CASE WHEN i = 0 THEN NULL
                    WHEN i < {managers} THEN 'P000000'
                    ELSE 'P' || lpad((i % {managers})::VARCHAR, 6, '0') END AS manager_id,
               'junior' AS level, 'east' AS region,
               DATE '2020-01-01' + (i % 2000)::INTEGER AS hired_on,
               NULL::DATE AS left_on,
               CAST(5000 + (i % 7) * 1000 AS DECIMAL(18,4)) AS target_incentive
        FROM range({people}) t(i)
    """)
    con.execute("CREATE TABLE quarterly_targets AS SELECT person_id, '2026Q4' AS period, CAST(2000000 AS DECIMAL(18,4)) AS contract_amount FROM people WHERE role = 'key_account_manager'")
    con.execute("CREATE TABLE payout_adjustments (person_id VARCHAR, period VARCHAR, amount DECIMAL(18,4), reason VARCHAR, approved_by VARCHAR)")
    pid = f"'P' || lpad(({managers} + (hash(i) % {people - managers}))::VARCHAR, 6, '0')"
    day = "DATE '2026-01-01' + (hash(i * 7) % 334)::INTEGER"
    specs = {
        "calls": f"SELECT 'c' || i AS call_id, {pid} AS agent_id, CAST({day} AS TIMESTAMP) + INTERVAL (i % 36000) SECOND AS called_at, (i % 600)::BIGINT AS duration_s",
        "leads": f"SELECT 'l' || i AS lead_id, {pid} AS owner_id, {day} AS created_at, CASE WHEN i % 6 = 0 THEN {day} + 5 END AS converted_at, CASE WHEN i % 6 = 0 THEN 'converted' ELSE 'open' END AS status",
        "contracts": f"SELECT 'k' || i AS contract_id, {pid} AS owner_id, 'C' || (hash(i) % 200000) AS customer_id, {day} AS signed_on, CAST(100000 + (i % 900) * 1000 AS DECIMAL(18,4)) AS amount",
        "invoices": f"SELECT 'i' || i AS invoice_id, {pid} AS owner_id, {day} AS invoiced_on, CAST(1000 + (i % 97) * 100 AS DECIMAL(18,4)) AS amount",
        "payments": f"SELECT 'p' || i AS payment_id, {pid} AS owner_id, {day} AS paid_on, CAST(900 + (i % 97) * 100 AS DECIMAL(18,4)) AS amount",
        "visits": f"SELECT 'v' || i AS visit_id, {pid} AS owner_id, 'C' || (i % 5000) AS customer_id, {day} AS visited_on, i % 3 = 0 AS new_customer",
        "milestones": f"SELECT 'm' || i AS milestone_id, {pid} AS owner_id, {day} AS due_on, CASE WHEN i % 5 > 0 THEN {day} - (i % 3)::INTEGER + 1 END AS completed_on",
        "surveys": f"SELECT 's' || i AS survey_id, {pid} AS owner_id, 'C' || (i % 5000) AS customer_id, {day} AS answered_on, (1 + i % 5)::BIGINT AS score",
        "renewals": f"SELECT 'r' || i AS renewal_id, {pid} AS owner_id, 'C' || (i % 5000) AS customer_id, {day} AS due_on, i % 7 > 0 AS renewed",
    }
    for name, select in specs.items():
        n = int(rows * SHARES[name])
        con.execute(f"CREATE TABLE {name} AS {select} FROM range({n}) t(i)")
    con.close()


def run_kpirules(db: Path):
    from kpirules.engine.evaluate import evaluate
    from kpirules.engine.periods import Calendar
    from kpirules.model import load_scheme

    scheme = load_scheme([ROOT / "rulesets"])
    con = duckdb.connect(str(db), read_only=True)
    con.execute("SET enable_progress_bar = false")
    periods = Calendar(scheme.header).scheme_periods(Calendar(scheme.header).parse(PERIOD))
    start = time.perf_counter()
    result = evaluate(scheme, con, periods)
    return time.perf_counter() - start, result


def read_everything(result) -> float:
    """Seconds to read every number of every person, as `kpirules run` does to print them.

    Results scored in SQL are built into Python objects only when first read, so
    `evaluate` alone does not include this cost; a run that prints everyone pays it.
    `kpirules run` pauses the cyclic collector while it evaluates and writes (the objects
    live until it ends), and so does this; with the collector on, reading takes about
    twice as long.
    """
    from kpirules.lang.parser import gc_paused

    start = time.perf_counter()
    with gc_paused():
        for person in result.people:
            _ = person.total_score, person.grade
            for kpi in person.kpis:
                _ = kpi.value, kpi.attainment, kpi.score, kpi.contribution
            if person.payout is not None:
                _ = person.payout.total
    return time.perf_counter() - start


def run_kpirules_read(db: Path) -> float:
    seconds, result = run_kpirules(db)
    return seconds + read_everything(result)


BASELINE_SQL = """
WITH m AS (SELECT DATE '2026-11-01' AS s, DATE '2026-12-01' AS e, DATE '2026-10-01' AS q),
team AS (
  WITH RECURSIVE r(owner, member) AS (
    SELECT manager_id, person_id FROM people WHERE manager_id IS NOT NULL
    UNION SELECT r.owner, p.person_id FROM r JOIN people p ON p.manager_id = r.member)
  SELECT * FROM r),
calls_a AS (SELECT agent_id AS person, count(*) AS calls FROM calls, m WHERE called_at >= s AND called_at < e GROUP BY 1),
leads_a AS (SELECT owner_id AS person, count(*) FILTER (WHERE created_at >= s AND created_at < e) AS leads,
                   count(*) FILTER (WHERE status = 'converted' AND converted_at >= s AND converted_at < e) AS converted
            FROM leads, m GROUP BY 1),
pay_a AS (SELECT owner_id AS person, sum(amount) AS paid FROM payments, m WHERE paid_on >= s AND paid_on < e GROUP BY 1),
inv_a AS (SELECT owner_id AS person, sum(amount) AS invoiced FROM invoices, m WHERE invoiced_on >= s AND invoiced_on < e GROUP BY 1),
sur_a AS (SELECT owner_id AS person, count(*) AS surveys, count(*) FILTER (WHERE score >= 4) AS good FROM surveys, m WHERE answered_on >= s AND answered_on < e GROUP BY 1),
ren_a AS (SELECT owner_id AS person, count(*) AS due, count(*) FILTER (WHERE renewed) AS renewed FROM renewals, m WHERE due_on >= s AND due_on < e GROUP BY 1),
vis_a AS (SELECT owner_id AS person, count(*) FILTER (WHERE NOT new_customer) AS checkins FROM visits, m WHERE visited_on >= s AND visited_on < e GROUP BY 1),
mil_a AS (SELECT owner_id AS person, count(*) AS due, count(*) FILTER (WHERE completed_on <= due_on) AS on_time FROM milestones, m WHERE due_on >= s AND due_on < e GROUP BY 1),
con_first AS (SELECT *, signed_on = min(signed_on) OVER (PARTITION BY customer_id) AS first FROM contracts),
con_a AS (SELECT owner_id AS person, sum(amount) AS amount,
                 count(DISTINCT customer_id) FILTER (WHERE first AND amount >= 500000) AS new_customers
          FROM con_first, m WHERE signed_on >= q AND signed_on < e GROUP BY 1),
team_vis AS (SELECT t.owner AS person, count(*) FILTER (WHERE new_customer) AS new_visits FROM visits v JOIN team t ON v.owner_id = t.member, m WHERE visited_on >= s AND visited_on < e GROUP BY 1),
team_pay AS (SELECT t.owner AS person, sum(amount) AS paid FROM payments x JOIN team t ON x.owner_id = t.member, m WHERE paid_on >= s AND paid_on < e GROUP BY 1),
team_inv AS (SELECT t.owner AS person, sum(amount) AS invoiced FROM invoices x JOIN team t ON x.owner_id = t.member, m WHERE invoiced_on >= s AND invoiced_on < e GROUP BY 1),
team_sur AS (SELECT t.owner AS person, count(*) AS surveys, count(*) FILTER (WHERE score >= 4) AS good FROM surveys x JOIN team t ON x.owner_id = t.member, m WHERE answered_on >= s AND answered_on < e GROUP BY 1),
team_con AS (SELECT t.owner AS person, sum(amount) AS amount FROM contracts x JOIN team t ON x.owner_id = t.member, m WHERE signed_on >= s AND signed_on < e GROUP BY 1)
SELECT p.person_id, calls_a.calls, leads_a.converted, leads_a.leads, pay_a.paid, inv_a.invoiced,
       sur_a.good, sur_a.surveys, ren_a.renewed, ren_a.due, vis_a.checkins, mil_a.on_time, mil_a.due,
       con_a.amount, con_a.new_customers, team_vis.new_visits, team_pay.paid, team_inv.invoiced,
       team_sur.good, team_sur.surveys, team_con.amount
FROM people p
LEFT JOIN calls_a ON calls_a.person = p.person_id LEFT JOIN leads_a ON leads_a.person = p.person_id
LEFT JOIN pay_a ON pay_a.person = p.person_id LEFT JOIN inv_a ON inv_a.person = p.person_id
LEFT JOIN sur_a ON sur_a.person = p.person_id LEFT JOIN ren_a ON ren_a.person = p.person_id
LEFT JOIN vis_a ON vis_a.person = p.person_id LEFT JOIN mil_a ON mil_a.person = p.person_id
LEFT JOIN con_a ON con_a.person = p.person_id LEFT JOIN team_vis ON team_vis.person = p.person_id
LEFT JOIN team_pay ON team_pay.person = p.person_id LEFT JOIN team_inv ON team_inv.person = p.person_id
LEFT JOIN team_sur ON team_sur.person = p.person_id LEFT JOIN team_con ON team_con.person = p.person_id
"""


def run_sql(db: Path) -> float:
    con = duckdb.connect(str(db), read_only=True)
    con.execute("SET enable_progress_bar = false")
    start = time.perf_counter()
    con.execute(BASELINE_SQL).fetchall()
    return time.perf_counter() - start


def run_pandas(db: Path) -> float | None:
    try:
        import pandas as pd
    except ImportError:
        return None
    con = duckdb.connect(str(db), read_only=True)
    frames = {name: con.execute(f"SELECT * FROM {name}").df() for name in list(SHARES) + ["people"]}
    start = time.perf_counter()
    s, e, q = pd.Timestamp("2026-11-01"), pd.Timestamp("2026-12-01"), pd.Timestamp("2026-10-01")

    def month(df, col):
        return df[(df[col] >= s) & (df[col] < e)]

    out = {}
    out["calls"] = month(frames["calls"], "called_at").groupby("agent_id").size()
    leads = frames["leads"]
    out["leads"] = month(leads, "created_at").groupby("owner_id").size()
    conv = leads[leads.status == "converted"]
    out["converted"] = month(conv, "converted_at").groupby("owner_id").size()
    out["paid"] = month(frames["payments"], "paid_on").groupby("owner_id")["amount"].sum()
    out["invoiced"] = month(frames["invoices"], "invoiced_on").groupby("owner_id")["amount"].sum()
    sur = month(frames["surveys"], "answered_on")
    out["surveys"] = sur.groupby("owner_id").size()
    out["good"] = sur[sur.score >= 4].groupby("owner_id").size()
    ren = month(frames["renewals"], "due_on")
    out["due"] = ren.groupby("owner_id").size()
    out["renewed"] = ren[ren.renewed].groupby("owner_id").size()
    vis = month(frames["visits"], "visited_on")
    out["checkins"] = vis[~vis.new_customer].groupby("owner_id").size()
    mil = month(frames["milestones"], "due_on")
    out["ms_due"] = mil.groupby("owner_id").size()
    out["on_time"] = mil[mil.completed_on <= mil.due_on].groupby("owner_id").size()
    con_df = frames["contracts"].copy()
    con_df["first"] = con_df.signed_on == con_df.groupby("customer_id").signed_on.transform("min")
    quarter = con_df[(con_df.signed_on >= q) & (con_df.signed_on < e)]
    out["amount"] = quarter.groupby("owner_id")["amount"].sum()
    out["new_customers"] = quarter[quarter["first"] & (quarter.amount >= 500000)].groupby("owner_id").customer_id.nunique()
    people = frames["people"]
    edges = people.dropna(subset=["manager_id"])[["manager_id", "person_id"]].rename(columns={"manager_id": "owner", "person_id": "member"})
    team = edges
    frontier = edges
    while True:
        step = frontier.merge(edges, left_on="member", right_on="owner", suffixes=("", "_n"))[["owner", "member_n"]].rename(columns={"member_n": "member"})
        step = step.merge(team, how="left", indicator=True).query("_merge == 'left_only'").drop(columns="_merge")
        if step.empty:
            break
        team = pd.concat([team, step], ignore_index=True)
        frontier = step
    for name, df, col in (("t_vis", vis[vis.new_customer], None), ("t_pay", month(frames["payments"], "paid_on"), "amount"),
                          ("t_inv", month(frames["invoices"], "invoiced_on"), "amount"), ("t_sur", sur, None),
                          ("t_con", month(frames["contracts"], "signed_on"), "amount")):
        joined = df.merge(team, left_on="owner_id", right_on="member")
        out[name] = joined.groupby("owner")[col].sum() if col else joined.groupby("owner").size()
    result = pd.DataFrame(out)
    _ = len(result)
    return time.perf_counter() - start


def peak_rss() -> int:
    """This process's peak resident memory in bytes.

    Linux's VmHWM belongs to the process image: getrusage's ru_maxrss survives fork and
    exec, so a child started from a large parent would report the parent's size.
    """
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def measure_memory(db: Path) -> int:
    code = (
        "import sys; sys.path.insert(0, %r)\n"
        "from benchmarks.evaluate import run_kpirules, peak_rss\n"
        "from pathlib import Path\n"
        "run_kpirules(Path(%r))\n"
        "print(peak_rss())\n"
    ) % (str(ROOT), str(db))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        t = time.perf_counter()
        generate(db, args.people, args.rows)
        print(f"generated {args.rows:,} fact rows for {args.people:,} people in {time.perf_counter() - t:.1f} s")
        load = os.getloadavg()[0]
        # interleaved, so that a change in the machine's load touches all three alike
        kps, kp_reads, sqls, pdts = [], [], [], []
        for _ in range(args.repeat):
            kps.append(run_kpirules(db)[0])
            sqls.append(run_sql(db))
            kp_reads.append(run_kpirules_read(db))
            pdt = run_pandas(db)
            if pdt is not None:
                pdts.append(pdt)
        kp, kp_read, sql = min(kps), min(kp_reads), min(sqls)
        pdt = min(pdts) if pdts else None
        paired = sorted(k / s for k, s in zip(kps, sqls))[len(kps) // 2]
        mem = measure_memory(db)
    figures = {
        "kpirules_s": round(kp, 3), "kpirules_read_s": round(kp_read, 3), "sql_s": round(sql, 3), "pandas_s": None if pdt is None else round(pdt, 3),
        "kpirules_over_sql": round(kp / sql, 2), "kpirules_over_sql_paired_median": round(paired, 2),
        "kpirules_over_pandas": None if pdt is None else round(kp / pdt, 2),
        "peak_memory_mib": round(mem / 2**20), "load_average": round(load, 2),
    }
    if args.json:
        print(json.dumps(figures))
        return
    print(f"kpirules (library, end to end): {kp:.3f} s")
    print(f"  ... and every result read:    {kp_read:.3f} s  (ratio {kp_read / sql:.2f} x SQL)")
    print(f"hand-written DuckDB SQL:        {sql:.3f} s")
    print(f"pandas:                         {'not installed' if pdt is None else f'{pdt:.3f} s'}")
    print(f"kpirules / SQL:    {kp / sql:.2f}  (target <= 1.5)  {'met' if kp / sql <= 1.5 else 'MISSED'}"
          f"   (median of the {len(kps)} back-to-back pairs: {paired:.2f})")
    if pdt is not None:
        print(f"kpirules / pandas: {kp / pdt:.2f}  (target < 1)    {'met' if kp < pdt else 'MISSED'}")
    print(f"kpirules peak memory: {mem / 2**20:.0f} MiB (target < 1536)  {'met' if mem < 1.5 * 2**30 else 'MISSED'}")
    print(f"load average before the runs: {load:.2f} on {os.cpu_count()} cores (above about 0.5, other work shares the cores)")


if __name__ == "__main__":
    main()
