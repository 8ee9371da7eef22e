"""The exchange network: who already exchanges with whom, who could, who is a hub.

:func:`exchange_graph` builds a networkx ``DiGraph`` — companies (or, for ``funders``
and ``pubblico``, sectors of at least three companies) as nodes sized by throughput and
coloured by sector; realised synergies as solid edges and screening candidates as
dashed edges, weighted by quantity. :func:`network_metrics` gives what a facilitator
reads from it (degree, betweenness: the "anchor tenants"; components; the share of
outputs that already has a destination). :func:`network_html` draws it with pyvis as
HTML that works with no network: vis-network is inlined and every CDN reference of the
pyvis template is removed.
"""
from __future__ import annotations

import html
import math
import re

import networkx as nx
import numpy as np
import pandas as pd

from ..config import Settings
from ..flows import (FlowData, OTHER_SECTORS, company_throughput, graph_edges,
                     load_flow_data, output_coverage, pool_small_groups)
from ..model import MATRICES, STANDARD_UNIT
from ..privacy import (MIN_COMPANIES, cell_statistics, is_restricted, node_labels, unsafe_cells,
                       view_level)

#: Colours of the sectors, in order of first appearance (qualitative palette).
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39",
           "#7b4173", "#3182bd", "#e6550d", "#31a354", "#756bb1", "#636363")
