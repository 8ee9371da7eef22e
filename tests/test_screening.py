import numpy as np
import pandas as pd
import pytest

from workbench.energy.heat import heat_match
from workbench.screening import (DELTA_T_MIN_K, filter_candidates, generate_candidates,
                                 joint_opportunities)
from workbench.screening.candidates import block_pairs, prepare_flows, rule_table
from workbench.screening.economics import annuity, overlap_quantity, profile_matrix
from workbench.screening.library import annuity_factor


def _flow(flow_id, company, direction, matrix, resource, quantity_std, unit, lat=43.58, lon=10.33,
          temperature=None, cost=None, description=None, **extra):
    row = dict(flow_id=flow_id, company_id=company, company_name=f"Azienda {company}", matrix=matrix,
               direction=direction, resource=resource, description=description or resource,
               quantity_std=quantity_std, unit_std=unit, temperature_c=temperature, unit_cost_eur=cost,
               lat=lat, lon=lon, hazardous=False)
    row.update(extra)
    return row


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
    assert 2.0 < row["distance_km"] < 2.5  # 0.02° of latitude ≈ 2.2 km great circle
    assert row["route_km"] == pytest.approx(row["distance_km"] * 1.3, rel=0.01)  # × detour
    assert row["avoided_cost_eur"] == 600 * (40 + 25)
    assert "sottoprodotto" in row["why"] and "2,9 km su strada" in row["why"]


def test_every_benefit_term_adds_up():
    flows = pd.DataFrame([
        _flow("A-O1", "A", "out", "materia", "ceneri_pesanti", 5000, "t", cost=90),
        _flow("B-I1", "B", "in", "materia", "aggregati_naturali", 20000, "t", lat=43.70, cost=12),
    ])
    row = generate_candidates(flows).iloc[0]
    expected = (row["avoided_disposal_eur"] + row["avoided_purchase_eur"] - row["transport_eur"]
                - row["treatment_eur"] - row["capex_annuity_eur"])
    assert row["net_benefit_eur"] == pytest.approx(expected, abs=2)
    # the rule caps bottom ash at 30 % of the aggregates demand
    assert row["quantity_std"] == pytest.approx(min(5000, 0.3 * 20000))
    for term in ("smaltimento evitato", "acquisto evitato", "trasporto", "trattamento",
                 "rata dell'investimento"):
        assert term in row["why"]
    assert row["data_to_collect"]


def test_annuity_is_the_capital_recovery_factor():
    assert annuity_factor(0.06, 20) == pytest.approx(0.06 * 1.06 ** 20 / (1.06 ** 20 - 1))
    assert annuity_factor(0.0, 10) == pytest.approx(0.1)
    assert annuity(1000.0) > 0


def test_no_candidate_within_one_company():
    flows = pd.DataFrame([_flow("A-O1", "A", "out", "materia", "gesso_fgd", 10, "t"),
                          _flow("A-I1", "A", "in", "materia", "gesso_naturale", 10, "t")])
    assert generate_candidates(flows).empty


def test_heat_cascade_uses_the_one_heat_model():
    flows = pd.DataFrame([
        _flow("A-O1", "A", "out", "energia", "calore_media_temperatura", 500, "MWh", temperature=80),
        _flow("B-I1", "B", "in", "energia", "domanda_calore_processo", 300, "MWh",
              temperature=80 - DELTA_T_MIN_K),
        _flow("C-I1", "C", "in", "energia", "domanda_calore_processo", 300, "MWh", temperature=75),
        _flow("D-I1", "D", "in", "energia", "domanda_calore_processo", 300, "MWh", temperature=200),
    ])
    c = generate_candidates(flows).set_index("target_flow_id")
    expected = heat_match([80, 80, 80], [70, 75, 200])["mode"].tolist()
    assert expected[:2] == ["diretto", "pompa_di_calore"] and expected[2] is None
    assert c.loc["B-I1", "heat_mode"] == "diretto"
    assert c.loc["C-I1", "heat_mode"] == "pompa_di_calore"
    assert "D-I1" not in c.index  # 200 °C from 80 °C: nothing
    assert c.loc["C-I1", "lca_kind"] == "heat_recovery"
    # the heat pump adds electricity: source heat per unit delivered is 1 − 1/COP
    assert c.loc["C-I1", "source_per_target"] == pytest.approx(1 - 1 / c.loc["C-I1", "cop"], rel=1e-3)


