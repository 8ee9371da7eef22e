"""The energy section of the notebooks and of the semester report: CER and heat recovery.

:func:`energy_section` reads the store through the NDA views (``v_companies``,
``v_sites``, ``v_flows``), builds hourly profiles, PV on the roofs, the CER
configurations of every primary substation with their economics, the waste-heat
cascade, and returns tables and plotly figures, disclosure-controlled for the audience.

Site energy data
----------------
Per-site energy attributes come in as a DataFrame ``site_energy`` (one row per site):

==============================  ============================================================
column                          meaning
==============================  ============================================================
``site_id``                     site of ``v_sites`` (``<company_id>-<site_code>``)
``pods`` (``pod_count``)        number of consumption POD of the site [-]
``pod_codes``                   POD codes, ``|``-separated (to match meter data), optional
``contracted_power_kw``         contracted power (sum of the POD) [kW]
``shift_pattern``               ``1x5``, ``2x5``, ``3x5``, ``1x6``, ``2x6``, ``3x6``, ``3x7``
``roof_area_m2``                roof area available for PV [m²]
``roof_azimuth_deg``            roof azimuth, clockwise from north, 180 = south [deg]
``roof_tilt_deg``               roof tilt, 0 = flat [deg]
``existing_pv_kw``              PV already installed on the site [kWp]
``net_metering``                POD in Scambio sul Posto (bool)
``annual_electricity_mwh``      electricity withdrawn from the grid [MWh/yr]
``monthly_profile``             12 monthly shares of that consumption (optional)
``electricity_price_eur_mwh``   price paid for electricity [€/MWh] (optional)
``comune``                      municipality of the site (optional; PNRR grant rule)
==============================  ============================================================

:func:`site_energy_from_store` builds it from the store: the site attributes come from
``v_sites`` (questionnaire 1.1, ``Siti`` sheet; store schema 5), consumption and price
from the declared electricity inputs (``resource == 'energia_elettrica'``). Attributes a
site left empty (or that an earlier questionnaire did not ask) take documented defaults
and are listed in ``assumed``; a missing ``comune`` is read from the site's address.
"""
from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd

from ..fmt import number
from ..privacy import company_labels, disclosure_control, is_restricted
from .cascade import heat_cascade
from .cer import (ROLE_EXCLUDED, configurations, default_zonal_prices, eligibility,
                  grant_eligibility, simulate_configuration)
from .economics import (OBJECTIVE_NPV, RULE_PROPORTIONAL, allocate_incentive,
                        member_shared_energy, search_configurations)
from .params import param
from .profiles import REFERENCE_YEAR, as_monthly_profile, meter_to_hourly, site_profiles
from .pv import (LIVORNO, pv_profiles, read_weather, roof_systems, specific_yield,
                 system_loss_pct)

SITE_ENERGY_COLUMNS = ["site_id", "pods", "pod_codes", "contracted_power_kw", "shift_pattern",
                       "roof_area_m2", "roof_azimuth_deg", "roof_tilt_deg", "existing_pv_kw",
                       "net_metering", "annual_electricity_mwh", "monthly_profile",
                       "electricity_price_eur_mwh", "comune"]

#: Store/questionnaire names accepted for the columns above.
SITE_ENERGY_ALIASES = {"pod_count": "pods"}

#: Defaults for attributes a site did not declare (each use is listed in ``assumed``).
SITE_ENERGY_DEFAULTS = {"pods": 1, "shift_pattern": "1x5", "roof_area_m2": 0.0,
                        "roof_azimuth_deg": 180.0, "roof_tilt_deg": 0.0, "existing_pv_kw": 0.0,
                        "net_metering": False}


# ------------------------------------------------------------------ site data
def comune_from_address(address) -> str | None:
    """Municipality from an Italian address ``..., 57017 Stagno (Collesalvetti) (LI)``:
    the name in brackets after the locality when present, else the locality."""
    if not isinstance(address, str):
        return None
    m = re.search(r"\b\d{5}\s+([^,()]+?)\s*(?:\((?![A-Z]{2}\))([^()]+)\))?\s*(?:\([A-Z]{2}\))?\s*$",
                  address)
    if not m:
        return None
    return (m.group(2) or m.group(1)).strip()


