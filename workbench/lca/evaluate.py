"""Avoided impacts of candidates and synergies: baseline − symbiosis, batched.

Each subject (a screening candidate or a register synergy) of a known ``kind`` is two
scenarios, read from ``lib/lci/scenarios.csv``: *baseline* (no symbiosis, e.g. the
receiver burns natural gas for its heat) and *symbiosis* (e.g. recovered heat delivered
by pipe, with its pumping electricity). Both are demands on the foreground database,
scaled by the subject's yearly quantity, so the results are per year.

One ``bw2calc.LCA`` is built for the whole foreground, its technosphere matrix is
factorised once, and every demand is then a single triangular solve with that
factorisation; the characterised score of a supply vector is one dot product with the
row vector ``1ᵀ·C·B``. Many subjects therefore cost little more than one.
"""
from __future__ import annotations

import time
import warnings
from datetime import datetime

import numpy as np
import pandas as pd

from .inventory import FOREGROUND, inventory_version, load_foreground, read_scenarios
from .project import (
    DEFAULT_PROJECT,
    GWP100,
    LcaError,
    bootstrap,
    import_bw2calc,
    method_label,
    open_project,
    resolve_methods,
)

SUBJECT_KINDS: tuple[str, ...] = ("candidate", "synergy")

#: Columns of :func:`avoided_impacts` results.
RESULT_COLUMNS: tuple[str, ...] = (
    "subject_id", "subject_kind", "kind", "quantity_std", "unit_std", "method", "unit",
    "baseline", "symbiosis", "avoided", "inventory_version",
)
#: Columns of the store table ``lca_results`` (workbench/store.py, migration 2).
STORE_COLUMNS: tuple[str, ...] = (
    "subject_id", "subject_kind", "method", "unit", "baseline", "symbiosis", "avoided",
    "inventory_version", "computed_at",
)


class BatchLCA:
    """One LCA of the whole foreground, factorised once, for many demands.

    Parameters
    ----------
    bd : module — ``bw2data``, with the project open (see :func:`open_project`).
    method : tuple — First LCIA method; :meth:`scores` can switch to others.

    Attributes
    ----------
    lca : bw2calc.LCA — the underlying calculation (its matrices are inspectable).
    codes : list of str — foreground process codes, in the order of the rows of the
        demands given to :meth:`supply` and :meth:`scores`.
    """

    def __init__(self, bd, method: tuple):
        bc = import_bw2calc()
        nodes = list(bd.Database(FOREGROUND))
        if not nodes:
            raise LcaError(f"database {FOREGROUND} vuoto: eseguire load_foreground()")
        self.codes = [node["code"] for node in nodes]
        self._ids = [node.id for node in nodes]
        self.lca = bc.LCA({node_id: 1.0 for node_id in self._ids}, method=tuple(method))
        self.lca.lci(factorize=True)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "All values in characterization matrix")
            self.lca.lcia()
        self._rows = np.array([self.lca.dicts.product[i] for i in self._ids])
        self._method = tuple(method)
        self._weights = {self._method: self._characterised_row()}

    def _characterised_row(self) -> np.ndarray:
        """``1ᵀ·C·B``: impact of one unit of supply of each activity (direct emissions)."""
        cb = self.lca.characterization_matrix @ self.lca.biosphere_matrix
        return np.asarray(cb.sum(axis=0)).ravel()

    def weights(self, method: tuple) -> np.ndarray:
        """``1ᵀ·C·B`` of ``method``: score per unit of supply of each activity. [unit]"""
        method = tuple(method)
        if method not in self._weights:
            with warnings.catch_warnings():
                # A method may characterise none of the foreground's flows (e.g. water use
                # of a heat-only inventory): its scores are then rightly zero.
                warnings.filterwarnings("ignore", "All values in characterization matrix")
                self.lca.switch_method(method)
            self._method = method
            self._weights[method] = self._characterised_row()
        return self._weights[method]

    def supply(self, demands: np.ndarray) -> np.ndarray:
        """Supply vectors for demands given per foreground process (rows = :attr:`codes`).

        Parameters
        ----------
        demands : array (n_processes, n_demands) — amount of each process's product.

        Returns
        -------
        array (n_activities, n_demands) — supply of every activity, one column per demand.
        """
        demands = np.asarray(demands, dtype=float)
        supply = np.empty((len(self.lca.dicts.activity), demands.shape[1]))
        rhs = np.zeros(len(self.lca.dicts.product))
        for j in range(demands.shape[1]):
            rhs[:] = 0.0
            rhs[self._rows] = demands[:, j]
            supply[:, j] = self.lca.solve_linear_system(rhs)
        return supply

    def scores(self, demands: np.ndarray, method: tuple) -> np.ndarray:
        """Characterised score of every demand column. [method unit]"""
        return self.weights(method) @ self.supply(demands)


