"""The audience functions of workbench/privacy.py used by the flow views (issue 3 item 7)."""
from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from workbench.privacy import (DOMINANCE_SHARE, MIN_COMPANIES, cell_statistics, node_labels,
                               pool_unsafe_cells, pseudonym, spatial_cells, suppress_small_nodes,
                               unsafe_cells, view_level, view_levels)

KEY = "chiave-di-prova"
COMPANIES = pd.DataFrame({"company_id": ["AZ-1", "AZ-2"], "name": ["Alfa S.r.l.", "Beta S.p.A."],
                          "consent": ["riservato", "nominativo"]})


def test_levels_by_audience():
    assert view_levels("gsi") == ("company", "sector", "area")
    assert view_levels("funders") == view_levels("pubblico") == ("sector", "area")
    assert view_level("gsi") == "company" and view_level("funders") == "sector"
    assert view_level("funders", "company") == "sector" and view_level("pubblico", "area") == "area"
    with pytest.raises(ValueError, match="unknown aggregation level"):
        view_level("gsi", "nazione")


def test_node_labels_never_name_a_company_outside_the_gsi():
    assert node_labels(COMPANIES, "gsi", KEY).tolist() == ["Alfa S.r.l.", "Beta S.p.A."]
    funders = node_labels(COMPANIES, "funders", KEY)
    assert funders.tolist() == [pseudonym("AZ-1", KEY), pseudonym("AZ-2", KEY)]  # even nominativo
    assert node_labels(COMPANIES, "pubblico", KEY).isna().all()


def test_cell_statistics_count_partners():
    rows = pd.DataFrame({"cell": ["x", "x", "y"], "company_id": ["A", "B", "A"],
                         "partner_id": [None, "C", None], "value": [9.0, 1.0, 5.0]})
    stats = cell_statistics(rows, ["cell"]).set_index("cell")
    assert stats.loc["x", "companies"] == 3 and stats.loc["x", "top_share"] == pytest.approx(0.9)
    assert unsafe_cells(stats.reset_index()).tolist() == [True, True]


def test_pool_unsafe_cells_coarsens_then_suppresses():
    rows = pd.DataFrame({"resource": ["r1", "r2", "r3", "r4"], "company_id": ["A", "B", "C", "D"],
                         "value": [1.0, 1.0, 1.0, 100.0]})
    steps = [{"resource": {"r1": "fam", "r2": "fam", "r3": "fam"}}]
    out = pool_unsafe_cells(rows, ["resource"], steps, "funders")
    assert out.loc[:2, "resource"].eq("fam").all() and not out.loc[:2, "suppressed"].any()
    assert out.loc[3, "suppressed"]  # a single company stays alone: left out
    assert not pool_unsafe_cells(rows, ["resource"], steps, "gsi")["suppressed"].any()


def test_suppress_small_nodes_repeats_until_stable():
    links = pd.DataFrame({"source": ["O", "O", "O", "X"], "target": ["N1", "N1", "N1", "N1"],
                          "company_id": ["A", "B", "C", "A"]})
    assert not suppress_small_nodes(links, "funders")[:3].any()
    assert suppress_small_nodes(links, "funders")[3]  # node X: one company


@hsettings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.floats(43.50, 43.65), st.floats(10.25, 10.45)), min_size=1, max_size=60))
def test_spatial_cells_always_hold_three_companies(points):
    frame = pd.DataFrame({"company_id": [f"C{i}" for i in range(len(points))],
                          "lat": [p[0] for p in points], "lon": [p[1] for p in points]})
    cells = spatial_cells(frame, "funders")
    assert (cells["companies"] >= MIN_COMPANIES).all()
    shown = sum(len(i) for i in cells["point_index"])
    assert shown + cells.attrs["dropped"] == len(frame)
    assert len(spatial_cells(frame, "gsi")) == len(frame)


def test_design_constants_unchanged():
    assert (MIN_COMPANIES, DOMINANCE_SHARE) == (3, 0.85)
