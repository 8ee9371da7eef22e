"""Funders' dashboards: notebooks 02 and 05 served by Voila, sources stripped.

:func:`prepare_dashboard` writes copies of the notebooks with their parameters already
set (papermill's parameterisation, without executing them) for the ``funders`` audience;
Voila executes them on each visit and shows only their outputs: no code
(``--strip_sources=True``) and no tracebacks (``--show_tracebacks=False``).

First version: the kernels read the encrypted store (they need the key in their
environment) and every table goes through disclosure control. The disclosure-control
issue moves dashboards onto ``release/<period>/`` so that they never hold the key.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import nbformat

from ..config import NOTEBOOKS_DIR, Settings
from ..privacy import check_audience
from .pipeline import _declared_parameters, pipeline_parameters

class DashboardError(Exception):
    """The dashboard cannot be prepared or started; the message is one line for the user."""


#: Notebooks shown to the funders.
DASHBOARD_NOTEBOOKS: tuple[str, ...] = ("02_flow_mapping.ipynb", "05_report.ipynb")
DEFAULT_PORT = 8866


def dashboard_dir(settings: Settings) -> Path:
    """``<data_dir>/dashboard``: ``notebooks/`` (served) and ``reports/`` (not served)."""
    return Path(settings.data_dir) / "dashboard"


def prepare_dashboard(settings: Settings, notebooks: Sequence[str | os.PathLike] | None = None,
                      notebooks_dir: str | os.PathLike | None = None,
                      audience: str = "funders") -> Path:
    """Write the dashboard notebooks, parameterised for ``audience``, and return the folder
    to serve.

    Parameters
    ----------
    settings : Settings — period, language and store of the dashboard.
    notebooks : names or paths, or None — default :data:`DASHBOARD_NOTEBOOKS`.
    notebooks_dir : path or None — where the source notebooks are (default ``notebooks/``).
    audience : str — ``funders`` by default; ``pubblico`` for public screens.

    Returns
    -------
    Path — ``<data_dir>/dashboard/notebooks`` with the parameterised copies, outputs
    cleared. A report written by notebook 05 while serving goes to
    ``<data_dir>/dashboard/reports`` (outside the served folder) when the notebook
    declares ``reports_root``.

    Raises
    ------
    DashboardError — a notebook does not exist.
    ConfigError — unknown audience.
    """
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    check_audience(audience)
    root = dashboard_dir(settings)
    served = root / "notebooks"
    served.mkdir(parents=True, exist_ok=True)
    for old in served.glob("*.ipynb"):
        old.unlink()
    view = settings.with_(audience=audience, reports_root=root / "reports")
    values = pipeline_parameters(view)
    folder = Path(notebooks_dir) if notebooks_dir else NOTEBOOKS_DIR
    for name in notebooks or DASHBOARD_NOTEBOOKS:
        source = Path(name) if Path(name).is_absolute() else folder / name
        if not source.exists():
            raise DashboardError(f"notebook del cruscotto inesistente: {source}")
        declared = _declared_parameters(source)
        injected = {k: v for k, v in values.items()
                    if k != "reports_root" or (declared and k in declared)}
        nb = load_notebook_node(str(source))
        nb = parameterize_notebook(nb, injected, kernel_name="python3", language="python")
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = []
                cell.execution_count = None
        nbformat.write(nb, str(served / source.name))
    return served


def dashboard_command(folder: str | os.PathLike, port: int = DEFAULT_PORT,
                      open_browser: bool = False) -> list[str]:
    """The Voila command line: sources stripped, no tracebacks, localhost only."""
    command = [sys.executable, "-m", "voila", str(folder),
               "--strip_sources=True", "--show_tracebacks=False",
               f"--port={int(port)}", "--Voila.ip=127.0.0.1"]
    if not open_browser:
        command.append("--no-browser")
    return command


def _environment(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    if settings.key:
        env["WORKBENCH_KEY"] = settings.key
    elif settings.key_file and not env.get("WORKBENCH_KEY"):
        env["WORKBENCH_KEY_FILE"] = str(settings.key_file)
    return env


def free_port() -> int:
    """A TCP port free on localhost right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class DashboardServer:
    """A Voila server started by :func:`start_dashboard`; ``stop()`` ends it."""

    process: subprocess.Popen
    port: int
    folder: Path
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def notebook_url(self, name: str) -> str:
        """URL of one rendered notebook, e.g. ``notebook_url("05_report.ipynb")``."""
        return f"{self.url}voila/render/{name}"

    def stop(self, timeout: float = 10.0) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)

    def __enter__(self) -> "DashboardServer":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_dashboard(settings: Settings, port: int | None = None, *,
                    notebooks: Sequence[str | os.PathLike] | None = None,
                    notebooks_dir: str | os.PathLike | None = None,
                    audience: str = "funders", timeout: float = 60.0) -> DashboardServer:
    """Prepare the dashboard and start Voila in the background; return once it answers.

    Parameters
    ----------
    port : int or None — a free port is chosen when None.
    timeout : float — how long to wait for the server to answer. [s]

    Raises
    ------
    DashboardError — the server exited or did not answer in time (the message carries
        the end of its log).
    """
    folder = prepare_dashboard(settings, notebooks, notebooks_dir, audience)
    port = port or free_port()
    log_path = folder.parent / "voila.log"
    log = open(log_path, "wb")
    process = subprocess.Popen(dashboard_command(folder, port), stdout=log,
                               stderr=subprocess.STDOUT, env=_environment(settings),
                               cwd=str(folder))
    log.close()
    server = DashboardServer(process, port, folder, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(server.url, timeout=2) as response:
                if response.status < 500:
                    return server
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.3)
    server.stop()
    tail = " | ".join(log_path.read_text(encoding="utf-8", errors="replace")
                      .strip().splitlines()[-5:])
    raise DashboardError(f"il cruscotto Voila non risponde sulla porta {port} "
                         f"(registro {log_path}): {tail}")


def serve_dashboard(settings: Settings, port: int = DEFAULT_PORT, open_browser: bool = False,
                    *, notebooks: Sequence[str | os.PathLike] | None = None,
                    audience: str = "funders") -> int:
    """Serve the dashboard in the foreground until interrupted (``workbench dashboard``).

    Returns
    -------
    int — Voila's exit code (0 after Ctrl-C).
    """
    folder = prepare_dashboard(settings, notebooks, audience=audience)
    print(f"Cruscotto ({audience}) su http://127.0.0.1:{port}/ — Ctrl-C per fermare", flush=True)
    process = subprocess.Popen(dashboard_command(folder, port, open_browser),
                               env=_environment(settings), cwd=str(folder))
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        process.wait(10)
        return 0
