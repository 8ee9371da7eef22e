"""Network allocation: finite supplies shared among all demands, beside the greedy ranking.

A supply cannot serve every demand that the pairwise ranking proposes for it. The
linear program allocates every supply to every demand at once::

    maximise   Σ_k  b_k · x_k                       (b_k = net benefit per unit of k)
    subject to Σ_{k of supply i} a_k · x_k ≤ S_i     (a_k: source units per target unit)
               Σ_{k of demand j} x_k ≤ D_j
               0 ≤ x_k ≤ q_k                        (q_k: deliverable quantity of pair k)

solved with HiGHS (:func:`scipy.optimize.linprog`). ``b_k`` is the candidate's net
benefit divided by its quantity, i.e. fixed costs (capex annuity) are spread per unit at
the pair's quantity: the LP is exact when a pair is used in full, optimistic when it
is used in part. :func:`allocate` with ``method="milp"`` prices the fixed costs exactly
(one binary per pair, :func:`scipy.optimize.milp`) for problems of demo size.

The *greedy* allocation follows the pairwise ranking (best net benefit first) and gives
each pair what is left of its supply and demand; :func:`compare` shows the difference.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csr_matrix, vstack

from .economics import opex_share

ALLOCATION_COLUMNS = [
    "candidate_id", "source_flow_id", "target_flow_id", "matrix", "quantity_std", "unit_std",
    "net_benefit_eur", "method",
]


def _problem(candidates: pd.DataFrame):
    c = candidates[(candidates["net_benefit_eur"] > 0) & (candidates["quantity_std"] > 0)].copy()
    c = c.reset_index(drop=True)
    q = c["quantity_std"].to_numpy(dtype=float)
    unit_benefit = c["net_benefit_eur"].to_numpy(dtype=float) / q
    a = c["source_per_target"].fillna(1.0).to_numpy(dtype=float)
    src_codes, src_index = pd.factorize(c["source_flow_id"])
    tgt_codes, tgt_index = pd.factorize(c["target_flow_id"])
    supply = (c.groupby("source_flow_id")["supply_quantity_std"].first().reindex(src_index)
              .to_numpy(dtype=float))
    demand = (c.groupby("target_flow_id")["target_quantity_std"].first().reindex(tgt_index)
              .to_numpy(dtype=float))
    n = len(c)
    rows = np.arange(n)
    a_supply = csr_matrix((a, (src_codes, rows)), shape=(len(src_index), n))
    a_demand = csr_matrix((np.ones(n), (tgt_codes, rows)), shape=(len(tgt_index), n))
    return c, q, unit_benefit, a, src_codes, tgt_codes, supply, demand, a_supply, a_demand


def allocate(candidates: pd.DataFrame, method: str = "lp", time_limit_s: float = 60.0) -> pd.DataFrame:
    """Allocate supplies to demands maximising the total net benefit.

    Parameters
    ----------
    candidates : DataFrame — from :func:`workbench.screening.generate_candidates`
        (``candidate_id``, ``source_flow_id``, ``target_flow_id``, ``quantity_std``,
        ``net_benefit_eur``, ``source_per_target``, ``supply_quantity_std``,
        ``target_quantity_std``).
    method : str — ``lp`` (HiGHS linear program, default), ``milp`` (fixed costs exact,
        small problems) or ``greedy`` (pairwise ranking order).
    time_limit_s : float — HiGHS time limit. [s]

    Returns
    -------
    DataFrame — :data:`ALLOCATION_COLUMNS`, one row per pair with a positive allocation;
    ``quantity_std`` [target unit/yr], ``net_benefit_eur`` [EUR/yr] of that allocation.
    ``attrs`` holds ``total_benefit_eur``, ``status`` and ``solve_seconds``.
    """
    import time

    if method not in ("lp", "milp", "greedy"):
        raise ValueError(f"metodo di allocazione sconosciuto {method!r}: lp, milp o greedy")
    c, q, b, a, src, tgt, supply, demand, a_s, a_d = _problem(candidates)
    start = time.perf_counter()
    status = "vuoto"
    x = np.zeros(len(c))
    benefit = np.zeros(len(c))
    if len(c) and method == "greedy":
        left_s, left_d = supply.copy(), demand.copy()
        for k in np.argsort(-c["net_benefit_eur"].to_numpy(dtype=float), kind="stable"):
            take = min(q[k], left_s[src[k]] / a[k] if a[k] > 0 else q[k], left_d[tgt[k]])
            if take <= 1e-9:
                continue
            x[k] = take
            left_s[src[k]] -= take * a[k]
            left_d[tgt[k]] -= take
        benefit = b * x
        status = "ottimo (greedy)"
    elif len(c) and method == "lp":
        res = linprog(-b, A_ub=vstack([a_s, a_d]).tocsr(), b_ub=np.r_[supply, demand],
                      bounds=np.column_stack([np.zeros(len(c)), q]), method="highs",
                      options={"time_limit": time_limit_s})
        status = res.message
        if res.x is not None:
            x = np.clip(res.x, 0, q)
        benefit = b * x
    elif len(c):
        # fixed costs exact: x_k ≤ q_k·y_k; the annuity and O&M of capex are paid only if y_k = 1
        fixed = (c["capex_annuity_eur"].fillna(0).to_numpy(dtype=float)
                 + c["capex_eur"].fillna(0).to_numpy(dtype=float) * opex_share())
        variable = (c["net_benefit_eur"].to_numpy(dtype=float) + fixed) / q
        n = len(c)
        objective = -np.r_[variable, -fixed]
        link = csr_matrix(np.hstack([np.eye(n), -np.diag(q)]))
        cons = [LinearConstraint(csr_matrix(np.hstack([a_s.toarray(), np.zeros((a_s.shape[0], n))])),
                                 -np.inf, supply),
                LinearConstraint(csr_matrix(np.hstack([a_d.toarray(), np.zeros((a_d.shape[0], n))])),
                                 -np.inf, demand),
                LinearConstraint(link, -np.inf, 0.0)]
        res = milp(objective, constraints=cons, integrality=np.r_[np.zeros(n), np.ones(n)],
                   bounds=Bounds(np.zeros(2 * n), np.r_[q, np.ones(n)]),
                   options={"time_limit": time_limit_s})
        status = res.message
        if res.x is not None:
            x = np.clip(res.x[:n], 0, q)
            used = res.x[n:] > 0.5
            benefit = np.where(used, variable * x - fixed, 0.0)
    seconds = time.perf_counter() - start
    keep = x > 1e-6
    out = pd.DataFrame({
        "candidate_id": c["candidate_id"][keep], "source_flow_id": c["source_flow_id"][keep],
        "target_flow_id": c["target_flow_id"][keep], "matrix": c["matrix"][keep],
        "quantity_std": x[keep], "unit_std": c["unit_std"][keep],
        "net_benefit_eur": benefit[keep], "method": method,
    }, columns=ALLOCATION_COLUMNS).reset_index(drop=True)
    out.attrs.update(total_benefit_eur=float(benefit.sum()), status=str(status),
                     solve_seconds=seconds, pairs_considered=int(len(c)))
    return out


def compare(candidates: pd.DataFrame, method: str = "lp") -> dict:
    """The network allocation beside the greedy pairwise ranking.

    Returns
    -------
    dict — ``optimal`` and ``greedy`` (allocations), ``summary`` (DataFrame: method,
    total net benefit [EUR/yr], pairs used, quantity by matrix), ``difference``
    (DataFrame: every pair whose allocation differs, with both quantities and benefits),
    ``gain_eur`` (optimal − greedy) [EUR/yr] and ``gain_share`` [-].
    """
    optimal = allocate(candidates, method)
    greedy = allocate(candidates, "greedy")
    summary = pd.DataFrame([
        {"metodo": name, "beneficio_netto_eur": alloc.attrs["total_benefit_eur"],
         "coppie": len(alloc), "stato": alloc.attrs["status"],
         "secondi": round(alloc.attrs["solve_seconds"], 3)}
        for name, alloc in (("ottimo di rete (" + method + ")", optimal), ("greedy (classifica)", greedy))
    ])
    keys = ["candidate_id", "source_flow_id", "target_flow_id", "matrix", "unit_std"]
    merged = optimal[keys + ["quantity_std", "net_benefit_eur"]].merge(
        greedy[keys + ["quantity_std", "net_benefit_eur"]], on=keys, how="outer",
        suffixes=("_ottimo", "_greedy")).fillna({"quantity_std_ottimo": 0.0, "quantity_std_greedy": 0.0,
                                                "net_benefit_eur_ottimo": 0.0,
                                                "net_benefit_eur_greedy": 0.0})
    diff = merged[~np.isclose(merged["quantity_std_ottimo"], merged["quantity_std_greedy"],
                              rtol=1e-6, atol=1e-6)]
    diff = diff.assign(delta_eur=diff["net_benefit_eur_ottimo"] - diff["net_benefit_eur_greedy"]) \
        .sort_values("delta_eur", ascending=False).reset_index(drop=True)
    gain = optimal.attrs["total_benefit_eur"] - greedy.attrs["total_benefit_eur"]
    base = greedy.attrs["total_benefit_eur"]
    return {"optimal": optimal, "greedy": greedy, "summary": summary, "difference": diff,
            "gain_eur": gain, "gain_share": gain / base if base else 0.0}


def check_allocation(allocation: pd.DataFrame, candidates: pd.DataFrame, tolerance: float = 1e-6) -> None:
    """Raise ``ValueError`` naming the flow when an allocation exceeds a supply or a demand."""
    c = candidates.set_index("candidate_id")
    a = allocation.join(c[["source_per_target", "supply_quantity_std", "target_quantity_std"]],
                        on="candidate_id")
    used = (a["quantity_std"] * a["source_per_target"].fillna(1.0)).groupby(a["source_flow_id"]).sum()
    cap = a.groupby("source_flow_id")["supply_quantity_std"].first()
    over = used - cap
    if (over > tolerance * cap.clip(lower=1)).any():
        flow = over.idxmax()
        raise ValueError(f'fornitura "{flow}" superata di {over.max():.6g}')
    got = a.groupby("target_flow_id")["quantity_std"].sum()
    need = a.groupby("target_flow_id")["target_quantity_std"].first()
    over = got - need
    if (over > tolerance * need.clip(lower=1)).any():
        flow = over.idxmax()
        raise ValueError(f'domanda "{flow}" superata di {over.max():.6g}')


def save_allocation(con, result: dict) -> None:
    """Replace the ``allocations`` table of the store with the optimal and greedy
    allocations of :func:`compare` (one transaction)."""
    from datetime import datetime

    from ..store import transaction
    from .candidates import replace_table

    frame = pd.concat([result["optimal"], result["greedy"]], ignore_index=True)
    frame["allocated_at"] = datetime.now()
    with transaction(con):
        replace_table(con, "allocations", frame)
