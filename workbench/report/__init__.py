"""Semester reports: the papermill pipeline, the report's sections and its HTML export.

- :func:`run_pipeline` runs notebooks 01→05 into ``reports/<period>/`` (``…/<audience>/``
  for funders and pubblico);
- :func:`build_report`, called by notebook 05, computes the fixed structure of
  DESIGN §8, shows it in the notebook and writes ``report.html``;
- :func:`export_outputs`, run by :func:`run_pipeline` after notebook 05, writes
  ``indicatori.xlsx``, ``report.pdf``, the key-figures card and the case sheets, and for
  ``funders``/``pubblico`` the release ``release/<period>/<audience>/`` (:func:`write_release`);
- :func:`serve_dashboard` serves the funders' dashboard with Voila: a release, read back
  by :func:`show_release`, never the store.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from ..config import Settings
from ..store import audit, connect
from .dashboard import DashboardError, prepare_dashboard, serve_dashboard, start_dashboard
from .html import display_sections, render_html
from .exports import export_outputs, find_browser
from .pipeline import NOTEBOOKS, PipelineError, run_pipeline
from .release import verify_release, write_release
from .sections import SECTION_KEYS, report_data, report_sections

#: File name of the HTML report in ``settings.reports_dir``.
REPORT_HTML = "report.html"


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipykernel
        return False
    shell = get_ipython()
    return shell is not None and shell.__class__.__name__ == "ZMQInteractiveShell"


def build_report(settings: Settings, show: bool | None = None,
                 now: datetime | None = None) -> Path:
    """Compute the report of ``settings.period`` for ``settings.audience``, show it in the
    notebook and write ``settings.reports_dir / "report.html"``.

    Parameters
    ----------
    settings : Settings — period, audience (``gsi`` | ``funders`` | ``pubblico``),
        language (``it`` | ``en``), store and key.
    show : bool or None — display the sections in the running notebook; None: only when
        running in a Jupyter kernel (papermill, JupyterLab, Voila).
    now : datetime or None — generation time printed in the header.

    Returns
    -------
    Path — the HTML report: one self-contained file, code-free, charts interactive,
    nothing loaded from the network. The export is recorded in the audit log.
    """
    with connect(settings) as con:
        data = report_data(con, settings)
    sections = report_sections(settings, data)
    if show if show is not None else _in_notebook():
        display_sections(sections, settings)
    out_dir = Path(settings.reports_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / REPORT_HTML
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(render_html(sections, settings, now), encoding="utf-8")
    tmp.replace(path)
    with connect(settings) as con:
        audit(con, "export", actor=settings.actor, target=str(path), audience=settings.audience,
              detail=f"report.html periodo={settings.period} lingua={settings.lang}")
    return path


__all__ = ["build_report", "run_pipeline", "PipelineError", "NOTEBOOKS", "REPORT_HTML",
           "SECTION_KEYS", "report_data", "report_sections", "render_html",
           "display_sections", "serve_dashboard", "start_dashboard", "prepare_dashboard",
           "DashboardError", "export_outputs", "find_browser", "write_release",
           "verify_release"]
