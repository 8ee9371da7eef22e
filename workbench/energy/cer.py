"""Renewable energy communities (CER): eligibility, configurations, shared energy and
incentives, under DM MASE 414/2023 (Decreto CACER) and ARERA TIAD (727/2022).

Rules and numbers are read from ``lib/energy/`` (``cer_tariff.csv``,
``cer_geo_correction.csv``, ``cer_parameters.csv``, ``pnrr_eligible_cost.csv``,
``municipalities.csv``, ``zonal_prices_monthly.csv``, ``zonal_price_shape.csv``); see
``lib/energy/README.md`` for what is verified and what is an assumption.

Key formulas
------------
* Shared energy (TIAD, "energia condivisa") in each hour ``h`` of a configuration:
  ``E_shared[h] = min(sum_p E_injected[p, h], sum_m E_withdrawn[m, h])`` over the
  plants ``p`` and the members' consumption points ``m`` under one primary substation.
* Premium tariff (TIP) of a plant of power ``P`` in an hour with zonal price ``Pz``:
  ``TIP = min(cap(P), fixed(P) + max(0, 180 − Pz)) + Fc`` with ``Fc`` the geographic
  correction for PV (+4 €/MWh in Toscana), times ``(1 − F)`` when a capital grant is
  cumulated (``F`` linear from 0 to 0.5 at a 40 % grant).
* When a configuration has several plants, the shared energy of each hour is split
  among them in proportion to their injection in that hour, each at its own TIP.

Hourly energies are in kWh, tariffs in €/MWh, annual totals in MWh and €.
"""
from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ..fmt import day, number
from .params import lib_table, param
from .profiles import REFERENCE_YEAR, TIMEZONE, hourly_index

ROLE_MEMBER = "membro"
ROLE_THIRD_PARTY = "produttore_terzo"
ROLE_EXCLUDED = "escluso"
PV = "fotovoltaico"


# ------------------------------------------------------------------ tariff (TIP)
def tip_band(plant_kw) -> np.ndarray:
    """Size band of the TIP for each plant power [kW]: the ``band`` of
    ``lib/energy/cer_tariff.csv`` (``fino_200kw``, ``200_600kw``, ``oltre_600kw``).

    Raises
    ------
    ValueError — power ≤ 0 or above the 1 MW limit of a single incentivised plant.
    """
    kw = np.atleast_1d(np.asarray(plant_kw, dtype=float))
    edges, bands = _tariff_bands()
    max_kw = param("cer_parameters", "MAX_PLANT_KW")
    if np.any(kw <= 0) or np.any(kw > max_kw):
        bad = kw[(kw <= 0) | (kw > max_kw)][0]
        raise ValueError(f"potenza dell'impianto {bad:g} kW fuori dai limiti della tariffa "
                         f"premio (0 < P ≤ {max_kw:g} kW)")
    return bands[np.searchsorted(edges, kw, side="left")]


@lru_cache(maxsize=None)
def _tariff_bands() -> tuple[np.ndarray, np.ndarray]:
    table = lib_table("cer_tariff").sort_values("power_max_kw")
    return table["power_max_kw"].to_numpy(dtype=float), table["band"].to_numpy()


def geographic_correction(region: str = "Toscana", technology: str = PV) -> float:
    """Geographic correction of the TIP: only for PV, by region. [€/MWh]"""
    if technology != PV:
        return 0.0
    table = lib_table("cer_geo_correction")
    row = table.loc[table["region"].str.lower() == str(region).strip().lower()]
    if row.empty:
        raise ValueError(f'regione sconosciuta "{region}": una di {", ".join(table["region"])}')
    return float(row["pv_correction_eur_mwh"].iloc[0])


def grant_tip_reduction(grant_fraction: float) -> float:
    """Reduction factor ``F`` of the TIP when a PNRR capital grant is cumulated:
    linear from 0 (no grant) to ``GRANT_TIP_REDUCTION_AT_MAX`` at the maximum grant
    share (40 %). [-] (TIP × (1 − F))."""
    g = float(grant_fraction or 0.0)
    g_max = param("cer_parameters", "GRANT_MAX_FRACTION")
    if g < 0 or g > g_max + 1e-12:
        raise ValueError(f"quota di contributo {g:.0%} fuori da 0–{g_max:.0%}")
    return param("cer_parameters", "GRANT_TIP_REDUCTION_AT_MAX") * g / g_max


