import pandas as pd
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from workbench.flows import pool_small_groups, sankey_links, sector_of, totals_by_matrix

UNITS = {"materia": "t", "acqua": "m3", "energia": "MWh"}


def _flows(rows):
    df = pd.DataFrame(rows, columns=["flow_id", "company_id", "company_name", "sector", "matrix",
                                     "direction", "resource", "quantity_std", "current_fate"])
    df["unit_std"] = df["matrix"].map(UNITS)
    return df


def test_sector_of_ateco():
    assert list(sector_of(pd.Series(["19.20", "37.00.00", "99.99", None]))) == [
        "Raffinazione del petrolio", "Depurazione acque reflue", "Divisione ATECO 99", "Divisione ATECO "]


def test_links_run_from_origin_to_company_to_destination():
    flows = _flows([
        ("F1", "A", "Alfa", "Chimica", "acqua", "in", "acqua_falda", 100.0, None),
        ("F2", "A", "Alfa", "Chimica", "acqua", "out", "reflue_processo", 80.0, None),
        ("F3", "A", "Alfa", "Chimica", "materia", "out", "gesso_fgd", 5.0, "R5"),
    ])
    water = sankey_links(flows, "acqua")
    assert set(zip(water["source"], water["target"])) == {("Pozzi (falda)", "Alfa"), ("Alfa", "Fognatura o corpo idrico")}
    material = sankey_links(flows, "materia", level="area")
    assert material.iloc[0]["target"] == "Recupero (R5)" and material.iloc[0]["unit"] == "t"


def test_units_are_never_mixed():
    flows = _flows([("F1", "A", "Alfa", "Chimica", "energia", "in", "gas_naturale", 10.0, None)])
    flows.loc[0, "unit_std"] = "t"
    with pytest.raises(ValueError, match='flow "F1" of matrix energia is in t, expected MWh'):
        sankey_links(flows, "energia")


def test_pool_small_groups_never_leaves_a_small_node():
    flows = _flows([(f"F{i}", c, c, s, "acqua", "in", "acqua_potabile", 1.0, None)
                    for i, (c, s) in enumerate([("A", "X"), ("B", "X"), ("C", "X"), ("D", "Y"), ("E", "Z")])])
    pooled = pool_small_groups(flows, "sector", 3)
    assert pooled.groupby("sector")["company_id"].nunique().min() >= 3


flow_rows = st.lists(st.tuples(
    st.sampled_from(["A", "B", "C", "D"]),
    st.sampled_from(["materia", "acqua", "energia"]),
    st.sampled_from(["in", "out"]),
    st.sampled_from(["acqua_falda", "gas_naturale", "gesso_fgd", "energia_elettrica", None]),
    st.floats(min_value=0.001, max_value=1e7, allow_nan=False),
    st.sampled_from([None, "R5", "D1"]),
), min_size=1, max_size=40)


@hsettings(max_examples=60, deadline=None)
@given(flow_rows, st.sampled_from(["company", "sector", "area"]))
def test_sankey_inputs_equal_store_totals(rows, level):
    flows = _flows([(f"F{i}", c, c, "S" + c, m, d, r, q, f) for i, (c, m, d, r, q, f) in enumerate(rows)])
    totals = totals_by_matrix(flows)
    for matrix in flows["matrix"].unique():
        links = sankey_links(flows, matrix, level)
        for direction in ("in", "out"):
            expected = totals.query("matrix == @matrix and direction == @direction")["quantity_std"].sum()
            assert links.loc[links["direction"] == direction, "value"].sum() == pytest.approx(expected)


# ---------------------------------------------------------------- issue 3: synergies, filters,
# balance, graph, unmatched, data gaps
from workbench.flows import (OTHER_COMPANIES_NODE, audience_sankey_links, check_balance,  # noqa: E402
                             data_gaps, destination_of, filter_flows, graph_edges,
                             output_coverage, synergy_allocation, unmatched_demands,
                             unmatched_supplies)
from workbench.privacy import DOMINANCE_SHARE, MIN_COMPANIES  # noqa: E402


