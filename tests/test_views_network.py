"""Exchange network (workbench/views/network.py): graph, metrics, offline pyvis HTML."""
from __future__ import annotations

import html
import re

import pytest

from workbench.demo import livorno_roster
from workbench.flows import load_flow_data
from workbench.store import connect
from workbench.views.network import (exchange_graph, network_document, network_html,
                                     network_metrics, offline_html)


@pytest.fixture(scope="module")
def demo_data(demo_settings):
    with connect(demo_settings) as con:
        return load_flow_data(con)


def test_graph_nodes_and_realised_edges(demo_data):
    graph = exchange_graph(demo_data, "gsi")
    assert graph.number_of_nodes() == demo_data.flows["company_id"].nunique()
    realised = [e for e in graph.edges(data=True) if e[2]["kind"] == "realizzata"]
    assert len(realised) == len(demo_data.realised)
    node = graph.nodes["AZ-0001"]
    assert node["label"].startswith("Raffineria") and node["throughput_materia"] > 0


def test_candidates_are_dashed_edges(demo_data):
    from dataclasses import replace

    import pandas as pd

    cand = pd.DataFrame({"candidate_id": ["C1"], "matrix": ["materia"], "source_flow_id": [None],
                         "target_flow_id": [None], "source_company_id": ["AZ-0041"],
                         "target_company_id": ["AZ-0038"], "quantity_std": [100.0]})
    graph = exchange_graph(replace(demo_data, candidates=cand), "gsi")
    assert graph.edges["AZ-0041", "AZ-0038"]["kind"] == "candidato"
    document = network_document(graph)
    assert '"dashes": true' in document


def test_metrics_for_a_facilitator(demo_data):
    metrics = network_metrics(exchange_graph(demo_data, "gsi"))
    assert {"degree", "betweenness", "component", "placed_share", "hub"} <= set(metrics.columns)
    assert metrics["realised"].sum() == 2 * len(demo_data.realised)
    assert metrics["component"].min() == 1
    assert metrics["placed_share"].dropna().between(0, 1).all()


def test_html_works_offline(demo_settings, demo_data):
    fragment = network_html(demo_settings, data=demo_data)
    document = html.unescape(re.search(r'srcdoc="(.*?)"', fragment, re.DOTALL).group(1))
    assert "vis.Network" in document or "new vis" in document  # vis-network inlined
    assert not re.search(r"""(src|href)\s*=\s*["']https?://""", document)
    assert "cdn.jsdelivr" not in document and "cdnjs" not in document
    with pytest.raises(ValueError, match="remote reference"):
        offline_html('<img src="https://example.org/x.png">')


@pytest.mark.parametrize("audience", ["funders", "pubblico"])
def test_restricted_network_shows_sectors_of_three(demo_settings, demo_data, audience):
    settings = demo_settings.with_(audience=audience)
    graph = exchange_graph(demo_data, audience)
    assert all(a["companies"] >= 3 for _, a in graph.nodes(data=True))
    fragment = network_html(settings, data=demo_data)
    document = html.unescape(fragment)
    assert not [n for n in livorno_roster()["name"] if n in document]
    assert not [c for c in demo_data.flows["company_id"].unique() if c in document]
