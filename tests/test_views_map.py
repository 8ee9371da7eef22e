"""Maps (workbench/views/map.py) and the basemap of lib/geo."""
from __future__ import annotations

import html
import json

import pytest

from workbench.config import LIB_DIR
from workbench.demo import livorno_roster
from workbench.flows import load_flow_data
from workbench.store import connect
from workbench.views.map import (exchange_lines, pipe_radii, site_map, site_points,
                                 static_map_html)


@pytest.fixture(scope="module")
def demo_data(demo_settings):
    with connect(demo_settings) as con:
        return load_flow_data(con)


def test_basemap_files_are_around_livorno_with_a_source():
    assert "approximate" in (LIB_DIR / "geo" / "README.md").read_text(encoding="utf-8").lower()
    for name in ("livorno_comune.geojson", "livorno_costa.geojson"):
        collection = json.loads((LIB_DIR / "geo" / name).read_text(encoding="utf-8"))
        for feature in collection["features"]:
            assert "OpenStreetMap" in feature["properties"]["reference"]
            text = json.dumps(feature["geometry"]["coordinates"])
            numbers = [float(x) for x in text.replace("[", " ").replace("]", " ").replace(",", " ").split()]
            lons, lats = numbers[0::2], numbers[1::2]
            assert all(10.2 < x < 10.5 for x in lons) and all(43.4 < y < 43.7 for y in lats)


def test_gsi_sees_sites_lines_and_radii(demo_data):
    points = site_points(demo_data, "gsi")
    assert len(points) == len(demo_data.sites.dropna(subset=["lat"]))
    assert exchange_lines(demo_data, "gsi")["kind"].eq("realizzata").sum() == len(demo_data.realised)
    radii = pipe_radii(demo_data, "gsi")
    assert set(radii["medium"]) == {"calore", "acqua"} and (radii["radius_km"] > 0).all()


def test_restricted_sees_groups_of_three_and_no_radius(demo_data):
    points = site_points(demo_data, "funders")
    assert (points["companies"] >= 3).all()
    assert pipe_radii(demo_data, "funders").empty
    assert (exchange_lines(demo_data, "funders")["label"].str.contains("→") == False).all()  # noqa: E712


def test_static_map_needs_no_network_and_names_no_one_for_funders(demo_settings, demo_data):
    gsi = static_map_html(demo_settings, data=demo_data)
    assert gsi.startswith("<figure") and "<svg" in gsi and "<script" not in gsi
    assert "http://" not in gsi.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in gsi
    assert "Raffineria Tirrenica Immaginaria" in html.unescape(gsi)
    funders = html.unescape(static_map_html(demo_settings.with_(audience="funders"), data=demo_data))
    assert not [n for n in livorno_roster()["name"] if n in funders]
    assert "almeno 3 aziende" in funders


def test_interactive_map_has_layers(demo_settings, demo_data):
    m = site_map(demo_settings, demo_data)
    names = [layer.name for layer in m.layers]
    assert "Siti" in names and "Simbiosi realizzate" in names
    assert any(n.startswith("Raggio tubazione calore") for n in names)