def _subjects(scenarios: pd.DataFrame, known: pd.DataFrame) -> pd.DataFrame:
    """Check the subjects table and give it ``quantity_std`` and ``unit_std``."""
    if not isinstance(scenarios, pd.DataFrame):
        raise LcaError("scenari: atteso un DataFrame")
    df = scenarios.copy()
    missing = [c for c in ("subject_id", "subject_kind", "kind") if c not in df.columns]
    if "quantity_mwh" in df.columns and "quantity_std" not in df.columns:
        df["quantity_std"] = df["quantity_mwh"]
        df["unit_std"] = "MWh"
    if "quantity_std" not in df.columns or "unit_std" not in df.columns:
        missing.append("quantity_mwh (o quantity_std e unit_std)")
    if missing:
        raise LcaError(f"scenari: colonne mancanti {', '.join(missing)}")
    df["subject_id"] = df["subject_id"].astype(str)
    units = known.groupby("kind")["quantity_unit"].first()
    quantity = pd.to_numeric(df["quantity_std"], errors="coerce").astype(float)
    checks = [
        (~df["subject_kind"].isin(SUBJECT_KINDS),
         lambda r: f"subject_kind {r['subject_kind']!r}; atteso {' o '.join(SUBJECT_KINDS)}"),
        (~df["kind"].isin(units.index),
         lambda r: f"tipo di sinergia {r['kind']!r} senza scenari in lib/lci/scenarios.csv; "
                   f"tipi noti: {', '.join(units.index)}"),
        (~(np.isfinite(quantity) & (quantity > 0)),
         lambda r: f"quantità {r['quantity_std']} non valida (deve essere > 0)"),
        (df["unit_std"].ne(df["kind"].map(units)) & df["kind"].isin(units.index),
         lambda r: f"unità {r['unit_std']!r}, ma il tipo {r['kind']!r} è per "
                   f"{units[r['kind']]!r}"),
        (df.duplicated(["subject_id", "subject_kind"]), lambda r: "ripetuto"),
    ]
    for bad, message in checks:
        if bad.any():
            row = df[bad.to_numpy()].iloc[0]
            raise LcaError(f"soggetto {row['subject_id']!r}: {message(row)}")
    df["quantity_std"] = quantity
    return df


def _demand_matrix(subjects: pd.DataFrame, known: pd.DataFrame, scenario: str,
                   codes: list[str]) -> np.ndarray:
    """Demands (processes × subjects) of one scenario for all subjects."""
    position = {code: i for i, code in enumerate(codes)}
    rows = known[known["scenario"] == scenario]
    absent = sorted(set(rows["process_code"]) - set(position))
    if absent:
        raise LcaError(f"scenari: processo {absent[0]!r} assente dal database {FOREGROUND}")
    kinds = sorted(rows["kind"].unique())
    per_unit = np.zeros((len(codes), len(kinds)))
    for k, kind in enumerate(kinds):
        for _, row in rows[rows["kind"] == kind].iterrows():
            per_unit[position[row["process_code"]], k] += row["amount"]
    column = {kind: k for k, kind in enumerate(kinds)}
    index = subjects["kind"].map(column).to_numpy()
    return per_unit[:, index] * subjects["quantity_std"].to_numpy()


def _ready_batch(project_dir, project_name: str, methods: list[tuple], lci_dir):
    """Bootstrap (fast when reused), load the foreground, build the batch: (bd, batch, version)."""
    bootstrap(project_dir, project_name, methods=methods)
    version = load_foreground(project_dir, project_name, lci_dir=lci_dir)["inventory_version"]
    bd = open_project(project_dir, project_name)
    return bd, BatchLCA(bd, methods[0]), version