def tip_eur_mwh(plant_kw, zonal_price_eur_mwh, technology: str = PV,
                region: str = "Toscana", grant_fraction: float = 0.0):
    """Premium tariff on incentivised shared energy (DM 414/2023, Allegato 1).

    Parameters
    ----------
    plant_kw : float or array-like — nominal power of the plant (≤ 1,000). [kW]
    zonal_price_eur_mwh : float or array-like — hourly zonal price Pz. [€/MWh]
    technology : str — ``'fotovoltaico'`` gets the geographic correction; any other
        value (``'eolico'``, ``'idroelettrico'``...) does not.
    region : str — Italian region of the plant (Livorno: ``'Toscana'``, +4 €/MWh).
    grant_fraction : float — share of capex covered by a PNRR grant (0–0.40). [-]

    Returns
    -------
    float or ndarray — TIP [€/MWh], broadcast over ``plant_kw`` and ``Pz``.

    Examples
    --------
    >>> tip_eur_mwh(150, 120)   # 80 + 60 = 140 → cap 120 → + 4
    124.0
    """
    table = lib_table("cer_tariff").set_index("band")
    band = tip_band(plant_kw)
    fixed = table.loc[band, "fixed_eur_mwh"].to_numpy(dtype=float)
    cap = table.loc[band, "cap_eur_mwh"].to_numpy(dtype=float)
    pz = np.asarray(zonal_price_eur_mwh, dtype=float)
    if np.ndim(plant_kw) == 0:
        fixed, cap = fixed[0], cap[0]
    pz_ref = param("cer_parameters", "PZ_REFERENCE_EUR_MWH")
    tip = np.minimum(cap, fixed + np.maximum(0.0, pz_ref - pz))
    tip = (tip + geographic_correction(region, technology)) * (1.0 - grant_tip_reduction(grant_fraction))
    return float(tip) if np.ndim(tip) == 0 else tip


# ---------------------------------------------------------------- zonal prices
def default_zonal_prices(year: int = REFERENCE_YEAR) -> pd.Series:
    """Default hourly zonal price: monthly averages (``zonal_prices_monthly.csv``) times
    a stylised hourly shape (``zonal_price_shape.csv``, winter Oct–Mar, summer Apr–Sep),
    on :func:`~workbench.energy.profiles.hourly_index`. [€/MWh]

    Each month's mean equals the monthly value (to rounding of the shape). Import the
    real hourly CNOR series with :func:`read_zonal_prices` when available.
    """
    index = hourly_index(year)
    monthly = lib_table("zonal_prices_monthly").set_index("month")["price_eur_mwh"].astype(float)
    shape = lib_table("zonal_price_shape").set_index("hour")
    month = index.month.to_numpy()
    hour = index.hour.to_numpy()
    summer = (month >= 4) & (month <= 9)
    factor = np.where(summer, shape["summer_factor"].to_numpy(float)[hour],
                      shape["winter_factor"].to_numpy(float)[hour])
    base = monthly.to_numpy()[month - 1]
    # renormalise month by month so that each monthly mean is exact
    mean_factor = pd.Series(factor).groupby(month).transform("mean").to_numpy()
    return pd.Series(base * factor / mean_factor, index=index, name="zonal_price_eur_mwh")


