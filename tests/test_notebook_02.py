"""Notebook 02 runs headless under papermill on the demo, for the GSI and the funders,
and the funders' executed notebook (outputs and saved widget state) names no company."""
from __future__ import annotations

import html
import json
import re

import nbformat
import pytest

from workbench.config import NOTEBOOKS_DIR
from workbench.demo import livorno_roster

NOTEBOOK = NOTEBOOKS_DIR / "02_flow_mapping.ipynb"
LEGAL_FORM = re.compile(r"\s+(Soc\. Agr\. S\.s\.|S\.p\.A\.|S\.r\.l\.|S\.n\.c\.|S\.a\.s\.|S\.s\.)$")


def name_forms(name: str) -> set[str]:
    """A company name as it could appear in a notebook file: plain, without legal form,
    HTML-escaped, JSON-escaped."""
    out = set()
    for n in {name, LEGAL_FORM.sub("", name)}:
        for variant in (n, html.escape(n)):
            out |= {variant, json.dumps(variant)[1:-1]}
    return out


def names_in(text: str) -> list[str]:
    return sorted(n for n in livorno_roster()["name"] if any(f in text for f in name_forms(n)))


def test_source_notebook_follows_the_conventions():
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    assert not tagged[0].get("outputs")
    for line in tagged[0].source.splitlines():
        assert re.match(r'^\w+: (str|int) = ("[^"]*"|\d+)  # ', line), line
    for cell in nb.cells:
        if cell.cell_type == "code" and cell not in tagged:
            assert not cell.get("outputs") and cell.get("execution_count") is None
            assert len(cell.source.splitlines()) <= 3
            assert not re.search(r"^\s*(def|class) ", cell.source, re.MULTILINE)


@pytest.mark.slow
@pytest.mark.parametrize("audience", ["gsi", "funders"])
def test_notebook_runs_under_papermill(demo_settings, tmp_path, monkeypatch, audience):
    import papermill

    monkeypatch.setenv("WORKBENCH_KEY", demo_settings.resolve_key())
    output = tmp_path / f"02_{audience}.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOK), str(output), kernel_name="python3", progress_bar=False,
        cwd=str(NOTEBOOKS_DIR),
        parameters={"audience": audience, "data_dir": str(demo_settings.data_dir),
                    "store_path": str(demo_settings.store_path), "period": demo_settings.period})
    text = output.read_text(encoding="utf-8")
    nb = nbformat.reads(text, as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    kinds = {k for c in nb.cells for o in c.get("outputs", []) for k in o.get("data", {})}
    assert "application/vnd.jupyter.widget-view+json" in kinds  # panel and map rendered
    assert "application/vnd.plotly.v1+json" in kinds
    assert "<iframe" in text and "<svg" in text
    found = names_in(text)
    if audience == "funders":
        assert found == [], f"company names in the funders' notebook: {found[:5]}"
    else:
        assert len(found) > 10  # the check itself sees names when they are there
