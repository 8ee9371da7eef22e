import pandas as pd

from workbench.screening import DELTA_T_MIN_K, generate_candidates


def _flow(flow_id, company, direction, matrix, resource, quantity, unit, lat=43.58, lon=10.33,
          temperature=None, cost=None, description=None):
    return dict(flow_id=flow_id, company_id=company, company_name=f"Azienda {company}", matrix=matrix,
                direction=direction, resource=resource, description=description or resource,
                quantity_std=quantity, unit_std=unit, temperature_c=temperature, unit_cost_eur=cost,
                lat=lat, lon=lon, hazardous=False)


def test_output_meets_input_through_a_rule():
    flows = pd.DataFrame([
        _flow("A-O1", "A", "out", "materia", "gesso_fgd", 1000, "t", cost=40),
        _flow("B-I1", "B", "in", "materia", "gesso_naturale", 600, "t", lat=43.60, cost=25),
        _flow("C-I1", "C", "in", "materia", "rottami_ferrosi", 600, "t"),
    ])
    c = generate_candidates(flows)
    assert list(zip(c["source_flow_id"], c["target_flow_id"])) == [("A-O1", "B-I1")]
    row = c.iloc[0]
    assert row["quantity_std"] == 600
    assert row["regulatory_path"] == "sottoprodotto"
    assert 2.0 < row["distance_km"] < 4.0  # 0.02° of latitude ≈ 2.2 km × detour 1.3
    assert row["avoided_cost_eur"] == 600 * (40 + 25)
    assert "sottoprodotto" in row["why"] and "2,9 km" in row["why"]


def test_no_candidate_within_one_company():
    flows = pd.DataFrame([_flow("A-O1", "A", "out", "materia", "gesso_fgd", 10, "t"),
                          _flow("A-I1", "A", "in", "materia", "gesso_naturale", 10, "t")])
    assert generate_candidates(flows).empty


def test_heat_cascade_needs_delta_t():
    flows = pd.DataFrame([
        _flow("A-O1", "A", "out", "energia", "calore_media_temperatura", 500, "MWh", temperature=80),
        _flow("B-I1", "B", "in", "energia", "domanda_calore_processo", 300, "MWh", temperature=80 - DELTA_T_MIN_K),
        _flow("C-I1", "C", "in", "energia", "domanda_calore_processo", 300, "MWh", temperature=75),
    ])
    c = generate_candidates(flows)
    assert list(c["target_flow_id"]) == ["B-I1"]
