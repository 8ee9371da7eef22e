"""LCA of a run: the store's candidates and synergies → ``lca_results`` (notebook 04).

The screening writes candidates with the resource classes of their two flows, their
quantities, route, transport mode and heat mode; the register holds synergies with their
two flows and the quantity the supplier gives. :func:`subjects_from_store` turns both
into LCA subjects (a synergy's route comes from its two sites, its heat-pump COP from the
two temperatures, through :func:`workbench.energy.heat.heat_match`), each with its kind
or the reason why it cannot be evaluated yet. :func:`evaluate_run` evaluates them in one
batch, adds the Monte Carlo interval and the driving process, and writes the store.

The screening and the report read the results back with :func:`results_for` or
:func:`with_lca_co2e`: the LCA figure replaces the factor-based CO2e estimate wherever
it exists. *Potential* (candidates) and *realised* (synergies in status ``realizzata`` or
``monitorata``) stay separate: they are different subjects (``subject_kind``).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from ..config import LIB_DIR
from .evaluate import (
    Evaluation,
    contributions,
    prepare_evaluation,
    results_table,
    store_results,
)
from .inventory import load_foreground
from .project import (
    DEFAULT_PROJECT,
    GWP100,
    LcaError,
    bootstrap,
    default_project_dir,
    method_label,
    resolve_methods,
)
from .scenarios import (
    HEAT_KINDS,
    read_tables,
    resolve_subjects,
    route_factor,
    substitution_ratio,
)
from .uncertainty import DEFAULT_ITERATIONS, DEFAULT_SEED, INTERVAL_COLUMNS, intervals, monte_carlo

#: Columns of :func:`subjects_from_store`.
SUBJECT_COLUMNS: tuple[str, ...] = (
    "subject_id", "subject_kind", "matrix", "status", "source_flow_id", "target_flow_id",
    "source_resource", "target_resource", "kind", "quantity_std", "unit_std",
    "source_quantity_std", "route_km", "transport_mode", "heat_mode", "cop", "current_fate",
    "target_water_quality", "co2e_avoided_t", "reason",
)
#: Which subjects a run evaluates (notebook parameter).
SUBJECT_CHOICES: dict[str, tuple[str, ...]] = {
    "tutti": ("candidate", "synergy"), "candidati": ("candidate",), "sinergie": ("synergy",),
    "all": ("candidate", "synergy"), "candidates": ("candidate",), "synergies": ("synergy",),
}
#: Register statuses counted as realised (same as the report's indicators).
REALISED_STATUSES: tuple[str, ...] = ("realizzata", "monitorata")
#: Rows kept per subject and scenario in the contribution table of a run. [-]
CONTRIBUTION_TOP = 12


def prepare_project(settings, project_dir=None, project_name: str = DEFAULT_PROJECT,
                    lci_dir=None, method=GWP100) -> pd.DataFrame:
    """Bootstrap the run's Brightway project offline and load ``lib/lci``; a summary table.

    Parameters
    ----------
    settings : Settings — the run (its ``run_dir`` holds the project by default).
    project_dir : path — Brightway base directory. Default ``<run_dir>/brightway``.
    method : method or list — methods to load (default IPCC 2021 GWP100).

    Returns
    -------
    DataFrame — ``voce``, ``valore``: directory, project, biosphere, methods, inventory
    version and the seconds each step took.
    """
    project_dir = project_dir or default_project_dir(settings)
    boot = bootstrap(project_dir, project_name, methods=resolve_methods(method))
    fg = load_foreground(project_dir, project_name, lci_dir=lci_dir)
    methods = boot["methods_created"] + boot["methods_reused"]
    rows = [
        ("cartella Brightway", boot["project_dir"]),
        ("progetto", f"{boot['project_name']} ({_it(boot['project'])})"),
        ("biosfera", f"{boot['biosphere_flows']} flussi elementari ecoinvent 3.9, dati "
                     f"inclusi in bw2io ({_it(boot['biosphere'])})"),
        ("metodi LCIA", "; ".join(methods)),
        ("inventario di primo piano", f"{fg['database']}: {fg['processes']} processi, "
                                      f"{fg['exchanges']} scambi ({_it(fg['status'])})"),
        ("versione dell'inventario", fg["inventory_version"]),
        ("tempo di preparazione [s]", f"{boot['seconds'] + fg['seconds']:.2f}"),
    ]
    return pd.DataFrame(rows, columns=["voce", "valore"])


def _it(status: str) -> str:
    return {"created": "creato", "reused": "riusato", "updated": "aggiornato"}.get(status, status)


@lru_cache(maxsize=1)
def _rule_modes() -> pd.Series:
    table = pd.read_csv(LIB_DIR / "resources" / "substitution_rules.csv", dtype=str)
    return table.set_index(["source_resource", "target_resource"])["mode"].groupby(level=[0, 1]).first()


def _great_circle_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance on a sphere of radius 6371 km. [km]"""
    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(x, dtype=float)) for x in (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def _candidates(con) -> pd.DataFrame:
    return con.execute("""
        SELECT c.candidate_id AS subject_id, 'candidate' AS subject_kind, c.matrix,
               NULL AS status, c.source_flow_id, c.target_flow_id, c.source_resource,
               c.target_resource, c.quantity_std, c.unit_std, c.source_quantity_std,
               c.route_km, c.distance_km, c.transport_mode, c.heat_mode, c.cop,
               fs.current_fate, ft.water_quality AS target_water_quality, c.co2e_avoided_t
        FROM candidates c
        LEFT JOIN v_flows fs ON fs.flow_id = c.source_flow_id
        LEFT JOIN v_flows ft ON ft.flow_id = c.target_flow_id
        WHERE (c.source_company_id IS NULL
               OR c.source_company_id IN (SELECT company_id FROM v_companies))
          AND (c.target_company_id IS NULL
               OR c.target_company_id IN (SELECT company_id FROM v_companies))""").df()


def _synergies(con) -> pd.DataFrame:
    """Register synergies (under NDA, not abandoned) as subjects, in target units."""
    from ..energy.heat import heat_match

    df = con.execute("""
        SELECT s.synergy_id AS subject_id, 'synergy' AS subject_kind, s.matrix, s.status,
               s.source_flow_id, s.target_flow_id, fs.resource AS source_resource,
               ft.resource AS target_resource, s.quantity_std AS source_quantity_std,
               s.unit_std AS source_unit_std, ft.unit_std AS target_unit_std,
               fs.current_fate, ft.water_quality AS target_water_quality,
               fs.temperature_c AS source_temperature_c, ft.temperature_c AS target_temperature_c,
               ss.lat AS source_lat, ss.lon AS source_lon, st.lat AS target_lat,
               st.lon AS target_lon, s.co2e_avoided_t
        FROM synergies s
        JOIN v_flows fs ON fs.flow_id = s.source_flow_id
        LEFT JOIN v_flows ft ON ft.flow_id = s.target_flow_id
        LEFT JOIN v_sites ss ON ss.site_id = fs.site_id
        LEFT JOIN v_sites st ON st.site_id = ft.site_id
        WHERE s.status <> 'abbandonata'""").df()
    if df.empty:
        return df
    reasons = pd.Series(None, index=df.index, dtype=object)
    reasons[df["target_resource"].isna()] = "ricevente non ancora individuato o senza NDA"
    q_src = pd.to_numeric(df["source_quantity_std"], errors="coerce").astype(float)
    reasons[~(q_src > 0) & reasons.isna()] = "quantità mancante o non positiva"
    # route from the two sites
    km = _great_circle_km(df["source_lat"], df["source_lon"], df["target_lat"], df["target_lon"])
    df["route_km"] = np.maximum(km * route_factor(), 0.1)
    modes = _rule_modes()
    keys = pd.MultiIndex.from_arrays([df["source_resource"].fillna(""), df["target_resource"].fillna("")])
    df["transport_mode"] = modes.reindex(keys).to_numpy()
    # heat: mode and COP from the two temperatures
    ts = pd.to_numeric(df["source_temperature_c"], errors="coerce").to_numpy(dtype=float)
    tt = pd.to_numeric(df["target_temperature_c"], errors="coerce").to_numpy(dtype=float)
    match = heat_match(ts, tt)
    df["heat_mode"] = match["mode"].to_numpy(dtype=object)
    df["cop"] = match["cop"].to_numpy(dtype=float)
    # quantities in the receiver's units: the register gives the supplier's
    ratio = substitution_ratio(df["source_resource"], df["target_resource"])
    ratio = np.where(np.isfinite(ratio), ratio, 1.0)
    tables = read_tables()
    kinds = tables.kinds.set_index(["source_resource", "target_resource"])["kind"]
    kind = pd.Series(kinds.reindex(keys).to_numpy(), index=df.index)
    hp = (df["heat_mode"].eq("pompa_di_calore") & kind.isin(list(HEAT_KINDS))) | \
        (kind.eq("heat_pump") & ~df["heat_mode"].eq("diretto"))
    cop = df["cop"].to_numpy(dtype=float)
    reasons[hp & ~(df["cop"] > 1) & reasons.isna()] = \
        "pompa di calore: COP non calcolabile (temperature dei flussi mancanti)"
    gas = df["target_resource"].eq("gas_naturale").to_numpy()
    heat_hp = q_src / (1 - 1 / np.where(cop > 1, cop, 2.0))
    quantity = np.where(hp, np.where(gas, heat_hp / tables.eta_boiler, heat_hp), q_src * ratio)
    df["quantity_std"] = quantity
    df["unit_std"] = df["target_unit_std"].where(df["target_unit_std"].notna(), df["source_unit_std"])
    df["distance_km"] = np.nan
    df["store_reason"] = reasons
    return df


def subjects_from_store(con, lci_dir=None, which: str = "tutti") -> pd.DataFrame:
    """Candidates and synergies of the store, each with its LCA kind or why it has none.

    Candidates of companies without NDA and abandoned synergies are left out. A
    synergy's ``quantity_std`` is what the receiver gets (the register holds what the
    supplier gives, ``source_quantity_std``).

    Parameters
    ----------
    which : str — ``tutti``, ``candidati`` or ``sinergie``.

    Returns
    -------
    DataFrame — :data:`SUBJECT_COLUMNS`; ``kind`` is empty and ``reason`` says why when
    the subject cannot be evaluated yet. ``quantity_std`` [unit_std/yr].
    """
    if which not in SUBJECT_CHOICES:
        raise LcaError(f"soggetti {which!r}: uno di {', '.join(SUBJECT_CHOICES)}")
    wanted = SUBJECT_CHOICES[which]
    parts = []
    if "candidate" in wanted:
        parts.append(_candidates(con))
    if "synergy" in wanted:
        parts.append(_synergies(con))
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=list(SUBJECT_COLUMNS))
    subjects = pd.concat(parts, ignore_index=True)
    if "store_reason" not in subjects:
        subjects["store_reason"] = None
    resolved = resolve_subjects(subjects.drop(columns=["kind"], errors="ignore"),
                                read_tables(lci_dir))
    reason = resolved["store_reason"].where(resolved["store_reason"].notna(), resolved["reason"])
    pair = resolved["source_resource"].fillna("?") + " → " + resolved["target_resource"].fillna("?")
    has_pair = reason.fillna("").str.contains(" → ", regex=False)
    reason = reason.where(reason.isna() | has_pair, pair + ": " + reason.fillna(""))
    resolved["reason"] = reason
    resolved.loc[reason.notna(), "kind"] = None
    for column in SUBJECT_COLUMNS:
        if column not in resolved:
            resolved[column] = None
    return resolved


