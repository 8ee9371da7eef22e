"""How plotly figures reach a notebook, JupyterLab or Voila page.

Plotly's own display path (``fig.show()``, or a figure as the last value of a cell)
goes through ``plotly.io._renderers``, which imports nbformat only to check its
version; nbformat's JSON-schema checkers then cost seconds to import (jsonschema loads
``rfc3987_syntax``, which builds its grammars at import time). Every kernel of the
pipeline and every dashboard visit paid that. :func:`plotly_bundle` makes the same
mimetype output (``application/vnd.plotly.v1+json``, drawn by JupyterLab's and Voila's
plotly renderer, no CDN) straight from the figure's JSON, and
:func:`register_fast_display` makes IPython use it for every ``go.Figure`` shown in a
kernel.
"""
from __future__ import annotations

import json

#: Plotly options for every chart: no "produced with plotly" link (an external URL).
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}


def plotly_separators(lang: str) -> str:
    """Decimal and thousands marks of plotly figures: ``1.234,5`` (it), ``1,234.5`` (en)."""
    return ",." if lang == "it" else ".,"


def plotly_bundle(fig, config: dict | None = None) -> dict:
    """The figure as plotly's notebook mimetype, for ``display(bundle, raw=True)``."""
    import plotly.io as pio

    figure = json.loads(pio.to_json(fig, validate=False))
    return {"application/vnd.plotly.v1+json": {**figure, "config": config or PLOTLY_CONFIG}}


def _show(fig) -> None:
    from IPython.display import display

    display(plotly_bundle(fig), raw=True)


def register_fast_display() -> bool:
    """In a running IPython kernel, display every ``plotly.graph_objects.Figure`` with
    :func:`plotly_bundle` (``FigureWidget`` is untouched). Returns False outside IPython.
    Idempotent."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipykernel
        return False
    shell = get_ipython()
    if shell is None:
        return False
    import plotly.graph_objects as go

    shell.display_formatter.ipython_display_formatter.for_type(go.Figure, _show)
    return True


__all__ = ["PLOTLY_CONFIG", "plotly_bundle", "plotly_separators", "register_fast_display"]
