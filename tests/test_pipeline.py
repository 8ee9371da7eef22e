"""The papermill pipeline (workbench/report/pipeline.py) on tiny fixture notebooks."""
from __future__ import annotations

import json
import os
import shutil

import nbformat
import pytest

from workbench.config import DEMO_KEY
from workbench.report import NOTEBOOKS, PipelineError, run_pipeline
from workbench.report.pipeline import pipeline_parameters

PARAMETERS = '''period: str = "2027-03"  # periodo
audience: str = "gsi"  # destinatari
lang: str = "it"  # lingua
data_dir: str = "demo"  # cartella di lavoro
store_path: str = ""  # archivio cifrato
reports_root: str = ""  # cartella dei rapporti
'''

WRITE_MARKER = '''import json, os, pathlib
# beside the executed notebooks: reports/<period>/ (gsi) or reports/<period>/<audience>/
folder = pathlib.Path(reports_root) / period / ("" if audience == "gsi" else audience)
out = folder / (__NAME__ + ".json")
out.write_text(json.dumps({"period": period, "audience": audience, "lang": lang,
                           "data_dir": data_dir, "store_path": store_path,
                           "key_given": os.environ.get("WORKBENCH_KEY") == __KEY__}))
'''


def fixture_notebook(path, *cells: str, name: str | None = None) -> None:
    """A notebook with a markdown title, a ``parameters`` cell and the given code cells."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    params = nbformat.v4.new_code_cell(PARAMETERS)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {path.stem}"), params]
    nb.cells += [nbformat.v4.new_code_cell(c.replace("__NAME__", repr(name or path.stem))
                                           .replace("__KEY__", repr(DEMO_KEY))) for c in cells]
    nbformat.write(nb, str(path))


@pytest.fixture
def fixture_dir(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    fixture_notebook(folder / "01_uno.ipynb", WRITE_MARKER)
    fixture_notebook(folder / "02_due.ipynb", "x = 1 + 1", WRITE_MARKER)
    fixture_notebook(folder / "03_guasto.ipynb", "a = 1",
                     "# commento\nraise ValueError('guasto di prova')", WRITE_MARKER)
    return folder


@pytest.fixture
def settings(empty_settings, tmp_path):
    return empty_settings.with_(period="2027-09", audience="funders", lang="en",
                                reports_root=tmp_path / "reports")


def test_pipeline_order_is_01_to_05():
    assert NOTEBOOKS == ("01_ingest.ipynb", "02_flow_mapping.ipynb",
                         "03_synergy_screening.ipynb", "04_lca.ipynb", "05_report.ipynb")


def test_parameters_are_strings(settings):
    params = pipeline_parameters(settings)
    assert set(params) == {"period", "audience", "lang", "data_dir", "store_path", "reports_root"}
    assert all(isinstance(v, str) for v in params.values())


def test_pipeline_runs_in_order_and_injects_parameters(settings, fixture_dir, monkeypatch):
    monkeypatch.delenv("WORKBENCH_KEY", raising=False)
    result = run_pipeline(settings, ["01_uno.ipynb", "02_due.ipynb"], progress=False,
                          notebooks_dir=fixture_dir)
    out_dir = settings.reports_root / "2027-09" / "funders"
    assert result.report is None and result.exports == {}
    assert result.notebooks == [out_dir / "01_uno.ipynb", out_dir / "02_due.ipynb"]
    for name in ("01_uno", "02_due"):
        marker = json.loads((out_dir / f"{name}.json").read_text())
        assert marker == {"period": "2027-09", "audience": "funders", "lang": "en",
                          "data_dir": str(settings.data_dir),
                          "store_path": str(settings.store_path), "key_given": True}
    executed = nbformat.read(str(result.notebooks[1]), as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and 'audience = "funders"' in injected[0].source
    assert os.environ.get("WORKBENCH_KEY") is None  # the caller's environment is restored


def test_failing_cell_stops_the_run_names_notebook_and_cell(settings, fixture_dir):
    with pytest.raises(PipelineError) as info:
        run_pipeline(settings, ["01_uno.ipynb", "03_guasto.ipynb", "02_due.ipynb"],
                     progress=False, notebooks_dir=fixture_dir)
    error = info.value
    message = str(error)
    assert "\n" not in message
    assert message.startswith("03_guasto.ipynb, cella 4")  # title, parameters, a = 1, raise
    assert "raise ValueError('guasto di prova')" in message  # first code line, not the comment
    assert "ValueError: guasto di prova" in message
    assert error.notebook == "03_guasto.ipynb" and error.cell_index == 3
    assert error.execution_count is not None
    out_dir = settings.reports_root / "2027-09" / "funders"
    # partial outputs kept: the notebook before, and the failing one with its error
    assert (out_dir / "01_uno.ipynb").exists() and (out_dir / "01_uno.json").exists()
    assert error.output_path == out_dir / "03_guasto.ipynb"
    failed = nbformat.read(str(error.output_path), as_version=4)
    assert any(o.get("output_type") == "error" for c in failed.cells if c.cell_type == "code"
               for o in c.get("outputs", []))
    # nothing after the failure ran
    assert not (out_dir / "02_due.ipynb").exists()
    assert not (out_dir / "03_guasto.json").exists()


def test_missing_notebook_is_a_pipeline_error(settings, fixture_dir):
    with pytest.raises(PipelineError, match="99_manca.ipynb: notebook inesistente"):
        run_pipeline(settings, ["99_manca.ipynb"], progress=False, notebooks_dir=fixture_dir)


def test_reports_root_only_for_notebooks_that_declare_it(settings, tmp_path):
    folder = tmp_path / "nb"
    folder.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    params = nbformat.v4.new_code_cell('period = "2027-03"\naudience = "gsi"')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("assert 'reports_root' not in dir()")]
    nbformat.write(nb, str(folder / "x.ipynb"))
    run_pipeline(settings, ["x.ipynb"], progress=False, notebooks_dir=folder)


@pytest.mark.slow
def test_full_pipeline_on_the_demo(demo_settings, tmp_path, monkeypatch):
    """The five real notebooks on the demo store end with report.html (funders)."""
    # a copy of the demo: the pipeline writes candidates and LCA results into its store,
    # and other tests share the session's demo
    data_dir = tmp_path / "demo"
    shutil.copytree(demo_settings.data_dir, data_dir)
    monkeypatch.chdir(tmp_path)  # notebooks not declaring reports_root write to ./reports
    settings = demo_settings.with_(data_dir=data_dir, store_path=data_dir / "store.duckdb",
                                   audience="funders", reports_root=tmp_path / "reports")
    result = run_pipeline(settings, progress=False)
    assert [p.name for p in result.notebooks] == list(NOTEBOOKS)
    assert {"xlsx", "card_html", "release"} <= set(result.exports)
    assert result.report == settings.reports_dir / "report.html"
    assert all(p.exists() for p in result.files())
    assert settings.release_dir / "manifest.json" in result.files()
    report = settings.reports_dir / "report.html"
    assert report.exists() and report.stat().st_size > 1_000_000
    # Nothing a funder receives names a company that did not consent, or carries a VAT
    # number or a site address: every executed notebook and every export is scanned.
    from workbench.store import connect

    with connect(settings) as con:
        companies = con.execute("SELECT name, vat_number, consent FROM companies").df()
        addresses = [a for (a,) in con.execute("SELECT address FROM sites WHERE address IS NOT NULL").fetchall()]
    secret = (list(companies.loc[companies["consent"] != "nominativo", "name"])
              + list(companies["vat_number"]) + addresses)
    files = [p for p in settings.reports_dir.rglob("*") if p.is_file()]
    assert len(files) >= 6
    for path in files:
        text = path.read_text(encoding="utf-8", errors="ignore")
        leaks = [s for s in secret if s and s in text]
        assert not leaks, f"{path.name} contains {leaks[:3]}"
