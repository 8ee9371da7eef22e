"""Reference tables of the screening: costs, water quality and uses, heat levels, CO2e.

Everything numeric the screening uses comes from a CSV with a source column:

* ``lib/resources/``: ``resource_classes.csv``, ``substitution_rules.csv`` (through
  :mod:`workbench.reference`), ``water_quality_classes.csv``, ``water_uses.csv``,
  ``water_treatment.csv``, ``heat_levels.csv``, ``co2e_factors.csv``;
* ``lib/costs/``: ``transport.csv``, ``parameters.csv``, ``disposal.csv``,
  ``prices.csv``, ``secondary_prices.csv`` (see ``lib/costs/README.md`` for what is an
  assumption);
* ``lib/energy/``: the heat model and the energy prices shared with the energy section
  (:mod:`workbench.energy.heat`, :func:`workbench.energy.params.param`).

Tables are read once per process and returned as copies.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from ..config import LIB_DIR
from ..energy.params import param as energy_param
from ..reference import resource_classes, substitution_rules

__all__ = [
    "cost_parameter", "transport_modes", "disposal_costs", "prices", "secondary_prices",
    "water_qualities", "water_uses", "water_treatment", "heat_levels", "co2e_factors",
    "rules", "classes", "annuity_factor", "finance",
]


@lru_cache(maxsize=None)
def _read(relative: str) -> pd.DataFrame:  # noqa: D103 - cached reader
    path = LIB_DIR / relative
    if not path.exists():
        raise FileNotFoundError(f"tabella di riferimento mancante: {path}")
    return pd.read_csv(path, keep_default_na=False)


def _copy(relative: str) -> pd.DataFrame:
    return _read(relative).copy()


@lru_cache(maxsize=None)
def cost_parameter(name: str) -> float:
    """One value of ``lib/costs/parameters.csv`` (e.g. ``DETOUR_FACTOR``). [its unit]"""
    table = _read("costs/parameters.csv")
    row = table.loc[table["parameter"] == name, "value"]
    if row.empty:
        raise KeyError(f'parametro "{name}" assente da {LIB_DIR / "costs/parameters.csv"}')
    return float(row.iloc[0])


def finance() -> tuple[float, float]:
    """Discount rate [1/yr] and economic horizon [yr], shared with the energy section
    (``lib/energy/costs.csv``: ``DISCOUNT_RATE``, ``HORIZON_YEARS``)."""
    return energy_param("costs", "DISCOUNT_RATE"), energy_param("costs", "HORIZON_YEARS")


def annuity_factor(rate: float, years: float) -> float:
    """Capital recovery factor r(1+r)^n/((1+r)^n−1); 1/n when r = 0. [1/yr]"""
    if rate <= 0:
        return 1.0 / years
    growth = (1.0 + rate) ** years
    return rate * growth / (growth - 1.0)


def transport_modes() -> pd.DataFrame:
    """Logistics modes with cost per t·km [EUR/(t·km)], fixed cost per t [EUR/t] and
    maximum distance [km] (``lib/costs/transport.csv``), indexed by ``mode``."""
    return _transport_modes().copy()


@lru_cache(maxsize=None)
def _transport_modes() -> pd.DataFrame:
    df = _copy("costs/transport.csv").set_index("mode")
    for col in df.columns:
        if col.startswith(("cost_", "fixed_", "max_")):
            df[col] = pd.to_numeric(df[col], errors="coerce")
    return df


def disposal_costs() -> pd.DataFrame:
    """Disposal cost by EER chapter and hazard [EUR/t] (``lib/costs/disposal.csv``);
    chapter ``*`` is the default."""
    df = _copy("costs/disposal.csv")
    df["eer_chapter"] = df["eer_chapter"].astype(str).str.zfill(2).replace("0*", "*")
    df["hazardous"] = df["hazardous"].astype(int).astype(bool)
    for col in ("eur_per_t_min", "eur_per_t", "eur_per_t_max"):
        df[col] = df[col].astype(float)
    return df


def _energy_price(value: str) -> float:
    name = value.split(":", 1)[1]
    if name == "HEAT":
        return energy_param("costs", "GAS_PRICE_EUR_MWH") / energy_param("costs", "BOILER_EFFICIENCY")
    if name == "COLD":
        return (energy_param("costs", "ELECTRICITY_PRICE_EUR_MWH")
                / energy_param("costs", "CHILLER_ELECTRIC_COP"))
    return energy_param("costs", name)


def prices() -> pd.DataFrame:
    """Purchase price of each input class [EUR/unit_std] with range and source
    (``lib/costs/prices.csv``; energy prices from ``lib/energy/costs.csv``)."""
    df = _copy("costs/prices.csv")
    df["price"] = [(_energy_price(v) if str(v).startswith("param:") else float(v))
                   for v in df["price"]]
    for col in ("price_min", "price_max"):
        df[col] = df[col].astype(float)
    return df.set_index("resource")


def secondary_prices() -> pd.DataFrame:
    """What a supplier earns today for commodity outputs [EUR/unit_std] (a negative
    disposal cost), ``lib/costs/secondary_prices.csv``."""
    df = _copy("costs/secondary_prices.csv")
    for col in ("price_min", "price", "price_max"):
        df[col] = df[col].astype(float)
    return df.set_index("resource")


def water_qualities() -> pd.DataFrame:
    """Water quality classes (``lib/resources/water_quality_classes.csv``) indexed by
    ``quality``; ``resources`` are the classes whose default quality it is."""
    return _copy("resources/water_quality_classes.csv").set_index("quality")


def water_uses() -> pd.DataFrame:
    """Water uses and what each requires (``lib/resources/water_uses.csv``)."""
    return _copy("resources/water_uses.csv").set_index("use")


def water_treatment() -> pd.DataFrame:
    """Quality class × use: admitted or not, treatment, cost [EUR/m3], capex
    [EUR/(m3/d)], electricity [kWh/m3] (``lib/resources/water_treatment.csv``)."""
    df = _copy("resources/water_treatment.csv")
    for col in ("cost_eur_m3_min", "cost_eur_m3", "cost_eur_m3_max", "capex_eur_per_m3_day",
                "kwh_per_m3"):
        df[col] = pd.to_numeric(df[col], errors="coerce")
    df["admitted"] = df["admitted"].str.startswith("s")
    return df


def heat_levels() -> pd.DataFrame:
    """Temperature range and default of every heat class [°C] and its pipe medium
    (``lib/resources/heat_levels.csv``), indexed by ``resource``."""
    df = _copy("resources/heat_levels.csv").set_index("resource")
    for col in ("t_min_c", "t_max_c", "t_default_c"):
        df[col] = df[col].astype(float)
    return df


def co2e_factors() -> pd.DataFrame:
    """Emission factors of the virgin resources that a candidate avoids
    [kg CO2e/unit_std] with their source (``lib/resources/co2e_factors.csv``)."""
    df = _copy("resources/co2e_factors.csv")
    df["kg_co2e_per_unit"] = df["kg_co2e_per_unit"].astype(float)
    return df.set_index("resource")


def classes() -> pd.DataFrame:
    """Resource classes indexed by ``resource``."""
    return resource_classes().set_index("resource")


def rules() -> pd.DataFrame:
    """Substitution rules with numeric ``substitution_ratio`` [target unit per source
    unit], ``treatment_cost_eur`` [EUR per source unit], ``capex_eur_per_annual_unit``
    [EUR per source unit/yr of capacity] (NaN where the water matrix or the heat model
    gives them), boolean ``hazardous_allowed``, ``target_ateco`` (``|``-separated ATECO
    prefixes the receiver must belong to, empty = any) and ``max_target_share`` (largest
    share of the receiver's demand the source may cover) [-]."""
    df = substitution_rules()
    for col in ("substitution_ratio", "treatment_cost_eur", "capex_eur_per_annual_unit"):
        df[col] = pd.to_numeric(df[col], errors="coerce")
    df["substitution_ratio"] = df["substitution_ratio"].fillna(1.0)
    df["hazardous_allowed"] = df["hazardous_allowed"].str.startswith("s")
    df["max_target_share"] = pd.to_numeric(df["max_target_share"], errors="coerce").fillna(1.0)
    df["rule_id"] = np.arange(len(df))
    return df