def avoided_impacts(scenarios: pd.DataFrame, project_dir, project_name: str = DEFAULT_PROJECT,
                    method=GWP100, lci_dir=None) -> pd.DataFrame:
    """Yearly baseline, symbiosis and avoided impact of each subject.

    Parameters
    ----------
    scenarios : DataFrame — one row per subject: ``subject_id``, ``subject_kind``
        (``candidate``|``synergy``), ``kind`` (a kind of ``lib/lci/scenarios.csv``, e.g.
        ``heat_recovery``) and the exchanged quantity, either ``quantity_mwh`` [MWh/yr] or
        ``quantity_std`` with ``unit_std`` [unit/yr].
    project_dir : path — Brightway base directory; bootstrapped and loaded if needed.
    project_name : str — Brightway project name.
    method : tuple, str or list of them — LCIA method(s); default IPCC 2021 GWP100.
    lci_dir : path — Inventory folder. Default ``lib/lci``.

    Returns
    -------
    DataFrame — :data:`RESULT_COLUMNS`, one row per subject and method: ``baseline``,
    ``symbiosis`` and ``avoided`` (= baseline − symbiosis, positive when the synergy
    helps) in ``unit`` per year [e.g. kg CO2-Eq/yr]; ``method`` as a string
    (:func:`method_label`) and the ``inventory_version`` used.

    Raises
    ------
    LcaError — a bad subject (named), an unknown kind or method, a bad inventory.
    """
    methods = resolve_methods(method)
    known = read_scenarios(lci_dir)
    subjects = _subjects(scenarios, known)
    if subjects.empty:
        return pd.DataFrame(columns=list(RESULT_COLUMNS))
    bd, batch, version = _ready_batch(project_dir, project_name, methods, lci_dir)
    baseline = _demand_matrix(subjects, known, "baseline", batch.codes)
    symbiosis = _demand_matrix(subjects, known, "symbiosis", batch.codes)
    supply_base, supply_sym = batch.supply(baseline), batch.supply(symbiosis)
    frames = []
    for m in methods:
        weights = batch.weights(m)
        out = subjects[["subject_id", "subject_kind", "kind", "quantity_std", "unit_std"]].copy()
        out["method"] = method_label(m)
        out["unit"] = bd.methods[m].get("unit", "")
        out["baseline"] = weights @ supply_base
        out["symbiosis"] = weights @ supply_sym
        out["avoided"] = out["baseline"] - out["symbiosis"]
        out["inventory_version"] = version
        frames.append(out)
    return pd.concat(frames, ignore_index=True)[list(RESULT_COLUMNS)]


def process_scores(project_dir, project_name: str = DEFAULT_PROJECT, method=GWP100,
                   lci_dir=None) -> pd.DataFrame:
    """Life-cycle impact of one unit of each foreground process (an audit table).

    Returns
    -------
    DataFrame — ``process_code``, ``process_name``, ``product_unit``, ``method``, ``unit``,
    ``score`` [method unit per product unit], ``inventory_version``.
    """
    methods = resolve_methods(method)
    bd, batch, version = _ready_batch(project_dir, project_name, methods, lci_dir)
    supply = batch.supply(np.eye(len(batch.codes)))
    nodes = {node["code"]: node for node in bd.Database(FOREGROUND)}
    frames = []
    for m in methods:
        frames.append(pd.DataFrame({
            "process_code": batch.codes,
            "process_name": [nodes[c]["name"] for c in batch.codes],
            "product_unit": [nodes[c]["unit"] for c in batch.codes],
            "method": method_label(m), "unit": bd.methods[m].get("unit", ""),
            "score": batch.weights(m) @ supply, "inventory_version": version,
        }))
    return pd.concat(frames, ignore_index=True).sort_values(["method", "process_code"],
                                                            ignore_index=True)