@dataclass
class LcaRun:
    """Everything notebook 04 shows: results, intervals, contributions, what was skipped.

    Attributes
    ----------
    results : DataFrame — one row per evaluated subject and method: the columns of
        :data:`~workbench.lca.RESULT_COLUMNS` and of the Monte Carlo interval
        (``avoided_p05``, ``avoided_p50``, ``avoided_p95`` [unit/yr], ``sign_uncertain``,
        ``mc_iterations``, ``mc_seed``), plus ``status`` of synergies.
    subjects : DataFrame — every subject of the store (:func:`subjects_from_store`).
    contributions : DataFrame — process contributions (first method) of every evaluated
        subject, the largest :data:`CONTRIBUTION_TOP` per scenario.
    timings : dict — seconds of each step. [s]
    """

    results: pd.DataFrame
    subjects: pd.DataFrame
    contributions: pd.DataFrame
    evaluation: Evaluation | None = None
    monte_carlo: object | None = None
    timings: dict = field(default_factory=dict)

    @property
    def not_evaluated(self) -> pd.DataFrame:
        """Subjects without LCA and why (Italian)."""
        cols = ["subject_id", "subject_kind", "source_resource", "target_resource", "reason"]
        return self.subjects[self.subjects["reason"].notna()][cols].reset_index(drop=True)