def _electricity_by_site(flows: pd.DataFrame) -> pd.DataFrame:
    el = flows[(flows["matrix"] == "energia") & (flows["direction"] == "in")
               & (flows["resource"] == "energia_elettrica") & (flows["unit_std"] == "MWh")].copy()
    if el.empty:
        return pd.DataFrame(columns=["site_id", "annual_electricity_mwh", "monthly_profile",
                                     "electricity_price_eur_mwh"])
    q = el["quantity_std"].astype(float)
    ratio = (el["quantity"].astype(float) / q).where(q > 0)
    el["price"] = el["unit_cost_eur"].astype(float) * ratio
    rows = []
    for site, g in el.groupby("site_id"):
        total = float(g["quantity_std"].sum())
        profiles = [as_monthly_profile(p) * w for p, w in zip(g["monthly_profile"], g["quantity_std"])
                    if as_monthly_profile(p) is not None]
        profile = list(np.sum(profiles, axis=0) / np.sum(np.sum(profiles, axis=0))) \
            if profiles and np.sum(profiles) > 0 else None
        priced = g[g["price"].notna()]
        price = float((priced["price"] * priced["quantity_std"]).sum() / priced["quantity_std"].sum()) \
            if not priced.empty and priced["quantity_std"].sum() > 0 else np.nan
        rows.append({"site_id": site, "annual_electricity_mwh": total, "monthly_profile": profile,
                     "electricity_price_eur_mwh": price})
    return pd.DataFrame(rows)


def complete_site_energy(site_energy: pd.DataFrame, sites: pd.DataFrame,
                         flows: pd.DataFrame | None = None) -> pd.DataFrame:
    """``site_energy`` for every site of ``sites``, with consumption and price from the
    declared electricity inputs where not given, and defaults where nothing is known.

    Returns
    -------
    DataFrame — :data:`SITE_ENERGY_COLUMNS` plus ``assumed`` (names of the attributes
    that took a default, ``|``-separated).
    """
    if site_energy is not None:
        site_energy = site_energy.rename(columns=SITE_ENERGY_ALIASES)
    base = sites[["site_id"]].drop_duplicates().merge(
        site_energy, on="site_id", how="left") if site_energy is not None else sites[["site_id"]].copy()
    if flows is not None and len(flows):
        el = _electricity_by_site(flows)
        base = base.merge(el, on="site_id", how="left", suffixes=("", "_flows"))
        for col in ("annual_electricity_mwh", "monthly_profile", "electricity_price_eur_mwh"):
            alt = f"{col}_flows"
            if alt in base:
                if col in base:
                    base[col] = base[col].where(base[col].notna(), base[alt])
                else:
                    base[col] = base[alt]
                base = base.drop(columns=[alt])
    addr = sites.set_index("site_id")["address"] if "address" in sites else pd.Series(dtype=object)
    from_address = base["site_id"].map(addr).map(comune_from_address)
    base["comune"] = base["comune"].where(base["comune"].notna(), from_address) \
        if "comune" in base else from_address
    assumed = [[] for _ in range(len(base))]
    for col in SITE_ENERGY_COLUMNS:
        if col not in base:
            base[col] = None
    for col, default in SITE_ENERGY_DEFAULTS.items():
        missing = base[col].isna().to_numpy()
        for i in np.flatnonzero(missing):
            assumed[i].append(col)
        base[col] = base[col].astype(object).where(~missing, default)
    base["assumed"] = ["|".join(a) for a in assumed]
    for col in ("roof_area_m2", "roof_azimuth_deg", "roof_tilt_deg", "existing_pv_kw",
                "annual_electricity_mwh", "electricity_price_eur_mwh", "contracted_power_kw"):
        base[col] = pd.to_numeric(base[col], errors="coerce")
    base["net_metering"] = base["net_metering"].astype(bool)
    return base[SITE_ENERGY_COLUMNS + ["assumed"]]


