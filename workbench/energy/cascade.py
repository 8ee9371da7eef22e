"""Waste-heat cascade: sources and sinks by temperature, month by month.

Sources are declared output flows of waste heat or steam (``matrix == 'energia'``,
resource classes ``calore_*``/``vapore_*``) with their temperature; sinks are declared
heat demands (``domanda_calore_processo``, ``vapore_*`` inputs, and natural gas inputs with a
declared use temperature, whose heat is the gas energy × ``BOILER_EFFICIENCY``) and
cooling demands (``freddo``). Every pair of a source and a sink of different sites within
``HEAT_MAX_DISTANCE_KM`` is matched with the one model of heat
(:func:`workbench.energy.heat.heat_match`): direct exchange, heat pump, or nothing; a
cooling demand is served by a single-effect absorption chiller when the source is at
least ``ABSORPTION_MIN_SOURCE_C``.

Each pair gets monthly deliverable heat (its source's and sink's monthly profiles),
pipe cost by route length (:func:`~workbench.energy.heat.pipe_cost_eur`), equipment
cost, avoided gas (or chiller electricity), heat-pump electricity and an annual net
benefit with the annuity of capex. Pairs are then allocated greedily by net benefit per
MWh, month by month, so that no source or sink is used beyond its monthly quantity;
:func:`monthly_balance` sums the result.

Energies [MWh], temperatures [°C], distances [km], money [€].
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..model import haversine_km
from .heat import (ABSORPTION_COP, ABSORPTION_MIN_SOURCE_C, HEAT_MAX_DISTANCE_KM,
                   MODE_DIRECT, MODE_HEAT_PUMP, PIPE_ROUTE_FACTOR, heat_match, pipe_cost_eur)
from .params import param
from .profiles import as_monthly_profile

MODE_ABSORPTION = "assorbimento"

SOURCE_RESOURCES = ("calore_alta_temperatura", "calore_media_temperatura",
                    "calore_bassa_temperatura", "vapore_alta", "vapore_bassa")
SINK_RESOURCES = ("domanda_calore_processo", "vapore_alta", "vapore_bassa")
#: Fuels whose declared use temperature makes them a heat demand: the heat needed is
#: the fuel energy times ``BOILER_EFFICIENCY``.
FUEL_SINK_RESOURCES = ("gas_naturale",)
COOLING_RESOURCES = ("freddo",)

MONTHS = np.arange(1, 13)
_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=float)


def monthly_quantities(quantity, monthly_profile) -> np.ndarray:
    """Twelve monthly quantities from an annual quantity and optional monthly shares
    (default: proportional to the days of each month). [same unit as quantity]"""
    shares = as_monthly_profile(monthly_profile)
    if shares is None:
        shares = _DAYS / _DAYS.sum()
    return float(quantity) * shares


def heat_sources_sinks(flows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split declared energy flows into heat sources and heat/cooling sinks.

    Parameters
    ----------
    flows : DataFrame — :func:`workbench.flows.load_flows` (needs ``flow_id``,
        ``site_id``, ``company_id``, ``direction``, ``matrix``, ``resource``,
        ``quantity_std`` [MWh], ``unit_std``, ``temperature_c``, ``monthly_profile``,
        ``lat``, ``lon``).

    Returns
    -------
    sources, sinks : DataFrame — the same columns plus ``kind`` (``'calore'`` or
    ``'freddo'`` for sinks) and ``monthly_mwh`` (12 values).
    """
    energy = flows[(flows["matrix"] == "energia") & (flows["unit_std"] == "MWh")].copy()
    energy["monthly_mwh"] = [monthly_quantities(q, p) for q, p in
                             zip(energy["quantity_std"], energy.get("monthly_profile",
                                                                    pd.Series(None, index=energy.index)))]
    sources = energy[(energy["direction"] == "out") & energy["resource"].isin(SOURCE_RESOURCES)].copy()
    fuel = energy["resource"].isin(FUEL_SINK_RESOURCES) & energy["temperature_c"].notna()
    sinks = energy[(energy["direction"] == "in")
                   & (energy["resource"].isin(SINK_RESOURCES + COOLING_RESOURCES) | fuel)].copy()
    eta = param("costs", "BOILER_EFFICIENCY")
    is_fuel = sinks["resource"].isin(FUEL_SINK_RESOURCES).to_numpy()
    sinks["monthly_mwh"] = [m * eta if f else m for m, f in zip(sinks["monthly_mwh"], is_fuel)]
    sinks["quantity_std"] = np.where(is_fuel, sinks["quantity_std"] * eta, sinks["quantity_std"])
    sinks["kind"] = np.where(sinks["resource"].isin(COOLING_RESOURCES), "freddo", "calore")
    sources["kind"] = "calore"
    return sources.reset_index(drop=True), sinks.reset_index(drop=True)


