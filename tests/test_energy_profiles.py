"""Hourly profiles: meter import, DST, estimated profiles."""
import numpy as np
import pandas as pd
import pytest

from workbench.energy.profiles import (TIMEZONE, estimated_profile, hourly_index, hours_per_day,
                                       meter_to_hourly, parse_meter_data, profile_from_meter,
                                       read_meter_csv, site_profiles, to_reference_year)


def _quarter_hours(start, end):
    return pd.date_range(pd.Timestamp(start, tz=TIMEZONE), pd.Timestamp(end, tz=TIMEZONE),
                         freq="15min", inclusive="left")


def test_year_has_8760_hours_and_dst_days_23_25():
    idx = hourly_index(2025)
    assert len(idx) == 8760 and len(hourly_index(2024)) == 8784
    per_day = hours_per_day(idx)
    assert per_day[pd.Timestamp("2025-03-30").date()] == 23
    assert per_day[pd.Timestamp("2025-10-26").date()] == 25
    assert (per_day.drop([pd.Timestamp("2025-03-30").date(), pd.Timestamp("2025-10-26").date()]) == 24).all()
    assert per_day.sum() == 8760


@pytest.mark.parametrize("day, hours", [("2025-03-30", 23), ("2025-10-26", 25)])
def test_quarter_hours_of_dst_days_with_naive_local_times(day, hours):
    t = _quarter_hours(day, pd.Timestamp(day) + pd.Timedelta(days=1))
    assert len(t) == hours * 4
    raw = pd.DataFrame({"POD": "it001e0001", "data_ora": t.tz_localize(None).strftime("%Y-%m-%d %H:%M"),
                        "energia_kwh": ["0,25"] * len(t)})
    readings = parse_meter_data(raw)
    hourly = meter_to_hourly(readings)
    assert len(hourly) == hours
    assert hourly["energy_kwh"].sum() == pytest.approx(0.25 * 4 * hours)
    assert hourly["complete"].all() and (hourly["interval_min"] == 15).all()
    assert hourly["timestamp"].is_unique


def test_offset_timestamps_and_csv(tmp_path):
    t = _quarter_hours("2025-10-26 01:00", "2025-10-26 04:00")
    iso = [x.isoformat() for x in t]
    path = tmp_path / "letture.csv"
    pd.DataFrame({"pod": "IT001E0002", "timestamp": iso, "energy_kwh": np.arange(len(t), dtype=float)}).to_csv(
        path, sep=";", index=False)
    readings = read_meter_csv(path)
    hourly = meter_to_hourly(readings)
    assert len(hourly) == 4  # 01, 02 (CEST), 02 (CET), 03
    assert hourly["energy_kwh"].sum() == pytest.approx(np.arange(len(t)).sum())


def test_spring_gap_time_is_an_error():
    raw = pd.DataFrame({"pod": ["A"] * 3, "timestamp": ["2025-03-30 01:45", "2025-03-30 02:00", "2025-03-30 03:00"],
                        "energy_kwh": ["1", "1", "1"]})
    with pytest.raises(ValueError, match="POD A: ora locale non valida"):
        parse_meter_data(raw, source="x.csv")


def test_bad_energy_names_file_row_column():
    raw = pd.DataFrame({"pod": ["A", "A"], "timestamp": ["2025-01-01T00:00+01:00", "2025-01-01T00:15+01:00"],
                        "energy_kwh": ["1", "abc"]})
    with pytest.raises(ValueError, match='letture.csv, riga 3, colonna "energy_kwh"'):
        parse_meter_data(raw, source="letture.csv")


def test_full_year_of_quarter_hours_sums_and_maps_to_reference_year():
    t = _quarter_hours("2024-01-01", "2025-01-01")  # leap year, DST both ways
    raw = pd.DataFrame({"pod": "P1", "timestamp": [x.isoformat() for x in t], "energy_kwh": "0.5"})
    hourly = meter_to_hourly(parse_meter_data(raw))
    assert len(hourly) == 8784 and hourly["energy_kwh"].sum() == pytest.approx(0.5 * 4 * 8784)
    series = profile_from_meter(hourly, "P1", year=2025)
    assert len(series) == 8760 and series.attrs["filled"] == 0
    assert series.sum() == pytest.approx(2.0 * 8760)  # 29 February dropped


def test_missing_hours_are_filled_and_counted():
    idx = hourly_index(2025)
    s = pd.Series(1.0, index=idx).drop(idx[100:110])
    out = to_reference_year(s, 2025)
    assert out.attrs["filled"] == 10 and out.isna().sum() == 0 and out.sum() == pytest.approx(8760)


@pytest.mark.parametrize("shift", ["1x5", "2x5", "3x5", "2x6", "3x7"])
def test_estimated_profile_keeps_annual_and_monthly_totals(shift):
    monthly = [1, 1, 1, 1, 1, 1, 1, 0.4, 1, 1, 1, 0.8]
    p = estimated_profile(1200.0, shift, monthly, 2025)
    assert len(p) == 8760 and p.attrs["profile"] == "stimato"
    assert p.sum() == pytest.approx(1.2e6)
    by_month = p.groupby(p.index.month).sum()
    assert by_month.to_numpy() / p.sum() == pytest.approx(np.array(monthly) / sum(monthly))


def test_shift_shapes():
    one = estimated_profile(100.0, "1x5")
    local = one.index
    workday_noon = one[(local.day_of_week == 2) & (local.hour == 10)].mean()
    sunday_noon = one[(local.day_of_week == 6) & (local.hour == 10)].mean()
    night = one[(local.day_of_week == 2) & (local.hour == 2)].mean()
    assert workday_noon > 5 * sunday_noon and sunday_noon == pytest.approx(night, rel=0.15)
    flat = estimated_profile(87.6, "3x7", year=2025)
    assert flat.std() / flat.mean() < 0.05  # continuous cycle is almost flat
    holiday = estimated_profile(100.0, "1x5").loc["2025-08-15"]  # Ferragosto is a Friday
    assert holiday.max() == pytest.approx(holiday.min())
    with pytest.raises(ValueError, match='turno non valido "4x9"'):
        estimated_profile(1.0, "4x9")


def test_site_profiles_label_measured_and_estimated():
    t = hourly_index(2025)
    hourly = pd.DataFrame({"pod": "POD1", "timestamp": t, "energy_kwh": 2.0})
    se = pd.DataFrame({"site_id": ["A-S1", "B-S1"], "pod_codes": ["pod1", None],
                       "annual_electricity_mwh": [None, 50.0], "shift_pattern": [None, "2x5"],
                       "monthly_profile": [None, None]})
    profiles, source = site_profiles(se, hourly)
    assert source.to_dict() == {"A-S1": "misurato", "B-S1": "stimato"}
    assert profiles["A-S1"].sum() == pytest.approx(2 * 8760) and profiles["B-S1"].sum() == pytest.approx(50_000)