def site_energy_from_store(con) -> pd.DataFrame:
    """Per-site energy attributes from the store: the :data:`SITE_ENERGY_COLUMNS` of
    ``v_sites`` (a store not yet migrated to schema 5 has none of them), completed by
    :func:`complete_site_energy` from the declared electricity flows."""
    from ..flows import load_flows
    sites = con.execute("SELECT * FROM v_sites").df().rename(columns=SITE_ENERGY_ALIASES)
    cols = [c for c in SITE_ENERGY_COLUMNS if c in sites.columns]
    return complete_site_energy(sites[cols].copy(), sites, load_flows(con))


# ------------------------------------------------------------------- analysis
def cer_analysis(sites: pd.DataFrame, site_energy: pd.DataFrame,
                 meter_hourly: pd.DataFrame | None = None, zonal_price: pd.Series | None = None,
                 objective: str = OBJECTIVE_NPV, year: int = REFERENCE_YEAR, top: int = 20,
                 as_of: date | None = None, weather: pd.DataFrame | None = None) -> dict:
    """CER analysis without the store (pure function of its inputs).

    Parameters
    ----------
    sites : DataFrame — ``site_id``, ``company_id``, ``company_name``, ``cabina_primaria``,
        ``size_class``, ``ateco``, ``lat``, ``lon``.
    site_energy : DataFrame — :func:`complete_site_energy`.
    meter_hourly : DataFrame, optional — :func:`~.profiles.meter_to_hourly`.
    zonal_price : Series, optional — hourly zonal price; default series otherwise.
    objective : str — ``'npv'`` or ``'energia_condivisa'``.
    top : int — configurations kept per primary substation.

    Returns
    -------
    dict — ``eligibility``, ``roofs``, ``configurations`` (per substation),
    ``ranking`` (configurations ranked), ``hourly`` (best configuration of each
    substation, hourly), ``allocation`` (incentive sharing of each best configuration),
    ``profile_source`` (by site: misurato/stimato), ``loads`` and ``pv_unit``.
    """
    weather = read_weather() if weather is None else weather
    zonal_price = default_zonal_prices(year) if zonal_price is None else zonal_price
    merged = sites.merge(site_energy, on="site_id", how="left")
    elig = eligibility(merged)
    configs = configurations(elig)
    involved = elig[elig["role"] != ROLE_EXCLUDED]
    energy_rows = site_energy[site_energy["site_id"].isin(involved["site_id"])
                              & site_energy["annual_electricity_mwh"].notna()]
    loads, source = site_profiles(energy_rows, meter_hourly, year)
    roofs = roof_systems(site_energy[site_energy["site_id"].isin(
        elig.loc[elig["can_host_plant"], "site_id"])])
    roofs = roofs[roofs["max_kwp"] > 0].reset_index(drop=True)
    pv_unit = pv_profiles(roofs, weather) if len(roofs) else pd.DataFrame(index=weather.index)
    pv_unit.index = loads.index if len(loads.columns) else pv_unit.index
    price = site_energy.set_index("site_id")["electricity_price_eur_mwh"]

    rankings, hourly, allocations = [], {}, {}
    for cfg in configs.itertuples(index=False):
        members = [m for m in cfg.members if m in loads.columns]
        cfg_roofs = roofs[roofs["site_id"].isin(cfg.hosts)]
        if not cfg.valid or not members or cfg_roofs.empty:
            continue
        comuni = site_energy.set_index("site_id").loc[cfg_roofs["site_id"], "comune"]
        grants = [grant_eligibility(c, as_of) for c in comuni]
        grant_ok = all(g[0] for g in grants)
        grant_reason = grants[0][1] if len({g[1] for g in grants}) == 1 else \
            "; ".join(sorted({g[1] for g in grants}))
        options = [0.0] + ([param("cer_parameters", "GRANT_MAX_FRACTION")] if grant_ok else [])
        cfg_loads = loads.reindex(columns=list(dict.fromkeys(members + list(cfg_roofs["site_id"])))).fillna(0.0)
        for g in options:
            res = search_configurations(cfg_loads, pv_unit, cfg_roofs, members, zonal_price,
                                        price, objective=objective, grant_fraction=g, top=top)
            if res.empty:
                continue
            res.insert(1, "cabina_primaria", cfg.cabina_primaria)
            res["grant_fraction"] = g
            res["grant_reason"] = grant_reason
            res["members"] = [members] * len(res)
            rankings.append(res)
    ranking = pd.concat(rankings, ignore_index=True) if rankings else pd.DataFrame()
    if not ranking.empty:
        key = "npv_eur" if objective == OBJECTIVE_NPV else "shared_mwh"
        ranking = ranking.sort_values(["cabina_primaria", key], ascending=[True, False])
        ranking["rank"] = ranking.groupby("cabina_primaria").cumcount() + 1
        ranking = ranking[ranking["rank"] <= top].reset_index(drop=True)
        for cp, best in ranking[ranking["rank"] == 1].set_index("cabina_primaria").iterrows():
            hourly[cp] = simulate_configuration(loads, pv_unit, best["plants"], best["members"],
                                                zonal_price, grant_fraction=best["grant_fraction"])
            shared_by_member = member_shared_energy(loads, pv_unit, best["plants"], best["members"])
            amount = best["tip_eur"] - best["tip_social_eur"] + best["valorisation_eur"]
            allocations[cp] = allocate_incentive(shared_by_member, amount, RULE_PROPORTIONAL,
                                                 social_eur=best["tip_social_eur"])
    return {"eligibility": elig, "roofs": roofs, "configurations": configs, "ranking": ranking,
            "hourly": hourly, "allocation": allocations, "profile_source": source,
            "loads": loads, "pv_unit": pv_unit}


