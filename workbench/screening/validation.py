"""Validation of the screening on documented exchanges of real symbiosis networks.

``tests/data/validation_cases.csv`` holds exchanges from the literature (Kalundborg,
Kwinana, Styria, Ulsan, Guayama, Händelö, Guitang, Kawasaki, Rotterdam, Wissington,
Rosignano, Prato), each written as the two companies would have declared it in our
questionnaire: the supplier's waste or by-product in its words, the receiver's input as
the virgin resource it buys, with approximate site coordinates and sector.
``tests/data/validation_other_flows.csv`` adds other flows of the same companies, so
that the true receiver competes with plausible alternatives.

The whole pipeline runs on them: :func:`workbench.classify.classify_flows`, then
:func:`workbench.screening.generate_candidates` with its defaults. Measures:

* **recall@k per supplier flow** — for every supplier flow, the share of its documented
  receivers found among its top-k candidates; averaged over supplier flows (macro) and
  over documented pairs (micro);
* **precision** — the share of the top-k candidates of those supplier flows that are
  documented exchanges (an undocumented candidate is not necessarily wrong: it may be
  an exchange that nobody made), and the share of supplier flows whose best candidate
  is documented (precision@1).

``python -m workbench.screening.validation`` prints them.
"""
from __future__ import annotations

import re
import sys
import unicodedata

import numpy as np
import pandas as pd

from ..classify import classify_flows
from ..config import REPO_ROOT
from .candidates import MAX_PER_SOURCE, generate_candidates, rule_table

CASES = REPO_ROOT / "tests" / "data" / "validation_cases.csv"
OTHER_FLOWS = REPO_ROOT / "tests" / "data" / "validation_other_flows.csv"


def _slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:40]


def read_cases(path=CASES) -> pd.DataFrame:
    """The documented exchanges (one row per supplier → receiver pair)."""
    return pd.read_csv(path, dtype={"supplier_eer": str, "supplier_ateco": str, "receiver_ateco": str},
                       keep_default_na=False, na_values={"supplier_temperature_c": [""],
                                                         "receiver_temperature_c": [""]})


