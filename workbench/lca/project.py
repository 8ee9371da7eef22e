"""The Brightway project: where it lives, how it is opened, and its offline bootstrap.

Brightway keeps one process-wide "current project" and reads its base directory once,
when ``bw2data`` is first imported (environment variable ``BRIGHTWAY2_DIR``). This module
hides that: every public function takes the base directory and the project name, imports
Brightway lazily, points it at that directory (``BRIGHTWAY2_DIR`` for the first import,
``projects.change_base_directories`` afterwards) and selects the project. Nothing is
downloaded: the biosphere database comes from the ecoinvent 3.9 elementary-flow list
bundled in ``bw2io`` and the LCIA methods from its bundled ``lcia_39_ecoinvent.zip``.
"""
from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import logging
import os
import sys
import tempfile
import time
import warnings
import zipfile
from functools import lru_cache
from pathlib import Path

#: Default Brightway project name.
DEFAULT_PROJECT = "livorno-simbiosi"
#: Name of the biosphere database (ecoinvent 3.9 elementary flows bundled in bw2io).
BIOSPHERE = "biosphere3"
#: Version of the bundled elementary-flow list that the biosphere is built from.
BIOSPHERE_VERSION = "3.9"
#: The LCIA archive bundled in bw2io (ecoinvent 3.9 LCIA implementation).
LCIA_ARCHIVE = "lcia_39_ecoinvent.zip"

#: IPCC 2021 (AR6) global warming potential, 100 years, long-term emissions included:
#: the default method of the workbench (DESIGN §6).
GWP100: tuple[str, str, str] = ("IPCC 2021", "climate change", "global warming potential (GWP100)")

#: Methods an analyst can select, by short key. All are in the bundled archive and are
#: loaded on first use (offline). Extend this list rather than typing tuples in notebooks.
#: The EF 3.1 categories other than climate change and water use are as complete as the
#: elementary flows of the foreground (mostly CO2, CH4, N2O, SO2 and water): they become
#: meaningful with the optional ecoinvent link (``lib/lci/README.md``).
SELECTABLE_METHODS: dict[str, tuple[str, str, str]] = {
    "gwp100": GWP100,
    "gwp20": ("IPCC 2021", "climate change", "global warming potential (GWP20)"),
    "gwp100_fossil": ("IPCC 2021", "climate change: fossil", "global warming potential (GWP100)"),
    "ef31_climate_change": ("EF v3.1", "climate change", "global warming potential (GWP100)"),
    "ef31_climate_change_fossil": ("EF v3.1", "climate change: fossil",
                                   "global warming potential (GWP100)"),
    "ef31_climate_change_biogenic": ("EF v3.1", "climate change: biogenic",
                                     "global warming potential (GWP100)"),
    "ef31_water_use": ("EF v3.1", "water use",
                       "user deprivation potential (deprivation-weighted water consumption)"),
    "ef31_acidification": ("EF v3.1", "acidification", "accumulated exceedance (AE)"),
    "ef31_eutrophication_freshwater": (
        "EF v3.1", "eutrophication: freshwater",
        "fraction of nutrients reaching freshwater end compartment (P)"),
    "ef31_eutrophication_marine": (
        "EF v3.1", "eutrophication: marine",
        "fraction of nutrients reaching marine end compartment (N)"),
    "ef31_eutrophication_terrestrial": ("EF v3.1", "eutrophication: terrestrial",
                                        "accumulated exceedance (AE)"),
    "ef31_photochemical_ozone": ("EF v3.1", "photochemical oxidant formation: human health",
                                 "tropospheric ozone concentration increase"),
    "ef31_particulate_matter": ("EF v3.1", "particulate matter formation",
                                "impact on human health"),
    "ef31_fossil_resources": ("EF v3.1", "energy resources: non-renewable",
                              "abiotic depletion potential (ADP): fossil fuels"),
    "ef31_minerals_metals": ("EF v3.1", "material resources: metals/minerals",
                             "abiotic depletion potential (ADP): elements (ultimate reserves)"),
    "ef31_land_use": ("EF v3.1", "land use", "soil quality index"),
    "ef31_ozone_depletion": ("EF v3.1", "ozone depletion", "ozone depletion potential (ODP)"),
}

