"""Life-cycle assessment with Brightway: offline project, foreground from ``lib/lci``, batch.

All Brightway code of the workbench lives in this package; nothing else imports
``bw2data``, ``bw2calc`` or ``bw2io``. Brightway is imported lazily, inside the functions,
so ``import workbench.lca`` is cheap and reads no Brightway directory.

Typical use (notebook 04)::

    from workbench import lca
    project_dir = lca.default_project_dir(settings)
    lca.bootstrap(project_dir)                      # offline; fast when reused
    lca.load_foreground(project_dir)                # lib/lci → Brightway, versioned
    results = lca.avoided_impacts(subjects, project_dir)
    with store.connect(settings) as con:
        lca.store_results(con, results)

or, for the store of a run, ``lca.prepare_project(settings)`` and
``lca.evaluate_store(settings)``.
"""
from .evaluate import (
    RESULT_COLUMNS,
    STORE_COLUMNS,
    SUBJECT_KINDS,
    BatchLCA,
    avoided_impacts,
    benchmark,
    process_scores,
    store_results,
)
from .inventory import (
    FOREGROUND,
    LCI_DIR,
    inventory_version,
    link_biosphere,
    load_foreground,
    pedigree_sigma,
    read_inventory,
    read_kinds,
    read_scenarios,
    scenario_kinds,
)
from .project import (
    BIOSPHERE,
    DEFAULT_PROJECT,
    GWP100,
    SELECTABLE_METHODS,
    LcaError,
    bootstrap,
    bundled_method_names,
    default_project_dir,
    method_label,
    open_project,
    resolve_method,
    resolve_methods,
)
from .runs import SUBJECT_COLUMNS, evaluate_store, prepare_project, subjects_from_store

__all__ = [
    "BIOSPHERE", "DEFAULT_PROJECT", "FOREGROUND", "GWP100", "LCI_DIR", "RESULT_COLUMNS",
    "SELECTABLE_METHODS", "STORE_COLUMNS", "SUBJECT_COLUMNS", "SUBJECT_KINDS", "BatchLCA",
    "LcaError", "avoided_impacts", "benchmark", "bootstrap", "bundled_method_names",
    "default_project_dir", "evaluate_store", "inventory_version", "link_biosphere",
    "load_foreground", "method_label", "open_project", "pedigree_sigma", "prepare_project",
    "process_scores", "read_inventory", "read_kinds", "read_scenarios", "resolve_method",
    "resolve_methods", "scenario_kinds", "store_results", "subjects_from_store",
]
