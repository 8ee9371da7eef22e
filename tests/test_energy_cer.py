"""CER rules: tariff cases of cer_rules.md §7, shared energy by hand, eligibility edge cases."""
from datetime import date

import numpy as np
import pandas as pd
import pytest

from workbench.energy.cer import (apply_storage, configurations, default_zonal_prices, eligibility,
                                  grant_eligibility, grant_eur, grant_tip_reduction, parse_zonal_prices,
                                  shared_energy, simulate_configuration, tip_band, tip_eur_mwh)


# ------------------------------------------------------ cer_rules.md §7, exactly
@pytest.mark.parametrize("kw, pz, technology, region, expected", [
    (150, 120, "fotovoltaico", "Toscana", 124.0),         # 80 + 60 = 140 → cap 120 → + 4
    (400, 160, "fotovoltaico", "Toscana", 94.0),          # 70 + 20 = 90 (< 110) → + 4
    (800, 200, "eolico", "Toscana", 60.0),                # 60 + 0, no correction (non-PV)
    (800, 200, "idroelettrico", "Sicilia", 60.0),         # "anywhere"
    (900, 100, "fotovoltaico", "Emilia-Romagna", 110.0),  # min(100, 60 + 80) + 10
])
def test_worked_tariff_cases(kw, pz, technology, region, expected):
    assert tip_eur_mwh(kw, pz, technology, region) == expected


def test_livorno_pv_ranges_of_cer_rules():
    # §2: Livorno (Toscana) PV ≤200 kW: 84–124; 200–600: 74–114; >600: 64–104 €/MWh
    pz = np.array([0.0, 100.0, 180.0, 400.0])
    for kw, lo, hi in ((100, 84, 124), (450, 74, 114), (1000, 64, 104)):
        tip = tip_eur_mwh(kw, pz)
        assert tip.min() == lo and tip.max() == hi


def test_band_edges_and_plant_limit():
    assert list(tip_band([200, 200.1, 600, 600.1, 1000])) == [
        "fino_200kw", "200_600kw", "200_600kw", "oltre_600kw", "oltre_600kw"]
    with pytest.raises(ValueError, match="1000 kW"):
        tip_band(1000.5)


def test_grant_reduces_tip_linearly():
    assert grant_tip_reduction(0) == 0 and grant_tip_reduction(0.4) == 0.5
    assert grant_tip_reduction(0.2) == pytest.approx(0.25)
    assert tip_eur_mwh(150, 120, grant_fraction=0.4) == pytest.approx(124 * 0.5)
    with pytest.raises(ValueError):
        grant_tip_reduction(0.5)


def test_pnrr_grant_only_where_the_municipality_qualifies():
    ok, why = grant_eligibility("Livorno", date(2025, 7, 1))
    assert not ok and "50.000" in why
    ok, why = grant_eligibility("Collesalvetti", date(2025, 7, 1))
    assert ok
    ok, why = grant_eligibility("Collesalvetti", date(2026, 1, 15))
    assert not ok and "scaduto il 30/11/2025" in why
    assert not grant_eligibility("Atlantide")[0]
    ok, why = grant_eligibility("Livorno", date(2025, 7, 1), lang="en")
    assert not ok and why == "Livorno has about 153,000 inhabitants (≥ 50,000): no PNRR grant"
    ok, why = grant_eligibility("Collesalvetti", date(2026, 1, 15), lang="en")
    assert not ok and why.endswith("passed on 2025-11-30")
    # 40 % of capex within the eligible-cost ceiling (1,200 €/kW for 20–200 kW)
    assert grant_eur(100, 110_000) == pytest.approx(44_000)
    assert grant_eur(100, 150_000) == pytest.approx(0.4 * 120_000)


