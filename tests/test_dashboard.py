"""Funders' dashboards with Voila (workbench/report/dashboard.py)."""
from __future__ import annotations

import urllib.request

import nbformat
import pytest

from workbench.config import NOTEBOOKS_DIR
from workbench.report.dashboard import (DASHBOARD_NOTEBOOKS, dashboard_command,
                                        prepare_dashboard, start_dashboard)

SECRET_ERROR = "errore-segreto-da-non-mostrare"
CODE_MARKERS = ("build_report", "load_settings", "from workbench", "import workbench")


def _failing_notebook(path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    params = nbformat.v4.new_code_cell('period: str = "2027-03"  # periodo\n'
                                       'audience: str = "gsi"  # destinatari')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# Cruscotto di prova"), params,
                nbformat.v4.new_code_cell("print('prima uscita visibile')"),
                nbformat.v4.new_code_cell(f"raise RuntimeError('{SECRET_ERROR}')")]
    nbformat.write(nb, str(path))


@pytest.fixture
def dash_settings(tiny_settings, tmp_path):
    """The tiny store, with the dashboard folder under ``tmp_path``."""
    return tiny_settings.with_(data_dir=tmp_path, reports_root=tmp_path / "reports")


def test_dashboard_serves_notebooks_02_and_05():
    assert DASHBOARD_NOTEBOOKS == ("02_flow_mapping.ipynb", "05_report.ipynb")


def test_prepare_dashboard_parameterises_copies_for_funders(dash_settings, tmp_path):
    folder = prepare_dashboard(dash_settings)
    assert folder == tmp_path / "dashboard" / "notebooks"
    assert sorted(p.name for p in folder.glob("*.ipynb")) == list(DASHBOARD_NOTEBOOKS)
    for name in DASHBOARD_NOTEBOOKS:
        nb = nbformat.read(str(folder / name), as_version=4)
        injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
        assert len(injected) == 1
        assert 'audience = "funders"' in injected[0].source
        assert f'period = "{dash_settings.period}"' in injected[0].source
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    # the sources are untouched
    source = nbformat.read(str(NOTEBOOKS_DIR / "05_report.ipynb"), as_version=4)
    assert not any("injected-parameters" in c.metadata.get("tags", []) for c in source.cells)


def test_prepare_dashboard_rejects_unknown_audience(dash_settings):
    from workbench.config import ConfigError

    with pytest.raises(ConfigError):
        prepare_dashboard(dash_settings, audience="tutti")


def test_voila_command_strips_sources_and_tracebacks(tmp_path):
    command = dashboard_command(tmp_path, 8870)
    assert command[1:4] == ["-m", "voila", str(tmp_path)]
    assert "--strip_sources=True" in command and "--show_tracebacks=False" in command
    assert "--port=8870" in command and "--no-browser" in command
    assert "--Voila.ip=127.0.0.1" in command
    assert "--no-browser" not in dashboard_command(tmp_path, 8870, open_browser=True)


@pytest.fixture(scope="module")
def server(tiny_settings, tmp_path_factory):
    """Voila serving notebook 05 and a failing notebook on the tiny store (one per module)."""
    root = tmp_path_factory.mktemp("dashboard")
    settings = tiny_settings.with_(data_dir=root, reports_root=root / "reports")
    failing = root / "src" / "99_guasto.ipynb"
    failing.parent.mkdir()
    _failing_notebook(failing)
    srv = start_dashboard(settings, notebooks=[NOTEBOOKS_DIR / "05_report.ipynb", failing],
                          timeout=90)
    yield srv
    srv.stop()
    assert srv.process.poll() is not None


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=180) as response:
        return response.read().decode("utf-8", errors="replace")


def test_dashboard_server_renders_without_code_or_tracebacks(server):
    """Voila's server-side page: outputs in, code and tracebacks out (no browser needed)."""
    page = _get(server.notebook_url("05_report.ipynb"))
    assert "Sintesi" in page and "Aziende mappate per classe dimensionale" in page
    for code in CODE_MARKERS:
        assert code not in page, code
    assert "Alfa Fonderie Fittizie" not in page  # funders: no reserved company's name
    broken = _get(server.notebook_url("99_guasto.ipynb"))
    assert "prima uscita visibile" in broken
    assert SECRET_ERROR not in broken and "Traceback" not in broken


@pytest.mark.browser
def test_dashboard_in_headless_chromium(server, dump_dom):
    dom = dump_dom(server.notebook_url("05_report.ipynb"))
    assert "Sintesi" in dom and "Confronto con il periodo precedente e con Kalundborg" in dom
    assert "js-plotly-plot" in dom  # interactive charts drawn in the browser
    for code in CODE_MARKERS:
        assert code not in dom, code
    assert "Traceback" not in dom
    assert "Alfa Fonderie Fittizie" not in dom
    broken = dump_dom(server.notebook_url("99_guasto.ipynb"))
    assert "prima uscita visibile" in broken
    assert SECRET_ERROR not in broken and "Traceback" not in broken
    assert "raise RuntimeError" not in broken
