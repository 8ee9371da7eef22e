"""Life-cycle assessment with Brightway: offline project, foreground from ``lib/lci``, batch.

All Brightway code of the workbench lives in this package; nothing else imports
``bw2data``, ``bw2calc`` or ``bw2io``. Brightway is imported lazily, inside the functions,
so ``import workbench.lca`` is cheap and reads no Brightway directory.

Typical use (notebook 04)::

    from workbench import lca
    lca.prepare_project(settings)                   # offline; fast when reused
    run = lca.evaluate_run(settings, method=["gwp100", "groundwater_m3"])
    run.results                                     # avoided impacts, 90 % interval, driver
    lca.summary(run)                                # potential vs realised, kept separate

or, for subjects built by hand (a study, a test)::

    results = lca.avoided_impacts(subjects, project_dir)
    ev = lca.prepare_evaluation(subjects, project_dir)
    lca.contributions(ev), lca.intervals(ev, lca.monte_carlo(ev))

Readers of the store (screening, report) use :func:`results_for` or
:func:`with_lca_co2e` to put the LCA in place of the factor-based CO2e estimate.
"""
from .ecoinvent import link_ecoinvent, read_links
from .evaluate import (
    RESULT_COLUMNS,
    STORE_COLUMNS,
    BatchLCA,
    Evaluation,
    avoided_impacts,
    benchmark,
    contributions,
    prepare_evaluation,
    process_scores,
    results_table,
    scenario_table,
    store_results,
    synthetic_subjects,
)
from .inventory import (
    BASES,
    FOREGROUND,
    LCI_DIR,
    ROLES,
    boiler_efficiency,
    grid_electricity_series,
    inventory_version,
    link_biosphere,
    load_foreground,
    pedigree_sigma,
    read_disposal,
    read_inventory,
    read_kinds,
    read_scenarios,
    scenario_kinds,
)
from .project import (
    BIOSPHERE,
    DEFAULT_PROJECT,
    GWP100,
    INVENTORY_INDICATORS,
    SELECTABLE_METHODS,
    LcaError,
    bootstrap,
    bundled_method_names,
    default_project_dir,
    is_indicator,
    method_label,
    open_project,
    resolve_method,
    resolve_methods,
)
from .runs import (
    REALISED_STATUSES,
    SUBJECT_CHOICES,
    SUBJECT_COLUMNS,
    LcaRun,
    evaluate_run,
    evaluate_store,
    pick_subject,
    prepare_project,
    results_for,
    subjects_from_store,
    summary,
    with_lca_co2e,
)
from .scenarios import (
    BALANCE_COLUMNS,
    SUBJECT_KINDS,
    TRANSPORT_PROCESSES,
    fate_route,
    read_tables,
    resolve_subjects,
    scenario_balance,
    substitution_ratio,
)
from .uncertainty import (
    DEFAULT_ITERATIONS,
    DEFAULT_SEED,
    INTERVAL_COLUMNS,
    MonteCarlo,
    interval_of_sum,
    intervals,
    monte_carlo,
)

__all__ = [
    "BALANCE_COLUMNS", "BASES", "BIOSPHERE", "DEFAULT_ITERATIONS", "DEFAULT_PROJECT",
    "DEFAULT_SEED", "FOREGROUND", "GWP100", "INTERVAL_COLUMNS", "INVENTORY_INDICATORS",
    "LCI_DIR", "REALISED_STATUSES", "RESULT_COLUMNS", "ROLES", "SELECTABLE_METHODS",
    "STORE_COLUMNS", "SUBJECT_CHOICES", "SUBJECT_COLUMNS", "SUBJECT_KINDS",
    "TRANSPORT_PROCESSES", "BatchLCA", "Evaluation", "LcaError", "LcaRun", "MonteCarlo",
    "avoided_impacts", "benchmark", "boiler_efficiency", "bootstrap", "bundled_method_names",
    "contributions", "default_project_dir", "evaluate_run", "evaluate_store", "fate_route",
    "grid_electricity_series", "interval_of_sum", "intervals", "inventory_version",
    "is_indicator", "link_biosphere", "link_ecoinvent", "load_foreground", "method_label",
    "monte_carlo", "open_project", "pedigree_sigma", "pick_subject", "prepare_evaluation",
    "prepare_project", "process_scores", "read_disposal", "read_inventory", "read_kinds",
    "read_links", "read_scenarios", "read_tables", "resolve_method", "resolve_methods",
    "resolve_subjects", "results_for", "results_table", "scenario_balance", "scenario_kinds",
    "scenario_table", "store_results", "subjects_from_store", "substitution_ratio", "summary",
    "synthetic_subjects", "with_lca_co2e",
]
