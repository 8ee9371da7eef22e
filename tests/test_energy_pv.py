"""PV on the shipped weather: the specific yield of Livorno."""
import numpy as np
import pandas as pd
import pytest

from workbench.energy import pv
from workbench.energy.profiles import hourly_index


def test_no_usable_bundled_weather_for_livorno():
    """Why the project ships its own typical year: pvlib's bundled weather files are US sites."""
    import pvlib
    from pathlib import Path
    data = Path(pvlib.__file__).parent / "data"
    names = {p.name for p in data.iterdir()}
    assert {"703165TY.csv", "723170TYA.CSV", "LinkeTurbidities.h5"} <= names
    assert not any("livorno" in n.lower() or "ita" in n.lower() for n in names)


def test_shipped_weather_matches_its_builder_and_monthly_climate():
    shipped = pv.read_weather()
    assert len(shipped) == 8760 and shipped.index.equals(hourly_index(2025))
    rebuilt = pv.build_typical_year()
    assert np.allclose(shipped.to_numpy(), rebuilt.to_numpy(), atol=0.01)
    monthly = shipped["ghi"].groupby(shipped.index.month).sum() / 1000
    target = pv.monthly_climate().set_index("month")["ghi_kwh_m2"]
    assert np.allclose(monthly.to_numpy(), target.to_numpy(), rtol=1e-3)
    assert (shipped[["ghi", "dni", "dhi"]] >= 0).all().all()
    assert (shipped["dhi"] <= shipped["ghi"] + 1e-6).all()


def test_specific_yield_livorno_in_reference_range():
    """Reference range 1,300–1,450 kWh/kWp/yr for Livorno, crystalline Si, 35° south, ~14 % losses.

    Where the range comes from (PVGIS itself was NOT queried: no network at run time):
    * lower bound 1,300: installers' figure for central Italy, 1,300–1,400 kWh/kWp/yr
      (factors.md §6, [confirmed] larivieradeicedri.com); above the PNRR planning
      assumption of 1,250 kWh/kW/yr (iusletter.com);
    * upper bound 1,450: factors.md §6 expectation for Livorno with PVGIS settings
      (1,350–1,450, marked [uncertain] there).
    The GSI should replace this range by the PVGIS PVcalc result (SARAH-3, loss 14 %,
    optimal angles) once it is fetched and committed with its date.
    """
    y = pv.specific_yield(tilt_deg=35, azimuth_deg=180, mounting="flat")
    assert 1300 <= y <= 1450, y
    assert 13.5 < pv.system_loss_pct() < 14.5  # PVWatts default losses, stated in lib/energy/pv.csv


def test_orientation_effects():
    w = pv.read_weather()
    south = pv.specific_yield(w, 30, 180, "pitched")
    east = pv.specific_yield(w, 30, 90, "pitched")
    flat = pv.specific_yield(w, 0, 180, "flat")
    assert east < south and flat < south
    prod = pv.specific_production(w, 30, 180, "pitched")
    night = prod[prod.index.hour.isin([0, 1, 2, 3, 23])]
    assert night.max() == 0 and prod.max() <= 1 / 1.1 + 1e-9  # inverter clipping at DC/AC 1.1


def test_roof_systems():
    se = pd.DataFrame({"site_id": ["flat", "pitched", "huge", "none", "existing"],
                       "roof_area_m2": [1000, 1000, 50000, 0, 1000],
                       "roof_tilt_deg": [0, 20, 0, 0, 0], "roof_azimuth_deg": [None, 135, 180, 180, 180],
                       "existing_pv_kw": [0, 0, 0, 0, 60]})
    roofs = pv.roof_systems(se).set_index("site_id")
    assert "none" not in roofs.index
    assert roofs.loc["flat", "max_kwp"] == pytest.approx(100)      # 1000 × 0.5 / 5
    assert roofs.loc["flat", "tilt_deg"] == 15 and roofs.loc["flat", "azimuth_deg"] == 180
    assert roofs.loc["pitched", "max_kwp"] == pytest.approx(170)   # 1000 × 0.85 / 5
    assert roofs.loc["pitched", "azimuth_deg"] == 135
    assert roofs.loc["huge", "max_kwp"] == 1000 and roofs.loc["huge", "capped"]
    assert roofs.loc["existing", "max_kwp"] == pytest.approx(40)
