"""Plotly Sankey views (workbench/views/sankey.py) on the demo store."""
from __future__ import annotations

import pandas as pd
import pytest

from workbench.demo import livorno_roster
from workbench.flows import load_flow_data
from workbench.store import connect
from workbench.views.sankey import SYNERGY_COLOUR, sankey_figures, sankey_trace


@pytest.fixture(scope="module")
def demo_data(demo_settings):
    with connect(demo_settings) as con:
        return load_flow_data(con)


def test_one_figure_per_matrix_with_units_in_titles(demo_settings, demo_data):
    figures = sankey_figures(demo_settings, data=demo_data)
    assert list(figures) == ["materia", "acqua", "energia"]
    assert figures["acqua"].layout.title.text == "Flussi di acqua [m3/anno]"
    assert figures["materia"].data[0].link.hovertemplate.count("%{customdata[1]}%") == 1


def test_realised_synergies_are_highlighted(demo_settings, demo_data):
    fig = sankey_figures(demo_settings, level="sector", data=demo_data)["materia"]
    colours = fig.data[0].link.color
    h = SYNERGY_COLOUR.lstrip("#")
    rgb = ",".join(str(int(h[i:i + 2], 16)) for i in (0, 2, 4))
    assert sum(f"rgba({rgb}," in c for c in colours) == len(demo_data.realised)


def test_old_signature_still_works(demo_settings, demo_data):
    figures = sankey_figures(demo_settings, "area", None, demo_data.flows)
    assert set(figures) == {"materia", "acqua", "energia"}


@pytest.mark.parametrize("audience", ["funders", "pubblico"])
def test_restricted_figures_name_no_company(demo_settings, demo_data, audience):
    figures = sankey_figures(demo_settings.with_(audience=audience), level="company", data=demo_data)
    text = " ".join(fig.to_json() for fig in figures.values())
    assert not [n for n in livorno_roster()["name"] if n in text]
    for fig in figures.values():
        assert all(int(c[2]) >= 3 for c in fig.data[0].link.customdata)
    assert "non mostrati per riservatezza" in text


def test_english_sankey_names_origins_and_destinations_in_english():
    from workbench.flows import ENDPOINT_NAMES_EN, endpoint_label

    assert endpoint_label("Recupero (R5)", "en") == "Recovery (R5)"
    assert endpoint_label("Smaltimento (D1)", "en") == "Disposal (D1)"
    assert endpoint_label("Pozzi (falda)", "en") == "Wells (groundwater)"
    assert endpoint_label("Pozzi (falda)", "it") == "Pozzi (falda)"
    assert endpoint_label("Chimica Fittizia S.p.A.", "en") == "Chimica Fittizia S.p.A."
    links = pd.DataFrame({"source": ["Pozzi (falda)", "Azienda"], "target": ["Azienda", "Fognatura"],
                          "value": [10.0, 8.0], "resource": ["acqua_falda", "acque_reflue"],
                          "direction": ["in", "out"], "companies": [3, 3]})
    trace = sankey_trace(links, "acqua", "en")
    assert list(trace.node.label) == ["Wells (groundwater)", "Azienda", "Sewer"]
    assert set(ENDPOINT_NAMES_EN) >= {"Fognatura", "Mare", "Rete elettrica"}