# ------------------------------------------------------------------- section
def _fig_map(elig: pd.DataFrame, labels: pd.Series | None, restricted: bool):
    import plotly.express as px
    if restricted:
        agg = (elig[elig["role"] != ROLE_EXCLUDED].groupby("cabina_primaria")
               .agg(lat=("lat", "mean"), lon=("lon", "mean"), aziende=("company_id", "nunique"))
               .reset_index())
        agg = agg[agg["aziende"] >= 3]
        fig = px.scatter(agg, x="lon", y="lat", size="aziende", color="cabina_primaria",
                         labels={"lon": "longitudine", "lat": "latitudine",
                                 "cabina_primaria": "cabina primaria"})
    else:
        df = elig.assign(azienda=elig["company_id"].map(labels) if labels is not None else elig["company_id"])
        fig = px.scatter(df, x="lon", y="lat", color="cabina_primaria", symbol="role",
                         hover_data=["azienda", "reason"],
                         labels={"lon": "longitudine", "lat": "latitudine",
                                 "cabina_primaria": "cabina primaria", "role": "ruolo"})
    fig.update_layout(title="Cabine primarie e candidati alla CER", yaxis_scaleanchor="x",
                      yaxis_scaleratio=1 / np.cos(np.radians(LIVORNO["latitude"])))
    return fig


def _fig_monthly(hourly: dict):
    import plotly.graph_objects as go
    fig = go.Figure()
    for cp, h in hourly.items():
        m = h.groupby(h.index.month).sum() / 1000.0
        for col, name in (("production_kwh", "produzione FV"), ("withdrawal_kwh", "prelievi dei membri"),
                          ("shared_kwh", "energia condivisa")):
            fig.add_bar(x=m.index, y=m[col], name=f"{cp} – {name}")
    fig.update_layout(title="Produzione, prelievi ed energia condivisa per mese (configurazione migliore)",
                      xaxis_title="mese", yaxis_title="MWh", barmode="group")
    return fig


def _fig_hourly(hourly: dict):
    import plotly.graph_objects as go
    fig = go.Figure()
    for cp, h in hourly.items():
        for start, label in (("06-16", "settimana estiva"), ("01-13", "settimana invernale")):
            year = h.index[0].year
            week = h.loc[f"{year}-{start}":].iloc[:168]
            x = np.arange(len(week))
            for col, name in (("injection_kwh", "immissione"), ("withdrawal_kwh", "prelievo"),
                              ("shared_kwh", "condivisa")):
                fig.add_scatter(x=x, y=week[col], mode="lines", name=f"{cp} {label} – {name}")
    fig.update_layout(title="Energia oraria in una settimana tipo", xaxis_title="ora della settimana",
                      yaxis_title="kWh")
    return fig


