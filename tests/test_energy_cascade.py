"""Waste-heat cascade on a small hand-made cluster."""
import numpy as np
import pandas as pd
import pytest

from workbench.energy.cascade import heat_cascade, monthly_quantities
from workbench.energy.heat import heat_match

COLUMNS = ["flow_id", "site_id", "company_id", "direction", "matrix", "resource", "quantity_std",
           "unit_std", "temperature_c", "monthly_profile", "lat", "lon"]


def _flows():
    winter = [0.15, 0.14, 0.11, 0.07, 0.04, 0.02, 0.02, 0.02, 0.04, 0.08, 0.14, 0.17]
    return pd.DataFrame([
        ("F1", "S1", "A", "out", "energia", "calore_media_temperatura", 5000, "MWh", 90, None, 43.560, 10.320),
        ("F2", "S2", "B", "in", "energia", "domanda_calore_processo", 3000, "MWh", 70, winter, 43.565, 10.325),
        ("F3", "S3", "C", "out", "energia", "calore_bassa_temperatura", 4000, "MWh", 35, None, 43.550, 10.300),
        ("F4", "S4", "D", "in", "energia", "gas_naturale", 2000, "MWh", 60, None, 43.552, 10.302),
        ("F5", "S5", "E", "in", "energia", "freddo", 800, "MWh", 7, None, 43.561, 10.321),
        ("F6", "S6", "F", "in", "energia", "domanda_calore_processo", 2000, "MWh", 180, None, 43.561, 10.321),
        ("F7", "S7", "G", "in", "energia", "domanda_calore_processo", 2000, "MWh", 60, None, 44.5, 11.0),
    ], columns=COLUMNS)


def test_monthly_quantities():
    assert monthly_quantities(365, None).sum() == pytest.approx(365)
    assert monthly_quantities(365, None)[0] == pytest.approx(31)
    assert monthly_quantities(120, [1] * 12)[5] == pytest.approx(10)


def test_pairs_use_the_shared_heat_model():
    out = heat_cascade(_flows())
    pairs = out["pairs"].set_index(["source_flow_id", "sink_flow_id"])
    assert ("F1", "F6") not in pairs.index          # 90 °C cannot serve 180 °C
    assert not any(s == "F7" for _, s in pairs.index)  # 100 km away
    assert pairs.loc[("F1", "F2"), "mode"] == "diretto"
    assert pairs.loc[("F3", "F4"), "mode"] == "pompa_di_calore"
    assert pairs.loc[("F3", "F4"), "cop"] == pytest.approx(heat_match(35, 60).loc[0, "cop"])
    assert pairs.loc[("F1", "F5"), "mode"] == "assorbimento"
    # gas input with a use temperature is a heat demand of gas × boiler efficiency
    assert out["sinks"].set_index("flow_id").loc["F4", "quantity_std"] == pytest.approx(1800)


def test_why_in_english():
    italian, english = heat_cascade(_flows())["pairs"], heat_cascade(_flows(), lang="en")["pairs"]
    assert italian["mode"].tolist() == english["mode"].tolist()
    absorption = english.set_index(["source_flow_id", "sink_flow_id"]).loc[("F1", "F5"), "why"]
    assert absorption.startswith("cooling by absorption chiller (COP")
    assert not english["why"].str.contains("sorgente|utenza|scambio|assorbimento").any()


def test_allocation_never_exceeds_monthly_supply_or_demand():
    out = heat_cascade(_flows())
    alloc = out["allocated"]
    assert len(alloc) >= 1 and (alloc["net_benefit_eur_yr"] > 0).all()
    sinks = out["sinks"].set_index("flow_id")["monthly_mwh"]
    for sink, group in alloc.groupby("sink_flow_id"):
        assert (np.sum(np.vstack(group["monthly_mwh"].to_numpy()), axis=0) <= sinks[sink] + 1e-9).all()
    monthly = out["monthly"]
    assert len(monthly) == 12
    recovered = monthly[["recovered_direct_mwh", "recovered_heat_pump_mwh"]].sum(axis=1)
    assert (recovered <= monthly["heat_demand_mwh"] + 1e-9).all()
    assert monthly["recovered_direct_mwh"].sum() == pytest.approx(alloc.loc[alloc["mode"] == "diretto", "heat_mwh"].sum())
