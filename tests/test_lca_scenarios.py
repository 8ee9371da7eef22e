"""Checks an LCA practitioner would do: hand calculations, balances, uncertainty, drivers.

The hand calculations read the numbers of ``lib/lci/*.csv`` with the ``csv`` module and
apply the IPCC AR6 GWP100 by hand (no Brightway, no workbench code), compose the two
scenarios explicitly, and compare with the Brightway result within 0.5 %.
"""
from __future__ import annotations

import csv
import os
import time
from datetime import date
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from workbench import lca
from workbench.config import NOTEBOOKS_DIR, Settings
from workbench.lca.inventory import NON_PROCESS_FILES

#: IPCC AR6 WG1 (2021), table 7.15 — as in the bundled IPCC 2021 method.
GWP100 = {"Carbon dioxide, fossil": 1.0, "Methane, fossil": 29.8, "Methane, non-fossil": 27.0,
          "Dinitrogen monoxide": 273.0}
REL = 0.005  # the issue's tolerance: 0.5 %


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A bootstrapped project with the foreground loaded (throwaway directory)."""
    base = tmp_path_factory.mktemp("brightway-scenari")
    lca.bootstrap(base, methods=["gwp100", "groundwater_m3"])
    lca.load_foreground(base)
    return base


# ---------------------------------------------------------------- an independent calculator
def csv_exchanges() -> dict[str, list[dict]]:
    """process_code → its CSV rows, read without the workbench."""
    processes: dict[str, list[dict]] = {}
    for path in sorted(lca.LCI_DIR.glob("*.csv")):
        if path.name in NON_PROCESS_FILES:
            continue
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                processes.setdefault(row["process_code"], []).append(row)
    return processes


def hand_score(process: str, amount: float = 1.0, flows=None, _rows=None) -> float:
    """Life-cycle score of ``amount`` of ``process`` by recursion over the CSV rows.

    ``flows`` maps elementary-flow names to factors (default GWP100); technosphere rows
    are followed (the foreground has no loops).
    """
    rows = _rows if _rows is not None else csv_exchanges()
    flows = GWP100 if flows is None else flows
    total = 0.0
    for row in rows[process]:
        value = float(row["amount"]) * amount
        if row["exchange_type"] == "biosphere":
            total += value * flows.get(row["input"], 0.0)
        else:
            total += hand_score(row["input"], value, flows, rows)
    return total


def amount_of(process: str, input_: str) -> float:
    return sum(float(r["amount"]) for r in csv_exchanges()[process] if r["input"] == input_)


def subject(**values) -> dict:
    base = {"subject_id": "S-1", "subject_kind": "candidate"}
    base.update(values)
    return base


# ---------------------------------------------------------------- hand calculations
def test_hand_fgd_gypsum_1000_t_with_30_km_of_lorry(project):
    """1,000 t of FGD gypsum replace natural gypsum; 30 km by lorry; the supplier would
    landfill it (default route of the class)."""
    tonnes, km = 1000.0, 30.0
    baseline = hand_score("landfill_nonhazardous_mineral", tonnes) + hand_score("gypsum_natural", tonnes)
    symbiosis = hand_score("lorry_tkm", tonnes * km)  # no treatment: "nessuno (umidità < 10%)"
    assert symbiosis == pytest.approx(tonnes * km * 0.107, rel=1e-9)
    row = lca.avoided_impacts(pd.DataFrame([subject(
        source_resource="gesso_fgd", target_resource="gesso_naturale", quantity_std=tonnes,
        unit_std="t", route_km=km, transport_mode="camion")]), project).iloc[0]
    assert row["kind"] == "material_substitution"
    assert row["baseline"] == pytest.approx(baseline, rel=REL)
    assert row["symbiosis"] == pytest.approx(symbiosis, rel=REL)
    assert row["avoided"] == pytest.approx(baseline - symbiosis, rel=REL)
    assert row["avoided"] == pytest.approx(2443, rel=REL)  # the figure of lib/lci/README.md


def test_hand_treated_effluent_100000_m3_replaces_groundwater(project):
    """100,000 m3 of municipal effluent, tertiary treatment and 2 km of pipe, instead of
    pumping groundwater; the effluent would otherwise go to sea."""
    m3, km = 100_000.0, 2.0
    baseline = hand_score("groundwater_pumping_treatment", m3) + hand_score("effluent_discharge", m3)
    symbiosis = (hand_score("tertiary_treatment_municipal_effluent", m3)
                 + hand_score("water_pipe_pumping", m3 * km))
    groundwater = amount_of("groundwater_pumping_treatment", "Water, well, in ground") * m3
    results = lca.avoided_impacts(pd.DataFrame([subject(
        source_resource="effluente_depurato", target_resource="acqua_falda", quantity_std=m3,
        unit_std="m3", route_km=km)]), project, method=["gwp100", "groundwater_m3"])
    gwp = results[results["method"] == lca.method_label("gwp100")].iloc[0]
    water = results[results["method"] == lca.method_label("groundwater_m3")].iloc[0]
    assert gwp["baseline"] == pytest.approx(baseline, rel=REL)
    assert gwp["symbiosis"] == pytest.approx(symbiosis, rel=REL)
    assert gwp["avoided"] == pytest.approx(4915, rel=REL)
    assert water["unit"] == "m3"
    assert water["avoided"] == pytest.approx(groundwater, rel=REL)
    assert water["avoided"] == pytest.approx(102_000, rel=REL)


def test_hand_one_mwh_of_recovered_heat(project):
    """1 MWh of heat: gas boiler of stated efficiency (0.90) against pipe pumping."""
    eta = 1 / amount_of("heat_natural_gas_boiler", "natural_gas_combustion_industrial")
    assert eta == pytest.approx(0.90, rel=1e-6)
    baseline = hand_score("natural_gas_combustion_industrial", 1 / eta)
    symbiosis = 0.015 * 250.0
    row = lca.avoided_impacts(pd.DataFrame([subject(kind="heat_recovery", quantity_mwh=1.0)]),
                              project).iloc[0]
    assert row["avoided"] == pytest.approx(baseline - symbiosis, rel=REL)
    assert row["avoided"] == pytest.approx(220.21, rel=REL)


def test_hand_heat_pump_uses_the_candidate_cop(project):
    cop = 3.2
    row = lca.avoided_impacts(pd.DataFrame([subject(
        source_resource="calore_bassa_temperatura", target_resource="riscaldamento_ambienti",
        quantity_std=100.0, unit_std="MWh", heat_mode="pompa_di_calore", cop=cop)]), project).iloc[0]
    assert row["kind"] == "heat_pump"
    expected_sym = 100 * (0.015 * 250 + 250 / cop)
    assert row["symbiosis"] == pytest.approx(expected_sym, rel=REL)
    assert row["baseline"] == pytest.approx(hand_score("heat_natural_gas_boiler", 100), rel=REL)


def test_natural_gas_target_is_read_as_gas_replaced(project):
    """The screening's quantity for a receiver that declares natural gas is MWh of gas."""
    row = lca.avoided_impacts(pd.DataFrame([subject(
        source_resource="vapore_bassa", target_resource="gas_naturale", quantity_std=1000.0,
        unit_std="MWh")]), project).iloc[0]
    assert row["baseline"] == pytest.approx(hand_score("natural_gas_combustion_industrial", 1000),
                                            rel=REL)


