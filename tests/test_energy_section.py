"""The energy section on the demo cluster (store read through the NDA views).

The site energy attributes come from the demo questionnaires (template 1.1) through the
store, with no other input.
"""
import pandas as pd
import pytest

from workbench.energy.section import (SITE_ENERGY_COLUMNS, comune_from_address, complete_site_energy,
                                      energy_section, site_energy_from_store)
from workbench.store import connect


def test_comune_from_address():
    assert comune_from_address("Via del Molo 3, 57123 Livorno (LI)") == "Livorno"
    assert comune_from_address("Via X 1, 57017 Stagno (Collesalvetti) (LI)") == "Collesalvetti"
    assert comune_from_address(None) is None


def test_complete_site_energy_defaults_are_listed():
    sites = pd.DataFrame({"site_id": ["A-S1", "B-S1"], "address": ["x, 57123 Livorno (LI)", None]})
    out = complete_site_energy(pd.DataFrame({"site_id": ["A-S1"], "roof_area_m2": [500.0]}), sites)
    assert list(out.columns) == SITE_ENERGY_COLUMNS + ["assumed"]
    a, b = out.set_index("site_id").loc["A-S1"], out.set_index("site_id").loc["B-S1"]
    assert a["roof_area_m2"] == 500 and "roof_area_m2" not in a["assumed"] and a["comune"] == "Livorno"
    assert b["roof_area_m2"] == 0 and "roof_area_m2" in b["assumed"] and not b["net_metering"]


def test_declared_comune_wins_and_the_address_fills_only_the_missing_ones():
    sites = pd.DataFrame({"site_id": ["A-S1", "B-S1"],
                          "address": ["x, 57017 Stagno (Collesalvetti) (LI)", "y, 57123 Livorno (LI)"]})
    declared = pd.DataFrame({"site_id": ["A-S1", "B-S1"], "comune": ["Rosignano Marittimo", None]})
    out = complete_site_energy(declared, sites).set_index("site_id")["comune"]
    assert out.to_dict() == {"A-S1": "Rosignano Marittimo", "B-S1": "Livorno"}


@pytest.fixture(scope="module")
def demo_energy(demo_settings):
    return energy_section(demo_settings)


def test_store_reader_takes_the_declared_site_attributes(demo_settings):
    with connect(demo_settings, read_only=True) as con:
        se = site_energy_from_store(con)
        declared = con.execute("SELECT site_id, pod_count, shift_pattern, roof_area_m2, roof_tilt_deg, "
                               "existing_pv_kw, net_metering, comune FROM v_sites").df()
    assert len(se) == len(declared) and se["annual_electricity_mwh"].notna().any()
    assert (se["electricity_price_eur_mwh"].dropna() > 50).all()
    assert (se["assumed"] == "").all()  # every attribute declared: no default used
    merged = se.merge(declared, on="site_id", suffixes=("", "_store"))
    assert (merged["pods"] == merged["pod_count"]).all()
    for column in ("shift_pattern", "roof_area_m2", "roof_tilt_deg", "existing_pv_kw", "net_metering",
                   "comune"):
        assert (merged[column] == merged[f"{column}_store"]).all(), column
    assert set(se["comune"]) == {"Livorno", "Collesalvetti"}
    assert (se["roof_tilt_deg"] > 0).any() and (se["existing_pv_kw"] > 0).any() and se["net_metering"].any()


def test_store_reader_on_a_store_without_the_attributes(tiny_settings):
    """Sites of questionnaires without the 1.1 fields: defaults, each listed."""
    with connect(tiny_settings, read_only=True) as con:
        se = site_energy_from_store(con)
    assert len(se) and se["assumed"].str.contains("roof_area_m2").all()
    assert (se["shift_pattern"] == "1x5").all() and not se["net_metering"].any()


def test_energy_section_on_demo(demo_energy):
    out = demo_energy
    sites = out["siti"]
    assert {"membro", "produttore_terzo"} <= set(sites["Ruolo"])
    assert sites.loc[sites["Ruolo"] == "produttore_terzo", "Classe"].eq("grande").any()
    assert (sites["Profilo"].isin(["stimato", "misurato", "–"])).all()
    conf = out["configurazioni"]
    assert conf["Cabina primaria"].nunique() >= 2
    assert (conf.groupby("Cabina primaria")["Rango"].min() == 1).all()
    assert conf["Energia condivisa MWh/anno"].gt(0).all()
    assert conf["Contributo PNRR: motivo"].str.len().gt(0).all()
    assert out["fig_mappa"] is not None and out["fig_mensile"] is not None
    assert any("stimati" in n for n in out["note"])
    assert out["calore_mensile"]["Calore di scarto MWh"].sum() > 0
    assert 1300 <= out["fv"]["Resa specifica kWh/kWp/anno"].iloc[0] <= 1450
    alloc = out["ripartizione"]
    for cp, group in alloc.groupby("cabina_primaria"):
        shares = group["share"].dropna()
        assert shares.sum() == pytest.approx(1.0)
    # the questionnaire's own data drive the CER rules
    assert not any("senza superficie di tetto" in n for n in out["note"])
    assert (sites["Dati ipotizzati"] == "").all()
    assert sites["Motivo"].str.contains("Scambio sul Posto").sum() in (1, 2)
    grouped = sites[sites["Motivo"].str.contains("imprese associate o collegate")]
    assert len(grouped) == 1 and grouped["Classe"].iloc[0] == "media"
    assert grouped["Ruolo"].iloc[0] == "produttore_terzo"


@pytest.mark.parametrize("audience", ["funders", "pubblico"])
def test_restricted_audiences_see_no_company(demo_settings, demo_energy, audience):
    gsi = demo_energy
    out = energy_section(demo_settings.with_(audience=audience))
    assert "siti" not in out and "calore_coppie" not in out and "dati" not in out
    names = set(gsi["siti"]["Azienda"])
    text = out["configurazioni"].to_csv() + out["fig_mappa"].to_json()
    assert not any(name in text for name in names)
    shown = out["configurazioni"][~out["configurazioni"]["suppressed"]]
    assert (shown["aziende"] >= 3).all()
