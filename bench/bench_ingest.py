"""Benchmark: ingest of n synthetic questionnaires (default 1,000) into a fresh encrypted store.

1. generates a national-scale cluster (``region="italia"``) with
   :func:`workbench.demo.generate_cluster` and writes one ``.xlsx`` per company
   (timed apart: writing is the generator's cost, not the ingest's);
2. ingests the folder with :func:`workbench.ingest.ingest_folder` into a new encrypted
   store in a temporary folder, in a child process, so that its peak memory
   (``ru_maxrss`` of the process and of its worker processes) is the ingest's alone;
3. prints the times, rows per second and peak memory; a second ingest of the same folder
   (every file unchanged, skipped by hash) is the baseline of the same run.

Run: ``.venv/bin/python bench/bench_ingest.py [--n 1000] [--workers 0] [--keep DIR]``
(also part of ``make bench``).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _ingest_child(folder: str, store: str) -> None:
    """Ingest ``folder`` twice into ``store`` and print the measures as JSON."""
    from workbench.config import DEMO_KEY, load_settings
    from workbench.ingest import ingest_folder

    settings = load_settings(data_dir=Path(store).parent, store_path=store, key=DEMO_KEY)
    start = time.perf_counter()
    result = ingest_folder(settings, folder, progress=False)
    first = time.perf_counter() - start
    start = time.perf_counter()
    again = ingest_folder(settings, folder, progress=False)
    second = time.perf_counter() - start
    summary = result.summary()
    kib_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kib_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({
        "seconds": first, "seconds_unchanged": second,
        "files": len(summary), "statuses": summary["status"].value_counts().to_dict(),
        "rows_accepted": int(summary["rows_accepted"].sum()),
        "rows_quarantined": int(summary["rows_quarantined"].sum()),
        "unchanged_second_run": int((again.summary()["status"] == "invariato").sum()),
        "peak_rss_mib": kib_self / 1024, "peak_rss_workers_mib": kib_children / 1024,
    }))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="questionari da generare (1000)")
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument("--workers", type=int, default=0,
                        help="processi per scrivere i questionari (0 = uno per CPU)")
    parser.add_argument("--keep", help="cartella dove lasciare questionari e archivio")
    parser.add_argument("--ingest", nargs=2, metavar=("FOLDER", "STORE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.ingest:
        _ingest_child(*args.ingest)
        return 0

    from workbench.demo import generate_cluster, write_questionnaires

    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench_ingest_"))
    folder, store = root / "questionari", root / "store.duckdb"
    if store.exists():
        store.unlink()
    try:
        start = time.perf_counter()
        cluster = generate_cluster(args.n, "italia", args.seed)
        generate_s = time.perf_counter() - start
        n_flows = len(cluster.inputs) + len(cluster.outputs)
        start = time.perf_counter()
        paths = write_questionnaires(cluster, folder, workers=args.workers)
        write_s = time.perf_counter() - start
        size_mib = sum(p.stat().st_size for p in paths) / 2**20

        child = subprocess.run([sys.executable, __file__, "--ingest", str(folder), str(store)],
                               capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1])
        if child.returncode:
            print(child.stdout, child.stderr, file=sys.stderr)
            return child.returncode
        m = json.loads(child.stdout.strip().splitlines()[-1])
        rows = m["rows_accepted"] + m["rows_quarantined"]
        workers = args.workers or os.cpu_count() or 1
        print(f"questionari: {args.n} aziende, {len(cluster.sites)} siti, {n_flows} flussi "
              f"(regione italia, seme {args.seed})")
        print(f"generazione del cluster:     {generate_s:8.2f} s")
        print(f"scrittura dei file .xlsx:    {write_s:8.2f} s  ({workers} processi, "
              f"{write_s / args.n * 1000:.0f} ms/file, {size_mib:.1f} MiB)")
        print(f"ingest (archivio nuovo):     {m['seconds']:8.2f} s  ({rows / m['seconds']:,.0f} righe/s, "
              f"{m['files'] / m['seconds']:.1f} file/s; righe accettate {m['rows_accepted']}, "
              f"in quarantena {m['rows_quarantined']})")
        print(f"  baseline, file invariati:  {m['seconds_unchanged']:8.2f} s  "
              f"({m['unchanged_second_run']} file saltati per hash)")
        print(f"memoria di picco ingest:     {m['peak_rss_mib']:8.0f} MiB (processo), "
              f"{m['peak_rss_workers_mib']:.0f} MiB (processi di lettura)")
        print(f"esiti: {m['statuses']}")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