def test_plastics_recycling_against_incineration(project):
    """Incineration of 100 t of plastics (with electricity credit) and 85 t of virgin
    polymer avoided, against recycling 100 t and 20 km of lorry."""
    q_src, km = 100.0, 20.0
    baseline = hand_score("incineration_plastics", q_src) + hand_score("plastics_virgin", 85.0)
    symbiosis = hand_score("plastics_recycling_extrusion", q_src) + hand_score("lorry_tkm", q_src * km)
    row = lca.avoided_impacts(pd.DataFrame([subject(
        source_resource="plastica_scarto", target_resource="polimeri_vergini", quantity_std=85.0,
        source_quantity_std=q_src, unit_std="t", route_km=km)]), project).iloc[0]
    assert row["avoided"] == pytest.approx(baseline - symbiosis, rel=REL)


# ---------------------------------------------------------------- balances
def rule_subjects() -> pd.DataFrame:
    """One subject per row of kinds.csv, with quantities that follow its rule."""
    kinds = lca.read_kinds()
    kinds = kinds[kinds["kind"] != ""]
    tables = lca.read_tables()
    units = tables.kind_units
    ratio = lca.substitution_ratio(kinds["source_resource"], kinds["target_resource"])
    rows = []
    for i, (r, k) in enumerate(zip(kinds.itertuples(index=False), ratio)):
        q_src = 100.0
        values = {"subject_id": f"R-{i:03d}", "subject_kind": "candidate",
                  "source_resource": r.source_resource, "target_resource": r.target_resource,
                  "unit_std": units[r.kind], "source_quantity_std": q_src, "route_km": 12.0}
        if r.kind == "heat_pump":
            cop = 4.0
            heat = q_src / (1 - 1 / cop)
            values.update(cop=cop, heat_mode="pompa_di_calore",
                          quantity_std=heat / tables.eta_boiler if r.target_resource == "gas_naturale"
                          else heat)
        else:
            values["quantity_std"] = q_src * (k if np.isfinite(k) else 1.0)  # water "*": 1
        rows.append(values)
    return pd.DataFrame(rows)