def _full(rows):
    """Flow rows (flow_id, company, sector, matrix, direction, resource, qty, fate, eer,
    cost, counterpart) with the columns of load_flows."""
    df = pd.DataFrame(rows, columns=["flow_id", "company_id", "sector", "matrix", "direction",
                                     "resource", "quantity_std", "current_fate", "eer_code",
                                     "unit_cost_eur", "counterpart"])
    df["company_name"] = "Azienda " + df["company_id"]
    df["unit_std"] = df["matrix"].map(UNITS)
    df["year"] = 2025
    df["hazardous"] = df["eer_code"].fillna("").str.endswith("*")
    df["employees"] = 10.0
    df["site_id"] = "S-" + df["company_id"]
    return df


def _synergies(rows):
    return pd.DataFrame(rows, columns=["synergy_id", "source_flow_id", "target_flow_id",
                                       "source_company_id", "target_company_id", "matrix",
                                       "quantity_std", "status"])


CLUSTER = _full([
    ("A-O1", "A", "Chimica", "materia", "out", "gesso_fgd", 100.0, "D1", "100105", 30.0, "discarica"),
    ("A-I1", "A", "Chimica", "acqua", "in", "acqua_falda", 500.0, None, None, 0.1, "pozzo"),
    ("A-O2", "A", "Chimica", "acqua", "out", "reflue_processo", 300.0, None, None, None, "scarico a mare"),
    ("B-I1", "B", "Cemento", "materia", "in", "gesso_naturale", 80.0, None, None, 12.0, "cava"),
    ("B-O1", "B", "Cemento", "materia", "out", "inerti_cd", 40.0, "R5", "170107", 8.0, "impianto"),
    ("C-I1", "C", "Cemento", "materia", "in", "gesso_naturale", 10.0, None, None, 12.0, "cava"),
])
REGISTER = _synergies([
    ("S1", "A-O1", "B-I1", "A", "B", "materia", 70.0, "realizzata"),
    ("S2", "A-O1", "C-I1", "A", "C", "materia", 50.0, "proposta"),  # not realised: ignored
])


def test_a_realised_synergy_is_a_company_to_company_link():
    links = sankey_links(CLUSTER, "materia", synergies=REGISTER)
    syn = links[links["direction"] == "synergy"]
    assert list(zip(syn["source"], syn["target"], syn["value"])) == [("Azienda A", "Azienda B", 70.0)]
    assert syn["companies"].iloc[0] == 2  # both partners count
    origin = links[(links["direction"] == "in") & (links["target"] == "Azienda B")]
    assert origin["value"].sum() == pytest.approx(10.0)  # 80 declared, 70 from A
    disposal = links[links["target"] == "Smaltimento (D1)"]
    assert disposal["value"].sum() == pytest.approx(30.0)  # 100 declared, 70 to B


def test_a_synergy_never_moves_more_than_declared():
    register = REGISTER.assign(quantity_std=[1e6, 50.0])
    alloc = synergy_allocation(CLUSTER, register)
    assert alloc["value"].tolist() == [80.0]  # capped by B's input
    two = _synergies([("S1", "A-O1", "B-I1", "A", "B", "materia", 80.0, "realizzata"),
                      ("S3", "A-O1", "C-I1", "A", "C", "materia", 60.0, "monitorata")])
    alloc = synergy_allocation(CLUSTER, two)
    assert alloc["value"].sum() == pytest.approx(min(100.0, 80.0 + 10.0))
    assert (alloc.set_index("synergy_id")["value"] <= pd.Series({"S1": 80.0, "S3": 10.0}) + 1e-9).all()


def test_a_partner_outside_the_selection_becomes_other_companies():
    only_a = filter_flows(CLUSTER, companies=["A"])
    links = sankey_links(only_a, "materia", synergies=REGISTER)
    assert (links["target"] == OTHER_COMPANIES_NODE).any()
    assert links["value"].sum() == pytest.approx(100.0)


def test_destinations_of_water_and_materials():
    dest = destination_of(CLUSTER[CLUSTER["direction"] == "out"])
    assert list(dest) == ["Smaltimento (D1)", "Mare", "Recupero (R5)"]


