"""Benchmark: how fast .kpi text becomes a checked `Scheme`, and how long a cold `kpirules check` takes.

The corpus is the reference rulesets repeated until it passes --size (1 MiB by default):
`common.kpi` once, then copies of every role file with each role renamed per copy
(`telesales_c7`, and `extends telesales_c7` to match), so that the whole corpus is still
one valid scheme. Copies are packed into files of about 100 KB, well under the 2 MiB
limit on a .kpi file. Three figures:

- parse:   `parse_text` on each file's text (syntax tree only), KB/s;
- resolve: `load_scheme` on the whole corpus folder (read, parse, follow imports,
           resolve names, type-check, build the pydantic models), KB/s;
- cold check: wall time of `kpirules check rulesets` in a fresh interpreter
           (subprocess, best of --repeat).

Targets on the 2-core development machine: resolve >= 300 KB/s, cold check < 0.5 s.

    python benchmarks/parse.py
    python benchmarks/parse.py --size 2 --repeat 7
    python benchmarks/parse.py --profile      # cProfile of one load_scheme, top 25 by own time
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kpirules.lang.parser import parse_text
from kpirules.model import load_scheme

REPO = Path(__file__).resolve().parent.parent
RULESETS = REPO / "rulesets"
FILE_BYTES = 100_000
TARGET_KB_S = 300
TARGET_COLD_S = 0.5


def renamed_copy(text: str, n: int) -> str:
    """A role file whose roles (and the roles they extend) carry the suffix _c<n>."""
    text = re.sub(r"^import .*\n", "", text, flags=re.MULTILINE)
    text = re.sub(r"^(role [A-Za-z_]\w*)", rf"\1_c{n}", text, flags=re.MULTILINE)
    return re.sub(r"^(\s+extends [A-Za-z_]\w*)", rf"\1_c{n}", text, flags=re.MULTILINE)


def build_corpus(folder: Path, size: int) -> list[Path]:
    """Write common.kpi and packed role copies into folder until `size` bytes; return the files."""
    roles = [p.read_text(encoding="utf-8") for p in sorted(RULESETS.glob("*.kpi")) if p.name != "common.kpi"]
    shutil.copy(RULESETS / "common.kpi", folder / "common.kpi")
    files = [folder / "common.kpi"]
    total = files[0].stat().st_size
    copy = 0
    while total < size:
        chunk = ['import "common.kpi"\n']
        chunk_bytes = 0
        while chunk_bytes < FILE_BYTES and total + chunk_bytes < size:
            copy += 1
            for text in roles:
                piece = renamed_copy(text, copy)
                chunk.append(piece)
                chunk_bytes += len(piece.encode("utf-8"))
        path = folder / f"roles_{len(files):03d}.kpi"
        path.write_text("\n".join(chunk), encoding="utf-8")
        files.append(path)
        total += path.stat().st_size
    return files


def best_of(repeat: int, run) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def cold_check_seconds(repeat: int) -> tuple[float, float]:
    """Best wall time and best CPU time (user + system) of `kpirules check rulesets`."""
    kpirules = Path(sys.executable).with_name("kpirules")
    command = [str(kpirules)] if kpirules.exists() else [sys.executable, "-c", "from kpirules.cli import main; main()"]
    command += ["check", "rulesets"]
    cpu_times = []

    def run():
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            raise SystemExit(f"kpirules check failed:\n{done.stderr}")
        cpu_times.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)

    run()  # once to let Lark write its grammar cache, as any earlier run would have
    cpu_times.clear()
    return best_of(repeat, run), min(cpu_times)


def verdict(ok: bool) -> str:
    return "target met" if ok else "TARGET MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=float, default=1.0, help="corpus size in MiB (default 1)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure; the best is kept (default 5)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one load_scheme and stop")
    parser.add_argument("--sort", default="tottime", help="cProfile sort key for --profile (default tottime)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="kpirules-parse-bench-") as tmp:
        folder = Path(tmp)
        files = build_corpus(folder, int(args.size * 1_048_576))
        texts = [p.read_text(encoding="utf-8") for p in files]
        size_kb = sum(p.stat().st_size for p in files) / 1000
        scheme = load_scheme([folder])  # also warms the parser (grammar cache, pydantic schemas)
        kpis = sum(len(r.kpis) for r in scheme.roles.values())
        print(f"corpus: {size_kb:,.0f} KB in {len(files)} files; {len(scheme.roles)} roles, {kpis} KPIs")

        if args.profile:
            profiler = cProfile.Profile()
            profiler.runcall(load_scheme, [folder])
            pstats.Stats(profiler).sort_stats(args.sort).print_stats(30)
            return

        parse_s = best_of(args.repeat, lambda: [parse_text(t, str(p)) for t, p in zip(texts, files)])
        resolve_s = best_of(args.repeat, lambda: load_scheme([folder]))

    cold_s, cold_cpu_s = cold_check_seconds(args.repeat)
    parse_rate = size_kb / parse_s
    resolve_rate = size_kb / resolve_s
    print(f"parse_text (syntax tree):          {parse_rate:8,.0f} KB/s  ({parse_s:.2f} s)")
    print(f"load_scheme (text to Scheme):      {resolve_rate:8,.0f} KB/s  ({resolve_s:.2f} s)"
          f"  target >= {TARGET_KB_S} KB/s: {verdict(resolve_rate >= TARGET_KB_S)}")
    print(f"cold `kpirules check rulesets`:    {cold_s:8.3f} s     "
          f"  target < {TARGET_COLD_S} s: {verdict(cold_s < TARGET_COLD_S)}"
          f"  (CPU {cold_cpu_s:.3f} s; load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