# ------------------------------------------------------ shared energy by hand
def test_two_members_24_hours_by_hand():
    """Member A hosts a 100 kWp PV plant and consumes 10 kWh every hour; member B only
    consumes (5 kWh/h, 30 kWh/h from 08:00 to 17:59). Worked by hand, hour by hour:

    ====  ===  ======  =========  ==============  ==============  ======
    hour  PV   self A  injection  withdrawal A+B  min(inj, wd)    note
    ====  ===  ======  =========  ==============  ==============  ======
    0-5    0     0        0        10 + 5 = 15        0
    6      5     5        0         5 + 5 = 10        0
    7     20    10       10         0 + 5 =  5        5
    8     40    10       30         0 + 30 = 30      30
    9-16  ≥40   10      ≥30          30              30     (8 hours)
    17    20    10       10          30              10
    18     5     5        0         5 + 5 = 10        0
    19-23  0     0        0          15               0
    ====  ===  ======  =========  ==============  ==============  ======

    Shared energy of the day = 5 + 30 + 8 × 30 + 10 = 285 kWh; TIP at Pz = 120 €/MWh
    for a 100 kWp PV plant in Toscana = 124 €/MWh → 285 / 1000 × 124 = 35.34 €.
    """
    pv = np.array([0, 0, 0, 0, 0, 0, 5, 20, 40, 60, 80, 90, 95, 90, 80, 60, 40, 20, 5, 0, 0, 0, 0, 0], float)
    load_a = np.full(24, 10.0)
    load_b = np.array([5] * 8 + [30] * 10 + [5] * 6, float)
    by_hand = np.zeros(24)
    by_hand[7:18] = [5, 30, 30, 30, 30, 30, 30, 30, 30, 30, 10]
    assert by_hand.sum() == 285

    idx = pd.date_range("2025-06-16", periods=24, freq="h", tz="Europe/Rome")
    loads = pd.DataFrame({"A": load_a, "B": load_b}, index=idx)
    unit = pd.DataFrame({"A": pv / 100.0}, index=idx)  # yield per kWp of a 100 kWp plant
    sim = simulate_configuration(loads, unit, {"A": 100}, ["A", "B"], pd.Series(120.0, index=idx))
    assert np.allclose(sim["shared_kwh"], by_hand)
    assert sim["injection_kwh"].iloc[7:18].tolist() == [10, 30, 50, 70, 80, 85, 80, 70, 50, 30, 10]
    assert sim["tip_eur"].sum() == pytest.approx(285 / 1000 * 124)
    # the bare function on per-member arrays gives the same
    self_a = np.minimum(pv, load_a)
    assert np.allclose(shared_energy((pv - self_a)[None, :], np.vstack([load_a - self_a, load_b])), by_hand)


def test_shared_energy_is_min_of_totals():
    inj = np.array([[1, 5, 0], [2, 0, 0]], float)
    wd = np.array([[2, 2, 2], [0, 1, 0]], float)
    assert list(shared_energy(inj, wd)) == [2, 3, 0]


def test_storage_moves_surplus_to_deficit_hours():
    inj = np.array([10, 10, 0, 0], float)
    wd = np.array([0, 0, 10, 10], float)
    new_inj, charged = apply_storage(inj, wd, capacity_kwh=20, power_kw=20, round_trip=0.81)
    assert charged.sum() == pytest.approx(20) and new_inj[:2].sum() == pytest.approx(0)
    assert new_inj[2:].sum() == pytest.approx(20 * 0.81)


# ------------------------------------------------------ eligibility edge cases
EDGE_CASES = [
    # site, size, ateco, cabina, net metering, roof, large_group → role, reason fragment
    ("S01", "piccola", "25.11", "CP-1", False, 500, False, "membro", "PMI (piccola)"),
    ("S02", "micro", "10.20", "CP-1", False, 0, False, "membro", "PMI (micro)"),
    ("S03", "grande", "19.20", "CP-1", False, 3000, False, "produttore_terzo", "grande impresa"),
    ("S04", "grande", "52.10", "CP-1", False, 0, False, "escluso", "senza tetto"),
    ("S05", "media", "35.11.00", "CP-1", False, 800, False, "produttore_terzo", "35.11"),
    ("S06", "piccola", "35.14", "CP-1", False, 0, False, "escluso", "35.14"),
    ("S07", "media", "35.12", "CP-1", False, 0, False, "escluso", "verificare"),
    ("S08", "media", "20.14", "CP-1", True, 400, False, "escluso", "Scambio sul Posto"),
    ("S09", "media", "20.14", None, False, 400, False, "escluso", "cabina primaria"),
    ("S10", None, "20.14", "CP-1", False, 400, False, "escluso", "classe dimensionale"),
    ("S11", "media", "20.14", "CP-1", False, 400, True, "produttore_terzo", "imprese associate"),
    ("S12", "media", "3511", "CP-1", False, 0, False, "escluso", "35.11"),
]