def test_every_substitution_of_kinds_csv_balances():
    subjects = rule_subjects()
    resolved = lca.resolve_subjects(subjects)
    assert resolved["reason"].isna().all(), resolved.loc[resolved["reason"].notna(),
                                                         ["subject_id", "reason"]].to_string()
    balance = lca.scenario_balance(resolved)
    assert list(balance.columns) == list(lca.BALANCE_COLUMNS)
    bad = balance[~balance["balanced"]]
    assert bad.empty, bad[["subject_id", "kind", "problem"]].to_string()
    # the same function on both sides
    assert np.allclose(balance["delivered_baseline"], balance["delivered_symbiosis"], rtol=1e-3)
    assert np.allclose(balance["residue_baseline"], balance["residue_symbiosis"])
    heat = balance[balance["energy_out_symbiosis"].notna()]
    assert len(heat) >= 10
    assert (heat["energy_out_symbiosis"] <= heat["energy_in_symbiosis"] * (1 + 1e-9)).all()
    mass = balance[balance["mass_unaccounted"].notna()]
    assert len(mass) >= 20 and (mass["mass_unaccounted"] >= -1e-6).all()


def test_balance_names_quantities_that_break_the_rule():
    subjects = pd.DataFrame([subject(source_resource="gesso_fgd", target_resource="gesso_naturale",
                                     quantity_std=100.0, source_quantity_std=50.0, unit_std="t",
                                     route_km=5.0)])
    balance = lca.scenario_balance(lca.resolve_subjects(subjects)).iloc[0]
    assert not balance["balanced"]
    assert "fornitura diversa: 100 senza simbiosi, 50 con simbiosi" in balance["problem"]


def test_heat_pump_energy_balance_is_checked():
    cop = 3.0
    good = subject(source_resource="calore_bassa_temperatura", target_resource="riscaldamento_ambienti",
                   quantity_std=90.0, source_quantity_std=60.0, unit_std="MWh", cop=cop,
                   heat_mode="pompa_di_calore")
    bad = {**good, "subject_id": "S-2", "source_quantity_std": 30.0}  # 30 + 90/3 < 90
    balance = lca.scenario_balance(lca.resolve_subjects(pd.DataFrame([good, bad])))
    assert balance["balanced"].tolist() == [True, False]
    assert balance.loc[0, "energy_in_symbiosis"] == pytest.approx(90.0)
    assert "energia creata" in balance.loc[1, "problem"]


def test_treatment_residues_close_the_mass_balance():
    """Plastics recycling sends 1 − 0.85 of its input to incineration: nothing is left."""
    resolved = lca.resolve_subjects(pd.DataFrame([subject(
        source_resource="plastica_scarto", target_resource="polimeri_vergini", quantity_std=85.0,
        unit_std="t", route_km=1.0)]))
    row = lca.scenario_balance(resolved).iloc[0]
    assert row["treatment_residue"] == pytest.approx(15.0)
    assert row["mass_unaccounted"] == pytest.approx(0.0, abs=1e-9)


def test_boiler_and_chiller_energy_balances_in_the_inventory():
    assert 1 / amount_of("heat_natural_gas_boiler", "natural_gas_combustion_industrial") == \
        pytest.approx(lca.boiler_efficiency())
    assert 1 / amount_of("steam_natural_gas_boiler", "natural_gas_combustion_industrial") == \
        pytest.approx(0.90, rel=1e-6)
    assert 1 / amount_of("cooling_electric_chiller", "electricity_grid_it") == pytest.approx(3.5, rel=1e-6)
    # stoichiometry of sulphuric acid: S/H2SO4 = 32.06/98.08
    assert amount_of("sulphuric_acid_production", "sulphur_production") == pytest.approx(32.06 / 98.08,
                                                                                          rel=1e-3)


# ---------------------------------------------------------------- scenario resolution
@pytest.mark.parametrize("code, route", [("D1", "smaltimento"), ("D10", "incenerimento"),
                                         ("R1", "incenerimento"), ("R4", "recupero"),
                                         ("r05", "recupero"), ("D7", "scarico"), ("R13", None),
                                         (None, None), ("X9", None)])
def test_fate_routes(code, route):
    assert lca.fate_route(code) == route


def test_declared_fate_and_water_source_change_the_baseline():
    resolved = lca.resolve_subjects(pd.DataFrame([
        subject(subject_id="P", source_resource="plastica_scarto", target_resource="polimeri_vergini",
                quantity_std=85.0, unit_std="t", route_km=3.0, current_fate="R3"),
        subject(subject_id="W", source_resource="effluente_depurato",
                target_resource="acqua_raffreddamento", quantity_std=1000.0, unit_std="m3",
                route_km=1.0, target_water_quality="potabile"),
        subject(subject_id="V", source_resource="effluente_depurato",
                target_resource="acqua_raffreddamento", quantity_std=1000.0, unit_std="m3",
                route_km=1.0),
    ])).set_index("subject_id")
    assert resolved.loc["P", "disposal_process"] == "residue_to_recovery_operator"
    assert resolved.loc["W", "virgin_process"] == "aqueduct_water"
    assert resolved.loc["V", "virgin_process"] == "groundwater_pumping_treatment"
    assert "fonte idrica del ricevente non dichiarata" in resolved.loc["V", "assumptions"]