def _fig_heat(monthly: pd.DataFrame):
    import plotly.graph_objects as go
    fig = go.Figure()
    for col, name in (("waste_heat_mwh", "calore di scarto disponibile"),
                      ("heat_demand_mwh", "domanda di calore"),
                      ("recovered_direct_mwh", "recuperato con scambio diretto"),
                      ("recovered_heat_pump_mwh", "recuperato con pompa di calore"),
                      ("cooling_absorption_mwh", "freddo ad assorbimento")):
        fig.add_bar(x=monthly["month"], y=monthly[col], name=name)
    fig.update_layout(title="Bilancio mensile del recupero di calore", xaxis_title="mese",
                      yaxis_title="MWh", barmode="group")
    return fig


def ranking_table(ranking: pd.DataFrame, labels: pd.Series | None,
                  site_company: pd.Series) -> pd.DataFrame:
    """Italian table of the ranked configurations (one row per configuration)."""
    if ranking.empty:
        return pd.DataFrame()

    def plants_text(plants):
        parts = []
        for site, kwp in plants.items():
            who = labels.get(site_company.get(site), site) if labels is not None else site
            parts.append(f"{who or 'azienda riservata'}: {number(kwp)} kWp")
        return "; ".join(parts)

    return pd.DataFrame({
        "Cabina primaria": ranking["cabina_primaria"], "Rango": ranking["rank"],
        "Impianti": ranking["plants"].map(plants_text),
        "Membri": ranking["n_members"], "Potenza kWp": ranking["kwp_total"].round(0),
        "Produzione MWh/anno": ranking["production_mwh"].round(0),
        "Energia condivisa MWh/anno": ranking["shared_mwh"].round(0),
        "Quota condivisa %": (100 * ranking["shared_share"]).round(1),
        "Tariffa premio €/anno": ranking["tip_eur"].round(0),
        "di cui a finalità sociali €/anno": ranking["tip_social_eur"].round(0),
        "Valorizzazione ARERA €/anno": ranking["valorisation_eur"].round(0),
        "Investimento €": ranking["capex_eur"].round(0),
        "Contributo PNRR €": ranking["grant_eur"].round(0),
        "VAN 20 anni €": ranking["npv_eur"].round(0),
        "TIR %": (100 * ranking["irr"]).round(1),
        "Tempo di ritorno anni": ranking["payback_yr"].round(1),
        "Contributo PNRR: motivo": ranking["grant_reason"],
    })


