"""Plotly Sankey of the flows of one matrix, coloured by resource family."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ..config import Settings
from ..flows import load_flows, pool_small_groups, sankey_links
from ..model import MATRICES, STANDARD_UNIT
from ..reference import resource_classes

MIN_COMPANIES_PER_NODE = 3

FAMILY_COLOURS = {
    "minerali": "#a6761d", "metalli": "#666666", "cellulosici": "#8c6d31",
    "polimeri": "#e7298a", "organici": "#66a61e", "chimici": "#7570b3",
    "imballaggi": "#bcbd22", "altro": "#999999", "acqua": "#1f78b4",
    "elettricita": "#ff7f00", "combustibili": "#e31a1c", "calore": "#fb9a99",
    None: "#cccccc",
}
TITLES = {
    "it": {"materia": "Flussi di materia", "acqua": "Flussi di acqua", "energia": "Flussi di energia"},
    "en": {"materia": "Material flows", "acqua": "Water flows", "energia": "Energy flows"},
}


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def sankey_figure(links: pd.DataFrame, matrix: str, lang: str = "it") -> go.Figure:
    """A plotly Sankey from :func:`workbench.flows.sankey_links` output.

    Hover shows the quantity in the matrix's standard unit and its share of the
    matrix total entering the area.
    """
    unit = STANDARD_UNIT[matrix]
    families = resource_classes().set_index("resource")["family"]
    nodes = list(dict.fromkeys(list(links["source"]) + list(links["target"])))
    index = {n: i for i, n in enumerate(nodes)}
    total_in = links.loc[links["direction"] == "in", "value"].sum() or links["value"].sum() or 1.0
    colours = [FAMILY_COLOURS.get(families.get(r), FAMILY_COLOURS[None]) for r in links["resource"]]
    share = 100 * links["value"] / total_in
    fig = go.Figure(go.Sankey(
        arrangement="snap",
        node=dict(label=nodes, pad=12, thickness=14,
                  hovertemplate="%{label}<br>%{value:,.0f} " + unit + "<extra></extra>"),
        link=dict(
            source=[index[s] for s in links["source"]],
            target=[index[t] for t in links["target"]],
            value=links["value"].tolist(),
            color=[_rgba(c, 0.45) for c in colours],
            customdata=list(zip(links["resource"], share.round(1))),
            hovertemplate=("%{source.label} → %{target.label}<br>%{customdata[0]}<br>"
                           "%{value:,.0f} " + unit + " (%{customdata[1]}%)<extra></extra>"),
        ),
    ))
    fig.update_layout(title=f"{TITLES[lang][matrix]} [{unit}/anno]" if lang == "it"
                      else f"{TITLES[lang][matrix]} [{unit}/yr]",
                      height=520, margin=dict(l=10, r=10, t=50, b=10), font=dict(size=11))
    return fig


def sankey_figures(settings: Settings, level: str | None = None, year: int | None = None,
                   flows: pd.DataFrame | None = None) -> dict[str, go.Figure]:
    """One Sankey per matrix from the store, ready for the settings' audience.

    For ``gsi`` the default level is ``company``; for ``funders`` and ``pubblico`` it is
    always ``sector`` with sectors of fewer than three companies pooled, so no node
    stands for a single company.
    """
    from ..store import connect

    if flows is None:
        with connect(settings) as con:
            flows = load_flows(con, year=year, lang=settings.lang)
    if settings.audience != "gsi":
        level = "sector" if level in (None, "company") else level
        flows = pool_small_groups(flows, "sector", MIN_COMPANIES_PER_NODE,
                                  "Altri settori" if settings.lang == "it" else "Other sectors")
    level = level or "company"
    return {m: sankey_figure(sankey_links(flows, m, level, settings.lang), m, settings.lang)
            for m in MATRICES if (flows["matrix"] == m).any()}
