"""Avoided impacts of candidates and synergies: baseline − symbiosis, batched.

Each subject (a screening candidate or a register synergy) is two scenarios
(:mod:`.scenarios`): *baseline* (no symbiosis) and *symbiosis*, two demand vectors on
the foreground processes, per year. Every result is linear in those demands, so:

* one ``bw2calc.LCA`` builds the matrices of the whole foreground (technosphere A,
  biosphere B, characterisation C) and A is factorised **once** (SuperLU);
* for each method the life-cycle impact of one unit of every demanded process is one
  transposed solve, ``λ = A⁻ᵀ·(cᵀB)`` (c: the characterisation factors of the method);
* the scores of all subjects are then a matrix product ``λᵀ·D``, D = demands
  (processes × subjects); the avoided impact is ``λᵀ·(D_baseline − D_symbiosis)``;
* the contribution of each activity (its direct emissions, characterised) needs the
  supply vectors ``s = A⁻¹·d``: one multi-column solve with the same factorisation.

A thousand subjects therefore cost about what one does (``bench/bench_lca.py``). The
inventory indicators (groundwater withdrawn, waste to disposal) use the same λ algebra
with a weight vector that counts flows or process supplies instead of characterising.
"""
from __future__ import annotations

import contextlib
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .inventory import FOREGROUND, inventory_version, load_foreground
from .project import (
    BIOSPHERE,
    DEFAULT_PROJECT,
    GWP100,
    INDICATOR_KEYS,
    INVENTORY_INDICATORS,
    LcaError,
    bootstrap,
    import_bw2calc,
    method_label,
    open_project,
    resolve_methods,
)
from .scenarios import (
    SUBJECT_KINDS,
    ScenarioTables,
    demand_matrices,
    read_tables,
    resolve_subjects,
    scenario_rows,
)

#: Columns of :func:`avoided_impacts` results.
RESULT_COLUMNS: tuple[str, ...] = (
    "subject_id", "subject_kind", "kind", "quantity_std", "unit_std", "method", "unit",
    "baseline", "symbiosis", "avoided", "inventory_version", "database", "driver_process",
    "driver_name", "driver_share",
)
#: Columns of the store table ``lca_results`` (workbench/store.py, migrations 2 and 4).
STORE_COLUMNS: tuple[str, ...] = (
    "subject_id", "subject_kind", "method", "unit", "baseline", "symbiosis", "avoided",
    "inventory_version", "computed_at",
    # migration 4
    "kind", "quantity_std", "unit_std", "avoided_p05", "avoided_p50", "avoided_p95",
    "sign_uncertain", "mc_iterations", "mc_seed", "driver_process", "driver_name",
    "driver_share", "database",
)
#: Subjects whose supply vectors are solved at once (memory bound with a large
#: background: activities × 2 × chunk floats).
SUPPLY_CHUNK = 500