#: Inventory indicators computed like methods (no characterisation factors of a method
#: archive): a sum of elementary flows, or of the supply of some foreground processes.
#: They give the funders' indicators "groundwater avoided" and "waste avoided" from the
#: same supply vectors as the impacts. key → (name tuple, unit, definition).
INVENTORY_INDICATORS: dict[str, tuple[tuple[str, str, str], str, dict]] = {
    "groundwater_m3": (("inventario", "acqua di falda prelevata", "m3"), "m3", {
        "flows": (("Water, well, in ground", ("natural resource", "in water")),)}),
    "freshwater_m3": (("inventario", "acqua dolce prelevata", "m3"), "m3", {
        "flows": (("Water, well, in ground", ("natural resource", "in water")),
                  ("Water, river", ("natural resource", "in water")),
                  ("Water, lake", ("natural resource", "in water")),
                  ("Water, unspecified natural origin", ("natural resource", "in water")),
                  ("Water, unspecified natural origin", ("natural resource", "in ground")))}),
    "waste_disposed_t": (("inventario", "rifiuti a smaltimento (discarica e incenerimento)", "t"),
                         "t", {"process_prefixes": ("landfill_", "incineration_")}),
}
#: Indicator name tuple → key of :data:`INVENTORY_INDICATORS`.
INDICATOR_KEYS: dict[tuple[str, str, str], str] = {v[0]: k for k, v in INVENTORY_INDICATORS.items()}

#: Separator of the parts of a method name when written as one string (store, tables).
METHOD_SEPARATOR = " | "

_FEEDBACK_LOGGER = "brightway-stdout-feedback"


class LcaError(Exception):
    """An LCA problem the user must fix; the message is one line, in Italian."""


# ---------------------------------------------------------------- methods
def method_label(method) -> str:
    """A method tuple as one string: ``"IPCC 2021 | climate change | global warming ..."``."""
    return METHOD_SEPARATOR.join(resolve_method(method))


def resolve_method(method) -> tuple[str, ...]:
    """A method given as tuple, list, key of :data:`SELECTABLE_METHODS` or label → tuple."""
    if isinstance(method, str):
        if method in SELECTABLE_METHODS:
            return SELECTABLE_METHODS[method]
        if method in INVENTORY_INDICATORS:
            return INVENTORY_INDICATORS[method][0]
        if METHOD_SEPARATOR in method:
            return tuple(method.split(METHOD_SEPARATOR))
        raise LcaError(f"metodo LCIA sconosciuto {method!r}: usare una tupla o una chiave tra "
                       f"{', '.join([*SELECTABLE_METHODS, *INVENTORY_INDICATORS])}")
    if isinstance(method, (tuple, list)) and method and all(isinstance(p, str) for p in method):
        return tuple(method)
    raise LcaError(f"metodo LCIA non valido {method!r}: atteso una tupla di stringhe")


def is_indicator(method) -> bool:
    """Whether ``method`` is an inventory indicator (:data:`INVENTORY_INDICATORS`)."""
    return tuple(resolve_method(method)) in INDICATOR_KEYS


def resolve_methods(method) -> list[tuple[str, ...]]:
    """One method or a list of them (see :func:`resolve_method`) → list of tuples, no repeats.

    A string of keys separated by commas (``"gwp100,groundwater_m3"``, as a notebook
    parameter) is a list.
    """
    if isinstance(method, str) and "," in method and METHOD_SEPARATOR not in method:
        method = [part.strip() for part in method.split(",") if part.strip()]
    if isinstance(method, list) or (isinstance(method, tuple) and method
                                    and isinstance(method[0], (tuple, list))):
        methods = [resolve_method(m) for m in method]
    else:
        methods = [resolve_method(method)]
    if not methods:
        raise LcaError("nessun metodo LCIA indicato")
    return list(dict.fromkeys(methods))


@lru_cache(maxsize=1)
def _bundled_methods() -> dict[tuple, dict]:
    """The bundled LCIA archive: method tuple → method data (CF inputs as tuples)."""
    # Located without importing bw2io: its import would import bw2data, which would
    # create Brightway's default data directory if no project is open yet.
    spec = importlib.util.find_spec("bw2io")
    if spec is None or not spec.submodule_search_locations:
        raise LcaError("pacchetto bw2io non installato: impossibile leggere i metodi LCIA")
    path = Path(spec.submodule_search_locations[0]) / "data" / "lcia" / LCIA_ARCHIVE
    with zipfile.ZipFile(path) as archive:
        data = json.load(archive.open("data.json"))
    methods = {}
    for ds in data:
        name = tuple(ds["name"])
        for cf in ds["exchanges"]:
            # The archive stores keys as JSON lists; bw2data needs tuples (bw2setup() in
            # bw2io 0.9 fails exactly here).
            cf["input"] = tuple(cf["input"])
        methods[name] = ds
    return methods