def store_results(con, results: pd.DataFrame, computed_at: datetime | None = None, *,
                  refresh_methods=None) -> int:
    """Write results of :func:`avoided_impacts` into the store table ``lca_results``.

    By default a subject's earlier row for the same method is replaced, so re-running a
    period does not duplicate it. One transaction; one line in the audit log.

    Parameters
    ----------
    con : duckdb connection — from :func:`workbench.store.connect`.
    results : DataFrame — with at least the columns of :data:`STORE_COLUMNS` but
        ``computed_at``.
    computed_at : datetime — Default now.
    refresh_methods : sequence of methods, optional — for a full refresh: every earlier
        row of these methods is deleted first (also those of subjects not in ``results``).

    Returns
    -------
    int — rows written.
    """
    from ..store import audit, transaction

    needed = [c for c in STORE_COLUMNS if c != "computed_at"]
    missing = [c for c in needed if c not in results.columns]
    if missing:
        raise LcaError(f"risultati LCA: colonne mancanti {', '.join(missing)}")
    rows = results[needed].copy()
    rows["computed_at"] = computed_at or datetime.now()
    records = [[None if pd.isna(v) else v for v in rec]
               for rec in rows[list(STORE_COLUMNS)].itertuples(index=False, name=None)]
    refresh = [method_label(m) for m in resolve_methods(refresh_methods)] \
        if refresh_methods is not None else []
    with transaction(con):
        if refresh:
            con.executemany("DELETE FROM lca_results WHERE method = ?", [[m] for m in refresh])
        keys = sorted({(r[0], r[1], r[2]) for r in records})
        con.executemany("DELETE FROM lca_results WHERE subject_id = ? AND subject_kind = ? "
                        "AND method = ?", [list(k) for k in keys])
        if records:
            con.executemany(f"INSERT INTO lca_results ({', '.join(STORE_COLUMNS)}) "
                            f"VALUES ({', '.join('?' * len(STORE_COLUMNS))})", records)
        methods = sorted(set(rows["method"]) | set(refresh))
        versions = sorted(rows["inventory_version"].astype(str).unique())
        audit(con, "lca_results", target="lca_results", rows_accepted=len(records),
              detail=f"metodi: {', '.join(methods) or '-'}; inventario: "
                     f"{', '.join(versions) or '-'}" + ("; aggiornamento completo" if refresh else ""))
    return len(records)


def benchmark(project_dir, project_name: str = DEFAULT_PROJECT, n_subjects: int = 1000,
              n_naive: int | None = None) -> dict:
    """Time :func:`avoided_impacts` on synthetic heat-recovery subjects, and the naive way.

    The naive way builds one ``bw2calc.LCA`` per subject and scenario (what the batch
    avoids). For a benchmark, not a test.

    Returns
    -------
    dict — ``n_subjects``, ``batch_seconds`` (whole call, Brightway already
    bootstrapped), ``n_naive``, ``naive_seconds``, ``speedup`` (per subject). [s]
    """
    subjects = pd.DataFrame({
        "subject_id": [f"B-{i:05d}" for i in range(n_subjects)],
        "subject_kind": "candidate", "kind": "heat_recovery",
        "quantity_mwh": np.linspace(10.0, 10_000.0, n_subjects),
    })
    avoided_impacts(subjects.head(1), project_dir, project_name)  # bootstrap outside the clock
    start = time.perf_counter()
    batch = avoided_impacts(subjects, project_dir, project_name)
    batch_seconds = time.perf_counter() - start
    n_naive = n_subjects if n_naive is None else min(n_naive, n_subjects)
    bd = open_project(project_dir, project_name)
    bc = import_bw2calc()
    known = read_scenarios()
    nodes = {node["code"]: node.id for node in bd.Database(FOREGROUND)}
    start = time.perf_counter()
    naive = []
    for _, subject in subjects.head(n_naive).iterrows():
        score = {}
        for scenario in ("baseline", "symbiosis"):
            rows = known[(known["kind"] == subject["kind"]) & (known["scenario"] == scenario)]
            demand = {nodes[r["process_code"]]: r["amount"] * subject["quantity_mwh"]
                      for _, r in rows.iterrows()}
            lca = bc.LCA(demand, method=GWP100)
            lca.lci()
            lca.lcia()
            score[scenario] = lca.score
        naive.append(score["baseline"] - score["symbiosis"])
    naive_seconds = time.perf_counter() - start
    if not np.allclose(naive, batch["avoided"].head(n_naive), rtol=1e-9):
        raise LcaError("benchmark: i risultati del calcolo a lotti e di quello ingenuo differiscono")
    return {"n_subjects": n_subjects, "batch_seconds": round(batch_seconds, 4),
            "n_naive": n_naive, "naive_seconds": round(naive_seconds, 3),
            "speedup": round((naive_seconds / n_naive) / (batch_seconds / n_subjects), 1),
            "inventory_version": inventory_version()}
