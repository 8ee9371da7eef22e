"""Tests of workbench.lca: offline Brightway project, lib/lci inventory, batch results.

Brightway keeps a process-wide current project; every test passes its own throwaway
base directory, so the order of tests does not matter. The module-scoped ``project``
fixture bootstraps once (a few seconds) and the tests that only read share it.
"""
from __future__ import annotations

import csv
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from workbench import lca
from workbench.config import REPO_ROOT, Settings
from workbench.lca.inventory import NON_PROCESS_FILES

#: IPCC AR6 WG1 (2021), table 7.15: GWP100 of fossil methane and of nitrous oxide.
GWP100_CH4_FOSSIL = 29.8
GWP100_N2O = 273.0


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A bootstrapped project with the foreground loaded, built with the network cut off.

    Returns (base dir, first bootstrap report, network attempts). Every socket connection
    fails during the first bootstrap, the foreground load and a first calculation (which,
    in this process, also import Brightway), and each attempt is recorded.
    """
    base = tmp_path_factory.mktemp("brightway")
    attempts = []

    def refuse(address, *args, **kwargs):
        attempts.append(address)
        raise OSError("rete vietata nel test")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", lambda self, address: refuse(address))
        mp.setattr(socket.socket, "connect_ex", lambda self, address: refuse(address))
        mp.setattr(socket, "create_connection", refuse)
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
            mp.setenv(name, "http://127.0.0.1:9")
        mp.delenv("BRIGHTWAY2_DIR", raising=False)
        report = lca.bootstrap(base)
        lca.load_foreground(base)
        lca.avoided_impacts(heat_subjects([1.0]), base)
    return base, report, attempts


def heat_subjects(quantities, kind="heat_recovery"):
    return pd.DataFrame({
        "subject_id": [f"C-{i:04d}" for i in range(len(quantities))],
        "subject_kind": "candidate", "kind": kind, "quantity_mwh": quantities,
    })


def copy_lci(tmp_path: Path) -> Path:
    target = tmp_path / "lci"
    shutil.copytree(lca.LCI_DIR, target)
    return target


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# ---------------------------------------------------------------- import and bootstrap
def test_import_does_not_load_brightway():
    code = ("import sys, workbench.lca as lca; names = lca.bundled_method_names(); "
            "print('bw2data' in sys.modules, 'bw2calc' in sys.modules, lca.GWP100 in names)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=REPO_ROOT, check=True, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    assert out.stdout.split() == ["False", "False", "True"]


def test_bootstrap_creates_then_reuses(project):
    base, first, _ = project
    assert first["project"] == "created" and first["biosphere"] == "created"
    assert first["biosphere_flows"] > 4000
    assert first["methods_created"] == [lca.method_label(lca.GWP100)]
    start = time.perf_counter()
    second = lca.bootstrap(base)
    assert time.perf_counter() - start < 2.0
    assert second["project"] == "reused" and second["biosphere"] == "reused"
    assert second["methods_created"] == [] and second["methods_reused"] == first["methods_created"]
    assert (base / "projects.db").exists()
    assert not (REPO_ROOT / "projects.db").exists()


def test_switching_base_directories_in_one_process(project, tmp_path):
    base, *_ = project
    bd = lca.open_project(tmp_path / "altra", "altro-progetto")
    assert bd.projects.current == "altro-progetto"
    assert Path(bd.projects.dir).is_relative_to((tmp_path / "altra").resolve())
    assert lca.BIOSPHERE not in bd.databases
    result = lca.avoided_impacts(heat_subjects([1.0]), base)  # and back again
    assert Path(bd.projects.dir).is_relative_to(Path(base).resolve())
    assert result["avoided"].iloc[0] > 0


def test_gwp100_is_the_bundled_ipcc_2021_method():
    assert lca.GWP100 == ("IPCC 2021", "climate change", "global warming potential (GWP100)")
    bundled = set(lca.bundled_method_names())
    assert set(lca.SELECTABLE_METHODS.values()) <= bundled


def test_extra_methods_load_offline_on_demand(project):
    base, *_ = project
    scores = lca.process_scores(base, method=["gwp100", "ef31_climate_change", "ef31_water_use"])
    by = scores.set_index(["method", "process_code"])["score"]
    ipcc = by[lca.method_label("gwp100")]
    ef = by[lca.method_label("ef31_climate_change")]
    # Same CO2; EF 3.1 takes its CH4/N2O factors from AR6 too, so the two agree closely.
    assert ef["electricity_grid_it"] == pytest.approx(ipcc["electricity_grid_it"], rel=1e-6)
    assert ef["heat_natural_gas_boiler"] == pytest.approx(ipcc["heat_natural_gas_boiler"], rel=1e-3)
    # No water flows in a heat-only inventory: zero, not an error.
    assert (by[lca.method_label("ef31_water_use")] == 0).all()


def test_unwritable_directory_gives_a_clear_error(tmp_path):
    blocker = tmp_path / "un_file"
    blocker.write_text("non una cartella")
    with pytest.raises(lca.LcaError, match=r"cartella Brightway non scrivibile: .*un_file"):
        lca.bootstrap(blocker / "brightway")
    if os.geteuid() != 0:  # root writes anywhere: the permission case needs a normal user
        locked = tmp_path / "bloccata"
        locked.mkdir()
        locked.chmod(0o500)
        try:
            with pytest.raises(lca.LcaError, match="non scrivibile.*permesso|Permission denied"):
                lca.bootstrap(locked)
        finally:
            locked.chmod(0o700)


def test_no_network_needed(project):
    _, report, attempts = project
    assert report["biosphere"] == "created"  # the bundled data, not a download
    assert attempts == []


# ---------------------------------------------------------------- inventory
def test_every_exchange_is_documented():
    inventory = lca.read_inventory()
    assert {"natural_gas_combustion_industrial", "heat_natural_gas_boiler",
            "electricity_grid_it", "heat_recovered_delivery"} <= set(inventory["process_code"])
    for column in ("amount", "unit", "source", "year", "uncertainty_type", "verification"):
        assert (inventory[column].astype(str) != "").all(), column
    assert all(u["uncertainty type"] in (2, 3, 4, 5) for u in inventory["uncertainty"])
    readme = (lca.LCI_DIR / "README.md").read_text(encoding="utf-8")
    for code in inventory["process_code"].unique():
        assert code in readme
    electricity = inventory[inventory["process_code"] == "electricity_grid_it"].iloc[0]
    assert electricity["verification"] == "ipotesi"
    assert "sostituire con la serie ISPRA" in electricity["comment"]


def test_csv_numbers_follow_their_cited_factors():
    rows = read_csv_rows()
    co2 = rows[("natural_gas_combustion_industrial", "Carbon dioxide, fossil")]
    assert float(co2["amount"]) == pytest.approx(55.934 * 3.6, rel=1e-9)  # t/TJ → kg/MWh
    fuel = rows[("heat_natural_gas_boiler", "natural_gas_combustion_industrial")]
    assert float(fuel["amount"]) == pytest.approx(1 / 0.90, rel=1e-6)


def test_sigma_is_derived_from_the_pedigree():
    assert lca.pedigree_sigma((1, 1, 1, 1, 1), 1.0) == 0
    inventory = lca.read_inventory()
    lognormal = inventory[inventory["uncertainty_type"] == "lognormal"]
    assert len(lognormal) >= 3
    for _, row in lognormal.iterrows():
        scores = tuple(int(p) for p in row["pedigree"].split(";"))
        assert float(row["sigma"]) == pytest.approx(
            lca.pedigree_sigma(scores, float(row["basic_uncertainty"])), abs=6e-4)


def test_sigma_not_matching_its_pedigree_is_refused(tmp_path):
    folder = copy_lci(tmp_path)
    replace_in(folder / "fuels.csv", ",lognormal,0.0588,", ",lognormal,0.3,")
    with pytest.raises(lca.LcaError, match=r"fuels\.csv riga 2, colonna sigma"):
        lca.read_inventory(folder)


def test_unlinked_biosphere_exchange_is_named(project, tmp_path):
    base, *_ = project
    folder = copy_lci(tmp_path)
    replace_in(folder / "fuels.csv", '"Carbon dioxide, fossil"', '"Carbon dioxide, fosil"')
    with pytest.raises(lca.LcaError) as info:
        lca.load_foreground(base, lci_dir=folder)
    message = str(info.value)
    assert "scambi non collegati" in message
    assert "fuels.csv riga 2" in message and "natural_gas_combustion_industrial" in message
    assert "'Carbon dioxide, fosil' [air] kg" in message
    assert "forse: Carbon dioxide, fossil" in message


def test_wrong_compartment_is_unlinked(project, tmp_path):
    base, *_ = project
    folder = copy_lci(tmp_path)
    replace_in(folder / "electricity.csv", '"Carbon dioxide, fossil",air,',
               '"Carbon dioxide, fossil",aria,')
    with pytest.raises(lca.LcaError, match=r"electricity\.csv riga 2 .*\[aria\]"):
        lca.load_foreground(base, lci_dir=folder)


def test_unlinked_technosphere_input_is_named(tmp_path):
    folder = copy_lci(tmp_path)
    replace_in(folder / "heat.csv", "technosphere,electricity_grid_it,",
               "technosphere,electricity_grid,")
    with pytest.raises(lca.LcaError, match=r"heat\.csv riga 3 .*'electricity_grid' non esiste"):
        lca.read_inventory(folder)


def test_foreground_is_versioned_and_idempotent(project, tmp_path):
    base, *_ = project
    again = lca.load_foreground(base)
    assert again["status"] == "reused" and again["inventory_version"] == lca.inventory_version()
    folder = copy_lci(tmp_path)
    replace_in(folder / "electricity.csv", ",air,250,kg,", ",air,300,kg,")
    changed = lca.load_foreground(base, lci_dir=folder)
    try:
        assert changed["status"] == "updated"
        assert changed["inventory_version"] != again["inventory_version"]
        result = lca.avoided_impacts(heat_subjects([1.0]), base, lci_dir=folder)
        assert result["symbiosis"].iloc[0] == pytest.approx(0.015 * 300, rel=1e-6)
        assert result["inventory_version"].iloc[0] == changed["inventory_version"]
    finally:
        assert lca.load_foreground(base)["status"] == "updated"  # back to lib/lci


# ---------------------------------------------------------------- results
def read_csv_rows() -> dict[tuple[str, str], dict]:
    """The raw CSV rows of lib/lci by (process, input), read without the workbench."""
    rows = {}
    for path in sorted(lca.LCI_DIR.glob("*.csv")):
        if path.name in NON_PROCESS_FILES:
            continue
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                rows[(row["process_code"], row["input"])] = row
    return rows


def test_hand_calculation_recovered_heat_replaces_gas_boiler(project):
    """1 MWh of recovered heat instead of a gas boiler: CSV numbers × AR6 GWP100 by hand."""
    base, *_ = project
    rows = read_csv_rows()
    amount = lambda process, flow: float(rows[(process, flow)]["amount"])  # noqa: E731
    gas = "natural_gas_combustion_industrial"
    fuel_per_mwh_heat = amount("heat_natural_gas_boiler", gas)  # = 1/η
    per_mwh_fuel = (amount(gas, "Carbon dioxide, fossil")
                    + amount(gas, "Methane, fossil") * GWP100_CH4_FOSSIL
                    + amount(gas, "Dinitrogen monoxide") * GWP100_N2O)
    baseline = fuel_per_mwh_heat * per_mwh_fuel
    symbiosis = (amount("heat_recovered_delivery", "electricity_grid_it")
                 * amount("electricity_grid_it", "Carbon dioxide, fossil"))
    expected = baseline - symbiosis

    result = lca.avoided_impacts(heat_subjects([1.0]), base).iloc[0]
    assert result["method"] == "IPCC 2021 | climate change | global warming potential (GWP100)"
    assert result["unit"] == "kg CO2-Eq"
    assert result["baseline"] == pytest.approx(baseline, rel=0.005)
    assert result["symbiosis"] == pytest.approx(symbiosis, rel=0.005)
    assert result["avoided"] == pytest.approx(expected, rel=0.005)
    assert result["avoided"] == pytest.approx(result["baseline"] - result["symbiosis"])
    assert 200 < result["avoided"] < 240  # kg CO2-Eq per MWh of heat: the order to expect


def test_many_subjects_in_one_batch(project):
    base, *_ = project
    quantities = [float(q) for q in range(1, 1001)]
    subjects = heat_subjects(quantities)
    start = time.perf_counter()
    result = lca.avoided_impacts(subjects, base)
    elapsed = time.perf_counter() - start
    assert list(result.columns) == list(lca.RESULT_COLUMNS)
    assert len(result) == 1000 and result["subject_id"].is_unique
    unit = result["avoided"].iloc[0]
    assert result["avoided"].to_numpy() == pytest.approx([unit * q for q in quantities], rel=1e-6)
    assert elapsed < 30  # generous: a sanity bound, the benchmark measures the real figure


def test_several_methods_give_one_row_per_subject_and_method(project):
    base, *_ = project
    result = lca.avoided_impacts(heat_subjects([10.0, 20.0]), base,
                                 method=[lca.GWP100, "gwp20"])
    assert len(result) == 4
    assert set(result["method"]) == {lca.method_label("gwp100"), lca.method_label("gwp20")}


@pytest.mark.parametrize("change, message", [
    ({"kind": "pompa_di_calore"}, "tipo di sinergia 'pompa_di_calore'"),
    ({"quantity_mwh": -5.0}, "quantità -5.0 non valida"),
    ({"subject_kind": "sinergia"}, "subject_kind 'sinergia'"),
])
def test_bad_subject_is_named(project, change, message):
    base, *_ = project
    subjects = heat_subjects([1.0, 2.0])
    for column, value in change.items():
        subjects.loc[1, column] = value
    with pytest.raises(lca.LcaError, match=f"soggetto 'C-0001': {message}"):
        lca.avoided_impacts(subjects, base)


def test_missing_quantity_column_is_reported(project):
    base, *_ = project
    subjects = heat_subjects([1.0]).drop(columns="quantity_mwh")
    with pytest.raises(lca.LcaError, match="colonne mancanti quantity_mwh"):
        lca.avoided_impacts(subjects, base)


def test_store_results_replaces_earlier_rows(project, tmp_path):
    from workbench import store

    base, *_ = project
    settings = Settings(data_dir=tmp_path, store_path=tmp_path / "store.duckdb", key="chiave-test")
    result = lca.avoided_impacts(heat_subjects([5.0, 7.0]), base)
    with store.connect(settings) as con:
        assert lca.store_results(con, result) == 2
        assert lca.store_results(con, result) == 2  # again: replaced, not duplicated
        stored = con.execute("SELECT * FROM lca_results ORDER BY subject_id").df()
        logged = con.execute("SELECT count(*) FROM audit_log WHERE action = 'lca_results'"
                             ).fetchone()[0]
    assert list(stored.columns) == list(lca.STORE_COLUMNS)
    assert len(stored) == 2 and logged == 2
    assert stored["avoided"].tolist() == pytest.approx(result["avoided"].tolist())
    assert (stored["inventory_version"] == lca.inventory_version()).all()
    assert stored["computed_at"].notna().all()


# ---------------------------------------------------------------- the store of a run
def test_kinds_follow_the_screening_rules():
    kinds = lca.read_kinds()
    rules = pd.read_csv(REPO_ROOT / "lib" / "resources" / "substitution_rules.csv", dtype=str)
    known = set(zip(rules["source_resource"], rules["target_resource"]))
    # water is paired by quality and use, not by class: one row per source holds for all
    wildcard = kinds["target_resource"] == "*"
    classes = pd.read_csv(REPO_ROOT / "lib" / "resources" / "resource_classes.csv", dtype=str)
    water = set(classes.loc[classes["matrix"] == "acqua", "resource"])
    assert set(kinds.loc[wildcard, "source_resource"]) <= water
    assert set(kinds.loc[wildcard, "kind"]) == {"water_reuse"}
    missing = [pair for pair in zip(kinds.loc[~wildcard, "source_resource"],
                                    kinds.loc[~wildcard, "target_resource"]) if pair not in known]
    assert missing == []
    # every rule of the screening is either evaluated or excluded with its reason
    assert known <= set(zip(kinds["source_resource"], kinds["target_resource"]))
    excluded = kinds["kind"] == ""
    assert (kinds.loc[excluded, "note"] != "").all()
    assert set(kinds.loc[~excluded, "kind"]) <= set(lca.scenario_kinds())


def small_store(tmp_path: Path) -> Settings:
    """A store with two companies under NDA, one without, candidates and synergies."""
    from datetime import date

    from workbench import store

    settings = Settings(data_dir=tmp_path, store_path=tmp_path / "store.duckdb", key="k-test")
    with store.connect(settings) as con:
        for cid, vat, nda in (("AZ-1", "00000000001", date(2026, 1, 1)),
                              ("AZ-2", "00000000002", date(2026, 1, 1)),
                              ("AZ-3", "00000000003", None)):
            con.execute("INSERT INTO companies (company_id, name, vat_number, nda_signed_on) "
                        "VALUES (?, ?, ?, ?)", [cid, f"Finta {cid}", vat, nda])
        for fid, cid, direction, resource in (
                ("F-1", "AZ-1", "out", "calore_media_temperatura"),
                ("F-2", "AZ-2", "in", "domanda_calore_processo"),
                ("F-3", "AZ-3", "out", "calore_alta_temperatura")):
            con.execute("INSERT INTO flows (flow_id, site_id, company_id, direction, matrix, "
                        "description, resource, quantity, unit, quantity_std, unit_std) "
                        "VALUES (?, ?, ?, ?, 'energia', 'calore', ?, 500, 'MWh', 500, 'MWh')",
                        [fid, f"S-{cid}", cid, direction, resource])
        for sid, source, status in (("SY-1", "F-1", "realizzata"), ("SY-2", "F-1", "abbandonata"),
                                    ("SY-3", "F-3", "realizzata")):
            con.execute("INSERT INTO synergies (synergy_id, source_flow_id, target_flow_id, "
                        "matrix, quantity_std, unit_std, status) "
                        "VALUES (?, ?, 'F-2', 'energia', 400, 'MWh', ?)", [sid, source, status])
        con.execute("INSERT INTO candidates (candidate_id, kind, matrix, source_resource, "
                    "target_resource, quantity_std, unit_std) VALUES "
                    "('C-1', 'uscita_ingresso', 'energia', 'calore_alta_temperatura', "
                    "'gas_naturale', 1000, 'MWh'), "
                    "('C-2', 'uscita_ingresso', 'materia', 'rottami_ferrosi', "
                    "'rottami_ferrosi', 50, 't'), "
                    "('C-3', 'uscita_ingresso', 'energia', 'calore_bassa_temperatura', "
                    "'domanda_calore_processo', 300, 'MWh')")
    return settings


def test_subjects_from_store_say_why_not_evaluated(tmp_path):
    from workbench import store

    settings = small_store(tmp_path)
    with store.connect(settings) as con:
        subjects = lca.subjects_from_store(con).set_index("subject_id")
    # SY-2 is abandoned, SY-3 comes from a company without NDA: both left out.
    assert sorted(subjects.index) == ["C-1", "C-2", "C-3", "SY-1"]
    assert subjects.loc["C-1", "kind"] == subjects.loc["SY-1", "kind"] == "heat_recovery"
    assert pd.isna(subjects.loc["C-3", "kind"])
    assert "calore_bassa_temperatura → domanda_calore_processo" in subjects.loc["C-3", "reason"]


def test_evaluate_store_writes_a_full_refresh(project, tmp_path):
    from workbench import store

    base, *_ = project
    settings = small_store(tmp_path)
    with store.connect(settings) as con:  # a stale result of a candidate that no longer exists
        con.execute("INSERT INTO lca_results (subject_id, subject_kind, method, unit, baseline, "
                    "symbiosis, avoided, inventory_version, computed_at) VALUES ('C-OLD', "
                    "'candidate', ?, 'kg CO2-Eq', 1, 0, 1, 'lci-vecchio', now())",
                    [lca.method_label(lca.GWP100)])
    summary = lca.prepare_project(settings, project_dir=base)
    assert lca.inventory_version() in summary["valore"].tolist()
    results = lca.evaluate_store(settings, project_dir=base)
    assert sorted(results["subject_id"]) == ["C-1", "SY-1"]
    unit = lca.avoided_impacts(heat_subjects([1.0]), base)["avoided"].iloc[0]
    by = results.set_index("subject_id")["avoided"]
    # C-1 replaces 1000 MWh of the receiver's natural gas: 1000 × η MWh of heat delivered
    assert by["C-1"] == pytest.approx(1000 * lca.boiler_efficiency() * unit, rel=1e-6)
    assert by["SY-1"] == pytest.approx(400 * unit, rel=1e-6)
    with store.connect(settings) as con:
        stored = con.execute("SELECT subject_id FROM lca_results ORDER BY 1").fetchall()
    assert stored == [("C-1",), ("SY-1",)]
