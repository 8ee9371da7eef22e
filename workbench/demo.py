"""Synthetic demo cluster: questionnaires of invented companies, and the demo register.

Everything here is invented. The Livorno cluster is a fixed roster of 50 fictional
companies of the port and industrial area (``lib/demo/livorno_companies.csv``: names
always carry a marker such as *Fittizia*, *Immaginaria* or *Demo*); a seeded
:class:`numpy.random.Generator` fills in their figures — staff, turnover, coordinates,
annual flows — from the sector tables of ``lib/demo/`` (orders of magnitude, not data of
any real plant). The same code scales up: ``region="italia"`` spreads thousands of
companies of the same sector mix over ~30 Italian industrial areas, vectorised, for the
benchmarks.

The questionnaires are written with :func:`workbench.ingest.spec.write_questionnaire`, the
one writer of the format, and made byte-for-byte reproducible (fixed zip and document
timestamps), so that the same seed gives the same files and a rebuilt demo is skipped by
the ingest as unchanged. A few questionnaires carry realistic bad rows (a power unit for
energy, an EER code that does not exist, a site at sea outside Italy, a profile that does
not sum to 1, a quantity written as text) so that the demo quarantine is not empty.

:func:`build_demo` writes the questionnaires into ``<data_dir>/questionari/``, ingests
them, writes ``<data_dir>/registro.xlsx`` (synergies over three semesters, investments,
funding calls, contests, research, jobs) and loads it.

Every site also gets the energy attributes of the questionnaire (template 1.1, issue 7):
POD count and codes, contracted power, the company's shift pattern, roof area, tilt and
azimuth, existing PV, Scambio sul Posto and municipality; every company says whether it
belongs to a large group (one medium company of the roster does). They are drawn after
everything else, so adding them changed none of the earlier figures.
"""
from __future__ import annotations

import io
import os
import re
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from .config import LIB_DIR, Settings
from .model import SIZE_CLASSES, size_class

DEMO_DIR = LIB_DIR / "demo"
REGIONS: tuple[str, ...] = ("livorno", "italia")
#: Year the demo data refer to.
REFERENCE_YEAR = 2025
#: Markers of a fictional name: every demo company name contains one.
FICTIONAL_MARKERS: tuple[str, ...] = ("Fittizi", "Immaginari", "Demo")
#: The Livorno industrial and port area. [deg WGS84]
LIVORNO_BOX = {"lat_min": 43.53, "lat_max": 43.62, "lon_min": 10.29, "lon_max": 10.42}
#: Approximate shoreline of Livorno, (lat, lon) from south to north (harbour moles
#: included); land lies east of it. Source: read off OpenStreetMap by the GSI developers.
LIVORNO_COASTLINE: tuple[tuple[float, float], ...] = (
    (43.520, 10.319), (43.537, 10.302), (43.550, 10.298), (43.580, 10.293), (43.625, 10.291))
#: Distance kept from the shoreline. [deg of longitude, ≈ 650 m]
COAST_MARGIN_DEG = 0.008
#: Employees drawn for each size class (log-uniform), before the financial ceilings. [persons]
EMPLOYEE_RANGE = {"micro": (2, 9), "piccola": (10, 49), "media": (50, 249), "grande": (250, 900)}
#: Turnover and balance-sheet ceilings that keep each drawn class (EU 2003/361 with margin). [EUR]
FINANCIAL_CAP = {"micro": 1.9e6, "piccola": 9.5e6, "media": 42e6, "grande": np.inf}
#: Share of the national-benchmark companies that signed the NDA. [-]
NDA_SHARE_ITALIA = 0.93
#: Share of the national-benchmark companies that may be named. [-]
NOMINATIVO_SHARE_ITALIA = 0.1
#: Monthly shapes of the flow templates (relative weights, Gen..Dic), invented.
PROFILE_SHAPES: dict[str, tuple[float, ...]] = {
    "ferie": (1, 1, 1, 1, 1, 1, 1, 0.35, 1, 1, 1, 0.8),
    "estate": (0.7, 0.7, 0.8, 0.9, 1.0, 1.2, 1.4, 1.4, 1.15, 0.95, 0.75, 0.7),
    "inverno": (1.6, 1.45, 1.2, 0.85, 0.5, 0.3, 0.2, 0.2, 0.35, 0.75, 1.2, 1.5),
    "turismo": (0.8, 0.8, 0.85, 0.95, 1.05, 1.2, 1.35, 1.4, 1.1, 0.9, 0.8, 0.8),
    "raccolta": (0.6, 0.6, 0.7, 0.8, 0.9, 1.0, 1.3, 1.5, 1.5, 1.3, 0.9, 0.7),
}
#: Site names by site number.
SITE_NAMES = ("Stabilimento principale", "Unità locale 2 (deposito)")
#: Fixed timestamp written into every demo workbook (zip entries and document properties).
FILE_TIMESTAMP = (2026, 1, 1, 0, 0, 0)
#: Efficiency of the gas boilers whose heat a heat synergy replaces (assumption). [-]
BOILER_EFFICIENCY = 0.9
#: Distributor code of the invented POD codes (``IT001E`` + 8 digits). [-]
POD_PREFIX = "IT001E"
#: Share of sites with a PV plant already installed, besides the sites of companies that
#: declare PV energy fed into the grid (invented). [-]
EXISTING_PV_SHARE = 0.10
#: Smallest roof that the draw above considers, and the range of the plants. [m², kWp]
EXISTING_PV_MIN_ROOF_M2 = 300.0
EXISTING_PV_RANGE_KW = (20.0, 200.0)
#: Roof area taken by one kWp of an existing plant (upper bound of its size). [m²/kWp]
EXISTING_PV_M2_PER_KWP = 6.0
#: Share of pitched roofs, and their tilt range; flat roofs have tilt 0. [-, deg]
PITCHED_ROOF_SHARE = 0.25
PITCHED_TILT_RANGE_DEG = (10, 25)
#: Roof azimuth: south ± this, in steps of 5°. [deg]
AZIMUTH_SPREAD_DEG = 45
#: Contracted power over the peak load of the shift pattern; for sites that declare no
#: electricity: per employee on a main site, a range on a secondary one (depots); and the
#: smallest contract. [-, kW, kW, kW]
CONTRACTED_POWER_MARGIN = 1.25
POWER_PER_EMPLOYEE_KW = 1.0
SECONDARY_SITE_POWER_RANGE_KW = (6.0, 30.0)
MIN_CONTRACTED_POWER_KW = 3.0
#: Small-company sites with PV in Scambio sul Posto: the first ones in Livorno, this
#: share elsewhere. [sites, -]
NET_METERING_SITES_LIVORNO = 2
NET_METERING_SHARE = 0.4
_LEGAL_FORMS = {"micro": ("S.n.c.", "S.r.l.", "S.a.s."), "piccola": ("S.r.l.",),
                "media": ("S.r.l.", "S.p.A."), "grande": ("S.p.A.",)}


# --------------------------------------------------------------------------- tables
@lru_cache(maxsize=None)
def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(DEMO_DIR / name, dtype=str, keep_default_na=False)


def sector_table() -> pd.DataFrame:
    """Sectors of the demo (``lib/demo/sectors.csv``) with typed numbers."""
    df = _csv("sectors.csv").copy()
    for col in ("turnover_per_employee_eur", "balance_to_turnover", "second_site_p",
                "roof_m2_per_employee"):
        df[col] = df[col].astype(float)
    return df