def test_heat_mode_of_the_candidate_refines_the_kind():
    resolved = lca.resolve_subjects(pd.DataFrame([
        subject(subject_id="A", source_resource="calore_media_temperatura",
                target_resource="domanda_calore_processo", quantity_std=10.0, unit_std="MWh",
                heat_mode="pompa_di_calore", cop=3.0),
        subject(subject_id="B", source_resource="calore_bassa_temperatura",
                target_resource="riscaldamento_ambienti", quantity_std=10.0, unit_std="MWh",
                heat_mode="diretto"),
        subject(subject_id="C", source_resource="calore_media_temperatura", target_resource="freddo",
                quantity_std=10.0, unit_std="MWh", heat_mode="assorbimento", cop=0.7),
    ])).set_index("subject_id")
    assert resolved["kind"].to_dict() == {"A": "heat_pump", "B": "heat_recovery",
                                          "C": "absorption_cooling"}


def test_missing_data_is_named(project):
    subjects = pd.DataFrame([subject(source_resource="gesso_fgd", target_resource="gesso_naturale",
                                     quantity_std=10.0, unit_std="t")])
    resolved = lca.resolve_subjects(subjects)
    assert resolved.loc[0, "reason"] == "percorso mancante (route_km o distance_km)"
    with pytest.raises(lca.LcaError, match="soggetto 'S-1': percorso mancante"):
        lca.avoided_impacts(subjects, project)
    no_cop = subjects.assign(source_resource="calore_bassa_temperatura",
                             target_resource="riscaldamento_ambienti", unit_std="MWh")
    assert "COP mancante" in lca.resolve_subjects(no_cop).loc[0, "reason"]
    unknown = subjects.assign(target_resource="bitume")
    assert "nessuno scenario LCA per gesso_fgd → bitume" in lca.resolve_subjects(unknown).loc[0, "reason"]


def test_excluded_substitutions_say_why_and_water_pairs_by_use():
    resolved = lca.resolve_subjects(pd.DataFrame([
        subject(subject_id="E", source_resource="elettricita_eccedente",
                target_resource="energia_elettrica", quantity_std=10.0, unit_std="MWh"),
        subject(subject_id="R", source_resource="reflue_processo", target_resource="acqua_potabile",
                quantity_std=1000.0, unit_std="m3", route_km=1.0),
    ])).set_index("subject_id")
    assert resolved.loc["E", "reason"].startswith("energia condivisa (CER)")
    assert pd.isna(resolved.loc["R", "reason"])
    assert resolved.loc["R", "kind"] == "water_reuse"
    assert resolved.loc["R", "virgin_process"] == "aqueduct_water"
    assert resolved.loc["R", "treatment_process"] == "process_wastewater_reuse_treatment"


def test_distance_becomes_a_route_with_the_detour_factor():
    resolved = lca.resolve_subjects(pd.DataFrame([subject(
        source_resource="gesso_fgd", target_resource="gesso_naturale", quantity_std=10.0,
        unit_std="t", distance_km=10.0)]))
    assert resolved.loc[0, "route_km"] == pytest.approx(13.0)
    assert "percorso = distanza × 1.3" in resolved.loc[0, "assumptions"]


def test_kinds_cover_the_families_the_issue_lists():
    kinds = lca.read_kinds()
    virgin = set(kinds["virgin_process"])
    assert {"gypsum_natural", "aggregates_natural", "clinker_raw_materials", "clinker_portland",
            "sulphuric_acid_production", "fertiliser_mineral_npk", "wood_virgin", "pulp_virgin",
            "pig_iron_blast_furnace", "plastics_virgin", "solvents_virgin",
            "groundwater_pumping_treatment", "aqueduct_water"} <= virgin
    assert set(lca.scenario_kinds()) >= {"heat_recovery", "heat_pump", "steam_recovery",
                                         "absorption_cooling", "water_reuse",
                                         "material_substitution", "secondary_logistics"}
    inventory = lca.read_inventory()
    assert {"steam_natural_gas_boiler", "groundwater_pumping_treatment", "aqueduct_water",
            "tertiary_treatment_municipal_effluent", "cooling_water_treatment", "lorry_tkm",
            "ship_tkm", "landfill_inert", "landfill_organic", "incineration_plastics",
            "incineration_biogenic"} <= set(inventory["process_code"])
    series = lca.grid_electricity_series()
    assert series["year"].tolist() == [2019, 2020, 2021, 2022, 2023]
    assert (series["verification"] == "ipotesi").all()  # NOT the ISPRA numbers


def test_disposal_table_covers_every_material_and_water_source():
    kinds = lca.read_kinds()
    disposal = lca.read_disposal()
    needs = kinds[kinds["kind"].isin(["material_substitution", "water_reuse"])]["source_resource"]
    assert sorted(set(needs) - set(disposal.index)) == []


