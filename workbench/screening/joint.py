"""Input–input and output–output opportunities: joint purchasing and shared logistics.

Not exchanges between two companies but groups of neighbours that buy the same resource
(``acquisto_congiunto``) or produce the same waste (``logistica_condivisa``): together
they can negotiate a better price or share collection rounds, containers and contracts.

Groups are the connected components of the graph "same class and within
``JOINT_RADIUS_KM``" (a k-d tree per class, never a cross join); a group needs at least
two companies. The saving is a share of the group's yearly spend
(``JOINT_PURCHASE_SAVING_SHARE``, ``SHARED_LOGISTICS_SAVING_SHARE`` of
``lib/costs/parameters.csv``, both assumptions to confirm with the companies).
"""
from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from ..fmt import number
from . import logistics as lg
from .library import cost_parameter, prices

JOINT_KINDS = ("acquisto_congiunto", "logistica_condivisa")

#: Columns of the store table ``joint_opportunities`` (migration 3 of workbench.store).
JOINT_COLUMNS = [
    "opportunity_id", "kind", "matrix", "resource", "company_ids", "flow_ids", "companies",
    "quantity_std", "unit_std", "spend_eur", "saving_eur", "radius_km", "why", "screened_at",
]

#: Classes never pooled (grid utilities: one contract per site by construction).
NOT_POOLED = frozenset({"energia_elettrica", "acqua_potabile", "acqua_mare", "acqua_falda",
                        "elettricita_eccedente"})


def _groups(frame: pd.DataFrame, radius_km: float) -> np.ndarray:
    """Component label of each row (same class, within the radius)."""
    xyz = lg.unit_vectors(frame["lat"], frame["lon"])
    tree = cKDTree(xyz)
    pairs = tree.query_pairs(float(lg.chord_of_km(radius_km)), output_type="ndarray")
    n = len(frame)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n)) \
        if len(pairs) else coo_matrix((n, n))
    return connected_components(graph, directed=False)[1]


def joint_opportunities(flows: pd.DataFrame, radius_km: float | None = None) -> pd.DataFrame:
    """Groups of nearby companies with the same input (joint purchasing) or the same
    output (shared waste logistics).

    Parameters
    ----------
    flows : DataFrame — classified flows with ``flow_id``, ``company_id``,
        ``direction``, ``matrix``, ``resource``, ``quantity_std``, ``unit_std``,
        ``lat``, ``lon``; optional ``unit_cost_eur``, ``company_name``.
    radius_km : float, optional — default ``JOINT_RADIUS_KM``. [km]

    Returns
    -------
    DataFrame — :data:`JOINT_COLUMNS`: ``kind`` (``acquisto_congiunto`` or
    ``logistica_condivisa``), ``companies`` (number), ``quantity_std`` [unit/yr],
    ``spend_eur`` (yearly purchase or disposal spend of the group) [EUR/yr],
    ``saving_eur`` [EUR/yr], ``why`` (Italian).
    """
    radius = cost_parameter("JOINT_RADIUS_KM") if radius_km is None else float(radius_km)
    cols = ["flow_id", "company_id", "direction", "matrix", "resource", "quantity_std", "unit_std",
            "lat", "lon"]
    if flows.empty or any(c not in flows.columns for c in cols):
        return pd.DataFrame(columns=JOINT_COLUMNS)
    df = flows[cols + [c for c in ("unit_cost_eur",) if c in flows.columns]].copy()
    df = df[df["resource"].notna() & ~df["resource"].isin(NOT_POOLED)
            & pd.to_numeric(df["lat"], errors="coerce").notna()
            & pd.to_numeric(df["quantity_std"], errors="coerce").gt(0)]
    if "unit_cost_eur" not in df:
        df["unit_cost_eur"] = np.nan
    price_of = prices()["price"]
    rows = []
    now = datetime.now()
    for (direction, resource), part in df.groupby(["direction", "resource"], sort=True):
        if part["company_id"].nunique() < 2:
            continue
        part = part.reset_index(drop=True)
        labels = _groups(part, radius)
        for label in np.unique(labels):
            g = part[labels == label]
            companies = sorted(g["company_id"].unique())
            if len(companies) < 2:
                continue
            unit_cost = pd.to_numeric(g["unit_cost_eur"], errors="coerce")
            if direction == "in":
                kind, share = "acquisto_congiunto", cost_parameter("JOINT_PURCHASE_SAVING_SHARE")
                unit_cost = unit_cost.fillna(g["resource"].map(price_of))
            else:
                kind, share = "logistica_condivisa", cost_parameter("SHARED_LOGISTICS_SAVING_SHARE")
            spend = float((g["quantity_std"] * unit_cost.clip(lower=0)).sum(min_count=1) or 0.0)
            quantity = float(g["quantity_std"].sum())
            unit = g["unit_std"].iloc[0]
            verb = "acquistano" if direction == "in" else "producono"
            action = ("un acquisto congiunto (contratto quadro, prezzo di volume)" if direction == "in"
                      else "una raccolta condivisa (giri, contenitori e contratto comuni)")
            why = (f"{len(companies)} aziende entro {number(radius)} km {verb} «{resource}» per "
                   f"{number(quantity)} {unit}/anno in tutto: {action} potrebbe far risparmiare "
                   f"circa il {number(share * 100)}% di € {number(spend)}/anno (ipotesi da "
                   "verificare con le aziende).")
            rows.append({
                "opportunity_id": f"G-{'A' if direction == 'in' else 'L'}-{resource}-{len(rows) + 1:04d}",
                "kind": kind, "matrix": g["matrix"].iloc[0], "resource": resource,
                "company_ids": "|".join(companies), "flow_ids": "|".join(g["flow_id"].astype(str)),
                "companies": len(companies), "quantity_std": quantity, "unit_std": unit,
                "spend_eur": round(spend, 0), "saving_eur": round(spend * share, 0),
                "radius_km": radius, "why": why, "screened_at": now,
            })
    out = pd.DataFrame(rows, columns=JOINT_COLUMNS)
    return out.sort_values("saving_eur", ascending=False).reset_index(drop=True)