def _annuity_factor(rate: float, years: float) -> float:
    return rate * (1 + rate) ** years / ((1 + rate) ** years - 1) if rate > 0 else 1.0 / years


def heat_pairs(sources: pd.DataFrame, sinks: pd.DataFrame,
               max_distance_km: float | None = None, lang: str = "it") -> pd.DataFrame:
    """Every feasible (source, sink) pair with mode, monthly deliverable energy and economics.

    ``lang`` (``'it'`` or ``'en'``) is the language of ``why``.

    Returns
    -------
    DataFrame — ``source_flow_id``, ``sink_flow_id``, ``source_company_id``,
    ``sink_company_id``, ``source_site_id``, ``sink_site_id``, ``t_source_c``,
    ``t_sink_c``, ``mode`` (``diretto``/``pompa_di_calore``/``assorbimento``), ``cop``,
    ``distance_km`` (great circle), ``pipe_km`` (route), ``medium``,
    ``monthly_mwh`` (12 deliverable values), ``heat_mwh`` [MWh/yr], ``capex_eur``,
    ``avoided_eur_yr``, ``electricity_mwh_yr``, ``net_benefit_eur_yr``, ``why`` (a sentence in ``lang``).
    """
    max_km = HEAT_MAX_DISTANCE_KM if max_distance_km is None else max_distance_km
    cols = ["source_flow_id", "sink_flow_id", "source_company_id", "sink_company_id",
            "source_site_id", "sink_site_id", "t_source_c", "t_sink_c", "mode", "cop",
            "distance_km", "pipe_km", "medium", "monthly_mwh", "heat_mwh", "capex_eur",
            "avoided_eur_yr", "electricity_mwh_yr", "net_benefit_eur_yr", "why"]
    if sources.empty or sinks.empty:
        return pd.DataFrame(columns=cols)
    pairs = sources.merge(sinks, how="cross", suffixes=("_s", "_t"))
    pairs = pairs[pairs["site_id_s"] != pairs["site_id_t"]]
    pairs["distance_km"] = haversine_km(pairs["lat_s"], pairs["lon_s"], pairs["lat_t"], pairs["lon_t"])
    pairs = pairs[pairs["distance_km"].notna() & (pairs["distance_km"] <= max_km)].reset_index(drop=True)
    if pairs.empty:
        return pd.DataFrame(columns=cols)

    match = heat_match(pairs["temperature_c_s"].to_numpy(float), pairs["temperature_c_t"].to_numpy(float),
                       lang=lang)
    cooling = (pairs["kind_t"] == "freddo").to_numpy()
    t_src = pairs["temperature_c_s"].to_numpy(float)
    mode = match["mode"].to_numpy(dtype=object).copy()
    mode[cooling] = np.where(t_src[cooling] >= ABSORPTION_MIN_SOURCE_C, MODE_ABSORPTION, None)
    cop = match["cop"].to_numpy(float).copy()
    cop[cooling] = np.where(mode[cooling] == MODE_ABSORPTION, ABSORPTION_COP, np.nan)
    # heat drawn from the source per unit delivered to the sink
    src_per_unit = match["source_per_heat"].to_numpy(float).copy()
    src_per_unit[cooling] = 1.0 / ABSORPTION_COP
    el_per_unit = match["electricity_per_heat"].to_numpy(float).copy()
    el_per_unit[cooling] = 0.0
    from ..report.texts import text  # on call, as in heat_match
    why = match["reason"].to_numpy(dtype=object).copy()
    t_min = f"{ABSORPTION_MIN_SOURCE_C:g}"
    why[cooling] = np.where(
        mode[cooling] == MODE_ABSORPTION,
        [text("heat_reason_absorption", lang, cop=f"{ABSORPTION_COP:g}", t=f"{t:g}", t_min=t_min)
         for t in t_src[cooling]],
        [text("heat_reason_no_absorption", lang, t=f"{t:g}", t_min=t_min) for t in t_src[cooling]])
    keep = np.array([m is not None for m in mode])
    pairs, mode, cop, src_per_unit, el_per_unit, why, cooling = (
        pairs[keep].reset_index(drop=True), mode[keep], cop[keep], src_per_unit[keep],
        el_per_unit[keep], why[keep], cooling[keep])
    if pairs.empty:
        return pd.DataFrame(columns=cols)

    src_m = np.vstack(pairs["monthly_mwh_s"].to_numpy())
    sink_m = np.vstack(pairs["monthly_mwh_t"].to_numpy())
    deliver = np.minimum(sink_m, src_m / src_per_unit[:, None])
    heat = deliver.sum(axis=1)

    pipe_km = pairs["distance_km"].to_numpy(float) * PIPE_ROUTE_FACTOR
    steam = pairs["resource_s"].str.startswith("vapore").to_numpy() & (mode == MODE_DIRECT)
    medium = np.where(steam, "vapore", "acqua_calda")
    pipe = np.where(steam, pipe_cost_eur(pipe_km, "vapore"), pipe_cost_eur(pipe_km, "acqua_calda"))
    peak_kw = deliver.max(axis=1) / (_DAYS[deliver.argmax(axis=1)] * 24) * 1000 \
        * param("costs", "HEAT_PEAK_FACTOR")
    unit_capex = np.select([mode == MODE_DIRECT, mode == MODE_HEAT_PUMP, mode == MODE_ABSORPTION],
                           [param("costs", "HEAT_EXCHANGER_CAPEX_EUR_PER_KW"),
                            param("costs", "HEAT_PUMP_CAPEX_EUR_PER_KW"),
                            param("costs", "ABSORPTION_CAPEX_EUR_PER_KW")])
    capex = pipe + peak_kw * unit_capex
    gas = param("costs", "GAS_PRICE_EUR_MWH") / param("costs", "BOILER_EFFICIENCY")
    el_price = param("costs", "ELECTRICITY_PRICE_EUR_MWH")
    avoided = np.where(cooling, heat / param("costs", "CHILLER_ELECTRIC_COP") * el_price, heat * gas)
    electricity = heat * el_per_unit
    annuity = capex * _annuity_factor(param("costs", "DISCOUNT_RATE"), param("costs", "HORIZON_YEARS"))
    net = avoided - electricity * el_price - capex * param("costs", "HEAT_OPEX_SHARE_YR") - annuity
    return pd.DataFrame({
        "source_flow_id": pairs["flow_id_s"], "sink_flow_id": pairs["flow_id_t"],
        "source_company_id": pairs["company_id_s"], "sink_company_id": pairs["company_id_t"],
        "source_site_id": pairs["site_id_s"], "sink_site_id": pairs["site_id_t"],
        "t_source_c": pairs["temperature_c_s"], "t_sink_c": pairs["temperature_c_t"],
        "mode": pd.Series(mode, dtype=object), "cop": cop,
        "distance_km": pairs["distance_km"], "pipe_km": pipe_km, "medium": medium,
        "monthly_mwh": list(deliver), "heat_mwh": heat, "capex_eur": capex,
        "avoided_eur_yr": avoided, "electricity_mwh_yr": electricity,
        "net_benefit_eur_yr": net, "why": why,
    })[cols]


