"""The synthetic demo cluster: determinism, plausibility, the bad rows, the register, build_demo."""
from __future__ import annotations

import hashlib
from datetime import date

import numpy as np
import pandas as pd
import pytest

from workbench import demo
from workbench.demo import (FICTIONAL_MARKERS, LIVORNO_BOX, build_demo, demo_register_records,
                            generate_cluster, on_land_livorno, write_questionnaires)
from workbench.model import (FATE_CODES, ITALY_BBOX, MATRICES, SIZE_CLASSES, STATES,
                             WATER_QUALITIES, inside_italy, size_class, vat_check_digit_ok,
                             vat_with_check_digit)
from workbench.reference import eer_hazardous


@pytest.fixture(scope="module")
def livorno():
    return generate_cluster()


def _good(flows: pd.DataFrame) -> pd.DataFrame:
    return flows[flows["defect"].isna()]


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- determinism
def test_same_seed_same_cluster_and_same_files(tmp_path, livorno):
    again = generate_cluster()
    for name in ("companies", "sites", "inputs", "outputs"):
        pd.testing.assert_frame_equal(getattr(livorno, name), getattr(again, name))
    small = generate_cluster(6)
    first = write_questionnaires(small, tmp_path / "a")
    second = write_questionnaires(generate_cluster(6), tmp_path / "b", workers=2)
    assert [p.name for p in first] == [p.name for p in second]
    assert [_sha(p) for p in first] == [_sha(p) for p in second]
    # rewriting an identical file leaves it untouched
    mtime = first[0].stat().st_mtime_ns
    write_questionnaires(small, tmp_path / "a")
    assert first[0].stat().st_mtime_ns == mtime
    other = generate_cluster(6, seed=1)
    assert not other.inputs["quantity"].equals(small.inputs["quantity"])


def test_file_names_follow_company_order(livorno):
    names = livorno.companies["file_name"].tolist()
    assert names == sorted(names)
    assert names[0] == "q_0001_raffineria_tirrenica_immaginaria.xlsx"
    assert all(n.startswith("q_") and n.endswith(".xlsx") for n in names)


# --------------------------------------------------------------------------- companies
def test_about_fifty_fictional_companies(livorno):
    companies = livorno.companies
    assert len(companies) == 50
    assert companies["name"].is_unique
    for name in companies["name"]:
        assert any(m in name for m in FICTIONAL_MARKERS), name
    italia = generate_cluster(300, "italia")
    assert all(any(m in n for m in FICTIONAL_MARKERS) for n in italia.companies["name"])


def test_vat_numbers_valid_invented_and_unique(livorno):
    vats = livorno.companies["vat_number"]
    assert vats.is_unique
    assert all(vat_check_digit_ok(v) and v.startswith("99") for v in vats)
    first_ten = np.array([1234567890, 9900001049, 100000001, 9999999999])
    expected = [vat_with_check_digit(f"{x:010d}") for x in first_ten]
    assert demo.vat_numbers(first_ten).tolist() == expected


def test_all_four_size_classes_consistent_with_the_model(livorno):
    companies = livorno.companies
    assert set(companies["size_class"]) == set(SIZE_CLASSES)
    computed = [size_class(e, t, b) for e, t, b in
                companies[["employees", "turnover_eur", "balance_sheet_eur"]].itertuples(index=False)]
    assert computed == companies["size_class"].tolist()


def test_nda_and_consent(livorno):
    companies = livorno.companies
    without = companies["nda_signed_on"].isna()
    assert 3 <= without.sum() <= 4
    assert companies.loc[~without, "nda_signed_on"].map(lambda d: d <= date(2026, 11, 27)).all()
    assert (companies["consent"] == "nominativo").sum() >= 3
    assert (companies["consent"] == "riservato").sum() > len(companies) / 2


def test_ateco_codes_have_the_right_shape(livorno):
    assert livorno.companies["ateco"].str.fullmatch(r"\d{2}\.\d{2}").all()


# --------------------------------------------------------------------------- sites
def test_sites_inside_livorno_on_land(livorno):
    sites = livorno.sites
    bad = (sites["company_key"] == "carpenteria") & (sites["site_code"] == "S2")
    good = sites[~bad]
    assert on_land_livorno(good["lat"], good["lon"]).all()
    assert good["lat"].between(LIVORNO_BOX["lat_min"], LIVORNO_BOX["lat_max"]).all()
    assert (good["lon"] > 10.30).all()  # east of the coast of the port area
    assert good["cabina_primaria"].nunique() >= 2
    assert good["address"].str.contains("Fittizi|Immaginari|Demo").all()
    assert set(sites.groupby("company_key").size()) <= {1, 2}
    at_sea = sites[bad].iloc[0]
    assert not inside_italy(at_sea["lat"], at_sea["lon"])


