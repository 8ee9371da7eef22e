"""The notebook 02 widget panel (workbench/views/panels.py)."""
from __future__ import annotations

import pytest

from workbench.flows import load_flow_data
from workbench.store import connect
from workbench.views.panels import FlowPanel


@pytest.fixture(scope="module")
def demo_data(demo_settings):
    with connect(demo_settings) as con:
        return load_flow_data(con)


def test_controls_update_the_same_figure_in_place(demo_settings, demo_data):
    panel = FlowPanel(demo_settings, demo_data)
    figure = panel.figure
    company_links = len(figure.data[0].link.value)
    panel.level.value = "area"
    assert panel.figure is figure and len(figure.data[0].link.value) < company_links
    panel.matrix.value = "acqua"
    assert figure.layout.title.text == "Flussi di acqua [m3/anno]"
    panel.resource.value = "metalli"  # no water is a metal
    assert "Nessun flusso" in panel.status.value and len(figure.data[0].link.value) == 0


def test_errors_go_to_the_status_line(demo_settings, demo_data):
    panel = FlowPanel(demo_settings, demo_data)
    panel.data = None  # a broken state: the callback must not raise
    panel.level.value = "sector"
    assert "Errore" in panel.status.value


def test_restricted_panel_offers_no_company_level(demo_settings, demo_data):
    panel = FlowPanel(demo_settings.with_(audience="funders"), demo_data, level="company")
    assert [v for _, v in panel.level.options] == ["sector", "area"]
    assert panel.level.value == "sector"