def test_filters():
    assert set(filter_flows(CLUSTER, resources=["minerali"])["flow_id"]) == {"A-O1", "B-I1", "B-O1", "C-I1"}
    assert set(filter_flows(CLUSTER, resources=["gesso_fgd"])["flow_id"]) == {"A-O1"}
    assert set(filter_flows(CLUSTER, sectors=["Cemento"], matrix="materia")["company_id"]) == {"B", "C"}
    assert filter_flows(CLUSTER, hazardous=True).empty
    assert len(filter_flows(CLUSTER, year=2024)) == 0
    with pytest.raises(ValueError, match="unknown matrix 'aria'"):
        filter_flows(CLUSTER, matrix="aria")


def test_check_balance_says_which_node_and_by_how_much():
    balance = check_balance(CLUSTER, "company", matrix="acqua")
    row = balance.iloc[0]
    assert (row["node"], row["inputs"], row["outputs"], row["difference"]) == ("Azienda A", 500.0, 300.0, 200.0)
    assert row["relative"] == pytest.approx(0.4) and not row["balanced"]
    assert check_balance(CLUSTER, "company", matrix="acqua", tolerance=0.5)["balanced"].all()
    with pytest.raises(ValueError, match='node "Azienda A" does not balance for acqua: inputs 500 m3, outputs 300 m3'):
        check_balance(CLUSTER, "company", matrix="acqua", raise_error=True)


def test_graph_edges_at_company_and_sector_level():
    candidates = pd.DataFrame({"source_company_id": ["A"], "target_company_id": ["C"],
                               "matrix": ["materia"], "quantity_std": [10.0],
                               "source_flow_id": ["A-O1"], "target_flow_id": ["C-I1"]})
    edges = graph_edges(CLUSTER, REGISTER, candidates, "company")
    assert set(zip(edges["source"], edges["target"], edges["kind"])) == {
        ("A", "B", "realizzata"), ("A", "C", "candidato")}
    sectors = graph_edges(CLUSTER, REGISTER, candidates, "sector")
    assert set(zip(sectors["source"], sectors["target"])) == {("Chimica", "Cemento")}
    assert sectors["companies"].max() == 2


def test_output_coverage_counts_synergies_and_recovery():
    cov = output_coverage(CLUSTER, REGISTER).set_index(["company_id", "matrix"])
    assert cov.loc[("A", "materia"), "placed_share"] == pytest.approx(0.7)
    assert cov.loc[("B", "materia"), "placed_share"] == pytest.approx(1.0)  # R5
    assert cov.loc[("A", "acqua"), "placed_share"] == 0.0  # lost to the sea


def test_unmatched_supplies_and_demands():
    supplies = unmatched_supplies(CLUSTER, REGISTER).set_index("resource")
    assert supplies.loc["gesso_fgd", "quantity_std"] == pytest.approx(30.0)
    assert "inerti_cd" not in supplies.index  # already recovered (R5)
    assert "inerti_cd" in unmatched_supplies(CLUSTER, REGISTER, include_recovered=True)["resource"].values
    demands = unmatched_demands(CLUSTER, REGISTER).set_index("resource")
    assert demands.loc["gesso_naturale", "quantity_std"] == pytest.approx(20.0)  # 90 − 70
    assert demands.loc["gesso_naturale", "companies"] == 2


def test_data_gaps_make_a_to_do_list():
    companies = pd.DataFrame({"company_id": ["A", "B", "C", "D"], "name": list("ABCD"),
                              "sector": ["Chimica", "Cemento", "Cemento", "Cemento"],
                              "ateco": ["20.13", "23.51", "23.51", None],
                              "employees": [10.0, 10.0, 10.0, None], "turnover_eur": [1.0] * 4,
                              "lat": [43.5] * 4, "lon": [10.3] * 4, "cabina_primaria": ["CP"] * 4})
    flows = CLUSTER.copy()
    flows.loc[flows["flow_id"] == "B-O1", "eer_code"] = None
    gaps = data_gaps(flows, companies).set_index("company_id")
    assert gaps.loc["B", "no_eer"] == 1 and "codice EER" in gaps.loc["B", "to_collect"]
    assert gaps.loc["A", "no_cost"] == 1
    assert gaps.loc["C", "inputs_only"] == "materia"
    assert "nessun flusso in ingresso" in gaps.loc["D", "to_collect"]
    assert gaps.index[0] == "D"  # least complete first
    assert (gaps["completeness"].between(0, 1)).all()