@contextlib.contextmanager
def _quiet_lcia():
    """Silence bw2calc's warning for a method that characterises none of our flows."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "All values in characterization matrix")
        yield


class BatchLCA:
    """The matrices of the foreground (and a linked background), factorised once.

    Parameters
    ----------
    bd : module — ``bw2data``, with the project open (see :func:`open_project`).
    nodes : dict — process code → Brightway node id of every process the demands name
        (the foreground processes, or linked ecoinvent activities).
    scale : dict, optional — process code → factor from the lib/lci unit to the node's
        unit (e.g. 1000 for MWh → kWh); default 1.

    Attributes
    ----------
    lca : bw2calc.LCA — matrices built by Brightway (inspectable: ``technosphere_matrix``,
        ``biosphere_matrix``, ``dicts``).
    codes : list of str — process codes in the order of the rows of demand matrices.
    """

    def __init__(self, bd, nodes: dict[str, int], scale: dict[str, float] | None = None):
        from scipy.sparse.linalg import splu

        if not nodes:
            raise LcaError(f"database {FOREGROUND} vuoto: eseguire load_foreground()")
        bc = import_bw2calc()
        self.bd = bd
        self.codes = list(nodes)
        self.node_ids = [nodes[c] for c in self.codes]
        self.scale = np.array([(scale or {}).get(c, 1.0) for c in self.codes])
        self.lca = bc.LCA(_one_node_per_database(bd, self.node_ids))
        self.lca.load_lci_data()
        self._rows = np.array([self.lca.dicts.product[i] for i in self.node_ids])
        self._lu = splu(self.lca.technosphere_matrix.tocsc())
        self._c: dict[tuple, np.ndarray] = {}
        self._unit_impacts: dict[tuple, np.ndarray] = {}
        self._activity_codes = None

    # ------------------------------------------------------------ characterisation
    def characterisation(self, method: tuple) -> np.ndarray:
        """c: factor of each biosphere row (zeros for a method that characterises none)."""
        method = tuple(method)
        if method not in self._c:
            if method in INDICATOR_KEYS:
                self._c[method] = self._indicator_flows(method)
            else:
                with _quiet_lcia():
                    try:
                        self.lca.switch_method(method)
                        matrix = self.lca.characterization_matrix
                        self._c[method] = np.asarray(matrix.sum(axis=0)).ravel()
                    except ValueError:  # no characterisation data at all
                        self._c[method] = np.zeros(self.lca.biosphere_matrix.shape[0])
        return self._c[method]

    def _indicator_flows(self, method: tuple) -> np.ndarray:
        spec = INVENTORY_INDICATORS[INDICATOR_KEYS[method]][2]
        c = np.zeros(self.lca.biosphere_matrix.shape[0])
        if "flows" in spec:
            from bw2data.backends import ActivityDataset as AD

            wanted = {(name, tuple(cats)) for name, cats in spec["flows"]}
            names = sorted({name for name, _ in wanted})
            rows = AD.select(AD.id, AD.name, AD.data).where(
                (AD.database == BIOSPHERE) & (AD.name.in_(names))).tuples()
            index = self.lca.dicts.biosphere
            for node_id, name, data in rows:
                if (name, tuple(data.get("categories") or ())) in wanted and node_id in index:
                    c[index[node_id]] = 1.0
        return c

    def activity_weights(self, method: tuple, biosphere=None) -> np.ndarray:
        """w = cᵀ·B: impact of one unit of supply of each activity (direct). [unit]"""
        method = tuple(method)
        biosphere = self.lca.biosphere_matrix if biosphere is None else biosphere
        spec = INVENTORY_INDICATORS[INDICATOR_KEYS[method]][2] if method in INDICATOR_KEYS else {}
        if "process_prefixes" in spec:
            codes = self.activity_codes()
            return np.array([1.0 if c and c.startswith(spec["process_prefixes"]) else 0.0
                             for c in codes])
        return np.asarray(biosphere.T @ self.characterisation(method)).ravel()

    def uses_biosphere(self, method: tuple) -> bool:
        """Whether the weights of ``method`` come from the biosphere matrix (not supplies)."""
        method = tuple(method)
        spec = INVENTORY_INDICATORS[INDICATOR_KEYS[method]][2] if method in INDICATOR_KEYS else {}
        return "process_prefixes" not in spec

    def activity_codes(self) -> list[str | None]:
        """Foreground process code of each activity column (``None`` for other databases)."""
        if self._activity_codes is None:
            from bw2data.backends import ActivityDataset as AD

            ids = self.lca.dicts.activity
            reverse = {col: node_id for node_id, col in ids.items()}
            rows = dict(AD.select(AD.id, AD.code).where(
                (AD.database == FOREGROUND) & (AD.id.in_(list(reverse.values())))).tuples())
            self._activity_codes = [rows.get(reverse[j]) for j in range(len(reverse))]
        return self._activity_codes

    # ------------------------------------------------------------ solves
    def unit_impacts(self, method: tuple) -> np.ndarray:
        """λ: life-cycle impact of one lib/lci unit of each process of :attr:`codes`. [unit]"""
        method = tuple(method)
        if method not in self._unit_impacts:
            lam = self._lu.solve(self.activity_weights(method), trans="T")
            self._unit_impacts[method] = lam[self._rows] * self.scale
        return self._unit_impacts[method]

    def scores(self, demands: np.ndarray, method: tuple) -> np.ndarray:
        """Characterised score of every demand column (rows = :attr:`codes`). [unit]"""
        return self.unit_impacts(method) @ np.asarray(demands, dtype=float)

    def supply(self, demands: np.ndarray) -> np.ndarray:
        """Supply of every activity for each demand column, one multi-column solve.

        Parameters
        ----------
        demands : array (len(codes), k) — amount of each process's product [lib/lci unit].

        Returns
        -------
        array (n_activities, k) — supply of every activity [its unit].
        """
        demands = np.asarray(demands, dtype=float)
        rhs = np.zeros((self.lca.technosphere_matrix.shape[0], demands.shape[1]))
        np.add.at(rhs, self._rows, demands * self.scale[:, None])
        return self._lu.solve(rhs)


def _one_node_per_database(bd, node_ids) -> dict[int, float]:
    """A demand naming one node of each database of ``node_ids``.

    Brightway builds the matrices of whole databases (and their dependencies), so one
    node per database gives the same matrices as all of them, with one lookup each
    instead of one per node.
    """
    from bw2data.backends import ActivityDataset as AD

    ids = sorted(set(node_ids))
    rows = AD.select(AD.id, AD.database).where(AD.id.in_(ids)).tuples()
    first: dict[str, int] = {}
    for node_id, database in rows:
        first.setdefault(database, node_id)
    return {node_id: 1.0 for node_id in first.values()}


# ------------------------------------------------------------------ one evaluation
@dataclass
class Evaluation:
    """Subjects, their demand matrices and the factorised LCA, ready for every analysis.

    Attributes
    ----------
    subjects : DataFrame — resolved subjects (:func:`~workbench.lca.resolve_subjects`)
        that can be evaluated, in column order of the demand matrices.
    baseline, symbiosis : array (len(batch.codes), n_subjects) — demands per year.
    methods : list of tuple — LCIA methods and inventory indicators.
    units : dict — method → unit of its scores.
    """

    subjects: pd.DataFrame
    baseline: np.ndarray
    symbiosis: np.ndarray
    batch: BatchLCA
    tables: ScenarioTables
    methods: list[tuple]
    units: dict
    version: str
    database: str
    names: dict = field(default_factory=dict)

    @property
    def delta(self) -> np.ndarray:
        """Baseline − symbiosis demands (processes × subjects)."""
        return self.baseline - self.symbiosis

    def unit(self, method) -> str:
        return self.units[tuple(method)]


def _method_units(bd, methods: list[tuple]) -> dict:
    units = {}
    for m in methods:
        if m in INDICATOR_KEYS:
            units[m] = INVENTORY_INDICATORS[INDICATOR_KEYS[m]][1]
        else:
            units[m] = bd.methods[m].get("unit", "")
    return units


def prepare_evaluation(subjects: pd.DataFrame, project_dir, project_name: str = DEFAULT_PROJECT,
                       method=GWP100, lci_dir=None, database: str | None = None) -> Evaluation:
    """Resolve the subjects, bootstrap and load Brightway, build demands and the batch LCA.

    Parameters
    ----------
    subjects : DataFrame — see :func:`~workbench.lca.resolve_subjects`.
    project_dir : path — Brightway base directory; bootstrapped and loaded if needed.
    method : tuple, str or list — LCIA method(s) or inventory indicator(s).
    database : str, optional — name of an ecoinvent database imported in the project:
        the demanded processes that ``lib/lci/ecoinvent_links.csv`` maps are taken from it
        instead of lib/lci (:func:`~workbench.lca.link_ecoinvent`).

    Raises
    ------
    LcaError — the first subject that cannot be evaluated (named), a bad inventory or an
    unknown method.
    """
    methods = resolve_methods(method)
    tables = read_tables(lci_dir)
    resolved = resolve_subjects(subjects, tables)
    bad = resolved[resolved["reason"].notna()]
    if len(bad):
        row = bad.iloc[0]
        raise LcaError(f"soggetto {row['subject_id']!r}: {row['reason']}")
    bootstrap(project_dir, project_name, methods=methods)
    version = load_foreground(project_dir, project_name, lci_dir=lci_dir)["inventory_version"]
    bd = open_project(project_dir, project_name)
    nodes = {node["code"]: node.id for node in bd.Database(FOREGROUND)}
    names = {node["code"]: node["name"] for node in bd.Database(FOREGROUND)}
    scale, label = {}, FOREGROUND
    if database:
        from .ecoinvent import link_ecoinvent

        links = link_ecoinvent(bd, database, lci_dir=lci_dir)
        linked = links[links["node_id"].notna()]
        for r in linked.itertuples(index=False):
            nodes[r.process_code] = int(r.node_id)
            scale[r.process_code] = float(r.factor)
            names[r.process_code] = f"{r.activity_name} [{r.location}] ({database})"
        label = f"{database} ({len(linked)} processi collegati) + {FOREGROUND}"
    batch = BatchLCA(bd, nodes, scale)
    if resolved.empty:
        baseline = symbiosis = np.zeros((len(batch.codes), 0))
    else:
        baseline, symbiosis = demand_matrices(resolved, tables, batch.codes)
    return Evaluation(resolved, baseline, symbiosis, batch, tables, methods,
                      _method_units(bd, methods), version, label, names)


def results_table(ev: Evaluation) -> pd.DataFrame:
    """Deterministic results of an evaluation, one row per subject and method.

    Returns
    -------
    DataFrame — :data:`RESULT_COLUMNS`: ``baseline``, ``symbiosis`` and ``avoided`` (=
    baseline − symbiosis, positive when the synergy helps) in ``unit`` per year; the
    activity that drives the avoided figure (``driver_process``, ``driver_name``) and its
    signed share of it (``driver_share`` [-]).
    """
    if ev.subjects.empty:
        return pd.DataFrame(columns=list(RESULT_COLUMNS))
    frames = []
    for m in ev.methods:
        out = ev.subjects[["subject_id", "subject_kind", "kind", "quantity_std", "unit_std"]].copy()
        out["method"] = method_label(m)
        out["unit"] = ev.unit(m)
        out["baseline"] = ev.batch.scores(ev.baseline, m)
        out["symbiosis"] = ev.batch.scores(ev.symbiosis, m)
        out["avoided"] = out["baseline"] - out["symbiosis"]
        out["inventory_version"] = ev.version
        out["database"] = ev.database
        code, share = _drivers(ev, m, out["avoided"].to_numpy())
        out["driver_process"] = code
        out["driver_name"] = [_activity_name(ev, c) for c in code]
        out["driver_share"] = share
        frames.append(out)
    return pd.concat(frames, ignore_index=True)[list(RESULT_COLUMNS)]


def _activity_name(ev: Evaluation, code) -> str | None:
    if code is None:
        return None
    return ev.names.get(code, code)


def _activity_labels(ev: Evaluation, columns) -> np.ndarray:
    """Label of the given activity columns: foreground code, else ``name [location]`` of
    the node (one query per 500 nodes; only the columns asked for)."""
    from bw2data.backends import ActivityDataset as AD

    columns = np.asarray(columns, dtype=int)
    codes = np.array(ev.batch.activity_codes(), dtype=object)
    labels = codes[columns].copy()
    missing = np.flatnonzero(pd.isna(labels))
    if len(missing):
        reverse = {col: node_id for node_id, col in ev.batch.lca.dicts.activity.items()}
        ids = sorted({reverse[int(columns[i])] for i in missing})
        names = {}
        for start in range(0, len(ids), 500):
            rows = AD.select(AD.id, AD.name, AD.location).where(
                AD.id.in_(ids[start:start + 500])).tuples()
            names.update({node_id: f"{name} [{location}]" for node_id, name, location in rows})
        for i in missing:
            labels[i] = names.get(reverse[int(columns[i])], "?")
    return labels


def _drivers(ev: Evaluation, method: tuple, avoided: np.ndarray):
    """Activity with the largest |contribution| to each avoided figure, and its share."""
    weights = ev.batch.activity_weights(method)
    delta = ev.delta
    n = ev.baseline.shape[1]
    code = np.full(n, None, dtype=object)
    share = np.full(n, np.nan)
    for start in range(0, n, SUPPLY_CHUNK):
        stop = min(start + SUPPLY_CHUNK, n)
        contribution = weights[:, None] * ev.batch.supply(delta[:, start:stop])
        best = np.abs(contribution).argmax(axis=0)
        value = contribution[best, np.arange(stop - start)]
        nonzero = np.abs(value) > 0
        code[start:stop] = np.where(nonzero, _activity_labels(ev, best), None)
        with np.errstate(divide="ignore", invalid="ignore"):
            share[start:stop] = np.where(nonzero & (avoided[start:stop] != 0),
                                         value / avoided[start:stop], np.nan)
    return code, share


def avoided_impacts(scenarios: pd.DataFrame, project_dir, project_name: str = DEFAULT_PROJECT,
                    method=GWP100, lci_dir=None, database: str | None = None) -> pd.DataFrame:
    """Yearly baseline, symbiosis and avoided impact of each subject.

    Parameters
    ----------
    scenarios : DataFrame — one row per subject: ``subject_id``, ``subject_kind``
        (``candidate``|``synergy``), the exchanged quantity (``quantity_mwh`` [MWh/yr] or
        ``quantity_std`` with ``unit_std`` [unit/yr]) and either ``kind`` (a kind of
        ``lib/lci/scenarios.csv``, e.g. ``heat_recovery``) or ``source_resource`` and
        ``target_resource``; the other columns of
        :func:`~workbench.lca.resolve_subjects` (route, COP, fate ...) when the kind
        needs them.
    project_dir : path — Brightway base directory; bootstrapped and loaded if needed.
    project_name : str — Brightway project name.
    method : tuple, str or list of them — LCIA method(s) or inventory indicator(s);
        default IPCC 2021 GWP100.
    lci_dir : path — Inventory folder. Default ``lib/lci``.
    database : str, optional — imported ecoinvent database to link to (optional).

    Returns
    -------
    DataFrame — :data:`RESULT_COLUMNS`, one row per subject and method (see
    :func:`results_table`) [e.g. kg CO2-Eq/yr], with the ``inventory_version`` used.

    Raises
    ------
    LcaError — a bad subject (named), an unknown kind or method, a bad inventory.
    """
    ev = prepare_evaluation(scenarios, project_dir, project_name, method, lci_dir, database)
    return results_table(ev)


def contributions(ev: Evaluation, subject_ids=None, method=None, level: str = "process",
                  top: int | None = None) -> pd.DataFrame:
    """What drives each result: impact of each activity (or demanded process), both scenarios.

    Parameters
    ----------
    ev : Evaluation — from :func:`prepare_evaluation`.
    subject_ids : list of str, optional — default all subjects.
    method : method, optional — default the first method of the evaluation.
    level : str — ``process``: direct impact of every activity of the supply chain
        (Brightway's process contribution, w·s); ``component``: life-cycle impact of each
        process the scenario demands (λ·d), i.e. the bars of the waterfall.
    top : int, optional — keep the ``top`` rows by |impact| per subject and scenario.

    Returns
    -------
    DataFrame — ``subject_id``, ``subject_kind``, ``method``, ``unit``, ``scenario``
    (``baseline``|``symbiosis``), ``process_code``, ``process_name``, ``amount`` (supply
    or demand [process unit/yr]), ``impact`` [unit/yr], ``avoided_share`` (signed share of
    the avoided figure: baseline rows add, symbiosis rows subtract) [-].
    """
    if level not in ("process", "component"):
        raise LcaError(f"livello {level!r}: atteso 'process' o 'component'")
    m = tuple(resolve_methods(method)[0]) if method is not None else ev.methods[0]
    if m not in ev.methods:
        ev.units[m] = _method_units(ev.batch.bd, [m])[m]
    subjects = ev.subjects.reset_index(drop=True)
    wanted = subjects.index if subject_ids is None else \
        subjects.index[subjects["subject_id"].isin([str(s) for s in subject_ids])]
    if len(wanted) == 0:
        return pd.DataFrame(columns=["subject_id", "subject_kind", "method", "unit", "scenario",
                                     "process_code", "process_name", "amount", "impact",
                                     "avoided_share"])
    cols = wanted.to_numpy()
    avoided = ev.batch.scores(ev.delta[:, cols], m)
    frames = []
    for scenario, demands, sign in (("baseline", ev.baseline, 1.0), ("symbiosis", ev.symbiosis, -1.0)):
        d = demands[:, cols]
        if level == "component":
            amount = d
            impact = ev.batch.unit_impacts(m)[:, None] * d
        else:
            amount = ev.batch.supply(d)
            impact = ev.batch.activity_weights(m)[:, None] * amount
        rows, subj = np.nonzero((np.abs(amount) > 0) | (np.abs(impact) > 0))
        labels = (np.array(ev.batch.codes, dtype=object)[rows] if level == "component"
                  else _activity_labels(ev, rows))
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(avoided[subj] != 0, sign * impact[rows, subj] / avoided[subj], np.nan)
        frames.append(pd.DataFrame({
            "subject_id": subjects.loc[cols[subj], "subject_id"].to_numpy(),
            "subject_kind": subjects.loc[cols[subj], "subject_kind"].to_numpy(),
            "method": method_label(m), "unit": ev.units[m], "scenario": scenario,
            "process_code": labels,
            "process_name": [ev.names.get(label, label) for label in labels],
            "amount": amount[rows, subj], "impact": impact[rows, subj], "avoided_share": share,
        }))
    out = pd.concat(frames, ignore_index=True)
    out = out.assign(_abs=out["impact"].abs()).sort_values(
        ["subject_id", "scenario", "_abs"], ascending=[True, True, False]).drop(columns="_abs")
    if top:
        out = out.groupby(["subject_id", "scenario"], sort=False).head(top)
    return out.reset_index(drop=True)


def scenario_table(ev: Evaluation, subject_id) -> pd.DataFrame:
    """The demands of one subject's two scenarios, as read from scenarios.csv (audit trail).

    Returns
    -------
    DataFrame — ``scenario``, ``process_code``, ``process_name``, ``amount`` [process
    unit/yr], ``unit``, ``basis``, ``basis_value``, ``role``, ``row`` (line of
    scenarios.csv), ``impact`` [method unit/yr, first method].
    """
    subjects = ev.subjects.reset_index(drop=True)
    match = subjects.index[subjects["subject_id"] == str(subject_id)]
    if len(match) == 0:
        raise LcaError(f"soggetto {subject_id!r} non valutato")
    one = subjects.loc[match[:1]].reset_index(drop=True)
    frames = []
    for scenario in ("baseline", "symbiosis"):
        rows = scenario_rows(one, ev.tables, scenario)
        rows = rows[rows["process_code"].notna()].copy()
        rows.insert(0, "scenario", scenario)
        frames.append(rows)
    out = pd.concat(frames, ignore_index=True).drop(columns="subject")
    position = {c: i for i, c in enumerate(ev.batch.codes)}
    lam = ev.batch.unit_impacts(ev.methods[0])
    out["process_name"] = out["process_code"].map(lambda c: ev.names.get(c, c))
    unit = {c: ev.batch.bd.get_node(id=i).get("unit") for c, i in
            zip(ev.batch.codes, ev.batch.node_ids) if c in set(out["process_code"])}
    out["unit"] = out["process_code"].map(unit)
    out["impact"] = [lam[position[c]] * a for c, a in zip(out["process_code"], out["amount"])]
    return out[["scenario", "process_code", "process_name", "amount", "unit", "basis",
                "basis_value", "role", "row", "impact"]]


def process_scores(project_dir, project_name: str = DEFAULT_PROJECT, method=GWP100,
                   lci_dir=None) -> pd.DataFrame:
    """Life-cycle impact of one unit of each foreground process (an audit table).

    Returns
    -------
    DataFrame — ``process_code``, ``process_name``, ``product_unit``, ``method``, ``unit``,
    ``score`` [method unit per product unit], ``inventory_version``.
    """
    methods = resolve_methods(method)
    bootstrap(project_dir, project_name, methods=methods)
    version = load_foreground(project_dir, project_name, lci_dir=lci_dir)["inventory_version"]
    bd = open_project(project_dir, project_name)
    nodes = {node["code"]: node for node in bd.Database(FOREGROUND)}
    batch = BatchLCA(bd, {c: n.id for c, n in nodes.items()})
    units = _method_units(bd, methods)
    frames = []
    for m in methods:
        frames.append(pd.DataFrame({
            "process_code": batch.codes,
            "process_name": [nodes[c]["name"] for c in batch.codes],
            "product_unit": [nodes[c]["unit"] for c in batch.codes],
            "method": method_label(m), "unit": units[m],
            "score": batch.unit_impacts(m), "inventory_version": version,
        }))
    return pd.concat(frames, ignore_index=True).sort_values(["method", "process_code"],
                                                            ignore_index=True)


def store_results(con, results: pd.DataFrame, computed_at=None, *,
                  refresh_methods=None, refresh_subject_kinds=SUBJECT_KINDS) -> int:
    """Write results into the store table ``lca_results`` (one transaction, audited).

    By default a subject's earlier row for the same method is replaced, so re-running a
    period does not duplicate it.

    Parameters
    ----------
    con : duckdb connection — from :func:`workbench.store.connect`.
    results : DataFrame — at least ``subject_id``, ``subject_kind``, ``method``, ``unit``,
        ``baseline``, ``symbiosis``, ``avoided``, ``inventory_version``; the other columns
        of :data:`STORE_COLUMNS` (interval, driver, database ...) when present.
    computed_at : datetime — Default now.
    refresh_methods : sequence of methods, optional — for a full refresh: every earlier
        row of these methods is deleted first (also those of subjects not in ``results``).
    refresh_subject_kinds : sequence of str — the subject kinds the full refresh deletes
        (default both; ``("synergy",)`` leaves the candidates' rows alone).

    Returns
    -------
    int — rows written.
    """
    from datetime import datetime

    from ..store import audit, transaction

    needed = ("subject_id", "subject_kind", "method", "unit", "baseline", "symbiosis",
              "avoided", "inventory_version")
    missing = [c for c in needed if c not in results.columns]
    if missing:
        raise LcaError(f"risultati LCA: colonne mancanti {', '.join(missing)}")
    rows = results.reindex(columns=list(STORE_COLUMNS)).copy()
    rows["computed_at"] = computed_at or datetime.now()
    records = [[None if (v is None or (not isinstance(v, str) and pd.isna(v))) else
                (v.item() if isinstance(v, np.generic) else v) for v in rec]
               for rec in rows.itertuples(index=False, name=None)]
    refresh = [method_label(m) for m in resolve_methods(refresh_methods)] \
        if refresh_methods is not None else []
    with transaction(con):
        if refresh:
            con.executemany("DELETE FROM lca_results WHERE method = ? AND subject_kind = ?",
                            [[m, k] for m in refresh for k in refresh_subject_kinds])
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


# ------------------------------------------------------------------ benchmark
def synthetic_subjects(n_subjects: int = 1000, seed: int = 2027) -> pd.DataFrame:
    """Candidates of every family for benchmarks: heat, heat pump, water, materials, steam.

    Returns
    -------
    DataFrame — subjects for :func:`avoided_impacts` (quantities, routes, COP).
    """
    rng = np.random.default_rng(seed)
    templates = [
        ("calore_media_temperatura", "domanda_calore_processo", "MWh", None, np.nan),
        ("calore_bassa_temperatura", "riscaldamento_ambienti", "MWh", "pompa_di_calore", 3.5),
        ("vapore_bassa", "vapore_bassa", "MWh", None, np.nan),
        ("effluente_depurato", "acqua_falda", "m3", None, np.nan),
        ("spurgo_raffreddamento", "acqua_raffreddamento", "m3", None, np.nan),
        ("gesso_fgd", "gesso_naturale", "t", None, np.nan),
        ("loppa_altoforno", "cemento_leganti", "t", None, np.nan),
        ("rottami_ferrosi", "ghisa_materia_prima", "t", None, np.nan),
        ("plastica_scarto", "polimeri_vergini", "t", None, np.nan),
        ("carta_cartone", "pasta_cellulosa", "t", None, np.nan),
    ]
    pick = rng.integers(0, len(templates), n_subjects)
    rows = [templates[i] for i in pick]
    return pd.DataFrame({
        "subject_id": [f"B-{i:05d}" for i in range(n_subjects)],
        "subject_kind": "candidate",
        "source_resource": [r[0] for r in rows], "target_resource": [r[1] for r in rows],
        "unit_std": [r[2] for r in rows], "heat_mode": [r[3] for r in rows],
        "cop": [r[4] for r in rows],
        "quantity_std": np.round(rng.uniform(10, 10_000, n_subjects), 1),
        "route_km": np.round(rng.uniform(0.5, 60, n_subjects), 1),
    })


def benchmark(project_dir, project_name: str = DEFAULT_PROJECT, n_subjects: int = 1000,
              n_naive: int | None = None) -> dict:
    """Time :func:`avoided_impacts` on synthetic subjects against one LCA per subject.

    The naive way builds one ``bw2calc.LCA`` per subject (what the batch avoids) and
    computes its baseline and then its symbiosis with it. For a benchmark, not a test.

    Returns
    -------
    dict — ``n_subjects``, ``batch_seconds`` (whole :func:`avoided_impacts` call,
    Brightway already bootstrapped), ``n_naive``, ``naive_seconds``,
    ``naive_seconds_per_subject``, ``speedup`` (per subject), ``inventory_version``. [s]
    """
    bc = import_bw2calc()
    subjects = synthetic_subjects(n_subjects)
    avoided_impacts(subjects.head(20), project_dir, project_name)  # bootstrap outside the clock
    start = time.perf_counter()
    batch = avoided_impacts(subjects, project_dir, project_name)
    batch_seconds = time.perf_counter() - start
    n_naive = n_subjects if n_naive is None else min(n_naive, n_subjects)
    ev = prepare_evaluation(subjects.head(n_naive), project_dir, project_name)
    ids = dict(zip(ev.batch.codes, ev.batch.node_ids))
    naive = []
    start = time.perf_counter()
    for j in range(n_naive):
        demands = []
        for matrix in (ev.baseline, ev.symbiosis):
            nz = np.flatnonzero(matrix[:, j])
            demands.append({ids[ev.batch.codes[i]]: float(matrix[i, j]) for i in nz})
        with _quiet_lcia():
            lca = bc.LCA(demands[0], method=GWP100)
            lca.lci()
            lca.lcia()
            base = lca.score
            lca.lcia(demand=demands[1])
        naive.append(base - lca.score)
    naive_seconds = time.perf_counter() - start
    if not np.allclose(naive, batch["avoided"].head(n_naive), rtol=1e-6, atol=1e-6):
        raise LcaError("benchmark: i risultati del calcolo a lotti e di quello ingenuo differiscono")
    per_naive = naive_seconds / n_naive
    return {"n_subjects": n_subjects, "batch_seconds": round(batch_seconds, 4),
            "n_naive": n_naive, "naive_seconds": round(naive_seconds, 3),
            "naive_seconds_per_subject": round(per_naive, 5),
            "speedup": round(per_naive / (batch_seconds / n_subjects), 1),
            "inventory_version": inventory_version()}