def energy_section(settings, site_energy: pd.DataFrame | None = None,
                   meter_readings: pd.DataFrame | None = None,
                   zonal_prices: pd.Series | None = None, objective: str = OBJECTIVE_NPV,
                   year: int = REFERENCE_YEAR, top: int = 20) -> dict:
    """Tables and figures of the energy section for ``settings.audience``.

    Parameters
    ----------
    settings : Settings — store, key, audience.
    site_energy : DataFrame, optional — per-site energy data (module docstring); when
        None it is read from the store (:func:`site_energy_from_store`).
    meter_readings : DataFrame, optional — :func:`~.profiles.read_meter_csv` output.
    zonal_prices : Series, optional — hourly zonal price [€/MWh]
        (:func:`~.cer.read_zonal_prices`); default documented series otherwise.
    objective : str — ``'npv'`` or ``'energia_condivisa'``.
    year : int — reference year of the hourly analysis.
    top : int — configurations shown per primary substation.

    Returns
    -------
    dict — tables (DataFrames, Italian headers): ``siti`` (gsi only), ``configurazioni``
    (gsi: every ranked configuration with its plants by company; funders/pubblico: the
    best configuration of each primary substation, disclosure-controlled: ≥ 3
    companies, none above 85 % of the consumption), ``ripartizione`` (gsi only),
    ``calore_coppie`` (gsi only), ``calore_mensile`` (cluster totals; hidden for
    restricted audiences when fewer than 3 companies are involved), ``fv``; figures:
    ``fig_mappa`` (restricted audiences: substations with ≥ 3 companies, no single
    site), ``fig_mensile``, ``fig_orario`` (only substations shown in the table),
    ``fig_calore``; ``note`` (Italian sentences: estimated profiles, defaults used,
    data missing); ``dati`` (the raw results, gsi only).
    """
    from ..flows import load_flows
    from ..store import connect

    with connect(settings, read_only=True) as con:
        flows = load_flows(con)
        company_cols = set(con.execute("SELECT * FROM v_companies LIMIT 0").df().columns)
        group = ", c.large_group" if "large_group" in company_cols else ""
        sites = con.execute(f"""SELECT s.site_id, s.company_id, s.lat, s.lon, s.address,
                                       s.cabina_primaria, c.name AS company_name, c.consent,
                                       c.size_class, c.ateco{group}
                                FROM v_sites s JOIN v_companies c USING (company_id)""").df()
        companies = con.execute("SELECT company_id, name, consent FROM v_companies").df()
        site_energy = (site_energy_from_store(con) if site_energy is None
                       else complete_site_energy(site_energy, sites, flows))
    restricted = is_restricted(settings.audience)
    labels = company_labels(companies, settings.audience, settings.resolve_key())
    notes = []
    meter_hourly = meter_to_hourly(meter_readings) if meter_readings is not None else None
    result = cer_analysis(sites, site_energy, meter_hourly, zonal_prices, objective, year, top)
    heat = heat_cascade(flows)

    estimated = (result["profile_source"] == "stimato").sum()
    if estimated:
        notes.append(f"{estimated} profili orari di consumo su {len(result['profile_source'])} "
                     "sono stimati dai consumi dichiarati e dal turno di lavoro (etichetta «stimato»).")
    assumed_roofs = site_energy["assumed"].str.contains("roof_area_m2").sum()
    if assumed_roofs:
        notes.append(f"{assumed_roofs} siti senza superficie di tetto dichiarata: nessun impianto ipotizzato.")
    if zonal_prices is None:
        notes.append("Prezzo zonale orario: serie di default (medie mensili 2024 per forma oraria "
                     "stilizzata, lib/energy); importare la serie CNOR reale per il progetto.")
    y = specific_yield(tilt_deg=35, azimuth_deg=180)
    fv = pd.DataFrame([{"Località": "Livorno", "Inclinazione": "35°", "Orientamento": "sud",
                        "Resa specifica kWh/kWp/anno": round(y),
                        "Perdite di sistema %": round(system_loss_pct(), 1),
                        "Dati meteo": "anno tipo da cielo sereno (Ineichen) scalato sull'irraggiamento "
                                      "mensile di Livorno (lib/energy/weather_livorno_monthly.csv)"}])

    site_company = sites.set_index("site_id")["company_id"]
    ranking = result["ranking"]
    out = {"fv": fv, "note": notes, "fig_mappa": None, "fig_mensile": None, "fig_orario": None}
    hourly = result["hourly"]
    if restricted:
        # one row per primary substation: the best configuration, disclosure-controlled
        best = ranking[ranking["rank"] == 1] if not ranking.empty else ranking
        rows = []
        for r in best.itertuples(index=False):
            comp = {site_company.get(s) for s in list(r.members) + list(r.plants)}
            loads = result["loads"].reindex(columns=list(r.members)).sum()
            by_company = loads.groupby(loads.index.map(site_company)).sum()
            rows.append({"Cabina primaria": r.cabina_primaria, "aziende": len(comp),
                         "quota_max": float(by_company.max() / by_company.sum()) if by_company.sum() > 0 else 1.0,
                         "Potenza kWp": round(r.kwp_total), "Energia condivisa MWh/anno": round(r.shared_mwh),
                         "VAN 20 anni €": round(r.npv_eur)})
        table = pd.DataFrame(rows, columns=["Cabina primaria", "aziende", "quota_max", "Potenza kWp",
                                            "Energia condivisa MWh/anno", "VAN 20 anni €"])
        out["configurazioni"] = disclosure_control(
            table, settings.audience, "aziende", ["Potenza kWp", "Energia condivisa MWh/anno", "VAN 20 anni €"],
            share_column="quota_max", complementary=False)
        shown = set(out["configurazioni"].loc[~out["configurazioni"]["suppressed"], "Cabina primaria"])
        hourly = {cp: h for cp, h in hourly.items() if cp in shown}
        out["ripartizione"] = pd.DataFrame()
    else:
        out["configurazioni"] = ranking_table(ranking, labels, site_company)
        out["siti"] = _sites_table(result, labels, site_energy)
        out["ripartizione"] = pd.concat(
            [a.assign(cabina_primaria=cp, participant=a["participant"].map(
                lambda s: labels.get(site_company.get(s), s) if s in site_company.index else s))
             for cp, a in result["allocation"].items()], ignore_index=True) \
            if result["allocation"] else pd.DataFrame()
        out["dati"] = {**result, "heat": heat, "site_energy": site_energy}
    out["fig_mappa"] = _fig_map(result["eligibility"], labels, restricted)
    out["fig_mensile"] = _fig_monthly(hourly) if hourly else None
    out["fig_orario"] = _fig_hourly(hourly) if hourly else None

    monthly = heat["monthly"]
    out["calore_mensile"] = monthly.rename(columns={
        "month": "Mese", "waste_heat_mwh": "Calore di scarto MWh", "heat_demand_mwh": "Domanda di calore MWh",
        "cooling_demand_mwh": "Domanda di freddo MWh", "recovered_direct_mwh": "Recupero diretto MWh",
        "recovered_heat_pump_mwh": "Recupero con pompa di calore MWh",
        "cooling_absorption_mwh": "Freddo ad assorbimento MWh",
        "heat_pump_electricity_mwh": "Elettricità pompe di calore MWh"}).round(1)
    if restricted:
        n_heat = pd.concat([heat["sources"]["company_id"], heat["sinks"]["company_id"]]).nunique()
        if n_heat < 3:
            out["calore_mensile"] = out["calore_mensile"][["Mese"]]
            notes.append("Bilancio del calore non mostrato: meno di 3 aziende coinvolte.")
    else:
        out["calore_coppie"] = _heat_table(heat["allocated"], labels)
    out["fig_calore"] = _fig_heat(heat["monthly"]) if "Calore di scarto MWh" in out["calore_mensile"] else None
    return out


