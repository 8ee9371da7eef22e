"""The energy section on the demo cluster (store read through the NDA views)."""
import pandas as pd
import pytest

from workbench.energy.section import (SITE_ENERGY_COLUMNS, comune_from_address, complete_site_energy,
                                      energy_section, site_energy_from_demo, site_energy_from_store)
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


@pytest.fixture(scope="module")
def demo_energy(demo_settings):
    se = site_energy_from_demo(demo_settings)
    return se, energy_section(demo_settings, site_energy=se)


def test_store_reader_works_before_the_questionnaire_has_the_fields(demo_settings):
    with connect(demo_settings, read_only=True) as con:
        se = site_energy_from_store(con)
    assert len(se) and se["annual_electricity_mwh"].notna().any()
    assert (se["electricity_price_eur_mwh"].dropna() > 50).all()


def test_energy_section_on_demo(demo_energy):
    se, out = demo_energy
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


@pytest.mark.parametrize("audience", ["funders", "pubblico"])
def test_restricted_audiences_see_no_company(demo_settings, demo_energy, audience):
    se, gsi = demo_energy
    out = energy_section(demo_settings.with_(audience=audience), site_energy=se)
    assert "siti" not in out and "calore_coppie" not in out and "dati" not in out
    names = set(gsi["siti"]["Azienda"])
    text = out["configurazioni"].to_csv() + out["fig_mappa"].to_json()
    assert not any(name in text for name in names)
    shown = out["configurazioni"][~out["configurazioni"]["suppressed"]]
    assert (shown["aziende"] >= 3).all()