# ---------------------------------------------------------------- batch, uncertainty, drivers
def mixed_subjects() -> pd.DataFrame:
    return pd.DataFrame([
        subject(subject_id="HEAT", kind="heat_recovery", quantity_std=500.0, unit_std="MWh"),
        subject(subject_id="GYPSUM-FAR", source_resource="gesso_fgd",
                target_resource="gesso_naturale", quantity_std=1000.0, unit_std="t", route_km=53.0),
        subject(subject_id="WATER", source_resource="effluente_depurato",
                target_resource="acqua_falda", quantity_std=50_000.0, unit_std="m3", route_km=1.5),
        subject(subject_id="PLASTIC", source_resource="plastica_scarto",
                target_resource="polimeri_vergini", quantity_std=85.0, unit_std="t", route_km=20.0),
    ])


def test_batch_equals_one_lca_per_subject(project):
    """The batch (one factorisation) against bw2calc.LCA per subject: the benchmark's own
    cross-check on a few synthetic subjects of every family."""
    report = lca.benchmark(project, n_subjects=30, n_naive=6)
    assert report["n_naive"] == 6 and report["batch_seconds"] > 0


def test_monte_carlo_is_seeded_and_brackets_the_result(project):
    ev = lca.prepare_evaluation(mixed_subjects(), project, method=["gwp100", "groundwater_m3"])
    start = time.perf_counter()
    mc = lca.monte_carlo(ev, iterations=1000, seed=7)
    assert time.perf_counter() - start < 120  # generous; bench/bench_lca.py measures it
    again = lca.monte_carlo(ev, iterations=50, seed=7)
    other = lca.monte_carlo(ev, iterations=50, seed=8)
    gwp = ev.methods[0]
    assert np.array_equal(mc.unit_impacts[gwp][:50], again.unit_impacts[gwp])
    assert not np.array_equal(again.unit_impacts[gwp], other.unit_impacts[gwp])
    table = lca.intervals(ev, mc)
    assert list(table.columns) == list(lca.INTERVAL_COLUMNS)
    assert (table["mc_iterations"] == 1000).all()
    det = lca.results_table(ev).set_index(["subject_id", "method"])["avoided"]
    table = table.set_index(["subject_id", "method"])
    assert (table["avoided_p05"] <= table["avoided_p95"]).all()
    label = lca.method_label("gwp100")
    heat = table.loc[("HEAT", label)]
    assert heat["avoided_p05"] < det[("HEAT", label)] < heat["avoided_p95"]
    assert not heat["sign_uncertain"]
    # FGD gypsum 53 km away: transport eats the whole benefit, the sign is uncertain
    assert abs(det[("GYPSUM-FAR", label)]) < 0.1 * det[("HEAT", label)] / 500 * 1000
    assert table.loc[("GYPSUM-FAR", label), "sign_uncertain"]
    total = lca.interval_of_sum(ev, mc, gwp, np.ones(len(ev.subjects), dtype=bool))
    assert total["p05"] < total["value"] < total["p95"] and total["subjects"] == 4


def test_contributions_name_the_driver_and_add_up(project):
    ev = lca.prepare_evaluation(mixed_subjects(), project)
    results = lca.results_table(ev).set_index("subject_id")
    assert results.loc["HEAT", "driver_process"] == "natural_gas_combustion_industrial"
    assert results.loc["HEAT", "driver_name"].startswith("combustione di gas naturale")
    assert results.loc["PLASTIC", "driver_process"] == "incineration_plastics"
    assert results.loc["WATER", "driver_process"] == "electricity_grid_it"
    for level in ("process", "component"):
        parts = lca.contributions(ev, level=level)
        sums = parts.groupby(["subject_id", "scenario"])["impact"].sum().unstack()
        assert sums["baseline"].to_numpy() == pytest.approx(
            results.loc[sums.index, "baseline"].to_numpy(), rel=1e-6)
        assert sums["symbiosis"].to_numpy() == pytest.approx(
            results.loc[sums.index, "symbiosis"].to_numpy(), rel=1e-6)
        shares = parts.groupby("subject_id")["avoided_share"].sum()
        assert shares.to_numpy() == pytest.approx(np.ones(len(shares)), rel=1e-6)
    audit = lca.scenario_table(ev, "GYPSUM-FAR")
    assert set(audit["process_code"]) == {"landfill_nonhazardous_mineral", "gypsum_natural", "lorry_tkm"}
    assert audit.loc[audit["process_code"] == "lorry_tkm", "amount"].iloc[0] == pytest.approx(53_000)


def test_every_selectable_method_and_indicator_runs_offline(project):
    methods = [*lca.SELECTABLE_METHODS, *lca.INVENTORY_INDICATORS]
    results = lca.avoided_impacts(mixed_subjects(), project, method=methods)
    assert len(results) == 4 * len(methods)
    assert results["avoided"].notna().all() and results["unit"].ne("").all()
    scores = lca.process_scores(project, method="ef31_acidification").set_index("process_code")
    assert scores.loc["sulphuric_acid_conversion", "score"] > 0  # its SO2
    assert scores.loc["heat_recovered_delivery", "score"] == 0  # CO2 only upstream