MATRIX_COLOURS = {"materia": "#8c6d31", "acqua": "#3182bd", "energia": "#e6550d"}
#: Node size range in pixels (vis-network ``size``). [px]
NODE_SIZE = (8.0, 45.0)
TEXT = {
    "it": {"sector": "Settore", "companies": "Aziende", "throughput": "Flussi in ingresso e uscita",
           "placed": "Uscite con una destinazione", "degree": "Scambi", "realizzata": "simbiosi realizzata",
           "candidato": "candidato dallo screening", "reserved": "riservato",
           "betweenness": "Centralità (betweenness)", "links": "collegamenti"},
    "en": {"sector": "Sector", "companies": "Companies", "throughput": "Inputs and outputs",
           "placed": "Outputs with a destination", "degree": "Exchanges", "realizzata": "realised synergy",
           "candidato": "screening candidate", "reserved": "confidential",
           "betweenness": "Betweenness centrality", "links": "links"},
}
_CDN_TAG = re.compile(r"<(script|link)\b[^>]*\b(?:src|href)\s*=\s*[\"']https?://[^>]*>(?:\s*</script>)?",
                      re.IGNORECASE | re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_REMOTE = re.compile(r"\b(?:src|href)\s*=\s*[\"']https?://", re.IGNORECASE)


def sector_colours(sectors) -> dict[str, str]:
    """A stable colour per sector (sorted names → :data:`PALETTE`, cycling)."""
    return {s: PALETTE[i % len(PALETTE)] for i, s in enumerate(sorted(set(sectors)))}


def _node_table(flows: pd.DataFrame, level: str, audience: str, labels: pd.Series | None,
                synergies: pd.DataFrame | None) -> pd.DataFrame:
    """One row per node: ``node``, ``label``, ``sector``, ``companies``, ``weight`` [0–1],
    ``throughput_<matrix>`` [unit/yr], ``placed_share`` [0–1], ``reserved`` (bool)."""
    through = company_throughput(flows)
    coverage = output_coverage(flows, synergies)
    company_sector = flows.drop_duplicates("company_id").set_index("company_id")["sector"]
    through["node"] = (through["company_id"] if level == "company"
                       else through["company_id"].map(company_sector))
    coverage["node"] = (coverage["company_id"] if level == "company"
                        else coverage["company_id"].map(company_sector))
    nodes = pd.DataFrame({"node": pd.unique(through["node"])})
    reserved = pd.Series(False, index=nodes["node"])
    for matrix in MATRICES:
        part = through[through["matrix"] == matrix].rename(columns={"throughput": "value"})
        stats = cell_statistics(part, ["node"], "value", ("company_id",)).set_index("node")
        nodes[f"throughput_{matrix}"] = nodes["node"].map(stats["value"]).fillna(0.0).to_numpy()
        if is_restricted(audience) and len(stats):
            bad = stats.index[unsafe_cells(stats.reset_index()).to_numpy()]
            reserved |= reserved.index.isin(bad)
    share = sum(nodes[f"throughput_{m}"] / (nodes[f"throughput_{m}"].sum() or 1.0) for m in MATRICES)
    nodes["weight"] = (share / len(MATRICES)).to_numpy()
    cov = coverage.groupby("node")[["outputs", "placed"]].sum()
    nodes["placed_share"] = nodes["node"].map(cov["placed"] / cov["outputs"].where(cov["outputs"] > 0))
    nodes["companies"] = nodes["node"].map(through.groupby("node")["company_id"].nunique()).fillna(0).astype(int)
    nodes["sector"] = nodes["node"].map(company_sector) if level == "company" else nodes["node"]
    if level == "company":
        nodes["label"] = nodes["node"].map(labels) if labels is not None else nodes["node"]
        nodes["label"] = nodes["label"].fillna(nodes["node"])
    else:
        nodes["label"] = nodes["node"]
    nodes["reserved"] = nodes["node"].map(reserved).fillna(False).astype(bool).to_numpy()
    return nodes


def exchange_graph(data: FlowData, audience: str = "gsi", level: str | None = None,
                   lang: str = "it", key: str | bytes | None = None,
                   matrix: str | None = None) -> nx.DiGraph:
    """The exchange network of the cluster for ``audience``.

    Parameters
    ----------
    data : FlowData — flows, register and candidates (:func:`workbench.flows.load_flow_data`).
    audience : str — ``gsi`` sees companies by name; ``funders`` and ``pubblico`` see
        sectors of at least three companies (:func:`workbench.privacy.view_level`).
    level : str, optional — ``company``, ``sector`` or ``area``; ``area`` is drawn as
        ``sector`` (a one-node network says nothing).
    key : str or bytes, optional — store key, for pseudonyms (``funders`` at company
        level never happens today; kept for later views).
    matrix : str, optional — only the exchanges of one matrix.

    Returns
    -------
    networkx.DiGraph — node attributes ``label``, ``sector``, ``companies``, ``weight``
    (mean share of each matrix's throughput) [0–1], ``throughput_<matrix>`` [unit/yr],
    ``placed_share`` [0–1], ``reserved``; edge attributes ``kind`` (``realizzata`` |
    ``candidato``), ``matrix``, ``unit_std``, ``quantity_std`` [unit_std/yr] (None when
    withheld), ``links``, ``companies``. Parallel exchanges of different kinds or
    matrices between the same pair are merged into one edge with a ``parts`` list.
    """
    level = view_level(audience, level)
    level = "sector" if level == "area" else level
    flows = data.flows
    if is_restricted(audience):
        flows = pool_small_groups(flows, "sector", MIN_COMPANIES, OTHER_SECTORS[lang])
    labels = None
    if level == "company" and len(data.companies):
        labels = node_labels(data.companies, audience, key)
    nodes = _node_table(flows, level, audience, labels, data.synergies)
    edges = graph_edges(flows, data.synergies, data.candidates, level, lang)
    if matrix is not None and len(edges):
        edges = edges[edges["matrix"] == matrix]
    if is_restricted(audience) and len(edges):
        withheld = unsafe_cells(edges)
        edges = edges.assign(quantity_std=edges["quantity_std"].where(~withheld, np.nan))
    graph = nx.DiGraph()
    for row in nodes.itertuples(index=False):
        graph.add_node(row.node, **{k: getattr(row, k) for k in nodes.columns if k != "node"})
    for row in edges.itertuples(index=False):
        part = {"kind": row.kind, "matrix": row.matrix, "unit_std": row.unit_std,
                "quantity_std": None if pd.isna(row.quantity_std) else float(row.quantity_std),
                "links": int(row.links), "companies": int(row.companies)}
        if graph.has_edge(row.source, row.target):
            graph.edges[row.source, row.target]["parts"].append(part)
            if row.kind == "realizzata":
                graph.edges[row.source, row.target].update({k: v for k, v in part.items()})
        else:
            graph.add_edge(row.source, row.target, parts=[part], **part)
    return graph


def network_metrics(graph: nx.DiGraph) -> pd.DataFrame:
    """What a facilitator reads from the network, one row per node.

    Returns
    -------
    DataFrame — ``node``, ``label``, ``sector``, ``companies``, ``realised`` (realised
    exchanges, in + out), ``candidates`` (candidate exchanges), ``degree`` (both),
    ``betweenness`` (normalised, on the undirected network of realised and candidate
    exchanges) [0–1], ``component`` (1 = largest group of connected nodes),
    ``placed_share`` [0–1], ``hub`` (bool: among the top betweenness, > 0), sorted by
    betweenness then degree.
    """
    columns = ["node", "label", "sector", "companies", "realised", "candidates", "degree",
               "betweenness", "component", "placed_share", "hub"]
    if graph.number_of_nodes() == 0:
        return pd.DataFrame(columns=columns)
    undirected = nx.Graph()
    undirected.add_nodes_from(graph.nodes)
    undirected.add_edges_from((u, v) for u, v in graph.edges if u != v)
    k = min(graph.number_of_nodes(), 500) if graph.number_of_nodes() > 2000 else None
    betweenness = nx.betweenness_centrality(undirected, k=k, seed=0 if k else None)
    components = sorted(nx.connected_components(undirected), key=lambda c: (-len(c), min(map(str, c))))
    component = {n: i + 1 for i, comp in enumerate(components) for n in comp}
    realised = {n: 0 for n in graph.nodes}
    candidates = {n: 0 for n in graph.nodes}
    for u, v, attrs in graph.edges(data=True):
        for part in attrs["parts"]:
            counter = realised if part["kind"] == "realizzata" else candidates
            counter[u] += 1
            if v != u:
                counter[v] += 1
    rows = []
    for n, attrs in graph.nodes(data=True):
        rows.append({"node": n, "label": attrs.get("label", n), "sector": attrs.get("sector"),
                     "companies": attrs.get("companies"), "realised": realised[n],
                     "candidates": candidates[n], "degree": realised[n] + candidates[n],
                     "betweenness": betweenness.get(n, 0.0), "component": component[n],
                     "placed_share": attrs.get("placed_share")})
    out = pd.DataFrame(rows, columns=columns[:-1])
    positive = out["betweenness"][out["betweenness"] > 0]
    cut = positive.quantile(0.9) if len(positive) else np.inf
    out["hub"] = (out["betweenness"] >= cut) & (out["betweenness"] > 0)
    return out.sort_values(["betweenness", "degree", "node"], ascending=[False, False, True]
                           ).reset_index(drop=True)[columns]


def _fmt(value: float, lang: str) -> str:
    from ..fmt import number

    return number(value, 0, lang)


def _node_title(attrs: dict, lang: str) -> str:
    words = TEXT[lang]
    lines = [str(attrs.get("label")), f"{words['sector']}: {attrs.get('sector')}",
             f"{words['companies']}: {attrs.get('companies')}"]
    if attrs.get("reserved"):
        lines.append(f"{words['throughput']}: {words['reserved']}")
    else:
        for m in MATRICES:
            value = attrs.get(f"throughput_{m}") or 0.0
            if value > 0:
                lines.append(f"{words['throughput']} ({m}): {_fmt(value, lang)} {STANDARD_UNIT[m]}")
    share = attrs.get("placed_share")
    if share is not None and not (isinstance(share, float) and math.isnan(share)):
        lines.append(f"{words['placed']}: {share:.0%}")
    return "\n".join(lines)


def _edge_title(parts: list[dict], lang: str) -> str:
    words = TEXT[lang]
    lines = []
    for p in parts:
        quantity = (words["reserved"] if p["quantity_std"] is None
                    else f"{_fmt(p['quantity_std'], lang)} {p['unit_std']}")
        lines.append(f"{words[p['kind']]} · {p['matrix']} · {quantity} · {p['links']} {words['links']}")
    return "\n".join(lines)


def offline_html(document: str) -> str:
    """Remove every ``<script src=http…>`` and ``<link href=http…>`` tag of a document and
    check that no remote reference is left.

    Raises
    ------
    ValueError — a remote ``src``/``href`` survives (the page would need a network).
    """
    out = _COMMENT.sub("", _CDN_TAG.sub("", document))
    left = _REMOTE.search(out)
    if left:
        raise ValueError(f"remote reference left in the network HTML: {out[left.start():left.start() + 80]!r}")
    return out


#: Seed of the network layout: the same drawing at every run.
LAYOUT_SEED = 7


def network_document(graph: nx.DiGraph, lang: str = "it", height: str = "620px") -> str:
    """A self-contained HTML document (vis-network inlined, no CDN) of the graph."""
    from pyvis.network import Network

    net = Network(height=height, width="100%", directed=True, cdn_resources="in_line",
                  bgcolor="#ffffff")
    colours = sector_colours(a.get("sector") for _, a in graph.nodes(data=True))
    weights = [a.get("weight", 0.0) for _, a in graph.nodes(data=True)]
    top = max(weights) if weights and max(weights) > 0 else 1.0
    # positions computed here (seeded) rather than by vis.js physics in the browser: the
    # drawing is the same at every run and complete as soon as the page loads — a
    # printed report (headless Chromium) otherwise caught a blank or half-settled graph
    layout = nx.spring_layout(graph.to_undirected(), seed=LAYOUT_SEED,
                              k=2.0 / math.sqrt(max(graph.number_of_nodes(), 1))) \
        if graph.number_of_nodes() else {}
    scale = 220 + 40 * math.sqrt(graph.number_of_nodes())
    for n, attrs in graph.nodes(data=True):
        weight = 0.0 if attrs.get("reserved") else attrs.get("weight", 0.0) / top
        size = NODE_SIZE[0] + (NODE_SIZE[1] - NODE_SIZE[0]) * math.sqrt(max(weight, 0.0))
        x, y = layout.get(n, (0.0, 0.0))
        net.add_node(str(n), label=str(attrs.get("label", n)), title=_node_title(attrs, lang),
                     color=colours.get(attrs.get("sector"), "#999999"), size=size,
                     shape="dot", x=float(x) * scale, y=float(y) * scale)
    maxima = {}
    for _, _, attrs in graph.edges(data=True):
        for p in attrs["parts"]:
            if p["quantity_std"]:
                maxima[p["matrix"]] = max(maxima.get(p["matrix"], 0.0), p["quantity_std"])
    for u, v, attrs in graph.edges(data=True):
        q = attrs.get("quantity_std")
        width = 1.0 + 7.0 * math.sqrt(q / maxima[attrs["matrix"]]) if q and maxima.get(attrs["matrix"]) else 1.5
        net.add_edge(str(u), str(v), title=_edge_title(attrs["parts"], lang), width=width,
                     dashes=attrs["kind"] != "realizzata",
                     color=MATRIX_COLOURS.get(attrs["matrix"], "#666666"))
    net.set_options('{"physics": {"enabled": false}, '
                    '"edges": {"arrows": {"to": {"enabled": true, "scaleFactor": 0.6}}, '
                    '"smooth": {"type": "continuous"}}, "interaction": {"hover": true}}')
    document = net.generate_html(notebook=False)
    document = document.replace("<center>\n<h1></h1>\n</center>", "").replace(
        "<center>\n          <h1></h1>\n        </center>", "")
    return offline_html(document)


def embed_document(document: str, height: str = "660px", title: str = "") -> str:
    """An ``<iframe srcdoc>`` that carries a whole HTML document inside another page
    (notebook output, Voila, ``report.html``) with its scripts isolated from the page."""
    return (f'<div class="wb-network"><iframe title="{html.escape(title)}" '
            f'srcdoc="{html.escape(document, quote=True)}" '
            f'style="width:100%;height:{height};border:1px solid #ddd"></iframe></div>')


def network_html(settings: Settings, *, data: FlowData | None = None, level: str | None = None,
                 matrix: str | None = None, height: str = "620px") -> str:
    """The exchange network for the settings' audience, as an HTML fragment that works
    offline: an ``<iframe srcdoc>`` holding the pyvis document with vis-network inlined.

    Parameters
    ----------
    settings : Settings — store, audience, language (and key, for pseudonyms).
    data : FlowData, optional — already loaded; else read from the store.
    level : str, optional — ``company`` (``gsi`` default) or ``sector``.
    matrix : str, optional — only the exchanges of one matrix.
    height : str — CSS height of the drawing.
    """
    if data is None:
        from ..store import connect

        with connect(settings) as con:
            data = load_flow_data(con, lang=settings.lang)
    key = settings.resolve_key() if settings.audience == "funders" else None
    graph = exchange_graph(data, settings.audience, level, settings.lang, key, matrix)
    title = "Rete degli scambi" if settings.lang == "it" else "Exchange network"
    return embed_document(network_document(graph, settings.lang, height),
                          f"{int(height.rstrip('px')) + 40}px" if height.endswith("px") else height,
                          title)


METRIC_LABELS = {
    "it": {"label": "Nodo", "sector": "Settore", "companies": "Aziende", "realised": "Scambi realizzati",
           "candidates": "Candidati", "degree": "Grado", "betweenness": "Centralità",
           "component": "Gruppo", "placed_share": "Uscite con destinazione", "hub": "Hub"},
    "en": {"label": "Node", "sector": "Sector", "companies": "Companies", "realised": "Realised exchanges",
           "candidates": "Candidates", "degree": "Degree", "betweenness": "Betweenness",
           "component": "Group", "placed_share": "Outputs with a destination", "hub": "Hub"},
}


def metrics_table(settings: Settings, *, data: FlowData | None = None, level: str | None = None,
                  top: int = 15):
    """The network metrics of the audience's network as a formatted table (Styler), the
    ``top`` nodes by betweenness and degree."""
    from .tables import styled

    if data is None:
        from ..store import connect

        with connect(settings) as con:
            data = load_flow_data(con, lang=settings.lang)
    key = settings.resolve_key() if settings.audience == "funders" else None
    metrics = network_metrics(exchange_graph(data, settings.audience, level, settings.lang, key))
    shown = metrics.drop(columns=["node"]).head(top).copy()
    shown["betweenness"] = shown["betweenness"].round(3)
    shown["placed_share"] = (100 * shown["placed_share"]).round(0)
    shown["hub"] = shown["hub"].map({True: "sì" if settings.lang == "it" else "yes", False: ""})
    shown = shown.rename(columns=METRIC_LABELS[settings.lang])
    return styled(shown, settings.lang, {METRIC_LABELS[settings.lang]["betweenness"]: 3})


__all__ = ["exchange_graph", "network_metrics", "network_document", "network_html",
           "embed_document", "offline_html", "metrics_table", "sector_colours"]