def evaluate_run(settings, project_dir=None, project_name: str = DEFAULT_PROJECT,
                 method=GWP100, subjects: str = "tutti", iterations: int = DEFAULT_ITERATIONS,
                 seed: int = DEFAULT_SEED, lci_dir=None, database: str | None = None,
                 store: bool = True) -> LcaRun:
    """Evaluate the store's candidates and/or synergies: results, interval, drivers; store.

    Parameters
    ----------
    settings : Settings — the run.
    project_dir : path — Brightway base directory. Default ``<run_dir>/brightway``.
    method : method or list — LCIA methods or inventory indicators; the first is the
        one of the contribution table. Default IPCC 2021 GWP100.
    subjects : str — ``tutti``, ``candidati`` or ``sinergie``.
    iterations : int — Monte Carlo iterations (0: no interval). [-]
    seed : int — Monte Carlo seed. [-]
    database : str, optional — imported ecoinvent database to link to.
    store : bool — write ``lca_results`` (a full refresh of these methods and subjects).

    Returns
    -------
    LcaRun
    """
    from ..store import connect

    timings = {}
    start = time.perf_counter()
    project_dir = project_dir or default_project_dir(settings)
    with connect(settings) as con:
        all_subjects = subjects_from_store(con, lci_dir=lci_dir, which=subjects)
    timings["lettura_soggetti"] = time.perf_counter() - start
    ready = all_subjects[all_subjects["reason"].isna()].drop(columns=["reason"])
    start = time.perf_counter()
    ev = prepare_evaluation(ready, project_dir, project_name, method, lci_dir, database)
    results = results_table(ev)
    results["status"] = None
    timings["calcolo_a_lotti"] = time.perf_counter() - start
    mc = None
    if iterations and len(ev.subjects):
        start = time.perf_counter()
        mc = monte_carlo(ev, iterations=iterations, seed=seed)
        results = results.merge(intervals(ev, mc).drop(columns=["subject_kind"]),
                                on=["subject_id", "method"], how="left")
        timings["monte_carlo"] = time.perf_counter() - start
    else:
        for column in INTERVAL_COLUMNS[3:]:
            results[column] = np.nan
    if len(results):
        status = all_subjects.set_index(["subject_id", "subject_kind"])["status"]
        keys = pd.MultiIndex.from_frame(results[["subject_id", "subject_kind"]])
        results["status"] = status.reindex(keys).to_numpy()
    start = time.perf_counter()
    contrib = contributions(ev, top=CONTRIBUTION_TOP)
    timings["contributi"] = time.perf_counter() - start
    if store:
        kinds = sorted(set(SUBJECT_CHOICES[subjects]))
        with connect(settings) as con:
            store_results(con, results, refresh_methods=ev.methods, refresh_subject_kinds=kinds)
    return LcaRun(results, all_subjects, contrib, ev, mc, {k: round(v, 3) for k, v in timings.items()})


