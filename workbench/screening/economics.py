"""Annual net benefit of a candidate, every term shown, and the CO2e it avoids.

For one exchange of ``q_target`` units per year (``q_source`` = ``q_target`` /
substitution ratio)::

    net benefit = avoided disposal + avoided purchase − transport − treatment − annuity
    avoided disposal  = q_source × what the supplier pays today per unit
                        (declared; else the outlet value of a commodity, negative; else
                        disposal by EER chapter and hazard; water: discharge cost)
    avoided purchase  = q_target × what the receiver pays today per unit
                        (declared; else lib/costs/prices.csv)
    transport         = road cost per year (pipes: their capex is in the annuity)
    treatment         = q_source × treatment cost + heat-pump electricity
                        + O&M (``HEAT_OPEX_SHARE_YR`` × capex)
    annuity           = capex × r(1+r)^n / ((1+r)^n − 1)

with r and n of ``lib/energy/costs.csv`` (``DISCOUNT_RATE``, ``HORIZON_YEARS``), the
same as the energy section. The benefit is that of the *pair*: how the two companies
share it (a transfer price) is theirs to agree and does not change the sum.

CO2e avoided [t/yr] = (q_target × factor of the virgin resource avoided − electricity
of heat pumps and water treatment × grid factor − t·km × road factor) / 1000, with the
factors of ``lib/resources/co2e_factors.csv``; the avoided emissions of disposal
(landfill methane, incineration) are *not* counted (conservative). These estimates are
replaced by the LCA of ``workbench.lca`` where it exists.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..energy.params import param as energy_param
from .library import (annuity_factor, co2e_factors, cost_parameter, disposal_costs, finance,
                      prices, secondary_prices, water_qualities)

#: Days of each month (a flow without profile is spread over the year by days). [d]
DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=float)
DAY_SHARES = DAYS / DAYS.sum()

#: Source of the CO2e estimate written in the ``co2e_method`` column.
CO2E_METHOD = "fattori lib/resources/co2e_factors.csv (stima di screening, da sostituire con l'LCA)"


def profile_matrix(profiles: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Monthly shares of each flow (12 columns, summing to 1) and whether declared.

    A missing or invalid profile (wrong length, negative, all zero) is spread by days.

    Returns
    -------
    (shares, declared) — arrays of shape (n, 12) [-] and (n,) [bool].
    """
    n = len(profiles)
    shares = np.tile(DAY_SHARES, (n, 1))
    declared = np.zeros(n, dtype=bool)
    values = profiles.to_numpy(dtype=object) if n else np.array([], dtype=object)
    present = np.flatnonzero([v is not None and not isinstance(v, float) for v in values])
    for i in present:
        try:
            arr = np.asarray(list(values[i]), dtype=float)
        except (TypeError, ValueError):
            continue
        if arr.shape == (12,) and np.all(arr >= 0) and arr.sum() > 0:
            shares[i] = arr / arr.sum()
            declared[i] = True
    return shares, declared


def overlap_quantity(q_source, shares_source, q_target, shares_target, ratio,
                     monthly_mask) -> np.ndarray:
    """Quantity the receiver can take per year from the supplier. [target unit/yr]

    ``Σ_month min(q_source·share_source·ratio, q_target·share_target)`` where
    ``monthly_mask`` is True (at least one side declared a profile), else
    ``min(q_source·ratio, q_target)``.
    """
    q_source = np.asarray(q_source, dtype=float)
    q_target = np.asarray(q_target, dtype=float)
    ratio = np.asarray(ratio, dtype=float)
    out = np.minimum(q_source * ratio, q_target)
    mask = np.asarray(monthly_mask, dtype=bool)
    if mask.any():
        supply = shares_source[mask] * (q_source[mask] * ratio[mask])[:, None]
        demand = shares_target[mask] * q_target[mask][:, None]
        out[mask] = np.minimum(supply, demand).sum(axis=1)
    return out


def peak_kw(q_target, shares_source, shares_target, monthly_mask, peak_factor) -> np.ndarray:
    """Peak power of an energy exchange, for sizing equipment. [kW]

    The month with the largest delivery (by the declared profiles, else by days) divided
    by its hours, times ``HEAT_PEAK_FACTOR`` (``lib/energy/costs.csv``).
    """
    q = np.asarray(q_target, dtype=float)
    # spread by days, the largest month is January (31 d): share/hours is the same every month
    per_hour = q * DAY_SHARES[0] / (DAYS[0] * 24.0)
    mask = np.asarray(monthly_mask, dtype=bool)
    if mask.any():
        both = np.minimum(shares_source[mask], shares_target[mask])
        both = np.where(both.sum(axis=1, keepdims=True) > 0, both, shares_target[mask])
        both = both / both.sum(axis=1, keepdims=True)
        top = both.argmax(axis=1)
        per_hour[mask] = both[np.arange(len(top)), top] * q[mask] / (DAYS[top] * 24.0)
    return per_hour * 1000.0 * peak_factor


# --------------------------------------------------------------- unit costs and prices
#: Italian notes on the default cost a supplier is assumed to bear (``value_note``).
VALUE_NOTES = {
    "acqua": "costo di scarico ipotizzato per la classe di qualità",
    "mercato": "valore di mercato del materiale ipotizzato",
    "smaltimento": "costo di smaltimento ipotizzato per il capitolo EER",
}


