"""Foreground inventory from ``lib/lci/``: read, check, version, link and write to Brightway.

``lib/lci/`` holds one CSV per process family (``electricity.csv``, ``fuels.csv``,
``heat.csv``, ``water.csv``, ``transport.csv``, ``waste.csv``, ``materials.csv``,
``treatment.csv``), one row per exchange, plus the scenario tables: ``scenarios.csv`` (for
each kind of synergy, what the *baseline* and the *symbiosis* demand), ``kinds.csv``
(which substitution of the screening is which kind, with its virgin product and its
treatment) and ``disposal.csv`` (how a supplier's residue is disposed of without the
symbiosis); ``ecoinvent_links.csv`` maps processes to ecoinvent for the optional link.
``lib/lci/README.md`` describes the columns and says which numbers are verified and which
are assumptions. The inventory version is a hash of these files: it goes with every
result so that a figure can be traced to the exact numbers that produced it.
"""
from __future__ import annotations

import contextlib
import difflib
import hashlib
import io
import math
import time
from pathlib import Path

import pandas as pd

from ..config import LIB_DIR
from .project import BIOSPHERE, DEFAULT_PROJECT, LcaError, open_project, quiet_feedback

#: Folder of the foreground inventory shipped with the workbench.
LCI_DIR = LIB_DIR / "lci"
#: Name of the foreground database written from ``lib/lci``.
FOREGROUND = "lci_livorno"
#: The scenario file inside the inventory folder.
SCENARIOS_FILE = "scenarios.csv"
#: Which substitution (source class → target class of ``lib/resources``) is which kind.
KINDS_FILE = "kinds.csv"
#: How each residue class is disposed of without the symbiosis.
DISPOSAL_FILE = "disposal.csv"
#: ``target_resource`` of a kinds.csv row that holds for every target of its source.
ANY_TARGET = "*"
#: lib/lci process → ecoinvent activity, for the optional ecoinvent link.
ECOINVENT_LINKS_FILE = "ecoinvent_links.csv"
#: Files of the inventory folder that are not process families.
NON_PROCESS_FILES: tuple[str, ...] = (SCENARIOS_FILE, KINDS_FILE, DISPOSAL_FILE,
                                      ECOINVENT_LINKS_FILE)

INVENTORY_COLUMNS: tuple[str, ...] = (
    "process_code", "process_name", "product_unit", "location", "exchange_type", "input",
    "compartment", "amount", "unit", "derivation", "uncertainty_type", "sigma", "minimum",
    "maximum", "pedigree", "basic_uncertainty", "source", "year", "verification", "comment",
)
SCENARIO_COLUMNS: tuple[str, ...] = (
    "kind", "scenario", "process_code", "amount", "unit", "basis", "role", "quantity_unit",
    "description", "source",
)
KIND_COLUMNS: tuple[str, ...] = (
    "source_resource", "target_resource", "kind", "virgin_process", "treatment_process",
    "treatment_basis", "note",
)
DISPOSAL_COLUMNS: tuple[str, ...] = (
    "source_resource", "default_route", "disposal_process", "incineration_process",
    "discharge_process", "note",
)
#: What a scenario row's amount multiplies, per subject (see :mod:`.scenarios`).
BASES: dict[str, str] = {
    "quantity": "quantità scambiata q [unità del tipo/anno]",
    "source_quantity": "quantità ceduta dal fornitore q_s [unità/anno]",
    "source_tkm": "q_s × percorso [t·km/anno]",
    "quantity_km": "q × percorso [m3·km/anno]",
    "heat": "calore consegnato = q × calore per unità di q [MWh/anno]",
    "heat_over_cop": "calore consegnato / COP della pompa di calore [MWh elettrici/anno]",
    "treatment": "la base del trattamento indicata in kinds.csv (quantity o source_quantity)",
}
#: Role of a scenario row in the functional balance of the pair (see
#: :func:`~workbench.lca.scenario_balance`).
ROLES: tuple[str, ...] = ("fornitura", "residuo", "residuo_fornitura", "ausiliario")
#: Process codes of scenarios.csv resolved per subject.
PLACEHOLDERS: tuple[str, ...] = ("{virgin}", "{treatment}", "{disposal}", "{transport}")
#: Routes of a residue without the symbiosis (``disposal.csv``).
DISPOSAL_ROUTES: tuple[str, ...] = ("smaltimento", "incenerimento", "recupero", "scarico")
EXCHANGE_TYPES: tuple[str, ...] = ("technosphere", "biosphere")
SCENARIOS: tuple[str, ...] = ("baseline", "symbiosis")
#: How sure we are of a number: read in the cited source; read in a secondary source that
#: reproduces it; assumption to be replaced.
VERIFICATION_LEVELS: tuple[str, ...] = ("verificato", "secondario", "ipotesi")
#: Distributions allowed for an exchange, with their ``stats_arrays`` id.
UNCERTAINTY_TYPES: dict[str, int] = {"lognormal": 2, "normal": 3, "uniform": 4, "triangular": 5}

