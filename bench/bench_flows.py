"""Benchmark: time to build every view of notebook 02 (issue 3).

Two cases, each for the ``gsi`` and the ``funders`` audience:

1. the Livorno demo (50 invented companies) read from its encrypted store, built in a
   temporary folder with the demo key (not timed);
2. a synthetic national cluster of 5,000 companies (``workbench.demo.generate_cluster``,
   region ``italia``) whose flow tables are built directly as DataFrames — no
   questionnaire files, no store. Resource classes come from classifying each flow
   template once; flows whose declared unit needs a fuel conversion (no ``quantity_std``
   in the generator, ~10 %) are left out. 2 % of the outputs get a realised synergy and
   5 % a screening candidate towards a random input of the same matrix and unit.

"All views" = the three Sankey figures, the widget panel (first render), the network
(graph, metrics, offline pyvis HTML), the interactive map (ipyleaflet) and the static
SVG map, the unmatched supplies and demands tables and chart, the data-gaps and balance
tables. Baseline printed beside: the time to read/build the flow data itself.

Run: ``.venv/bin/python bench/bench_flows.py [DEMO_DIR]`` (also part of ``make bench``);
``DEMO_DIR``, optional, is a folder with a demo store already built (``store.duckdb``,
demo key), to skip building one.
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from workbench.config import DEMO_KEY, load_settings  # noqa: E402
from workbench.flows import FlowData, sector_of  # noqa: E402

N_COMPANIES = 5_000
SEED = 11


def all_views(settings, data) -> dict[str, float]:
    """Build every view of notebook 02; seconds per view."""
    from workbench.views import gaps, map as site_maps, network, panels, sankey

    steps = {
        "sankey (3 figure)": lambda: sankey.sankey_figures(settings, data=data),
        "pannello widget": lambda: panels.FlowPanel(settings, data),
        "rete (HTML pyvis)": lambda: network.network_html(settings, data=data),
        "metriche di rete": lambda: network.metrics_table(settings, data=data).to_html(),
        "mappa interattiva": lambda: site_maps.site_map(settings, data),
        "mappa statica": lambda: site_maps.static_map_html(settings, data=data),
        "risorse disponibili": lambda: (gaps.unmatched_table(settings, data, "supplies"),
                                        gaps.unmatched_chart(settings, data, "supplies"),
                                        gaps.unmatched_table(settings, data, "demands")),
        "dati mancanti e bilanci": lambda: (gaps.data_gaps_table(settings, data),
                                            gaps.balance_table(settings, data)),
    }
    out = {}
    for name, step in steps.items():
        start = time.perf_counter()
        step()
        out[name] = time.perf_counter() - start
    return out


def synthetic_data(n: int = N_COMPANIES, seed: int = SEED) -> FlowData:
    """FlowData of a synthetic national cluster, built directly as DataFrames."""
    from workbench.classify import classify_one
    from workbench.demo import flow_templates, generate_cluster

    cluster = generate_cluster(n, "italia", seed)
    companies = cluster.companies.rename(columns={"key": "company_id"})
    companies["sector"] = sector_of(companies["ateco"])
    sites = cluster.sites.rename(columns={"company_key": "company_id", "name": "site_name"})
    sites["site_id"] = sites["company_id"] + "-" + sites["site_code"].astype(str)
    names = companies.set_index("company_id")["name"]
    sites["company_name"] = sites["company_id"].map(names)
    sites["sector"] = sites["company_id"].map(companies.set_index("company_id")["sector"])
    templates = flow_templates().set_index("template_id")
    resource = {t: classify_one(r.matrix, r.variants[0], r.eer_code or None,
                                None if pd.isna(r.temperature_c) else r.temperature_c, r.direction)[0]
                for t, r in templates.iterrows()}
    flows = cluster.flows.dropna(subset=["quantity_std"]).reset_index(drop=True)
    flows = flows.rename(columns={"company_key": "company_id"})
    flows["flow_id"] = [f"F{i:07d}" for i in range(len(flows))]
    flows["site_id"] = flows["company_id"] + "-" + flows["site_code"].astype(str)
    flows["resource"] = flows["template_id"].map(resource)
    flows["unit_std"] = flows["matrix"].map({"materia": "t", "acqua": "m3", "energia": "MWh"})
    flows["eer_code"] = flows["eer_code"].replace("", None)
    flows["hazardous"] = False
    per_company = companies.set_index("company_id")
    for column in ("ateco", "sector", "employees", "size_class", "consent"):
        flows[column] = flows["company_id"].map(per_company[column])
    flows["company_name"] = flows["company_id"].map(names)
    where = sites.set_index("site_id")
    flows["lat"], flows["lon"] = flows["site_id"].map(where["lat"]), flows["site_id"].map(where["lon"])
    flows["year"] = flows["year"].fillna(2025).astype(int)
    rng = np.random.default_rng(seed)
    outputs, inputs = flows[flows["direction"] == "out"], flows[flows["direction"] == "in"]

    def pairs(share):
        chosen = outputs.sample(frac=share, random_state=int(rng.integers(1 << 30)))
        rows = []
        for flow in chosen.itertuples():
            pool = inputs[(inputs["matrix"] == flow.matrix) & (inputs["company_id"] != flow.company_id)]
            if len(pool):
                target = pool.iloc[int(rng.integers(len(pool)))]
                rows.append((flow.flow_id, target["flow_id"], flow.company_id, target["company_id"],
                             flow.matrix, float(min(flow.quantity_std, target["quantity_std"]))))
        return pd.DataFrame(rows, columns=["source_flow_id", "target_flow_id", "source_company_id",
                                           "target_company_id", "matrix", "quantity_std"])

    synergies = pairs(0.02)
    synergies["synergy_id"] = [f"SIN-{i:05d}" for i in range(len(synergies))]
    synergies["status"] = "realizzata"
    candidates = pairs(0.05)
    candidates["candidate_id"] = [f"CA-{i:05d}" for i in range(len(candidates))]
    main = sites.drop_duplicates("company_id").set_index("company_id")
    return FlowData(flows, synergies, candidates,
                    companies.assign(lat=companies["company_id"].map(main["lat"]),
                                     lon=companies["company_id"].map(main["lon"]),
                                     cabina_primaria=companies["company_id"].map(main["cabina_primaria"])),
                    sites)


def report(title: str, base: float, timings: dict[str, dict[str, float]]) -> None:
    print(f"\n{title}\n  dati dei flussi (baseline): {base:.2f} s")
    for audience, steps in timings.items():
        total = sum(steps.values())
        print(f"  tutte le viste, {audience}: {total:.2f} s")
        for name, seconds in steps.items():
            print(f"    {name:<26} {seconds:7.2f} s")


def main(argv: list[str]) -> int:
    from workbench.demo import build_demo
    from workbench.views.panels import load

    with tempfile.TemporaryDirectory() as folder:
        root = Path(argv[0]) if argv else Path(folder)
        settings = load_settings(data_dir=root, store_path=root / "store.duckdb", key=DEMO_KEY,
                                 reports_root=Path(folder) / "reports")
        if not argv:
            build_demo(settings, progress=False)
        start = time.perf_counter()
        data = load(settings)
        base = time.perf_counter() - start
        all_views(settings, data)  # warm-up: imports and reference tables
        timings = {a: all_views(settings.with_(audience=a), data) for a in ("gsi", "funders")}
        report(f"Demo Livorno: {data.flows['company_id'].nunique()} aziende, {len(data.flows)} flussi",
               base, timings)
        start = time.perf_counter()
        big = synthetic_data()
        base = time.perf_counter() - start
        timings = {a: all_views(settings.with_(audience=a), big) for a in ("gsi", "funders")}
        report(f"Cluster sintetico: {big.flows['company_id'].nunique()} aziende, {len(big.flows)} flussi, "
               f"{len(big.synergies)} simbiosi realizzate, {len(big.candidates)} candidati", base, timings)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