def parse_zonal_prices(df: pd.DataFrame, source: str = "prezzi zonali",
                       zone: str = "CNOR") -> pd.Series:
    """Hourly zonal prices from a table.

    Two layouts are accepted:

    * ``timestamp`` (ISO 8601 with UTC offset, interval start) and ``price_eur_mwh``
      (or the zone name, e.g. ``CNOR``); sub-hourly prices (15-minute MTU since
      October 2025) are averaged to the hour;
    * GME layout: ``Data`` (``YYYYMMDD`` or ISO date), ``Ora`` (1–24, 23 or 25 on DST
      days: hour *k* is the *k*-th hour of the local day) and the zone column.

    Decimal commas are accepted.

    Returns
    -------
    Series — tz-aware Europe/Rome hourly index, [€/MWh].
    """
    cols = {str(c).strip().lower(): c for c in df.columns}
    price_col = next((cols[k] for k in (zone.lower(), "price_eur_mwh", "prezzo", "pun")
                      if k in cols), None)
    if price_col is None:
        raise ValueError(f'{source}: manca la colonna del prezzo ("{zone}" o "price_eur_mwh")')
    price = pd.to_numeric(df[price_col].astype(str).str.replace(",", ".", regex=False),
                          errors="coerce")
    if price.isna().any():
        row = int(np.flatnonzero(price.isna().to_numpy())[0])
        raise ValueError(f'{source}, riga {row + 2}, colonna "{price_col}": prezzo non valido')
    if "timestamp" in cols:
        ts = pd.to_datetime(df[cols["timestamp"]].astype(str), utc=True, format="ISO8601")
        s = pd.Series(price.to_numpy(), index=pd.DatetimeIndex(ts).floor("h"))
        s = s.groupby(level=0).mean()
        s.index = s.index.tz_convert(TIMEZONE)
    elif "data" in cols and "ora" in cols:
        day = df[cols["data"]].astype(str).str.replace("-", "", regex=False)
        midnight = pd.DatetimeIndex(pd.to_datetime(day, format="%Y%m%d")).tz_localize(TIMEZONE)
        hour = pd.to_numeric(df[cols["ora"]], errors="coerce").to_numpy()
        if np.isnan(hour).any() or (hour < 1).any() or (hour > 25).any():
            raise ValueError(f'{source}: colonna "Ora" deve valere 1–25')
        ts = midnight.tz_convert("UTC") + pd.to_timedelta(hour - 1, unit="h")
        s = pd.Series(price.to_numpy(), index=ts.tz_convert(TIMEZONE))
    else:
        raise ValueError(f'{source}: servono le colonne "timestamp" oppure "Data" e "Ora"')
    s.name = "zonal_price_eur_mwh"
    return s.sort_index()


def read_zonal_prices(path: str | Path, zone: str = "CNOR",
                      year: int | None = REFERENCE_YEAR) -> pd.Series:
    """Read an hourly zonal-price CSV (see :func:`parse_zonal_prices`); with ``year``
    the series is mapped onto the reference year (:func:`to_reference_year`)."""
    from .profiles import to_reference_year
    path = Path(path)
    with open(path, encoding="utf-8-sig") as fh:
        head = fh.readline()
    sep = ";" if head.count(";") > head.count(",") else ","
    raw = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    s = parse_zonal_prices(raw, source=path.name, zone=zone)
    if year is None:
        return s
    out = to_reference_year(s, year)
    # prices are averages, not energies: the mapping is positional so values are kept
    return out.rename("zonal_price_eur_mwh")


# ------------------------------------------------------------------ eligibility
def _ateco4(code) -> str:
    digits = re.sub(r"\D", "", str(code or ""))
    return f"{digits[:2]}.{digits[2:4]}" if len(digits) >= 4 else (digits[:2] if digits else "")