def test_waste_indicator_counts_disposal(project):
    results = lca.avoided_impacts(mixed_subjects(), project, method="waste_disposed_t")
    by = results.set_index("subject_id")["avoided"]
    assert by["GYPSUM-FAR"] == pytest.approx(1000.0, rel=1e-6)  # landfill avoided
    # plastics: 100 t not incinerated, 15 t of sorting residue incinerated instead
    assert by["PLASTIC"] == pytest.approx(100.0 - 15.0, rel=1e-6)
    assert results["unit"].eq("t").all()


# ---------------------------------------------------------------- store, potential vs realised
def demo_like_store(tmp_path: Path) -> Settings:
    """Companies with NDA and sites, candidates of the screening, synergies of the register."""
    from workbench import store

    settings = Settings(data_dir=tmp_path, store_path=tmp_path / "store.duckdb", key="k-test")
    with store.connect(settings) as con:
        for cid, lat in (("AZ-1", 43.55), ("AZ-2", 43.60), ("AZ-3", 43.62)):
            con.execute("INSERT INTO companies (company_id, name, vat_number, nda_signed_on) "
                        "VALUES (?, ?, ?, ?)", [cid, f"Finta {cid}", cid.replace("AZ-", "0000000000"),
                                                date(2026, 1, 1)])
            con.execute("INSERT INTO sites (site_id, company_id, lat, lon) VALUES (?, ?, ?, 10.31)",
                        [f"S-{cid}", cid, lat])
        flows = (("F-G", "AZ-1", "out", "materia", "gesso_fgd", 2000, "t", None, None, "D1"),
                 ("F-GN", "AZ-2", "in", "materia", "gesso_naturale", 3000, "t", None, None, None),
                 ("F-E", "AZ-1", "out", "acqua", "effluente_depurato", 1e5, "m3", None, None, None),
                 ("F-W", "AZ-3", "in", "acqua", "acqua_raffreddamento", 8e4, "m3", None, "falda", None),
                 ("F-H", "AZ-3", "out", "energia", "calore_bassa_temperatura", 800, "MWh", 35.0, None, None),
                 ("F-HD", "AZ-2", "in", "energia", "riscaldamento_ambienti", 900, "MWh", 60.0, None, None))
        for fid, cid, direction, matrix, resource, q, unit, temp, quality, fate in flows:
            con.execute("INSERT INTO flows (flow_id, site_id, company_id, direction, matrix, "
                        "description, resource, quantity, unit, quantity_std, unit_std, "
                        "temperature_c, water_quality, current_fate) "
                        "VALUES (?, ?, ?, ?, ?, 'x', ?, ?, ?, ?, ?, ?, ?, ?)",
                        [fid, f"S-{cid}", cid, direction, matrix, resource, q, unit, q, unit,
                         temp, quality, fate])
        for sid, source, target, matrix, q, unit, status in (
                ("SY-G", "F-G", "F-GN", "materia", 1000.0, "t", "realizzata"),
                ("SY-W", "F-E", "F-W", "acqua", 50_000.0, "m3", "monitorata"),
                ("SY-H", "F-H", "F-HD", "energia", 400.0, "MWh", "fattibile")):
            con.execute("INSERT INTO synergies (synergy_id, source_flow_id, target_flow_id, matrix, "
                        "quantity_std, unit_std, status, co2e_avoided_t) VALUES (?, ?, ?, ?, ?, ?, ?, 9.9)",
                        [sid, source, target, matrix, q, unit, status])
        con.execute("""INSERT INTO candidates (candidate_id, kind, matrix, source_flow_id,
                       target_flow_id, source_company_id, target_company_id, source_resource,
                       target_resource, quantity_std, unit_std, source_quantity_std, route_km,
                       transport_mode, co2e_avoided_t, co2e_method)
                       VALUES ('C-G', 'uscita_ingresso', 'materia', 'F-G', 'F-GN', 'AZ-1', 'AZ-2',
                               'gesso_fgd', 'gesso_naturale', 2000, 't', 2000, 7.5, 'camion', 7.7,
                               'fattori'),
                              ('C-X', 'uscita_ingresso', 'materia', 'F-G', 'F-GN', 'AZ-1', 'AZ-2',
                               'gesso_fgd', 'bitume', 2000, 't', 2000, 7.5, 'camion', 1.0,
                               'fattori')""")
    return settings


