"""What is still unmatched and what data is missing (issue 3, items 5 and 6).

- :func:`unmatched_table` / :func:`unmatched_chart`: supplies with no destination yet
  (the "resources available in Livorno" sheet that helps attract new companies) and
  demands still met by virgin supply, by resource class, disclosure-controlled for
  ``funders`` and ``pubblico``.
- :func:`data_gaps_table`: per company, what the GSI should still collect (GSI only).
- :func:`balance_table`: nodes whose declared inputs and outputs do not balance (GSI only).
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..config import Settings
from ..flows import (FlowData, check_balance, data_gaps, unmatched_demands, unmatched_supplies)
from ..model import MATRICES, STANDARD_UNIT
from ..privacy import disclosure_control, is_restricted
from .map import load_data
from .tables import styled

HEADERS = {
    "it": {"matrix": "Matrice", "name": "Risorsa", "quantity_std": "Quantità annua",
           "unit_std": "Unità", "companies": "Aziende", "flows": "Flussi",
           "hazardous": "Pericolosi", "with_candidate": "Di cui con un candidato",
           "sector": "Settore", "completeness": "Completezza [%]", "no_eer": "Senza EER",
           "no_cost": "Senza costo", "no_fate": "Senza destino R/D", "unclassified": "Non classificati",
           "outliers": "Anomalie", "inputs_only": "Solo ingressi", "to_collect": "Da raccogliere",
           "node": "Nodo", "inputs": "Ingressi", "outputs": "Uscite", "difference": "Differenza",
           "relative": "Scarto [%]"},
    "en": {"matrix": "Matrix", "name": "Resource", "quantity_std": "Annual quantity",
           "unit_std": "Unit", "companies": "Companies", "flows": "Flows",
           "hazardous": "Hazardous", "with_candidate": "Of which with a candidate",
           "sector": "Sector", "completeness": "Completeness [%]", "no_eer": "No EER",
           "no_cost": "No cost", "no_fate": "No R/D fate", "unclassified": "Unclassified",
           "outliers": "Outliers", "inputs_only": "Inputs only", "to_collect": "To collect",
           "node": "Node", "inputs": "Inputs", "outputs": "Outputs", "difference": "Difference",
           "relative": "Gap [%]"},
}
TITLES = {
    "it": {"supplies": "Risorse disponibili senza destinazione", "demands": "Fabbisogni coperti da risorse vergini",
           "yes": "sì", "no": "", "gsi_only": "Elenco per azienda riservato al GSI: {n} aziende, "
                                              "completezza media dei dati {c:.0f}%.",
           "balance_gsi_only": "Bilanci per nodo riservati al GSI.", "none": "Nessun elemento."},
    "en": {"supplies": "Available resources with no destination", "demands": "Demands met by virgin resources",
           "yes": "yes", "no": "", "gsi_only": "Per-company list for the GSI only: {n} companies, "
                                               "mean data completeness {c:.0f}%.",
           "balance_gsi_only": "Node balances for the GSI only.", "none": "Nothing to show."},
}


def unmatched(settings: Settings, data: FlowData | None = None, kind: str = "supplies") -> pd.DataFrame:
    """Unmatched supplies (``kind='supplies'``) or demands (``'demands'``) as the audience
    may see them: :func:`workbench.flows.unmatched_supplies` /
    :func:`~workbench.flows.unmatched_demands` with disclosure control per resource class
    (threshold and dominance; complementary suppression within each matrix)."""
    data = load_data(settings, data)
    if kind not in ("supplies", "demands"):
        raise ValueError(f"unknown kind {kind!r}: supplies or demands")
    function = unmatched_supplies if kind == "supplies" else unmatched_demands
    df = function(data.flows, data.synergies, data.candidates, lang=settings.lang)
    return disclosure_control(df, settings.audience, "companies", ["quantity_std", "with_candidate"],
                              share_column="top_share", by=["matrix"])


def unmatched_table(settings: Settings, data: FlowData | None = None, kind: str = "supplies",
                    top: int = 25):
    """Table of :func:`unmatched`, the largest ``top`` rows per matrix."""
    words, titles = HEADERS[settings.lang], TITLES[settings.lang]
    df = unmatched(settings, data, kind)
    if df.empty:
        return titles["none"]
    df = df.groupby("matrix", group_keys=False, sort=False).head(top)
    shown = df[["matrix", "name", "quantity_std", "unit_std", "companies", "hazardous",
                "with_candidate", "suppressed"]].copy()
    shown["hazardous"] = shown["hazardous"].map({True: titles["yes"], False: titles["no"]})
    return styled(shown.rename(columns=words), settings.lang).set_caption(titles[kind])


def unmatched_chart(settings: Settings, data: FlowData | None = None, kind: str = "supplies",
                    top: int = 10) -> go.Figure:
    """Bar chart of :func:`unmatched`, one panel per matrix in its own unit (withheld
    values are left out)."""
    df = unmatched(settings, data, kind)
    df = df[~df["suppressed"] & df["quantity_std"].notna()]
    present = [m for m in MATRICES if (df["matrix"] == m).any()] or list(MATRICES)
    fig = make_subplots(rows=1, cols=len(present), horizontal_spacing=0.18,
                        subplot_titles=[f"{m} [{STANDARD_UNIT[m]}/anno]" for m in present])
    for i, matrix in enumerate(present, start=1):
        part = df[df["matrix"] == matrix].nlargest(top, "quantity_std").iloc[::-1]
        fig.add_trace(go.Bar(x=part["quantity_std"], y=part["name"], orientation="h",
                             marker_color="#1b9e77" if kind == "supplies" else "#d95f02",
                             hovertemplate="%{y}<br>%{x:,.0f} " + STANDARD_UNIT[matrix] + "<extra></extra>",
                             showlegend=False), row=1, col=i)
    fig.update_layout(title=TITLES[settings.lang][kind], height=420,
                      margin=dict(l=10, r=10, t=70, b=30), font=dict(size=11))
    return fig


def data_gaps_table(settings: Settings, data: FlowData | None = None):
    """Per company, what data is missing and what to collect (GSI); other audiences get
    one sentence with the number of companies and the mean completeness."""
    data = load_data(settings, data)
    gaps = data_gaps(data.flows, data.companies, settings.lang)
    titles = TITLES[settings.lang]
    if is_restricted(settings.audience):
        return titles["gsi_only"].format(n=len(gaps), c=100 * gaps["completeness"].mean() if len(gaps) else 0)
    shown = gaps.drop(columns=["company_id"]).assign(completeness=(100 * gaps["completeness"]).round(0))
    shown = shown[["name", "sector", "completeness", "flows", "no_eer", "no_cost", "no_fate",
                   "unclassified", "outliers", "inputs_only", "to_collect"]]
    return styled(shown.rename(columns={**HEADERS[settings.lang],
                                        "name": "Azienda" if settings.lang == "it" else "Company"}),
                  settings.lang)


def balance_table(settings: Settings, data: FlowData | None = None, level: str = "company",
                  top: int = 20):
    """The ``top`` nodes with the largest imbalance between declared inputs and outputs
    (:func:`workbench.flows.check_balance`: information, not an error). GSI only."""
    if is_restricted(settings.audience):
        return TITLES[settings.lang]["balance_gsi_only"]
    data = load_data(settings, data)
    balance = check_balance(data.flows, level, lang=settings.lang)
    shown = balance[~balance["balanced"]].head(top).assign(
        relative=lambda d: (100 * d["relative"]).round(0))
    shown = shown[["node", "matrix", "inputs", "outputs", "difference", "unit_std", "relative"]]
    return styled(shown.rename(columns=HEADERS[settings.lang]), settings.lang)


__all__ = ["unmatched", "unmatched_table", "unmatched_chart", "data_gaps_table", "balance_table"]
