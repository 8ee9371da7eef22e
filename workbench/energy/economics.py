"""Economics of CER configurations over 20 years, sharing of the incentive, and the
search for the best configurations.

The core is :func:`evaluate_batch`: many configurations (which sites are members, how
many kWp on which roof) evaluated on the same 8,760 hours with numpy, one vectorised
pass per configuration over (sites × hours). Costs and economic parameters come from
``lib/energy/costs.csv`` and ``lib/energy/pv.csv``; incentive rules from
:mod:`workbench.energy.cer`.

Conventions: hourly energies [kWh], annual energies [MWh/yr], money [€] (constant
prices), rates [1/yr].

Simplifications (stated in the report): the yearly PV degradation scales production,
self-consumption, injection and shared energy alike; prices are constant in real
terms; the TIP and the ARERA valorisation last the whole 20-year horizon; all plants of
a configuration enter operation together.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from .cer import (PV, apply_storage, geographic_correction, grant_tip_reduction, site_balance,
                  tip_band)
from .params import lib_table, param

OBJECTIVE_NPV = "npv"
OBJECTIVE_SHARED = "energia_condivisa"

BATCH_COLUMNS = [
    "n_members", "n_plants", "kwp_total", "production_mwh", "self_consumption_mwh",
    "injection_mwh", "withdrawal_mwh", "shared_mwh", "shared_share", "tip_eur",
    "valorisation_eur", "sale_eur", "avoided_purchase_eur",
]


# --------------------------------------------------------------- cash-flow tools
def npv(rate: float, flows) -> float:
    """Net present value of yearly flows, ``flows[0]`` at year 0. [€]"""
    flows = np.asarray(flows, dtype=float)
    return float(np.sum(flows / (1.0 + rate) ** np.arange(len(flows))))


def irr(flows) -> float:
    """Internal rate of return of yearly flows [1/yr]; ``nan`` when NPV does not change
    sign between −99 % and +1000 %."""
    flows = np.asarray(flows, dtype=float)
    lo, hi = -0.99, 10.0
    f_lo, f_hi = npv(lo, flows), npv(hi, flows)
    if not (np.isfinite(f_lo) and np.isfinite(f_hi)) or f_lo * f_hi > 0:
        return float("nan")
    return float(brentq(lambda r: npv(r, flows), lo, hi, xtol=1e-10))


def payback_years(flows) -> float:
    """Simple payback time: when the cumulative undiscounted flow turns positive,
    linearly interpolated within the year [yr]; ``nan`` if never."""
    cum = np.cumsum(np.asarray(flows, dtype=float))
    if cum[0] >= 0:
        return 0.0
    after = np.flatnonzero(cum >= 0)
    if after.size == 0:
        return float("nan")
    k = int(after[0])
    return float(k - 1 + (-cum[k - 1]) / (cum[k] - cum[k - 1]))


def cash_flows(capex_eur: float, revenue_eur_yr: float, opex_eur_yr: float,
               years: int | None = None, degradation: float | None = None,
               discount_rate: float | None = None) -> pd.DataFrame:
    """Yearly cash flows of an investment.

    Parameters
    ----------
    capex_eur : float — net investment at year 0 (after grants). [€]
    revenue_eur_yr : float — revenues of year 1, scaled by ``(1 − degradation)^(t−1)``. [€/yr]
    opex_eur_yr : float — operating costs, constant. [€/yr]
    years : int — horizon (default ``HORIZON_YEARS`` = 20). [yr]
    degradation : float — yearly output loss (default ``DEGRADATION_PER_YR``). [1/yr]
    discount_rate : float — default ``DISCOUNT_RATE``. [1/yr]

    Returns
    -------
    DataFrame — ``year`` (0..n), ``revenue_eur``, ``opex_eur``, ``capex_eur``,
    ``net_eur``, ``cumulative_eur``, ``discounted_eur``.
    """
    n = int(param("costs", "HORIZON_YEARS") if years is None else years)
    d = param("pv", "DEGRADATION_PER_YR") if degradation is None else degradation
    r = param("costs", "DISCOUNT_RATE") if discount_rate is None else discount_rate
    t = np.arange(n + 1)
    revenue = np.where(t > 0, revenue_eur_yr * (1 - d) ** np.maximum(t - 1, 0), 0.0)
    opex = np.where(t > 0, opex_eur_yr, 0.0)
    capex = np.where(t == 0, capex_eur, 0.0)
    net = revenue - opex - capex
    return pd.DataFrame({"year": t, "revenue_eur": revenue, "opex_eur": opex,
                         "capex_eur": capex, "net_eur": net, "cumulative_eur": np.cumsum(net),
                         "discounted_eur": net / (1 + r) ** t})


def pv_capex_eur(kwp) -> np.ndarray:
    """Turnkey capex of PV plants by size band (``costs.csv``). [€]"""
    kwp = np.asarray(kwp, dtype=float)
    edges = np.array([20.0, 200.0, 600.0, 1000.0])
    unit = np.array([param("costs", f"PV_CAPEX_EUR_PER_KWP_UPTO_{e:.0f}") for e in edges])
    pos = np.clip(np.searchsorted(edges, kwp, side="left"), 0, len(edges) - 1)
    return np.where(kwp > 0, kwp * unit[pos], 0.0)


# ------------------------------------------------------------ batch evaluation
def _tip_by_band(zonal_price: np.ndarray, region: str, grant_fraction: float) -> tuple[list, np.ndarray]:
    table = lib_table("cer_tariff").sort_values("power_max_kw")
    pz_ref = param("cer_parameters", "PZ_REFERENCE_EUR_MWH")
    corr = geographic_correction(region, PV)
    factor = 1.0 - grant_tip_reduction(grant_fraction)
    rows = [(np.minimum(b.cap_eur_mwh, b.fixed_eur_mwh + np.maximum(0.0, pz_ref - zonal_price))
             + corr) * factor for b in table.itertuples()]
    return list(table["band"]), np.vstack(rows)


def evaluate_batch(loads_kwh: np.ndarray, pv_kwh_per_kwp: np.ndarray, kwp: np.ndarray,
                   members: np.ndarray, zonal_price: np.ndarray,
                   electricity_price: np.ndarray | None = None, region: str = "Toscana",
                   grant_fraction: float = 0.0, storage_kwh=0.0) -> pd.DataFrame:
    """Annual energy and revenue figures of many configurations on the same hours.

    Parameters
    ----------
    loads_kwh : ndarray (n_sites, n_hours) — hourly consumption of every site. [kWh]
    pv_kwh_per_kwp : ndarray (n_sites, n_hours) — hourly PV yield of each site's roof
        (zeros where there is no roof). [kWh/kWp]
    kwp : ndarray (n_configs, n_sites) — PV power installed on each roof in each
        configuration (0: no plant). [kWp]
    members : ndarray bool (n_configs, n_sites) — sites whose withdrawals count.
    zonal_price : ndarray (n_hours,) — hourly zonal price. [€/MWh]
    electricity_price : ndarray (n_sites,), optional — each site's purchase price for
        avoided purchase (default ``ELECTRICITY_PRICE_EUR_MWH``). [€/MWh]
    region : str — for the PV geographic correction of the TIP.
    grant_fraction : float — PNRR grant share, reduces the TIP. [-]
    storage_kwh : float or ndarray (n_configs,) — configuration-level storage
        (:func:`~workbench.energy.cer.apply_storage`); energy it releases is valued at
        the configuration's mean TIP of the year. [kWh]

    Returns
    -------
    DataFrame — one row per configuration: ``n_members``, ``n_plants``, ``kwp_total``
    [kWp], ``production_mwh``, ``self_consumption_mwh`` (behind the meter of the host),
    ``injection_mwh``, ``withdrawal_mwh`` (members), ``shared_mwh`` [MWh/yr],
    ``shared_share`` (shared/injected) [-], ``tip_eur``, ``valorisation_eur``,
    ``sale_eur`` (injected energy at the zonal price), ``avoided_purchase_eur`` [€/yr].

    Notes
    -----
    For each configuration, on the active sites only: ``pv = kWp × yield``;
    ``self = min(pv, load)``; ``injection = pv − self``; ``withdrawal = load − self``;
    ``shared[h] = min(Σ injection[h], Σ_members withdrawal[h])``; the TIP of each hour
    is the injection-weighted mean of the plants' TIP.
    """
    L = np.asarray(loads_kwh, dtype=float)
    P = np.asarray(pv_kwh_per_kwp, dtype=float)
    K = np.atleast_2d(np.asarray(kwp, dtype=float))
    M = np.atleast_2d(np.asarray(members, dtype=bool))
    pz = np.asarray(zonal_price, dtype=float)
    price = (np.full(L.shape[0], param("costs", "ELECTRICITY_PRICE_EUR_MWH"))
             if electricity_price is None else np.asarray(electricity_price, dtype=float))
    if L.shape != P.shape or K.shape != M.shape or K.shape[1] != L.shape[0] or pz.shape[0] != L.shape[1]:
        raise ValueError(f"forme incoerenti: carichi {L.shape}, FV {P.shape}, kWp {K.shape}, "
                         f"membri {M.shape}, prezzi {pz.shape}")
    max_kw = param("cer_parameters", "MAX_PLANT_KW")
    if np.any(K > max_kw):
        raise ValueError(f"impianto oltre {max_kw:g} kW: non incentivabile come singolo impianto")
    bands, tip_rows = _tip_by_band(pz, region, grant_fraction)
    band_pos = {b: i for i, b in enumerate(bands)}
    valorisation = param("cer_parameters", "ARERA_VALORISATION_EUR_MWH")
    out = np.zeros((K.shape[0], len(BATCH_COLUMNS)))
    # members' gross withdrawals of every configuration in one matrix product
    member_load = M.astype(float) @ L                                  # (C, H)
    storage = np.broadcast_to(np.asarray(storage_kwh, dtype=float), (K.shape[0],))
    for c in range(K.shape[0]):
        plants = np.flatnonzero(K[c] > 0)
        wd_tot = member_load[c]
        if plants.size == 0:
            out[c, 0] = M[c].sum()
            out[c, 6] = wd_tot.sum() / 1000
            continue
        k = K[c, plants]
        pv = k[:, None] * P[plants]                                    # (p, H)
        sc = np.minimum(pv, L[plants])                                 # behind the meter
        inj = pv - sc
        inj_tot = inj.sum(axis=0)
        host_members = M[c, plants]
        if host_members.any():
            wd_tot = wd_tot - sc[host_members].sum(axis=0)
        shared = np.minimum(inj_tot, wd_tot)
        idx = np.array([band_pos[b] for b in tip_band(k)])
        weighted = np.einsum("ph,ph->h", inj, tip_rows[idx])
        with np.errstate(divide="ignore", invalid="ignore"):
            tip_h = np.where(inj_tot > 0, weighted / np.where(inj_tot > 0, inj_tot, 1.0), 0.0)
        if storage[c] > 0:
            mean_tip = weighted.sum() / inj_tot.sum() if inj_tot.sum() > 0 else 0.0
            inj_tot, _ = apply_storage(inj_tot, wd_tot, float(storage[c]))
            tip_h = np.where(tip_h > 0, tip_h, mean_tip)
            shared = np.minimum(inj_tot, wd_tot)
        shared_sum = shared.sum()
        inj_sum = inj_tot.sum()
        sc_by_plant = sc.sum(axis=1)
        out[c] = [M[c].sum(), plants.size, k.sum(), pv.sum() / 1000, sc_by_plant.sum() / 1000,
                  inj_sum / 1000, wd_tot.sum() / 1000, shared_sum / 1000,
                  shared_sum / inj_sum if inj_sum > 0 else 0.0,
                  float(shared @ tip_h) / 1000.0, shared_sum / 1000 * valorisation,
                  float(inj_tot @ pz) / 1000, float(sc_by_plant @ price[plants]) / 1000]
    df = pd.DataFrame(out, columns=BATCH_COLUMNS)
    for col in ("n_members", "n_plants"):
        df[col] = df[col].astype(int)
    return df


def shared_energy_loop(loads_kwh, pv_kwh_per_kwp, kwp, members) -> list[float]:
    """Reference implementation in pure Python (hour by hour, site by site) of the
    shared energy of :func:`evaluate_batch` [MWh/yr per configuration]. Only for tests
    and the benchmark: it is tens of times slower."""
    L = [list(map(float, row)) for row in np.asarray(loads_kwh)]
    P = [list(map(float, row)) for row in np.asarray(pv_kwh_per_kwp)]
    K = [list(map(float, row)) for row in np.atleast_2d(kwp)]
    M = [list(map(bool, row)) for row in np.atleast_2d(members)]
    n_sites, n_hours = len(L), len(L[0])
    result = []
    for c in range(len(K)):
        total = 0.0
        for h in range(n_hours):
            inj = wd = 0.0
            for s in range(n_sites):
                pv = K[c][s] * P[s][h]
                load = L[s][h]
                sc = pv if pv < load else load
                inj += pv - sc
                if M[c][s]:
                    wd += load - sc
            total += inj if inj < wd else wd
        result.append(total / 1000.0)
    return result


# ----------------------------------------------------------------- economics
def configuration_economics(batch: pd.DataFrame, kwp: np.ndarray, storage_kwh=0.0,
                            grant_fraction: float = 0.0, excess_to_social: bool = True,
                            discount_rate: float | None = None, detail: bool = True) -> pd.DataFrame:
    """20-year economics of the configurations of :func:`evaluate_batch` (vectorised).

    Parameters
    ----------
    batch : DataFrame — output of :func:`evaluate_batch`.
    kwp : ndarray (n_configs, n_sites) — the same plant sizes. [kWp]
    storage_kwh : float or array (n_configs,) — storage capacity. [kWh]
    grant_fraction : float — PNRR grant share of eligible capex (0 when the
        municipality does not qualify). [-]
    excess_to_social : bool — the TIP on shared energy above the threshold (55 %, 45 %
        with the grant) goes to non-business consumers or social purposes, not to the
        companies (True for an industrial CER).
    discount_rate : float, optional — default ``DISCOUNT_RATE``. [1/yr]
    detail : bool — also compute IRR and payback (a root search per configuration);
        the configuration search skips them until its final ranking.

    Returns
    -------
    DataFrame — ``batch`` plus ``capex_eur``, ``grant_eur``, ``opex_eur_yr``,
    ``threshold_share``, ``tip_social_eur`` (to social purposes), ``revenue_eur_yr``,
    ``npv_eur``, ``irr``, ``payback_yr``.

    Notes
    -----
    ``NPV = −(capex − grant) + revenue · Σ_t (1−d)^(t−1)/(1+r)^t − opex · Σ_t 1/(1+r)^t``
    for t = 1..20, with d the PV degradation; 0 for a configuration without plants.
    """
    K = np.atleast_2d(np.asarray(kwp, dtype=float))
    r = param("costs", "DISCOUNT_RATE") if discount_rate is None else discount_rate
    d = param("pv", "DEGRADATION_PER_YR")
    n = int(param("costs", "HORIZON_YEARS"))
    storage = np.broadcast_to(np.asarray(storage_kwh, dtype=float), (len(batch),))
    threshold = param("cer_parameters", "THRESHOLD_SHARE_WITH_GRANT" if grant_fraction > 0
                      else "THRESHOLD_SHARE")
    plant_capex = pv_capex_eur(K)
    storage_capex = storage * param("costs", "STORAGE_CAPEX_EUR_PER_KWH")
    capex = plant_capex.sum(axis=1) + storage_capex
    grant = grants_eur(K, plant_capex, grant_fraction).sum(axis=1) if grant_fraction > 0 \
        else np.zeros(len(batch))
    has_plants = batch["n_plants"].to_numpy() > 0
    opex = (batch["kwp_total"].to_numpy() * param("costs", "PV_OPEX_EUR_PER_KWP_YR")
            + storage_capex * param("costs", "STORAGE_OPEX_SHARE_YR")
            + np.where(has_plants, param("costs", "CER_MANAGEMENT_EUR_YR"), 0.0))
    shared = batch["shared_mwh"].to_numpy()
    excess = np.maximum(0.0, shared - threshold * batch["injection_mwh"].to_numpy())
    with np.errstate(divide="ignore", invalid="ignore"):
        tip_social = np.where((shared > 0) & excess_to_social,
                              batch["tip_eur"].to_numpy() * excess / np.where(shared > 0, shared, 1), 0.0)
    revenue = (batch["avoided_purchase_eur"].to_numpy() + batch["sale_eur"].to_numpy()
               + batch["tip_eur"].to_numpy() - tip_social + batch["valorisation_eur"].to_numpy())
    t = np.arange(1, n + 1)
    disc = (1 + r) ** -t
    npv_value = -(capex - grant) + revenue * np.sum((1 - d) ** (t - 1) * disc) - opex * disc.sum()
    npv_value = np.where(has_plants, npv_value, 0.0)
    irr_value = np.full(len(batch), np.nan)
    payback = np.full(len(batch), np.nan)
    if detail:
        for c in np.flatnonzero(has_plants):
            flows = cash_flows(capex[c] - grant[c], revenue[c], opex[c], discount_rate=r)["net_eur"].to_numpy()
            irr_value[c], payback[c] = irr(flows), payback_years(flows)
    extra = pd.DataFrame({"capex_eur": capex, "grant_eur": grant, "opex_eur_yr": opex,
                          "threshold_share": threshold, "tip_social_eur": tip_social,
                          "revenue_eur_yr": revenue, "npv_eur": npv_value, "irr": irr_value,
                          "payback_yr": payback})
    return pd.concat([batch.reset_index(drop=True), extra], axis=1)


def grants_eur(kwp: np.ndarray, capex_eur: np.ndarray, grant_fraction: float) -> np.ndarray:
    """PNRR grant of every plant (vectorised :func:`~workbench.energy.cer.grant_eur`). [€]"""
    from .params import lib_table as _lib
    table = _lib("pnrr_eligible_cost").sort_values("power_max_kw")
    edges = table["power_max_kw"].to_numpy(float)
    ceiling = table["max_eligible_cost_eur_per_kw"].to_numpy(float)
    kwp = np.asarray(kwp, dtype=float)
    pos = np.clip(np.searchsorted(edges, kwp, side="left"), 0, len(edges) - 1)
    return np.where(kwp > 0, grant_fraction * np.minimum(capex_eur, ceiling[pos] * kwp), 0.0)


# ---------------------------------------------------------------- sharing rules
RULE_PROPORTIONAL = "proporzionale"
RULE_WEIGHTS = "pesi"
#: Participant of :func:`allocate_incentive` that receives the social-purpose share
#: (an identifier; readers see ``energy_social_participant`` of the report texts).
SOCIAL_PARTICIPANT = "finalità sociali / non imprese"


def member_shared_energy(loads_kwh: pd.DataFrame, pv_kwh_per_kwp: pd.DataFrame,
                         plants_kwp: dict, members: list) -> pd.Series:
    """Each member's share of the hourly shared energy, summed over the year: in every
    hour the shared energy is split in proportion to the members' withdrawals. [MWh/yr]"""
    n = len(loads_kwh.index)
    balance = site_balance(loads_kwh, pv_kwh_per_kwp, plants_kwp, members)
    wd = balance["withdrawal"]
    inj = sum(balance["injection"].values()) if balance["injection"] else np.zeros(n)
    matrix = np.vstack([wd[m] for m in members]) if members else np.zeros((0, n))
    total = matrix.sum(axis=0)
    shared = np.minimum(inj, total)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(total > 0, matrix / np.where(total > 0, total, 1.0), 0.0)
    return pd.Series((share * shared).sum(axis=1) / 1000.0, index=list(members),
                     name="shared_consumption_mwh")


