"""Distance and logistics of a candidate: road or pipe, cost per year, capex of pipes.

* **Road** (``camion`` for bulk solids, ``autocisterna`` for liquids): road distance =
  great-circle distance × ``DETOUR_FACTOR`` (``lib/costs/parameters.csv``); cost =
  tonnes × (km × EUR/(t·km) + fixed EUR/t) from ``lib/costs/transport.csv``, times
  ``ADR_COST_FACTOR`` for hazardous waste; beyond ``max_distance_km`` no candidate.
* **Pipe** (``tubazione``) for water, heat, steam, cold and gases, only within a few km:
  route = great-circle × ``PIPE_ROUTE_FACTOR`` and cost per metre of the one heat/pipe
  model (:func:`workbench.energy.heat.pipe_cost_eur`; gases: ``GAS_PIPE_EUR_PER_M``).
* **Grid** (``rete_elettrica``): energy shared through the public grid (CER); no
  transport cost; the same primary substation (*cabina primaria*) is required where both
  are known.

Spatial blocking uses 3-D unit vectors so that a k-d tree finds the nearest inputs on
the sphere (chord distance is monotone in the great-circle distance).
"""
from __future__ import annotations

import numpy as np

from ..energy.heat import HEAT_MAX_DISTANCE_KM, PIPE_ROUTE_FACTOR, pipe_cost_eur
from .library import cost_parameter, transport_modes

#: Mean Earth radius (IUGG), as in :func:`workbench.model.haversine_km`. [km]
EARTH_RADIUS_KM = 6371.0088

ROAD_MODES = ("camion", "autocisterna")
PIPE = "tubazione"
GRID = "rete_elettrica"


def unit_vectors(lat, lon) -> np.ndarray:
    """WGS84 degrees → unit vectors on the sphere, shape (n, 3)."""
    lat = np.radians(np.asarray(lat, dtype=float))
    lon = np.radians(np.asarray(lon, dtype=float))
    cos_lat = np.cos(lat)
    return np.column_stack((cos_lat * np.cos(lon), cos_lat * np.sin(lon), np.sin(lat)))


def chord_of_km(distance_km) -> np.ndarray:
    """Chord length on the unit sphere of a great-circle distance. [-]"""
    return 2.0 * np.sin(np.asarray(distance_km, dtype=float) / (2.0 * EARTH_RADIUS_KM))


def km_of_chord(chord) -> np.ndarray:
    """Great-circle distance of a chord on the unit sphere. [km]"""
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.clip(np.asarray(chord, dtype=float) / 2.0, 0, 1))


def detour_factor() -> float:
    """Road distance / great-circle distance (``lib/costs/parameters.csv``). [-]"""
    return cost_parameter("DETOUR_FACTOR")


def max_distance_km(mode: str, medium: str | None = None) -> float:
    """Largest great-circle distance at which a candidate of this mode is proposed. [km]

    Parameters
    ----------
    mode : str — ``camion``, ``autocisterna``, ``tubazione`` or ``rete_elettrica``.
    medium : str, optional — for pipes: ``acqua``, ``acqua_calda``, ``vapore``,
        ``acqua_fredda`` or ``gas``.
    """
    if mode in ROAD_MODES:
        return float(transport_modes().loc[mode, "max_distance_km"]) / detour_factor()
    if mode == PIPE:
        if medium in ("acqua_calda", "vapore", "acqua_fredda"):
            return HEAT_MAX_DISTANCE_KM
        if medium == "gas":
            return cost_parameter("GAS_PIPE_MAX_KM")
        return cost_parameter("WATER_PIPE_MAX_KM")
    if mode == GRID:
        # without the primary substations, a neighbourhood as a proxy
        return cost_parameter("JOINT_RADIUS_KM")
    raise ValueError(f"modalità logistica sconosciuta {mode!r}")


def route_km(great_circle_km, mode) -> np.ndarray:
    """Road or pipe route length from the great-circle distance. [km]"""
    gc = np.asarray(great_circle_km, dtype=float)
    mode = np.asarray(mode, dtype=object)
    factor = np.where(np.isin(mode, ROAD_MODES), detour_factor(),
                      np.where(mode == PIPE, PIPE_ROUTE_FACTOR, 0.0))
    route = gc * factor
    # two sites are never at zero distance: a connection has a minimum length
    return np.where(factor > 0, np.maximum(route, cost_parameter("MIN_ROUTE_KM")), route)


def road_cost_eur(tonnes, road_km, mode, hazardous) -> np.ndarray:
    """Yearly road transport cost. [EUR/yr]

    Parameters
    ----------
    tonnes : array — mass moved per year. [t/yr]
    road_km : array — road distance. [km]
    mode : array of str — ``camion`` or ``autocisterna`` (others cost 0 here).
    hazardous : array of bool — ADR surcharge ``ADR_COST_FACTOR``.
    """
    from .library import _transport_modes

    modes = _transport_modes()
    mode = np.asarray(mode, dtype=object)
    per_tkm = np.zeros(len(mode))
    fixed = np.zeros(len(mode))
    for name in ROAD_MODES:
        hit = mode == name
        per_tkm[hit] = modes.loc[name, "cost_eur_per_t_km"]
        fixed[hit] = modes.loc[name, "fixed_eur_per_t"]
    adr = np.where(np.asarray(hazardous, dtype=bool), cost_parameter("ADR_COST_FACTOR"), 1.0)
    return np.asarray(tonnes, dtype=float) * (np.asarray(road_km, dtype=float) * per_tkm + fixed) * adr


def pipe_capex_eur(pipe_km, medium) -> np.ndarray:
    """Investment of a dedicated pipe of the given route length. [EUR]

    Water and heat media use :func:`workbench.energy.heat.pipe_cost_eur`
    (``lib/energy/pipes.csv``); ``gas`` uses ``GAS_PIPE_EUR_PER_M``.
    """
    pipe_km = np.asarray(pipe_km, dtype=float)
    medium = np.asarray(medium, dtype=object)
    out = np.zeros(len(pipe_km))
    for name in np.unique(medium[medium != None]):  # noqa: E711 - object array
        hit = medium == name
        if name == "gas":
            out[hit] = pipe_km[hit] * 1000.0 * cost_parameter("GAS_PIPE_EUR_PER_M")
        else:
            out[hit] = pipe_cost_eur(pipe_km[hit], name)
    return out