#: Pedigree uncertainty factors (contribution to the 95 % geometric spread, SDg95) of the
#: ecoinvent data-quality system, by indicator (reliability, completeness, temporal,
#: geographical, further technological correlation) and score 1–5. Source: Frischknecht
#: et al. (2007), ecoinvent report No. 1; the same table is in openLCA
#: (GreenDelta olca-modules, ``org.openlca.util.DQSystems``).
PEDIGREE_FACTORS: tuple[tuple[float, ...], ...] = (
    (1.0, 1.05, 1.10, 1.20, 1.50),
    (1.0, 1.02, 1.05, 1.10, 1.20),
    (1.0, 1.03, 1.10, 1.20, 1.50),
    (1.0, 1.01, 1.02, 1.05, 1.10),
    (1.0, 1.05, 1.20, 1.50, 2.00),
)
#: Largest accepted difference between the ``sigma`` written in a CSV and the one
#: computed from its pedigree (the CSV shows 4 decimals).
SIGMA_TOLERANCE = 6e-4

#: Units of the CSV → units of the ecoinvent elementary flows.
BIOSPHERE_UNITS: dict[str, str] = {
    "kg": "kilogram", "m3": "cubic meter", "MJ": "megajoule", "kWh": "kilowatt hour",
    "m2*year": "square meter-year", "kBq": "kilo Becquerel",
}


# ---------------------------------------------------------------- reading
def _lci_dir(lci_dir) -> Path:
    return Path(lci_dir) if lci_dir is not None else LCI_DIR