def supplier_unit_cost(flows: pd.DataFrame, chapter: pd.Series, hazardous: np.ndarray,
                       water_quality: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What each output costs its supplier today per unit. [EUR/unit_std]

    Declared ``unit_cost_eur`` first; else, by matrix: water → discharge cost of its
    quality class; energy → 0 (heat is dissipated); materials → minus the outlet value
    of a commodity (``secondary_prices.csv``), else disposal by EER chapter and hazard
    (``disposal.csv``).

    Returns
    -------
    (cost, declared, notes) — cost [EUR/unit], whether declared [bool], and for each
    flow the key of :data:`VALUE_NOTES` of the default used ("" when declared or none).
    """
    n = len(flows)
    declared_cost = pd.to_numeric(flows["unit_cost_eur"], errors="coerce").to_numpy(dtype=float) \
        if "unit_cost_eur" in flows else np.full(n, np.nan)
    declared = ~np.isnan(declared_cost)
    matrix = flows["matrix"].to_numpy(dtype=object)
    secondary = flows["resource"].map(secondary_prices()["price"]).to_numpy(dtype=float)
    table = disposal_costs()
    lookup = pd.Series(table["eur_per_t"].to_numpy(),
                       index=table["eer_chapter"] + "|" + table["hazardous"].map({True: "1", False: "0"}))
    haz = np.where(np.asarray(hazardous, dtype=bool), "1", "0").astype(object)
    chap = chapter.fillna("*").to_numpy(dtype=object)
    by_chapter = pd.Series(chap + "|" + haz).map(lookup).to_numpy(dtype=float)
    default = pd.Series("*|" + haz).map(lookup).to_numpy(dtype=float)
    disposal = np.where(np.isnan(by_chapter), default, by_chapter)
    materials = matrix == "materia"
    water = matrix == "acqua"
    discharge = water_quality.map(water_qualities()["discharge_eur_m3"]).astype(float).to_numpy()
    cost = np.zeros(n)
    cost = np.where(materials & ~np.isnan(secondary), -secondary, cost)
    cost = np.where(materials & np.isnan(secondary), disposal, cost)
    cost = np.where(water, np.nan_to_num(discharge, nan=0.0), cost)
    cost = np.where(declared, declared_cost, cost)
    notes = np.where(declared, "", np.where(water, "acqua", np.where(
        materials & ~np.isnan(secondary), "mercato", np.where(materials, "smaltimento", ""))))
    return cost, declared, notes.astype(object)


def receiver_unit_price(flows: pd.DataFrame, current_source: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """What each input costs its receiver today per unit. [EUR/unit_std]

    Declared ``unit_cost_eur`` first; else ``lib/costs/prices.csv`` for the class (for
    water, for the class of its current source when declared, e.g. groundwater).

    Returns
    -------
    (price, declared) — arrays.
    """
    declared_price = pd.to_numeric(flows.get("unit_cost_eur"), errors="coerce").to_numpy(dtype=float) \
        if "unit_cost_eur" in flows else np.full(len(flows), np.nan)
    table = prices()["price"]
    by_class = flows["resource"].map(table).to_numpy(dtype=float)
    by_source = current_source.map(table).to_numpy(dtype=float)
    default = np.where(np.isnan(by_source), by_class, by_source)
    declared = ~np.isnan(declared_price)
    return np.where(declared, declared_price, np.nan_to_num(default, nan=0.0)), declared


def emission_factor(resource: pd.Series) -> np.ndarray:
    """kg CO2e per unit of each (virgin) class; 0 where the table has none."""
    return resource.map(co2e_factors()["kg_co2e_per_unit"]).fillna(0.0).to_numpy(dtype=float)


def electricity_price() -> float:
    """Electricity price of the receivers (``lib/energy/costs.csv``). [EUR/MWh]"""
    return energy_param("costs", "ELECTRICITY_PRICE_EUR_MWH")


def grid_factor() -> float:
    """Grid electricity factor (``lib/resources/co2e_factors.csv``). [kg CO2e/MWh]"""
    return float(co2e_factors().loc["energia_elettrica", "kg_co2e_per_unit"])


def opex_share() -> float:
    """Yearly O&M of pipes and equipment as a share of capex (``lib/energy/costs.csv``). [1/yr]"""
    return energy_param("costs", "HEAT_OPEX_SHARE_YR")


def annuity(capex_eur) -> np.ndarray:
    """Annuity of an investment over the horizon at the discount rate. [EUR/yr]"""
    rate, years = finance()
    return np.asarray(capex_eur, dtype=float) * annuity_factor(rate, years)


def net_benefit(avoided_disposal, avoided_purchase, transport, treatment, capex_annuity) -> np.ndarray:
    """avoided disposal + avoided purchase − transport − treatment − annuity. [EUR/yr]"""
    return (np.asarray(avoided_disposal, float) + np.asarray(avoided_purchase, float)
            - np.asarray(transport, float) - np.asarray(treatment, float)
            - np.asarray(capex_annuity, float))


def co2e_avoided_t(q_target, factor_target, electricity_mwh, tkm) -> np.ndarray:
    """Avoided emissions of an exchange. [t CO2e/yr]

    Parameters
    ----------
    q_target : array — virgin resource replaced. [unit/yr]
    factor_target : array — its factor. [kg CO2e/unit]
    electricity_mwh : array — electricity added (heat pumps, water treatment). [MWh/yr]
    tkm : array — road transport added. [t·km/yr]
    """
    return (np.asarray(q_target, float) * np.asarray(factor_target, float)
            - np.asarray(electricity_mwh, float) * grid_factor()
            - np.asarray(tkm, float) * cost_parameter("ROAD_CO2E_KG_PER_T_KM")) / 1000.0