def allocate_incentive(member_shared_mwh: pd.Series, amount_eur: float,
                       rule: str = RULE_PROPORTIONAL, weights: dict | None = None,
                       social_eur: float = 0.0) -> pd.DataFrame:
    """Split the CER incentive among its participants.

    Parameters
    ----------
    member_shared_mwh : Series — shared consumption of each member (index: site or
        company id), from :func:`member_shared_energy`. [MWh/yr]
    amount_eur : float — incentive to share among companies (TIP net of the part for
        social purposes, plus the ARERA valorisation). [€/yr]
    rule : str — ``'proporzionale'`` (to shared consumption) or ``'pesi'`` (weights set
        by the user in the CER statute or agreement).
    weights : dict, optional — for ``'pesi'``: ``{participant: weight ≥ 0}``; the
        participants may include producers and non-members.
    social_eur : float — part reserved to social purposes / non-business consumers
        (threshold rule), shown as its own row. [€/yr]

    Returns
    -------
    DataFrame — ``participant``, ``shared_consumption_mwh``, ``share``, ``incentive_eur``;
    the shares sum to 1 and the amounts to ``amount_eur`` (+ the social row).
    """
    if rule == RULE_PROPORTIONAL:
        basis = member_shared_mwh.astype(float).clip(lower=0)
    elif rule == RULE_WEIGHTS:
        if not weights:
            raise ValueError('regola "pesi": servono i pesi dei partecipanti')
        if any(w < 0 for w in weights.values()):
            raise ValueError('regola "pesi": i pesi devono essere ≥ 0')
        basis = pd.Series(weights, dtype=float)
    else:
        raise ValueError(f'regola di ripartizione sconosciuta "{rule}": '
                         f'"{RULE_PROPORTIONAL}" o "{RULE_WEIGHTS}"')
    total = basis.sum()
    share = basis / total if total > 0 else basis * 0.0
    out = pd.DataFrame({"participant": basis.index.astype(str),
                        "shared_consumption_mwh": member_shared_mwh.reindex(basis.index).to_numpy(),
                        "share": share.to_numpy(), "incentive_eur": share.to_numpy() * amount_eur})
    if social_eur > 0:
        out = pd.concat([out, pd.DataFrame([{"participant": SOCIAL_PARTICIPANT,
                                             "shared_consumption_mwh": np.nan, "share": np.nan,
                                             "incentive_eur": social_eur}])], ignore_index=True)
    return out


