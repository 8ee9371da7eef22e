"""Economics, sharing rules, batch evaluation and configuration search."""
import numpy as np
import pandas as pd
import pytest

from workbench.energy.economics import (allocate_incentive, cash_flows, configuration_economics,
                                        evaluate_batch, irr, member_shared_energy, npv,
                                        payback_years, pv_capex_eur, search_configurations,
                                        shared_energy_loop)


def test_npv_irr_payback_by_hand():
    flows = [-1000, 300, 300, 300, 300, 300]
    assert npv(0.0, flows) == 500
    assert npv(0.1, flows) == pytest.approx(-1000 + 300 * (1 - 1.1 ** -5) / 0.1)
    assert irr(flows) == pytest.approx(0.1524, abs=1e-4)
    assert payback_years(flows) == pytest.approx(3 + 100 / 300)
    assert irr([-1000, 10, 10]) < 0 and np.isnan(irr([-1000, -10])) and np.isnan(payback_years([-1000, 10, 10]))


def test_cash_flows_degrade_revenue():
    cf = cash_flows(1000.0, 200.0, 20.0, years=3, degradation=0.1, discount_rate=0.0)
    assert cf["net_eur"].tolist() == pytest.approx([-1000, 180, 200 * 0.9 - 20, 200 * 0.81 - 20])
    assert cf["cumulative_eur"].iloc[-1] == pytest.approx(cf["net_eur"].sum())


def test_capex_bands():
    assert pv_capex_eur([10, 100, 400, 900, 0]).tolist() == [15_000, 110_000, 380_000, 765_000, 0]


def _random_case(n_sites=6, n_hours=96, seed=1):
    rng = np.random.default_rng(seed)
    loads = rng.uniform(0, 50, (n_sites, n_hours))
    sun = np.clip(np.sin(np.linspace(0, 8 * np.pi, n_hours)), 0, None)
    pv = np.tile(sun, (n_sites, 1)) * rng.uniform(0.5, 0.9, (n_sites, 1))
    kwp = rng.choice([0, 50, 150, 400], size=(4, n_sites)).astype(float)
    members = rng.random((4, n_sites)) < 0.7
    return loads, pv, kwp, members


def test_vectorised_equals_pure_python_loop():
    loads, pv, kwp, members = _random_case()
    pz = np.full(loads.shape[1], 100.0)
    fast = evaluate_batch(loads, pv, kwp, members, pz)
    slow = shared_energy_loop(loads, pv, kwp, members)
    assert fast["shared_mwh"].to_numpy() == pytest.approx(slow)


def test_batch_balances():
    loads, pv, kwp, members = _random_case(seed=3)
    pz = np.full(loads.shape[1], 100.0)
    b = evaluate_batch(loads, pv, kwp, members, pz)
    assert np.allclose(b["production_mwh"], b["self_consumption_mwh"] + b["injection_mwh"])
    assert (b["shared_mwh"] <= np.minimum(b["injection_mwh"], b["withdrawal_mwh"]) + 1e-12).all()
    # at Pz = 100 every plant gets its cap + 4 €/MWh (Toscana PV)
    for c in range(len(b)):
        if b.loc[c, "shared_mwh"] > 0 and set(kwp[c][kwp[c] > 0]) <= {50, 150}:
            assert b.loc[c, "tip_eur"] == pytest.approx(b.loc[c, "shared_mwh"] * 124)


def test_threshold_rule_sends_excess_tip_to_social_purposes():
    batch = pd.DataFrame([{"n_members": 2, "n_plants": 1, "kwp_total": 100.0, "production_mwh": 130.0,
                           "self_consumption_mwh": 30.0, "injection_mwh": 100.0, "withdrawal_mwh": 500.0,
                           "shared_mwh": 80.0, "shared_share": 0.8, "tip_eur": 80 * 124.0,
                           "valorisation_eur": 640.0, "sale_eur": 10_000.0, "avoided_purchase_eur": 5_100.0}])
    eco = configuration_economics(batch, np.array([[100.0]]))
    # 80 MWh shared > 55 % × 100 MWh injected → 25 MWh of TIP go to social purposes
    assert eco.loc[0, "tip_social_eur"] == pytest.approx(25 * 124)
    eco_grant = configuration_economics(batch, np.array([[100.0]]), grant_fraction=0.4)
    assert eco_grant.loc[0, "threshold_share"] == 0.45
    assert eco_grant.loc[0, "tip_social_eur"] == pytest.approx(35 * 124)
    assert eco_grant.loc[0, "grant_eur"] == pytest.approx(0.4 * 110_000)


