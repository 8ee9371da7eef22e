"""Hourly electricity consumption profiles of the sites.

Time axis
---------
Every hourly series of the energy section is indexed by the *physical* hours of one
year in local time, ``Europe/Rome``, from local midnight of 1 January to local midnight
of 1 January of the next year (:func:`hourly_index`): 8,760 hours (8,784 in a leap
year), with the last Sunday of March lasting 23 hours and the last Sunday of October 25
hours. Values are energies per hour [kWh] (= mean power [kW]). Series measured in a
different year are mapped onto the reference year by position (hours since local
1 January 00:00, 29 February dropped), so the physical sum of the year is kept.

Meter data
----------
:func:`read_meter_csv` reads a CSV with one reading per row (quarter-hour or hourly):

========================  =====================================================
column (alias)            meaning
========================  =====================================================
``pod`` (``POD``)          the point of delivery, e.g. ``IT001E12345678``
``timestamp`` (``data_ora``, ``inizio``)  start of the interval, ISO 8601; with a UTC
                           offset (``2025-10-26T02:15:00+01:00``, preferred) or
                           naive local time of Europe/Rome (the repeated autumn hour
                           is told apart by the order of the rows; times in the
                           spring gap are an error)
``energy_kwh`` (``energia_kwh``, ``kwh``)  active energy withdrawn in the interval [kWh]
========================  =====================================================

Separator ``,`` or ``;`` (with ``;`` the decimal mark may be ``,``).

Estimated profiles
------------------
When a site declared only annual (and possibly monthly) consumption, its hourly profile
is built from the monthly energy and a daily shape chosen by the shift pattern
(``lib/energy/shift_patterns.csv``: working hours, working days and base load outside
them; national holidays are non-working days). Such profiles are labelled
``'stimato'`` in every output; measured ones ``'misurato'``.
"""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from .params import lib_table

#: Time zone of every hourly series.
TIMEZONE = "Europe/Rome"
#: Default reference year of the hourly analysis (not a leap year).
REFERENCE_YEAR = 2025

PROFILE_MEASURED = "misurato"
PROFILE_ESTIMATED = "stimato"

METER_COLUMN_MAP = {
    "pod": "pod", "codice_pod": "pod",
    "timestamp": "timestamp", "data_ora": "timestamp", "inizio": "timestamp",
    "datetime": "timestamp",
    "energy_kwh": "energy_kwh", "energia_kwh": "energy_kwh", "kwh": "energy_kwh",
    "energia": "energy_kwh",
}


def hourly_index(year: int = REFERENCE_YEAR) -> pd.DatetimeIndex:
    """The hours of ``year`` in local time (Europe/Rome), DST included.

    Returns
    -------
    DatetimeIndex — tz-aware, hourly, from local 1 January 00:00 (inclusive) to local
    1 January 00:00 of the next year (exclusive): 8,760 or 8,784 entries.
    """
    start = pd.Timestamp(year=year, month=1, day=1, tz=TIMEZONE)
    end = pd.Timestamp(year=year + 1, month=1, day=1, tz=TIMEZONE)
    return pd.date_range(start, end, freq="h", inclusive="left", name="timestamp")


def hours_per_day(index: pd.DatetimeIndex) -> pd.Series:
    """Number of hours of each local calendar day of an hourly index (23, 24 or 25)."""
    days = pd.Index(index.tz_convert(TIMEZONE).date, name="day")
    return pd.Series(1, index=days).groupby(level=0).sum()


