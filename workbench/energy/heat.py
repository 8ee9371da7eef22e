"""The one model of heat shared by the energy section and the synergy screening.

A heat source at ``t_source_c`` can serve a heat demand (sink) at ``t_sink_c``:

* **directly** (``'diretto'``), through a heat exchanger, when
  ``t_source_c >= t_sink_c + DELTA_T_MIN_K``;
* through a **heat pump** (``'pompa_di_calore'``) when the source is colder than that
  but a heat pump is sensible: source not colder than ``HP_MIN_SOURCE_C``, sink not
  hotter than ``HP_MAX_SINK_C``, lift not larger than ``HP_MAX_LIFT_K`` and COP not
  lower than ``HP_MIN_COP``;
* otherwise not at all (``None``).

Heat-pump COP is a fraction of the Carnot COP::

    T_cond = t_sink_c + DELTA_T_MIN_K + 273.15          [K]
    T_evap = t_source_c + 273.15                        [K]
    COP    = CARNOT_FRACTION * T_cond / (T_cond - T_evap)

i.e. the condenser works ``DELTA_T_MIN_K`` above the sink (the approach of the heat
exchanger that delivers the heat), so the *lift* is
``t_sink_c + DELTA_T_MIN_K - t_source_c``. The evaporator approach is folded into
``CARNOT_FRACTION`` (a second-law efficiency fitted on real machines). The COP is
clipped at ``HP_MAX_COP`` because the formula diverges for very small lifts.

All constants come from ``lib/energy/heat.csv`` (value, unit, source, year, status);
pipe costs from ``lib/energy/pipes.csv``. The functions accept scalars or arrays.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from ..config import LIB_DIR

#: Directory of the energy reference data.
ENERGY_LIB = LIB_DIR / "energy"

#: Kelvin offset of the Celsius scale. [K]
KELVIN = 273.15

MODE_DIRECT = "diretto"
MODE_HEAT_PUMP = "pompa_di_calore"


@lru_cache(maxsize=None)
def _heat_table() -> pd.DataFrame:
    return pd.read_csv(ENERGY_LIB / "heat.csv", keep_default_na=False)


def heat_parameters() -> pd.DataFrame:
    """The heat parameters with unit, source, year and status (``verified`` or
    ``assumption``), as read from ``lib/energy/heat.csv``."""
    return _heat_table().copy()


def _param(name: str) -> float:
    table = _heat_table()
    row = table.loc[table["parameter"] == name, "value"]
    if row.empty:
        raise KeyError(f'parameter "{name}" missing from {ENERGY_LIB / "heat.csv"}')
    return float(row.iloc[0])


#: Minimum approach temperature difference source → sink. [K]
DELTA_T_MIN_K: float = _param("DELTA_T_MIN_K")
#: Second-law efficiency of a heat pump (fraction of the Carnot COP). [-]
CARNOT_FRACTION: float = _param("CARNOT_FRACTION")
#: Highest sink temperature served by a heat pump. [°C]
HP_MAX_SINK_C: float = _param("HP_MAX_SINK_C")
#: Largest lift of one heat pump (t_sink + ΔT_min − t_source). [K]
HP_MAX_LIFT_K: float = _param("HP_MAX_LIFT_K")
#: Smallest sensible COP. [-]
HP_MIN_COP: float = _param("HP_MIN_COP")
#: Upper clip of the computed COP. [-]
HP_MAX_COP: float = _param("HP_MAX_COP")
#: Lowest usable source temperature. [°C]
HP_MIN_SOURCE_C: float = _param("HP_MIN_SOURCE_C")
#: Lowest source temperature of a single-effect absorption chiller. [°C]
ABSORPTION_MIN_SOURCE_C: float = _param("ABSORPTION_MIN_SOURCE_C")
#: Thermal COP of a single-effect absorption chiller (cold per unit of heat). [-]
ABSORPTION_COP: float = _param("ABSORPTION_COP")
#: Pipe route length / great-circle distance. [-]
PIPE_ROUTE_FACTOR: float = _param("PIPE_ROUTE_FACTOR")
#: Largest great-circle distance of a heat pipe. [km]
HEAT_MAX_DISTANCE_KM: float = _param("HEAT_MAX_DISTANCE_KM")


def heat_pump_cop(t_source_c, t_sink_c, carnot_fraction=None, delta_t_min_k=None):
    """Coefficient of performance of a heat pump lifting heat from a source to a sink.

    Parameters
    ----------
    t_source_c : float or array-like
        Temperature of the heat source (waste heat). [°C]
    t_sink_c : float or array-like
        Temperature at which the heat is needed (supply temperature of the demand). [°C]
    carnot_fraction : float, optional
        Fraction of the Carnot COP reached by the machine. [-] Default
        :data:`CARNOT_FRACTION` (``lib/energy/heat.csv``).
    delta_t_min_k : float, optional
        Condenser approach above the sink. [K] Default :data:`DELTA_T_MIN_K`.

    Returns
    -------
    cop : float or numpy.ndarray
        Heating COP, clipped to ``[1, HP_MAX_COP]``; ``nan`` where the source is not
        colder than the condenser (no lift: use direct exchange). [-]

    Notes
    -----
    ``COP = f · T_cond / (T_cond − T_source)`` with ``T_cond = t_sink_c + ΔT_min`` in
    kelvin. Example: source 40 °C, sink 80 °C, f = 0.5 → T_cond = 363.15 K, lift 50 K,
    COP = 0.5 · 363.15 / 50 = 3.63.
    """
    f = CARNOT_FRACTION if carnot_fraction is None else float(carnot_fraction)
    dt = DELTA_T_MIN_K if delta_t_min_k is None else float(delta_t_min_k)
    source = np.asarray(t_source_c, dtype=float)
    sink = np.asarray(t_sink_c, dtype=float)
    t_cond_k = sink + dt + KELVIN
    lift_k = t_cond_k - (source + KELVIN)
    with np.errstate(divide="ignore", invalid="ignore"):
        cop = np.where(lift_k > 0, f * t_cond_k / lift_k, np.nan)
    cop = np.where(np.isnan(cop), np.nan, np.clip(cop, 1.0, HP_MAX_COP))
    return float(cop) if cop.ndim == 0 else cop


def heat_match(t_source_c, t_sink_c, carnot_fraction=None,
               delta_t_min_k=None, lang: str = "it") -> pd.DataFrame:
    """How (and whether) a heat source can serve a heat sink.

    Parameters
    ----------
    t_source_c : float or array-like
        Source (waste heat) temperature. [°C]
    t_sink_c : float or array-like
        Sink (demand) temperature, broadcast against ``t_source_c``. [°C]
    carnot_fraction, delta_t_min_k : float, optional
        Overrides of :data:`CARNOT_FRACTION` [-] and :data:`DELTA_T_MIN_K` [K].
    lang : str
        Language of ``reason``: ``'it'`` (default) or ``'en'``.

    Returns
    -------
    DataFrame
        One row per (broadcast) pair, in input order, with columns

        * ``t_source_c``, ``t_sink_c`` [°C];
        * ``mode``: ``'diretto'``, ``'pompa_di_calore'`` or ``None`` (object dtype);
        * ``lift_k``: t_sink + ΔT_min − t_source [K] (≤ 0 for direct exchange);
        * ``cop``: heat-pump COP [-] (``nan`` unless ``mode == 'pompa_di_calore'``);
        * ``electricity_per_heat``: electricity per unit of heat delivered
          [MWh_el/MWh_th]: 0 direct, 1/COP heat pump, ``nan`` none;
        * ``source_per_heat``: source heat used per unit of heat delivered
          [MWh/MWh]: 1 direct, 1 − 1/COP heat pump, ``nan`` none;
        * ``reason``: why, in ``lang``.

    Notes
    -----
    A heat pump is proposed only when the source is at least ``HP_MIN_SOURCE_C``,
    the sink at most ``HP_MAX_SINK_C``, the lift at most ``HP_MAX_LIFT_K`` and the COP
    at least ``HP_MIN_COP`` (all in ``lib/energy/heat.csv``). A missing temperature
    gives ``mode = None`` with the reason.
    """
    dt = DELTA_T_MIN_K if delta_t_min_k is None else float(delta_t_min_k)
    source, sink = np.broadcast_arrays(np.atleast_1d(np.asarray(t_source_c, dtype=float)),
                                       np.atleast_1d(np.asarray(t_sink_c, dtype=float)))
    lift = sink + dt - source
    cop = np.atleast_1d(heat_pump_cop(source, sink, carnot_fraction, dt))
    missing = np.isnan(source) | np.isnan(sink)
    direct = ~missing & (lift <= 0)
    hp_ok = (~missing & ~direct & (source >= HP_MIN_SOURCE_C) & (sink <= HP_MAX_SINK_C)
             & (lift <= HP_MAX_LIFT_K) & (cop >= HP_MIN_COP))

    mode = np.full(source.shape, None, dtype=object)
    mode[direct] = MODE_DIRECT
    mode[hp_ok] = MODE_HEAT_PUMP
    cop_out = np.where(hp_ok, cop, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        el = np.where(direct, 0.0, np.where(hp_ok, 1.0 / cop_out, np.nan))
        src = np.where(direct, 1.0, np.where(hp_ok, 1.0 - 1.0 / cop_out, np.nan))

    # imported on call: importing the heat model does not import the report package
    from ..report.texts import text
    reason = np.full(source.shape, "", dtype=object)
    reason[missing] = text("heat_reason_missing", lang)
    # Most specific reason last so that it wins.
    not_direct = ~missing & ~direct
    reason[not_direct & (cop < HP_MIN_COP)] = text("heat_reason_low_cop", lang, cop=f"{HP_MIN_COP:g}")
    reason[not_direct & (lift > HP_MAX_LIFT_K)] = text("heat_reason_lift", lang,
                                                       lift=f"{HP_MAX_LIFT_K:g}")
    reason[not_direct & (sink > HP_MAX_SINK_C)] = text("heat_reason_hot_sink", lang,
                                                       t=f"{HP_MAX_SINK_C:g}")
    reason[not_direct & (source < HP_MIN_SOURCE_C)] = text("heat_reason_cold_source", lang,
                                                           t=f"{HP_MIN_SOURCE_C:g}")
    for i in np.flatnonzero(direct):
        reason[i] = text("heat_reason_direct", lang, source=f"{source[i]:g}", sink=f"{sink[i]:g}",
                         dt=f"{dt:g}")
    fraction = CARNOT_FRACTION if carnot_fraction is None else carnot_fraction
    for i in np.flatnonzero(hp_ok):
        reason[i] = text("heat_reason_heat_pump", lang, lift=f"{lift[i]:.0f}", cop=f"{cop[i]:.1f}",
                         fraction=f"{fraction:g}")
    return pd.DataFrame({
        "t_source_c": source, "t_sink_c": sink,
        "mode": pd.Series(mode, dtype=object), "lift_k": lift,
        "cop": cop_out, "electricity_per_heat": el, "source_per_heat": src,
        "reason": reason,
    })


@lru_cache(maxsize=None)
def _pipe_table() -> pd.DataFrame:
    return pd.read_csv(ENERGY_LIB / "pipes.csv", keep_default_na=False)


def pipe_costs() -> pd.DataFrame:
    """Installed pipe cost per metre by medium with source, year and status
    (``lib/energy/pipes.csv``): ``medium``, ``aliases`` (``|``-separated),
    ``cost_eur_per_m`` [€/m], ``description``, ``source``, ``year``, ``status``."""
    return _pipe_table().copy()


def _pipe_cost_per_m(medium: str) -> float:
    table = _pipe_table()
    key = str(medium).strip().lower()
    for row in table.itertuples():
        names = [row.medium.lower(), *[a.strip().lower() for a in row.aliases.split("|") if a]]
        if key in names:
            return float(row.cost_eur_per_m)
    raise ValueError(f'unknown pipe medium "{medium}"; known: '
                     + ", ".join(table["medium"]))


def pipe_cost_eur(distance_km, medium="acqua_calda"):
    """Capital cost of a pipe of the given length.

    Parameters
    ----------
    distance_km : float or array-like
        Pipe length (route length, not great-circle). [km]
    medium : str
        ``'acqua_calda'`` (hot water, district heating), ``'vapore'`` (steam),
        ``'acqua'`` (process/treated water), ``'acqua_fredda'`` (district cooling);
        English aliases (``hot_water``, ``steam``, ``water``, ``chilled_water``) work.

    Returns
    -------
    float or numpy.ndarray
        Installed cost, civil works included. [€]

    Examples
    --------
    >>> round(pipe_cost_eur(1.0, "acqua_calda"))
    880000
    """
    per_m = _pipe_cost_per_m(medium)
    cost = np.asarray(distance_km, dtype=float) * 1000.0 * per_m
    return float(cost) if cost.ndim == 0 else cost