def eligibility(sites: pd.DataFrame, lang: str = "it") -> pd.DataFrame:
    """Who may take part in a CER configuration, and why.

    Parameters
    ----------
    sites : DataFrame — one row per site with ``site_id``, ``company_id``,
        ``cabina_primaria``, ``size_class`` (``micro``/``piccola``/``media``/``grande``),
        ``ateco`` and from the site energy data ``net_metering`` (bool),
        ``roof_area_m2`` [m²]; optional ``large_group`` (bool: the company is linked to
        a large group, so it counts as large).
    lang : str — language of ``reason``: ``'it'`` or ``'en'``.

    Returns
    -------
    DataFrame — the input columns plus ``role`` (``'membro'``, ``'produttore_terzo'``,
    ``'escluso'``), ``consumption_counts`` (its withdrawals count for shared energy),
    ``can_host_plant`` (its roof may host a plant of the configuration),
    ``to_verify`` (bool) and ``reason`` (a sentence in ``lang``).

    Notes
    -----
    Rules (``cer_rules.md`` §4–5): a site needs its primary substation; a POD with
    Scambio sul Posto is excluded; large enterprises (also through linked enterprises)
    are not members but may be third-party producers; SMEs whose prevalent ATECO is
    35.11 or 35.14 are not members (35.1x codes of the ATECO 2025 renumbering are
    excluded too, flagged to verify) but may host a third-party plant; any other SME is
    a member. Roof capacity is capped at 1 MW elsewhere (:func:`~.pv.roof_systems`).
    """
    # imported on call: importing the energy models does not import the report package
    from ..report.texts import text, vocabulary
    excluded = {_ateco4(a) for a in param("cer_parameters", "EXCLUDED_ATECO", list)}
    verify = {_ateco4(a) for a in param("cer_parameters", "EXCLUDED_ATECO_TO_VERIFY", list)}
    rows = []
    for r in sites.to_dict("records"):
        roof = float(r.get("roof_area_m2") or 0)
        roof = roof if np.isfinite(roof) else 0.0
        has_roof = roof > 0
        size = r.get("size_class")
        size = None if size is None or (isinstance(size, float) and np.isnan(size)) else str(size)
        ateco = _ateco4(r.get("ateco"))
        cp = r.get("cabina_primaria")
        net_metering = bool(r.get("net_metering")) if r.get("net_metering") is not None \
            and not (isinstance(r.get("net_metering"), float) and np.isnan(r.get("net_metering"))) else False
        large = size == "grande" or bool(r.get("large_group") or False)
        role, counts, host, to_verify = ROLE_EXCLUDED, False, False, False
        if cp is None or (isinstance(cp, float) and np.isnan(cp)) or str(cp).strip() == "":
            reason = text("cer_reason_no_substation", lang)
            to_verify = True
        elif net_metering:
            reason = text("cer_reason_net_metering", lang)
        elif large:
            if has_roof:
                role, host = ROLE_THIRD_PARTY, True
                reason = text("cer_reason_large_third_party", lang)
            else:
                reason = text("cer_reason_large_no_roof", lang)
            if r.get("large_group") and size != "grande":
                reason += " " + text("cer_reason_large_group", lang)
        elif ateco in excluded:
            role, host = (ROLE_THIRD_PARTY, True) if has_roof else (ROLE_EXCLUDED, False)
            reason = text("cer_reason_energy_ateco_host" if has_roof else "cer_reason_energy_ateco", lang,
                          ateco=ateco)
        elif ateco in verify or (ateco.startswith("35.1") and ateco not in excluded):
            role, host = (ROLE_THIRD_PARTY, True) if has_roof else (ROLE_EXCLUDED, False)
            to_verify = True
            reason = text("cer_reason_ateco_to_verify", lang, ateco=ateco)
        elif size is None:
            reason = text("cer_reason_size_unknown", lang)
            to_verify = True
        else:
            role, counts, host = ROLE_MEMBER, True, has_roof
            reason = text("cer_reason_sme_member_host" if has_roof else "cer_reason_sme_member", lang,
                          size=vocabulary("size", size, lang))
        rows.append({**r, "role": role, "consumption_counts": counts,
                     "can_host_plant": host, "to_verify": to_verify, "reason": reason})
    out = pd.DataFrame(rows)
    if out.empty:
        out = sites.assign(role=pd.Series(dtype=object), consumption_counts=pd.Series(dtype=bool),
                           can_host_plant=pd.Series(dtype=bool), to_verify=pd.Series(dtype=bool),
                           reason=pd.Series(dtype=object))
    return out


def configurations(eligible: pd.DataFrame) -> pd.DataFrame:
    """Candidate configurations: one per primary substation.

    Parameters
    ----------
    eligible : DataFrame — from :func:`eligibility`.

    Returns
    -------
    DataFrame — ``cabina_primaria``, ``members`` (site ids whose consumption counts),
    ``hosts`` (site ids whose roof may host a plant), ``n_member_companies``,
    ``n_hosts``, ``valid`` (bool) and ``reason`` (Italian).
    """
    min_members = int(param("cer_parameters", "MIN_MEMBERS"))
    rows = []
    ok = eligible[eligible["role"] != ROLE_EXCLUDED]
    for cp, group in ok.groupby("cabina_primaria", sort=True):
        members = group.loc[group["consumption_counts"], "site_id"].tolist()
        hosts = group.loc[group["can_host_plant"], "site_id"].tolist()
        n_comp = group.loc[group["consumption_counts"], "company_id"].nunique()
        problems = []
        if n_comp < min_members:
            problems.append(f"meno di {min_members} imprese membro ({n_comp})")
        if not hosts:
            problems.append("nessun tetto disponibile per un impianto")
        rows.append({"cabina_primaria": cp, "members": members, "hosts": hosts,
                     "n_member_companies": n_comp, "n_hosts": len(hosts),
                     "valid": not problems,
                     "reason": "; ".join(problems) if problems else
                     f"{n_comp} imprese membro e {len(hosts)} tetti sotto la stessa cabina primaria"})
    return pd.DataFrame(rows, columns=["cabina_primaria", "members", "hosts",
                                       "n_member_companies", "n_hosts", "valid", "reason"])


