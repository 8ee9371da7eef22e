"""Benchmark: CER evaluation, 8,760 hours × 100 members × 20 candidate configurations.

Times :func:`workbench.energy.economics.evaluate_batch` (vectorised with numpy, one pass
per configuration over sites × hours, computing shared energy *and* TIP, valorisation,
sale and avoided purchase) against :func:`shared_energy_loop`, a pure-Python hourly
loop over the same data that computes the shared energy only. Both results are
compared. Target (issue 7): vectorised under 2 s.

Run: ``.venv/bin/python bench/bench_cer.py`` (also part of ``make bench``).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from workbench.energy.cer import default_zonal_prices  # noqa: E402
from workbench.energy.economics import evaluate_batch, shared_energy_loop  # noqa: E402
from workbench.energy.profiles import estimated_profile  # noqa: E402
from workbench.energy.pv import read_weather, specific_production  # noqa: E402

N_MEMBERS = 100
N_CONFIGS = 20
N_ROOFS = 30
TARGET_S = 2.0
SEED = 7


def build_case():
    rng = np.random.default_rng(SEED)
    shifts = ["1x5", "2x5", "3x5", "2x6", "3x7"]
    loads = np.vstack([
        estimated_profile(float(rng.lognormal(np.log(600), 0.8)), shifts[i % len(shifts)]).to_numpy()
        for i in range(N_MEMBERS)])
    weather = read_weather()
    orientations = [(15, 180, "flat"), (20, 135, "pitched"), (20, 225, "pitched")]
    unit = [specific_production(weather, t, a, m).to_numpy() for t, a, m in orientations]
    pv = np.zeros_like(loads)
    roofs = rng.choice(N_MEMBERS, N_ROOFS, replace=False)
    for k, site in enumerate(roofs):
        pv[site] = unit[k % len(unit)]
    kwp = np.zeros((N_CONFIGS, N_MEMBERS))
    members = np.zeros((N_CONFIGS, N_MEMBERS), dtype=bool)
    for c in range(N_CONFIGS):
        members[c] = rng.random(N_MEMBERS) < rng.uniform(0.6, 1.0)
        chosen = rng.choice(roofs, rng.integers(3, N_ROOFS), replace=False)
        kwp[c, chosen] = rng.choice([50.0, 150.0, 300.0, 600.0, 950.0], len(chosen))
    return loads, pv, kwp, members, default_zonal_prices().to_numpy()


def main() -> int:
    loads, pv, kwp, members, pz = build_case()
    print(f"dati: {loads.shape[1]} ore × {loads.shape[0]} membri × {kwp.shape[0]} configurazioni")
    evaluate_batch(loads[:, :24], pv[:, :24], kwp, members, pz[:24])  # warm-up
    best = np.inf
    for _ in range(3):
        start = time.perf_counter()
        fast = evaluate_batch(loads, pv, kwp, members, pz)
        best = min(best, time.perf_counter() - start)
    print(f"vettoriale (numpy, energia condivisa + TIP + ricavi): {best:.3f} s "
          f"(migliore di 3; obiettivo < {TARGET_S:g} s)")
    start = time.perf_counter()
    slow = shared_energy_loop(loads, pv, kwp, members)
    loop_s = time.perf_counter() - start
    print(f"ciclo Python orario (solo energia condivisa):          {loop_s:.3f} s")
    print(f"accelerazione: {loop_s / best:.0f}×")
    same = np.allclose(fast["shared_mwh"].to_numpy(), slow, rtol=1e-9)
    print(f"stessi risultati: {'sì' if same else 'NO'}; energia condivisa totale "
          f"{fast['shared_mwh'].sum():,.0f} MWh/anno sulle {kwp.shape[0]} configurazioni")
    ok = same and best < TARGET_S
    print("esito:", "OK" if ok else "FALLITO")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