def test_site_energy_attributes(livorno):
    """Template 1.1 fields: plausible, invented, and exercising the CER rules."""
    sites = livorno.sites
    assert (sites["pod_codes"].str.split("|").map(len) == sites["pod_count"]).all()
    codes = sites["pod_codes"].str.split("|").explode()
    assert codes.str.fullmatch(r"IT001E\d{8}").all() and codes.is_unique
    assert set(sites["shift_pattern"]) <= {"1x5", "2x5", "3x5", "1x6", "2x6", "3x6", "3x7"}
    assert (sites["contracted_power_kw"] >= 3).all()
    tilt = sites["roof_tilt_deg"]
    assert (tilt == 0).mean() > 0.5 and tilt[tilt > 0].between(10, 25).all()
    assert sites["roof_azimuth_deg"].between(135, 225).all()
    pv = sites["existing_pv_kw"]
    assert 0.05 <= (pv > 0).mean() <= 0.2 and pv[pv > 0].between(5, 200).all()
    assert (pv <= sites["roof_area_m2"] / demo.EXISTING_PV_M2_PER_KWP + 2.5).all()
    small = livorno.companies.set_index("key").loc[sites["company_key"], "size_class"].isin(["micro", "piccola"])
    ssp = sites["net_metering"]
    assert 1 <= ssp.sum() <= 2 and small[ssp.to_numpy()].all() and (pv[ssp] > 0).all()
    comune = sites.set_index("cabina_primaria")["comune"]
    assert set(comune) == {"Livorno", "Collesalvetti"}
    assert set(comune.loc["CP-STAGNO"]) == {"Collesalvetti"}
    large = livorno.companies[livorno.companies["large_group"]]
    assert len(large) == 1 and large["size_class"].iloc[0] == "media"


def test_the_coast_check():
    assert not on_land_livorno(43.55, 10.28)      # at sea, west of the port
    assert not on_land_livorno(43.55, 10.300)     # on the shoreline
    assert on_land_livorno(43.55, 10.33)
    assert not on_land_livorno(43.70, 10.35)      # north of the box


# --------------------------------------------------------------------------- flows
def test_all_matrices_in_inputs_and_outputs(livorno):
    for flows in (livorno.inputs, livorno.outputs):
        assert set(_good(flows)["matrix"]) == set(MATRICES)


def test_eer_codes_are_real_with_the_right_asterisk(livorno):
    hazardous = eer_hazardous()
    codes = pd.concat([_good(livorno.inputs)["eer_code"], _good(livorno.outputs)["eer_code"]]).dropna()
    assert len(codes) > 100
    for written in codes:
        digits = written.replace(" ", "").rstrip("*")
        assert digits in hazardous, written
        assert written.endswith("*") == hazardous[digits], written
    assert any(c.endswith("*") for c in codes)


def test_waste_outputs_have_eer_code_and_fate(livorno):
    outputs = _good(livorno.outputs)
    waste = outputs[(outputs["matrix"] == "materia") & outputs["current_fate"].notna()]
    assert waste["eer_code"].notna().all()
    assert waste["current_fate"].isin(FATE_CODES).all()
    assert {"R", "D"} <= {f[0] for f in waste["current_fate"]}


def test_flow_vocabulary_and_quantities(livorno):
    from workbench.ingest.units import conversion_factor

    flows = pd.concat([_good(livorno.inputs), _good(livorno.outputs)])
    assert (flows["quantity"].astype(float) > 0).all()
    assert flows["state"].dropna().isin(STATES).all()
    assert flows["water_quality"].dropna().isin(WATER_QUALITIES).all()
    for unit, matrix, description in flows[["unit", "matrix", "description"]].drop_duplicates() \
            .itertuples(index=False):
        conversion_factor(unit, matrix, description)  # raises on a unit the ingest refuses
    water = flows[flows["matrix"] == "acqua"]
    assert {"potabile", "falda", "mare", "reflua_urbana_trattata", "spurgo_raffreddamento",
            "reflua_processo"} <= set(water["water_quality"])
    heat = livorno.outputs[livorno.outputs["matrix"].eq("energia") & livorno.outputs["temperature_c"].notna()]
    assert heat["temperature_c"].min() <= 40 and heat["temperature_c"].max() >= 300
    energy_in = _good(livorno.inputs)
    energy_in = energy_in[energy_in["matrix"] == "energia"]
    assert {"MWh", "Sm3", "L"} <= set(energy_in["unit"])
    gas = energy_in[energy_in["unit"] == "Sm3"]
    assert gas["description"].str.contains("gas naturale", case=False).all()


