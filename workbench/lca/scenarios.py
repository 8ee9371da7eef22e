"""Scenarios of a synergy: what the baseline and the symbiosis demand, per subject.

A *subject* is a screening candidate or a register synergy. Its *kind* (``kinds.csv``:
source class → target class, refined by the candidate's heat mode) selects rows of
``scenarios.csv``; each row demands ``amount × basis`` of a foreground process, where the
basis is a quantity of the subject (:data:`~workbench.lca.inventory.BASES`: exchanged
quantity, supplier quantity, t·km of the route, delivered heat, heat / COP ...) and the
process may be a placeholder resolved per subject:

``{virgin}``
    what the receiver buys without the symbiosis (``kinds.csv``; for water the receiver's
    declared source — well, aqueduct, sea — wins over the default);
``{treatment}``
    what the residue needs before use (``kinds.csv``; none → the row is dropped);
``{disposal}``
    how the supplier disposes of the residue without the symbiosis: the route of its
    declared R/D code (:func:`fate_route`) or the default of its class
    (``disposal.csv``);
``{transport}``
    lorry or ship t·km by the candidate's transport mode (:data:`TRANSPORT_PROCESSES`;
    pipes and grid have none: their pumping is in the kind's own rows).

:func:`resolve_subjects` checks and completes the subjects, :func:`demand_matrices`
turns them into two demand matrices (processes × subjects), and
:func:`scenario_balance` checks that the two scenarios of each pair deliver the same
function (mass and energy).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from ..config import LIB_DIR
from .inventory import (
    ANY_TARGET,
    BASES,
    PLACEHOLDERS,
    read_disposal,
    read_inventory,
    read_kinds,
    read_scenarios,
)
from .project import LcaError

SUBJECT_KINDS: tuple[str, ...] = ("candidate", "synergy")

#: Foreground process of each transport mode of the screening (per t·km). Pipes and the
#: grid have no t·km: their pumping or losses are in the kind's processes.
TRANSPORT_PROCESSES: dict[str, str | None] = {
    "camion": "lorry_tkm", "autocisterna": "lorry_tkm", "nave": "ship_tkm",
    "tubazione": None, "rete_elettrica": None,
}
#: Transport mode assumed when a material subject has none.
DEFAULT_TRANSPORT_MODE = "camion"
#: Process of the route ``recupero`` (a declared R code): only the trip to the operator.
RECOVERY_PROCESS = "residue_to_recovery_operator"
#: Column of ``disposal.csv`` for each route.
ROUTE_COLUMNS: dict[str, str] = {"smaltimento": "disposal_process",
                                 "incenerimento": "incineration_process",
                                 "scarico": "discharge_process"}
#: Receiver's declared water quality → the process of that source.
WATER_SOURCE_PROCESSES: dict[str, str] = {
    "falda": "groundwater_pumping_treatment", "potabile": "aqueduct_water",
    "mare": "seawater_pumping", "demineralizzata": "demineralised_water_production",
}
#: Target classes that name the receiver's water source themselves → its process (the
#: declared water quality applies only to the other, use-named, classes).
WATER_CLASS_PROCESSES: dict[str, str] = {
    "acqua_falda": "groundwater_pumping_treatment", "acqua_potabile": "aqueduct_water",
    "acqua_mare": "seawater_pumping", "acqua_demineralizzata": "demineralised_water_production",
}
#: Kinds whose quantity is heat (or the gas that heat replaces).
HEAT_KINDS: frozenset[str] = frozenset({"heat_recovery", "heat_pump", "steam_recovery"})
#: Heat mode of a screening candidate → kind (``None`` keeps the kind of kinds.csv).
HEAT_MODE_KINDS: dict[str, str] = {"pompa_di_calore": "heat_pump",
                                   "assorbimento": "absorption_cooling",
                                   "freddo_diretto": "cold_recovery"}
#: Road or pipe route = great-circle distance × this factor when only ``distance_km`` is
#: known (``lib/costs/parameters.csv`` DETOUR_FACTOR and ``lib/energy/heat.csv``
#: PIPE_ROUTE_FACTOR are both 1.3). [-]
ROUTE_FACTOR_FILE = LIB_DIR / "costs" / "parameters.csv"
#: Relative tolerance of the balance checks. [-]
BALANCE_TOLERANCE = 1e-6


@lru_cache(maxsize=1)
def route_factor() -> float:
    """Road detour factor of ``lib/costs/parameters.csv`` (DETOUR_FACTOR). [-]"""
    table = pd.read_csv(ROUTE_FACTOR_FILE, dtype=str).set_index("parameter")
    return float(table.loc["DETOUR_FACTOR", "value"])


@lru_cache(maxsize=1)
def _substitution_ratios() -> pd.Series:
    table = pd.read_csv(LIB_DIR / "resources" / "substitution_rules.csv", dtype=str)
    ratio = pd.to_numeric(table["substitution_ratio"], errors="coerce")
    return pd.Series(ratio.to_numpy(), index=pd.MultiIndex.from_arrays(
        [table["source_resource"], table["target_resource"]])).groupby(level=[0, 1]).first()


def substitution_ratio(source_resource, target_resource) -> np.ndarray:
    """Units of target replaced per unit of source (``lib/resources/substitution_rules.csv``).

    Returns
    -------
    array — one ratio per pair; NaN where the pair has no rule. [target unit/source unit]
    """
    ratios = _substitution_ratios()
    keys = pd.MultiIndex.from_arrays([pd.Series(source_resource, dtype=object).fillna(""),
                                      pd.Series(target_resource, dtype=object).fillna("")])
    return ratios.reindex(keys).to_numpy(dtype=float)


def fate_route(code) -> str | None:
    """Route of a declared R/D code without the symbiosis (``None``: use the class default).

    D1, D5, D8, D9, D12 → ``smaltimento``; D10, R1 → ``incenerimento``; D6, D7 →
    ``scarico``; R2–R11 → ``recupero``; storage and preliminary operations (D13–D15,
    R12, R13) and unknown codes → ``None``.
    """
    if code is None or (isinstance(code, float) and math.isnan(code)):
        return None
    match = re.fullmatch(r"\s*([RD])\s*0*(\d{1,2})\s*", str(code).upper())
    if not match:
        return None
    letter, number = match.group(1), int(match.group(2))
    if letter == "D":
        if number in (1, 5, 8, 9, 12):
            return "smaltimento"
        if number == 10:
            return "incenerimento"
        if number in (6, 7):
            return "scarico"
        return None
    if number == 1:
        return "incenerimento"
    if 2 <= number <= 11:
        return "recupero"
    return None


@dataclass(frozen=True)
class ScenarioTables:
    """The scenario tables of one inventory folder, read once."""

    scenarios: pd.DataFrame
    kinds: pd.DataFrame
    disposal: pd.DataFrame
    processes: frozenset
    eta_boiler: float
    #: t of waste (landfill, incineration) sent by each process per unit of its product.
    waste_per_unit: dict

    @property
    def kind_units(self) -> pd.Series:
        """Unit of the exchanged quantity of each kind."""
        return self.scenarios.groupby("kind")["quantity_unit"].first()

    def kinds_using(self, *, process_code: str | None = None, bases=()) -> set[str]:
        """Kinds with a scenario row demanding ``process_code`` or using one of ``bases``."""
        rows = self.scenarios
        hit = rows["basis"].isin(list(bases))
        if process_code is not None:
            hit |= rows["process_code"].eq(process_code)
        return set(rows.loc[hit, "kind"])


def read_tables(lci_dir=None) -> ScenarioTables:
    """Read ``scenarios.csv``, ``kinds.csv``, ``disposal.csv`` and the boiler efficiency.

    Cached by folder and inventory version (a hash of the files): an edited file is
    read again.
    """
    from .inventory import _lci_dir, inventory_version

    return _read_tables(str(_lci_dir(lci_dir).resolve()), inventory_version(lci_dir))


@lru_cache(maxsize=4)
def _read_tables(folder: str, version: str) -> ScenarioTables:
    lci_dir = folder
    inventory = read_inventory(lci_dir)
    waste = inventory[(inventory["exchange_type"] == "technosphere")
                      & inventory["input"].str.startswith(("landfill_", "incineration_"))
                      & (inventory["unit"] == "t")]
    eta = 1.0 / float(inventory.loc[(inventory["process_code"] == "heat_natural_gas_boiler")
                                    & (inventory["input"] == "natural_gas_combustion_industrial"),
                                    "amount"].iloc[0])
    return ScenarioTables(read_scenarios(lci_dir), read_kinds(lci_dir), read_disposal(lci_dir),
                          frozenset(inventory["process_code"]), eta,
                          waste.groupby("process_code")["amount"].sum().to_dict())


def _column(df: pd.DataFrame, name: str, default=None) -> pd.Series:
    if name in df.columns:
        return df[name]
    return pd.Series(default, index=df.index, dtype=object if not isinstance(default, float)
                     else float)


def _numeric(df: pd.DataFrame, name: str) -> pd.Series:
    return pd.to_numeric(_column(df, name, np.nan), errors="coerce").astype(float)


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


#: Columns of :func:`resolve_subjects` added to the given subjects.
RESOLVED_COLUMNS: tuple[str, ...] = (
    "kind", "quantity_std", "unit_std", "source_quantity_std", "route_km", "transport_mode",
    "cop", "heat_mwh", "virgin_process", "treatment_process", "treatment_basis",
    "disposal_route", "disposal_process", "transport_process", "substitution_ratio",
    "assumptions", "reason",
)


def resolve_subjects(subjects: pd.DataFrame, tables: ScenarioTables | None = None,
                     lci_dir=None) -> pd.DataFrame:
    """Check and complete subjects: kind, quantities, route, COP and the resolved processes.

    Parameters
    ----------
    subjects : DataFrame — one row per subject: ``subject_id``, ``subject_kind``
        (``candidate``|``synergy``) and the exchanged quantity, ``quantity_std`` with
        ``unit_std`` [unit/yr] (or ``quantity_mwh`` [MWh/yr]); ``kind`` or
        ``source_resource`` and ``target_resource`` (classes of ``lib/resources``). Used
        when present: ``source_quantity_std`` [source unit/yr] (default: quantity /
        substitution ratio of the rule), ``route_km`` [km] (else ``distance_km`` × the
        detour factor), ``transport_mode`` (default ``camion``), ``heat_mode`` and ``cop``
        [-] (heat pumps), ``current_fate`` (supplier's R/D code), ``target_water_quality``
        (receiver's declared water, e.g. ``falda``), and overrides ``virgin_process``,
        ``treatment_process``, ``disposal_process``.
    tables : ScenarioTables, optional — :func:`read_tables` (read when omitted).

    Returns
    -------
    DataFrame — the subjects with :data:`RESOLVED_COLUMNS`; ``reason`` (Italian) says why
    a subject cannot be evaluated (``None`` when it can), ``assumptions`` lists the
    defaults used. ``heat_mwh`` is the heat delivered [MWh/yr] (= quantity, or quantity
    × boiler efficiency when the receiver declared the natural gas it burns).
    """
    tables = tables or read_tables(lci_dir)
    if not isinstance(subjects, pd.DataFrame):
        raise LcaError("soggetti: atteso un DataFrame")
    df = subjects.copy().reset_index(drop=True)
    if "quantity_mwh" in df.columns and "quantity_std" not in df.columns:
        df["quantity_std"] = df["quantity_mwh"]
        df["unit_std"] = "MWh"
    missing = [c for c in ("subject_id", "subject_kind") if c not in df.columns]
    if "quantity_std" not in df.columns or "unit_std" not in df.columns:
        missing.append("quantity_mwh (o quantity_std e unit_std)")
    if "kind" not in df.columns and not {"source_resource", "target_resource"} <= set(df.columns):
        missing.append("kind (o source_resource e target_resource)")
    if missing:
        raise LcaError(f"soggetti: colonne mancanti {', '.join(missing)}")
    n = len(df)
    df["subject_id"] = df["subject_id"].astype(str)
    source = _column(df, "source_resource").astype(object)
    target = _column(df, "target_resource").astype(object)
    kinds = tables.kinds.set_index(["source_resource", "target_resource"])
    pairs = pd.MultiIndex.from_arrays([source.fillna(""), target.fillna("")])
    by_pair = kinds.reindex(pairs)
    # water: one row per source holds for every target (pairs by quality and use)
    wildcard = kinds.reindex(pd.MultiIndex.from_arrays([source.fillna(""),
                                                        pd.Series(ANY_TARGET, index=df.index)]))
    listed = by_pair["kind"].notna().to_numpy()
    by_pair = pd.DataFrame(np.where(listed[:, None], by_pair.to_numpy(dtype=object),
                                    wildcard.to_numpy(dtype=object)),
                           columns=by_pair.columns, index=df.index)
    excluded = by_pair["kind"].eq("").to_numpy()
    given_kind = _column(df, "kind").astype(object)
    has_given = (given_kind.notna() & given_kind.astype(str).ne("")).to_numpy()
    kind = given_kind.where(has_given, by_pair["kind"].replace("", None))
    heat_mode = _column(df, "heat_mode").astype(object)
    override = heat_mode.map(HEAT_MODE_KINDS)
    from_mode = override.notna() & kind.isin(list(HEAT_KINDS | {"absorption_cooling"}))
    kind = kind.where(~from_mode, override)
    direct = heat_mode.eq("diretto") & kind.eq("heat_pump")
    kind = kind.where(~direct, "heat_recovery")
    df["kind"] = kind

    reasons = np.full(n, None, dtype=object)
    assumptions = [[] for _ in range(n)]

    def fail(mask, message):
        for i in np.flatnonzero(np.asarray(mask, dtype=bool)):
            if reasons[i] is None:
                reasons[i] = message(df.iloc[i]) if callable(message) else message

    units = tables.kind_units
    quantity = _numeric(df, "quantity_std")
    fail(~df["subject_kind"].isin(SUBJECT_KINDS),
         lambda r: f"subject_kind {r['subject_kind']!r}; atteso {' o '.join(SUBJECT_KINDS)}")
    for i in np.flatnonzero(excluded & ~has_given):
        reasons[i] = f"{by_pair['note'].iloc[i]} (lib/lci/kinds.csv)"
    no_kind = df["kind"].isna() | df["kind"].astype(str).eq("")
    fail(no_kind, lambda r: f"nessuno scenario LCA per {_text(r.get('source_resource')) or '?'} "
                            f"→ {_text(r.get('target_resource')) or '?'} (lib/lci/kinds.csv)")
    fail(~no_kind & ~df["kind"].isin(units.index),
         lambda r: f"tipo di sinergia {r['kind']!r} senza scenari in lib/lci/scenarios.csv; "
                   f"tipi noti: {', '.join(units.index)}")
    fail(~(np.isfinite(quantity) & (quantity > 0)),
         lambda r: f"quantità {r['quantity_std']} non valida (deve essere > 0)")
    fail(df["unit_std"].ne(df["kind"].map(units)) & df["kind"].isin(units.index),
         lambda r: f"unità {r['unit_std']!r}, ma il tipo {r['kind']!r} è per "
                   f"{units[r['kind']]!r}")
    fail(df.duplicated(["subject_id", "subject_kind"]), "ripetuto")
    df["quantity_std"] = quantity

    # heat delivered: the candidate's quantity is gas when the receiver declared gas
    gas_target = target.eq("gas_naturale").to_numpy() & df["kind"].isin(list(HEAT_KINDS)).to_numpy()
    df["heat_mwh"] = np.where(gas_target, quantity * tables.eta_boiler, quantity)
    for i in np.flatnonzero(gas_target):
        assumptions[i].append(f"gas sostituito letto come calore consegnato × rendimento "
                              f"caldaia {tables.eta_boiler:.2f}")
    # heat pumps need a COP
    cop = _numeric(df, "cop")
    needs_cop = df["kind"].eq("heat_pump").to_numpy()
    fail(needs_cop & ~(cop > 1.0), "pompa di calore: COP mancante o non valido (deve essere > 1)")
    df["cop"] = cop

    # supplier quantity
    ratio = substitution_ratio(source, target)
    df["substitution_ratio"] = ratio
    given_source = _numeric(df, "source_quantity_std")
    heat_source = np.where(df["kind"].eq("heat_pump"), df["heat_mwh"] * (1 - 1 / cop),
                           df["heat_mwh"])
    default_source = np.where(df["kind"].isin(list(HEAT_KINDS)), heat_source,
                              quantity / np.where(ratio > 0, ratio, 1.0))
    use_default = ~(given_source > 0)
    df["source_quantity_std"] = np.where(use_default, default_source, given_source)
    for i in np.flatnonzero(use_default & ~np.isfinite(ratio) & ~df["kind"].isin(list(HEAT_KINDS))):
        assumptions[i].append("quantità del fornitore = quantità ricevuta (nessun rapporto di "
                              "sostituzione)")

    # route
    route = _numeric(df, "route_km")
    distance = _numeric(df, "distance_km")
    from_distance = ~(route >= 0) & (distance >= 0)
    route = route.where(~from_distance, distance * route_factor())
    for i in np.flatnonzero(from_distance):
        assumptions[i].append(f"percorso = distanza × {route_factor():g}")
    df["route_km"] = route
    needs_route = df["kind"].isin(list(tables.kinds_using(bases=("source_tkm", "quantity_km"))))
    fail(needs_route.to_numpy(dtype=bool) & ~(route >= 0).to_numpy(),
         "percorso mancante (route_km o distance_km)")

    # transport
    mode = _column(df, "transport_mode").astype(object)
    uses_transport = df["kind"].isin(list(tables.kinds_using(process_code="{transport}"))
                                     ).to_numpy(dtype=bool)
    no_mode = mode.isna() | mode.astype(str).eq("")
    mode = mode.where(~(no_mode & uses_transport), DEFAULT_TRANSPORT_MODE)
    for i in np.flatnonzero(no_mode & uses_transport):
        assumptions[i].append(f"trasporto su strada ({DEFAULT_TRANSPORT_MODE}) non dichiarato")
    df["transport_mode"] = mode
    unknown_mode = uses_transport & ~mode.isin(list(TRANSPORT_PROCESSES)).to_numpy()
    fail(unknown_mode, lambda r: f"modo di trasporto {r['transport_mode']!r} sconosciuto; uno di "
                                 f"{', '.join(TRANSPORT_PROCESSES)}")
    df["transport_process"] = mode.map(TRANSPORT_PROCESSES).where(uses_transport, None)

    # virgin and treatment
    virgin = _column(df, "virgin_process").astype(object)
    virgin = virgin.where(virgin.notna() & virgin.astype(str).ne(""),
                          pd.Series(by_pair["virgin_process"].to_numpy(), index=df.index))
    water_quality = _column(df, "target_water_quality").astype(object)
    declared_water = water_quality.map(WATER_SOURCE_PROCESSES)
    overridden = _column(df, "virgin_process").notna()
    by_class = target.map(WATER_CLASS_PROCESSES)
    water = df["kind"].eq("water_reuse")
    virgin = virgin.where(~(water & by_class.notna() & ~overridden), by_class)
    use_declared = water & by_class.isna() & declared_water.notna() & ~overridden
    virgin = virgin.where(~use_declared, declared_water)
    for i in np.flatnonzero(water & by_class.isna() & ~use_declared & ~overridden):
        assumptions[i].append("fonte idrica del ricevente non dichiarata: falda")
    df["virgin_process"] = virgin.replace("", None)
    treatment = _column(df, "treatment_process").astype(object)
    listed = pd.Series(by_pair["treatment_process"].to_numpy(), index=df.index)
    treatment = treatment.where(treatment.notna(), listed)
    df["treatment_process"] = treatment.replace("", None)
    basis = pd.Series(by_pair["treatment_basis"].to_numpy(), index=df.index).replace("", None)
    df["treatment_basis"] = basis.where(basis.notna(), "source_quantity")

    # disposal
    declared_route = _column(df, "current_fate").map(fate_route)
    disposal = tables.disposal
    default_route = source.map(disposal["default_route"])
    route_name = declared_route.where(declared_route.notna(), default_route)
    for i in np.flatnonzero(declared_route.isna() & default_route.notna()):
        assumptions[i].append(f"destino del residuo non dichiarato: {default_route.iloc[i]} "
                              "(predefinito della classe)")
    process = pd.Series(None, index=df.index, dtype=object)
    for name, column in ROUTE_COLUMNS.items():
        rows = route_name.eq(name)
        process[rows] = source[rows].map(disposal[column]).replace("", None)
    process[route_name.eq("recupero")] = RECOVERY_PROCESS
    given_disposal = _column(df, "disposal_process").astype(object)
    process = given_disposal.where(given_disposal.notna() & given_disposal.astype(str).ne(""),
                                   process)
    df["disposal_route"] = route_name.where(given_disposal.isna(), "indicato")
    df["disposal_process"] = process

    # every placeholder the kind uses must resolve
    for placeholder, column, what in (("{virgin}", "virgin_process", "materia o fonte vergine"),
                                      ("{disposal}", "disposal_process", "via di smaltimento")):
        uses = df["kind"].isin(list(tables.kinds_using(process_code=placeholder)))
        fail(uses.to_numpy(dtype=bool) & df[column].isna().to_numpy(),
             lambda r, w=what: f"{w} non definita per {_text(r.get('source_resource')) or '?'} → "
                               f"{_text(r.get('target_resource')) or '?'} (lib/lci/kinds.csv, "
                               "disposal.csv)")
    for column in ("virgin_process", "treatment_process", "disposal_process"):
        unknown = df[column].notna() & ~df[column].isin(list(tables.processes))
        fail(unknown, lambda r, c=column: f"{c} {r[c]!r} inesistente in lib/lci")

    df["assumptions"] = ["; ".join(a) if a else None for a in assumptions]
    df["reason"] = reasons
    return df


def _basis_values(subjects: pd.DataFrame, basis: str) -> np.ndarray:
    q = subjects["quantity_std"].to_numpy(dtype=float)
    qs = subjects["source_quantity_std"].to_numpy(dtype=float)
    route = np.nan_to_num(subjects["route_km"].to_numpy(dtype=float))
    heat = subjects["heat_mwh"].to_numpy(dtype=float)
    if basis == "quantity":
        return q
    if basis == "source_quantity":
        return qs
    if basis == "source_tkm":
        return qs * route
    if basis == "quantity_km":
        return q * route
    if basis == "heat":
        return heat
    if basis == "heat_over_cop":
        cop = subjects["cop"].to_numpy(dtype=float)
        return np.where(cop > 0, heat / np.where(cop > 0, cop, 1.0), 0.0)
    if basis == "treatment":
        return np.where(subjects["treatment_basis"].eq("quantity"), q, qs)
    raise LcaError(f"base {basis!r} sconosciuta; una di {', '.join(BASES)}")


def _row_processes(subjects: pd.DataFrame, code: str) -> pd.Series:
    if code == "{virgin}":
        return subjects["virgin_process"]
    if code == "{treatment}":
        return subjects["treatment_process"]
    if code == "{disposal}":
        return subjects["disposal_process"]
    if code == "{transport}":
        return subjects["transport_process"]
    if code in PLACEHOLDERS:  # pragma: no cover - PLACEHOLDERS and this function agree
        raise LcaError(f"segnaposto {code!r} senza regola")
    return pd.Series(code, index=subjects.index, dtype=object)


def scenario_rows(subjects: pd.DataFrame, tables: ScenarioTables, scenario: str) -> pd.DataFrame:
    """Long table of one scenario: one row per subject and demanded process.

    Parameters
    ----------
    subjects : DataFrame — from :func:`resolve_subjects`, without ``reason``.
    scenario : str — ``baseline`` or ``symbiosis``.

    Returns
    -------
    DataFrame — ``subject`` (position in ``subjects``), ``process_code``, ``amount``
    [process unit/yr], ``role``, ``basis``, ``basis_value``, ``row`` (line of
    scenarios.csv).
    """
    rows = tables.scenarios[tables.scenarios["scenario"] == scenario]
    parts = []
    position = np.arange(len(subjects))
    for kind, idx in subjects.groupby("kind").indices.items():
        part = subjects.iloc[idx]
        for _, r in rows[rows["kind"] == kind].iterrows():
            codes = _row_processes(part, r["process_code"]).to_numpy(dtype=object)
            values = _basis_values(part, r["basis"])
            parts.append(pd.DataFrame({
                "subject": position[idx], "process_code": codes,
                "amount": r["amount"] * values, "role": r["role"], "basis": r["basis"],
                "basis_value": values, "row": r["row"]}))
    if not parts:
        return pd.DataFrame(columns=["subject", "process_code", "amount", "role", "basis",
                                     "basis_value", "row"])
    return pd.concat(parts, ignore_index=True)


def demand_matrices(subjects: pd.DataFrame, tables: ScenarioTables,
                    codes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Baseline and symbiosis demands of all subjects (processes × subjects).

    Parameters
    ----------
    subjects : DataFrame — from :func:`resolve_subjects`, all evaluable.
    codes : list of str — process codes, in the order of the matrix rows.

    Returns
    -------
    (baseline, symbiosis) — arrays (len(codes), len(subjects)) [process unit/yr].
    """
    position = {code: i for i, code in enumerate(codes)}
    out = []
    for scenario in ("baseline", "symbiosis"):
        long = scenario_rows(subjects, tables, scenario)
        long = long[long["process_code"].notna()]
        absent = sorted(set(long["process_code"]) - set(position))
        if absent:
            raise LcaError(f"scenari: processo {absent[0]!r} assente dal database di primo piano")
        matrix = np.zeros((len(codes), len(subjects)))
        np.add.at(matrix, (long["process_code"].map(position).to_numpy(dtype=int),
                           long["subject"].to_numpy(dtype=int)),
                  long["amount"].to_numpy(dtype=float))
        out.append(matrix)
    return out[0], out[1]


#: Columns of :func:`scenario_balance`.
BALANCE_COLUMNS: tuple[str, ...] = (
    "subject_id", "subject_kind", "kind", "unit_std", "delivered_baseline",
    "delivered_symbiosis", "residue_baseline", "residue_symbiosis", "energy_in_symbiosis",
    "energy_out_symbiosis", "treatment_residue", "mass_unaccounted", "balanced", "problem",
)


def scenario_balance(subjects: pd.DataFrame, tables: ScenarioTables | None = None,
                     lci_dir=None) -> pd.DataFrame:
    """Mass and energy balance of each scenario pair (what an LCA practitioner checks first).

    Both scenarios must deliver the same function: the receiver gets the same quantity
    (``fornitura`` rows; the residue delivers its quantity × the rule's substitution
    ratio, ``residuo_fornitura`` rows) and the supplier's residue is taken care of in both
    (``residuo`` rows without the symbiosis, ``residuo_fornitura`` with it). For heat kinds
    the symbiosis may not create energy: heat delivered ≤ source heat + heat-pump
    electricity (the difference is a loss, e.g. of a recovery boiler). For materials exchanged in t, the residues of the treatment process
    (its inputs of landfill and incineration) must not exceed what the substitution
    leaves: ``mass_unaccounted`` = source − received − treatment residues ≥ 0 (water or
    CO2 lost); chemical conversions (treatment per unit received) are exempt.

    Parameters
    ----------
    subjects : DataFrame — from :func:`resolve_subjects`; those with a ``reason`` are
        left out.

    Returns
    -------
    DataFrame — :data:`BALANCE_COLUMNS`; quantities per year in the kind's unit
    (``delivered_*``), the supplier's unit (``residue_*``, ``treatment_residue``,
    ``mass_unaccounted``) or MWh (``energy_*``); ``balanced`` and the ``problem`` found.
    """
    tables = tables or read_tables(lci_dir)
    ok = subjects[subjects["reason"].isna()] if "reason" in subjects else subjects
    ok = ok.reset_index(drop=True)
    n = len(ok)
    sums = {}
    for scenario in ("baseline", "symbiosis"):
        long = scenario_rows(ok, tables, scenario)
        # a residue used in place of the virgin product delivers quantity × the rule ratio
        ratio = ok["substitution_ratio"].to_numpy(dtype=float)
        ratio = np.where(np.isfinite(ratio), ratio, 1.0)
        qs = ok["source_quantity_std"].to_numpy(dtype=float)
        rf = long[long["role"] == "residuo_fornitura"]["subject"].drop_duplicates().to_numpy(int)
        delivered = np.zeros(n)
        residue = np.zeros(n)
        fornitura = long[long["role"] == "fornitura"]
        np.add.at(delivered, fornitura["subject"].to_numpy(int),
                  fornitura["basis_value"].to_numpy(float))
        residuo = long[long["role"] == "residuo"]
        np.add.at(residue, residuo["subject"].to_numpy(int), residuo["basis_value"].to_numpy(float))
        delivered[rf] += qs[rf] * ratio[rf]
        residue[rf] += qs[rf]
        sums[scenario] = (delivered, residue)
    heat = ok["kind"].isin(list(HEAT_KINDS)).to_numpy()
    cop = ok["cop"].to_numpy(dtype=float)
    electricity = np.where(ok["kind"].eq("heat_pump"), ok["heat_mwh"] / np.where(cop > 0, cop, 1), 0.0)
    energy_in = np.where(heat, ok["source_quantity_std"] + electricity, np.nan)
    energy_out = np.where(heat, ok["heat_mwh"], np.nan)
    treatment_residue = ok["treatment_process"].map(tables.waste_per_unit).fillna(0.0).to_numpy(float) * \
        np.where(ok["treatment_basis"].eq("quantity"), 0.0, ok["source_quantity_std"])
    mass = (ok["unit_std"].eq("t") & ok["kind"].eq("material_substitution")
            & ok["treatment_basis"].ne("quantity")).to_numpy()
    unaccounted = np.where(mass, ok["source_quantity_std"] - ok["quantity_std"] - treatment_residue,
                           np.nan)
    out = pd.DataFrame({
        "subject_id": ok["subject_id"], "subject_kind": ok["subject_kind"], "kind": ok["kind"],
        "unit_std": ok["unit_std"],
        "delivered_baseline": sums["baseline"][0], "delivered_symbiosis": sums["symbiosis"][0],
        "residue_baseline": sums["baseline"][1], "residue_symbiosis": sums["symbiosis"][1],
        "energy_in_symbiosis": energy_in, "energy_out_symbiosis": energy_out,
        "treatment_residue": treatment_residue, "mass_unaccounted": unaccounted,
    })
    problems = []
    for r in out.itertuples(index=False):
        scale = max(abs(r.delivered_baseline), abs(r.residue_baseline), 1.0)
        tol = BALANCE_TOLERANCE * scale
        problem = None
        if abs(r.delivered_baseline - r.delivered_symbiosis) > max(tol, 1e-3 * abs(r.delivered_baseline)):
            problem = (f"fornitura diversa: {r.delivered_baseline:.6g} senza simbiosi, "
                       f"{r.delivered_symbiosis:.6g} con simbiosi {r.unit_std}/anno")
        elif abs(r.residue_baseline - r.residue_symbiosis) > tol:
            problem = (f"residuo gestito diverso: {r.residue_baseline:.6g} senza simbiosi, "
                       f"{r.residue_symbiosis:.6g} con simbiosi")
        elif not math.isnan(r.energy_in_symbiosis) and \
                r.energy_out_symbiosis - r.energy_in_symbiosis > 1e-3 * max(r.energy_out_symbiosis, 1):
            problem = (f"energia creata: {r.energy_in_symbiosis:.6g} MWh in ingresso "
                       f"(calore di scarto + elettricità), {r.energy_out_symbiosis:.6g} MWh consegnati")
        elif not math.isnan(r.mass_unaccounted) and r.mass_unaccounted < -tol:
            problem = (f"massa creata: {-r.mass_unaccounted:.6g} t/anno in più tra prodotto e "
                       "residui del trattamento rispetto al residuo in ingresso")
        problems.append(problem)
    out["problem"] = problems
    out["balanced"] = out["problem"].isna()
    return out[list(BALANCE_COLUMNS)]
