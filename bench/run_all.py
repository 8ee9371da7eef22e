"""Run every benchmark of ``make bench`` in turn and print their reports.

Each ``bench/bench_*.py`` is a standalone script that measures one figure of DESIGN §9
against a baseline in the same run and prints both. They run one at a time (2-core
machines): timings of parallel benchmarks would disturb each other.
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    only = set(argv)
    scripts = sorted(p for p in HERE.glob("bench_*.py") if not only or p.stem in only)
    failed = []
    for script in scripts:
        print(f"\n=== {script.stem} ===", flush=True)
        start = time.perf_counter()
        rc = subprocess.call([sys.executable, str(script)], cwd=HERE.parent)
        print(f"--- {script.stem}: exit {rc}, {time.perf_counter() - start:.1f} s wall", flush=True)
        if rc:
            failed.append(script.stem)
    if failed:
        print(f"\nbenchmark falliti: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
