"""Funders' dashboards with Voila (workbench/report/dashboard.py)."""
from __future__ import annotations

import shutil
import subprocess
import sys
import urllib.request

import nbformat
import pytest

from workbench.config import NOTEBOOKS_DIR
from workbench.report import build_report, export_outputs
from workbench.report.dashboard import (DASHBOARD_NOTEBOOK, DashboardError, dashboard_command,
                                        kernel_environment, prepare_dashboard, start_dashboard)
from workbench.report.release import show_release

SECRET_ERROR = "errore-segreto-da-non-mostrare"
CODE_MARKERS = ("show_release", "release_root", "from workbench", "import workbench")


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


PROBE = "sonda-chiave"


def _probe_notebook(path):
    """A notebook that says whether its kernel received the store's key."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(
        "import os\n"
        "found = [v for v in ('WORKBENCH_KEY', 'WORKBENCH_KEY_FILE') if os.environ.get(v)]\n"
        f"print('{PROBE}:', 'CHIAVE PRESENTE ' + ' '.join(found) if found else 'chiave assente')")]
    nbformat.write(nb, str(path))


@pytest.fixture(scope="module")
def released(tiny_settings, tmp_path_factory):
    """A funders' release of the tiny store, whose store is then deleted: whatever the
    dashboard shows can only come from the release."""
    root = tmp_path_factory.mktemp("dashboard")
    data_dir = root / "data"
    shutil.copytree(tiny_settings.data_dir, data_dir,
                    ignore=shutil.ignore_patterns("reports", "release", "dashboard"))
    settings = tiny_settings.with_(data_dir=data_dir, store_path=data_dir / "store.duckdb",
                                   audience="funders", reports_root=root / "reports")
    build_report(settings, show=False)
    export_outputs(settings, progress=False, browser=None)
    for path in data_dir.glob("store.duckdb*"):
        path.unlink()
    return settings


@pytest.fixture
def dash_settings(released, tmp_path):
    """The release above, with the dashboard folder under ``tmp_path``."""
    return released.with_(data_dir=tmp_path)


def test_prepare_dashboard_writes_one_page_per_release(dash_settings, tmp_path):
    folder = prepare_dashboard(dash_settings)
    assert folder == tmp_path / "dashboard" / "notebooks"
    period = dash_settings.period
    assert sorted(p.name for p in folder.iterdir()) == [f"cruscotto_{period}.ipynb"]
    nb = nbformat.read(str(folder / f"cruscotto_{period}.ipynb"), as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1
    assert 'audience = "funders"' in injected[0].source
    assert f'period = "{period}"' in injected[0].source
    assert str(dash_settings.release_root.resolve()) in injected[0].source
    everything = "\n".join(c.source for c in nb.cells)
    assert "store" not in everything and dash_settings.key not in everything
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    # the source is untouched
    source = nbformat.read(str(NOTEBOOKS_DIR / DASHBOARD_NOTEBOOK), as_version=4)
    assert not any("injected-parameters" in c.metadata.get("tags", []) for c in source.cells)


def test_prepare_dashboard_refuses_what_it_cannot_serve(dash_settings, tmp_path):
    from workbench.config import ConfigError

    with pytest.raises(ConfigError):
        prepare_dashboard(dash_settings, audience="tutti")
    with pytest.raises(DashboardError, match="solo rilasci per 'funders' o 'pubblico'"):
        prepare_dashboard(dash_settings, audience="gsi")
    with pytest.raises(DashboardError, match="nessun rilascio per 'pubblico'.*--audience pubblico"):
        prepare_dashboard(dash_settings, audience="pubblico")
    with pytest.raises(DashboardError, match=r"2031-03 .*disponibili: " + dash_settings.period):
        prepare_dashboard(dash_settings, ["2031-03"])


def test_dashboard_environment_never_holds_the_key():
    env = kernel_environment({"WORKBENCH_KEY": "x", "WORKBENCH_KEY_FILE": "/k", "PATH": "/bin"})
    assert env == {"PATH": "/bin"}


def test_an_altered_release_is_not_shown(released, tmp_path, monkeypatch):
    """The dashboard shows the manifest check's message, and none of the release."""
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs: shown.extend(objs))
    root = tmp_path / "release"
    copy = root / released.period / "funders"
    shutil.copytree(released.release_dir, copy)
    table = sorted((copy / "tabelle").glob("*.csv"))[0]
    table.write_text(table.read_text(encoding="utf-8") + "x,y\n", encoding="utf-8")
    assert show_release(root, None, "funders", errors="show") is None
    pages = [o.data for o in shown]
    assert len(pages) == 1 and "alterato" in pages[0] and table.name in pages[0]