# ------------------------------------------------------------------- PNRR grant
def grant_eligibility(comune: str | None, as_of: date | None = None,
                      lang: str = "it") -> tuple[bool, str]:
    """Whether a plant in ``comune`` may get the PNRR capital grant, and why.

    The municipality must have fewer than ``GRANT_MAX_POPULATION`` inhabitants
    (``municipalities.csv``) and the application deadline must not have passed.

    Returns
    -------
    (bool, str) — eligible, reason in ``lang`` (``'it'`` or ``'en'``).
    """
    from ..report.texts import text  # on call, as in eligibility
    as_of = as_of or date.today()
    limit = int(param("cer_parameters", "GRANT_MAX_POPULATION"))
    deadline = date.fromisoformat(param("cer_parameters", "GRANT_APPLICATION_DEADLINE", str))
    if not comune:
        return False, text("cer_grant_no_comune", lang)
    table = lib_table("municipalities")
    row = table.loc[table["comune"].str.lower() == str(comune).strip().lower()]
    if row.empty:
        return False, text("cer_grant_unknown_population", lang, comune=comune)
    pop = int(row["population"].iloc[0])
    if pop >= limit:
        return False, text("cer_grant_too_large", lang, comune=comune, population=number(pop, 0, lang),
                           limit=number(limit, 0, lang))
    if as_of > deadline:
        return False, text("cer_grant_deadline_passed", lang, comune=comune, limit=number(limit, 0, lang),
                           deadline=day(deadline, lang))
    return True, text("cer_grant_eligible", lang, comune=comune, limit=number(limit, 0, lang))


def grant_eur(plant_kw: float, capex_eur: float, grant_fraction: float | None = None) -> float:
    """PNRR grant of a plant: ``grant_fraction`` (default 40 %) of the capex, capped by
    the maximum eligible cost per kW of its size band (``pnrr_eligible_cost.csv``). [€]"""
    g = param("cer_parameters", "GRANT_MAX_FRACTION") if grant_fraction is None else grant_fraction
    table = lib_table("pnrr_eligible_cost").sort_values("power_max_kw")
    pos = int(np.searchsorted(table["power_max_kw"].to_numpy(float), plant_kw, side="left"))
    pos = min(pos, len(table) - 1)
    ceiling = float(table["max_eligible_cost_eur_per_kw"].iloc[pos]) * plant_kw
    return g * min(capex_eur, ceiling)


# ------------------------------------------------------------------ shared energy
def shared_energy(injection_kwh, withdrawal_kwh) -> np.ndarray:
    """Hourly shared energy of one configuration (ARERA TIAD).

    Parameters
    ----------
    injection_kwh : array-like (n_plants, n_hours) or (n_hours,) — energy injected by
        each plant (or its total) in each hour. [kWh]
    withdrawal_kwh : array-like (n_members, n_hours) or (n_hours,) — energy withdrawn
        by each member's consumption points. [kWh]

    Returns
    -------
    ndarray (n_hours,) — ``min(Σ injection, Σ withdrawal)`` hour by hour. [kWh]
    """
    inj = np.asarray(injection_kwh, dtype=float)
    wd = np.asarray(withdrawal_kwh, dtype=float)
    inj_tot = inj.sum(axis=0) if inj.ndim == 2 else inj
    wd_tot = wd.sum(axis=0) if wd.ndim == 2 else wd
    return np.minimum(inj_tot, wd_tot)