# ------------------------------------------------------------------ meter data
def parse_meter_data(df: pd.DataFrame, source: str = "dati del contatore",
                     column_map: dict | None = None) -> pd.DataFrame:
    """Canonical meter readings from a table with the documented columns.

    Parameters
    ----------
    df : DataFrame — raw readings (see the module docstring for the columns).
    source : str — name of the file, for error messages.
    column_map : dict, optional — extra ``{source label: canonical name}``.

    Returns
    -------
    DataFrame — ``pod``, ``timestamp`` (tz-aware, Europe/Rome, interval start),
    ``energy_kwh`` [kWh], sorted by POD and time.

    Raises
    ------
    ValueError — missing column, unreadable time or energy, negative energy, or a
    local time in the spring DST gap; the message names the file and the row.
    """
    mapping = {**METER_COLUMN_MAP, **(column_map or {})}
    renamed = {c: mapping[str(c).strip().lower()] for c in df.columns
               if str(c).strip().lower() in mapping}
    data = df.rename(columns=renamed)
    for col in ("pod", "timestamp", "energy_kwh"):
        if col not in data.columns:
            raise ValueError(f'{source}: colonna "{col}" mancante (colonne: {", ".join(map(str, df.columns))})')
    data = data[["pod", "timestamp", "energy_kwh"]].copy()
    data["pod"] = data["pod"].astype(str).str.strip().str.upper()
    energy = pd.to_numeric(data["energy_kwh"].astype(str).str.replace(",", ".", regex=False),
                           errors="coerce")
    bad = energy.isna() | (energy < 0)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise ValueError(f'{source}, riga {row + 2}, colonna "energy_kwh": valore non valido '
                         f'{df.iloc[row][[c for c, v in renamed.items() if v == "energy_kwh"][0]]!r}')
    data["energy_kwh"] = energy.astype(float)
    text = data["timestamp"].astype(str).str.strip()
    has_offset = text.str.contains(r"(?:[+-]\d{2}:?\d{2}|Z)$", regex=True)
    parts = []
    if has_offset.any():
        parsed = pd.to_datetime(text[has_offset], utc=True, errors="coerce", format="ISO8601")
        _check_times(parsed, text[has_offset], source)
        parts.append(parsed.dt.tz_convert(TIMEZONE))
    if (~has_offset).any():
        naive = pd.to_datetime(text[~has_offset], errors="coerce", format="ISO8601")
        _check_times(naive, text[~has_offset], source)
        local = []
        for pod, group in naive.groupby(data.loc[~has_offset, "pod"], sort=False):
            try:
                local.append(pd.Series(
                    pd.DatetimeIndex(group.to_numpy()).tz_localize(
                        TIMEZONE, ambiguous="infer", nonexistent="raise"),
                    index=group.index))
            except Exception as exc:  # pytz/zoneinfo errors carry the offending time
                raise ValueError(f"{source}, POD {pod}: ora locale non valida o ambigua "
                                 f"({exc}); usare timestamp con offset UTC") from None
        parts.append(pd.concat(local))
    data["timestamp"] = pd.concat(parts).sort_index()
    return data.sort_values(["pod", "timestamp"], kind="stable").reset_index(drop=True)


def _check_times(parsed: pd.Series, text: pd.Series, source: str) -> None:
    if parsed.isna().any():
        pos = int(np.flatnonzero(parsed.isna().to_numpy())[0])
        row = text.index[pos]
        raise ValueError(f'{source}, riga {row + 2}, colonna "timestamp": data/ora non leggibile '
                         f"{text.iloc[pos]!r}")


def read_meter_csv(path: str | Path, column_map: dict | None = None) -> pd.DataFrame:
    """Read a meter CSV (quarter-hour or hourly readings); see :func:`parse_meter_data`."""
    path = Path(path)
    with open(path, encoding="utf-8-sig") as fh:
        head = fh.readline()
    sep = ";" if head.count(";") > head.count(",") else ","
    raw = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return parse_meter_data(raw, source=path.name, column_map=column_map)


def meter_to_hourly(readings: pd.DataFrame) -> pd.DataFrame:
    """Aggregate meter readings to hours.

    Quarter-hours are summed into the hour that contains them. Hours are taken in UTC
    and shown in local time, so the repeated autumn hour stays two distinct hours and
    the spring gap has none.

    Parameters
    ----------
    readings : DataFrame — from :func:`parse_meter_data`.

    Returns
    -------
    DataFrame — ``pod``, ``timestamp`` (hour start, Europe/Rome), ``energy_kwh`` [kWh],
    ``n_readings``, ``interval_min`` (reading interval of the POD [min]) and
    ``complete`` (all readings of the hour present).
    """
    df = readings.copy()
    utc = df["timestamp"].dt.tz_convert("UTC")
    df["hour"] = utc.dt.floor("h")
    step = (utc.groupby(df["pod"]).diff().dt.total_seconds() / 60.0)
    interval = step.groupby(df["pod"]).transform(
        lambda s: s[s > 0].median() if (s > 0).any() else 60.0).fillna(60.0)
    df["interval_min"] = interval
    out = (df.groupby(["pod", "hour"], sort=True)
             .agg(energy_kwh=("energy_kwh", "sum"), n_readings=("energy_kwh", "size"),
                  interval_min=("interval_min", "first"))
             .reset_index())
    out["complete"] = out["n_readings"] >= np.round(60.0 / out["interval_min"]).clip(lower=1)
    out["timestamp"] = out.pop("hour").dt.tz_convert(TIMEZONE)
    return out[["pod", "timestamp", "energy_kwh", "n_readings", "interval_min", "complete"]]