def test_voila_command_strips_sources_and_tracebacks(tmp_path):
    command = dashboard_command(tmp_path, 8870)
    assert command[1:4] == ["-m", "voila", str(tmp_path)]
    assert "--strip_sources=True" in command and "--show_tracebacks=False" in command
    assert "--port=8870" in command and "--no-browser" in command
    assert "--Voila.ip=127.0.0.1" in command
    assert "--no-browser" not in dashboard_command(tmp_path, 8870, open_browser=True)


@pytest.fixture(scope="module")
def server(released, tmp_path_factory):
    """Voila serving the funders' release (its store deleted), a failing notebook and the
    key probe, started with the key in the test's own environment."""
    root = tmp_path_factory.mktemp("served")
    settings = released.with_(data_dir=root)
    failing, probe = root / "src" / "99_guasto.ipynb", root / "src" / "98_sonda.ipynb"
    failing.parent.mkdir()
    _failing_notebook(failing)
    _probe_notebook(probe)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("WORKBENCH_KEY", released.resolve_key())
        srv = start_dashboard(settings, notebooks=[failing, probe], timeout=90)
    yield srv
    srv.stop()
    assert srv.process.poll() is not None


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=180) as response:
        return response.read().decode("utf-8", errors="replace")


def test_dashboard_server_renders_the_release_without_code_or_tracebacks(server, released):
    """Voila's server-side page: outputs in, code and tracebacks out (no browser needed)."""
    page = _get(server.notebook_url(f"cruscotto_{released.period}.ipynb"))
    assert "Sintesi" in page and "Aziende mappate per classe dimensionale" in page
    assert "Rilascio verificato" in page
    for code in CODE_MARKERS:
        assert code not in page, code
    assert "Alfa Fonderie Fittizie" not in page  # funders: no reserved company's name
    broken = _get(server.notebook_url("99_guasto.ipynb"))
    assert "prima uscita visibile" in broken
    assert SECRET_ERROR not in broken and "Traceback" not in broken


def test_dashboard_kernels_do_not_receive_the_key(server):
    page = _get(server.notebook_url("98_sonda.ipynb"))
    assert f"{PROBE}: chiave assente" in page and "CHIAVE PRESENTE" not in page


@pytest.mark.browser
def test_dashboard_in_headless_chromium(server, released, dump_dom):
    dom = dump_dom(server.notebook_url(f"cruscotto_{released.period}.ipynb"))
    assert "Sintesi" in dom and "Confronto con il periodo precedente e con Kalundborg" in dom
    assert "Rilascio verificato" in dom
    assert "js-plotly-plot" in dom  # interactive charts drawn in the browser
    for code in CODE_MARKERS:
        assert code not in dom, code
    assert "Traceback" not in dom
    assert "Alfa Fonderie Fittizie" not in dom
    broken = dump_dom(server.notebook_url("99_guasto.ipynb"))
    assert "prima uscita visibile" in broken
    assert SECRET_ERROR not in broken and "Traceback" not in broken
    assert "raise RuntimeError" not in broken
    listing = dump_dom(server.url)  # Voila's list of pages, drawn by its scripts
    assert f"cruscotto_{released.period}" in listing


def test_showing_a_release_does_not_import_nbformat(released):
    """nbformat's JSON-schema checkers cost seconds to import (rfc3987_syntax builds its
    grammars); the dashboard's kernel never needs them."""
    code = (
        "import sys, IPython.display\n"
        "IPython.display.display = lambda *a, **k: None\n"
        "from workbench.report.release import show_release\n"
        f"show_release({str(released.release_root)!r}, None, 'funders')\n"
        "slow = [m for m in ('nbformat', 'jsonschema', 'rfc3987_syntax') if m in sys.modules]\n"
        "print('moduli lenti:', slow)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300, env=kernel_environment())
    assert out.returncode == 0, out.stderr[-2000:]
    assert "moduli lenti: []" in out.stdout
