"""Plotly Sankey of the flows of one matrix, coloured by resource family.

Links run from origins (grids, wells, suppliers) to companies, sectors or the area and
on to destinations (recovery R, disposal D, sewer, sea, atmosphere); realised
synergies are company-to-company links drawn in a strong colour. Data comes from
:func:`workbench.flows.audience_sankey_links`, which applies the audience's rules.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ..config import Settings
from ..flows import (FlowData, endpoint_label, audience_sankey_links, filter_flows, load_flow_data,
                     pool_small_groups)
from ..model import MATRICES, STANDARD_UNIT
from ..privacy import MIN_COMPANIES
from ..reference import resource_classes

#: Kept for callers of the first version; the rule lives in :mod:`workbench.privacy`.
MIN_COMPANIES_PER_NODE = MIN_COMPANIES

FAMILY_COLOURS = {
    "minerali": "#a6761d", "metalli": "#666666", "cellulosici": "#8c6d31",
    "polimeri": "#e7298a", "organici": "#66a61e", "chimici": "#7570b3",
    "imballaggi": "#bcbd22", "altro": "#999999", "acqua": "#1f78b4",
    "elettricita": "#ff7f00", "combustibili": "#e31a1c", "calore": "#fb9a99",
    None: "#cccccc",
}
#: Colour of the links of realised synergies (highlighted). 
SYNERGY_COLOUR = "#1b9e77"
TITLES = {
    "it": {"materia": "Flussi di materia", "acqua": "Flussi di acqua", "energia": "Flussi di energia"},
    "en": {"materia": "Material flows", "acqua": "Water flows", "energia": "Energy flows"},
}
TEXT = {
    "it": {"synergy": "simbiosi realizzata", "companies": "aziende", "per_year": "anno",
           "hidden": "{n} collegamenti non mostrati per riservatezza (meno di 3 aziende o "
                     "un'azienda oltre l'85%)",
           "empty": "Nessun flusso per questa selezione"},
    "en": {"synergy": "realised synergy", "companies": "companies", "per_year": "yr",
           "hidden": "{n} links not shown for confidentiality (fewer than 3 companies or one "
                     "company above 85%)",
           "empty": "No flow for this selection"},
}


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def _resource_names(lang: str) -> tuple[pd.Series, pd.Series]:
    classes = resource_classes().set_index("resource")
    return classes["family"], classes[f"name_{lang}"]


def _node_colour(label: str, companies: set) -> str:
    if label in companies:
        return "#4d4d4d"
    if label.startswith("Recupero"):
        return "#1b9e77"
    if label.startswith("Smaltimento"):
        return "#d95f02"
    return "#9fb3c8"


def sankey_trace(links: pd.DataFrame, matrix: str, lang: str = "it") -> go.Sankey:
    """The ``go.Sankey`` trace of :func:`sankey_figure` (for in-place updates)."""
    unit = STANDARD_UNIT[matrix]
    words = TEXT[lang]
    families, names = _resource_names(lang)
    nodes = list(dict.fromkeys(list(links["source"]) + list(links["target"])))
    index = {n: i for i, n in enumerate(nodes)}
    direction = links["direction"] if "direction" in links.columns else pd.Series("in", index=links.index)
    entering = links.loc[direction.isin(["in", "synergy"]), "value"].sum()
    total = entering or links["value"].sum() or 1.0
    family = links["resource"].map(families).where(links["resource"].map(families).notna(),
                                                   links["resource"])
    synergy = (direction == "synergy").to_numpy()
    colours = [_rgba(SYNERGY_COLOUR, 0.85) if s else _rgba(FAMILY_COLOURS.get(f, FAMILY_COLOURS[None]), 0.45)
               for f, s in zip(family, synergy)]
    shown_name = links["resource"].map(names).fillna(links["resource"]).astype(str)
    shown_name = [f"{n} — {words['synergy']}" if s else n for n, s in zip(shown_name, synergy)]
    share = (100 * links["value"] / total).round(1)
    companies = links["companies"] if "companies" in links.columns else pd.Series(0, index=links.index)
    company_side = set(links.loc[direction == "in", "target"]) | set(links.loc[direction == "out", "source"])
    return go.Sankey(
        arrangement="snap",
        node=dict(label=[endpoint_label(n, lang) for n in nodes], pad=12, thickness=14,
                  color=[_node_colour(n, company_side) for n in nodes],
                  hovertemplate="%{label}<br>%{value:,.0f} " + unit + "<extra></extra>"),
        link=dict(
            source=[index[s] for s in links["source"]],
            target=[index[t] for t in links["target"]],
            value=links["value"].astype(float).tolist(),
            color=colours,
            customdata=[list(x) for x in zip(shown_name, share, companies.astype(int))],
            hovertemplate=("%{source.label} → %{target.label}<br>%{customdata[0]}<br>"
                           "%{value:,.0f} " + unit + " (%{customdata[1]}%)<br>%{customdata[2]} "
                           + words["companies"] + "<extra></extra>"),
        ),
    )


def figure_title(matrix: str, lang: str = "it") -> str:
    """``Flussi di materia [t/anno]``."""
    return f"{TITLES[lang][matrix]} [{STANDARD_UNIT[matrix]}/{TEXT[lang]['per_year']}]"


def figure_note(links: pd.DataFrame, lang: str = "it") -> str:
    """The note under a Sankey: links left out for confidentiality, or an empty selection."""
    hidden = links.attrs.get("suppressed_links", 0)
    notes = []
    if links.empty:
        notes.append(TEXT[lang]["empty"])
    if hidden:
        notes.append(TEXT[lang]["hidden"].format(n=hidden))
    return " · ".join(notes)


def sankey_figure(links: pd.DataFrame, matrix: str, lang: str = "it") -> go.Figure:
    """A plotly Sankey from :func:`workbench.flows.sankey_links` output.

    Hover shows the quantity in the matrix's standard unit, its share of everything
    entering the companies (inputs and synergies) and the number of companies behind
    the link; realised synergies are drawn in :data:`SYNERGY_COLOUR`. Links left out
    for confidentiality are counted in a note under the chart.
    """
    fig = go.Figure(sankey_trace(links, matrix, lang))
    # one column holds at most about half of the nodes: give each ~16 px so that the
    # company-level diagram of the GSI stays legible (a full page at most)
    nodes = len(set(links["source"]) | set(links["target"]))
    fig.update_layout(title=figure_title(matrix, lang), height=int(min(1200, max(520, 16 * nodes / 2 + 120))),
                      margin=dict(l=10, r=10, t=50, b=30), font=dict(size=11))
    note = figure_note(links, lang)
    if note:
        fig.add_annotation(text=note, showarrow=False, xref="paper", yref="paper", x=0, y=-0.05,
                           xanchor="left", font=dict(size=10, color="#555"))
    return fig


def sankey_figures(settings: Settings, level: str | None = None, year: int | None = None,
                   flows: pd.DataFrame | None = None, *, synergies: pd.DataFrame | None = None,
                   data: FlowData | None = None, **filters) -> dict[str, go.Figure]:
    """One Sankey per matrix from the store, ready for the settings' audience.

    For ``gsi`` the default level is ``company``; for ``funders`` and ``pubblico`` it is
    at least ``sector``, with the rules of :func:`workbench.flows.audience_sankey_links`.

    Parameters
    ----------
    settings : Settings — store, audience and language.
    level : str, optional — ``company``, ``sector`` or ``area``.
    year : int, optional — flows of one year.
    flows : DataFrame, optional — flows already loaded (then ``synergies`` is used as
        given: None means no realised synergy is drawn).
    data : FlowData, optional — flows and register already loaded.
    **filters — passed to :func:`workbench.flows.filter_flows` (``resources``,
        ``hazardous``, ``sectors``, ``companies``).
    """
    if flows is None:
        if data is None:
            from ..store import connect

            with connect(settings) as con:
                data = load_flow_data(con, year=year, lang=settings.lang)
        flows, synergies = data.flows, data.synergies
    flows = filter_flows(flows, year=year, **filters) if (filters or year is not None) else flows
    return {m: sankey_figure(audience_sankey_links(flows, m, settings.audience, level,
                                                   settings.lang, synergies=synergies),
                             m, settings.lang)
            for m in MATRICES if (flows["matrix"] == m).any()}


__all__ = ["FAMILY_COLOURS", "SYNERGY_COLOUR", "sankey_figure", "sankey_figures", "sankey_trace",
           "figure_title", "figure_note", "pool_small_groups"]
