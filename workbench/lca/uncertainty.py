"""Monte Carlo on the foreground uncertainties: a 90 % interval for every avoided figure.

Each exchange of ``lib/lci`` carries a distribution (lognormal from its pedigree,
triangular, normal, uniform). Brightway samples them all at once
(``bw2calc.LCA(use_distributions=True, seed_override=seed)``; each ``next()`` draws a
new technosphere and biosphere matrix). For every draw we do what the deterministic
batch does (:mod:`.evaluate`): one factorisation and one transposed solve per method,
giving the unit impacts λ of the demanded processes. Every subject's avoided figure in
that draw is λᵀ·(D_baseline − D_symbiosis), so the baseline and the symbiosis of a
subject — and all subjects — see the *same* draw (correlated sampling, as the
difference demands). The samples of λ are kept (iterations × processes, small), so the
interval of any sum of subjects (e.g. all realised synergies) is exact too.

The characterisation factors of the bundled methods carry no uncertainty; scenario
quantities (tonnes, km, COP) are the candidate's and are not sampled.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .evaluate import Evaluation
from .project import LcaError, import_bw2calc, method_label

#: Default number of Monte Carlo iterations (the issue asks for at least 1,000). [-]
DEFAULT_ITERATIONS = 1000
#: Default seed: the same seed gives the same samples. [-]
DEFAULT_SEED = 2027
#: The interval reported: 5th and 95th percentile (a 90 % interval). [%]
INTERVAL = (5.0, 95.0)

#: Columns of :func:`intervals`.
INTERVAL_COLUMNS: tuple[str, ...] = (
    "subject_id", "subject_kind", "method", "avoided_p05", "avoided_p50", "avoided_p95",
    "sign_uncertain", "mc_iterations", "mc_seed",
)


@dataclass
class MonteCarlo:
    """Samples of one Monte Carlo run.

    Attributes
    ----------
    unit_impacts : dict — method → array (iterations, processes): λ of each demanded
        process in each draw [method unit per lib/lci unit].
    iterations, seed : int
    seconds : float — wall time of the sampling and solving. [s]
    """

    unit_impacts: dict
    iterations: int
    seed: int
    seconds: float

    def avoided(self, ev: Evaluation, method, columns=None) -> np.ndarray:
        """Samples of the avoided figure of subjects (iterations × subjects). [unit/yr]"""
        delta = ev.delta if columns is None else ev.delta[:, columns]
        return self.unit_impacts[tuple(method)] @ delta


def monte_carlo(ev: Evaluation, iterations: int = DEFAULT_ITERATIONS,
                seed: int = DEFAULT_SEED) -> MonteCarlo:
    """Sample the foreground ``iterations`` times and solve each draw for every method.

    Parameters
    ----------
    ev : Evaluation — from :func:`~workbench.lca.prepare_evaluation`.
    iterations : int — number of draws (≥ 1). [-]
    seed : int — seed of Brightway's random generators. [-]

    Returns
    -------
    MonteCarlo — the λ samples of every method of ``ev``.
    """
    from scipy.sparse.linalg import splu

    iterations = int(iterations)
    if iterations < 1:
        raise LcaError(f"iterazioni Monte Carlo {iterations}: devono essere almeno 1")
    bc = import_bw2calc()
    batch = ev.batch
    start = time.perf_counter()
    mc = bc.LCA(dict(batch.lca.demand), use_distributions=True, seed_override=int(seed))
    mc.load_lci_data()
    if dict(mc.dicts.product) != dict(batch.lca.dicts.product) or \
            dict(mc.dicts.biosphere) != dict(batch.lca.dicts.biosphere):
        raise LcaError("Monte Carlo: le matrici campionate non corrispondono a quelle del calcolo")
    rows = np.array([mc.dicts.product[i] for i in batch.node_ids])
    weights_fixed = {m: batch.activity_weights(m) for m in ev.methods}
    flow_based = {m: batch.uses_biosphere(m) for m in ev.methods}
    samples = {m: np.empty((iterations, len(batch.codes))) for m in ev.methods}
    for it in range(iterations):
        if it:
            next(mc)  # a new draw of every uncertain exchange
        lu = splu(mc.technosphere_matrix.tocsc())
        for m in ev.methods:
            w = batch.activity_weights(m, biosphere=mc.biosphere_matrix) if flow_based[m] \
                else weights_fixed[m]
            samples[m][it] = lu.solve(w, trans="T")[rows] * batch.scale
    return MonteCarlo(samples, iterations, int(seed), time.perf_counter() - start)


def intervals(ev: Evaluation, mc: MonteCarlo) -> pd.DataFrame:
    """90 % interval of every subject's avoided figure, and whether it changes sign.

    Returns
    -------
    DataFrame — :data:`INTERVAL_COLUMNS`: 5th, 50th and 95th percentile of the avoided
    figure [method unit/yr]; ``sign_uncertain`` is True when the interval contains zero
    (the synergy may not avoid anything); ``mc_iterations``, ``mc_seed``.
    """
    frames = []
    for m in ev.methods:
        samples = mc.avoided(ev, m)
        low, mid, high = np.percentile(samples, [INTERVAL[0], 50.0, INTERVAL[1]], axis=0)
        frames.append(pd.DataFrame({
            "subject_id": ev.subjects["subject_id"].to_numpy(),
            "subject_kind": ev.subjects["subject_kind"].to_numpy(),
            "method": method_label(m), "avoided_p05": low, "avoided_p50": mid,
            "avoided_p95": high, "sign_uncertain": (low < 0) & (high > 0),
            "mc_iterations": mc.iterations, "mc_seed": mc.seed,
        }))
    if not frames:
        return pd.DataFrame(columns=list(INTERVAL_COLUMNS))
    return pd.concat(frames, ignore_index=True)[list(INTERVAL_COLUMNS)]


def interval_of_sum(ev: Evaluation, mc: MonteCarlo, method, mask) -> dict:
    """Deterministic value and 90 % interval of the sum of some subjects' avoided figures.

    Parameters
    ----------
    mask : array of bool — which subjects (columns of ``ev``) to add.

    Returns
    -------
    dict — ``value``, ``p05``, ``p50``, ``p95`` [method unit/yr], ``subjects`` [-],
    ``sign_uncertain``.
    """
    mask = np.asarray(mask, dtype=bool)
    columns = np.flatnonzero(mask)
    value = float(ev.batch.scores(ev.delta[:, columns], method).sum()) if len(columns) else 0.0
    if len(columns) == 0:
        return {"value": 0.0, "p05": 0.0, "p50": 0.0, "p95": 0.0, "subjects": 0,
                "sign_uncertain": False}
    total = mc.avoided(ev, method, columns).sum(axis=1)
    low, mid, high = np.percentile(total, [INTERVAL[0], 50.0, INTERVAL[1]])
    return {"value": value, "p05": float(low), "p50": float(mid), "p95": float(high),
            "subjects": int(len(columns)), "sign_uncertain": bool(low < 0 < high)}
