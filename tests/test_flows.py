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