def allocate_heat(pairs: pd.DataFrame, sources: pd.DataFrame, sinks: pd.DataFrame) -> pd.DataFrame:
    """Greedy allocation month by month: pairs with positive net benefit, best benefit
    per MWh first, each limited by what is left of its source and sink in that month.

    Returns
    -------
    DataFrame — the allocated pairs (as :func:`heat_pairs`) with ``monthly_mwh`` and
    ``heat_mwh`` replaced by the allocated energy and economics rescaled to it.
    """
    if pairs.empty:
        return pairs.copy()
    src_left = {f: np.array(m, dtype=float) for f, m in zip(sources["flow_id"], sources["monthly_mwh"])}
    sink_left = {f: np.array(m, dtype=float) for f, m in zip(sinks["flow_id"], sinks["monthly_mwh"])}
    good = pairs[pairs["net_benefit_eur_yr"] > 0].copy()
    good["per_mwh"] = good["net_benefit_eur_yr"] / good["heat_mwh"].where(good["heat_mwh"] > 0)
    rows = []
    for p in good.sort_values("per_mwh", ascending=False).itertuples(index=False):
        src_unit = (1.0 / ABSORPTION_COP if p.mode == MODE_ABSORPTION
                    else 1.0 if p.mode == MODE_DIRECT else 1.0 - 1.0 / p.cop)
        alloc = np.minimum(np.asarray(p.monthly_mwh),
                           np.minimum(sink_left[p.sink_flow_id], src_left[p.source_flow_id] / src_unit))
        alloc = np.clip(alloc, 0.0, None)
        if alloc.sum() <= 1e-9:
            continue
        sink_left[p.sink_flow_id] = sink_left[p.sink_flow_id] - alloc
        src_left[p.source_flow_id] = src_left[p.source_flow_id] - alloc * src_unit
        scale = alloc.sum() / p.heat_mwh
        rec = p._asdict()
        rec.pop("per_mwh")
        rec.update(monthly_mwh=alloc, heat_mwh=alloc.sum(),
                   avoided_eur_yr=p.avoided_eur_yr * scale,
                   electricity_mwh_yr=p.electricity_mwh_yr * scale)
        # capex does not shrink with the energy: recompute the net benefit
        el_price = param("costs", "ELECTRICITY_PRICE_EUR_MWH")
        annuity = p.capex_eur * _annuity_factor(param("costs", "DISCOUNT_RATE"),
                                                param("costs", "HORIZON_YEARS"))
        rec["net_benefit_eur_yr"] = (rec["avoided_eur_yr"] - rec["electricity_mwh_yr"] * el_price
                                     - p.capex_eur * param("costs", "HEAT_OPEX_SHARE_YR") - annuity)
        if rec["net_benefit_eur_yr"] > 0:
            rows.append(rec)
        else:  # give the energy back
            sink_left[p.sink_flow_id] += alloc
            src_left[p.source_flow_id] += alloc * src_unit
    return pd.DataFrame(rows, columns=pairs.columns)