def flow_templates() -> pd.DataFrame:
    """Flow templates per sector (``lib/demo/flows.csv``) with typed numbers.

    Columns include ``per_employee`` [unit/(employee·yr)], ``p`` [-], ``temperature_c``
    [°C], ``unit_cost_eur`` [EUR/unit] and ``variants`` (list of description variants).
    """
    df = _csv("flows.csv").copy()
    for col in ("per_employee", "p"):
        df[col] = df[col].astype(float)
    for col in ("temperature_c", "unit_cost_eur"):
        df[col] = pd.to_numeric(df[col].replace("", np.nan))
    df["variants"] = [[v.strip() for v in d.split("|")] for d in df["description"]]
    df["order"] = np.arange(len(df))
    hazardous = _eer_hazardous()
    star = np.array(["*" if hazardous.get(c, False) else "" for c in df["eer_code"]], dtype=object)
    code = df["eer_code"].to_numpy(dtype=object)
    df["eer_spaced"] = [f"{c[:2]} {c[2:4]} {c[4:]}{s}" if c else None for c, s in zip(code, star)]
    df["eer_compact"] = [f"{c}{s}" if c else None for c, s in zip(code, star)]
    alt = [a.split(":") if a else ["", "1"] for a in df["alt_units"]]
    df["alt_unit"] = [a[0] for a in alt]
    df["alt_factor"] = [float(a[1]) for a in alt]
    return df


def _eer_hazardous() -> dict[str, bool]:
    from .reference import eer_hazardous

    return eer_hazardous()


def livorno_roster() -> pd.DataFrame:
    """The 50 invented companies of the Livorno demo (``lib/demo/livorno_companies.csv``)."""
    return _csv("livorno_companies.csv").copy()


def livorno_zones() -> pd.DataFrame:
    """Zones of the Livorno area: centre [deg], jitter [deg], cabina primaria, streets."""
    df = _csv("livorno_zones.csv").copy()
    for col in ("lat", "lon", "jitter_deg"):
        df[col] = df[col].astype(float)
    return df


def italia_areas() -> pd.DataFrame:
    """Italian industrial areas of the national benchmark: centre and jitter [deg]."""
    df = _csv("italia_areas.csv").copy()
    for col in ("lat", "lon", "jitter_deg"):
        df[col] = df[col].astype(float)
    return df


# --------------------------------------------------------------------------- helpers
def coast_longitude(lat):
    """Longitude of the Livorno shoreline at a latitude (interpolated). [deg]"""
    lats, lons = zip(*LIVORNO_COASTLINE)
    return np.interp(lat, lats, lons)


def on_land_livorno(lat, lon) -> np.ndarray:
    """True where a point lies in :data:`LIVORNO_BOX` and east of the shoreline (+ margin)."""
    lat, lon = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
    box = LIVORNO_BOX
    return ((lat >= box["lat_min"]) & (lat <= box["lat_max"]) & (lon >= box["lon_min"])
            & (lon <= box["lon_max"]) & (lon >= coast_longitude(lat) + COAST_MARGIN_DEG))


