"""The screening's reference data: counts, sources, consistency."""
import pandas as pd

from workbench.reference import eer_codes, resource_classes, substitution_rules
from workbench.screening.candidates import rule_table
from workbench.screening.library import (co2e_factors, disposal_costs, heat_levels, prices,
                                         secondary_prices, transport_modes, water_qualities,
                                         water_treatment, water_uses)
from workbench.config import LIB_DIR
from workbench.model import REGULATORY_PATHS, R_CODES


def test_enough_classes_and_rules_each_with_a_source():
    classes = resource_classes()
    rules = substitution_rules()
    assert len(classes) >= 120 and classes["resource"].is_unique
    assert len(rules) >= 150
    assert (classes["source"].str.strip() != "").all()
    assert (rules["source"].str.strip() != "").all()
    assert set(classes["matrix"]) == {"materia", "acqua", "energia"}
    assert set(classes["role"]) <= {"in", "out", "both"}
    assert not rules.duplicated(["source_resource", "target_resource"]).any()


def test_rules_name_known_classes_paths_and_r_codes():
    known = set(resource_classes()["resource"])
    rules = substitution_rules()
    assert set(rules["source_resource"]) <= known and set(rules["target_resource"]) <= known
    assert set(rules["regulatory_path"]) <= set(REGULATORY_PATHS)
    codes = rules.loc[rules["r_code"] != "", "r_code"]
    assert set(codes) <= set(R_CODES)
    waste = rules[rules["regulatory_path"] == "recupero_rifiuto"]
    assert (waste["r_code"] != "").all()
    assert set(rules["mode"]) <= {"camion", "autocisterna", "tubazione", "rete_elettrica"}


def test_class_eer_codes_exist():
    known = set(eer_codes()["code"])
    for codes in resource_classes()["eer_codes"]:
        for code in filter(None, codes.split("|")):
            assert code in known, code


def test_water_rules_agree_with_the_quality_use_matrix():
    classes = resource_classes().set_index("resource")
    rules = substitution_rules()
    water = rules[rules["source_resource"].map(classes["matrix"]) == "acqua"]
    quality = {r: q for q, rs in water_qualities()["resources"].items() for r in rs.split("|") if r}
    use = {}
    for u, rs in water_uses()["resources"].items():
        for r in rs.split("|"):
            if r:
                use.setdefault(r, u)
    matrix = water_treatment()
    admitted = set(zip(matrix.loc[matrix["admitted"], "quality"], matrix.loc[matrix["admitted"], "use"]))
    for r in water.itertuples():
        if r.target_resource in use and use[r.target_resource] != "processo":
            assert (quality[r.source_resource], use[r.target_resource]) in admitted, r
    # every admitted cell has a cost and a source
    assert matrix.loc[matrix["admitted"], "cost_eur_m3"].notna().all()
    assert (matrix["source"] != "").all()


def test_cost_tables_have_ranges_years_and_sources():
    for table in (transport_modes().reset_index(), disposal_costs(), prices().reset_index(),
                  secondary_prices().reset_index(), co2e_factors().reset_index()):
        assert (table["source"].astype(str).str.strip() != "").all()
        assert table["year"].astype(int).between(1990, 2030).all()
    p = prices()
    assert (p["price_min"] <= p["price"]).all() and (p["price"] <= p["price_max"]).all()
    d = disposal_costs()
    assert (d["eur_per_t_min"] <= d["eur_per_t"]).all() and (d["eur_per_t"] <= d["eur_per_t_max"]).all()
    assert ("*", False) in set(zip(d["eer_chapter"], d["hazardous"]))
    assert (LIB_DIR / "costs" / "README.md").exists()


def test_heat_levels_cover_every_heat_class():
    classes = resource_classes()
    heat = set(classes.loc[classes["family"] == "calore", "resource"])
    assert heat <= set(heat_levels().index)


def test_rule_table_blocks_on_keys():
    table = rule_table()
    assert table["max_km"].gt(0).all()
    assert table["key_s"].str.startswith("q:").any() and table["key_t"].str.startswith("u:").any()