def evaluate_store(settings, project_dir=None, project_name: str = DEFAULT_PROJECT,
                   method=GWP100, lci_dir=None, iterations: int = 0,
                   seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Evaluate every candidate and synergy of the store that has scenarios; store results.

    A full refresh: the new results replace every earlier row of the same method(s) in
    ``lca_results``, so a candidate that the screening no longer finds leaves no result.
    (:func:`evaluate_run` does the same and returns intervals and contributions too.)

    Returns
    -------
    DataFrame — the rows written to the store.
    """
    return evaluate_run(settings, project_dir, project_name, method, "tutti", iterations, seed,
                        lci_dir).results


def pick_subject(run: LcaRun, subject_id: str = "") -> str | None:
    """The subject to show: ``subject_id`` if evaluated, else the largest avoided figure.

    Returns
    -------
    str or None — None when nothing was evaluated.

    Raises
    ------
    LcaError — ``subject_id`` was not evaluated (with the reason when known).
    """
    results = run.results
    if results.empty:
        if subject_id:
            raise LcaError(f"soggetto {subject_id!r} non valutato: nessun soggetto valutato")
        return None
    if subject_id:
        if str(subject_id) not in set(results["subject_id"]):
            why = run.subjects.set_index("subject_id")["reason"].get(str(subject_id))
            raise LcaError(f"soggetto {subject_id!r} non valutato" + (f": {why}" if why else ""))
        return str(subject_id)
    first = results[results["method"] == results["method"].iloc[0]]
    return str(first.loc[first["avoided"].idxmax(), "subject_id"])


def summary(run: LcaRun) -> pd.DataFrame:
    """Potential (candidates) and realised (synergies) avoided impacts, kept separate.

    Potential counts, for each supplier flow, only its best candidate (one supply cannot
    serve every demand: the sum is an upper bound before allocation). Realised counts the
    synergies in status ``realizzata`` or ``monitorata``; the other active synergies are a
    third row. The interval of each sum comes from the Monte Carlo samples (correlated).

    Returns
    -------
    DataFrame — ``ambito`` (``potenziale``, ``realizzato``, ``in corso``), ``method``,
    ``unit``, ``subjects``, ``avoided``, ``avoided_p05``, ``avoided_p95`` [unit/yr],
    ``sign_uncertain``.
    """
    from .uncertainty import interval_of_sum

    ev, mc = run.evaluation, run.monte_carlo
    rows = []
    if ev is None or ev.subjects.empty:
        return pd.DataFrame(columns=["ambito", "method", "unit", "subjects", "avoided",
                                     "avoided_p05", "avoided_p95", "sign_uncertain"])
    subjects = ev.subjects.reset_index(drop=True)
    status = run.subjects.set_index(["subject_id", "subject_kind"])["status"]
    sstatus = pd.MultiIndex.from_frame(subjects[["subject_id", "subject_kind"]]).map(status)
    candidate = subjects["subject_kind"].eq("candidate").to_numpy()
    realised = subjects["subject_kind"].eq("synergy").to_numpy() & np.isin(sstatus, REALISED_STATUSES)
    ongoing = subjects["subject_kind"].eq("synergy").to_numpy() & ~realised
    for m in ev.methods:
        avoided = ev.batch.scores(ev.delta, m)
        best = np.zeros(len(subjects), dtype=bool)
        if candidate.any():
            frame = pd.DataFrame({"flow": subjects["source_flow_id"].fillna(subjects["subject_id"])
                                  if "source_flow_id" in subjects else subjects["subject_id"],
                                  "avoided": avoided})[candidate]
            best[frame.groupby("flow")["avoided"].idxmax().to_numpy()] = True
        for scope, mask in (("potenziale", best), ("realizzato", realised), ("in corso", ongoing)):
            if mc is not None:
                stats = interval_of_sum(ev, mc, m, mask)
            else:
                value = float(avoided[mask].sum())
                stats = {"value": value, "p05": math.nan, "p95": math.nan,
                         "subjects": int(mask.sum()), "sign_uncertain": False}
            rows.append({"ambito": scope, "method": method_label(m), "unit": ev.unit(m),
                         "subjects": stats["subjects"], "avoided": stats["value"],
                         "avoided_p05": stats["p05"], "avoided_p95": stats["p95"],
                         "sign_uncertain": stats["sign_uncertain"]})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ readers for others
def results_for(con, subject_kind: str, method=GWP100) -> pd.DataFrame:
    """The stored LCA results of one kind of subject and one method, by subject.

    The way for the screening and the report to use the LCA instead of factor-based CO2e
    where it exists (and only there: subjects without a row keep their estimate).

    Parameters
    ----------
    con : duckdb connection — an open store.
    subject_kind : str — ``candidate`` (potential) or ``synergy`` (realised or not: the
        status is the register's, at the period the reader asks for).
    method : method — default IPCC 2021 GWP100.

    Returns
    -------
    DataFrame — indexed by ``subject_id``: ``unit``, ``baseline``, ``symbiosis``,
    ``avoided``, ``avoided_p05``, ``avoided_p95`` [unit/yr], ``sign_uncertain``,
    ``kind``, ``driver_name``, ``inventory_version``, ``database``, ``computed_at``.
    """
    if subject_kind not in SUBJECT_CHOICES["tutti"]:
        raise LcaError(f"subject_kind {subject_kind!r}; atteso candidate o synergy")
    df = con.execute(
        "SELECT subject_id, unit, baseline, symbiosis, avoided, avoided_p05, avoided_p95, "
        "sign_uncertain, kind, driver_name, inventory_version, database, computed_at "
        "FROM lca_results WHERE subject_kind = ? AND method = ? ORDER BY subject_id",
        [subject_kind, method_label(method)]).df()
    return df.drop_duplicates("subject_id", keep="last").set_index("subject_id")


def _to_tonnes(values: pd.Series, unit: pd.Series) -> pd.Series:
    factor = unit.fillna("").str.lower().map(lambda u: 0.001 if u.startswith("kg") else 1.0)
    return values * factor


def with_lca_co2e(frame: pd.DataFrame, con, subject_kind: str,
                  id_column: str | None = None) -> pd.DataFrame:
    """Replace the factor-based ``co2e_avoided_t`` of candidates or synergies by the LCA.

    Parameters
    ----------
    frame : DataFrame — candidates (``candidate_id``) or synergies (``synergy_id``) with
        ``co2e_avoided_t`` [t CO2e/yr].
    subject_kind : str — ``candidate`` or ``synergy``.
    id_column : str, optional — default ``candidate_id`` or ``synergy_id``.

    Returns
    -------
    DataFrame — a copy; where an LCA result (IPCC 2021 GWP100) exists,
    ``co2e_avoided_t`` is the LCA figure, ``co2e_method`` names the LCA and its
    inventory version, and ``co2e_p05_t``, ``co2e_p95_t`` [t CO2e/yr],
    ``co2e_sign_uncertain`` give its 90 % interval; ``co2e_source`` is ``lca`` or
    ``fattori``.
    """
    id_column = id_column or ("candidate_id" if subject_kind == "candidate" else "synergy_id")
    out = frame.copy()
    lca = results_for(con, subject_kind)
    ids = out[id_column].astype(str)
    found = ids.isin(lca.index)
    row = lca.reindex(ids)
    unit = row["unit"]
    if "co2e_avoided_t" not in out:
        out["co2e_avoided_t"] = np.nan
    out["co2e_avoided_t"] = np.where(found, _to_tonnes(row["avoided"], unit).to_numpy(),
                                     out["co2e_avoided_t"])
    method = ("LCA Brightway, " + method_label(GWP100) + ", inventario "
              + row["inventory_version"].fillna("").astype(str))
    out["co2e_method"] = np.where(found, method.to_numpy(),
                                  out["co2e_method"] if "co2e_method" in out else None)
    out["co2e_p05_t"] = np.where(found, _to_tonnes(row["avoided_p05"], unit).to_numpy(), np.nan)
    out["co2e_p95_t"] = np.where(found, _to_tonnes(row["avoided_p95"], unit).to_numpy(), np.nan)
    out["co2e_sign_uncertain"] = np.where(found, row["sign_uncertain"].fillna(False).to_numpy(),
                                          None)
    out["co2e_source"] = np.where(found, "lca", "fattori")
    return out