def test_heat_too_far_for_a_pipe():
    flows = pd.DataFrame([
        _flow("A-O1", "A", "out", "energia", "calore_alta_temperatura", 500, "MWh", temperature=300),
        _flow("B-I1", "B", "in", "energia", "domanda_calore_processo", 300, "MWh", temperature=90,
              lat=43.70),  # 13 km
    ])
    assert generate_candidates(flows).empty


def test_fuel_is_a_heat_sink_only_with_its_use_temperature():
    flows = pd.DataFrame([
        _flow("A-O1", "A", "out", "energia", "calore_alta_temperatura", 5000, "MWh", temperature=300),
        _flow("B-I1", "B", "in", "energia", "gas_naturale", 3000, "MWh"),
        _flow("C-I1", "C", "in", "energia", "gas_naturale", 3000, "MWh", temperature=120),
    ])
    c = generate_candidates(flows)
    assert list(c["target_flow_id"]) == ["C-I1"]


def test_water_quality_needs_an_admitted_use_and_reclaimed_water_stays_out_of_food():
    flows = pd.DataFrame([
        _flow("A-O1", "A", "out", "acqua", "effluente_depurato", 100000, "m3"),
        _flow("B-I1", "B", "in", "acqua", "acqua_falda", 50000, "m3",
              description="acqua di pozzo per torri di raffreddamento"),
        _flow("C-I1", "C", "in", "acqua", "acqua_potabile", 50000, "m3",
              description="acqua di processo", ateco="10.51"),  # dairy: contact with food
        _flow("D-I1", "D", "in", "acqua", "acqua_mare", 50000, "m3"),
    ])
    c = generate_candidates(flows)
    assert list(c["target_flow_id"]) == ["B-I1"]
    row = c.iloc[0]
    assert row["water_use"] == "raffreddamento" and row["water_quality"] == "reflua_urbana_trattata"
    assert row["treatment_eur"] > 0 and row["groundwater_saved_m3"] == 50000  # wells replaced
    assert "DM 185/2003" in row["data_to_collect"]


def test_hazardous_waste_only_where_the_rule_admits_it():
    flows = pd.DataFrame([
        _flow("A-O1", "A", "out", "materia", "oli_usati", 100, "t", eer_code="13 02 05*"),
        _flow("A-O2", "A", "out", "materia", "ceneri_leggere", 100, "t", eer_code="10 01 13*"),
        _flow("B-I1", "B", "in", "materia", "oli_lubrificanti", 100, "t", ateco="19.20"),
        _flow("C-I1", "C", "in", "materia", "cemento_leganti", 1000, "t"),
    ])
    c = generate_candidates(flows)
    assert list(c["source_flow_id"]) == ["A-O1"]
    assert bool(c.iloc[0]["hazardous"]) and c.iloc[0]["regulatory_path"] == "recupero_rifiuto"
    assert "ADR" in c.iloc[0]["data_to_collect"]


def test_receiver_sector_constraint():
    flows = pd.DataFrame([
        _flow("A-O1", "A", "out", "materia", "pneumatici_gomma", 1000, "t"),
        _flow("B-I1", "B", "in", "energia", "carbone_coke", 100000, "MWh", ateco="23.51"),  # cement
        _flow("C-I1", "C", "in", "energia", "carbone_coke", 100000, "MWh", ateco="35.11"),  # power
        _flow("D-I1", "D", "in", "energia", "carbone_coke", 100000, "MWh"),  # unknown sector
    ])
    c = generate_candidates(flows).set_index("target_flow_id")
    assert "B-I1" in c.index and "C-I1" not in c.index
    assert "settore del ricevente non dichiarato" in c.loc["D-I1", "assumptions"]


def test_monthly_profiles_limit_the_overlap():
    winter = [0.2, 0.2, 0.1, 0.05, 0, 0, 0, 0, 0, 0.05, 0.2, 0.2]
    summer = [0, 0, 0, 0.1, 0.2, 0.2, 0.2, 0.2, 0.1, 0, 0, 0]
    shares, declared = profile_matrix(pd.Series([winter, summer, None]))
    assert declared.tolist() == [True, True, False]
    q = overlap_quantity(np.array([1200.0]), shares[[0]], np.array([1200.0]), shares[[1]],
                         np.array([1.0]), np.array([True]))
    both = np.minimum(np.array(winter) / sum(winter), np.array(summer) / sum(summer)).sum()
    assert q[0] == pytest.approx(1200 * both)  # only April: the one month both run
    assert q[0] < 1200 * 0.1
    q_flat = overlap_quantity(np.array([1200.0]), shares[[2]], np.array([600.0]), shares[[2]],
                              np.array([1.0]), np.array([False]))
    assert q_flat[0] == 600