def test_sharing_rules():
    shared = pd.Series({"A": 30.0, "B": 10.0})
    prop = allocate_incentive(shared, 4000.0)
    assert prop["incentive_eur"].tolist() == pytest.approx([3000, 1000])
    user = allocate_incentive(shared, 4000.0, "pesi", {"A": 1, "B": 1, "Produttore": 2}, social_eur=500)
    assert user.set_index("participant")["incentive_eur"].to_dict() == pytest.approx(
        {"A": 1000, "B": 1000, "Produttore": 2000, "finalità sociali / non imprese": 500})
    with pytest.raises(ValueError, match="regola di ripartizione sconosciuta"):
        allocate_incentive(shared, 1.0, "a caso")


def test_member_shared_energy_sums_to_shared():
    idx = pd.date_range("2025-06-16", periods=4, freq="h", tz="Europe/Rome")
    loads = pd.DataFrame({"A": [10, 10, 10, 10], "B": [0, 30, 10, 0]}, index=idx, dtype=float)
    unit = pd.DataFrame({"A": [0, 0.5, 0.3, 0]}, index=idx)
    per_member = member_shared_energy(loads, unit, {"A": 100}, ["A", "B"])
    # hour 1: inj 40, wd 30 (B) → 30 to B; hour 2: inj 20, wd 10 → 10 to B
    assert per_member.to_dict() == pytest.approx({"A": 0.0, "B": 0.040})


def test_search_finds_better_than_any_single_roof():
    rng = np.random.default_rng(0)
    idx = pd.date_range("2025-01-01", periods=8760, freq="h", tz="Europe/Rome")
    hour = idx.hour.to_numpy()
    sun = np.clip(np.sin((hour - 6) / 12 * np.pi), 0, None) * 0.7
    loads = pd.DataFrame({s: rng.uniform(20, 80, len(idx)) for s in "ABC"}, index=idx)
    unit = pd.DataFrame({s: sun for s in "ABC"}, index=idx)
    roofs = pd.DataFrame({"site_id": ["A", "B"], "max_kwp": [200.0, 400.0]})
    pz = pd.Series(100.0, index=idx)
    res = search_configurations(loads, unit, roofs, ["A", "B", "C"], pz, top=5)
    assert res["rank"].tolist() == list(range(1, len(res) + 1))
    assert res["npv_eur"].is_monotonic_decreasing
    shared = search_configurations(loads, unit, roofs, ["A", "B", "C"], pz, objective="energia_condivisa")
    ok = shared[shared["npv_eur"] >= 0]
    assert len(ok) and shared.iloc[0]["shared_mwh"] == ok["shared_mwh"].max()
    assert shared.iloc[0]["shared_mwh"] >= res.iloc[0]["shared_mwh"]
    with pytest.raises(ValueError, match="obiettivo sconosciuto"):
        search_configurations(loads, unit, roofs, ["A"], pz, objective="x")


def test_storage_raises_shared_energy_in_batch():
    idx = np.arange(48)
    sun = np.clip(np.sin((idx % 24 - 6) / 12 * np.pi), 0, None)
    loads = np.vstack([np.full(48, 10.0), np.full(48, 20.0)])
    pv = np.vstack([sun, np.zeros(48)])
    kwp = np.array([[100.0, 0], [100.0, 0]])
    members = np.ones((2, 2), dtype=bool)
    b = evaluate_batch(loads, pv, kwp, members, np.full(48, 100.0), storage_kwh=np.array([0.0, 200.0]))
    assert b.loc[1, "shared_mwh"] > b.loc[0, "shared_mwh"]
    assert b.loc[1, "injection_mwh"] < b.loc[0, "injection_mwh"]  # round-trip losses
    eco = configuration_economics(b, kwp, storage_kwh=np.array([0.0, 200.0]))
    assert eco.loc[1, "capex_eur"] - eco.loc[0, "capex_eur"] == pytest.approx(200 * 550)