def test_evaluate_run_stores_intervals_and_keeps_potential_and_realised_apart(project, tmp_path):
    from workbench import store

    settings = demo_like_store(tmp_path)
    run = lca.evaluate_run(settings, project_dir=project, method="gwp100,groundwater_m3",
                           iterations=200, seed=3)
    evaluated = set(run.results["subject_id"])
    assert evaluated == {"C-G", "SY-G", "SY-W", "SY-H"}
    assert run.not_evaluated["subject_id"].tolist() == ["C-X"]
    assert "gesso_fgd → bitume" in run.not_evaluated["reason"].iloc[0]
    by = run.results[run.results["method"] == lca.method_label("gwp100")].set_index("subject_id")
    assert by.loc["SY-H", "kind"] == "heat_pump"  # COP from 35 °C → 60 °C
    assert by.loc["SY-G", "status"] == "realizzata"
    # the register gives the supplier's quantity; route from the two sites (× 1.3)
    assert by.loc["SY-G", "quantity_std"] == pytest.approx(1000.0)
    with store.connect(settings) as con:
        stored = con.execute("SELECT * FROM lca_results ORDER BY subject_id, method").df()
        lca_cand = lca.results_for(con, "candidate")
        lca_syn = lca.results_for(con, "synergy")
        candidates = con.execute("SELECT * FROM candidates ORDER BY candidate_id").df()
        replaced = lca.with_lca_co2e(candidates, con, "candidate")
    assert list(stored.columns) == list(lca.STORE_COLUMNS)
    assert len(stored) == 8 and stored["inventory_version"].eq(lca.inventory_version()).all()
    assert stored["avoided_p05"].notna().all() and stored["mc_iterations"].eq(200).all()
    gwp_rows = stored["method"] == lca.method_label("gwp100")
    assert stored.loc[gwp_rows, "driver_name"].notna().all()
    # no groundwater involved → no driver, not a made-up one
    assert stored.loc[~gwp_rows & (stored["avoided"] == 0), "driver_name"].isna().all()
    assert list(lca_cand.index) == ["C-G"] and sorted(lca_syn.index) == ["SY-G", "SY-H", "SY-W"]
    replaced = replaced.set_index("candidate_id")
    assert replaced.loc["C-G", "co2e_source"] == "lca"
    assert replaced.loc["C-G", "co2e_avoided_t"] == pytest.approx(by.loc["C-G", "avoided"] / 1000)
    assert replaced.loc["C-G", "co2e_method"].startswith("LCA Brightway, IPCC 2021")
    assert replaced.loc["C-X", "co2e_source"] == "fattori"
    assert replaced.loc["C-X", "co2e_avoided_t"] == pytest.approx(1.0)
    summary = lca.summary(run)
    gwp = summary[summary["method"] == lca.method_label("gwp100")].set_index("ambito")
    assert gwp.loc["potenziale", "subjects"] == 1 and gwp.loc["realizzato", "subjects"] == 2
    assert gwp.loc["in corso", "subjects"] == 1
    assert gwp.loc["realizzato", "avoided"] == pytest.approx(
        by.loc["SY-G", "avoided"] + by.loc["SY-W", "avoided"], rel=1e-9)
    water = summary[summary["method"] == lca.method_label("groundwater_m3")].set_index("ambito")
    assert water.loc["realizzato", "avoided"] == pytest.approx(51_000, rel=1e-6)
    # a run on the synergies only leaves the candidates' rows alone
    lca.evaluate_run(settings, project_dir=project, subjects="sinergie", iterations=0)
    with store.connect(settings) as con:
        kinds = con.execute("SELECT subject_kind, count(*) FROM lca_results "
                            "WHERE method = ? GROUP BY 1 ORDER BY 1",
                            [lca.method_label("gwp100")]).fetchall()
    assert kinds == [("candidate", 1), ("synergy", 3)]


def test_views_draw_and_respect_the_audience(project, tmp_path):
    from workbench.views import lca as views

    settings = demo_like_store(tmp_path)
    run = lca.evaluate_run(settings, project_dir=project, iterations=100, store=False)
    chosen = lca.pick_subject(run)
    assert chosen == run.results.loc[run.results["avoided"].idxmax(), "subject_id"]
    waterfall = views.waterfall(run, chosen, settings)
    assert waterfall.data[0].type == "waterfall"
    avoided = run.results.set_index("subject_id").loc[chosen, "avoided"]
    factor = 1e-3 if waterfall.layout.title.text.endswith("(t CO2-Eq/anno)") else 1.0
    assert sum(waterfall.data[0].y) == pytest.approx(avoided * factor, rel=1e-6)
    assert views.contribution_chart(run, chosen, settings).data
    assert views.uncertainty_chart(run, settings).data[0].error_x.array is not None
    assert "evitati" in views.headline(run, chosen, settings)
    views.results_table(run, settings).to_html()
    views.summary_table(run, settings).to_html()
    views.scenario_detail(run, chosen, settings).to_html()
    funders = settings.with_(audience="funders")
    assert views.waterfall(run, chosen, funders) == views.TEXT["it"]["restricted"]
    assert "soggetti valutati" in views.results_table(run, funders)
    with pytest.raises(lca.LcaError, match="soggetto 'NO' non valutato"):
        lca.pick_subject(run, "NO")