def test_eligibility_edge_cases():
    sites = pd.DataFrame([dict(site_id=s, company_id="C" + s, size_class=size, ateco=ateco,
                               cabina_primaria=cp, net_metering=nm, roof_area_m2=roof, large_group=lg)
                          for s, size, ateco, cp, nm, roof, lg, *_ in EDGE_CASES])
    out = eligibility(sites).set_index("site_id")
    for s, *_, role, fragment in EDGE_CASES:
        assert out.loc[s, "role"] == role, (s, out.loc[s, "reason"])
        assert fragment in out.loc[s, "reason"], (s, out.loc[s, "reason"])
    assert out.loc["S01", "consumption_counts"] and out.loc["S01", "can_host_plant"]
    assert out.loc["S03", "can_host_plant"] and not out.loc["S03", "consumption_counts"]
    assert out.loc["S07", "to_verify"] and out.loc["S10", "to_verify"]


def test_eligibility_reasons_in_english():
    sites = pd.DataFrame([dict(site_id=s, company_id="C" + s, size_class=size, ateco=ateco,
                               cabina_primaria=cp, net_metering=nm, roof_area_m2=roof, large_group=lg)
                          for s, size, ateco, cp, nm, roof, lg, *_ in EDGE_CASES])
    italian = eligibility(sites).set_index("site_id")
    english = eligibility(sites, lang="en").set_index("site_id")
    # the same decisions, the reasons in English
    columns = ["role", "consumption_counts", "can_host_plant", "to_verify"]
    pd.testing.assert_frame_equal(italian[columns], english[columns])
    assert english.loc["S01", "reason"] == "SME (small): can be a member and host a plant"
    assert english.loc["S11", "reason"].endswith("(large through its partner or linked enterprises)")
    assert "35.12" in english.loc["S07", "reason"] and "to verify" in english.loc["S07", "reason"]
    assert not english["reason"].str.contains("PMI|impresa|membro|verificare|cabina").any()


def test_configurations_need_two_member_companies_and_a_roof():
    elig = pd.DataFrame({
        "site_id": ["a", "b", "c", "d", "e"], "company_id": ["A", "B", "C", "D", "D"],
        "cabina_primaria": ["CP1", "CP1", "CP1", "CP2", "CP2"],
        "role": ["membro", "membro", "produttore_terzo", "membro", "membro"],
        "consumption_counts": [True, True, False, True, True],
        "can_host_plant": [False, False, True, True, False]})
    cfg = configurations(elig).set_index("cabina_primaria")
    assert cfg.loc["CP1", "valid"] and cfg.loc["CP1", "hosts"] == ["c"]
    assert not cfg.loc["CP2", "valid"] and "meno di 2 imprese" in cfg.loc["CP2", "reason"]


# ------------------------------------------------------------------ prices
def test_default_zonal_prices_keep_monthly_means():
    p = default_zonal_prices(2025)
    assert len(p) == 8760
    assert p.groupby(p.index.month).mean().iloc[0] == pytest.approx(99.2)
    assert p.groupby(p.index.month).mean().iloc[11] == pytest.approx(135.0)


def test_gme_layout_with_dst_hours():
    df = pd.DataFrame({"Data": ["20251026"] * 25 + ["20250330"] * 23,
                       "Ora": list(range(1, 26)) + list(range(1, 24)),
                       "CNOR": ["100,5"] * 48})
    s = parse_zonal_prices(df)
    assert s.index.is_unique and len(s) == 48 and (s == 100.5).all()
    assert s.index[0] == pd.Timestamp("2025-03-30 00:00", tz="Europe/Rome")
    autumn = s[s.index.date == pd.Timestamp("2025-10-26").date()]
    assert len(autumn) == 25