# ---- property tests with realised synergies (the mass balance of the Sankey)
synergy_rows = st.lists(st.tuples(st.integers(0, 39), st.integers(0, 39),
                                  st.floats(min_value=0.0, max_value=1e7, allow_nan=False),
                                  st.sampled_from(["realizzata", "monitorata", "proposta"])),
                        max_size=12)


@hsettings(max_examples=60, deadline=None)
@given(flow_rows, synergy_rows, st.sampled_from(["company", "sector", "area"]))
def test_sankey_balances_with_synergies(rows, syn_rows, level):
    flows = _flows([(f"F{i}", c, c, "S" + c, m, d, r, q, f) for i, (c, m, d, r, q, f) in enumerate(rows)])
    by_id = flows.set_index("flow_id")
    register = _synergies([
        (f"S{k}", f"F{a}", f"F{b}",
         by_id["company_id"].get(f"F{a}"), by_id["company_id"].get(f"F{b}"),
         by_id["matrix"].get(f"F{a}", "materia"), q, status)
        for k, (a, b, q, status) in enumerate(syn_rows)])
    register = register[register["matrix"] == register["source_flow_id"].map(by_id["matrix"])]
    totals = totals_by_matrix(flows).set_index(["matrix", "direction"])["quantity_std"]
    for matrix in flows["matrix"].unique():
        links = sankey_links(flows, matrix, level, synergies=register)
        value = links.groupby("direction")["value"].sum()
        synergy = value.get("synergy", 0.0)
        assert value.get("in", 0.0) + synergy == pytest.approx(totals.get((matrix, "in"), 0.0))
        assert value.get("out", 0.0) + synergy == pytest.approx(totals.get((matrix, "out"), 0.0))
        assert (links["value"] > 0).all()


@hsettings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("ABCDEFGH"), st.sampled_from(["in", "out"]),
                          st.sampled_from(["acqua_falda", "acqua_potabile", "reflue_processo"]),
                          st.floats(min_value=0.01, max_value=1e6, allow_nan=False)),
                min_size=1, max_size=40),
       st.sampled_from(["funders", "pubblico"]), st.sampled_from(["sector", "area"]))
def test_restricted_sankey_never_shows_a_small_or_dominated_link(rows, audience, level):
    flows = _flows([(f"F{i}", c, c, "S" + str("ABCDEFGH".index(c) % 3), "acqua", d, r, q, None)
                    for i, (c, d, r, q) in enumerate(rows)])
    links = audience_sankey_links(flows, "acqua", audience, level)
    assert (links["companies"] >= MIN_COMPANIES).all()
    assert (links["top_share"] <= DOMINANCE_SHARE + 1e-12).all()
    assert "A" not in set(links["source"]) | set(links["target"])  # never a company node


def test_demo_sankey_sources_equal_the_store_totals(demo_settings):
    """The issue's property on the demo store: for the same filter, the links leaving the
    sources plus the realised synergies equal the store's input total (read with SQL)."""
    from workbench.flows import load_flow_data
    from workbench.store import connect

    with connect(demo_settings) as con:
        data = load_flow_data(con)
        for matrix in ("materia", "acqua", "energia"):
            for sector in (None, "Chimica"):
                sql = ("SELECT coalesce(sum(f.quantity_std), 0) FROM v_flows f JOIN v_companies c "
                       "USING (company_id) WHERE f.matrix = ? AND f.direction = 'in'")
                part = data.flows
                if sector:
                    sql += " AND substr(replace(c.ateco, '.', ''), 1, 2) = '20'"
                    part = filter_flows(part, sectors=[sector])
                expected = con.execute(sql, [matrix]).fetchone()[0]
                links = sankey_links(part, matrix, "sector", synergies=data.synergies)
                shown = links.loc[links["direction"].isin(["in", "synergy"]), "value"].sum()
                inside = links[(links["direction"] == "synergy") | (links["direction"] == "in")]
                assert shown == pytest.approx(expected), (matrix, sector)
                assert (inside["value"] > 0).all()