def apply_storage(injection_kwh: np.ndarray, withdrawal_kwh: np.ndarray,
                  capacity_kwh: float, power_kw: float | None = None,
                  round_trip: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Configuration-level battery that stores the hourly surplus of injection over
    withdrawal and releases it when withdrawal exceeds injection (greedy dispatch).

    Returns
    -------
    (injection, charged) — injection seen by the grid after charging and discharging
    [kWh] and energy charged in each hour [kWh].
    """
    inj = np.asarray(injection_kwh, dtype=float).copy()
    wd = np.asarray(withdrawal_kwh, dtype=float)
    if capacity_kwh <= 0:
        return inj, np.zeros_like(inj)
    eta = param("costs", "STORAGE_ROUND_TRIP") if round_trip is None else round_trip
    power = capacity_kwh / param("costs", "STORAGE_HOURS") if power_kw is None else power_kw
    sqrt_eta = float(np.sqrt(eta))
    soc = 0.0
    surplus = (inj - wd).tolist()
    delta = [0.0] * len(surplus)          # change of the injection seen by the grid
    for h, s in enumerate(surplus):
        if s > 0:
            c = min(s, power, (capacity_kwh - soc) / sqrt_eta)
            soc += c * sqrt_eta
            delta[h] = -c
        elif s < 0 and soc > 0:
            d = min(-s, power, soc * sqrt_eta)
            soc -= d / sqrt_eta
            delta[h] = d
    delta = np.asarray(delta)
    return inj + delta, np.clip(-delta, 0.0, None)


def site_balance(loads_kwh: pd.DataFrame, pv_kwh_per_kwp: pd.DataFrame, plants_kwp: dict,
                 members) -> dict:
    """Behind-the-meter balance of the sites of a configuration, hour by hour.

    Each plant first serves the load of its host site (self-consumption); the rest is
    injected. A member's withdrawal is its load minus its own plant's self-consumption.

    Returns
    -------
    dict — ``production`` and ``self_consumption`` (totals, ndarray [kWh]),
    ``injection`` (``{plant site: ndarray}`` [kWh]) and ``withdrawal``
    (``{member site: ndarray}`` [kWh]).
    """
    n = len(loads_kwh.index)
    production, self_cons = np.zeros(n), np.zeros(n)
    injection, own_use = {}, {}
    for site, kwp in plants_kwp.items():
        if not kwp or kwp <= 0:
            continue
        pv = float(kwp) * pv_kwh_per_kwp[site].to_numpy()
        load = loads_kwh[site].to_numpy() if site in loads_kwh else np.zeros(n)
        sc = np.minimum(pv, load)
        production += pv
        self_cons += sc
        injection[site] = pv - sc
        own_use[site] = sc
    withdrawal = {site: loads_kwh[site].to_numpy() - own_use.get(site, 0.0) for site in members}
    return {"production": production, "self_consumption": self_cons,
            "injection": injection, "withdrawal": withdrawal}


def simulate_configuration(loads_kwh: pd.DataFrame, pv_kwh_per_kwp: pd.DataFrame,
                           plants_kwp: dict, members: list, zonal_price: pd.Series,
                           region: str = "Toscana", grant_fraction: float = 0.0,
                           storage_kwh: float = 0.0) -> pd.DataFrame:
    """Hour-by-hour balance of one configuration.

    Parameters
    ----------
    loads_kwh : DataFrame — hourly consumption by ``site_id`` [kWh].
    pv_kwh_per_kwp : DataFrame — hourly production per kWp by ``site_id`` [kWh/kWp].
    plants_kwp : dict — ``{site_id: kWp}`` of the plants of the configuration.
    members : list — site ids whose withdrawals count (members' consumption points).
    zonal_price : Series — hourly zonal price [€/MWh] on the same index.
    region, grant_fraction, storage_kwh — see :func:`tip_eur_mwh`, :func:`apply_storage`.

    Returns
    -------
    DataFrame — same index; ``production_kwh``, ``self_consumption_kwh`` (behind the
    meter of the host site), ``injection_kwh``, ``withdrawal_kwh`` (members),
    ``shared_kwh``, ``zonal_price_eur_mwh``, ``tip_eur_mwh`` (injection-weighted over
    the plants), ``tip_eur``.
    """
    index = loads_kwh.index
    n = len(index)
    plants = {s: float(k) for s, k in plants_kwp.items() if k and k > 0}
    balance = site_balance(loads_kwh, pv_kwh_per_kwp, plants, members)
    production, self_cons = balance["production"], balance["self_consumption"]
    inj_by_plant = balance["injection"]
    wd = sum(balance["withdrawal"].values()) if members else np.zeros(n)
    inj = sum(inj_by_plant.values()) if inj_by_plant else np.zeros(n)
    pz = zonal_price.to_numpy()
    weighted = np.zeros(n)
    for site, e in inj_by_plant.items():
        weighted += e * tip_eur_mwh(plants[site], pz, PV, region, grant_fraction)
    with np.errstate(divide="ignore", invalid="ignore"):
        tip_h = np.where(inj > 0, weighted / np.where(inj > 0, inj, 1.0), 0.0)
    if storage_kwh > 0:
        inj, _ = apply_storage(inj, wd, storage_kwh)
        tip_h = np.where(tip_h > 0, tip_h, np.nanmax(tip_h) if np.any(tip_h > 0) else 0.0)
    shared = shared_energy(inj, wd)
    return pd.DataFrame({
        "production_kwh": production, "self_consumption_kwh": self_cons,
        "injection_kwh": inj, "withdrawal_kwh": wd, "shared_kwh": shared,
        "zonal_price_eur_mwh": pz, "tip_eur_mwh": tip_h, "tip_eur": shared * tip_h / 1000.0,
    }, index=index)