def vat_numbers(first_ten: np.ndarray) -> np.ndarray:
    """Partite IVA from their first ten digits (vectorised check digit).

    Parameters
    ----------
    first_ten : array of int — the first ten digits as integers (< 10**10).

    Returns
    -------
    array of str — 11-digit VAT numbers.
    """
    first_ten = np.asarray(first_ten, dtype=np.int64)
    digits = (first_ten[:, None] // 10 ** np.arange(9, -1, -1)) % 10
    doubled = digits[:, 1::2] * 2
    doubled = np.where(doubled > 9, doubled - 9, doubled)
    total = digits[:, 0::2].sum(axis=1) + doubled.sum(axis=1)
    check = (10 - total % 10) % 10
    return np.array([f"{a:010d}{c}" for a, c in zip(first_ten, check)])


def round_significant(values, digits: int = 3) -> np.ndarray:
    """Round to a number of significant digits (as companies declare: 1.230 t, 45.600 m3)."""
    x = np.asarray(values, dtype=float)
    with np.errstate(divide="ignore"):
        magnitude = np.floor(np.log10(np.abs(np.where(x == 0, 1, x))))
    factor = 10.0 ** (digits - 1 - magnitude)
    return np.round(x * factor) / factor


def monthly_shares(weights: np.ndarray) -> np.ndarray:
    """Rows of positive weights → 12 shares in thousandths that sum exactly to 1000/1000.

    Largest-remainder rounding, so every row sums to 1 within float error.
    """
    weights = np.asarray(weights, dtype=float)
    raw = weights / weights.sum(axis=1, keepdims=True) * 1000
    units = np.floor(raw).astype(int)
    missing = 1000 - units.sum(axis=1)
    order = np.argsort(-(raw - units), axis=1, kind="stable")
    ranks = np.argsort(order, axis=1, kind="stable")
    units += ranks < missing[:, None]
    return units / 1000


def slugify(name: str, length: int = 40) -> str:
    """ASCII file-name slug of a company name (legal form dropped)."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"\b(s\.?\s?p\.?\s?a|s\.?\s?r\.?\s?l|s\.?\s?n\.?\s?c|s\.?\s?a\.?\s?s|s\.?\s?s|"
                  r"soc\.?\s?agr)\.?\s*$", "", text.strip())
    text = re.sub(r"[^a-z0-9]+", "_", text).strip("_")
    return text[:length].rstrip("_")


# --------------------------------------------------------------------------- the cluster
@dataclass
class Cluster:
    """A synthetic cluster: one row per company, site and declared flow.

    Attributes
    ----------
    region : str — ``livorno`` or ``italia``.
    seed : int — seed of the generator.
    companies : DataFrame — ``key``, ``sector``, ``file_name`` and the company fields of the
        questionnaire (``name``, ``vat_number``, ``ateco``, ``employees`` [persons],
        ``turnover_eur`` [EUR], ``balance_sheet_eur`` [EUR], ``nda_signed_on``,
        ``consent``, ``joined_on``, ``reference_year``, ``large_group``), plus
        ``size_class`` and ``shift_pattern``.
    sites : DataFrame — ``company_key`` and the site fields (``site_code``, ``name``,
        ``address``, ``lat``/``lon`` [deg], ``cabina_primaria``, ``pod_count``,
        ``pod_codes``, ``contracted_power_kw`` [kW], ``shift_pattern``, ``roof_area_m2``
        [m2], ``roof_tilt_deg`` [deg], ``roof_azimuth_deg`` [deg], ``existing_pv_kw``
        [kWp], ``net_metering``, ``comune``).
    inputs, outputs : DataFrame — ``company_key``, ``template_id``, ``row`` (Excel row),
        the flow fields of the questionnaire (``quantity`` [unit/yr], ``unit``,
        ``unit_cost_eur`` [EUR/unit], ``temperature_c`` [°C] ...), ``monthly_profile``
        (12 shares or None), ``quantity_std`` [t, m3 or MWh/yr when the unit converts
        directly, else NaN] and ``defect`` (why a deliberately bad row is bad, else None).
    """

    region: str
    seed: int
    companies: pd.DataFrame
    sites: pd.DataFrame
    inputs: pd.DataFrame
    outputs: pd.DataFrame

    @property
    def flows(self) -> pd.DataFrame:
        """Inputs and outputs in one table with ``direction`` (``in``/``out``)."""
        return pd.concat([self.inputs.assign(direction="in"), self.outputs.assign(direction="out")],
                         ignore_index=True)

    def company(self, key: str) -> pd.Series:
        """The company row of a roster key (e.g. ``raffineria``)."""
        rows = self.companies[self.companies["key"] == key]
        if rows.empty:
            raise KeyError(f"no company {key!r} in this cluster")
        return rows.iloc[0]

    def flow(self, key: str, template_id: str) -> pd.Series:
        """The flow that a company declared from a template (KeyError if it did not)."""
        flows = self.flows
        rows = flows[(flows["company_key"] == key) & (flows["template_id"] == template_id)]
        if rows.empty:
            raise KeyError(f"company {key!r} declares no flow {template_id!r}")
        return rows.iloc[0]


def generate_cluster(n_companies: int = 50, region: str = "livorno", seed: int = 2027) -> Cluster:
    """Generate a synthetic cluster of invented companies, deterministically.

    Parameters
    ----------
    n_companies : int — number of companies. For ``livorno`` the first ``n`` of the
        50-company roster (more than 50: the roster plus invented companies of the same
        sector mix in the same zones).
    region : str — ``livorno`` (port and industrial area of Livorno) or ``italia``
        (~30 industrial areas of Italy, for benchmarks with thousands of companies).
    seed : int — seed of the :class:`numpy.random.Generator`; same seed, same cluster.

    Returns
    -------
    Cluster
    """
    if region not in REGIONS:
        raise ValueError(f"regione sconosciuta {region!r}: una di {', '.join(REGIONS)}")
    if not 1 <= n_companies <= 900_000:
        raise ValueError(f"numero di aziende non valido ({n_companies}): da 1 a 900.000 "
                         "(oltre, le partite IVA inventate finirebbero)")
    rng = np.random.default_rng(seed)
    base = _livorno_base(n_companies, rng) if region == "livorno" else _italia_base(n_companies, rng)
    companies = _company_figures(base, rng, region)
    sites = _sites(companies, rng, region)
    inputs, outputs = _flows(companies, rng)
    sites = _site_energy(companies, sites, inputs, outputs, rng, region)
    cluster = Cluster(region, seed, companies, sites, inputs, outputs)
    if region == "livorno":
        _inject_defects(cluster)
    return cluster


def _sector_weights() -> pd.Series:
    """Sector mix of the Livorno roster (shares), used for every synthetic extension."""
    counts = livorno_roster()["sector"].value_counts()
    return (counts / counts.sum()).reindex(sector_table()["sector"]).fillna(0)


def _draw_size_classes(sectors: np.ndarray, rng) -> np.ndarray:
    table = sector_table().set_index("sector")
    mix = np.array([[float(x) for x in table.loc[s, "size_mix"].split(";")] for s in table.index])
    cumulative = np.cumsum(mix / mix.sum(axis=1, keepdims=True), axis=1)
    index = pd.Index(table.index).get_indexer(sectors)
    u = rng.random(len(sectors))
    classes = (u[:, None] > cumulative[index]).sum(axis=1).clip(0, 3)
    return np.array(SIZE_CLASSES)[classes]


def _pick(options, rng) -> np.ndarray:
    """One option per row from ``|``-separated option strings (uniform among them)."""
    codes, uniques = pd.factorize(pd.Series(options, dtype=object))
    return _choose_variant([u.split("|") for u in uniques], codes, rng)


def _choose_variant(variants: list[list[str]], codes: np.ndarray, rng) -> np.ndarray:
    """For each row, a uniformly chosen element of ``variants[code]`` (vectorised)."""
    width = max((len(v) for v in variants), default=1)
    table = np.array([v + [v[-1]] * (width - len(v)) for v in variants], dtype=object)
    lengths = np.array([len(v) for v in variants])
    k = np.floor(rng.random(len(codes)) * lengths[codes]).astype(int)
    return table[codes, k]


def _nda_dates(n: int, rng, share: float) -> tuple[list, list]:
    start = date(2025, 4, 1)
    days = rng.integers(0, 450, size=n)
    lead = rng.integers(5, 30, size=n)
    signed = rng.random(n) < share
    nda = [start + timedelta(days=int(d)) if s else None for d, s in zip(days, signed)]
    joined = [start + timedelta(days=int(d - l)) for d, l in zip(days, lead)]
    return nda, joined


def _synthetic_base(n: int, rng, locations: pd.DataFrame, label: str, offset: int) -> pd.DataFrame:
    """Invented companies of the roster's sector mix spread over ``locations``."""
    sectors_table = sector_table().set_index("sector")
    weights = _sector_weights()
    sector = rng.choice(weights.index.to_numpy(), size=n, p=weights.to_numpy())
    klass = _draw_size_classes(sector, rng)
    location = rng.integers(0, len(locations), size=n)
    loc_names = locations.iloc[:, 0].to_numpy()[location]
    prefixes = _pick(sectors_table.loc[sector, "name_prefixes"].reset_index(drop=True), rng)
    ateco = _pick(sectors_table.loc[sector, "ateco"].reset_index(drop=True), rng)
    forms = _pick(pd.Series(["|".join(_LEGAL_FORMS[k]) for k in klass]), rng)
    serial = np.arange(offset + 1, offset + n + 1)
    width = max(4, len(str(offset + n)))
    place = locations.iloc[:, 1].to_numpy()[location] if label == "livorno" else loc_names
    names = [f"{p} Demo {pl} {s:0{width}d} {f}" for p, pl, s, f in zip(prefixes, place, serial, forms)]
    slug_of = {v: slugify(v) for v in set(prefixes) | set(place)}
    slugs = [f"{slug_of[p]}_demo_{slug_of[pl]}_{s:0{width}d}" for p, pl, s in zip(prefixes, place, serial)]
    nda, joined = _nda_dates(n, rng, NDA_SHARE_ITALIA)
    consent = np.where(rng.random(n) < NOMINATIVO_SHARE_ITALIA, "nominativo", "riservato")
    n_sites = 1 + (rng.random(n) < sectors_table.loc[sector, "second_site_p"].to_numpy())
    return pd.DataFrame({
        "key": [f"{label}_{s:0{width}d}" for s in serial], "sector": sector, "name": names,
        "slug": slugs,
        "size_class": klass, "location": loc_names, "n_sites": n_sites, "nda_signed_on": nda,
        "joined_on": joined, "consent": consent, "ateco": ateco, "large_group": False})


def _livorno_base(n: int, rng) -> pd.DataFrame:
    roster = livorno_roster().iloc[:n]
    base = pd.DataFrame({
        "key": roster["key"], "sector": roster["sector"], "name": roster["name"],
        "size_class": roster["size_class"], "location": roster["zone"],
        "n_sites": roster["n_sites"].astype(int),
        "nda_signed_on": [date.fromisoformat(d) if d else None for d in roster["nda_signed_on"]],
        "joined_on": [date.fromisoformat(d) for d in roster["joined_on"]],
        "consent": roster["consent"], "ateco": roster["ateco"],
        "large_group": roster["large_group"].str.lower().eq("true").to_numpy(),
        "slug": [slugify(name) for name in roster["name"]]})
    if n > len(roster):
        zones = livorno_zones()[["zone", "label"]]
        zones = zones.assign(label=["Labronica"] * len(zones))
        base = pd.concat([base, _synthetic_base(n - len(roster), rng, zones, "livorno", len(roster))],
                         ignore_index=True)
    return base.reset_index(drop=True)


def _italia_base(n: int, rng) -> pd.DataFrame:
    return _synthetic_base(n, rng, italia_areas()[["area", "region"]], "italia", 0)


def _company_figures(base: pd.DataFrame, rng, region: str) -> pd.DataFrame:
    """Employees, turnover, balance sheet consistent with each drawn size class; VAT; file."""
    n = len(base)
    sectors = sector_table().set_index("sector").loc[base["sector"]]
    klass = base["size_class"].to_numpy()
    low = np.array([EMPLOYEE_RANGE[k][0] for k in klass], dtype=float)
    high = np.array([EMPLOYEE_RANGE[k][1] for k in klass], dtype=float)
    employees = np.floor(np.exp(rng.uniform(np.log(low), np.log(high + 1)))).clip(low, high)
    cap = np.array([FINANCIAL_CAP[k] for k in klass])
    turnover = employees * sectors["turnover_per_employee_eur"].to_numpy() \
        * np.exp(rng.normal(0, 0.25, n))
    # above its class ceiling a figure is drawn again below it (no pile-up at the ceiling)
    turnover = np.round(np.where(turnover > cap, cap * rng.uniform(0.55, 0.97, n), turnover), -3)
    balance = turnover * sectors["balance_to_turnover"].to_numpy() * np.exp(rng.normal(0, 0.2, n))
    balance = np.round(np.where(balance > cap, cap * rng.uniform(0.55, 0.97, n), balance), -3)
    out = base.copy()
    out["employees"] = employees.astype(int)
    out["turnover_eur"] = turnover
    out["balance_sheet_eur"] = balance
    check = [size_class(e, t, b) for e, t, b in zip(employees, turnover, balance)]
    wrong = [i for i, (c, k) in enumerate(zip(check, klass)) if c != k]
    if wrong:  # pragma: no cover - guarded by the ceilings above
        raise AssertionError(f"size classes drawn inconsistently for rows {wrong[:5]}")
    if region == "livorno":
        province = np.full(n, 49)  # ISTAT code of the province of Livorno
    else:
        codes = italia_areas().set_index("area")["province_code"].astype(int)
        province = codes.reindex(base["location"]).to_numpy()
    serial = np.arange(1, n + 1)
    prefix = np.where(serial < 100_000, 9_900_000 + serial, 9_000_000 + serial)
    out["vat_number"] = vat_numbers(prefix * 1000 + province)
    out["reference_year"] = REFERENCE_YEAR
    out["shift_pattern"] = sectors["shift_pattern"].to_numpy()
    width = max(4, len(str(n)))
    out["file_name"] = [f"q_{i:0{width}d}_{slug}.xlsx" for i, slug in zip(serial, base["slug"].tolist())]
    return out.drop(columns="slug")


def _sites(companies: pd.DataFrame, rng, region: str) -> pd.DataFrame:
    """One or two sites per company, inside its zone (Livorno) or industrial area (Italy)."""
    repeat = companies["n_sites"].to_numpy()
    idx = np.repeat(np.arange(len(companies)), repeat)
    number = np.concatenate([np.arange(1, k + 1) for k in repeat]) if len(repeat) else np.array([], int)
    rows = companies.iloc[idx].reset_index(drop=True)
    n = len(rows)
    if region == "livorno":
        zones = livorno_zones().set_index("zone").loc[rows["location"]].reset_index()
    else:
        zones = italia_areas().set_index("area").loc[rows["location"]].reset_index()
    jitter = zones["jitter_deg"].to_numpy()
    lat = zones["lat"].to_numpy() + rng.uniform(-1, 1, n) * jitter
    lon = zones["lon"].to_numpy() + rng.uniform(-1, 1, n) * jitter
    civic = rng.integers(1, 120, size=n)
    if region == "livorno":
        box = LIVORNO_BOX
        lat = lat.clip(box["lat_min"] + 0.002, box["lat_max"] - 0.002)
        lon = np.maximum(lon, coast_longitude(lat) + COAST_MARGIN_DEG + 0.002)
        lon = lon.clip(box["lon_min"], box["lon_max"] - 0.002)
        street = _pick(zones["streets"], rng)
        address = [f"{s} {c}, {p} {t} (LI)" for s, c, p, t in
                   zip(street, civic, zones["postcode"].tolist(), zones["town"].tolist())]
        cabina = zones["cabina_primaria"].to_numpy()
    else:
        slug_of = {a: slugify(a, 12).upper().replace("_", "-") for a in set(zones["area"])}
        area_slug = [slug_of[a] for a in zones["area"].tolist()]
        half = np.where(lat >= zones["lat"].to_numpy(), "N", "S")
        address = [f"Via dell'Industria Immaginaria {c}, {a}" for c, a in zip(civic, zones["area"].tolist())]
        cabina = np.array([f"CP-{a}-{h}" for a, h in zip(area_slug, half)])
    sectors = sector_table().set_index("sector").loc[rows["sector"]]
    roof = rows["employees"].to_numpy() * sectors["roof_m2_per_employee"].to_numpy() \
        * np.exp(rng.normal(0, 0.3, n)) * np.where(number == 1, 1.0, 0.3)
    return pd.DataFrame({
        "company_key": rows["key"].to_numpy(),
        "site_code": [f"S{k}" for k in number],
        "name": [SITE_NAMES[min(k, len(SITE_NAMES)) - 1] for k in number],
        "address": address,
        "lat": np.round(lat, 5), "lon": np.round(lon, 5),
        "cabina_primaria": cabina,
        "roof_area_m2": round_significant(np.maximum(roof, 20), 2),
        "pod_count": np.where(number == 1, 1 + rows["employees"].to_numpy() // 200, 1),
    })


def _equivalent_hours() -> pd.Series:
    """Hours at peak load that give a year's consumption, by shift pattern
    (``lib/energy/shift_patterns.csv``: working hours at full load, base load outside). [h]"""
    from .energy.profiles import shift_patterns

    table = shift_patterns().set_index("shift_pattern")
    days = table["working_days"].astype(str).str.count(r"\|") + 1
    working = (table["end_hour"].astype(float) - table["start_hour"].astype(float)) * days * 52
    return working + table["base_load_share"].astype(float) * (8760 - working)


def _site_energy(companies: pd.DataFrame, sites: pd.DataFrame, inputs: pd.DataFrame,
                 outputs: pd.DataFrame, rng, region: str) -> pd.DataFrame:
    """The sites with the energy attributes of the questionnaire (template 1.1).

    Drawn after everything else so that the earlier draws (and the demo figures) do not
    move. ``contracted_power_kw`` follows the electricity a site declares (peak load of
    its shift pattern, with a margin); existing PV goes to the sites of companies that
    declare PV fed into the grid and to about :data:`EXISTING_PV_SHARE` of the larger
    roofs; Scambio sul Posto only to small-company sites with PV.
    """
    out = sites.copy()
    n = len(out)
    company = companies.set_index("key")
    shift = company.loc[out["company_key"], "shift_pattern"].to_numpy(dtype=object)
    klass = company.loc[out["company_key"], "size_class"].to_numpy(dtype=object)
    out["shift_pattern"] = shift
    # POD codes: invented, unique in the cluster
    pods = out["pod_count"].to_numpy(dtype=int)
    digits = 10_000_000 + rng.choice(90_000_000, size=int(pods.sum()), replace=False)
    ends = np.cumsum(pods)
    out["pod_codes"] = ["|".join(f"{POD_PREFIX}{d}" for d in digits[e - k:e]) for k, e in zip(pods, ends)]
    # contracted power from the declared electricity (MWh) and the shift pattern
    electricity = inputs[inputs["template_id"].astype(str).str.endswith(".in.elettricita")
                         & inputs["quantity_std"].notna()]
    mwh = electricity.groupby(["company_key", "site_code"])["quantity_std"].sum()
    site_mwh = pd.Series(list(zip(out["company_key"], out["site_code"]))).map(mwh).to_numpy(dtype=float)
    hours = pd.Series(shift).map(_equivalent_hours()).to_numpy(dtype=float)
    peak_kw = site_mwh * 1000 / hours * CONTRACTED_POWER_MARGIN * np.exp(rng.normal(0, 0.1, n))
    undeclared_kw = np.where(out["site_code"].to_numpy() == "S1",
                             company.loc[out["company_key"], "employees"].to_numpy(dtype=float)
                             * POWER_PER_EMPLOYEE_KW,
                             rng.uniform(*SECONDARY_SITE_POWER_RANGE_KW, n))
    power = np.where(np.isnan(peak_kw), undeclared_kw, peak_kw)
    out["contracted_power_kw"] = round_significant(np.maximum(power, MIN_CONTRACTED_POWER_KW), 2)
    # roof orientation
    pitched = rng.random(n) < PITCHED_ROOF_SHARE
    out["roof_tilt_deg"] = np.where(pitched, rng.integers(PITCHED_TILT_RANGE_DEG[0],
                                                          PITCHED_TILT_RANGE_DEG[1] + 1, n), 0)
    steps = AZIMUTH_SPREAD_DEG // 5
    out["roof_azimuth_deg"] = 180 + 5 * rng.integers(-steps, steps + 1, n)
    # existing PV
    roof = out["roof_area_m2"].to_numpy(dtype=float)
    exporters = set(outputs.loc[outputs["template_id"].astype(str).str.endswith(".out.fv"), "company_key"])
    has_pv = ((rng.random(n) < EXISTING_PV_SHARE) & (roof >= EXISTING_PV_MIN_ROOF_M2)) \
        | (out["company_key"].isin(exporters).to_numpy() & (out["site_code"] == "S1").to_numpy())
    kw = np.minimum(rng.uniform(*EXISTING_PV_RANGE_KW, n), roof / EXISTING_PV_M2_PER_KWP)
    out["existing_pv_kw"] = np.where(has_pv, np.maximum(5.0, 5 * np.round(kw / 5)), 0.0)
    # Scambio sul Posto: small companies' sites with PV
    candidates = np.flatnonzero(has_pv & np.isin(klass, ("micro", "piccola")))
    if region == "livorno":
        chosen = candidates[:NET_METERING_SITES_LIVORNO]
    else:
        chosen = candidates[rng.random(len(candidates)) < NET_METERING_SHARE]
    net_metering = np.zeros(n, dtype=bool)
    net_metering[chosen] = True
    out["net_metering"] = net_metering
    if region == "livorno":
        comune = livorno_zones().set_index("zone")["comune"]
        out["comune"] = company.loc[out["company_key"], "location"].map(comune).to_numpy(dtype=object)
    else:
        out["comune"] = None
    return out


_FLOW_FIELDS = ("site_code", "matrix", "description", "eer_code", "quantity", "unit", "year",
                "state", "temperature_c", "water_quality", "unit_cost_eur", "current_fate",
                "counterpart")
_STANDARD_UNITS = {"t": 1.0, "m3": 1.0, "MWh": 1.0, "kg": 1e-3, "q": 0.1, "kWh": 1e-3}


def _flows(companies: pd.DataFrame, rng) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every company declares its sector's templates (each with probability ``p``)."""
    templates = flow_templates()
    t = {c: templates[c].to_numpy(dtype=object if templates[c].dtype == object
                                  or str(templates[c].dtype) in ("str", "string") else None)
         for c in templates.columns if c != "variants"}
    # (company, template) pairs, sector by sector, then in company and template order
    by_sector = templates.groupby("sector", sort=False).indices
    company_sector = companies["sector"].to_numpy(dtype=object)
    pairs_c, pairs_t = [], []
    for sector, tpl in by_sector.items():
        members = np.flatnonzero(company_sector == sector)
        pairs_c.append(np.repeat(members, len(tpl)))
        pairs_t.append(np.tile(tpl, len(members)))
    ci, ti = np.concatenate(pairs_c), np.concatenate(pairs_t)
    order = np.lexsort((ti, ci))
    ci, ti = ci[order], ti[order]
    keep = rng.random(len(ti)) < t["p"][ti].astype(float)
    ci, ti = ci[keep], ti[keep]
    n = len(ti)
    employees = companies["employees"].to_numpy(dtype=float)[ci]
    quantity = t["per_employee"][ti].astype(float) * employees * np.exp(rng.normal(0, 0.3, n))
    cost = t["unit_cost_eur"][ti].astype(float) * np.exp(rng.normal(0, 0.1, n))
    description = _choose_variant(templates["variants"].tolist(), ti, rng)
    # Small companies often declare in kWh, quintals or kg.
    small = np.isin(companies["size_class"].to_numpy(dtype=object)[ci], ("micro", "piccola"))
    use_alt = (t["alt_unit"][ti] != "") & small & (rng.random(n) < 0.6)
    factor = np.where(use_alt, t["alt_factor"][ti].astype(float), 1.0)
    unit = np.where(use_alt, t["alt_unit"][ti], t["unit"][ti])
    quantity = round_significant(quantity * factor, 3)
    cost = np.where(np.isnan(cost), np.nan, round_significant(np.nan_to_num(cost, nan=1.0) / factor, 3))
    # Monthly profiles for most flows with a seasonal shape.
    profile_name = t["profile"][ti]
    with_profile = (profile_name != "") & (rng.random(n) < 0.75)
    profiles = np.full(n, None, dtype=object)
    if with_profile.any():
        shapes = np.array([PROFILE_SHAPES[p] for p in profile_name[with_profile]])
        shares = monthly_shares(shapes * np.exp(rng.normal(0, 0.05, shapes.shape)))
        for i, row in zip(np.flatnonzero(with_profile), shares.tolist()):
            profiles[i] = row
    two_sites = companies["n_sites"].to_numpy()[ci] == 2
    site = np.where(two_sites & (rng.random(n) < 0.35), "S2", "S1").astype(object)
    # EER codes as companies write them: ``10 01 05`` or ``100105``, asterisk when hazardous
    eer = np.where(rng.random(n) < 0.7, t["eer_spaced"][ti], t["eer_compact"][ti])
    std_factor = pd.Series(unit).map(_STANDARD_UNITS).to_numpy(dtype=float)
    flows = pd.DataFrame({
        "company_key": companies["key"].to_numpy(dtype=object)[ci],
        "template_id": t["template_id"][ti], "direction": t["direction"][ti], "site_code": site,
        "matrix": t["matrix"][ti], "description": description,
        "eer_code": eer, "quantity": quantity, "unit": unit, "year": None,
        "state": _blank_none(t["state"][ti]),
        "temperature_c": t["temperature_c"][ti].astype(float),
        "water_quality": _blank_none(t["water_quality"][ti]),
        "unit_cost_eur": cost, "current_fate": _blank_none(t["current_fate"][ti]),
        "counterpart": _blank_none(t["counterpart"][ti]),
        "monthly_profile": profiles, "quantity_std": quantity * std_factor, "defect": None,
    })
    inputs = flows[flows["direction"] == "in"].drop(columns="direction").reset_index(drop=True)
    outputs = flows[flows["direction"] == "out"].drop(columns="direction").reset_index(drop=True)
    return _numbered(inputs), _numbered(outputs)


def _blank_none(values: np.ndarray) -> np.ndarray:
    array = np.asarray(values, dtype=object)
    return np.where(array == "", None, array)


def _numbered(flows: pd.DataFrame) -> pd.DataFrame:
    """Excel row of each flow in its sheet (header in row 1)."""
    flows = flows.copy()
    flows.insert(2, "row", flows.groupby("company_key", sort=False).cumcount().to_numpy() + 2)
    return flows


#: Deliberately bad rows of the Livorno demo: (company key, sheet, row values, defect).
#: Each company keeps its good rows; only these are quarantined by the ingest.
DEFECTS: tuple[tuple[str, str, dict, str], ...] = (
    ("carpenteria", "site", {"site_code": "S2", "name": "Deposito esterno", "lat": 42.8, "lon": 6.2,
                             "address": "Banchina provvisoria (coordinate da verificare)"},
     "coordinate in mare, fuori dall'Italia"),
    ("carpenteria", "out", {"site_code": "S2", "matrix": "materia",
                            "description": "Sfridi di lamiera del deposito esterno",
                            "eer_code": "12 01 01", "quantity": 12.0, "unit": "t", "state": "solido",
                            "current_fate": "R4", "counterpart": "commerciante rottami"},
     "flusso di un sito scartato"),
    ("carpenteria", "in", {"site_code": "S1", "matrix": "energia",
                           "description": "Gas naturale riscaldamento uffici",
                           "quantity": 4200.0, "unit": "Sm3", "state": "gassoso", "unit_cost_eur": 0.62,
                           "monthly_profile": [0.2, 0.18, 0.14, 0.08, 0.03, 0.0, 0.0, 0.0, 0.03,
                                               0.09, 0.15, 0.2]},
     "profilo mensile che somma a 1,1"),
    ("caseificio", "out", {"site_code": "S1", "matrix": "materia",
                           "description": "Scarti di siero e ricotta", "eer_code": "02 05 03",
                           "quantity": 35.0, "unit": "t", "state": "liquido", "unit_cost_eur": 40.0,
                           "current_fate": "R3", "counterpart": "impianto biogas"},
     "codice EER inesistente"),
    ("magazzini", "in", {"site_code": "S1", "matrix": "energia",
                         "description": "Energia elettrica celle frigo", "quantity": 350.0,
                         "unit": "kW", "unit_cost_eur": 0.17},
     "unità di potenza (kW) invece che di energia"),
    ("magazzini", "out", {"site_code": "S1", "matrix": "materia",
                          "description": "Imballaggi in legno da magazzino", "eer_code": "15 01 03",
                          "quantity": "circa 40", "unit": "t", "state": "solido",
                          "current_fate": "R3", "counterpart": "piattaforma legno"},
     "quantità scritta come testo"),
)


def _inject_defects(cluster: Cluster) -> None:
    """Add the :data:`DEFECTS` rows to the companies of the cluster that have them."""
    keys = set(cluster.companies["key"])
    frames = {"in": [cluster.inputs], "out": [cluster.outputs]}
    for key, sheet, values, defect in DEFECTS:
        if key not in keys:
            continue
        if sheet == "site":
            sites = cluster.sites
            mask = (sites["company_key"] == key) & (sites["site_code"] == values["site_code"])
            for column, value in values.items():
                sites.loc[mask, column] = value
            # keep the company's good flows on its good site
            for flows in (cluster.inputs, cluster.outputs):
                flows.loc[(flows["company_key"] == key) & (flows["site_code"] == values["site_code"]),
                          "site_code"] = "S1"
            continue
        frames[sheet].append(pd.DataFrame([{**values, "company_key": key,
                                            "template_id": f"difetto.{sheet}", "defect": defect}]))
    for sheet in ("in", "out"):
        flows = pd.concat(frames[sheet], ignore_index=True)
        flows["_company_order"] = flows["company_key"].map(
            {k: i for i, k in enumerate(cluster.companies["key"])})
        flows = flows.sort_values("_company_order", kind="stable").drop(columns=["_company_order", "row"])
        flows = _numbered(flows.reset_index(drop=True))
        if sheet == "in":
            cluster.inputs = flows
        else:
            cluster.outputs = flows


# --------------------------------------------------------------------------- writing
def _records(frame: pd.DataFrame, names) -> dict[str, list[dict]]:
    """company_key → list of row dicts with the given columns; NaN → None."""
    columns = [c for c in names if c in frame.columns]
    values = frame[columns].astype(object)
    values = values.where(frame[columns].notna(), None)
    if "monthly_profile" in columns:
        values["monthly_profile"] = [p if isinstance(p, list) else None
                                     for p in frame["monthly_profile"].tolist()]
    out: dict[str, list[dict]] = {}
    for key, record in zip(frame["company_key"], values.to_dict("records")):
        out.setdefault(key, []).append(record)
    return out


def questionnaire_payloads(cluster: Cluster) -> list[tuple[str, dict, list, list, list]]:
    """(file name, company, sites, inputs, outputs) for every company, in file order.

    Rows carry every canonical field of the format; extra generator columns whose names
    are fields of the format (now or when it grows) are passed too.
    """
    from .ingest import spec

    company_names = [f.name for f in spec.COMPANY_FIELDS]
    site_names = [f.name for f in spec.SITE_FIELDS]
    flow_names = sorted({f.name for f in spec.INPUT_FIELDS + spec.OUTPUT_FIELDS}) + ["monthly_profile"]
    yes_no = [f.name for f in spec.SITE_FIELDS + spec.COMPANY_FIELDS if f.kind == "bool"]
    sites = _records(cluster.sites, site_names)
    for rows in sites.values():
        for row in rows:  # as picked from the drop-down
            row.update({k: _yes_no(row[k]) for k in yes_no if k in row})
    inputs = _records(cluster.inputs, flow_names)
    outputs = _records(cluster.outputs, flow_names)
    companies = cluster.companies
    values = companies[company_names].astype(object).where(companies[company_names].notna(), None)
    payloads = []
    for key, file_name, company in zip(companies["key"], companies["file_name"],
                                       values.to_dict("records")):
        company["employees"] = int(company["employees"])
        company.update({k: _yes_no(company[k]) for k in yes_no if k in company})
        payloads.append((file_name, company, sites.get(key, []), inputs.get(key, []),
                         outputs.get(key, [])))
    return payloads


def _yes_no(value):
    """``sì``/``no`` for a boolean, None for a missing one."""
    return None if value is None else ("sì" if value else "no")


def reproducible_xlsx(data: bytes) -> bytes:
    """The same workbook with fixed zip timestamps and document dates (byte-stable output)."""
    stamp = "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z".format(*FILE_TIMESTAMP).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            content = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                                 rb"\g<1>" + stamp + rb"\g<3>", content)
            fixed = zipfile.ZipInfo(info.filename, date_time=FILE_TIMESTAMP)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            zout.writestr(fixed, content)
    return out.getvalue()


def write_reproducible(path: Path, write) -> Path:
    """Call ``write(tmp_path)`` and store its output at ``path`` with fixed timestamps.

    An existing identical file is left untouched (same bytes, same mtime).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".xlsx", dir=path.parent, prefix=".tmp_")
    os.close(fd)
    try:
        write(Path(tmp))
        data = reproducible_xlsx(Path(tmp).read_bytes())
    finally:
        Path(tmp).unlink(missing_ok=True)
    if path.exists() and path.read_bytes() == data:
        return path
    part = path.with_name(f".{path.name}.part")
    part.write_bytes(data)
    os.replace(part, path)
    return path


def _write_payload(folder: Path, payload) -> Path:
    from .ingest.spec import write_questionnaire

    file_name, company, sites, inputs, outputs = payload
    return write_reproducible(folder / file_name,
                              lambda tmp: write_questionnaire(tmp, company, sites, inputs, outputs))


def _write_chunk(folder: str, payloads) -> list[str]:
    return [str(_write_payload(Path(folder), p)) for p in payloads]


def write_questionnaires(cluster: Cluster, folder, *, progress: bool = False,
                         workers: int = 1) -> list[Path]:
    """Write one questionnaire per company: ``<folder>/q_0001_<slug>.xlsx`` ...

    Parameters
    ----------
    cluster : Cluster
    folder : path — created if missing. Other files in it are left alone.
    progress : bool — show a progress bar.
    workers : int — processes writing in parallel (``0``: one per CPU). The files are the
        same whatever the number of workers.

    Returns
    -------
    list of Path — the files, in company order.
    """
    from tqdm.auto import tqdm

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    payloads = questionnaire_payloads(cluster)
    workers = (os.cpu_count() or 1) if workers == 0 else max(1, workers)
    if workers == 1 or len(payloads) < 2 * workers:
        return [_write_payload(folder, p)
                for p in tqdm(payloads, desc="Scrittura questionari", unit="file", disable=not progress)]
    from concurrent.futures import ProcessPoolExecutor

    size = max(1, min(50, len(payloads) // (workers * 4)))
    chunks = [payloads[i:i + size] for i in range(0, len(payloads), size)]
    paths: list[Path] = []
    with ProcessPoolExecutor(max_workers=workers) as pool, \
            tqdm(total=len(payloads), desc="Scrittura questionari", unit="file", disable=not progress) as bar:
        for done in pool.map(_write_chunk, [str(folder)] * len(chunks), chunks):
            paths += [Path(p) for p in done]
            bar.update(len(done))
    return paths


# --------------------------------------------------------------------------- the demo register
@dataclass(frozen=True)
class DemoSynergy:
    """One synergy of the demo register (readable table below).

    ``share`` is the fraction of the smaller of supply and demand that is exchanged [-];
    ``benefit_per_unit`` [EUR per t, m3 or MWh] and ``co2e_per_unit`` [t CO2e per t, m3 or
    MWh] are invented estimates of the GSI.
    """

    synergy_id: str
    description: str
    matrix: str
    supplier: str
    source: str
    receiver: str | None
    target: str | None
    target_sector: str | None
    share: float
    regulatory_path: str
    r_code: str | None
    benefit_per_unit: float
    co2e_per_unit: float
    history: tuple[tuple[str, str, str | None], ...]


#: The demo register: three semesters (Oct 2025 – Mar 2027). Dates ISO; history entries
#: are (status, date, reason). Only companies with NDA appear.
DEMO_SYNERGIES: tuple[DemoSynergy, ...] = (
    DemoSynergy("SIN-01", "Riuso dell'effluente del depuratore per il reintegro delle torri di "
                "raffreddamento della raffineria", "acqua", "depuratore", "depuratore.out.effluente",
                "raffineria", "raffineria.in.falda", None, 0.5, "non_rifiuto", None, 0.04, 0.0,
                (("identificata", "2025-10-20", None), ("proposta", "2025-12-10", None),
                 ("in_valutazione", "2026-02-16", None), ("fattibile", "2026-06-30", None),
                 ("in_progettazione", "2026-10-15", None), ("finanziata", "2027-02-22", None))),
    DemoSynergy("SIN-02", "Gesso da desolforazione della centrale al posto del gesso naturale "
                "della cementeria", "materia", "centrale", "centrale.out.gesso", "cementeria",
                "cemento.in.gesso", None, 0.8, "sottoprodotto", None, 25.0, 0.012,
                (("identificata", "2025-10-10", None), ("proposta", "2025-11-20", None),
                 ("in_valutazione", "2026-01-15", None), ("fattibile", "2026-04-10", None),
                 ("realizzata", "2026-09-15", None), ("monitorata", "2027-03-10", None))),
    DemoSynergy("SIN-03", "Vapore BP eccedente della raffineria per la cottura alle conserve "
                "ittiche", "energia", "raffineria", "raffineria.out.vapore", "conserve",
                "conserve_ittiche.in.gas", None, 0.7, "non_rifiuto", None, 38.0, 0.2,
                (("identificata", "2025-11-05", None), ("proposta", "2026-01-20", None),
                 ("in_valutazione", "2026-04-15", None), ("fattibile", "2026-09-10", None),
                 ("in_progettazione", "2027-01-25", None))),
    DemoSynergy("SIN-04", "Calore a 35 °C del data centre, con pompa di calore, per le serre",
                "energia", "data_center", "data_center.out.calore", "serre", "serre.in.gas", None,
                0.6, "non_rifiuto", None, 12.0, 0.15,
                (("identificata", "2025-11-12", None), ("proposta", "2026-02-05", None),
                 ("in_valutazione", "2026-05-20", None),
                 ("abbandonata", "2026-11-30", "Distanza di circa 5 km e domanda PNRR respinta: "
                  "rete e pompa di calore non sostenibili"))),
    DemoSynergy("SIN-05", "Calore del cogeneratore a biogas per il riscaldamento dei vivai",
                "energia", "biogas", "biogas.out.calore", "vivai", "serre.in.gas", None, 0.8,
                "non_rifiuto", None, 30.0, 0.2,
                (("identificata", "2026-04-08", None), ("proposta", "2026-06-12", None),
                 ("in_valutazione", "2026-09-18", None), ("fattibile", "2027-01-28", None))),
    DemoSynergy("SIN-06", "Rottami ferrosi del cantiere navale alla fonderia", "materia",
                "cantiere_mediceo", "cantiere_navale.out.rottami", "fonderia_ghisa",
                "fonderia.in.rottame", None, 0.9, "recupero_rifiuto", "R4", 40.0, 0.05,
                (("identificata", "2025-10-06", None), ("proposta", "2025-10-30", None),
                 ("fattibile", "2025-12-15", None), ("realizzata", "2026-02-02", None),
                 ("monitorata", "2026-09-01", None))),
    DemoSynergy("SIN-07", "Scarti di lavorazione del pesce all'impianto di biogas", "materia",
                "conserve", "conserve_ittiche.out.scarti", "biogas", "biogas.in.agro", None, 0.9,
                "recupero_rifiuto", "R3", 70.0, 0.3,
                (("identificata", "2026-02-09", None), ("proposta", "2026-04-21", None),
                 ("in_valutazione", "2026-07-07", None), ("fattibile", "2026-10-19", None),
                 ("in_progettazione", "2027-01-18", None))),
    DemoSynergy("SIN-08", "Pallet danneggiati del terminal container alla riparazione pallet",
                "materia", "terminal_container", "terminal_container.out.legno", "pallet",
                "pallet.in.usati", None, 0.7, "recupero_rifiuto", "R3", 55.0, 0.4,
                (("identificata", "2025-11-18", None), ("proposta", "2026-01-22", None),
                 ("in_valutazione", "2026-04-09", None))),
    DemoSynergy("SIN-09", "Segatura di legno vergine per un produttore di pellet da attrarre",
                "materia", "pallet", "pallet.out.segatura", None, None,
                "produzione di pellet o pannelli truciolari", 1.0, "sottoprodotto", None, 15.0, 0.05,
                (("identificata", "2026-05-06", None), ("proposta", "2026-08-24", None))),
    DemoSynergy("SIN-10", "CO2 di fermentazione del birrificio per la concimazione carbonica "
                "delle serre", "materia", "birrificio", "birrificio.out.co2", "serre", "serre.in.co2",
                None, 0.8, "non_rifiuto", None, 120.0, 0.0,
                (("identificata", "2026-06-15", None), ("proposta", "2026-09-08", None),
                 ("abbandonata", "2027-01-20", "Produzione concentrata in estate e volumi troppo "
                  "piccoli: l'azienda agricola resta con la CO2 in bombole"))),
    DemoSynergy("SIN-11", "Scorie pesanti del termovalorizzatore come aggregati per "
                "calcestruzzo", "materia", "termovalorizzatore", "termovalorizzatore.out.scorie",
                "calcestruzzi", "calcestruzzo.in.aggregati", None, 0.6, "recupero_rifiuto", "R5",
                48.0, 0.01,
                (("identificata", "2025-12-03", None), ("proposta", "2026-02-11", None),
                 ("in_valutazione", "2026-05-06", None), ("fattibile", "2026-09-03", None),
                 ("in_progettazione", "2026-12-10", None), ("finanziata", "2027-03-05", None))),
    DemoSynergy("SIN-12", "Fanghi del depuratore alla digestione anaerobica", "materia",
                "depuratore", "depuratore.out.fanghi", "biogas", "biogas.in.fanghi", None, 0.5,
                "recupero_rifiuto", "R3", 30.0, 0.05,
                (("identificata", "2026-10-12", None), ("proposta", "2026-12-15", None))),
    DemoSynergy("SIN-13", "Imballaggi in cartone della logistica come macero per la cartiera",
                "materia", "logistica_interporto", "logistica.out.cartone", "cartiera",
                "cartiera.in.macero", None, 0.9, "recupero_rifiuto", "R3", 60.0, 0.02,
                (("identificata", "2026-03-09", None), ("proposta", "2026-04-14", None),
                 ("in_valutazione", "2026-06-10", None), ("fattibile", "2026-08-04", None),
                 ("realizzata", "2026-12-01", None))),
    DemoSynergy("SIN-14", "Film plastici della logistica al riciclatore di plastiche", "materia",
                "logistica_interporto", "logistica.out.plastica", "riciclo_plastica",
                "riciclo_plastica.in.imballaggi", None, 0.8, "recupero_rifiuto", "R3", 45.0, 0.6,
                (("identificata", "2026-11-23", None),)),
    DemoSynergy("SIN-15", "Trebbie del birrificio come materia prima per mangimi", "materia",
                "birrificio", "birrificio.out.trebbie", "mangimi", "mangimificio.in.sottoprodotti",
                None, 0.9, "sottoprodotto", None, 20.0, 0.1,
                (("identificata", "2026-01-26", None), ("proposta", "2026-03-18", None),
                 ("in_valutazione", "2026-06-22", None), ("fattibile", "2026-10-27", None))),
)

#: Investments: (id, synergy, amount [EUR], kind, date, note).
DEMO_INVESTMENTS = (
    ("INV-01", "SIN-06", 85_000.0, "privato", "2026-01-20", "Cassoni scarrabili e pesa a ponte"),
    ("INV-02", "SIN-02", 120_000.0, "privato", "2026-07-15", "Silo di stoccaggio del gesso"),
    ("INV-03", "SIN-06", 30_000.0, "privato", "2026-10-05", "Secondo cassone e benna"),
    ("INV-04", "SIN-13", 45_000.0, "privato", "2026-11-10", "Pressa imballatrice"),
    ("INV-05", "SIN-01", 350_000.0, "privato", "2027-03-10", "Progettazione esecutiva e affinamento"),
    ("INV-06", "SIN-01", 900_000.0, "pubblico", "2027-03-10", "Contributo PR FESR, prima quota"),
    ("INV-07", "SIN-11", 180_000.0, "privato", "2027-03-20", "Vagliatura e maturazione scorie"),
)
#: Funding applications: (id, programme, call, synergy, deadline, submitted, outcome,
#: requested [EUR], granted [EUR]). Call names are invented.
DEMO_CALLS = (
    ("BAN-01", "PNRR M2C2", "Avviso dimostrativo reti di calore efficienti (fittizio)", "SIN-04",
     "2026-06-30", "2026-06-25", "respinta", 2_500_000.0, 0.0),
    ("BAN-02", "LIFE", "LIFE Circular Economy - bando dimostrativo 2026 (fittizio)", "SIN-11",
     "2026-09-23", "2026-09-18", "vinta", 1_800_000.0, 1_080_000.0),
    ("BAN-03", "PR FESR Toscana 2021-2027", "Bando dimostrativo simbiosi industriale e riuso delle "
     "acque reflue (fittizio)", "SIN-01", "2026-11-30", "2026-11-20", "vinta", 1_200_000.0, 900_000.0),
    ("BAN-04", "PR FESR Toscana 2021-2027", "Bando dimostrativo economia circolare PMI 2027 "
     "(fittizio)", "SIN-07", "2027-04-30", "2027-03-15", "in_attesa", 350_000.0, None),
    ("BAN-05", "PNRR M2C2", "Avviso dimostrativo comunità energetiche industriali (fittizio)", None,
     "2027-03-31", "2027-03-25", "in_attesa", 600_000.0, None),
)
#: Contests: (id, name, submitted, won: True/False/None = pending).
DEMO_CONTESTS = (
    ("CON-01", "Premio dimostrativo economia circolare in Toscana 2026 (fittizio)", "2026-05-10", True),
    ("CON-02", "Concorso dimostrativo buone pratiche di simbiosi 2027 (fittizio)", "2027-02-01", None),
)
#: Research: (id, kind, title, started).
DEMO_RESEARCH = (
    ("RIC-01", "progetto", "Gesso FGD nei leganti idraulici: studio con un'università (dimostrativo)",
     "2026-03-01"),
    ("RIC-02", "brevetto", "Domanda di brevetto dimostrativa: inerte leggero da scorie e vetro di scarto",
     "2026-12-15"),
)
#: Jobs: (id, company key, synergy, FTE, date).
DEMO_JOBS = (
    ("OCC-01", "fonderia_ghisa", "SIN-06", 2.0, "2026-03-01"),
    ("OCC-02", "cementeria", "SIN-02", 1.5, "2026-10-01"),
    ("OCC-03", "cartiera", "SIN-13", 1.0, "2027-01-15"),
    ("OCC-04", "depuratore", "SIN-01", 0.5, "2027-03-01"),
)


def _standard_quantity(flow: pd.Series) -> float:
    """Annual quantity of a flow in t, m3 or MWh (natural gas: heat it would give). [unit/yr]"""
    if not np.isnan(flow["quantity_std"]):
        return float(flow["quantity_std"])
    if flow["unit"] == "Sm3":
        from .reference import fuels

        table = fuels()
        lhv = float(table[(table["fuel"] == "gas_naturale") & (table["unit"] == "Sm3")]
                    ["lhv_mwh_per_unit"].iloc[0])
        return float(flow["quantity"]) * lhv * BOILER_EFFICIENCY
    raise ValueError(f"no standard quantity for {flow['template_id']} in {flow['unit']}")


def demo_register_records(cluster: Cluster) -> dict[str, list[dict]]:
    """Records of the demo ``registro.xlsx`` for a Livorno cluster (see :data:`DEMO_SYNERGIES`).

    Synergies whose companies are not in the cluster (a truncated roster) are left out,
    with everything that refers to them. Companies without NDA never appear.
    """
    companies = cluster.companies.set_index("key")

    def usable(key):
        return key in companies.index and companies.loc[key, "nda_signed_on"] is not None

    records: dict[str, list[dict]] = {k: [] for k in
                                      ("synergies", "history", "investments", "funding_calls",
                                       "contests", "research", "jobs")}
    kept = set()
    for s in DEMO_SYNERGIES:
        parties = [s.supplier] + ([s.receiver] if s.receiver else [])
        if not all(usable(k) for k in parties):
            continue
        source = cluster.flow(s.supplier, s.source)
        supply = _standard_quantity(source)
        row = {"synergy_id": s.synergy_id, "description": s.description, "matrix": s.matrix,
               "supplier_vat": companies.loc[s.supplier, "vat_number"],
               "source_flow": source["description"], "target_sector": s.target_sector,
               "regulatory_path": s.regulatory_path, "r_code": s.r_code}
        amount = supply
        if s.receiver:
            target = cluster.flow(s.receiver, s.target)
            amount = min(supply, _standard_quantity(target))
            row.update(receiver_vat=companies.loc[s.receiver, "vat_number"],
                       target_flow=target["description"])
        quantity = float(round_significant(s.share * amount, 3))
        first = date.fromisoformat(s.history[0][1])
        for key in parties:
            if first < companies.loc[key, "nda_signed_on"]:
                raise AssertionError(f"{s.synergy_id} starts before the NDA of {key}")
        row.update(quantity_std=quantity,
                   net_benefit_eur=float(round_significant(quantity * s.benefit_per_unit, 2)),
                   co2e_avoided_t=float(round_significant(quantity * s.co2e_per_unit, 2))
                   if s.co2e_per_unit else 0.0)
        records["synergies"].append(row)
        records["history"] += [{"synergy_id": s.synergy_id, "status": status,
                                "changed_on": date.fromisoformat(on), "reason": reason,
                                "actor": "GSI (demo)"} for status, on, reason in s.history]
        kept.add(s.synergy_id)
    records["investments"] = [
        {"investment_id": i, "synergy_id": sid, "amount_eur": amount, "kind": kind,
         "invested_on": date.fromisoformat(on), "note": note}
        for i, sid, amount, kind, on, note in DEMO_INVESTMENTS if sid in kept]
    records["funding_calls"] = [
        {"call_id": i, "programme": prog, "call_name": name, "synergy_id": sid,
         "deadline": date.fromisoformat(deadline), "submitted_on": date.fromisoformat(sub),
         "outcome": outcome, "requested_eur": req, "granted_eur": granted}
        for i, prog, name, sid, deadline, sub, outcome, req, granted in DEMO_CALLS
        if sid is None or sid in kept]
    records["contests"] = [{"contest_id": i, "name": name, "submitted_on": date.fromisoformat(on),
                            "won": won} for i, name, on, won in DEMO_CONTESTS]
    records["research"] = [{"research_id": i, "kind": kind, "title": title,
                            "started_on": date.fromisoformat(on)} for i, kind, title, on in DEMO_RESEARCH]
    records["jobs"] = [
        {"job_id": i, "company_vat": companies.loc[key, "vat_number"], "synergy_id": sid,
         "fte": fte, "created_on": date.fromisoformat(on)}
        for i, key, sid, fte, on in DEMO_JOBS if usable(key) and sid in kept]
    return records


# --------------------------------------------------------------------------- build
@dataclass
class DemoBuild:
    """What :func:`build_demo` produced."""

    folder: Path
    questionnaires: list[Path]
    ingest: object
    register_path: Path
    register: object
    cluster: Cluster = field(repr=False)


def build_demo(settings: Settings, folder=None, progress: bool = True, *,
               n_companies: int = 50, seed: int = 2027) -> DemoBuild:
    """Generate the Livorno demo, write and ingest its questionnaires, load its register.

    Idempotent: the files are byte-identical on a rerun, so the ingest skips them as
    unchanged, and reloading the same register gives the same register tables.

    Parameters
    ----------
    settings : Settings — store, key and ``data_dir``.
    folder : path, optional — where the questionnaires go (default
        ``<data_dir>/questionari``).
    progress : bool — progress bars.
    n_companies : int — companies of the roster to use (default all 50).
    seed : int — generator seed.

    Returns
    -------
    DemoBuild — files written, the ingest result and the register load result.
    """
    from .ingest import ingest_folder
    from .register import load_register, write_register_workbook

    folder = Path(folder) if folder else Path(settings.data_dir) / "questionari"
    cluster = generate_cluster(n_companies, "livorno", seed)
    paths = write_questionnaires(cluster, folder, progress=progress)
    ingest = ingest_folder(settings, folder, progress=progress)
    register_path = Path(settings.data_dir) / "registro.xlsx"
    records = demo_register_records(cluster)
    write_reproducible(register_path, lambda tmp: write_register_workbook(tmp, records))
    register = load_register(settings, register_path)
    return DemoBuild(folder, paths, ingest, register_path, register, cluster)
