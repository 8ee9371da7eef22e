"""Notebook 03 runs headless under papermill on a copy of the demo store, in Italian and
in English; its energy part follows the language of the run."""
from __future__ import annotations

import shutil

import nbformat
import pytest

from workbench.config import NOTEBOOKS_DIR

NOTEBOOK = NOTEBOOKS_DIR / "03_synergy_screening.ipynb"


@pytest.mark.slow
@pytest.mark.parametrize("audience, lang", [("gsi", "it"), ("gsi", "en"), ("funders", "en")])
def test_notebook_03_runs_under_papermill(demo_settings, tmp_path, monkeypatch, audience, lang):
    import papermill

    # the notebook screens the store (it writes the candidates): work on a copy
    store = tmp_path / "store.duckdb"
    shutil.copy(demo_settings.store_path, store)
    monkeypatch.setenv("WORKBENCH_KEY", demo_settings.resolve_key())
    output = tmp_path / f"03_{audience}_{lang}.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOK), str(output), kernel_name="python3", progress_bar=False,
        cwd=str(NOTEBOOKS_DIR),
        parameters={"audience": audience, "lang": lang, "data_dir": str(demo_settings.data_dir),
                    "store_path": str(store), "period": demo_settings.period,
                    "reports_root": str(tmp_path / "reports")})
    text = output.read_text(encoding="utf-8")
    nb = nbformat.reads(text, as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, errors[0] if errors else None
    if lang == "en":
        for english in ("Notes on the data", "Primary substations and CER candidates",
                        "Monthly balance of heat recovery", "Shared energy MWh/yr"):
            assert english in text, english
        for italian in ("Note sui dati", "Cabine primarie e candidati alla CER",
                        "Bilancio mensile del recupero di calore", "Energia condivisa MWh/anno"):
            assert italian not in text, italian
    else:
        for italian in ("Note sui dati", "Cabine primarie e candidati alla CER",
                        "Bilancio mensile del recupero di calore", "Energia condivisa MWh/anno"):
            assert italian in text, italian