def _bw2io_version() -> str:
    from importlib.metadata import version

    return version("bw2io")


def bundled_method_names() -> list[tuple[str, ...]]:
    """Every method tuple available offline in the bundled LCIA archive."""
    return sorted(_bundled_methods())


# ---------------------------------------------------------------- opening the project
def default_project_dir(settings) -> Path:
    """Default Brightway base directory of a run: ``<run_dir>/brightway``."""
    return Path(settings.run_dir) / "brightway"


def _writable_dir(project_dir) -> Path:
    if project_dir is None:
        raise LcaError("cartella del progetto Brightway non indicata (project_dir)")
    path = Path(project_dir).expanduser().resolve()
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".prova-scrittura-"):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise LcaError(f"cartella Brightway non scrivibile: {path} ({reason}); indicare una "
                       "cartella scrivibile con project_dir") from None
    return path


def _import_bw2data(base_dir: Path):
    """Import bw2data with ``base_dir`` as its data directory, quietly, once per process."""
    if "bw2data" not in sys.modules:
        saved = {k: os.environ.get(k) for k in ("BRIGHTWAY2_DIR", "BRIGHTWAY_NO_STRUCTLOG")}
        os.environ["BRIGHTWAY2_DIR"] = str(base_dir)
        # Plain logging instead of structlog, so that we can turn the info chatter down.
        os.environ["BRIGHTWAY_NO_STRUCTLOG"] = "1"
        disabled = logging.root.manager.disable
        logging.disable(logging.INFO)  # "Using environment variable BRIGHTWAY2_DIR ..."
        try:
            import bw2data  # noqa: F401
        finally:
            logging.disable(disabled)
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        logging.getLogger(_FEEDBACK_LOGGER).setLevel(logging.WARNING)
    import bw2data

    return bw2data


def import_bw2calc():
    """``bw2calc``, imported without its advice to install pypardiso."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import bw2calc
    return bw2calc


def import_bw2io():
    """``bw2io``, imported without its warning about optional SimaPro importers."""
    logger = logging.getLogger(_FEEDBACK_LOGGER)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        import bw2io
    finally:
        logger.setLevel(level)
    return bw2io


@contextlib.contextmanager
def quiet_feedback(level: int = logging.ERROR):
    """Turn Brightway's stdout feedback logger down to ``level`` for a block."""
    logger = logging.getLogger(_FEEDBACK_LOGGER)
    before = logger.level
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.setLevel(before)


def open_project(project_dir, project_name: str = DEFAULT_PROJECT):
    """Point Brightway at ``project_dir`` and make ``project_name`` current; return ``bw2data``.

    Raises
    ------
    LcaError — the directory cannot be created or written.
    """
    base = _writable_dir(project_dir)
    bd = _import_bw2data(base)
    # bw2data has no public getter for its base directory.
    if Path(bd.projects._base_data_dir).resolve() != base:
        logs = base / "logs"
        logs.mkdir(exist_ok=True)
        bd.projects.change_base_directories(base, base_logs_dir=logs, project_name=project_name)
    elif bd.projects.current != project_name:
        bd.projects.set_current(project_name)
    return bd


# ---------------------------------------------------------------- bootstrap
def bootstrap(project_dir, project_name: str = DEFAULT_PROJECT,
              methods=(GWP100,)) -> dict:
    """Create or reuse the Brightway project, offline: biosphere database and LCIA methods.

    Parameters
    ----------
    project_dir : path — Brightway base directory (e.g. :func:`default_project_dir`);
        created if missing. Never the repository.
    project_name : str — Brightway project name.
    methods : method or list of methods — LCIA methods to make available (tuples, keys
        of :data:`SELECTABLE_METHODS` or labels). Others can be added by calling again.

    Returns
    -------
    dict — ``project_dir``, ``project_name``, ``project`` (``created``|``reused``),
    ``biosphere`` (``created``|``reused``), ``biosphere_flows``, ``methods_created``,
    ``methods_reused`` (labels), ``seconds`` (wall time of this call). [s]

    Raises
    ------
    LcaError — unwritable directory, or a method that is not in the bundled archive.
    """
    start = time.perf_counter()
    wanted = resolve_methods(methods)
    base = _writable_dir(project_dir)
    existed = _project_listed(base, project_name)
    bd = open_project(base, project_name)

    report = {"project_dir": str(base), "project_name": project_name,
              "project": "reused" if existed else "created"}
    report["biosphere"] = _ensure_biosphere(bd)
    report["biosphere_flows"] = bd.databases[BIOSPHERE].get("number")
    created, reused = _ensure_methods(bd, wanted)
    report["methods_created"] = [method_label(m) for m in created]
    report["methods_reused"] = [method_label(m) for m in reused]
    report["seconds"] = round(time.perf_counter() - start, 3)
    return report


