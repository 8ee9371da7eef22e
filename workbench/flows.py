"""Flow tables → Sankey links (pure data, no plotting).

One flow table (``source``, ``target``, ``matrix``, ``value``, ``unit``) is built per
matrix in its standard unit (t, m3, MWh), never summing tonnes with MWh. Inputs run
from their origin (grid, gas network, aqueduct, wells, sea, suppliers) to the company
node; outputs from the company node to their destination (recovery R, disposal D,
sewer or water body, atmosphere, grid). The *node* of a company depends on the
aggregation level: the company itself, its sector (ATECO division), or the whole area.
"""
from __future__ import annotations

from functools import lru_cache

import pandas as pd

from .config import LIB_DIR
from .model import MATRICES, STANDARD_UNIT

LEVELS = ("company", "sector", "area")
AREA_NODE = {"it": "Area industriale di Livorno", "en": "Livorno industrial area"}

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
    """Destination node of each output flow from its fate code, matrix and class."""
    fate = flows["current_fate"].fillna("").astype(str).str.upper()
    dest = pd.Series("Destino non dichiarato", index=flows.index)
    dest[flows["matrix"] == "acqua"] = "Fognatura o corpo idrico"
    energy = flows["matrix"] == "energia"
    dest[energy] = "Dispersione in atmosfera"
    dest[energy & flows["resource"].eq("elettricita_eccedente")] = "Rete elettrica (immissione)"
    dest[fate.str.match(r"^R\d")] = "Recupero (" + fate + ")"
    dest[fate.str.match(r"^D\d")] = "Smaltimento (" + fate + ")"
    return dest


def origin_of(flows: pd.DataFrame) -> pd.Series:
    """Origin node of each input flow from its resource class and matrix."""
    origin = flows["resource"].map(ORIGIN_BY_RESOURCE)
    return origin.fillna(flows["matrix"].map(ORIGIN_BY_MATRIX))


def load_flows(con, year: int | None = None, lang: str = "it") -> pd.DataFrame:
    """Flows of companies under NDA, with their company, sector and site.

    Parameters
    ----------
    con : duckdb connection — an open store (see :func:`workbench.store.connect`).
    year : int, optional — keep only flows of that year.

    Returns
    -------
    DataFrame — the ``flows`` columns plus ``company_name``, ``ateco``, ``sector``,
    ``size_class``, ``consent``, ``lat``, ``lon``.
    """
    sql = """
        SELECT f.*, c.name AS company_name, c.ateco, c.size_class, c.consent,
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


def sankey_links(flows: pd.DataFrame, matrix: str, level: str = "company",
                 lang: str = "it", labels: pd.Series | None = None) -> pd.DataFrame:
    """Links of the Sankey of one matrix, in its standard unit.

    Parameters
    ----------
    flows : DataFrame — from :func:`load_flows` (possibly filtered).
    matrix : str — ``materia``, ``acqua`` or ``energia``.
    level : str — ``company``, ``sector`` or ``area``.

    Returns
    -------
    DataFrame — ``source``, ``target``, ``direction``, ``resource``, ``value``
    [unit_std], ``unit``, ``companies`` (distinct companies behind the link).
    """
    if matrix not in MATRICES:
        raise ValueError(f"unknown matrix {matrix!r}: one of {', '.join(MATRICES)}")
    unit = STANDARD_UNIT[matrix]
    part = flows[flows["matrix"] == matrix]
    wrong = part[part["unit_std"] != unit]
    if len(wrong):
        raise ValueError(f'flow "{wrong["flow_id"].iloc[0]}" of matrix {matrix} is in '
                         f'{wrong["unit_std"].iloc[0]}, expected {unit}')
    node = node_of(part, level, lang, labels)
    inputs = part["direction"] == "in"
    links = pd.DataFrame({
        "source": origin_of(part).where(inputs, node),
        "target": node.where(inputs, destination_of(part)),
        "direction": part["direction"],
        "resource": part["resource"].fillna("non_classificato"),
        "company_id": part["company_id"],
        "value": part["quantity_std"],
    })
    out = (links.groupby(["source", "target", "direction", "resource"], as_index=False)
           .agg(value=("value", "sum"), companies=("company_id", "nunique")))
    out["unit"] = unit
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
