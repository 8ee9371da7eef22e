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
from ..report.texts import text, vocabulary
from ..views.figures import plotly_separators
from .cascade import heat_cascade
from .cer import (ROLE_EXCLUDED, configurations, default_zonal_prices, eligibility,
                  grant_eligibility, simulate_configuration)
from .economics import (OBJECTIVE_NPV, RULE_PROPORTIONAL, SOCIAL_PARTICIPANT, allocate_incentive,
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
                 as_of: date | None = None, weather: pd.DataFrame | None = None,
                 lang: str = "it") -> dict:
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
    lang : str — language of the eligibility and grant reasons: ``'it'`` or ``'en'``.

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
    elig = eligibility(merged, lang)
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
        grants = [grant_eligibility(c, as_of, lang) for c in comuni]
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
def _headers(columns, lang: str) -> dict:
    """``{column: reader's header}``: the header of column ``c`` is the text
    ``energy_col_<c>`` in ``lang``."""
    return {column: text(f"energy_col_{column}", lang) for column in columns}


def _labelled(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``table`` with the readers' headers (:func:`_headers`)."""
    return table.rename(columns=_headers(table.columns, lang))


def _fig_map(elig: pd.DataFrame, labels: pd.Series | None, restricted: bool, lang: str = "it"):
    import plotly.express as px
    axes = {"lon": text("energy_axis_lon", lang), "lat": text("energy_axis_lat", lang),
            "cabina_primaria": text("energy_axis_substation", lang),
            "role": text("energy_axis_role", lang), "azienda": text("energy_axis_company", lang),
            "aziende": text("energy_axis_companies", lang), "reason": text("energy_axis_reason", lang)}
    if restricted:
        agg = (elig[elig["role"] != ROLE_EXCLUDED].groupby("cabina_primaria")
               .agg(lat=("lat", "mean"), lon=("lon", "mean"), aziende=("company_id", "nunique"))
               .reset_index())
        agg = agg[agg["aziende"] >= 3]
        fig = px.scatter(agg, x="lon", y="lat", size="aziende", color="cabina_primaria", labels=axes)
    else:
        df = elig.assign(azienda=elig["company_id"].map(labels) if labels is not None else elig["company_id"],
                         role=elig["role"].map(lambda r: vocabulary("energy_role", r, lang)))
        fig = px.scatter(df, x="lon", y="lat", color="cabina_primaria", symbol="role",
                         hover_data=["azienda", "reason"], labels=axes)
    fig.update_layout(title=text("energy_fig_map", lang), yaxis_scaleanchor="x",
                      yaxis_scaleratio=1 / np.cos(np.radians(LIVORNO["latitude"])),
                      separators=plotly_separators(lang))
    return fig


#: Colours of the energy series, the same in every chart.
SERIES_COLOURS = {"production_kwh": "#f0b400", "injection_kwh": "#f0b400",
                  "withdrawal_kwh": "#3182bd", "shared_kwh": "#31a354"}


def _per_cabin_figure(cabins: list[str], columns: int = 1, titles: list[str] | None = None):
    """One row of panels per primary substation, x axes shared: a chart that stays
    readable on paper however many configurations there are."""
    from plotly.subplots import make_subplots

    return make_subplots(rows=max(len(cabins), 1), cols=columns, shared_xaxes=True,
                         vertical_spacing=0.18 / max(len(cabins), 1) + 0.04,
                         subplot_titles=titles or cabins)


def _fig_monthly(hourly: dict, lang: str = "it"):
    cabins = list(hourly)
    fig = _per_cabin_figure(cabins)
    series = (("production_kwh", "energy_trace_production"),
              ("withdrawal_kwh", "energy_trace_member_withdrawal"),
              ("shared_kwh", "energy_trace_shared"))
    for row, cp in enumerate(cabins, start=1):
        m = hourly[cp].groupby(hourly[cp].index.month).sum() / 1000.0
        for col, key in series:
            fig.add_scatter(x=m.index, y=m[col], mode="lines+markers", row=row, col=1,
                            name=text(key, lang), legendgroup=col, showlegend=row == 1,
                            line=dict(color=SERIES_COLOURS[col]),
                            hovertemplate=f"{cp} · %{{x}}: %{{y:,.1f}} MWh<extra></extra>")
        fig.update_yaxes(title_text="MWh", rangemode="tozero", row=row, col=1)
    fig.update_xaxes(tickmode="linear", dtick=1)
    fig.update_xaxes(title_text=text("energy_axis_month", lang), row=len(cabins), col=1)
    fig.update_layout(title=text("energy_fig_monthly", lang), separators=plotly_separators(lang),
                      height=160 + 220 * max(len(cabins), 1),
                      legend=dict(orientation="h", y=-0.12 if len(cabins) < 3 else -0.06))
    return fig


def _fig_hourly(hourly: dict, lang: str = "it"):
    cabins = list(hourly)
    weeks = (("06-16", "energy_trace_summer_week"), ("01-13", "energy_trace_winter_week"))
    titles = [f"{cp} – {text(key, lang)}" for cp in cabins for _, key in weeks]
    fig = _per_cabin_figure(cabins, columns=2, titles=titles)
    series = (("injection_kwh", "energy_trace_injection"),
              ("withdrawal_kwh", "energy_trace_withdrawal"),
              ("shared_kwh", "energy_trace_shared_short"))
    for row, cp in enumerate(cabins, start=1):
        h = hourly[cp]
        year = h.index[0].year
        for column, (start, _) in enumerate(weeks, start=1):
            week = h.loc[f"{year}-{start}":].iloc[:168]
            x = np.arange(len(week))
            for col, key in series:
                fig.add_scatter(x=x, y=week[col], mode="lines", row=row, col=column,
                                name=text(key, lang), legendgroup=col,
                                showlegend=row == 1 and column == 1,
                                line=dict(color=SERIES_COLOURS[col], width=1.2))
        fig.update_yaxes(title_text="kWh", rangemode="tozero", row=row, col=1)
    for column in (1, 2):
        fig.update_xaxes(title_text=text("energy_axis_week_hour", lang), tickmode="linear",
                         dtick=24, row=len(cabins), col=column)
    fig.update_layout(title=text("energy_fig_hourly", lang), separators=plotly_separators(lang),
                      height=160 + 220 * max(len(cabins), 1),
                      legend=dict(orientation="h", y=-0.12 if len(cabins) < 3 else -0.06))
    return fig


def _fig_heat(monthly: pd.DataFrame, lang: str = "it"):
    import plotly.graph_objects as go
    fig = go.Figure()
    for col, key in (("waste_heat_mwh", "energy_trace_waste_heat"),
                     ("heat_demand_mwh", "energy_trace_heat_demand"),
                     ("recovered_direct_mwh", "energy_trace_recovered_direct"),
                     ("recovered_heat_pump_mwh", "energy_trace_recovered_heat_pump"),
                     ("cooling_absorption_mwh", "energy_trace_absorption")):
        fig.add_scatter(x=monthly["month"], y=monthly[col], name=text(key, lang),
                        mode="lines+markers")
    fig.update_layout(title=text("energy_fig_heat", lang), xaxis_title=text("energy_axis_month", lang),
                      yaxis_title="MWh", separators=plotly_separators(lang),
                      yaxis_rangemode="tozero", xaxis=dict(tickmode="linear", dtick=1))
    return fig


def ranking_table(ranking: pd.DataFrame, labels: pd.Series | None,
                  site_company: pd.Series, lang: str = "it") -> pd.DataFrame:
    """Table of the ranked configurations (one row per configuration), with headers
    and texts in ``lang``."""
    if ranking.empty:
        return pd.DataFrame()
    confidential = text("energy_confidential_company", lang)

    def plants_text(plants):
        parts = []
        for site, kwp in plants.items():
            who = labels.get(site_company.get(site), site) if labels is not None else site
            parts.append(f"{who or confidential}: {number(kwp, 0, lang)} kWp")
        return "; ".join(parts)

    return _labelled(pd.DataFrame({
        "substation": ranking["cabina_primaria"], "rank": ranking["rank"],
        "plants": ranking["plants"].map(plants_text),
        "members": ranking["n_members"], "power_kwp": ranking["kwp_total"].round(0),
        "production_mwh": ranking["production_mwh"].round(0),
        "shared_mwh": ranking["shared_mwh"].round(0),
        "shared_pct": (100 * ranking["shared_share"]).round(1),
        "tip_eur": ranking["tip_eur"].round(0),
        "tip_social_eur": ranking["tip_social_eur"].round(0),
        "valorisation_eur": ranking["valorisation_eur"].round(0),
        "capex_eur": ranking["capex_eur"].round(0),
        "grant_eur": ranking["grant_eur"].round(0),
        "npv_eur": ranking["npv_eur"].round(0),
        "irr_pct": (100 * ranking["irr"]).round(1),
        "payback_yr": ranking["payback_yr"].round(1),
        "grant_reason": ranking["grant_reason"],
    }), lang)


def energy_section(settings, site_energy: pd.DataFrame | None = None,
                   meter_readings: pd.DataFrame | None = None,
                   zonal_prices: pd.Series | None = None, objective: str = OBJECTIVE_NPV,
                   year: int = REFERENCE_YEAR, top: int = 20) -> dict:
    """Tables and figures of the energy section for ``settings.audience``, in
    ``settings.lang``.

    Parameters
    ----------
    settings : Settings — store, key, audience, language.
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
    dict — the keys are identifiers; everything a reader sees (table headers and texts,
    figure titles, axes, legends, notes) is in ``settings.lang``, from the
    ``energy_*`` entries of :data:`workbench.report.texts.TEXTS`. Tables (DataFrames):
    ``siti`` (gsi only), ``configurazioni`` (gsi: every ranked configuration with its
    plants by company; funders/pubblico: the best configuration of each primary
    substation, disclosure-controlled: ≥ 3 companies, none above 85 % of the
    consumption; its ``suppressed`` column is the control flag), ``ripartizione`` (gsi
    only), ``calore_coppie`` (gsi only), ``calore_mensile`` (cluster totals; hidden for
    restricted audiences when fewer than 3 companies are involved), ``fv``; figures:
    ``fig_mappa`` (restricted audiences: substations with ≥ 3 companies, no single
    site), ``fig_mensile``, ``fig_orario`` (only substations shown in the table),
    ``fig_calore``; ``note`` (sentences: estimated profiles, defaults used, data
    missing); ``dati`` (the raw results, gsi only).
    """
    from ..flows import load_flows
    from ..store import connect

    lang = settings.lang
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
    result = cer_analysis(sites, site_energy, meter_hourly, zonal_prices, objective, year, top,
                          lang=lang)
    heat = heat_cascade(flows, lang=lang)

    estimated = (result["profile_source"] == "stimato").sum()
    if estimated:
        notes.append(text("energy_note_estimated", lang, n=estimated,
                          total=len(result["profile_source"])))
    assumed_roofs = site_energy["assumed"].str.contains("roof_area_m2").sum()
    if assumed_roofs:
        notes.append(text("energy_note_no_roof", lang, n=assumed_roofs))
    if zonal_prices is None:
        notes.append(text("energy_note_default_prices", lang))
    y = specific_yield(tilt_deg=35, azimuth_deg=180)
    fv = _labelled(pd.DataFrame([{
        "location": "Livorno", "tilt": "35°", "orientation": text("energy_south", lang),
        "specific_yield": round(y), "system_loss": round(system_loss_pct(), 1),
        "weather": text("energy_weather_source", lang)}]), lang)

    site_company = sites.set_index("site_id")["company_id"]
    ranking = result["ranking"]
    out = {"fv": fv, "note": notes, "fig_mappa": None, "fig_mensile": None, "fig_orario": None}
    hourly = result["hourly"]
    if restricted:
        # one row per primary substation: the best configuration, disclosure-controlled
        col = _headers(["substation", "companies", "top_share", "power_kwp", "shared_mwh",
                        "npv_eur"], lang)
        best = ranking[ranking["rank"] == 1] if not ranking.empty else ranking
        rows = []
        for r in best.itertuples(index=False):
            comp = {site_company.get(s) for s in list(r.members) + list(r.plants)}
            loads = result["loads"].reindex(columns=list(r.members)).sum()
            by_company = loads.groupby(loads.index.map(site_company)).sum()
            rows.append({"substation": r.cabina_primaria, "companies": len(comp),
                         "top_share": float(by_company.max() / by_company.sum()) if by_company.sum() > 0 else 1.0,
                         "power_kwp": round(r.kwp_total), "shared_mwh": round(r.shared_mwh),
                         "npv_eur": round(r.npv_eur)})
        table = pd.DataFrame(rows, columns=list(col)).rename(columns=col)
        out["configurazioni"] = disclosure_control(
            table, settings.audience, col["companies"], [col["power_kwp"], col["shared_mwh"], col["npv_eur"]],
            share_column=col["top_share"], complementary=False)
        shown = set(out["configurazioni"].loc[~out["configurazioni"]["suppressed"], col["substation"]])
        hourly = {cp: h for cp, h in hourly.items() if cp in shown}
        out["ripartizione"] = pd.DataFrame()
    else:
        out["configurazioni"] = ranking_table(ranking, labels, site_company, lang)
        out["siti"] = _sites_table(result, labels, site_energy, lang)
        out["ripartizione"] = _allocation_table(result["allocation"], labels, site_company, lang)
        out["dati"] = {**result, "heat": heat, "site_energy": site_energy}
    out["fig_mappa"] = _fig_map(result["eligibility"], labels, restricted, lang)
    out["fig_mensile"] = _fig_monthly(hourly, lang) if hourly else None
    out["fig_orario"] = _fig_hourly(hourly, lang) if hourly else None

    out["calore_mensile"] = _labelled(heat["monthly"], lang).round(1)
    month, waste_heat = text("energy_col_month", lang), text("energy_col_waste_heat_mwh", lang)
    if restricted:
        n_heat = pd.concat([heat["sources"]["company_id"], heat["sinks"]["company_id"]]).nunique()
        if n_heat < 3:
            out["calore_mensile"] = out["calore_mensile"][[month]]
            notes.append(text("energy_note_heat_hidden", lang))
    else:
        out["calore_coppie"] = _heat_table(heat["allocated"], labels, lang)
    out["fig_calore"] = _fig_heat(heat["monthly"], lang) if waste_heat in out["calore_mensile"] else None
    return out


def _allocation_table(allocation: dict, labels: pd.Series, site_company: pd.Series,
                      lang: str) -> pd.DataFrame:
    """Incentive sharing of the best configuration of each primary substation."""
    if not allocation:
        return pd.DataFrame()

    def participant(site):
        if site in site_company.index:
            return labels.get(site_company.get(site), site)
        return text("energy_social_participant", lang) if site == SOCIAL_PARTICIPANT else site

    table = pd.concat([a.assign(substation=cp, participant=a["participant"].map(participant))
                       for cp, a in allocation.items()], ignore_index=True)
    return _labelled(table[["substation", "participant", "shared_consumption_mwh", "share",
                            "incentive_eur"]], lang)


def _sites_table(result: dict, labels: pd.Series, site_energy: pd.DataFrame,
                 lang: str = "it") -> pd.DataFrame:
    elig = result["eligibility"]
    roofs = result["roofs"].set_index("site_id")["max_kwp"] if len(result["roofs"]) else pd.Series(dtype=float)
    src = result["profile_source"]
    return _labelled(pd.DataFrame({
        "company": elig["company_id"].map(labels).fillna(text("energy_confidential_company", lang)),
        "site": elig["site_id"], "substation": elig["cabina_primaria"],
        "size_class": elig["size_class"].map(lambda s: vocabulary("size", s, lang), na_action="ignore"),
        "role": elig["role"].map(lambda r: vocabulary("energy_role", r, lang)),
        "reason": elig["reason"],
        "to_verify": elig["to_verify"].map({True: text("energy_yes", lang), False: ""}),
        "consumption_mwh": elig["annual_electricity_mwh"].round(0),
        "profile": elig["site_id"].map(src).map(lambda p: vocabulary("energy_profile", p, lang),
                                                na_action="ignore").astype(object).fillna("–"),
        "roof_kwp": elig["site_id"].map(roofs).round(0),
        "assumed": elig["site_id"].map(site_energy.set_index("site_id")["assumed"]).fillna(""),
    }), lang)


def _heat_table(allocated: pd.DataFrame, labels: pd.Series, lang: str = "it") -> pd.DataFrame:
    if allocated.empty:
        return pd.DataFrame()
    confidential = text("energy_confidential_company", lang)
    return _labelled(pd.DataFrame({
        "heat_source": allocated["source_company_id"].map(labels).fillna(confidential),
        "heat_sink": allocated["sink_company_id"].map(labels).fillna(confidential),
        "t_source": allocated["t_source_c"], "t_sink": allocated["t_sink_c"],
        "mode": allocated["mode"].map(lambda m: vocabulary("heat_mode", m, lang)),
        "cop": allocated["cop"].round(2),
        "distance_km": allocated["distance_km"].round(2),
        "heat_mwh": allocated["heat_mwh"].round(0),
        "capex_eur": allocated["capex_eur"].round(0),
        "net_benefit_eur": allocated["net_benefit_eur_yr"].round(0),
        "why": allocated["why"],
    }), lang)