def to_reference_year(series: pd.Series, year: int = REFERENCE_YEAR) -> pd.Series:
    """Map an hourly series of any year onto :func:`hourly_index` of ``year``.

    Hours are matched by position since local 1 January 00:00 (29 February dropped);
    missing hours are filled with the mean of the same weekday and local hour of the
    same month (and, failing that, of the whole series).

    Returns
    -------
    Series — on ``hourly_index(year)``, named as the input, with ``attrs['filled']``
    the number of filled hours.
    """
    s = series.copy()
    if s.index.tz is None:
        raise ValueError("to_reference_year needs a tz-aware index")
    s.index = s.index.tz_convert(TIMEZONE)
    s = s[~((s.index.month == 2) & (s.index.day == 29))]
    source_year = int(pd.Series(s.index.year).mode().iloc[0])
    src_index = hourly_index(source_year)
    src_index = src_index[~((src_index.month == 2) & (src_index.day == 29))]
    s = s.groupby(level=0).sum().reindex(src_index)
    target = hourly_index(year)
    target = target[~((target.month == 2) & (target.day == 29))] if len(target) > 8760 else target
    n = min(len(s), len(target))
    values = pd.Series(s.to_numpy()[:n], index=target[:n], name=series.name)
    values = values.reindex(hourly_index(year))
    filled = int(values.isna().sum())
    if filled:
        idx = values.index
        key = [idx.month, idx.day_of_week, idx.hour]
        values = values.fillna(values.groupby(key).transform("mean"))
        values = values.fillna(values.mean()).fillna(0.0)
    values.attrs["filled"] = filled
    return values


def profile_from_meter(hourly: pd.DataFrame, pods, year: int = REFERENCE_YEAR) -> pd.Series:
    """Hourly consumption of a site: the sum of its PODs, on the reference year [kWh]."""
    pods = [str(p).strip().upper() for p in ([pods] if isinstance(pods, str) else pods)]
    sel = hourly[hourly["pod"].isin(pods)]
    if sel.empty:
        raise ValueError(f"nessuna lettura per i POD {', '.join(pods)}")
    series = sel.groupby("timestamp")["energy_kwh"].sum()
    return to_reference_year(series, year)