# ---------------------------------------------------------------- optional ecoinvent
def fake_ecoinvent(project_dir, name="ecoinvent-finto"):
    """A two-activity stand-in for an imported ecoinvent (the link logic, not the data)."""
    bd = lca.open_project(project_dir)
    if name in bd.databases:
        return name
    from bw2data.backends import ActivityDataset as AD

    co2 = AD.select(AD.code).where((AD.database == lca.BIOSPHERE) & (AD.name == "Carbon dioxide, fossil")
                                   ).tuples()
    code = next(c for (c,) in co2 if bd.get_node(database=lca.BIOSPHERE, code=c)["categories"] == ("air",))
    bd.Database(name).write({
        (name, "el"): {"name": "market for electricity, medium voltage",
                       "reference product": "electricity, medium voltage", "location": "IT",
                       "unit": "kilowatt hour", "type": "process", "exchanges": [
                           {"input": (name, "el"), "amount": 1.0, "type": "production"},
                           {"input": (lca.BIOSPHERE, code), "amount": 0.5, "type": "biosphere"}]},
        (name, "gy"): {"name": "market for gypsum, mineral", "reference product": "gypsum, mineral",
                       "location": "RoW", "unit": "ton", "type": "process", "exchanges": [
                           {"input": (name, "gy"), "amount": 1.0, "type": "production"}]},
    })
    return name


def test_link_to_an_imported_ecoinvent(project):
    name = fake_ecoinvent(project)
    bd = lca.open_project(project)
    links = lca.link_ecoinvent(bd, name).set_index("process_code")
    assert links.loc["electricity_grid_it", "status"] == "collegato"
    assert links.loc["gypsum_natural", "status"].startswith("unità diversa")
    assert links.loc["lorry_tkm", "status"] == "assente dalla release"
    heat_pump = pd.DataFrame([subject(source_resource="calore_bassa_temperatura",
                                      target_resource="riscaldamento_ambienti", quantity_std=100.0,
                                      unit_std="MWh", heat_mode="pompa_di_calore", cop=4.0)])
    plain = lca.avoided_impacts(heat_pump, project).iloc[0]
    linked = lca.avoided_impacts(heat_pump, project, database=name).iloc[0]
    assert linked["database"].startswith(f"{name} (1 processi collegati)")
    # the heat pump's electricity (25 MWh) now comes from the linked activity: 500 kg/MWh
    assert linked["symbiosis"] - plain["symbiosis"] == pytest.approx(25 * (500 - 250), rel=1e-5)
    ev = lca.prepare_evaluation(heat_pump, project, database=name)
    parts = lca.contributions(ev, level="process")
    assert "market for electricity, medium voltage [IT]" in set(parts["process_code"])
    with pytest.raises(lca.LcaError, match="database 'ecoinvent-3.10' assente dal progetto"):
        lca.avoided_impacts(heat_pump, project, database="ecoinvent-3.10")


ECOINVENT_DIR = os.environ.get("WORKBENCH_ECOINVENT_DIR")
ECOINVENT_DB = os.environ.get("WORKBENCH_ECOINVENT_DB")


@pytest.mark.skipif(not (ECOINVENT_DIR and ECOINVENT_DB),
                    reason="nessun ecoinvent con licenza: impostare WORKBENCH_ECOINVENT_DIR "
                           "(cartella Brightway con ecoinvent importato) e WORKBENCH_ECOINVENT_DB")
def test_real_ecoinvent_release():
    """Uses the given Brightway directory in place: like a real run, it adds (or refreshes)
    the lci_livorno database in that project."""
    project_dir = Path(ECOINVENT_DIR)
    project_name = os.environ.get("WORKBENCH_ECOINVENT_PROJECT", lca.DEFAULT_PROJECT)
    bd = lca.open_project(project_dir, project_name)
    links = lca.link_ecoinvent(bd, ECOINVENT_DB)
    assert (links["status"] == "collegato").sum() >= 5, links[["process_code", "status"]]
    results = lca.avoided_impacts(mixed_subjects(), project_dir, project_name, database=ECOINVENT_DB)
    assert results["avoided"].notna().all()


# ---------------------------------------------------------------- notebook 04
def test_notebook_04_follows_the_house_rules():
    nb = nbformat.read(NOTEBOOKS_DIR / "04_lca.ipynb", as_version=4)
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    names = [line.split(":")[0] for line in params[0].source.splitlines()]
    assert {"period", "audience", "lang", "data_dir", "store_path"} <= set(names)
    for line in params[0].source.splitlines():
        assert "#" in line and ": " in line.split("=")[0]  # typed and commented literal
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.get("outputs") and cell.get("execution_count") is None
            if cell is not params[0]:
                assert len(cell.source.splitlines()) <= 3
                assert "def " not in cell.source and "class " not in cell.source