def validation_flows(cases: pd.DataFrame, other: pd.DataFrame | None = None,
                     pooled: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Declared flows of every company of the cases, classified, and the true pairs.

    Parameters
    ----------
    pooled : bool — put every company at the same point (a stress test without
        geography: distance no longer separates the networks).

    Returns
    -------
    (flows, truth) — flows as :func:`workbench.flows.load_flows` would give them; truth
    with ``case_id``, ``network``, ``source_flow_id``, ``target_flow_id``.
    """
    rows, truth = [], []

    def flow(company, ateco, lat, lon, direction, matrix, description, eer, quantity, unit, temp, network):
        company_id = _slug(company)
        flow_id = f"{company_id}:{direction}:{_slug(description)}"
        rows.append(dict(flow_id=flow_id, company_id=company_id, company_name=company, ateco=ateco,
                         lat=float(lat), lon=float(lon), direction=direction, matrix=matrix,
                         description=description, eer_code=eer or None, quantity_std=float(quantity),
                         unit_std=unit, temperature_c=temp, network=network))
        return flow_id

    for c in cases.itertuples(index=False):
        s = flow(c.supplier, c.supplier_ateco, c.supplier_lat, c.supplier_lon, "out", c.supplier_matrix,
                 c.supplier_description, c.supplier_eer, c.supplier_quantity_std, c.supplier_unit_std,
                 c.supplier_temperature_c, c.network)
        t = flow(c.receiver, c.receiver_ateco, c.receiver_lat, c.receiver_lon, "in", c.receiver_matrix,
                 c.receiver_description, None, c.receiver_quantity_std, c.receiver_unit_std,
                 c.receiver_temperature_c, c.network)
        truth.append((c.case_id, c.network, s, t))
    if other is not None:
        network_of = {(_slug(r["supplier"])): r["network"] for _, r in cases.iterrows()}
        network_of.update({(_slug(r["receiver"])): r["network"] for _, r in cases.iterrows()})
        for o in other.itertuples(index=False):
            flow(o.company, o.ateco, o.lat, o.lon, o.direction, o.matrix, o.description, o.eer_code,
                 o.quantity_std, o.unit_std, o.temperature_c, network_of.get(_slug(o.company), "?"))
    flows = pd.DataFrame(rows).drop_duplicates("flow_id").reset_index(drop=True)
    if pooled:
        flows["lat"], flows["lon"] = 43.55, 10.31
    flows["temperature_c"] = pd.to_numeric(flows["temperature_c"], errors="coerce")
    flows = classify_flows(flows)
    truth = pd.DataFrame(truth, columns=["case_id", "network", "source_flow_id", "target_flow_id"])
    return flows, truth


def _why_missed(row, flows: pd.DataFrame, candidates: pd.DataFrame) -> str:
    f = flows.set_index("flow_id")
    src, tgt = f.loc[row.source_flow_id], f.loc[row.target_flow_id]
    if pd.isna(src["resource"]):
        return "fornitore non classificato"
    if pd.isna(tgt["resource"]):
        return "ricevente non classificato"
    table = rule_table()
    keys_s = {src["resource"]} | ({"q:" + str(src.get("water_quality"))} if src["matrix"] == "acqua" else set())
    if not table[(table["key_s"].isin(keys_s) | (src["matrix"] == "acqua"))
                 & (table["key_t"].eq(tgt["resource"]) | (tgt["matrix"] == "acqua"))].shape[0]:
        return f"nessuna regola {src['resource']} → {tgt['resource']}"
    mine = candidates[candidates["source_flow_id"] == row.source_flow_id]
    if len(mine) >= MAX_PER_SOURCE:
        return f"oltre il {MAX_PER_SOURCE}° posto ({src['resource']} → {tgt['resource']})"
    return f"scartato dai controlli ({src['resource']} → {tgt['resource']}: distanza, qualità o settore)"


def evaluate_validation(k: int = MAX_PER_SOURCE, pooled: bool = False, cases_path=CASES,
                        other_path=OTHER_FLOWS) -> dict:
    """Recall@k per supplier flow and precision of the screening on documented exchanges.

    Returns
    -------
    dict — ``recall_macro``, ``recall_micro``, ``precision``, ``precision_at_1`` [0–1],
    ``supplier_flows``, ``pairs``, ``candidates`` (counts), ``details`` (one row per
    documented pair: found, rank, reason when missed), ``by_network`` (recall per network).
    """
    cases = read_cases(cases_path)
    other = pd.read_csv(other_path, dtype={"eer_code": str, "ateco": str}, keep_default_na=False,
                        na_values={"temperature_c": [""]}) if other_path else None
    flows, truth = validation_flows(cases, other, pooled=pooled)
    candidates = generate_candidates(flows, max_per_source=k)
    top = candidates[candidates["rank"] <= k]
    found = truth.merge(top[["source_flow_id", "target_flow_id", "rank", "net_benefit_eur"]],
                        on=["source_flow_id", "target_flow_id"], how="left")
    found["found"] = found["rank"].notna()
    found["reason"] = [None if r.found else _why_missed(r, flows, candidates)
                       for r in found.itertuples(index=False)]
    per_source = found.groupby("source_flow_id")["found"].mean()
    mine = top[top["source_flow_id"].isin(truth["source_flow_id"])]
    true_keys = set(zip(truth["source_flow_id"], truth["target_flow_id"]))
    hits = [(s, t) in true_keys for s, t in zip(mine["source_flow_id"], mine["target_flow_id"])]
    best = mine[mine["rank"] == 1]
    best_hits = [(s, t) in true_keys for s, t in zip(best["source_flow_id"], best["target_flow_id"])]
    by_network = found.groupby("network")["found"].agg(["mean", "size"]).rename(
        columns={"mean": "recall", "size": "pairs"})
    return {
        "recall_macro": float(per_source.mean()), "recall_micro": float(found["found"].mean()),
        "precision": float(np.mean(hits)) if hits else 0.0,
        "precision_at_1": float(np.mean(best_hits)) if best_hits else 0.0,
        "supplier_flows": int(per_source.size), "pairs": int(len(found)),
        "candidates": int(len(mine)), "details": found, "by_network": by_network,
        "flows": flows,
    }


def main(argv: list[str] | None = None) -> int:
    """Print the validation figures (default geography, then pooled)."""
    for pooled in (False, True):
        r = evaluate_validation(pooled=pooled)
        label = "tutte le aziende nello stesso punto" if pooled else "coordinate reali"
        print(f"\n== validazione su casi documentati ({label}) ==")
        print(f"coppie documentate {r['pairs']}, flussi fornitori {r['supplier_flows']}, "
              f"candidati nei top-{MAX_PER_SOURCE} {r['candidates']}")
        print(f"recall@{MAX_PER_SOURCE} per flusso fornitore: {r['recall_macro']:.3f} (macro), "
              f"{r['recall_micro']:.3f} (micro)")
        print(f"precisione nei top-{MAX_PER_SOURCE}: {r['precision']:.3f}; precisione@1: "
              f"{r['precision_at_1']:.3f}")
        print(r["by_network"].to_string())
        missed = r["details"][~r["details"]["found"]]
        if len(missed):
            print("mancati:")
            print(missed[["case_id", "reason"]].to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