def test_descriptions_are_unique_per_company_and_sheet(livorno):
    for flows in (livorno.inputs, livorno.outputs):
        assert not flows.duplicated(["company_key", "description"]).any()
    templates = demo.flow_templates()
    for (_sector, _direction), group in templates.groupby(["sector", "direction"]):
        variants = [v.casefold() for vs in group["variants"] for v in vs]
        assert len(variants) == len(set(variants))


def test_monthly_profiles_sum_to_one(livorno):
    flows = pd.concat([_good(livorno.inputs), _good(livorno.outputs)])
    profiles = flows["monthly_profile"].dropna()
    assert len(profiles) > 20
    for profile in profiles:
        assert len(profile) == 12 and min(profile) >= 0
        assert abs(sum(profile) - 1) < 1e-9


def test_the_bad_rows(livorno):
    bad_in = livorno.inputs[livorno.inputs["defect"].notna()]
    bad_out = livorno.outputs[livorno.outputs["defect"].notna()]
    owners = set(bad_in["company_key"]) | set(bad_out["company_key"])
    assert owners == {"carpenteria", "caseificio", "magazzini"}
    for key in owners:  # never the only rows of a company
        good = pd.concat([_good(livorno.inputs), _good(livorno.outputs)])
        assert (good["company_key"] == key).sum() >= 5
    assert "kW" in set(bad_in["unit"])
    assert "02 05 03" in set(bad_out["eer_code"])
    assert "020503" not in eer_hazardous()


def test_synergy_opportunities_across_the_three_matrices(livorno):
    """The planted opportunities exist: effluent, heat, gypsum, scrap, wood, food waste."""
    for key, template in [("depuratore", "depuratore.out.effluente"), ("raffineria", "raffineria.in.falda"),
                          ("centrale", "centrale.out.gesso"), ("cementeria", "cemento.in.gesso"),
                          ("data_center", "data_center.out.calore"), ("serre", "serre.in.gas"),
                          ("cantiere_mediceo", "cantiere_navale.out.rottami"),
                          ("fonderia_ghisa", "fonderia.in.rottame"),
                          ("terminal_container", "terminal_container.out.legno"),
                          ("pallet", "pallet.in.usati"), ("conserve", "conserve_ittiche.out.scarti"),
                          ("biogas", "biogas.in.agro")]:
        assert livorno.flow(key, template)["quantity"] > 0
    effluent = livorno.flow("depuratore", "depuratore.out.effluente")
    assert effluent["water_quality"] == "reflua_urbana_trattata"


# --------------------------------------------------------------------------- national scale
def test_italia_scales_with_the_same_sector_mix():
    cluster = generate_cluster(2000, "italia", seed=5)
    assert len(cluster.companies) == 2000 and cluster.companies["vat_number"].is_unique
    assert cluster.companies["file_name"].is_unique
    assert all(inside_italy(lat, lon) for lat, lon in cluster.sites[["lat", "lon"]].itertuples(index=False))
    assert cluster.sites["lat"].between(ITALY_BBOX["lat_min"], ITALY_BBOX["lat_max"]).all()
    assert set(cluster.companies["sector"]) == set(demo.sector_table()["sector"])
    assert set(cluster.companies["size_class"]) == set(SIZE_CLASSES)
    assert cluster.companies["nda_signed_on"].isna().mean() < 0.15
    assert len(cluster.inputs) + len(cluster.outputs) > 15_000
    assert cluster.sites["cabina_primaria"].nunique() > 30


def test_unknown_region_is_refused():
    with pytest.raises(ValueError, match="regione sconosciuta"):
        generate_cluster(10, "marte")
    with pytest.raises(ValueError, match="numero di aziende non valido"):
        generate_cluster(0)


# --------------------------------------------------------------------------- register records
def test_demo_register_records(livorno):
    records = demo_register_records(livorno)
    synergies = records["synergies"]
    assert 12 <= len(synergies) <= 15
    assert set(s["matrix"] for s in synergies) == set(MATRICES)
    with_nda = set(livorno.companies.loc[livorno.companies["nda_signed_on"].notna(), "vat_number"])
    for s in synergies:
        assert s["supplier_vat"] in with_nda and s.get("receiver_vat", s["supplier_vat"]) in with_nda
    last = {}
    for h in records["history"]:
        assert date(2025, 10, 1) <= h["changed_on"] <= date(2027, 3, 31)
        last[h["synergy_id"]] = h["status"]
    statuses = list(last.values())
    assert 2 <= sum(s in ("realizzata", "monitorata") for s in statuses) <= 3
    assert 1 <= statuses.count("abbandonata") <= 2
    assert len(set(statuses)) >= 6
    # the three semesters each see changes
    for start, end in ((date(2025, 10, 1), date(2026, 3, 31)), (date(2026, 4, 1), date(2026, 9, 30)),
                       (date(2026, 10, 1), date(2027, 3, 31))):
        assert any(start <= h["changed_on"] <= end for h in records["history"])
    kinds = {i["kind"] for i in records["investments"]}
    assert kinds == {"privato", "pubblico"}
    assert {c["outcome"] for c in records["funding_calls"]} == {"vinta", "respinta", "in_attesa"}
    assert {"PR FESR Toscana 2021-2027", "LIFE", "PNRR M2C2"} == \
        {c["programme"] for c in records["funding_calls"]}
    assert records["contests"] and records["research"] and records["jobs"]


