"""Funders' dashboards: releases served by Voila, sources stripped, without the key.

:func:`prepare_dashboard` writes one copy of ``notebooks/cruscotto.ipynb`` per release
of the audience (``cruscotto_<period>.ipynb``), with its parameters already set
(papermill's parameterisation, without executing it). Voila lists them and executes
the chosen one on each visit, showing only its outputs: no code
(``--strip_sources=True``) and no tracebacks (``--show_tracebacks=False``).

The notebook reads only ``release/<period>/<audience>/`` (:func:`workbench.report.release.
show_release`), after checking every file against the release's manifest. The Voila
server and its kernels run without the store's key in their environment
(:func:`kernel_environment`) and in a folder that holds nothing but the prepared
notebooks: a dashboard cannot open the encrypted store even by mistake.
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

from ..config import NOTEBOOKS_DIR, Settings
from ..privacy import check_audience, is_restricted
from .release import ReleaseError, select_releases


class DashboardError(Exception):
    """The dashboard cannot be prepared or started; the message is one line for the user."""


#: The dashboard notebook: it shows one release.
DASHBOARD_NOTEBOOK = "cruscotto.ipynb"
DEFAULT_PORT = 8866

#: Environment variables a dashboard's server and kernels never receive.
SECRET_VARIABLES: tuple[str, ...] = ("WORKBENCH_KEY", "WORKBENCH_KEY_FILE")


def dashboard_dir(settings: Settings) -> Path:
    """``<data_dir>/dashboard``: ``notebooks/`` (served) and the server's log."""
    return Path(settings.data_dir) / "dashboard"


def _parameterise(source: Path, values: dict, target: Path) -> None:
    import nbformat  # imported here: its schema validator costs seconds to import
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb = load_notebook_node(str(source))
    nb = parameterize_notebook(nb, values, kernel_name="python3", language="python")
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nbformat.write(nb, str(target))


def prepare_dashboard(settings: Settings, periods: Sequence[str] | None = None, *,
                      audience: str = "funders",
                      notebooks: Sequence[str | os.PathLike] = ()) -> Path:
    """Write the dashboard notebooks, one per release, and return the folder to serve.

    Parameters
    ----------
    settings : Settings — where the releases are (``settings.release_root``) and where the
        dashboard folder goes (``settings.data_dir``). Its key is not used.
    periods : sequence of str or None — the periods to show; None: every release of
        ``audience`` found.
    audience : str — ``funders`` (default) or ``pubblico``.
    notebooks : paths — further notebooks to serve, parameterised like the dashboard
        (``period``, ``audience``, ``release_root``); for tests and custom views.

    Returns
    -------
    Path — ``<data_dir>/dashboard/notebooks`` with ``cruscotto_<period>.ipynb`` for each
    period (and the extra notebooks), outputs cleared; nothing else is in it.

    Raises
    ------
    DashboardError — the audience is ``gsi`` (its data is never served), there is no
        release of the audience, a requested period has none, or a notebook is missing.
    ConfigError — unknown audience.
    """
    check_audience(audience)
    if not is_restricted(audience):
        raise DashboardError("il cruscotto mostra solo rilasci per 'funders' o 'pubblico'; "
                             "il GSI lavora in JupyterLab (make lab)")
    try:
        wanted = list(select_releases(settings.release_root, audience, periods,
                                      hint_period=settings.period))
    except ReleaseError as exc:
        raise DashboardError(str(exc)) from None
    source = NOTEBOOKS_DIR / DASHBOARD_NOTEBOOK
    extra = [Path(n) for n in notebooks]
    for path in [source, *extra]:
        if not path.exists():
            raise DashboardError(f"notebook del cruscotto inesistente: {path}")
    served = dashboard_dir(settings) / "notebooks"
    served.mkdir(parents=True, exist_ok=True)
    for old in served.iterdir():
        if old.is_file():
            old.unlink()
    root = str(Path(settings.release_root).resolve())
    for period in sorted(wanted, reverse=True):  # the newest first in Voila's list
        _parameterise(source, {"period": period, "audience": audience, "release_root": root},
                      served / f"cruscotto_{period}.ipynb")
    latest = max(wanted)
    for path in extra:
        _parameterise(path, {"period": latest, "audience": audience, "release_root": root},
                      served / path.name)
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


def kernel_environment(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of the Voila server and its kernels: the caller's, without the
    store's key (:data:`SECRET_VARIABLES`)."""
    env = dict(os.environ if environ is None else environ)
    for name in SECRET_VARIABLES:
        env.pop(name, None)
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
                    periods: Sequence[str] | None = None, audience: str = "funders",
                    notebooks: Sequence[str | os.PathLike] = (),
                    timeout: float = 60.0) -> DashboardServer:
    """Prepare the dashboard and start Voila in the background; return once it answers.

    Parameters
    ----------
    port : int or None — a free port is chosen when None.
    periods, audience, notebooks — as :func:`prepare_dashboard`.
    timeout : float — how long to wait for the server to answer. [s]

    Raises
    ------
    DashboardError — the server exited or did not answer in time (the message carries
        the end of its log).
    """
    folder = prepare_dashboard(settings, periods, audience=audience, notebooks=notebooks)
    port = port or free_port()
    log_path = folder.parent / "voila.log"
    log = open(log_path, "wb")
    process = subprocess.Popen(dashboard_command(folder, port), stdout=log,
                               stderr=subprocess.STDOUT, env=kernel_environment(),
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
                    *, periods: Sequence[str] | None = None, audience: str = "funders") -> int:
    """Serve the dashboard in the foreground until interrupted (``workbench dashboard``).

    Returns
    -------
    int — Voila's exit code (0 after Ctrl-C).
    """
    folder = prepare_dashboard(settings, periods, audience=audience)
    shown = ", ".join(sorted(p.stem.removeprefix("cruscotto_") for p in folder.glob("*.ipynb")))
    print(f"Cruscotto ({audience}, periodi {shown}) su http://127.0.0.1:{port}/ — "
          "Ctrl-C per fermare", flush=True)
    process = subprocess.Popen(dashboard_command(folder, port, open_browser),
                               env=kernel_environment(), cwd=str(folder))
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        process.wait(10)
        return 0
