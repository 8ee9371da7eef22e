"""Notebook 04 runs headless under papermill on the demo (screened), for the GSI and the
funders; the funders' notebook names no company and shows no single-synergy figure."""
from __future__ import annotations

import nbformat
import pytest

from workbench.config import NOTEBOOKS_DIR
from workbench.demo import livorno_roster

NOTEBOOK = NOTEBOOKS_DIR / "04_lca.ipynb"


@pytest.fixture(scope="module")
def screened_demo(demo_settings):
    from workbench.screening.run import screen_store

    screen_store(demo_settings)
    return demo_settings


@pytest.mark.slow
@pytest.mark.parametrize("audience", ["gsi", "funders"])
def test_notebook_04_runs_under_papermill(screened_demo, tmp_path, monkeypatch, audience):
    import papermill

    monkeypatch.setenv("WORKBENCH_KEY", screened_demo.resolve_key())
    output = tmp_path / f"04_{audience}.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOK), str(output), kernel_name="python3", progress_bar=False,
        cwd=str(NOTEBOOKS_DIR),
        parameters={"audience": audience, "data_dir": str(screened_demo.data_dir),
                    "store_path": str(screened_demo.store_path), "period": screened_demo.period,
                    "iterations": 1000})
    text = output.read_text(encoding="utf-8")
    nb = nbformat.reads(text, as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, errors[0] if errors else None
    kinds = {k for c in nb.cells for o in c.get("outputs", []) for k in o.get("data", {})}
    names = [n for n in livorno_roster()["name"] if n in text]
    if audience == "gsi":
        assert "application/vnd.plotly.v1+json" in kinds  # waterfall, contributions, interval
        assert "evitati" in text and "Processo determinante" in text
    else:
        assert "application/vnd.plotly.v1+json" not in kinds
        assert "riservato al GSI" in text
        assert names == [], names[:5]