# --------------------------------------------------------------- estimated profiles
def _easter(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month = (h + el - 7 * m + 114) // 31
    day = ((h + el - 7 * m + 114) % 31) + 1
    return date(year, month, day)


def italian_holidays(year: int) -> set[date]:
    """National public holidays of Italy (L. 260/1949 and amendments): 1/1, 6/1, Easter
    Monday, 25/4, 1/5, 2/6, 15/8, 1/11, 8/12, 25/12, 26/12. Local patron days excluded."""
    fixed = [(1, 1), (1, 6), (4, 25), (5, 1), (6, 2), (8, 15), (11, 1), (12, 8), (12, 25), (12, 26)]
    days = {date(year, m, d) for m, d in fixed}
    days.add(_easter(year) + timedelta(days=1))
    return days


def shift_patterns() -> pd.DataFrame:
    """The shift patterns with their working hours and base load (``lib/energy``)."""
    return lib_table("shift_patterns")


def daily_shape(shift_pattern: str, index: pd.DatetimeIndex) -> np.ndarray:
    """Relative load of each hour of ``index`` for a shift pattern (1 in working hours,
    the pattern's base-load share outside them and on non-working days) [-]."""
    table = shift_patterns().set_index("shift_pattern")
    key = str(shift_pattern).strip().lower().replace(" ", "")
    if key not in table.index:
        raise ValueError(f'turno non valido "{shift_pattern}": uno di {", ".join(table.index)}')
    row = table.loc[key]
    local = index.tz_convert(TIMEZONE)
    working_days = {int(d) for d in str(row["working_days"]).split("|")}
    holidays = set()
    for y in set(local.year):
        holidays |= italian_holidays(int(y))
    is_workday = np.isin(local.day_of_week, list(working_days)) & ~pd.Index(local.date).isin(holidays)
    in_hours = (local.hour >= int(row["start_hour"])) & (local.hour < int(row["end_hour"]))
    return np.where(is_workday & in_hours, 1.0, float(row["base_load_share"]))


def estimated_profile(annual_mwh: float, shift_pattern: str, monthly_profile=None,
                      year: int = REFERENCE_YEAR) -> pd.Series:
    """Hourly consumption built from declared annual/monthly figures and a shift pattern.

    Parameters
    ----------
    annual_mwh : float — declared annual electricity consumption. [MWh/yr]
    shift_pattern : str — ``'1x5'``, ``'2x5'``, ``'3x5'``, ``'1x6'``, ``'2x6'``,
        ``'3x6'`` or ``'3x7'`` (shifts × working days per week).
    monthly_profile : sequence of 12 floats, optional — monthly shares (normalised here);
        default: proportional to the hours of each month.
    year : int — reference year.

    Returns
    -------
    Series — on :func:`hourly_index` [kWh]; sums to ``annual_mwh × 1000`` and to the
    declared monthly shares; ``attrs['profile'] == 'stimato'``.
    """
    index = hourly_index(year)
    shape = daily_shape(shift_pattern, index)
    months = index.month.to_numpy()
    if monthly_profile is None or _is_missing(monthly_profile):
        shares = np.bincount(months, minlength=13)[1:].astype(float)
    else:
        shares = np.asarray(monthly_profile, dtype=float)
        if shares.shape != (12,) or np.any(shares < 0) or shares.sum() <= 0:
            raise ValueError(f"profilo mensile non valido: servono 12 quote ≥ 0, ricevuto {monthly_profile!r}")
    shares = shares / shares.sum()
    month_weight = np.bincount(months, weights=shape, minlength=13)[1:]
    energy_kwh = float(annual_mwh) * 1000.0
    values = energy_kwh * shares[months - 1] * shape / month_weight[months - 1]
    out = pd.Series(values, index=index, name="consumption_kwh")
    out.attrs["profile"] = PROFILE_ESTIMATED
    return out


def _is_missing(value) -> bool:
    if value is None:
        return True
    if np.ndim(value) == 0:
        try:
            return bool(pd.isna(value))
        except (TypeError, ValueError):
            return False
    try:
        return len(value) == 0
    except TypeError:
        return False


def as_monthly_profile(value) -> np.ndarray | None:
    """Twelve monthly shares normalised to 1, or None when ``value`` is missing or
    not 12 non-negative numbers with a positive sum."""
    if _is_missing(value):
        return None
    try:
        arr = np.asarray(list(value), dtype=float)
    except (TypeError, ValueError):
        return None
    if arr.shape != (12,) or np.any(~np.isfinite(arr)) or np.any(arr < 0) or arr.sum() <= 0:
        return None
    return arr / arr.sum()


def site_profiles(site_energy: pd.DataFrame, meter_hourly: pd.DataFrame | None = None,
                  year: int = REFERENCE_YEAR) -> tuple[pd.DataFrame, pd.Series]:
    """Hourly consumption of every site: measured where meter data cover its PODs,
    estimated otherwise.

    Parameters
    ----------
    site_energy : DataFrame — see :mod:`workbench.energy.section` (``site_id``,
        ``annual_electricity_mwh``, ``shift_pattern``, ``monthly_profile``, optional
        ``pod_codes`` as a ``|``-separated string or list).
    meter_hourly : DataFrame, optional — from :func:`meter_to_hourly`.
    year : int — reference year.

    Returns
    -------
    profiles : DataFrame — index :func:`hourly_index`, one column per ``site_id`` [kWh].
    source : Series — by ``site_id``: ``'misurato'`` or ``'stimato'``.
    """
    columns, sources = {}, {}
    for row in site_energy.itertuples(index=False):
        site = row.site_id
        pods = getattr(row, "pod_codes", None)
        pods = [] if _is_missing(pods) else (str(pods).split("|") if isinstance(pods, str) else list(pods))
        if meter_hourly is not None and pods and meter_hourly["pod"].isin(
                [p.strip().upper() for p in pods]).any():
            columns[site] = profile_from_meter(meter_hourly, pods, year).to_numpy()
            sources[site] = PROFILE_MEASURED
            continue
        annual = getattr(row, "annual_electricity_mwh", np.nan)
        if annual is None or not np.isfinite(float(annual)):
            raise ValueError(f'sito "{site}": né letture del contatore né consumo annuo dichiarato')
        shift = getattr(row, "shift_pattern", None)
        shift = "1x5" if _is_missing(shift) else shift
        columns[site] = estimated_profile(float(annual), shift, getattr(row, "monthly_profile", None),
                                          year).to_numpy()
        sources[site] = PROFILE_ESTIMATED
    index = hourly_index(year)
    profiles = pd.DataFrame(columns, index=index)
    return profiles, pd.Series(sources, name="profile", dtype=object)