def monthly_balance(sources: pd.DataFrame, sinks: pd.DataFrame,
                    allocated: pd.DataFrame) -> pd.DataFrame:
    """Month by month: waste heat available, heat and cooling demand, heat recovered
    directly, by heat pump and by absorption, heat-pump electricity. [MWh]"""
    def total(frame):
        return np.sum(np.vstack(frame["monthly_mwh"].to_numpy()), axis=0) if len(frame) else np.zeros(12)

    out = pd.DataFrame({"month": MONTHS})
    out["waste_heat_mwh"] = total(sources)
    out["heat_demand_mwh"] = total(sinks[sinks["kind"] == "calore"]) if len(sinks) else 0.0
    out["cooling_demand_mwh"] = total(sinks[sinks["kind"] == "freddo"]) if len(sinks) else 0.0
    for mode, col in ((MODE_DIRECT, "recovered_direct_mwh"), (MODE_HEAT_PUMP, "recovered_heat_pump_mwh"),
                      (MODE_ABSORPTION, "cooling_absorption_mwh")):
        out[col] = total(allocated[allocated["mode"] == mode]) if len(allocated) else 0.0
    hp = allocated[allocated["mode"] == MODE_HEAT_PUMP] if len(allocated) else allocated
    if len(hp):
        out["heat_pump_electricity_mwh"] = np.sum(
            np.vstack(hp["monthly_mwh"].to_numpy()) / hp["cop"].to_numpy()[:, None], axis=0)
    else:
        out["heat_pump_electricity_mwh"] = 0.0
    return out


def heat_cascade(flows: pd.DataFrame, max_distance_km: float | None = None,
                 lang: str = "it") -> dict:
    """Sources, sinks, feasible pairs, allocation and monthly balance of a cluster
    (``lang``: language of the pairs' ``why``).

    Returns
    -------
    dict — ``sources``, ``sinks``, ``pairs``, ``allocated`` and ``monthly`` DataFrames.
    """
    sources, sinks = heat_sources_sinks(flows)
    sources = sources[sources["temperature_c"].notna()].reset_index(drop=True)
    sinks = sinks[sinks["temperature_c"].notna()].reset_index(drop=True)
    pairs = heat_pairs(sources, sinks, max_distance_km, lang)
    allocated = allocate_heat(pairs, sources, sinks)
    return {"sources": sources, "sinks": sinks, "pairs": pairs, "allocated": allocated,
            "monthly": monthly_balance(sources, sinks, allocated)}
