"""LCA of a run: the store's candidates and synergies → ``lca_results`` (notebook 04).

The screening writes candidates with the resource classes of their two flows; the
register holds synergies with their two flows. ``lib/lci/kinds.csv`` says which
substitutions (source class → target class) have LCA scenarios and of which kind.
Subjects without scenarios yet (heat pumps, absorption chillers, materials, water …) are
listed with the reason, and are not evaluated.
"""
from __future__ import annotations

import pandas as pd

from .evaluate import avoided_impacts, store_results
from .inventory import load_foreground, read_kinds
from .project import DEFAULT_PROJECT, GWP100, bootstrap, default_project_dir, resolve_methods

#: Columns of :func:`subjects_from_store`.
SUBJECT_COLUMNS: tuple[str, ...] = (
    "subject_id", "subject_kind", "matrix", "source_resource", "target_resource", "kind",
    "quantity_std", "unit_std", "reason",
)


def prepare_project(settings, project_dir=None, project_name: str = DEFAULT_PROJECT,
                    lci_dir=None) -> pd.DataFrame:
    """Bootstrap the run's Brightway project offline and load ``lib/lci``; a summary table.

    Parameters
    ----------
    settings : Settings — the run (its ``run_dir`` holds the project by default).
    project_dir : path — Brightway base directory. Default ``<run_dir>/brightway``.

    Returns
    -------
    DataFrame — ``voce``, ``valore``: directory, project, biosphere, methods, inventory
    version and the seconds each step took.
    """
    project_dir = project_dir or default_project_dir(settings)
    boot = bootstrap(project_dir, project_name)
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


def subjects_from_store(con, lci_dir=None) -> pd.DataFrame:
    """Candidates and synergies of the store, each with its LCA kind or why it has none.

    Synergies read their resource classes from ``v_flows`` (companies under NDA only);
    abandoned synergies are left out.

    Returns
    -------
    DataFrame — :data:`SUBJECT_COLUMNS`; ``kind`` is empty and ``reason`` says why when
    the subject cannot be evaluated yet. ``quantity_std`` [unit_std/yr].
    """
    candidates = con.execute("""
        SELECT candidate_id AS subject_id, 'candidate' AS subject_kind, matrix,
               source_resource, target_resource, quantity_std, unit_std
        FROM candidates""").df()
    synergies = con.execute("""
        SELECT s.synergy_id AS subject_id, 'synergy' AS subject_kind, s.matrix,
               fs.resource AS source_resource, ft.resource AS target_resource,
               s.quantity_std, s.unit_std
        FROM synergies s
        JOIN v_flows fs ON fs.flow_id = s.source_flow_id
        JOIN v_flows ft ON ft.flow_id = s.target_flow_id
        WHERE s.status <> 'abbandonata'""").df()
    subjects = pd.concat([candidates, synergies], ignore_index=True)
    kinds = read_kinds(lci_dir)[["source_resource", "target_resource", "kind"]]
    subjects = subjects.merge(kinds, on=["source_resource", "target_resource"], how="left")
    subjects["reason"] = None
    no_kind = subjects["kind"].isna()
    subjects.loc[no_kind, "reason"] = ("nessuno scenario LCA per " + subjects["source_resource"]
                                       .fillna("?") + " → " + subjects["target_resource"]
                                       .fillna("?") + " (lib/lci/kinds.csv)")
    bad_quantity = ~no_kind & ~(pd.to_numeric(subjects["quantity_std"], errors="coerce") > 0)
    subjects.loc[bad_quantity, "reason"] = "quantità mancante o non positiva"
    subjects.loc[bad_quantity, "kind"] = None
    return subjects[list(SUBJECT_COLUMNS)]


def evaluate_store(settings, project_dir=None, project_name: str = DEFAULT_PROJECT,
                   method=GWP100, lci_dir=None) -> pd.DataFrame:
    """Evaluate every candidate and synergy of the store that has scenarios; store results.

    A full refresh: the new results replace every earlier row of the same method(s) in
    ``lca_results``, so a candidate that the screening no longer finds leaves no result.

    Returns
    -------
    DataFrame — the rows of :func:`~workbench.lca.avoided_impacts` written to the store.
    """
    from ..store import connect

    project_dir = project_dir or default_project_dir(settings)
    with connect(settings) as con:
        subjects = subjects_from_store(con, lci_dir=lci_dir)
    ready = subjects[subjects["kind"].notna()]
    results = avoided_impacts(ready, project_dir, project_name, method=method, lci_dir=lci_dir)
    with connect(settings) as con:
        store_results(con, results, refresh_methods=resolve_methods(method))
    return results

