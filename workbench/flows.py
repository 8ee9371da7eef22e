"""Flow tables → Sankey links, graph edges, balances, unmatched resources and data gaps
(pure data, no plotting).

One flow table (``source``, ``target``, ``matrix``, ``value``, ``unit``) is built per
matrix in its standard unit (t, m3, MWh), never summing tonnes with MWh. Inputs run
from their origin (grid, gas network, aqueduct, wells, sea, suppliers) to the company
node; outputs from the company node to their destination (recovery R, disposal D,
sewer, sea or surface water, atmosphere, grid). Realised synergies of the register
(status ``realizzata`` or ``monitorata``) redirect part of an output to the company
that uses it: that part is a ``synergy`` link from company to company, and the input
it feeds no longer comes from a virgin source.

The *node* of a company depends on the aggregation level: the company itself, its
sector (ATECO 2025 division, ``lib/ateco/divisions.csv``), or the whole area. The
audience rules (who may see which node) live in :mod:`workbench.privacy`; the views of
:mod:`workbench.views` apply them.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from .config import LIB_DIR
from .model import MATRICES, REALISED_STATUSES, STANDARD_UNIT
from .privacy import cell_statistics

LEVELS = ("company", "sector", "area")
AREA_NODE = {"it": "Area industriale di Livorno", "en": "Livorno industrial area"}
#: Kinds of link: virgin supply, output to a destination, company-to-company synergy.
DIRECTIONS = ("in", "out", "synergy")
#: Node standing for companies outside the selection that take part in a synergy.
OTHER_COMPANIES_NODE = "Altre aziende (simbiosi)"
UNDECLARED_DESTINATION = "Destino non dichiarato"

#: Origin node of an input by its resource class (fallback: by matrix).
ORIGIN_BY_RESOURCE = {
    "energia_elettrica": "Rete elettrica",
    "gas_naturale": "Rete gas",
    "gasolio": "Fornitori di combustibili",
    "gpl": "Fornitori di combustibili",
    "acqua_potabile": "Acquedotto",
    "acqua_falda": "Pozzi (falda)",
    "acqua_mare": "Mare",
    "acqua_demineralizzata": "Fornitori di acqua trattata",
    "acqua_industriale": "Acquedotto industriale",
}
ORIGIN_BY_MATRIX = {"materia": "Fornitori di materie prime", "acqua": "Acquedotto",
                    "energia": "Fornitori di energia"}

#: Destination of outputs without an R/D code, by matrix and words of the declared
#: counterpart (first match wins; lower case, regular expressions). The words are those
#: of the questionnaire's "destinatario" column.
DESTINATION_RULES: tuple[tuple[str, str, str], ...] = (
    ("acqua", r"mare", "Mare"),
    ("acqua", r"corpo idrico|fiume|fosso|canale", "Corpo idrico superficiale"),
    ("acqua", r"fognatura|depuratore", "Fognatura"),
    ("acqua", r"riuso|ricircolo|riutilizzo", "Riuso interno"),
    ("energia", r"rete|rtn|immissione", "Rete elettrica (immissione)"),
    ("energia", r"mare", "Mare"),
    ("materia", r"atmosfera|emess", "Emissioni in atmosfera"),
    ("materia", r"vendit|venduto|cession|ritiro", "Cessione a terzi (sottoprodotto)"),
)
#: Destination of an output with no fate and no counterpart rule, by matrix.
DESTINATION_BY_MATRIX = {"acqua": "Fognatura o corpo idrico", "energia": "Dispersione in atmosfera",
                         "materia": UNDECLARED_DESTINATION}
#: Destinations that are losses to the environment (not a use of the resource).
LOSS_DESTINATIONS = ("Mare", "Corpo idrico superficiale", "Fognatura", "Fognatura o corpo idrico",
                     "Dispersione in atmosfera", "Emissioni in atmosfera")

#: English names of the origin and destination nodes above (the stored names are Italian;
#: views translate them for display with :func:`endpoint_label`).
ENDPOINT_NAMES_EN = {
    "Rete elettrica": "Electricity grid", "Rete gas": "Gas grid",
    "Fornitori di combustibili": "Fuel suppliers", "Acquedotto": "Public water supply",
    "Pozzi (falda)": "Wells (groundwater)", "Mare": "Sea",
    "Fornitori di acqua trattata": "Treated-water suppliers",
    "Acquedotto industriale": "Industrial water supply",
    "Fornitori di materie prime": "Raw-material suppliers",
    "Fornitori di energia": "Energy suppliers",
    "Corpo idrico superficiale": "Surface water body", "Fognatura": "Sewer",
    "Riuso interno": "Internal reuse",
    "Rete elettrica (immissione)": "Electricity grid (export)",
    "Emissioni in atmosfera": "Emissions to air",
    "Cessione a terzi (sottoprodotto)": "Sold to third parties (by-product)",
    "Fognatura o corpo idrico": "Sewer or water body",
    "Dispersione in atmosfera": "Released to the air",
    UNDECLARED_DESTINATION: "Undeclared destination",
    OTHER_COMPANIES_NODE: "Other companies (symbiosis)",
    "Scarichi e dispersioni": "Discharges and losses",
    "Recupero (R)": "Recovery (R)", "Smaltimento (D)": "Disposal (D)",
}


def endpoint_label(name: str, lang: str = "it") -> str:
    """A node name as the reader sees it: origins, destinations and R/D fates in English
    for ``en`` (``Recupero (R5)`` → ``Recovery (R5)``); any other name unchanged."""
    if lang != "en" or not isinstance(name, str):
        return name
    if name in ENDPOINT_NAMES_EN:
        return ENDPOINT_NAMES_EN[name]
    for italian, english in (("Recupero (", "Recovery ("), ("Smaltimento (", "Disposal (")):
        if name.startswith(italian):
            return english + name[len(italian):]
    return name


#: Relative imbalance (|in − out| / max(in, out)) below which a node is said to balance. [-]
BALANCE_TOLERANCE = 0.10
#: A declared quantity per employee this many times above or below its sector's median
#: (same resource class, at least :data:`OUTLIER_MIN_PEERS` companies) is flagged. [-]
OUTLIER_FACTOR = 10.0
OUTLIER_MIN_PEERS = 3


@lru_cache(maxsize=1)
def _sectors() -> pd.DataFrame:
    return pd.read_csv(LIB_DIR / "ateco" / "divisions.csv", dtype=str)


def sector_of(ateco: pd.Series, lang: str = "it") -> pd.Series:
    """Sector name (ATECO 2025 division) of each ATECO code: ``'19.20'`` → ``'Raffinazione del petrolio'``."""
    table = _sectors().set_index("division")[f"sector_{lang}"]
    division = ateco.fillna("").astype(str).str.replace(r"\D", "", regex=True).str[:2]
    fallback = ("Divisione ATECO " if lang == "it" else "ATECO division ") + division
    return division.map(table).fillna(fallback)


def destination_of(flows: pd.DataFrame) -> pd.Series:
    """Destination node of each output flow.

    The R/D code of ``current_fate`` decides first (``Recupero (R5)``,
    ``Smaltimento (D1)``); otherwise the declared ``counterpart`` by
    :data:`DESTINATION_RULES` (sea, surface water, sewer, grid, atmosphere ...);
    otherwise :data:`DESTINATION_BY_MATRIX`.
    """
    fate = flows["current_fate"].fillna("").astype(str).str.upper().str.strip()
    counterpart = (flows["counterpart"] if "counterpart" in flows.columns
                   else pd.Series("", index=flows.index)).fillna("").astype(str).str.lower()
    matrix = flows["matrix"]
    dest = matrix.map(DESTINATION_BY_MATRIX).fillna(UNDECLARED_DESTINATION).astype(object)
    energy = matrix == "energia"
    if "resource" in flows.columns:
        dest[energy & flows["resource"].eq("elettricita_eccedente")] = "Rete elettrica (immissione)"
    decided = pd.Series(False, index=flows.index)
    for rule_matrix, pattern, node in DESTINATION_RULES:
        hit = ~decided & (matrix == rule_matrix) & counterpart.str.contains(pattern, regex=True)
        dest[hit] = node
        decided |= hit
    recovery, disposal = fate.str.match(r"^R\d"), fate.str.match(r"^D\d")
    dest[recovery] = "Recupero (" + fate[recovery] + ")"
    dest[disposal] = "Smaltimento (" + fate[disposal] + ")"
    return dest


def origin_of(flows: pd.DataFrame) -> pd.Series:
    """Origin node of each input flow from its resource class and matrix."""
    origin = flows["resource"].map(ORIGIN_BY_RESOURCE)
    return origin.fillna(flows["matrix"].map(ORIGIN_BY_MATRIX))


# ---------------------------------------------------------------- reading the store
def load_flows(con, year: int | None = None, lang: str = "it") -> pd.DataFrame:
    """Flows of companies under NDA, with their company, sector and site.

    Parameters
    ----------
    con : duckdb connection — an open store (see :func:`workbench.store.connect`).
    year : int, optional — keep only flows of that year.

    Returns
    -------
    DataFrame — the ``flows`` columns plus ``company_name``, ``ateco``, ``sector``,
    ``size_class``, ``consent``, ``employees`` [persons], ``lat``, ``lon`` [deg WGS84],
    ``cabina_primaria``.
    """
    sql = """
        SELECT f.*, c.name AS company_name, c.ateco, c.size_class, c.consent, c.employees,
               s.lat, s.lon, s.cabina_primaria
        FROM v_flows f
        JOIN v_companies c USING (company_id)
        LEFT JOIN v_sites s USING (site_id)
    """
    params = []
    if year is not None:
        sql += " WHERE f.year = ?"
        params.append(int(year))
    df = con.execute(sql + " ORDER BY f.flow_id", params).df()
    df["sector"] = sector_of(df["ateco"], lang)
    return df


def load_synergies(con) -> pd.DataFrame:
    """Synergies of the register whose companies all signed the NDA (any status).

    Returns
    -------
    DataFrame — ``synergy_id``, ``source_flow_id``, ``target_flow_id``,
    ``source_company_id``, ``target_company_id``, ``target_sector``, ``matrix``,
    ``description``, ``quantity_std`` [unit_std/yr], ``unit_std``, ``status``.
    """
    return con.execute("""
        SELECT s.synergy_id, s.source_flow_id, s.target_flow_id, s.source_company_id,
               s.target_company_id, s.target_sector, s.matrix, s.description,
               s.quantity_std, s.unit_std, s.status
        FROM synergies s
        WHERE (s.source_company_id IS NULL
               OR s.source_company_id IN (SELECT company_id FROM v_companies))
          AND (s.target_company_id IS NULL
               OR s.target_company_id IN (SELECT company_id FROM v_companies))
        ORDER BY s.synergy_id""").df()


def load_candidates(con) -> pd.DataFrame:
    """Screening candidates (pairs) between companies under NDA; empty before screening.

    Returns
    -------
    DataFrame — ``candidate_id``, ``matrix``, ``source_flow_id``, ``target_flow_id``,
    ``source_company_id``, ``target_company_id``, ``source_resource``,
    ``quantity_std`` [unit_std/yr], ``unit_std``, ``distance_km`` [km],
    ``net_benefit_eur`` [EUR/yr], ``rank``.
    """
    return con.execute("""
        SELECT candidate_id, matrix, source_flow_id, target_flow_id, source_company_id,
               target_company_id, source_resource, quantity_std, unit_std, distance_km,
               net_benefit_eur, rank
        FROM candidates
        WHERE kind = 'pair'
          AND source_company_id IN (SELECT company_id FROM v_companies)
          AND target_company_id IN (SELECT company_id FROM v_companies)
        ORDER BY candidate_id""").df()


def load_companies(con, lang: str = "it") -> pd.DataFrame:
    """Companies under NDA with their sector and main site (first site by id).

    Returns
    -------
    DataFrame — ``company_id``, ``name``, ``ateco``, ``sector``, ``employees`` [persons],
    ``turnover_eur`` [EUR], ``size_class``, ``consent``, ``sites``, ``lat``, ``lon``
    [deg WGS84], ``cabina_primaria``.
    """
    df = con.execute("""
        SELECT c.company_id, c.name, c.ateco, c.employees, c.turnover_eur, c.size_class,
               c.consent, count(s.site_id) AS sites,
               first(s.lat ORDER BY s.site_id) AS lat, first(s.lon ORDER BY s.site_id) AS lon,
               first(s.cabina_primaria ORDER BY s.site_id) AS cabina_primaria
        FROM v_companies c LEFT JOIN v_sites s USING (company_id)
        GROUP BY ALL ORDER BY c.company_id""").df()
    df["sector"] = sector_of(df["ateco"], lang)
    return df


def load_sites(con, lang: str = "it") -> pd.DataFrame:
    """Sites of companies under NDA: ``site_id``, ``company_id``, ``company_name``,
    ``site_name``, ``sector``, ``lat``, ``lon`` [deg WGS84], ``address``, ``cabina_primaria``."""
    df = con.execute("""
        SELECT s.site_id, s.company_id, c.name AS company_name, s.name AS site_name, c.ateco,
               s.lat, s.lon, s.address, s.cabina_primaria
        FROM v_sites s JOIN v_companies c USING (company_id) ORDER BY s.site_id""").df()
    df["sector"] = sector_of(df["ateco"], lang)
    return df


@dataclass
class FlowData:
    """Everything the flow views need, read from the store in one connection.

    Attributes
    ----------
    flows : DataFrame — :func:`load_flows`.
    synergies : DataFrame — :func:`load_synergies` (all statuses).
    candidates : DataFrame — :func:`load_candidates` (empty before screening).
    companies : DataFrame — :func:`load_companies`.
    sites : DataFrame — :func:`load_sites`.
    """

    flows: pd.DataFrame
    synergies: pd.DataFrame = field(default_factory=pd.DataFrame)
    candidates: pd.DataFrame = field(default_factory=pd.DataFrame)
    companies: pd.DataFrame = field(default_factory=pd.DataFrame)
    sites: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def realised(self) -> pd.DataFrame:
        """The realised synergies (``realizzata`` or ``monitorata``)."""
        return realised_synergies(self.synergies)

    @property
    def years(self) -> list[int]:
        """Years with declared flows, most recent first."""
        return sorted({int(y) for y in self.flows["year"].dropna()}, reverse=True) \
            if "year" in self.flows.columns else []


def load_flow_data(con, year: int | None = None, lang: str = "it") -> FlowData:
    """:class:`FlowData` from an open store (flows of one ``year`` or all)."""
    return FlowData(load_flows(con, year, lang), load_synergies(con), load_candidates(con),
                    load_companies(con, lang), load_sites(con, lang))


def realised_synergies(synergies: pd.DataFrame | None) -> pd.DataFrame:
    """The rows of the register whose status is realised (:data:`REALISED_STATUSES`)."""
    if synergies is None or synergies.empty or "status" not in synergies.columns:
        return pd.DataFrame(columns=["synergy_id", "source_flow_id", "target_flow_id",
                                     "matrix", "quantity_std", "status"])
    return synergies[synergies["status"].isin(REALISED_STATUSES)]


# ---------------------------------------------------------------- filters
def resource_families() -> pd.Series:
    """Resource class → family (``lib/resources/resource_classes.csv``)."""
    from .reference import resource_classes

    return resource_classes().set_index("resource")["family"]


def filter_flows(flows: pd.DataFrame, *, matrix: str | Iterable[str] | None = None,
                 year: int | None = None, resources: Iterable[str] | None = None,
                 hazardous: bool | None = None, sectors: Iterable[str] | None = None,
                 companies: Iterable[str] | None = None) -> pd.DataFrame:
    """The flows that pass every given filter (None = no filter on that dimension).

    Parameters
    ----------
    flows : DataFrame — :func:`load_flows`.
    matrix : str or iterable — ``materia``, ``acqua``, ``energia``.
    year : int — reference year of the flows.
    resources : iterable of str — resource classes (``gesso_fgd``) or families
        (``minerali``) of ``lib/resources``; ``non_classificato`` keeps unclassified flows.
    hazardous : bool — True keeps hazardous waste only (EER with asterisk), False the rest.
    sectors : iterable of str — sector names (ATECO divisions, as in ``sector``).
    companies : iterable of str — company ids.

    Raises
    ------
    ValueError — unknown matrix.
    """
    keep = pd.Series(True, index=flows.index)
    if matrix is not None:
        wanted = [matrix] if isinstance(matrix, str) else list(matrix)
        unknown = [m for m in wanted if m not in MATRICES]
        if unknown:
            raise ValueError(f"unknown matrix {unknown[0]!r}: one of {', '.join(MATRICES)}")
        keep &= flows["matrix"].isin(wanted)
    if year is not None:
        keep &= flows["year"] == int(year)
    if resources is not None:
        wanted = set(resources)
        resource = flows["resource"].fillna("non_classificato")
        family = flows["resource"].map(resource_families()).fillna("non_classificato")
        keep &= resource.isin(wanted) | family.isin(wanted)
    if hazardous is not None:
        flag = flows["hazardous"].astype("boolean").fillna(False).astype(bool)
        keep &= flag if hazardous else ~flag
    if sectors is not None:
        keep &= flows["sector"].isin(list(sectors))
    if companies is not None:
        keep &= flows["company_id"].isin(list(companies))
    return flows[keep]


# ---------------------------------------------------------------- Sankey links
def node_of(flows: pd.DataFrame, level: str, lang: str = "it",
            labels: pd.Series | None = None) -> pd.Series:
    """The company-side node of each flow at an aggregation level.

    ``labels`` (company_id → label) replaces company names, e.g. by pseudonyms.
    """
    if level not in LEVELS:
        raise ValueError(f"unknown aggregation level {level!r}: one of {', '.join(LEVELS)}")
    if level == "area":
        return pd.Series(AREA_NODE[lang], index=flows.index)
    if level == "sector":
        return flows["sector"]
    if labels is not None:
        return flows["company_id"].map(labels).fillna(flows["company_id"])
    return flows["company_name"]


def _check_units(part: pd.DataFrame, matrix: str) -> None:
    unit = STANDARD_UNIT[matrix]
    wrong = part[part["unit_std"] != unit]
    if len(wrong):
        raise ValueError(f'flow "{wrong["flow_id"].iloc[0]}" of matrix {matrix} is in '
                         f'{wrong["unit_std"].iloc[0]}, expected {unit}')


def synergy_allocation(flows: pd.DataFrame, synergies: pd.DataFrame | None,
                       matrix: str | None = None) -> pd.DataFrame:
    """How much of each flow a realised synergy moves, never more than declared.

    Each realised synergy moves ``min(quantity_std, source output, target input)``; when
    several synergies share a flow and together exceed it, they are scaled down
    proportionally (first per source output, then per target input).

    Returns
    -------
    DataFrame — ``synergy_id``, ``source_flow_id``, ``target_flow_id``, ``value``
    [unit_std/yr], ``source_in`` and ``target_in`` (bool: the flow is in ``flows``).
    """
    empty = pd.DataFrame({"synergy_id": pd.Series(dtype=object),
                          "source_flow_id": pd.Series(dtype=object),
                          "target_flow_id": pd.Series(dtype=object),
                          "value": pd.Series(dtype=float), "source_in": pd.Series(dtype=bool),
                          "target_in": pd.Series(dtype=bool)})
    syn = realised_synergies(synergies)
    if matrix is not None and len(syn):
        syn = syn[syn["matrix"] == matrix]
    if syn.empty or flows.empty:
        return empty
    qty = flows.set_index("flow_id")["quantity_std"]
    direction = flows.set_index("flow_id")["direction"]
    src_ok = syn["source_flow_id"].isin(qty.index) & syn["source_flow_id"].map(direction).eq("out")
    tgt_ok = syn["target_flow_id"].isin(qty.index) & syn["target_flow_id"].map(direction).eq("in")
    syn = syn[src_ok | tgt_ok]
    if syn.empty:
        return empty
    src_ok, tgt_ok = src_ok[syn.index], tgt_ok[syn.index]
    src_q = syn["source_flow_id"].map(qty).where(src_ok)
    tgt_q = syn["target_flow_id"].map(qty).where(tgt_ok)
    declared = pd.to_numeric(syn["quantity_std"], errors="coerce")
    value = pd.concat([declared, src_q, tgt_q], axis=1).min(axis=1, skipna=True).fillna(0.0)
    for flow_col, ok, limit in (("source_flow_id", src_ok, src_q), ("target_flow_id", tgt_ok, tgt_q)):
        total = value.where(ok, 0.0).groupby(syn[flow_col]).transform("sum")
        scale = (limit / total).where(ok & (total > limit), 1.0).fillna(1.0)
        value = value * scale
    return pd.DataFrame({"synergy_id": syn["synergy_id"], "source_flow_id": syn["source_flow_id"],
                         "target_flow_id": syn["target_flow_id"], "value": value.astype(float),
                         "source_in": src_ok.astype(bool), "target_in": tgt_ok.astype(bool)}
                        ).reset_index(drop=True)


def link_rows(flows: pd.DataFrame, matrix: str, level: str = "company", lang: str = "it",
              labels: pd.Series | None = None,
              synergies: pd.DataFrame | None = None) -> pd.DataFrame:
    """Flow-level rows of the Sankey of one matrix, before grouping into links.

    One row per flow (its part not moved by a synergy) and one per realised synergy.
    Privacy rules group and coarsen these rows (:func:`workbench.privacy.pool_unsafe_cells`).

    Returns
    -------
    DataFrame — ``source``, ``target``, ``direction`` (``in`` | ``out`` | ``synergy``),
    ``resource``, ``company_id``, ``partner_id`` (the receiving company of a synergy,
    else None), ``value`` [unit_std/yr].
    """
    if matrix not in MATRICES:
        raise ValueError(f"unknown matrix {matrix!r}: one of {', '.join(MATRICES)}")
    part = flows[flows["matrix"] == matrix]
    _check_units(part, matrix)
    node = node_of(part, level, lang, labels)
    inputs = part["direction"] == "in"
    alloc = synergy_allocation(part, synergies)
    moved_out = alloc[alloc["source_in"]].groupby("source_flow_id")["value"].sum()
    moved_in = alloc[alloc["target_in"]].groupby("target_flow_id")["value"].sum()
    moved = part["flow_id"].map(moved_out.add(moved_in, fill_value=0.0)).fillna(0.0)
    resource = part["resource"].astype(object).where(part["resource"].notna(), "non_classificato")
    rows = pd.DataFrame({
        "source": origin_of(part).where(inputs, node),
        "target": node.where(inputs, destination_of(part)),
        "direction": part["direction"],
        "resource": resource,
        "company_id": part["company_id"],
        "partner_id": None,
        "value": part["quantity_std"].astype(float) - moved,
    })
    rows = rows[rows["value"] > 0]
    if len(alloc):
        by_flow = part.set_index("flow_id")
        node_by_flow = pd.Series(node.to_numpy(), index=part["flow_id"].to_numpy())
        src_node = alloc["source_flow_id"].map(node_by_flow).fillna(OTHER_COMPANIES_NODE)
        tgt_node = alloc["target_flow_id"].map(node_by_flow).fillna(OTHER_COMPANIES_NODE)
        both = alloc["source_in"] & alloc["target_in"]
        res_by_flow = resource.set_axis(part["flow_id"].to_numpy()).astype(object)
        src_res = alloc["source_flow_id"].map(res_by_flow).astype(object)
        tgt_res = alloc["target_flow_id"].map(res_by_flow).astype(object)
        src_co = alloc["source_flow_id"].map(by_flow["company_id"]).astype(object)
        tgt_co = alloc["target_flow_id"].map(by_flow["company_id"]).astype(object)
        syn_rows = pd.DataFrame({
            "source": src_node, "target": tgt_node,
            "direction": np.where(both, "synergy", np.where(alloc["source_in"], "out", "in")),
            "resource": src_res.fillna(tgt_res).fillna("non_classificato"),
            "company_id": src_co.fillna(tgt_co),
            "partner_id": tgt_co.where(both, None),
            "value": alloc["value"],
        })
        rows = pd.concat([rows, syn_rows[syn_rows["value"] > 0]], ignore_index=True)
    return rows.reset_index(drop=True)


def group_links(rows: pd.DataFrame, keys: Iterable[str] = ("source", "target", "direction",
                                                          "resource")) -> pd.DataFrame:
    """Group flow-level rows into links: ``value`` summed, ``companies`` (distinct, both
    partners of a synergy counted) and ``top_share`` (share of the largest company) [0–1].

    The same statistics decide disclosure (:func:`workbench.privacy.cell_statistics`).
    """
    return cell_statistics(rows, list(keys))


def sankey_links(flows: pd.DataFrame, matrix: str, level: str = "company",
                 lang: str = "it", labels: pd.Series | None = None,
                 synergies: pd.DataFrame | None = None) -> pd.DataFrame:
    """Links of the Sankey of one matrix, in its standard unit.

    Parameters
    ----------
    flows : DataFrame — from :func:`load_flows` (possibly filtered).
    matrix : str — ``materia``, ``acqua`` or ``energia``.
    level : str — ``company``, ``sector`` or ``area``.
    labels : Series, optional — company_id → label (e.g. pseudonyms) at company level.
    synergies : DataFrame, optional — the register; its realised synergies become
        ``synergy`` links from the supplying to the receiving company.

    Returns
    -------
    DataFrame — ``source``, ``target``, ``direction`` (``in``, ``out``, ``synergy``),
    ``resource``, ``value`` [unit_std/yr], ``unit``, ``companies`` (distinct companies
    behind the link), ``top_share`` [0–1].

    Notes
    -----
    Mass balance of the links (the property tests): the ``in`` and ``synergy`` links add
    up to the declared inputs, the ``out`` and ``synergy`` links to the declared
    outputs; without realised synergies the links leaving the sources add up to the
    inputs of the filter.
    """
    rows = link_rows(flows, matrix, level, lang, labels, synergies)
    out = group_links(rows)
    out["unit"] = STANDARD_UNIT[matrix]
    return out


def totals_by_matrix(flows: pd.DataFrame) -> pd.DataFrame:
    """Totals per matrix and direction, each in its own unit: ``matrix``, ``direction``,
    ``flows``, ``companies``, ``quantity_std``, ``unit_std``."""
    return (flows.groupby(["matrix", "direction", "unit_std"], as_index=False)
            .agg(flows=("flow_id", "count"), companies=("company_id", "nunique"),
                 quantity_std=("quantity_std", "sum")))


def pool_small_groups(flows: pd.DataFrame, column: str, min_companies: int,
                      other_label: str = "Altri settori") -> pd.DataFrame:
    """Merge the values of ``column`` held by fewer than ``min_companies`` companies into one
    ``other_label`` group; if that group is still too small, into the first large group.

    Used so that no node shown to funders or the public stands for fewer than three
    companies (DESIGN §7).
    """
    out = flows.copy()
    counts = out.groupby(column)["company_id"].nunique()
    small = counts[counts < min_companies].index
    if len(small) == 0:
        return out
    out.loc[out[column].isin(small), column] = other_label
    if out.loc[out[column] == other_label, "company_id"].nunique() < min_companies:
        large = counts[counts >= min_companies].sort_values(ascending=False)
        out.loc[out[column] == other_label, column] = large.index[0] if len(large) else other_label
    return out


# ---------------------------------------------------------------- balance
def check_balance(flows: pd.DataFrame, level: str = "company", matrix: str | None = None,
                  tolerance: float = BALANCE_TOLERANCE, lang: str = "it",
                  labels: pd.Series | None = None, raise_error: bool = False) -> pd.DataFrame:
    """Declared inputs against declared outputs per node and matrix.

    A plant rarely balances on paper (products leave as sales, water evaporates, fuels
    become heat and CO2), so an imbalance is *information* for the analyst, not an error:
    the table says which node does not balance and by how much.

    Parameters
    ----------
    flows : DataFrame — :func:`load_flows` (possibly filtered).
    level : str — ``company``, ``sector`` or ``area``.
    matrix : str, optional — one matrix; default all, each in its own unit.
    tolerance : float — relative imbalance accepted as balanced. [-]
    raise_error : bool — raise ``ValueError`` naming the first unbalanced node instead.

    Returns
    -------
    DataFrame — ``node``, ``matrix``, ``unit_std``, ``inputs`` and ``outputs``
    [unit_std/yr], ``difference`` (inputs − outputs) [unit_std/yr], ``relative``
    (difference / max(inputs, outputs)) [-], ``balanced`` (bool), ``companies``,
    sorted by decreasing |relative| and difference.
    """
    part = flows if matrix is None else filter_flows(flows, matrix=matrix)
    columns = ["node", "matrix", "unit_std", "inputs", "outputs", "difference", "relative",
               "balanced", "companies"]
    if part.empty:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame({"node": node_of(part, level, lang, labels), "matrix": part["matrix"],
                          "unit_std": part["unit_std"], "company_id": part["company_id"],
                          "inputs": part["quantity_std"].where(part["direction"] == "in", 0.0),
                          "outputs": part["quantity_std"].where(part["direction"] == "out", 0.0)})
    out = frame.groupby(["node", "matrix", "unit_std"], as_index=False).agg(
        inputs=("inputs", "sum"), outputs=("outputs", "sum"), companies=("company_id", "nunique"))
    out["difference"] = out["inputs"] - out["outputs"]
    scale = out[["inputs", "outputs"]].max(axis=1)
    out["relative"] = (out["difference"] / scale.where(scale > 0)).fillna(0.0)
    out["balanced"] = out["relative"].abs() <= tolerance
    out = out.assign(_abs=out["relative"].abs()).sort_values(
        ["_abs", "difference"], ascending=False).drop(columns="_abs")[columns].reset_index(drop=True)
    if raise_error and not out["balanced"].all():
        bad = out[~out["balanced"]].iloc[0]
        raise ValueError(f'node "{bad["node"]}" does not balance for {bad["matrix"]}: inputs '
                         f'{bad["inputs"]:.6g} {bad["unit_std"]}, outputs {bad["outputs"]:.6g} '
                         f'{bad["unit_std"]} ({bad["relative"]:+.0%})')
    return out


# ---------------------------------------------------------------- graph
def company_throughput(flows: pd.DataFrame) -> pd.DataFrame:
    """Inputs and outputs of each company per matrix, each in its own unit.

    Returns
    -------
    DataFrame — ``company_id``, ``matrix``, ``unit_std``, ``inputs``, ``outputs``,
    ``throughput`` (inputs + outputs) [unit_std/yr] and ``share`` (of the matrix's total
    throughput of the table) [0–1].
    """
    frame = flows.assign(inputs=flows["quantity_std"].where(flows["direction"] == "in", 0.0),
                         outputs=flows["quantity_std"].where(flows["direction"] == "out", 0.0))
    out = frame.groupby(["company_id", "matrix", "unit_std"], as_index=False)[
        ["inputs", "outputs"]].sum()
    out["throughput"] = out["inputs"] + out["outputs"]
    total = out.groupby("matrix")["throughput"].transform("sum")
    out["share"] = (out["throughput"] / total.where(total > 0)).fillna(0.0)
    return out


def output_coverage(flows: pd.DataFrame, synergies: pd.DataFrame | None = None) -> pd.DataFrame:
    """Share of each company's outputs that already has a destination, per matrix.

    An output *has a destination* when a realised synergy takes it or (materials) when
    it goes to recovery (R code); disposal (D), losses to sewer, sea or atmosphere and
    undeclared fates do not.

    Returns
    -------
    DataFrame — ``company_id``, ``matrix``, ``unit_std``, ``outputs``, ``placed``,
    ``synergy`` [unit_std/yr] and ``placed_share`` [0–1].
    """
    out = flows[flows["direction"] == "out"]
    columns = ["company_id", "matrix", "unit_std", "outputs", "placed", "synergy", "placed_share"]
    if out.empty:
        return pd.DataFrame(columns=columns)
    alloc = synergy_allocation(flows, synergies)
    moved = alloc[alloc["source_in"]].groupby("source_flow_id")["value"].sum()
    synergy = out["flow_id"].map(moved).fillna(0.0)
    recovered = out["current_fate"].fillna("").astype(str).str.upper().str.match(r"^R\d")
    placed = synergy + (out["quantity_std"] - synergy).where(recovered, 0.0)
    frame = pd.DataFrame({"company_id": out["company_id"], "matrix": out["matrix"],
                          "unit_std": out["unit_std"], "outputs": out["quantity_std"],
                          "placed": placed, "synergy": synergy})
    agg = frame.groupby(["company_id", "matrix", "unit_std"], as_index=False)[
        ["outputs", "placed", "synergy"]].sum()
    agg["placed_share"] = (agg["placed"] / agg["outputs"].where(agg["outputs"] > 0)).fillna(0.0)
    return agg[columns]


def _company_node(frame: pd.DataFrame, company_col: str, level: str, lang: str,
                  sector_by_company: pd.Series, labels: pd.Series | None) -> pd.Series:
    if level == "area":
        return pd.Series(AREA_NODE[lang], index=frame.index)
    if level == "sector":
        return frame[company_col].map(sector_by_company).fillna(OTHER_COMPANIES_NODE)
    if labels is not None:
        return frame[company_col].map(labels).fillna(frame[company_col])
    return frame[company_col]


def graph_edges(flows: pd.DataFrame, synergies: pd.DataFrame | None = None,
                candidates: pd.DataFrame | None = None, level: str = "company",
                lang: str = "it", labels: pd.Series | None = None,
                sector_column: str = "sector") -> pd.DataFrame:
    """Edges of the exchange network: realised synergies and screened candidates.

    At company level the nodes are company ids (or ``labels``); at sector level the
    sectors (``sector_column`` of ``flows``, so pooled sectors carry over).

    Returns
    -------
    DataFrame — ``source``, ``target``, ``kind`` (``realizzata`` | ``candidato``),
    ``matrix``, ``unit_std``, ``quantity_std`` [unit_std/yr], ``links`` (synergies or
    candidates), ``companies``, ``top_share`` [0–1]; one row per pair, kind and matrix.
    """
    if level not in LEVELS:
        raise ValueError(f"unknown aggregation level {level!r}: one of {', '.join(LEVELS)}")
    sector_by_company = flows.drop_duplicates("company_id").set_index("company_id")[sector_column]
    parts = []
    alloc = synergy_allocation(flows, synergies)
    if len(alloc):
        syn = realised_synergies(synergies).set_index("synergy_id")
        by_flow = flows.set_index("flow_id")
        frame = pd.DataFrame({
            "source_company_id": alloc["source_flow_id"].map(by_flow["company_id"]).fillna(
                alloc["synergy_id"].map(syn["source_company_id"])),
            "target_company_id": alloc["target_flow_id"].map(by_flow["company_id"]).fillna(
                alloc["synergy_id"].map(syn["target_company_id"])),
            "matrix": alloc["synergy_id"].map(syn["matrix"]),
            "quantity_std": alloc["value"], "kind": "realizzata"})
        parts.append(frame)
    if candidates is not None and len(candidates):
        known = set(flows["company_id"])
        cand = candidates[candidates["source_company_id"].isin(known)
                          & candidates["target_company_id"].isin(known)]
        parts.append(pd.DataFrame({"source_company_id": cand["source_company_id"],
                                   "target_company_id": cand["target_company_id"],
                                   "matrix": cand["matrix"], "quantity_std": cand["quantity_std"],
                                   "kind": "candidato"}))
    columns = ["source", "target", "kind", "matrix", "unit_std", "quantity_std", "links",
               "companies", "top_share"]
    if not parts:
        return pd.DataFrame(columns=columns)
    edges = pd.concat(parts, ignore_index=True).dropna(subset=["source_company_id",
                                                              "target_company_id"])
    edges = edges[edges["source_company_id"].isin(sector_by_company.index)
                  & edges["target_company_id"].isin(sector_by_company.index)]
    edges["source"] = _company_node(edges, "source_company_id", level, lang, sector_by_company, labels)
    edges["target"] = _company_node(edges, "target_company_id", level, lang, sector_by_company, labels)
    edges["unit_std"] = edges["matrix"].map(STANDARD_UNIT)
    rows = edges.rename(columns={"quantity_std": "value", "source_company_id": "company_id",
                                 "target_company_id": "partner_id"})
    out = group_links(rows, ["source", "target", "kind", "matrix", "unit_std"])
    links = rows.groupby(["source", "target", "kind", "matrix", "unit_std"]).size()
    out["links"] = links.reindex(pd.MultiIndex.from_frame(
        out[["source", "target", "kind", "matrix", "unit_std"]])).to_numpy()
    return out.rename(columns={"value": "quantity_std"})[columns]


# ---------------------------------------------------------------- unmatched
def remaining_flows(flows: pd.DataFrame, synergies: pd.DataFrame | None = None) -> pd.DataFrame:
    """Flows with ``remaining_std`` [unit_std/yr]: the part not moved by a realised synergy."""
    alloc = synergy_allocation(flows, synergies)
    moved = pd.concat([alloc.loc[alloc["source_in"], ["source_flow_id", "value"]]
                       .rename(columns={"source_flow_id": "flow_id"}),
                       alloc.loc[alloc["target_in"], ["target_flow_id", "value"]]
                       .rename(columns={"target_flow_id": "flow_id"})]
                      ).groupby("flow_id")["value"].sum() if len(alloc) else pd.Series(dtype=float)
    remaining = flows["quantity_std"] - flows["flow_id"].map(moved).fillna(0.0)
    return flows.assign(remaining_std=remaining.clip(lower=0.0))


def unmatched_supplies(flows: pd.DataFrame, synergies: pd.DataFrame | None = None,
                       candidates: pd.DataFrame | None = None,
                       include_recovered: bool = False, lang: str = "it") -> pd.DataFrame:
    """Outputs that have no destination yet, by resource class: what Livorno has to offer.

    An output is unmatched for its part not taken by a realised synergy when it goes to
    disposal (D), is lost to sewer, sea or atmosphere, or has no declared fate;
    ``include_recovered`` adds outputs already sent to recovery (R) by third parties.

    Returns
    -------
    DataFrame — ``matrix``, ``resource``, ``name`` (of the class), ``unit_std``,
    ``quantity_std`` [unit_std/yr], ``flows``, ``companies``, ``top_share`` [0–1],
    ``hazardous`` (bool: some of it is hazardous waste), ``with_candidate``
    [unit_std/yr] (part of it with a screening candidate), largest first per matrix.
    """
    out = remaining_flows(flows, synergies)
    out = out[(out["direction"] == "out") & (out["remaining_std"] > 0)]
    if not include_recovered:
        recovered = out["current_fate"].fillna("").astype(str).str.upper().str.match(r"^R\d")
        out = out[~recovered]
    return _by_resource(out, candidates, "source_flow_id", lang)


def unmatched_demands(flows: pd.DataFrame, synergies: pd.DataFrame | None = None,
                      candidates: pd.DataFrame | None = None, lang: str = "it") -> pd.DataFrame:
    """Inputs still bought from virgin sources (not covered by a realised synergy), by
    resource class, with the part that a screening candidate could cover.

    Returns
    -------
    DataFrame — same columns as :func:`unmatched_supplies` (``with_candidate`` is the
    part of the demand with a local candidate supply).
    """
    need = remaining_flows(flows, synergies)
    need = need[(need["direction"] == "in") & (need["remaining_std"] > 0)]
    return _by_resource(need, candidates, "target_flow_id", lang)


def _by_resource(part: pd.DataFrame, candidates: pd.DataFrame | None, flow_column: str,
                 lang: str) -> pd.DataFrame:
    from .reference import resource_classes

    columns = ["matrix", "resource", "name", "unit_std", "quantity_std", "flows", "companies",
               "top_share", "hazardous", "with_candidate"]
    if part.empty:
        return pd.DataFrame(columns=columns)
    part = part.assign(resource=part["resource"].astype(object).where(part["resource"].notna(),
                                                                      "non_classificato"),
                       hazardous=part["hazardous"].astype("boolean").fillna(False).astype(bool))
    covered = pd.Series(0.0, index=part.index)
    if candidates is not None and len(candidates):
        best = candidates.groupby(flow_column)["quantity_std"].max()
        covered = part["flow_id"].map(best).fillna(0.0).clip(upper=part["remaining_std"])
    part = part.assign(with_candidate=covered, value=part["remaining_std"])
    keys = ["matrix", "resource", "unit_std"]
    out = group_links(part, keys)
    extra = part.groupby(keys, as_index=False).agg(flows=("flow_id", "count"),
                                                   hazardous=("hazardous", "any"),
                                                   with_candidate=("with_candidate", "sum"))
    out = out.merge(extra, on=keys).rename(columns={"value": "quantity_std"})
    names = resource_classes().set_index("resource")[f"name_{lang}"]
    unclassified = "non classificato" if lang == "it" else "unclassified"
    out["name"] = out["resource"].map(names).fillna(unclassified)
    order = {m: i for i, m in enumerate(MATRICES)}
    out = out.sort_values(["matrix", "quantity_std"], ascending=[True, False],
                          key=lambda c: c.map(order) if c.name == "matrix" else c)
    return out[columns].reset_index(drop=True)


# ---------------------------------------------------------------- data gaps
#: Items of the questionnaire checked by :func:`data_gaps` (column → what is missing).
GAP_LABELS = {
    "it": {"ateco": "codice ATECO", "employees": "addetti", "turnover_eur": "fatturato",
           "site": "coordinate del sito", "cabina_primaria": "cabina primaria",
           "no_inputs": "nessun flusso in ingresso dichiarato",
           "no_outputs": "nessun flusso in uscita dichiarato",
           "no_eer": "uscite di materia senza codice EER", "no_cost": "flussi senza costo unitario",
           "no_fate": "uscite di materia senza destino R/D",
           "unclassified": "flussi non classificati", "outliers": "quantità anomale per addetto",
           "inputs_only": "ingressi senza uscite per la matrice"},
    "en": {"ateco": "ATECO code", "employees": "employees", "turnover_eur": "turnover",
           "site": "site coordinates", "cabina_primaria": "primary substation",
           "no_inputs": "no input flow declared", "no_outputs": "no output flow declared",
           "no_eer": "material outputs without EER code", "no_cost": "flows without unit cost",
           "no_fate": "material outputs without R/D fate",
           "unclassified": "unclassified flows", "outliers": "quantities far from sector range",
           "inputs_only": "inputs without outputs for the matrix"},
}


def quantity_outliers(flows: pd.DataFrame, factor: float = OUTLIER_FACTOR,
                      min_peers: int = OUTLIER_MIN_PEERS) -> pd.DataFrame:
    """Flows whose quantity per employee is far from the median of their sector.

    Peers are the flows of the same sector, resource class and direction of companies
    with known staff; at least ``min_peers`` companies are needed to judge.

    Returns
    -------
    DataFrame — the flagged flows: ``flow_id``, ``company_id``, ``resource``,
    ``per_employee`` [unit_std/(employee·yr)], ``sector_median`` [unit_std/(employee·yr)],
    ``ratio`` [-].
    """
    columns = ["flow_id", "company_id", "resource", "per_employee", "sector_median", "ratio"]
    if "employees" not in flows.columns or flows.empty:
        return pd.DataFrame(columns=columns)
    known = flows[(flows["employees"] > 0) & flows["resource"].notna()]
    per_employee = known["quantity_std"] / known["employees"]
    keys = [known["sector"], known["resource"], known["direction"]]
    per_company = per_employee.groupby([*keys, known["company_id"]]).sum()
    median = per_company.groupby(level=[0, 1, 2]).median()
    peers = per_company.groupby(level=[0, 1, 2]).size()
    index = pd.MultiIndex.from_arrays([known["sector"], known["resource"], known["direction"]])
    med = pd.Series(median.reindex(index).to_numpy(), index=known.index)
    n = pd.Series(peers.reindex(index).to_numpy(), index=known.index)
    ratio = per_employee / med
    flag = (n >= min_peers) & ((ratio > factor) | (ratio < 1 / factor))
    out = pd.DataFrame({"flow_id": known["flow_id"], "company_id": known["company_id"],
                        "resource": known["resource"], "per_employee": per_employee,
                        "sector_median": med, "ratio": ratio})
    return out[flag][columns].reset_index(drop=True)


def data_gaps(flows: pd.DataFrame, companies: pd.DataFrame, lang: str = "it") -> pd.DataFrame:
    """Per company, what data is missing: the GSI's to-do list of data to collect.

    Parameters
    ----------
    flows : DataFrame — :func:`load_flows`.
    companies : DataFrame — :func:`load_companies` (companies without flows count too).

    Returns
    -------
    DataFrame — ``company_id``, ``name``, ``sector``, ``completeness`` (share of the
    checked items present) [0–1], ``flows``, ``no_eer``, ``no_cost``, ``no_fate``,
    ``unclassified``, ``outliers`` (counts of flows), ``inputs_only`` (matrices with
    inputs and no outputs), ``to_collect`` (the list in words), least complete first.
    """
    words = GAP_LABELS[lang]
    comp = companies.set_index("company_id")
    f = flows
    is_out, is_in = f["direction"] == "out", f["direction"] == "in"
    material_out = is_out & (f["matrix"] == "materia")
    counts = pd.DataFrame({
        "flows": f.groupby("company_id").size(),
        "inputs": is_in.groupby(f["company_id"]).sum(),
        "outputs": is_out.groupby(f["company_id"]).sum(),
        "no_eer": (material_out & f["eer_code"].isna()).groupby(f["company_id"]).sum(),
        "no_cost": f["unit_cost_eur"].isna().groupby(f["company_id"]).sum(),
        "no_fate": (material_out & f["current_fate"].isna()).groupby(f["company_id"]).sum(),
        "unclassified": f["resource"].isna().groupby(f["company_id"]).sum(),
        "material_outputs": material_out.groupby(f["company_id"]).sum(),
    }).reindex(comp.index).fillna(0).astype(int)
    outliers = quantity_outliers(f)
    counts["outliers"] = outliers.groupby("company_id").size().reindex(comp.index).fillna(0).astype(int)
    by_matrix = f.groupby(["company_id", "matrix"])["direction"].agg(set)
    inputs_only = by_matrix[by_matrix.map(lambda s: s == {"in"})].reset_index()
    only = inputs_only.groupby("company_id")["matrix"].agg(lambda m: ", ".join(sorted(m)))
    counts["inputs_only"] = only.reindex(comp.index).fillna("")
    present = pd.DataFrame({
        "ateco": comp["ateco"].notna(), "employees": comp["employees"].notna(),
        "turnover_eur": comp["turnover_eur"].notna(),
        "site": comp["lat"].notna() & comp["lon"].notna(),
        "cabina_primaria": comp["cabina_primaria"].notna(),
        "no_inputs": counts["inputs"] > 0, "no_outputs": counts["outputs"] > 0,
    })
    flow_items = counts[["flows"]].assign(
        eer=counts["material_outputs"] - counts["no_eer"],
        cost=counts["flows"] - counts["no_cost"],
        fate=counts["material_outputs"] - counts["no_fate"])
    checked = present.shape[1] + counts["flows"] + 2 * counts["material_outputs"]
    filled = (present.sum(axis=1) + flow_items["cost"] + flow_items["eer"] + flow_items["fate"])
    completeness = (filled / checked.where(checked > 0)).fillna(0.0)
    todo = []
    for cid in comp.index:
        items = [words[k] for k in present.columns if not present.at[cid, k]]
        for key in ("no_eer", "no_cost", "no_fate", "unclassified", "outliers"):
            if counts.at[cid, key]:
                items.append(f"{words[key]} ({counts.at[cid, key]})")
        if counts.at[cid, "inputs_only"]:
            items.append(f"{words['inputs_only']}: {counts.at[cid, 'inputs_only']}")
        todo.append("; ".join(items))
    out = pd.DataFrame({"company_id": comp.index, "name": comp["name"].to_numpy(),
                        "sector": comp["sector"].to_numpy(),
                        "completeness": completeness.to_numpy()})
    for key in ("flows", "no_eer", "no_cost", "no_fate", "unclassified", "outliers", "inputs_only"):
        out[key] = counts[key].to_numpy()
    out["to_collect"] = todo
    return out.sort_values(["completeness", "company_id"]).reset_index(drop=True)


# ---------------------------------------------------------------- audience
#: Labels of the coarser groups used when a link is too small to be shown as it is.
GENERIC_RESOURCE = {"it": "risorse varie", "en": "various resources"}
GENERIC_ORIGIN = {"it": "Reti e fornitori", "en": "Grids and suppliers"}
GENERIC_DESTINATION = {"it": "Destini vari", "en": "Various destinations"}
OTHER_SECTORS = {"it": "Altri settori", "en": "Other sectors"}


def generic_endpoint(labels: pd.Series, lang: str = "it") -> pd.Series:
    """First coarsening of origin and destination nodes (company-side nodes unchanged):
    ``Recupero (R5)`` → ``Recupero (R)``, ``Smaltimento (D1)`` → ``Smaltimento (D)``,
    losses → ``Scarichi e dispersioni``, grids and suppliers → :data:`GENERIC_ORIGIN`."""
    text = labels.astype(str)
    out = labels.astype(object).copy()
    out[text.str.match(r"^Recupero \(R")] = "Recupero (R)"
    out[text.str.match(r"^Smaltimento \(D")] = "Smaltimento (D)"
    out[text.isin(LOSS_DESTINATIONS)] = "Scarichi e dispersioni"
    origins = set(ORIGIN_BY_RESOURCE.values()) | set(ORIGIN_BY_MATRIX.values())
    out[text.isin(origins)] = GENERIC_ORIGIN[lang]
    return out


def any_endpoint(labels: pd.Series, lang: str = "it") -> pd.Series:
    """Last coarsening: every origin → :data:`GENERIC_ORIGIN`, every destination →
    :data:`GENERIC_DESTINATION` (company-side nodes unchanged)."""
    text = labels.astype(str)
    out = labels.astype(object).copy()
    destination = (text.str.match(r"^(Recupero|Smaltimento) \(") | text.isin(LOSS_DESTINATIONS)
                   | text.isin(["Scarichi e dispersioni", UNDECLARED_DESTINATION, "Riuso interno",
                                "Rete elettrica (immissione)", "Cessione a terzi (sottoprodotto)"]))
    out[destination] = GENERIC_DESTINATION[lang]
    origins = set(ORIGIN_BY_RESOURCE.values()) | set(ORIGIN_BY_MATRIX.values())
    out[text.isin(origins)] = GENERIC_ORIGIN[lang]
    return out


def audience_sankey_links(flows: pd.DataFrame, matrix: str, audience: str,
                          level: str | None = None, lang: str = "it",
                          labels: pd.Series | None = None,
                          synergies: pd.DataFrame | None = None) -> pd.DataFrame:
    """:func:`sankey_links` as ``audience`` may see them (DESIGN §7, issue 3 item 7).

    ``gsi`` gets every link at the level asked (company by default). For ``funders``
    and ``pubblico`` the level is at least ``sector``, sectors of fewer than three
    companies are pooled into :data:`OTHER_SECTORS`, and each link that breaks the
    threshold or dominance rule is coarsened (resource class → family → all resources;
    ``Recupero (R5)`` → ``Recupero (R)`` → any destination); links still unsafe, and
    links touching a node of fewer than three companies, are left out.

    Returns
    -------
    DataFrame — like :func:`sankey_links`; ``attrs['suppressed_links']`` counts the
    links left out (their quantities are not given, so they cannot be recomputed).
    """
    from . import privacy

    level = privacy.view_level(audience, level)
    restricted = privacy.is_restricted(audience)
    if restricted:
        flows = pool_small_groups(flows, "sector", privacy.MIN_COMPANIES, OTHER_SECTORS[lang])
        labels = None
    rows = link_rows(flows, matrix, level, lang, labels, synergies)
    families = resource_families()
    steps = [
        {"resource": lambda s: s.map(families).fillna(GENERIC_RESOURCE[lang])},
        {"resource": GENERIC_RESOURCE[lang], "source": lambda s: generic_endpoint(s, lang),
         "target": lambda s: generic_endpoint(s, lang)},
        {"source": lambda s: any_endpoint(s, lang), "target": lambda s: any_endpoint(s, lang)},
    ]
    keys = ["source", "target", "direction", "resource"]
    rows = privacy.pool_unsafe_cells(rows, keys, steps, audience)
    rows["suppressed"] = privacy.suppress_small_nodes(rows, audience)
    hidden = rows[rows["suppressed"]]
    out = group_links(rows[~rows["suppressed"]].drop(columns="suppressed"), keys)
    out["unit"] = STANDARD_UNIT[matrix]
    out.attrs["suppressed_links"] = int(len(hidden.drop_duplicates(keys))) if restricted else 0
    return out