def test_register_skips_companies_missing_from_a_short_roster():
    records = demo_register_records(generate_cluster(10))
    ids = {s["synergy_id"] for s in records["synergies"]}
    assert ids == {"SIN-01"}  # only the WWTP and the refinery are among the first ten
    assert all(i["synergy_id"] in ids for i in records["investments"])


# --------------------------------------------------------------------------- end to end
def test_build_demo_end_to_end(demo_settings):
    """Built once by the session fixture (``conftest.demo_settings``)."""
    from workbench.store import connect

    with connect(demo_settings) as con:
        companies = con.execute("SELECT count(*), count(nda_signed_on) FROM companies").fetchone()
        no_nda_flows = con.execute("SELECT count(*) FROM flows f JOIN companies c USING (company_id) "
                                   "WHERE c.nda_signed_on IS NULL").fetchone()[0]
        matrices = con.execute("SELECT DISTINCT direction, matrix FROM flows").fetchall()
        quarantine = con.execute("SELECT file_name, sheet FROM quarantine").df()
        synergies = con.execute("SELECT status, count(*) FROM synergies GROUP BY 1").fetchall()
        audit = con.execute("SELECT count(*) FROM audit_log WHERE action = 'registro'").fetchone()[0]
    assert companies == (50, 46)
    assert no_nda_flows == 0
    assert len(matrices) == 6
    assert set(quarantine["file_name"].str[:6]) == {"q_0012", "q_0023", "q_0033"}
    assert 5 <= len(quarantine) <= 8
    statuses = dict(synergies)
    assert sum(statuses.values()) == 15 and statuses["abbandonata"] == 2
    assert audit >= 1


def test_site_energy_flows_through_the_questionnaires_into_the_store(demo_settings):
    """Every energy attribute the generator draws is in the store (only the at-sea site of
    the bad rows is missing), and nothing of them is quarantined."""
    from workbench.ingest import spec
    from workbench.ingest.validate import SITE_ATTRIBUTE_FIELDS as energy
    from workbench.store import connect

    with connect(demo_settings, read_only=True) as con:
        sites = con.execute("SELECT s.*, c.vat_number FROM v_sites s JOIN v_companies c "
                            "USING (company_id)").df()
        companies = con.execute("SELECT vat_number, large_group FROM companies").df()
        columns = set(con.execute("SELECT \"column\" FROM quarantine").df()["column"])
    sites["site_code"] = sites["site_id"].str.rsplit("-", n=1).str[1]
    labels = {f.name: f.label for f in spec.SITE_FIELDS + spec.COMPANY_FIELDS}
    assert not columns & {labels[name] for name in (*energy, "large_group")}
    cluster = generate_cluster()
    drawn = cluster.sites.merge(cluster.companies[["key", "vat_number"]], left_on="company_key",
                                right_on="key")
    merged = drawn.merge(sites, on=["vat_number", "site_code"], suffixes=("", "_store"))
    assert len(merged) == len(drawn) - 1 - int(drawn["vat_number"].isin(
        cluster.companies.loc[cluster.companies["nda_signed_on"].isna(), "vat_number"]).sum())
    for column in energy:
        stored = merged[f"{column}_store"]
        assert stored.notna().all(), column
        if column in ("pod_codes", "shift_pattern", "comune"):
            assert (stored == merged[column]).all(), column
        else:
            assert np.allclose(stored.astype(float), merged[column].astype(float)), column
    large = companies.set_index("vat_number")["large_group"]
    assert large.notna().all() and large.sum() == 1


def test_build_demo_is_idempotent(demo_settings):
    from workbench.store import connect

    def snapshot():
        with connect(demo_settings) as con:
            tables = ("companies", "sites", "flows", "synergies", "synergy_status_history",
                      "investments", "funding_calls", "contests", "research", "jobs")
            out = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").df() for t in tables}
            out["quarantine"] = con.execute("SELECT * EXCLUDE (quarantine_id, ingested_at) "
                                            "FROM quarantine ORDER BY ALL").df()
            return out

    before = snapshot()
    result = build_demo(demo_settings, progress=False)
    assert set(result.ingest.summary()["status"]) == {"invariato"}
    after = snapshot()
    for table in before:
        pd.testing.assert_frame_equal(before[table], after[table], obj=table)