def _project_listed(base: Path, project_name: str) -> bool:
    """Whether ``project_name`` is registered in ``base/projects.db`` (read without bw2data)."""
    import sqlite3

    path = base / "projects.db"
    if not path.exists():
        return False
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as con:
            return con.execute("SELECT 1 FROM projectdataset WHERE name = ?",
                               [project_name]).fetchone() is not None
    except sqlite3.Error:
        return False


def _biosphere_codes(bd) -> dict[str, int]:
    from bw2data.backends import ActivityDataset as AD

    query = AD.select(AD.code, AD.id).where(AD.database == BIOSPHERE).tuples()
    return dict(query)


def _has_flows(bd) -> bool:
    from bw2data.backends import ActivityDataset as AD

    return AD.select(AD.id).where(AD.database == BIOSPHERE).limit(1).exists()


def _ensure_biosphere(bd) -> str:
    # Database.write is one transaction: a biosphere that has flows is complete. One
    # that was not built here (e.g. with an imported ecoinvent) is reused as it is.
    if BIOSPHERE in bd.databases and _has_flows(bd):
        return "reused"
    import_bw2io()
    from bw2io.importers import Ecospold2BiosphereImporter

    importer = Ecospold2BiosphereImporter(name=BIOSPHERE, version=BIOSPHERE_VERSION)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        importer.apply_strategies()
        importer.write_database(overwrite=True)
    bd.databases[BIOSPHERE]["bundled_version"] = BIOSPHERE_VERSION
    bd.databases[BIOSPHERE]["source"] = (
        f"bw2io {_bw2io_version()}: ecoinvent elementary flows "
        f"{BIOSPHERE_VERSION}.xml (bundled, offline)")
    bd.databases.flush()
    return "created"


def _ensure_methods(bd, wanted: list[tuple]) -> tuple[list[tuple], list[tuple]]:
    wanted = [m for m in wanted if m not in INDICATOR_KEYS]  # computed, nothing to load
    missing = [m for m in wanted if m not in bd.methods]
    reused = [m for m in wanted if m in bd.methods]
    if not missing:
        return [], reused
    bundled = _bundled_methods()
    unknown = [m for m in missing if m not in bundled]
    if unknown:
        raise LcaError(f"metodo LCIA {method_label(unknown[0])!r} assente nell'archivio "
                       f"{LCIA_ARCHIVE} incluso in bw2io (nessun download previsto)")
    ids = _biosphere_codes(bd)
    for name in missing:
        ds = bundled[name]
        cfs = [(ids[cf["input"][1]], cf["amount"]) for cf in ds["exchanges"]
               if cf["input"][0] == BIOSPHERE and cf["input"][1] in ids]
        method = bd.Method(name)
        method.register(unit=ds.get("unit"), description=ds.get("description", ""),
                        filename=ds.get("filename"),
                        source=f"bw2io {_bw2io_version()}: {LCIA_ARCHIVE} (bundled, offline)",
                        unlinked_cfs=len(ds["exchanges"]) - len(cfs))
        method.write(cfs)
    return missing, reused


def method_unit(project_dir, project_name: str, method) -> str:
    """Unit of a loaded method's scores (e.g. ``kg CO2-Eq``)."""
    name = resolve_method(method)
    if name in INDICATOR_KEYS:
        return INVENTORY_INDICATORS[INDICATOR_KEYS[name]][1]
    bd = open_project(project_dir, project_name)
    if name not in bd.methods:
        raise LcaError(f"metodo LCIA {method_label(name)!r} non caricato: eseguire bootstrap")
    return bd.methods[name].get("unit", "")