def _read(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise LcaError(f"file di inventario illeggibile {path}: {exc}") from None
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise LcaError(f"{path.name}: colonne mancanti {', '.join(missing)}")
    df = df.map(str.strip)
    df.insert(0, "file", path.name)
    df.insert(1, "row", range(2, len(df) + 2))  # line of the CSV (line 1 is the header)
    return df


def _where(row) -> str:
    return f"{row['file']} riga {row['row']}"


def _float(row, column: str, *, required: bool = True) -> float | None:
    text = row[column]
    if text == "":
        if required:
            raise LcaError(f"{_where(row)}, colonna {column}: valore mancante")
        return None
    try:
        value = float(text)
    except ValueError:
        raise LcaError(f"{_where(row)}, colonna {column}: {text!r} non è un numero "
                       "(usare il punto decimale)") from None
    if not math.isfinite(value):
        raise LcaError(f"{_where(row)}, colonna {column}: {text!r} non è un numero finito")
    return value


def pedigree_sigma(pedigree: tuple[int, ...], basic_uncertainty: float) -> float:
    """Standard deviation of ln(amount) from a pedigree score and a basic uncertainty.

    Parameters
    ----------
    pedigree : tuple of 5 int — scores 1–5 for reliability, completeness, temporal,
        geographical and further technological correlation.
    basic_uncertainty : float — basic uncertainty factor of the exchange (SDg95, ≥ 1).

    Returns
    -------
    float — σ = ½·√(ln²U_b + Σ ln²U_i), the ecoinvent (v2) pedigree approach. [-]
    """
    terms = [math.log(basic_uncertainty) ** 2]
    terms += [math.log(PEDIGREE_FACTORS[i][score - 1]) ** 2 for i, score in enumerate(pedigree)]
    return 0.5 * math.sqrt(sum(terms))


def _pedigree(row) -> tuple[int, ...] | None:
    text = row["pedigree"]
    if text == "":
        return None
    try:
        scores = tuple(int(p) for p in text.split(";"))
    except ValueError:
        scores = ()
    if len(scores) != 5 or not all(1 <= s <= 5 for s in scores):
        raise LcaError(f"{_where(row)}, colonna pedigree: {text!r} non valido; attesi 5 "
                       "punteggi 1-5 separati da ';' (affidabilità;completezza;tempo;"
                       "area;tecnologia)")
    return scores


def _uncertainty(row, amount: float) -> dict:
    """Brightway (stats_arrays) uncertainty fields of one CSV row, checked."""
    kind = row["uncertainty_type"]
    if kind not in UNCERTAINTY_TYPES:
        raise LcaError(f"{_where(row)}, colonna uncertainty_type: {kind!r} non ammesso; "
                       f"uno di {', '.join(UNCERTAINTY_TYPES)} (ogni scambio ha un'incertezza)")
    fields = {"uncertainty type": UNCERTAINTY_TYPES[kind]}
    if kind == "lognormal":
        if amount == 0:
            raise LcaError(f"{_where(row)}: distribuzione lognormale con quantità zero")
        sigma = _float(row, "sigma")
        if sigma <= 0:
            raise LcaError(f"{_where(row)}, colonna sigma: deve essere > 0")
        scores = _pedigree(row)
        if scores is not None:
            basic = _float(row, "basic_uncertainty")
            if basic < 1:
                raise LcaError(f"{_where(row)}, colonna basic_uncertainty: deve essere >= 1")
            expected = pedigree_sigma(scores, basic)
            if abs(expected - sigma) > SIGMA_TOLERANCE:
                raise LcaError(f"{_where(row)}, colonna sigma: {sigma} non corrisponde al "
                               f"pedigree {row['pedigree']} con incertezza di base {basic} "
                               f"(atteso {expected:.4f})")
        fields.update({"loc": math.log(abs(amount)), "scale": sigma, "negative": amount < 0})
    elif kind == "normal":
        sigma = _float(row, "sigma")
        if sigma <= 0:
            raise LcaError(f"{_where(row)}, colonna sigma: deve essere > 0")
        fields.update({"loc": amount, "scale": sigma})
    else:
        low, high = _float(row, "minimum"), _float(row, "maximum")
        inside = low <= amount <= high if kind == "triangular" else low <= high
        if not (low < high and inside):
            raise LcaError(f"{_where(row)}: minimo {low} e massimo {high} non racchiudono "
                           f"la quantità {amount}")
        fields.update({"loc": amount, "minimum": low, "maximum": high})
    return fields


def read_inventory(lci_dir=None) -> pd.DataFrame:
    """All exchanges of the foreground inventory, checked, one row per exchange.

    Returns
    -------
    DataFrame — the CSV columns (see ``lib/lci/README.md``) plus ``file`` and ``row``
    (line in the CSV), ``amount`` as float [unit per product_unit], and ``uncertainty``
    (the Brightway uncertainty fields, dict).

    Raises
    ------
    LcaError — naming file, line and column of the first problem found.
    """
    folder = _lci_dir(lci_dir)
    paths = sorted(p for p in folder.glob("*.csv") if p.name not in NON_PROCESS_FILES)
    if not paths:
        raise LcaError(f"nessun file di inventario (*.csv) in {folder}")
    df = pd.concat([_read(p, INVENTORY_COLUMNS) for p in paths], ignore_index=True)
    amounts, uncertainties = [], []
    for _, row in df.iterrows():
        for column in ("process_code", "process_name", "product_unit", "input", "unit",
                       "source", "year"):
            if row[column] == "":
                raise LcaError(f"{_where(row)}, colonna {column}: valore mancante")
        if row["exchange_type"] not in EXCHANGE_TYPES:
            raise LcaError(f"{_where(row)}, colonna exchange_type: {row['exchange_type']!r}; "
                           f"atteso {' o '.join(EXCHANGE_TYPES)}")
        if row["exchange_type"] == "biosphere" and row["compartment"] == "":
            raise LcaError(f"{_where(row)}, colonna compartment: obbligatoria per un flusso "
                           "elementare (es. 'air' o 'air/urban air close to ground')")
        if row["verification"] not in VERIFICATION_LEVELS:
            raise LcaError(f"{_where(row)}, colonna verification: {row['verification']!r}; "
                           f"uno di {', '.join(VERIFICATION_LEVELS)}")
        if not row["year"].isdigit():
            raise LcaError(f"{_where(row)}, colonna year: {row['year']!r} non è un anno")
        amount = _float(row, "amount")
        amounts.append(amount)
        uncertainties.append(_uncertainty(row, amount))
    df["amount"] = amounts
    df["uncertainty"] = uncertainties
    _check_processes(df)
    return df


def _check_processes(df: pd.DataFrame) -> None:
    for code, rows in df.groupby("process_code", sort=False):
        for column in ("process_name", "product_unit", "location"):
            values = rows[column].unique()
            if len(values) > 1:
                first = rows.iloc[0]
                raise LcaError(f"processo {code!r} ({first['file']}): valori diversi di "
                               f"{column} nelle sue righe: {', '.join(map(repr, values))}")
    units = df.groupby("process_code")["product_unit"].first()
    for _, row in df[df["exchange_type"] == "technosphere"].iterrows():
        if row["input"] not in units.index:
            raise LcaError(f"scambio non collegato in {_where(row)} (processo "
                           f"{row['process_code']!r}): il processo in ingresso "
                           f"{row['input']!r} non esiste in lib/lci")
        if units[row["input"]] != row["unit"]:
            raise LcaError(f"{_where(row)}: unità {row['unit']!r} diversa da quella del "
                           f"processo {row['input']!r} ({units[row['input']]!r})")


def read_scenarios(lci_dir=None) -> pd.DataFrame:
    """What each kind of synergy demands, per unit of exchanged quantity.

    Returns
    -------
    DataFrame — ``kind``, ``scenario`` (``baseline``|``symbiosis``), ``process_code``,
    ``amount`` [unit per quantity_unit], ``unit``, ``quantity_unit``, ``description``,
    ``source``, plus ``file`` and ``row``.
    """
    path = _lci_dir(lci_dir) / SCENARIOS_FILE
    if not path.exists():
        raise LcaError(f"file degli scenari mancante: {path}")
    df = _read(path, SCENARIO_COLUMNS)
    df["amount"] = [_float(row, "amount") for _, row in df.iterrows()]
    for _, row in df.iterrows():
        if row["scenario"] not in SCENARIOS:
            raise LcaError(f"{_where(row)}, colonna scenario: {row['scenario']!r}; atteso "
                           f"{' o '.join(SCENARIOS)}")
        if row["basis"] not in BASES:
            raise LcaError(f"{_where(row)}, colonna basis: {row['basis']!r}; una di "
                           f"{', '.join(BASES)}")
        if row["role"] not in ROLES:
            raise LcaError(f"{_where(row)}, colonna role: {row['role']!r}; uno di "
                           f"{', '.join(ROLES)}")
        code = row["process_code"]
        if code.startswith("{") and code not in PLACEHOLDERS:
            raise LcaError(f"{_where(row)}, colonna process_code: segnaposto {code!r} sconosciuto; "
                           f"uno di {', '.join(PLACEHOLDERS)}")
    for kind, rows in df.groupby("kind"):
        if set(rows["scenario"]) != set(SCENARIOS):
            raise LcaError(f"{SCENARIOS_FILE}: il tipo {kind!r} deve avere sia baseline sia "
                           "symbiosis")
        if rows["quantity_unit"].nunique() != 1:
            raise LcaError(f"{SCENARIOS_FILE}: il tipo {kind!r} ha più unità di quantità")
    return df


def read_kinds(lci_dir=None) -> pd.DataFrame:
    """Kind of LCA scenario of each substitution of the screening.

    Returns
    -------
    DataFrame — ``source_resource``, ``target_resource`` (resource classes of
    ``lib/resources``; :data:`ANY_TARGET` for every target of a water source, since the
    screening pairs water by quality and use), ``kind`` (a kind of ``scenarios.csv``;
    empty = not evaluated on purpose, the reason in ``note``), ``virgin_process`` (what
    the receiver buys without the symbiosis), ``treatment_process`` (what the residue
    needs before use; empty = none), ``treatment_basis`` (``source_quantity``: per unit
    given by the supplier, or ``quantity``: per unit received), ``note``.
    """
    path = _lci_dir(lci_dir) / KINDS_FILE
    if not path.exists():
        raise LcaError(f"file dei tipi di sinergia mancante: {path}")
    df = _read(path, KIND_COLUMNS)
    known = set(read_scenarios(lci_dir)["kind"])
    for _, row in df.iterrows():
        if row["kind"] == "":
            if not row["note"]:
                raise LcaError(f"{_where(row)}: sostituzione esclusa (kind vuoto) senza il motivo "
                               "nella colonna note")
            continue
        if row["kind"] not in known:
            raise LcaError(f"{_where(row)}, colonna kind: {row['kind']!r} senza scenari in "
                           f"{SCENARIOS_FILE}")
        if row["treatment_process"] and row["treatment_basis"] not in ("source_quantity", "quantity"):
            raise LcaError(f"{_where(row)}, colonna treatment_basis: {row['treatment_basis']!r}; "
                           "atteso source_quantity o quantity")
    duplicated = df.duplicated(["source_resource", "target_resource"])
    if duplicated.any():
        raise LcaError(f"{_where(df[duplicated].iloc[0])}: sostituzione ripetuta")
    return df


def read_disposal(lci_dir=None) -> pd.DataFrame:
    """How each residue class is disposed of when there is no symbiosis.

    Returns
    -------
    DataFrame — ``source_resource``, ``default_route`` (:data:`DISPOSAL_ROUTES`),
    ``disposal_process`` (landfill or D8/D9 treatment), ``incineration_process``
    (D10/R1), ``discharge_process`` (water), ``note``; indexed by ``source_resource``.
    """
    path = _lci_dir(lci_dir) / DISPOSAL_FILE
    if not path.exists():
        raise LcaError(f"file delle vie di smaltimento mancante: {path}")
    df = _read(path, DISPOSAL_COLUMNS)
    column = {"smaltimento": "disposal_process", "incenerimento": "incineration_process",
              "scarico": "discharge_process"}
    for _, row in df.iterrows():
        route = row["default_route"]
        if route not in DISPOSAL_ROUTES:
            raise LcaError(f"{_where(row)}, colonna default_route: {route!r}; una di "
                           f"{', '.join(DISPOSAL_ROUTES)}")
        if route in column and not row[column[route]]:
            raise LcaError(f"{_where(row)}: via predefinita {route!r} senza processo in "
                           f"{column[route]}")
    duplicated = df.duplicated("source_resource")
    if duplicated.any():
        raise LcaError(f"{_where(df[duplicated].iloc[0])}: classe ripetuta")
    return df.set_index("source_resource", drop=False)


def check_scenario_tables(inventory: pd.DataFrame, lci_dir=None) -> None:
    """Every process named by the scenario tables and the ecoinvent links exists in lib/lci.

    Raises
    ------
    LcaError — naming the file, line, column and the unknown process.
    """
    from .ecoinvent import read_links

    codes = set(inventory["process_code"])
    tables = (
        (read_links(lci_dir), ("process_code",)),
        (read_scenarios(lci_dir), ("process_code",)),
        (read_kinds(lci_dir), ("virgin_process", "treatment_process")),
        (read_disposal(lci_dir), ("disposal_process", "incineration_process", "discharge_process")),
    )
    for df, columns in tables:
        for _, row in df.iterrows():
            for column in columns:
                code = row[column]
                if code and code not in PLACEHOLDERS and code not in codes:
                    raise LcaError(f"{_where(row)}, colonna {column}: processo {code!r} "
                                   "inesistente in lib/lci")


def boiler_efficiency(lci_dir=None) -> float:
    """Efficiency of the gas boiler of ``heat.csv`` (1 / natural gas per MWh of heat). [-]"""
    inventory = read_inventory(lci_dir)
    row = inventory[(inventory["process_code"] == "heat_natural_gas_boiler")
                    & (inventory["input"] == "natural_gas_combustion_industrial")]
    if row.empty:
        raise LcaError("heat.csv: manca il gas naturale della caldaia (heat_natural_gas_boiler)")
    return 1.0 / float(row["amount"].iloc[0])


def grid_electricity_series(lci_dir=None) -> pd.DataFrame:
    """The Italian grid electricity factor by year, as written in ``electricity.csv``.

    Returns
    -------
    DataFrame — ``process_code``, ``year``, ``kg_co2_per_mwh`` [kg CO2/MWh],
    ``verification``, ``source``; one row per process of ``electricity.csv`` (the one
    used by the scenarios is ``electricity_grid_it``).
    """
    inventory = read_inventory(lci_dir)
    rows = inventory[(inventory["file"] == "electricity.csv")
                     & (inventory["input"] == "Carbon dioxide, fossil")]
    out = pd.DataFrame({"process_code": rows["process_code"], "year": rows["year"].astype(int),
                        "kg_co2_per_mwh": rows["amount"], "verification": rows["verification"],
                        "source": rows["source"]})
    return out.sort_values("year", ignore_index=True)


def scenario_kinds(lci_dir=None) -> list[str]:
    """Kinds of synergy that :func:`~workbench.lca.avoided_impacts` can evaluate."""
    return sorted(read_scenarios(lci_dir)["kind"].unique())


def inventory_version(lci_dir=None) -> str:
    """Version of the inventory: ``lci-`` and the first 12 hex of a SHA-256 of its CSV files."""
    folder = _lci_dir(lci_dir)
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.csv")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return "lci-" + digest.hexdigest()[:12]


# ---------------------------------------------------------------- linking and writing
def _biosphere_index(bd) -> dict[tuple, str]:
    """(name, categories, unit) → code of every flow of the biosphere database."""
    from bw2data.backends import ActivityDataset as AD

    rows = AD.select(AD.name, AD.code, AD.data).where(AD.database == BIOSPHERE).tuples()
    return {(name, tuple(data.get("categories") or ()), data.get("unit")): code
            for name, code, data in rows}


def _compartment(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split("/") if part.strip())


def link_biosphere(inventory: pd.DataFrame, index: dict[tuple, str]) -> pd.Series:
    """Biosphere code of every biosphere exchange (by name, compartment and unit).

    Raises
    ------
    LcaError — listing every exchange that matches no flow, with the closest names.
    """
    codes, unlinked = {}, []
    for i, row in inventory[inventory["exchange_type"] == "biosphere"].iterrows():
        key = (row["input"], _compartment(row["compartment"]),
               BIOSPHERE_UNITS.get(row["unit"], row["unit"]))
        if key in index:
            codes[i] = index[key]
            continue
        names = sorted({k[0] for k in index if k[1] == key[1]}) or sorted({k[0] for k in index})
        close = difflib.get_close_matches(row["input"], names, n=3)
        hint = f"; forse: {', '.join(close)}" if close else ""
        unlinked.append(f"{_where(row)} (processo {row['process_code']!r}): "
                        f"{row['input']!r} [{row['compartment']}] {row['unit']}{hint}")
    if unlinked:
        raise LcaError(f"scambi non collegati al database {BIOSPHERE}: " + " | ".join(unlinked))
    return pd.Series(codes, dtype=object)


def _datasets(inventory: pd.DataFrame, codes: pd.Series, version: str) -> dict:
    data = {}
    for code, rows in inventory.groupby("process_code", sort=False):
        first = rows.iloc[0]
        exchanges = [{"input": (FOREGROUND, code), "amount": 1.0, "type": "production",
                      "unit": first["product_unit"], "uncertainty type": 0}]
        for i, row in rows.iterrows():
            key = ((BIOSPHERE, codes[i]) if row["exchange_type"] == "biosphere"
                   else (FOREGROUND, row["input"]))
            exchanges.append({
                "input": key, "amount": row["amount"], "type": row["exchange_type"],
                "unit": row["unit"], **row["uncertainty"],
                "comment": row["comment"], "derivation": row["derivation"],
                "source": row["source"], "year": int(row["year"]),
                "verification": row["verification"], "pedigree": row["pedigree"],
                "lci_file": f"{row['file']}:{row['row']}",
            })
        data[(FOREGROUND, code)] = {
            "name": first["process_name"], "reference product": first["process_name"],
            "unit": first["product_unit"], "location": first["location"] or "GLO",
            "type": "process", "exchanges": exchanges,
            "comment": f"lib/lci/{first['file']}, inventario {version}",
        }
    return data


def load_foreground(project_dir, project_name: str = DEFAULT_PROJECT, lci_dir=None,
                    force: bool = False) -> dict:
    """Build or refresh the foreground database from ``lib/lci`` (idempotent, versioned).

    Parameters
    ----------
    project_dir : path — Brightway base directory (bootstrapped, see
        :func:`~workbench.lca.bootstrap`).
    project_name : str — Brightway project name.
    lci_dir : path — Inventory folder. Default ``lib/lci`` of the repository.
    force : bool — Rewrite even when the version is unchanged.

    Returns
    -------
    dict — ``database``, ``inventory_version``, ``status`` (``created``|``updated``|
    ``reused``), ``processes``, ``exchanges``, ``seconds``. [s]

    Raises
    ------
    LcaError — a bad inventory row, or an exchange that links to nothing (named).
    """
    start = time.perf_counter()
    version = inventory_version(lci_dir)
    bd = open_project(project_dir, project_name)
    if BIOSPHERE not in bd.databases:
        raise LcaError(f"database {BIOSPHERE} assente nel progetto {project_name!r}: "
                       "eseguire prima bootstrap()")
    present = FOREGROUND in bd.databases
    if present and not force and bd.databases[FOREGROUND].get("inventory_version") == version:
        meta = bd.databases[FOREGROUND]
        return {"database": FOREGROUND, "inventory_version": version, "status": "reused",
                "processes": meta.get("number"), "exchanges": meta.get("exchanges"),
                "seconds": round(time.perf_counter() - start, 3)}
    inventory = read_inventory(lci_dir)
    check_scenario_tables(inventory, lci_dir)  # checked now, so that bad tables fail early
    codes = link_biosphere(inventory, _biosphere_index(bd))
    data = _datasets(inventory, codes, version)
    db = bd.Database(FOREGROUND)
    if not present:
        db.register()
    with contextlib.redirect_stderr(io.StringIO()), quiet_feedback():
        db.write(data)  # progress bar; "not ready for regionalization" for RER locations
    meta = bd.databases[FOREGROUND]
    meta.update({"inventory_version": version, "exchanges": len(inventory),
                 "lci_dir": str(_lci_dir(lci_dir).resolve())})
    bd.databases.flush()
    return {"database": FOREGROUND, "inventory_version": version,
            "status": "updated" if present else "created", "processes": len(data),
            "exchanges": len(inventory), "seconds": round(time.perf_counter() - start, 3)}