# ------------------------------------------------------------------------ search
def search_configurations(loads_kwh: pd.DataFrame, pv_kwh_per_kwp: pd.DataFrame,
                          roofs: pd.DataFrame, members: list, zonal_price: pd.Series,
                          electricity_price: pd.Series | None = None,
                          objective: str = OBJECTIVE_NPV,
                          size_steps=(0.0, 0.25, 0.5, 0.75, 1.0), region: str = "Toscana",
                          grant_fraction: float = 0.0, storage_kwh: float = 0.0,
                          max_rounds: int = 50, top: int = 20) -> pd.DataFrame:
    """Best configurations of one primary substation: which roofs and what size.

    Greedy coordinate ascent: starting from no plant, each round evaluates (in one
    :func:`evaluate_batch`) every change of one roof to another size step and keeps the
    best improvement; it stops when nothing improves. Every configuration evaluated is
    kept, and the ``top`` distinct ones are returned ranked.

    Members are all the given ``members`` (adding a member never lowers the shared
    energy or the NPV in this model; pass a subset to study another membership).

    Parameters
    ----------
    loads_kwh : DataFrame — hourly consumption by site (members and hosts). [kWh]
    pv_kwh_per_kwp : DataFrame — hourly yield of each roof by host site. [kWh/kWp]
    roofs : DataFrame — from :func:`~workbench.energy.pv.roof_systems` (``site_id``,
        ``max_kwp``), only the roofs that may host a plant.
    members : list — site ids whose withdrawals count.
    zonal_price : Series — hourly zonal price. [€/MWh]
    electricity_price : Series, optional — purchase price by site. [€/MWh]
    objective : str — ``'npv'`` (maximise NPV) or ``'energia_condivisa'`` (maximise
        shared energy among configurations with NPV ≥ 0; configurations with a
        negative NPV rank after all the others).
    size_steps : sequence — fractions of each roof's ``max_kwp`` tried.
    grant_fraction : float — PNRR grant share (0 unless the municipality qualifies).
    storage_kwh : float — configuration-level storage added to every candidate with
        plants. [kWh]

    Returns
    -------
    DataFrame — ranked: ``rank``, ``plants`` (``{site_id: kWp}``), the columns of
    :func:`configuration_economics`.
    """
    if objective not in (OBJECTIVE_NPV, OBJECTIVE_SHARED):
        raise ValueError(f'obiettivo sconosciuto "{objective}": "{OBJECTIVE_NPV}" o "{OBJECTIVE_SHARED}"')
    sites = list(dict.fromkeys(list(members) + list(roofs["site_id"])))
    L = loads_kwh.reindex(columns=sites).fillna(0.0).to_numpy().T
    P = pv_kwh_per_kwp.reindex(columns=sites).fillna(0.0).to_numpy().T
    pos = {s: i for i, s in enumerate(sites)}
    member_mask = np.array([s in set(members) for s in sites])
    roof_idx = np.array([pos[s] for s in roofs["site_id"]])
    max_kwp = roofs["max_kwp"].to_numpy(dtype=float)
    price = None
    if electricity_price is not None:
        price = electricity_price.reindex(sites).fillna(
            param("costs", "ELECTRICITY_PRICE_EUR_MWH")).to_numpy(dtype=float)
    steps = np.asarray(size_steps, dtype=float)
    pz = zonal_price.to_numpy()

    def score(df):
        if objective == OBJECTIVE_NPV:
            return df["npv_eur"].to_numpy()
        # feasible (NPV ≥ 0) configurations first, then by shared energy
        return df["shared_mwh"].to_numpy() - np.where(df["npv_eur"].to_numpy() >= 0, 0.0, 1e9)

    def kwp_matrix(levels_list):
        K = np.zeros((len(levels_list), len(sites)))
        for i, levels in enumerate(levels_list):
            K[i, roof_idx] = np.round(steps[list(levels)] * max_kwp, 1)
        return K

    seen: dict[tuple, dict] = {}

    def evaluate(levels_list):
        new = [lv for lv in dict.fromkeys(levels_list) if lv not in seen]
        if new:
            K = kwp_matrix(new)
            store = np.where(K.sum(axis=1) > 0, storage_kwh, 0.0)
            batch = evaluate_batch(L, P, K, np.repeat(member_mask[None, :], len(new), axis=0),
                                   pz, price, region, grant_fraction, store)
            eco = configuration_economics(batch, K, store, grant_fraction=grant_fraction, detail=False)
            sc = score(eco)
            for i, lv in enumerate(new):
                seen[lv] = {**eco.iloc[i].to_dict(), "_score": sc[i], "_kwp": K[i]}
        return [seen[lv]["_score"] for lv in levels_list]

    current = tuple([0] * len(roof_idx))
    best = evaluate([current])[0]
    for _ in range(max_rounds):
        moves = [current[:j] + (s,) + current[j + 1:]
                 for j in range(len(current)) for s in range(len(steps)) if s != current[j]]
        if not moves:
            break
        scores = evaluate(moves)
        k = int(np.argmax(scores))
        if scores[k] <= best + 1e-6:
            break
        current, best = moves[k], scores[k]

    ranked = sorted(((lv, rec) for lv, rec in seen.items() if any(lv)),
                    key=lambda item: -item[1]["_score"])[:top]
    if not ranked:
        return pd.DataFrame()
    K = np.vstack([rec["_kwp"] for _, rec in ranked])
    batch = pd.DataFrame([{c: rec[c] for c in BATCH_COLUMNS} for _, rec in ranked])
    eco = configuration_economics(batch, K, np.where(K.sum(axis=1) > 0, storage_kwh, 0.0),
                                  grant_fraction=grant_fraction, detail=True)
    eco.insert(0, "plants", [{sites[i]: float(K[j, i]) for i in roof_idx if K[j, i] > 0}
                             for j in range(len(K))])
    eco.insert(0, "rank", np.arange(1, len(eco) + 1))
    return eco
