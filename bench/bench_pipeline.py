"""Benchmark: the whole report pipeline (five notebooks + exports) on the demo store.

Baseline in the same run: the same five notebooks' kernel starts and imports alone
(each notebook reduced to its first code cell, the imports), which is the floor that no
optimisation of our code can go below. Prints both. The demo store is built first
(not timed) in a temporary folder.

    python bench/bench_pipeline.py
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import nbformat

from workbench.config import DEMO_KEY, NOTEBOOKS_DIR, load_settings
from workbench.demo import build_demo
from workbench.report import run_pipeline
from workbench.report.pipeline import NOTEBOOKS


def imports_only(folder: Path) -> list[Path]:
    """Copies of the notebooks keeping the parameters cell and the first import cell."""
    paths = []
    for name in NOTEBOOKS:
        nb = nbformat.read(NOTEBOOKS_DIR / name, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        nb.cells = code[:2]
        path = folder / name
        nbformat.write(nb, path)
        paths.append(path)
    return paths


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        settings = load_settings(root / "demo", key=DEMO_KEY, reports_root=root / "reports")
        build_demo(settings, progress=False)
        run_pipeline(settings, progress=False)  # warm-up: Brightway project, caches

        start = time.perf_counter()
        run_pipeline(settings, progress=False)
        full = time.perf_counter() - start

        base_dir = root / "imports"
        base_dir.mkdir()
        start = time.perf_counter()
        run_pipeline(settings.with_(reports_root=root / "baseline"), notebooks=imports_only(base_dir),
                     progress=False)
        floor = time.perf_counter() - start
    print(f"pipeline completa (5 notebook + esportazioni), demo: {full:6.1f} s")
    print(f"baseline: solo avvio kernel e import dei 5 notebook: {floor:6.1f} s")
    print(f"lavoro proprio della pipeline: {full - floor:6.1f} s (obiettivo: pipeline < 60 s)")


if __name__ == "__main__":
    main()