def test_blocking_is_not_a_cross_join():
    rng = np.random.default_rng(1)
    rows = []
    for i in range(400):
        rows.append(_flow(f"O{i}", f"A{i}", "out", "materia", "gesso_fgd", 100, "t",
                          lat=43 + rng.random(), lon=10 + rng.random()))
        rows.append(_flow(f"I{i}", f"B{i}", "in", "materia", "gesso_naturale", 100, "t",
                          lat=43 + rng.random(), lon=10 + rng.random()))
        rows.append(_flow(f"X{i}", f"C{i}", "in", "materia", "rottami_ferrosi", 100, "t",
                          lat=43 + rng.random(), lon=10 + rng.random()))
    outputs, inputs, _ = prepare_flows(pd.DataFrame(rows))
    pairs = block_pairs(outputs, inputs, neighbours=5)
    assert len(pairs) <= 400 * 5  # a cross join would be 400 × 800
    rules = rule_table().iloc[pairs["rule"]]
    assert set(rules["key_t"]) == {"gesso_naturale"}


def test_rejected_pairs_are_skipped_and_diagnostics_count_them():
    flows = pd.DataFrame([
        _flow("A-O1", "A", "out", "materia", "gesso_fgd", 1000, "t"),
        _flow("B-I1", "B", "in", "materia", "gesso_naturale", 600, "t"),
        _flow("C-I1", "C", "in", "materia", "gesso_naturale", 600, "t"),
    ])
    c = generate_candidates(flows, exclude_pairs={("A-O1", "B-I1")})
    assert list(c["target_flow_id"]) == ["C-I1"]
    assert c.attrs["diagnostics"]["coppie_scartate_dall_analista"] == 1


def test_filters_of_the_notebook():
    flows = pd.DataFrame([
        _flow("A-O1", "A", "out", "materia", "gesso_fgd", 1000, "t", cost=40),
        _flow("B-I1", "B", "in", "materia", "gesso_naturale", 600, "t", cost=25),
        _flow("A-O2", "A", "out", "energia", "calore_media_temperatura", 500, "MWh", temperature=90),
        _flow("C-I1", "C", "in", "energia", "domanda_calore_processo", 300, "MWh", temperature=70),
    ])
    c = generate_candidates(flows)
    assert set(filter_candidates(c, matrix="energia")["matrix"]) == {"energia"}
    assert len(filter_candidates(c, company="azienda c")) == 1
    assert len(filter_candidates(c, regulatory_path="sottoprodotto")) == 1
    assert (filter_candidates(c, min_benefit=0)["net_benefit_eur"] >= 0).all()


def test_unit_cost_per_declared_unit_is_converted():
    flows = pd.DataFrame([
        _flow("A-O1", "A", "out", "energia", "calore_alta_temperatura", 1000, "MWh", temperature=300),
        # gas declared in Sm3 at 0.5 EUR/Sm3: 100,000 Sm3 ≈ 979 MWh → ≈ 51 EUR/MWh
        _flow("B-I1", "B", "in", "energia", "gas_naturale", 979.25, "MWh", temperature=120,
              cost=0.5, quantity=100000.0),
    ])
    row = generate_candidates(flows).iloc[0]
    assert row["avoided_purchase_eur"] / row["quantity_std"] == pytest.approx(0.5 * 100000 / 979.25, rel=1e-3)


def test_joint_purchasing_and_shared_logistics_are_flagged():
    flows = pd.DataFrame([
        _flow("A-I1", "A", "in", "materia", "calce_reagenti", 100, "t", cost=150),
        _flow("B-I1", "B", "in", "materia", "calce_reagenti", 200, "t", lat=43.60),
        _flow("C-I1", "C", "in", "materia", "calce_reagenti", 200, "t", lat=44.60),  # far away
        _flow("A-O1", "A", "out", "materia", "imballaggi_misti", 10, "t", cost=140),
        _flow("B-O1", "B", "out", "materia", "imballaggi_misti", 20, "t", cost=150),
    ])
    j = joint_opportunities(flows).set_index("kind")
    assert set(j.index) == {"acquisto_congiunto", "logistica_condivisa"}
    assert j.loc["acquisto_congiunto", "companies"] == 2
    assert j.loc["acquisto_congiunto", "spend_eur"] == pytest.approx(100 * 150 + 200 * 150)
    assert j.loc["logistica_condivisa", "saving_eur"] > 0
    assert "aziende entro" in j.loc["acquisto_congiunto", "why"]