def _sites_table(result: dict, labels: pd.Series, site_energy: pd.DataFrame) -> pd.DataFrame:
    elig = result["eligibility"]
    roofs = result["roofs"].set_index("site_id")["max_kwp"] if len(result["roofs"]) else pd.Series(dtype=float)
    src = result["profile_source"]
    return pd.DataFrame({
        "Azienda": elig["company_id"].map(labels).fillna("azienda riservata"),
        "Sito": elig["site_id"], "Cabina primaria": elig["cabina_primaria"],
        "Classe": elig["size_class"], "Ruolo": elig["role"], "Motivo": elig["reason"],
        "Da verificare": elig["to_verify"].map({True: "sì", False: ""}),
        "Consumo MWh/anno": elig["annual_electricity_mwh"].round(0),
        "Profilo": elig["site_id"].map(src).fillna("–"),
        "Tetto: kWp massimi": elig["site_id"].map(roofs).round(0),
        "Dati ipotizzati": elig["site_id"].map(site_energy.set_index("site_id")["assumed"]).fillna(""),
    })


def _heat_table(allocated: pd.DataFrame, labels: pd.Series) -> pd.DataFrame:
    if allocated.empty:
        return pd.DataFrame()
    return pd.DataFrame({
        "Sorgente": allocated["source_company_id"].map(labels).fillna("azienda riservata"),
        "Utenza": allocated["sink_company_id"].map(labels).fillna("azienda riservata"),
        "T sorgente °C": allocated["t_source_c"], "T utenza °C": allocated["t_sink_c"],
        "Modo": allocated["mode"], "COP": allocated["cop"].round(2),
        "Distanza km": allocated["distance_km"].round(2),
        "Calore MWh/anno": allocated["heat_mwh"].round(0),
        "Investimento €": allocated["capex_eur"].round(0),
        "Beneficio netto €/anno": allocated["net_benefit_eur_yr"].round(0),
        "Perché": allocated["why"],
    })
