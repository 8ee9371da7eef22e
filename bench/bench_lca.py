"""Benchmark: LCA of 1,000 candidates, batched against one ``bw2calc.LCA`` per candidate.

Same run, same synthetic candidates of every family (heat, heat pump, steam, water
reuse, gypsum, slag, scrap, plastics, paper; :func:`workbench.lca.synthetic_subjects`):

* **batch** — :func:`workbench.lca.avoided_impacts`: one factorisation of the
  technosphere, one transposed solve for the unit impacts, a matrix product for all
  subjects, plus the multi-column supply solve that names each subject's driving process;
* **naive** — one ``bw2calc.LCA`` object per candidate (baseline, then the symbiosis with
  ``lcia(demand=...)``), the way a script usually does it.

The two results are compared (relative 1e-6). Targets (issue 5): batch ≥ 50× faster per
candidate and under 1 s for 1,000. Then the Monte Carlo: 1,000 seeded iterations on the
foreground uncertainties for the same 1,000 candidates, with the 90 % intervals.

The Brightway project is built in a temporary directory (first bootstrap about 20 s,
outside every clock).

Run: ``.venv/bin/python bench/bench_lca.py [--naive N] [--iterations N]`` (also part of
``make bench``).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workbench import lca  # noqa: E402

N_SUBJECTS = 1000
TARGET_BATCH_S = 1.0
TARGET_SPEEDUP = 50.0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--naive", type=int, default=N_SUBJECTS,
                        help="candidates computed the naive way (default all 1,000)")
    parser.add_argument("--iterations", type=int, default=lca.DEFAULT_ITERATIONS,
                        help="Monte Carlo iterations (default 1,000)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-lca-") as folder:
        project = Path(folder) / "brightway"
        start = time.perf_counter()
        lca.bootstrap(project)
        lca.load_foreground(project)
        print(f"preparazione del progetto Brightway (fuori cronometro): "
              f"{time.perf_counter() - start:.1f} s; inventario {lca.inventory_version()}")
        report = lca.benchmark(project, n_subjects=N_SUBJECTS, n_naive=args.naive)
        per_batch = report["batch_seconds"] / report["n_subjects"]
        print(f"a lotti:  {report['n_subjects']} candidati in {report['batch_seconds']:.3f} s "
              f"({per_batch * 1000:.3f} ms per candidato)")
        print(f"ingenuo:  {report['n_naive']} candidati in {report['naive_seconds']:.1f} s "
              f"({report['naive_seconds_per_subject'] * 1000:.1f} ms per candidato, "
              "un bw2calc.LCA ciascuno)")
        print(f"accelerazione per candidato: {report['speedup']:.0f}× (obiettivo ≥ "
              f"{TARGET_SPEEDUP:.0f}×); risultati identici (rtol 1e-6)")
        ok_batch = report["batch_seconds"] < TARGET_BATCH_S
        ok_speed = report["speedup"] >= TARGET_SPEEDUP
        print(f"obiettivo < {TARGET_BATCH_S:.0f} s per 1.000: {'OK' if ok_batch else 'NON RAGGIUNTO'}; "
              f"obiettivo ≥ {TARGET_SPEEDUP:.0f}×: {'OK' if ok_speed else 'NON RAGGIUNTO'}")

        ev = lca.prepare_evaluation(lca.synthetic_subjects(N_SUBJECTS), project)
        start = time.perf_counter()
        mc = lca.monte_carlo(ev, iterations=args.iterations, seed=lca.DEFAULT_SEED)
        table = lca.intervals(ev, mc)
        seconds = time.perf_counter() - start
        flagged = int(table["sign_uncertain"].sum())
        print(f"Monte Carlo: {args.iterations} iterazioni × {len(ev.subjects)} candidati in "
              f"{seconds:.1f} s ({seconds / args.iterations * 1000:.1f} ms per iterazione); "
              f"intervalli al 90 % calcolati, {flagged} con segno incerto")
    return 0 if ok_batch and ok_speed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
