"""Benchmark: first render of the funders' Voila dashboard (DESIGN §9).

A funders' release of the demo is written first (not timed) in a temporary folder, and
its store deleted. One Voila server (``workbench.report.dashboard.start_dashboard``)
serves the dashboard page of that release and, as the baseline, a notebook with one
``print`` — the cost of Voila itself (a kernel start per visit, the page template).
Each page is visited ``VISITS`` times; every visit is a first render (Voila starts a new
kernel for each visit). Two measures per visit:

- *server*: the HTTP GET of the rendered page, which returns once every cell ran;
- *browser*: headless Chromium loading the page until its scripts have drawn the
  charts (``--dump-dom``; the DOM is checked for plotly's ``js-plotly-plot``).

Run: ``.venv/bin/python bench/bench_dashboard.py`` (also part of ``make bench``).
Needs a Chromium-family browser for the second measure (skipped with a message
otherwise).
"""
from __future__ import annotations

import contextlib
import io
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import nbformat

from workbench.config import DEMO_KEY, load_settings
from workbench.demo import build_demo
from workbench.report import build_report, export_outputs, start_dashboard
from workbench.report.exports import BROWSER_FLAGS, find_browser

VISITS = 3



def trivial_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("print('pronto')")]
    nbformat.write(nb, str(path))
    return path


def server_render(url: str) -> float:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=300) as response:
        response.read()
    return time.perf_counter() - start


def browser_render(browser: str, url: str, profile: Path, marker: str) -> float:
    start = time.perf_counter()
    dom = subprocess.run([browser, *BROWSER_FLAGS, f"--user-data-dir={profile}",
                          "--virtual-time-budget=60000", "--dump-dom", url],
                         capture_output=True, text=True, timeout=300).stdout
    elapsed = time.perf_counter() - start
    if marker not in dom:
        raise RuntimeError(f"render incompleto di {url}: {marker!r} assente dal DOM")
    return elapsed


def main() -> None:
    browser = find_browser()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        settings = load_settings(root / "demo", key=DEMO_KEY, reports_root=root / "reports",
                                 audience="funders")
        build_demo(settings, progress=False)
        build_report(settings, show=False)
        with contextlib.redirect_stderr(io.StringIO()):  # "no browser": chosen, not missing
            export_outputs(settings, progress=False, browser=None)
        for path in settings.data_dir.glob("store.duckdb*"):
            path.unlink()
        baseline = trivial_notebook(root / "zz_base.ipynb")
        start = time.perf_counter()
        server = start_dashboard(settings.with_(data_dir=root / "served"), notebooks=[baseline],
                                 timeout=120)
        started = time.perf_counter() - start
        try:
            page = server.notebook_url(f"cruscotto_{settings.period}.ipynb")
            base = server.notebook_url(baseline.name)
            server_render(base)  # warm-up: imports in the OS cache
            rows = {"server": ([server_render(page) for _ in range(VISITS)],
                               [server_render(base) for _ in range(VISITS)])}
            if browser:
                rows["browser"] = (
                    [browser_render(browser, page, root / f"p{i}", "js-plotly-plot")
                     for i in range(VISITS)],
                    [browser_render(browser, base, root / f"b{i}", "pronto")
                     for i in range(VISITS)])
        finally:
            server.stop()
    print(f"avvio del server Voila: {started:6.1f} s")
    for what, (dash, floor) in rows.items():
        print(f"primo render ({what}), cruscotto del rilascio: mediana {statistics.median(dash):5.1f} s "
              f"(min {min(dash):.1f}, max {max(dash):.1f}, {VISITS} visite)")
        print(f"baseline ({what}), notebook con un solo print: mediana {statistics.median(floor):5.1f} s")
    if not browser:
        print("nessun browser Chromium: misura nel browser saltata", file=sys.stderr)


if __name__ == "__main__":
    main()
