"""The monitoring indicators of the programme, per period (first version).

Each function takes an open store connection (``with store.connect(settings) as con``)
and, where time matters, a period; it returns a tidy DataFrame with canonical English
column names that the report labels in Italian or English. Company data is read only
through the NDA-gate views (``v_companies``, ``v_flows``); synergies, investments and
jobs of companies without NDA are left out too.

"As of a period" means at the end of that period (cumulative): a company counts once it
joined, a synergy counts with the last status it reached by then. ``period=None`` means
everything in the store, whatever its date.

Every indicator is described in :data:`INDICATORS` (definition, unit, whether it is
*potential* — from screened candidates — or *realised* — from the register), so that
later issues extend one registry instead of scattering definitions.

Columns that describe a single company (``top_share``) are there for disclosure control
only: :func:`workbench.privacy.disclosure_control` drops them before anything is shown.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from .config import Period
from .flows import destination_of
from .model import (ABANDONED, ALL_STATUSES, CALL_OUTCOME_ALIASES, CALL_OUTCOMES, DIRECTIONS,
                    INVESTMENT_KIND_ALIASES, INVESTMENT_KINDS, MATRICES, REALISED_STATUSES,
                    RESEARCH_KIND_ALIASES, RESEARCH_KINDS, SIZE_CLASSES, STANDARD_UNIT,
                    SYNERGY_STATUSES, vocabulary_key)
from .privacy import cell_statistics
from .reference import UNCLASSIFIED_SECTION, ateco_section


@dataclass(frozen=True)
class Indicator:
    """Metadata of one indicator.

    Attributes
    ----------
    key : str — stable identifier.
    name_it, name_en : str — label.
    definition_it, definition_en : str — what is counted, from which table.
    unit : str — unit of the value (``aziende``, ``t/anno``, ``EUR`` ...).
    kind : str — ``realizzato`` (register), ``potenziale`` (screening) or ``contesto``.
    """

    key: str
    name_it: str
    name_en: str
    definition_it: str
    definition_en: str
    unit: str
    kind: str


def _ind(key, name_it, name_en, definition_it, definition_en, unit, kind) -> tuple[str, Indicator]:
    return key, Indicator(key, name_it, name_en, definition_it, definition_en, unit, kind)


#: The registry of indicators. Later issues add entries; keys never change meaning.
INDICATORS: dict[str, Indicator] = dict([
    _ind("companies_mapped", "Aziende mappate", "Companies mapped",
         "Aziende con NDA firmato entrate nel programma entro la fine del periodo, per classe "
         "dimensionale (Raccomandazione UE 2003/361).",
         "Companies with a signed NDA that joined by the end of the period, by size class "
         "(EU Recommendation 2003/361).", "aziende", "contesto"),
    _ind("flows_mapped", "Flussi mappati", "Flows mapped",
         "Flussi dichiarati dalle aziende con NDA, per matrice e direzione, con la quantità "
         "annua in unità standard (t, m3, MWh); unità diverse non si sommano.",
         "Flows declared by companies with NDA, by matrix and direction, with the annual "
         "quantity in standard units (t, m3, MWh); different units are never added.",
         "flussi; t/anno, m3/anno, MWh/anno", "contesto"),
    _ind("waste_by_sector_size", "Rifiuti e sottoprodotti prodotti",
         "Waste and by-products generated",
         "Flussi di materia in uscita (rifiuti e sottoprodotti, escluse le emissioni in "
         "atmosfera) dichiarati dalle aziende con NDA entrate entro la fine del periodo, per "
         "sezione ATECO 2025 e classe dimensionale; ogni azienda in una sola cella.",
         "Material outputs (waste and by-products, emissions to the atmosphere excluded) "
         "declared by companies with NDA that joined by the end of the period, by ATECO 2025 "
         "section and size class; each company in one cell only.", "t/anno", "contesto"),
    _ind("synergies_by_status", "Sinergie per stato", "Synergies by status",
         "Sinergie del registro per ultimo stato raggiunto entro la fine del periodo.",
         "Synergies of the register by the last status reached by the end of the period.",
         "sinergie", "realizzato"),
    _ind("synergies_proposed", "Sinergie proposte", "Synergies proposed",
         "Sinergie giunte almeno allo stato «proposta» (escluse le abbandonate).",
         "Synergies that reached at least status 'proposta' (abandoned excluded).",
         "sinergie", "realizzato"),
    _ind("synergies_realised", "Sinergie realizzate", "Synergies realised",
         "Sinergie in stato «realizzata» o «monitorata» alla fine del periodo.",
         "Synergies in status 'realizzata' or 'monitorata' at the end of the period.",
         "sinergie", "realizzato"),
    _ind("investments", "Investimenti", "Investments",
         "Investimenti legati alle sinergie, privati e pubblici: importo cumulato alla fine "
         "del periodo e importo nel periodo.",
         "Investments tied to synergies, private and public: cumulative amount at the end of "
         "the period and amount within the period.", "EUR", "realizzato"),
    _ind("funding_calls", "Bandi di finanziamento", "Funding calls",
         "Domande presentate a bandi entro la fine del periodo, per esito, con importi "
         "richiesti e concessi.",
         "Applications to funding calls submitted by the end of the period, by outcome, with "
         "amounts requested and granted.", "domande; EUR", "realizzato"),
    _ind("contests", "Concorsi", "Contests",
         "Candidature a concorsi e premi presentate e vinte.",
         "Contest and award entries submitted and won.", "candidature", "realizzato"),
    _ind("research", "Ricerca e brevetti", "Research and patents",
         "Progetti di ricerca e brevetti avviati entro la fine del periodo.",
         "Research projects and patents started by the end of the period.", "numero",
         "realizzato"),
    _ind("jobs", "Occupazione", "Jobs",
         "Posti di lavoro creati grazie alle sinergie, in equivalenti a tempo pieno, cumulati.",
         "Jobs created thanks to synergies, full-time equivalents, cumulative.", "ETP",
         "realizzato"),
    _ind("co2e_avoided", "CO2e evitata", "CO2e avoided",
         "Emissioni di gas serra evitate ogni anno (GWP100), dall'LCA dove disponibile, "
         "altrimenti dalla stima dello screening.",
         "Greenhouse-gas emissions avoided per year (GWP100), from the LCA where available, "
         "else from the screening estimate.", "t CO2e/anno", "realizzato|potenziale"),
    _ind("groundwater_avoided", "Acqua di falda risparmiata", "Groundwater saved",
         "Acqua riutilizzata che sostituisce un prelievo di falda (flusso ricevente con "
         "qualità «falda»).",
         "Reused water replacing a groundwater withdrawal (receiving flow of quality "
         "'falda').", "m3/anno", "realizzato|potenziale"),
    _ind("water_reused", "Acqua riutilizzata", "Water reused",
         "Quantità annua delle sinergie della matrice acqua.",
         "Annual quantity of the water synergies.", "m3/anno", "realizzato|potenziale"),
    _ind("waste_avoided", "Rifiuti e residui valorizzati", "Waste and residues reused",
         "Quantità annua delle sinergie della matrice materia.",
         "Annual quantity of the material synergies.", "t/anno", "realizzato|potenziale"),
    _ind("energy_recovered", "Energia recuperata", "Energy recovered",
         "Quantità annua delle sinergie della matrice energia.",
         "Annual quantity of the energy synergies.", "MWh/anno", "realizzato|potenziale"),
    _ind("cost_reduction", "Riduzione dei costi", "Cost reduction",
         "Beneficio economico netto annuo (smaltimento e acquisti evitati meno trasporto, "
         "trattamento e annualità dell'investimento).",
         "Annual net economic benefit (avoided disposal and purchases minus transport, "
         "treatment and capital annuity).", "EUR/anno", "realizzato|potenziale"),
])

#: Kalundborg Symbiosis (Denmark), yearly results as published by Kalundborg Symbiosis
#: on its website (symbiosis.dk, results page). The programme's founding document writes
#: "62 t" of residues: an apparent unit slip for about 62,000 t.
KALUNDBORG: dict[str, dict] = {
    "co2e_avoided": {"value": 586_000.0, "unit": "t CO2e/anno"},
    "groundwater_avoided": {"value": 4_000_000.0, "unit": "m3/anno", "approximate": True},
    "waste_avoided": {"value": 62_000.0, "unit": "t/anno", "approximate": True},
}
KALUNDBORG_SOURCE = ("Kalundborg Symbiosis, risultati ambientali annui pubblicati sul sito "
                     "symbiosis.dk: 586.000 t di CO2 evitate, circa 4 milioni di m3 di acqua "
                     "di falda risparmiati e circa 62.000 t di residui riutilizzati all'anno.")

def _period(period: Period | str | None) -> Period | None:
    if period is None or isinstance(period, Period):
        return period
    return Period.parse(period)


def _end(period: Period | None) -> date:
    return period.end if period is not None else date(9999, 12, 31)


def _companies_in(con, period: Period | None) -> pd.DataFrame:
    """Companies with NDA that had joined by the end of ``period``."""
    return con.execute(
        "SELECT company_id, size_class, consent FROM v_companies "
        "WHERE joined_on IS NULL OR joined_on <= ?", [_end(period)]).df()


def companies_by_size(con, period: Period | str | None = None) -> pd.DataFrame:
    """Companies mapped by size class, all four classes always present.

    Returns
    -------
    DataFrame — ``size_class`` (micro, piccola, media, grande; plus ``nd`` only when a
    company has no class), ``companies`` [companies], ``share`` [0–1].
    """
    period = _period(period)
    df = _companies_in(con, period)
    counts = df["size_class"].fillna("nd").value_counts()
    classes = list(SIZE_CLASSES) + (["nd"] if counts.get("nd", 0) else [])
    out = pd.DataFrame({"size_class": classes,
                        "companies": [int(counts.get(c, 0)) for c in classes]})
    total = out["companies"].sum()
    out["share"] = out["companies"] / total if total else 0.0
    return out


def flows_by_matrix(con, period: Period | str | None = None) -> pd.DataFrame:
    """Declared flows by matrix and direction, every (matrix, direction) pair present.

    Returns
    -------
    DataFrame — ``matrix``, ``direction``, ``unit_std``, ``flows`` [flows], ``companies``
    [companies], ``quantity_std`` [unit_std per year], ``top_share`` (share of the
    largest company, for the dominance rule) [0–1]. A matrix with flows in more than one
    standard unit gets one row per unit: different units are never summed.
    """
    period = _period(period)
    per_company = con.execute(
        """SELECT f.matrix, f.direction, f.unit_std, f.company_id,
                  count(*) AS flows, sum(f.quantity_std) AS quantity_std
           FROM v_flows f JOIN v_companies c USING (company_id)
           WHERE c.joined_on IS NULL OR c.joined_on <= ?
           GROUP BY ALL""", [_end(period)]).df()
    rows = []
    for matrix in MATRICES:
        for direction in DIRECTIONS:
            part = per_company[(per_company["matrix"] == matrix)
                               & (per_company["direction"] == direction)]
            units = sorted(part["unit_std"].dropna().unique()) or [STANDARD_UNIT[matrix]]
            for unit in units:
                cell = part[part["unit_std"] == unit]
                total = float(cell["quantity_std"].sum())
                rows.append({
                    "matrix": matrix, "direction": direction, "unit_std": unit,
                    "flows": int(cell["flows"].sum()),
                    "companies": int(cell["company_id"].nunique()),
                    "quantity_std": total,
                    "top_share": float(cell["quantity_std"].max() / total) if total > 0 else 0.0,
                })
    return pd.DataFrame(rows)


#: Destination (:func:`workbench.flows.destination_of`) of material outputs that are
#: neither waste nor by-products: gaseous effluents emitted into the atmosphere are
#: outside waste law (D.Lgs. 152/2006, art. 185 c. 1 a; Directive 2008/98/EC, art. 2(1)(a)).
NOT_WASTE_DESTINATIONS: tuple[str, ...] = ("Emissioni in atmosfera",)


#: Row of :func:`waste_by_sector_size` pooling the sectors with too few companies.
OTHER_SECTIONS = "altri"


def waste_by_sector_size(con, period: Period | str | None = None,
                         pool_below: int = 0) -> pd.DataFrame:
    """Waste and by-products generated per year, by sector and size class (a 2-D table).

    The material outputs (``matrix = materia``, ``direction = out``, standard unit t)
    declared by the companies with NDA that had joined by the end of ``period`` (the
    flows of :func:`flows_by_matrix`), except emissions to the atmosphere
    (:data:`NOT_WASTE_DESTINATIONS`). Quantities are yearly, as declared in the
    questionnaires. Each company's flows are summed first; a company with a positive
    total then lies in exactly one cell, its ATECO 2025 section
    (:func:`workbench.reference.ateco_section`) by its size class, so that row and column
    totals count every company once (what :func:`workbench.privacy.disclosure_control_2d`
    assumes). Companies with no such output are in no cell and are not counted.

    Parameters
    ----------
    pool_below : int — sections with fewer contributing companies than this are pooled
        into one row, :data:`OTHER_SECTIONS` (before ``nd``), so that a published table is
        not all withheld cells; 0 (default) pools nothing. [companies]

    Returns
    -------
    DataFrame — one row per cell, every size class of :data:`SIZE_CLASSES` (plus
    ``nd`` only when a contributing company has no class) for every section with at least
    one contributing company, sections in letter order (``nd``, no valid ATECO code,
    last): ``sector`` (section letter), ``size_class``, ``companies`` (contributing
    companies) [companies], ``quantity_std`` [t/yr], ``top_share`` (the largest
    company's share of the cell) [0–1].
    """
    period = _period(period)
    flows = con.execute(
        """SELECT f.company_id, f.matrix, f.resource, f.current_fate, f.counterpart,
                  f.quantity_std, c.ateco, c.size_class
           FROM v_flows f JOIN v_companies c USING (company_id)
           WHERE f.matrix = 'materia' AND f.direction = 'out' AND f.unit_std = ?
             AND (c.joined_on IS NULL OR c.joined_on <= ?)""",
        [STANDARD_UNIT["materia"], _end(period)]).df()
    flows = flows[~destination_of(flows).isin(NOT_WASTE_DESTINATIONS)]
    companies = (flows.groupby("company_id", as_index=False)
                 .agg(quantity_std=("quantity_std", "sum"), ateco=("ateco", "first"),
                      size_class=("size_class", "first")))
    companies = companies[companies["quantity_std"] > 0]
    companies["sector"] = ateco_section(companies["ateco"]).to_numpy()
    companies["size_class"] = companies["size_class"].fillna("nd")
    if pool_below:
        size = companies.groupby("sector")["company_id"].transform("nunique")
        companies.loc[size < pool_below, "sector"] = OTHER_SECTIONS
    keys = ["sector", "size_class"]
    cells = cell_statistics(companies, keys, "quantity_std", company_columns=("company_id",))
    sectors = sorted(companies["sector"].unique(),
                     key=lambda s: (s == UNCLASSIFIED_SECTION, s == OTHER_SECTIONS, s))
    classes = list(SIZE_CLASSES) + (["nd"] if companies["size_class"].eq("nd").any() else [])
    grid = pd.MultiIndex.from_product([sectors, classes], names=keys)
    out = (cells.set_index(keys).reindex(grid)
           .fillna({"companies": 0, "quantity_std": 0.0, "top_share": 0.0}).reset_index())
    out["companies"] = out["companies"].astype(int)
    return out[keys + ["companies", "quantity_std", "top_share"]]


def synergy_status(con, period: Period | str | None = None) -> pd.DataFrame:
    """Every synergy of the register with its status at the end of ``period``.

    Synergies whose companies have no NDA are left out; a synergy that did not exist yet
    at the end of the period is left out. The status comes from
    ``synergy_status_history`` (last change on or before the end), or from
    ``synergies.status`` for synergies without history.

    Returns
    -------
    DataFrame — ``synergy_id``, ``matrix``, ``status``, ``quantity_std``, ``unit_std``,
    ``net_benefit_eur``, ``co2e_avoided_t``, ``regulatory_path``, ``description``,
    ``source_company_id``, ``target_company_id``, ``source_flow_id``, ``target_flow_id``,
    ``target_water_quality``, ``target_resource`` (of the receiving flow, when known).
    """
    period = _period(period)
    end = _end(period)
    return con.execute(
        """WITH h AS (
               SELECT synergy_id, status,
                      row_number() OVER (PARTITION BY synergy_id
                                         ORDER BY changed_on DESC) AS rn
               FROM synergy_status_history WHERE changed_on <= ?),
           has_history AS (SELECT DISTINCT synergy_id FROM synergy_status_history)
           SELECT s.synergy_id, s.matrix,
                  CASE WHEN hh.synergy_id IS NULL THEN s.status ELSE h.status END AS status,
                  s.quantity_std, s.unit_std, s.net_benefit_eur, s.co2e_avoided_t,
                  s.regulatory_path, s.description, s.source_company_id,
                  s.target_company_id, s.source_flow_id, s.target_flow_id,
                  tf.water_quality AS target_water_quality, tf.resource AS target_resource
           FROM synergies s
           LEFT JOIN h ON h.synergy_id = s.synergy_id AND h.rn = 1
           LEFT JOIN has_history hh ON hh.synergy_id = s.synergy_id
           LEFT JOIN v_flows tf ON tf.flow_id = s.target_flow_id
           WHERE (s.source_company_id IS NULL
                  OR s.source_company_id IN (SELECT company_id FROM v_companies))
             AND (s.target_company_id IS NULL
                  OR s.target_company_id IN (SELECT company_id FROM v_companies))
             AND ((hh.synergy_id IS NOT NULL AND h.status IS NOT NULL)
                  OR (hh.synergy_id IS NULL AND (s.status_since IS NULL OR s.status_since <= ?)))
           ORDER BY s.synergy_id""", [end, end]).df()


def synergies_by_status(con, period: Period | str | None = None) -> pd.DataFrame:
    """Synergies by status at the end of the period, in pipeline order, all present.

    Returns
    -------
    DataFrame — ``status`` (the eight pipeline statuses, then ``abbandonata``),
    ``synergies`` [synergies], and one column per matrix (``materia``, ``acqua``,
    ``energia``) [synergies].
    """
    df = synergy_status(con, period)
    out = pd.DataFrame({"status": list(ALL_STATUSES)})
    out["synergies"] = [int((df["status"] == s).sum()) for s in ALL_STATUSES]
    for matrix in MATRICES:
        sub = df[df["matrix"] == matrix]
        out[matrix] = [int((sub["status"] == s).sum()) for s in ALL_STATUSES]
    return out


def _synergy_companies(con) -> dict[str, list[str]]:
    """synergy_id → its companies (source and, when known, target)."""
    df = con.execute("SELECT synergy_id, source_company_id, target_company_id FROM synergies").df()
    return {sid: [c for c in (a, b) if pd.notna(c)]
            for sid, a, b in zip(df["synergy_id"], df["source_company_id"], df["target_company_id"])}


def _allowed_synergies(con) -> set:
    return set(synergy_status(con, None)["synergy_id"])


def cell_stats(values: pd.Series, companies: pd.Series) -> tuple[float, int, float]:
    """Sum, contributors and dominance of one aggregate cell made of items.

    Parameters
    ----------
    values : Series — the items' values (any unit; NaN counts as 0).
    companies : Series of lists — the companies behind each item (same index).

    Returns
    -------
    (total, companies, top_share) — the sum of the values; the number of distinct
    companies behind items with a non-zero value; the largest company's share of the
    absolute total [0–1], a company being credited with every item it takes part in
    (conservative for items shared by two companies, such as a synergy).
    """
    values = pd.to_numeric(values, errors="coerce").fillna(0.0)
    nonzero = values != 0
    per_company: dict[str, float] = {}
    for value, owners in zip(values[nonzero].abs(), companies[nonzero]):
        for company in set(owners):
            per_company[company] = per_company.get(company, 0.0) + float(value)
    total_abs = float(values[nonzero].abs().sum())
    top = max(per_company.values()) / total_abs if per_company and total_abs > 0 else 0.0
    return float(values.sum()), len(per_company), float(top)


def change_stats(now: pd.DataFrame, before: pd.DataFrame, id_column: str,
                 value_column: str) -> tuple[float, int, float]:
    """:func:`cell_stats` of the difference between two states of the same items.

    Items are matched by ``id_column``; an item only in ``now`` was added, only in
    ``before`` was removed. The result describes the *change* of a cell between two
    periods: readers who have both reports can compute it, so it must pass the same
    rules as any cell.
    """
    a = now.set_index(id_column)[value_column].astype(float)
    b = before.set_index(id_column)[value_column].astype(float)
    diff = a.sub(b, fill_value=0.0)
    owners = pd.concat([before.set_index(id_column)["companies"],
                        now.set_index(id_column)["companies"]])
    owners = owners[~owners.index.duplicated(keep="last")].reindex(diff.index)
    owners = owners.map(lambda x: x if isinstance(x, list) else [])
    return cell_stats(diff, owners)


def investment_items(con, period: Period | str | None = None) -> pd.DataFrame:
    """Investments made by the end of the period, one row each.

    Returns
    -------
    DataFrame — ``investment_id``, ``synergy_id``, ``kind`` (privato | pubblico),
    ``amount_eur`` [EUR], ``invested_on``, ``companies`` (list of company ids).
    """
    period = _period(period)
    df = con.execute("SELECT * FROM investments WHERE invested_on <= ?", [_end(period)]).df()
    allowed = _allowed_synergies(con)
    df = df[df["synergy_id"].isna() | df["synergy_id"].isin(allowed)].copy()
    df["kind"] = df["kind"].astype(str).map(vocabulary_key).map(INVESTMENT_KIND_ALIASES)
    links = _synergy_companies(con)
    df["companies"] = [links.get(sid, []) if pd.notna(sid) else [] for sid in df["synergy_id"]]
    return df[["investment_id", "synergy_id", "kind", "amount_eur", "invested_on", "companies"]]


def _in_period(df: pd.DataFrame, column: str, period: Period | None) -> pd.Series:
    if period is None:
        return pd.Series(True, index=df.index)
    return pd.to_datetime(df[column]).dt.date >= period.start


def investments(con, period: Period | str | None = None) -> pd.DataFrame:
    """Private and public investments tied to synergies, both kinds always present.

    Returns
    -------
    DataFrame — ``kind`` (privato, pubblico), ``investments`` [count], ``amount_eur``
    (cumulative at the end of the period) [EUR], ``companies``, ``top_share``;
    ``amount_eur_period`` (within the period) [EUR], ``companies_period``,
    ``top_share_period``. ``companies`` are the distinct companies of the synergies
    [companies]; ``top_share`` the largest company's share [0–1].
    """
    period = _period(period)
    df = investment_items(con, period)
    recent = _in_period(df, "invested_on", period)
    rows = []
    for kind in INVESTMENT_KINDS:
        mine = df["kind"] == kind
        total, companies, top = cell_stats(df.loc[mine, "amount_eur"], df.loc[mine, "companies"])
        now = mine & recent
        total_p, companies_p, top_p = cell_stats(df.loc[now, "amount_eur"], df.loc[now, "companies"])
        rows.append({"kind": kind, "investments": int(mine.sum()), "amount_eur": total,
                     "companies": companies, "top_share": top,
                     "amount_eur_period": total_p, "companies_period": companies_p,
                     "top_share_period": top_p})
    return pd.DataFrame(rows)


def funding_calls(con, period: Period | str | None = None) -> pd.DataFrame:
    """Applications to funding calls submitted by the end of the period, by outcome.

    Returns
    -------
    DataFrame — ``outcome`` (presentata = all, vinta, respinta, in_attesa), ``calls``
    [applications], ``requested_eur`` [EUR], ``granted_eur`` [EUR]. Outcomes are
    normalised (``vinto``, ``finanziata``, ``won`` → ``vinta`` ...); unknown or empty
    outcomes count as ``in_attesa``.
    """
    period = _period(period)
    df = con.execute(
        "SELECT * FROM funding_calls WHERE coalesce(submitted_on, deadline) <= ? "
        "OR (submitted_on IS NULL AND deadline IS NULL)", [_end(period)]).df()
    outcome = df["outcome"].astype(object).where(df["outcome"].notna(), "")
    outcome = outcome.astype(str).map(vocabulary_key).map(CALL_OUTCOME_ALIASES).fillna("in_attesa")
    df = df.assign(outcome=outcome)
    rows = [{"outcome": "presentata", "calls": int(len(df)),
             "requested_eur": float(df["requested_eur"].sum()),
             "granted_eur": float(df["granted_eur"].sum())}]
    for value in CALL_OUTCOMES:
        part = df[df["outcome"] == value]
        rows.append({"outcome": value, "calls": int(len(part)),
                     "requested_eur": float(part["requested_eur"].sum()),
                     "granted_eur": float(part["granted_eur"].sum())})
    return pd.DataFrame(rows)


def contests(con, period: Period | str | None = None) -> pd.DataFrame:
    """Contest entries submitted and won by the end of the period.

    Returns
    -------
    DataFrame — ``outcome`` (presentati, vinti), ``contests`` [entries].
    """
    period = _period(period)
    df = con.execute("SELECT * FROM contests WHERE submitted_on IS NULL OR submitted_on <= ?",
                     [_end(period)]).df()
    won = int(df["won"].fillna(False).astype(bool).sum()) if len(df) else 0
    return pd.DataFrame({"outcome": ["presentati", "vinti"], "contests": [int(len(df)), won]})


def research(con, period: Period | str | None = None) -> pd.DataFrame:
    """Research projects and patents started by the end of the period.

    Returns
    -------
    DataFrame — ``kind`` (progetto, brevetto; ``altro`` only when present), ``count``.
    """
    period = _period(period)
    df = con.execute("SELECT * FROM research WHERE started_on IS NULL OR started_on <= ?",
                     [_end(period)]).df()
    kinds = df["kind"].astype(str).map(vocabulary_key).map(RESEARCH_KIND_ALIASES).fillna("altro")
    counts = kinds.value_counts()
    names = list(RESEARCH_KINDS) + (["altro"] if counts.get("altro", 0) else [])
    return pd.DataFrame({"kind": names, "count": [int(counts.get(k, 0)) for k in names]})


def job_items(con, period: Period | str | None = None) -> pd.DataFrame:
    """Jobs created by the end of the period, one row each.

    Returns
    -------
    DataFrame — ``job_id``, ``fte`` [FTE], ``created_on``, ``companies`` (list: the
    company, or the synergy's supplier when only the synergy is known).
    """
    period = _period(period)
    df = con.execute(
        """SELECT j.job_id, j.fte, j.created_on,
                  coalesce(j.company_id, s.source_company_id) AS owner
           FROM jobs j LEFT JOIN synergies s USING (synergy_id)
           WHERE j.created_on <= ?""", [_end(period)]).df()
    allowed = set(con.execute("SELECT company_id FROM v_companies").df()["company_id"])
    df = df[df["owner"].isna() | df["owner"].isin(allowed)].copy()
    df["companies"] = [[o] if pd.notna(o) else [] for o in df["owner"]]
    return df[["job_id", "fte", "created_on", "companies"]]


def jobs(con, period: Period | str | None = None) -> pd.DataFrame:
    """Jobs created (FTE), cumulative and within the period.

    Returns
    -------
    DataFrame — one row: ``fte`` (cumulative) [FTE], ``companies`` [companies],
    ``top_share`` (largest company's share) [0–1]; ``fte_period``, ``companies_period``,
    ``top_share_period`` for the jobs created within the period.
    """
    period = _period(period)
    df = job_items(con, period)
    total, companies, top = cell_stats(df["fte"], df["companies"])
    recent = _in_period(df, "created_on", period)
    total_p, companies_p, top_p = cell_stats(df.loc[recent, "fte"], df.loc[recent, "companies"])
    return pd.DataFrame([{"fte": total, "companies": companies, "top_share": top,
                          "fte_period": total_p, "companies_period": companies_p,
                          "top_share_period": top_p}])


#: Benefit rows of :func:`benefits`: key, value column in synergies/candidates, matrix filter.
BENEFITS: tuple[tuple[str, str], ...] = (
    ("co2e_avoided", "t CO2e/anno"),
    ("groundwater_avoided", "m3/anno"),
    ("water_reused", "m3/anno"),
    ("waste_avoided", "t/anno"),
    ("energy_recovered", "MWh/anno"),
    ("cost_reduction", "EUR/anno"),
)


def _lca_avoided(con, subject_kind: str) -> pd.Series:
    """subject_id → avoided GWP100 from ``lca_results`` [t CO2e/yr]; empty when none.

    Only the default method of the workbench (IPCC 2021 GWP100, total) counts, so that
    its fossil/biogenic parts or GWP20 stored beside it are never added to it.
    """
    from .lca.project import GWP100, method_label

    df = con.execute(
        "SELECT subject_id, avoided, unit FROM lca_results WHERE subject_kind = ? AND method = ?",
        [subject_kind, method_label(GWP100)]).df()
    if df.empty:
        return pd.Series(dtype=float)
    factor = df["unit"].fillna("").str.lower().map(lambda u: 0.001 if u.startswith("kg") else 1.0)
    return (df["avoided"] * factor).groupby(df["subject_id"]).sum()


def _benefit_values(rows: pd.DataFrame, known_source: bool) -> dict[str, dict]:
    """Sum each benefit over ``rows`` (synergy or candidate rows with ``matrix``,
    ``quantity_std``, ``co2e``, ``net_benefit_eur``, ``groundwater``, ``companies`` list)
    with the number of companies and the largest company's share.

    The value is None ("no data") when the source has not been produced at all
    (``known_source`` False, e.g. screening never ran) or when every row concerned lacks
    the figure; it is 0 when the source exists and no row concerns the benefit.
    """
    out = {}
    for key, (part, column) in _benefit_selections(rows).items():
        values = pd.to_numeric(part[column], errors="coerce")
        known = values.notna()
        total, companies, top = cell_stats(values[known], part.loc[known, "companies"])
        value = total if known.any() else (0.0 if known_source and part.empty else None)
        out[key] = {"value": value, "items": int(known.sum()), "companies": companies,
                    "top_share": top}
    return out


def _benefit_selections(rows: pd.DataFrame) -> dict[str, tuple[pd.DataFrame, str]]:
    """Benefit key → (the rows it sums, the column it sums)."""
    return {
        "co2e_avoided": (rows, "co2e"),
        "groundwater_avoided": (rows[(rows["matrix"] == "acqua") & rows["groundwater"]],
                                "quantity_std"),
        "water_reused": (rows[rows["matrix"] == "acqua"], "quantity_std"),
        "waste_avoided": (rows[rows["matrix"] == "materia"], "quantity_std"),
        "energy_recovered": (rows[rows["matrix"] == "energia"], "quantity_std"),
        "cost_reduction": (rows, "net_benefit_eur"),
    }


def realised_items(con, period: Period | str | None = None) -> pd.DataFrame:
    """Synergies realised (``realizzata`` or ``monitorata``) at the end of the period.

    Returns
    -------
    DataFrame — the columns of :func:`synergy_status` plus ``co2e`` (GWP100 from the
    LCA where present, else the register's estimate) [t CO2e/yr], ``groundwater``
    (bool: the receiving flow is groundwater) and ``companies`` (list).
    """
    syn = synergy_status(con, period)
    syn = syn[syn["status"].isin(REALISED_STATUSES)].copy()
    lca = _lca_avoided(con, "synergy")
    syn["co2e"] = syn["synergy_id"].map(lca).where(syn["synergy_id"].isin(lca.index),
                                                   syn["co2e_avoided_t"])
    syn["groundwater"] = (syn["target_water_quality"].fillna("").eq("falda")
                          | syn["target_resource"].fillna("").astype(str).str.contains("falda"))
    syn["companies"] = [[c for c in (a, b) if pd.notna(c)]
                        for a, b in zip(syn["source_company_id"], syn["target_company_id"])]
    return syn


def benefits(con, period: Period | str | None = None) -> pd.DataFrame:
    """Yearly benefits, potential (screening candidates) and realised (register).

    Potential: for each offered flow only its best candidate counts (largest CO2e, then
    quantity), because one supply cannot serve every demand; the sum is an upper bound
    before network allocation; None everywhere while no candidate exists (screening not
    run). Realised: synergies in status ``realizzata`` or ``monitorata`` at the end of
    the period (0 where none concerns a benefit, None where their figure is unknown).
    CO2e comes from ``lca_results`` (GWP100) where present, else from the
    ``co2e_avoided_t`` estimate of screening/register.

    Returns
    -------
    DataFrame — ``benefit`` (keys of :data:`BENEFITS`), ``unit``, ``potential``,
    ``realised`` (None where no data exists), ``potential_items``, ``realised_items``
    [candidates/synergies], ``potential_companies``, ``realised_companies``
    [companies], ``potential_top_share``, ``realised_top_share`` [0–1]; for the
    realised benefit at the end of the previous period ``realised_previous``,
    ``realised_companies_previous``, ``realised_top_share_previous``, and the
    contributors of the change ``realised_change_companies``,
    ``realised_change_top_share`` (NaN when ``period`` is None).
    """
    period = _period(period)
    syn = realised_items(con, period)
    # potential: screening candidates of companies with NDA
    cand = con.execute(
        """SELECT c.*, tf.water_quality AS target_water_quality
           FROM candidates c LEFT JOIN v_flows tf ON tf.flow_id = c.target_flow_id
           WHERE (c.source_company_id IS NULL
                  OR c.source_company_id IN (SELECT company_id FROM v_companies))
             AND (c.target_company_id IS NULL
                  OR c.target_company_id IN (SELECT company_id FROM v_companies))""").df()
    lca_cand = _lca_avoided(con, "candidate")
    cand["co2e"] = cand["candidate_id"].map(lca_cand).where(
        cand["candidate_id"].isin(lca_cand.index), cand["co2e_avoided_t"])
    if not cand.empty:
        cand = (cand.assign(_c=cand["co2e"].fillna(-1e300), _q=cand["quantity_std"].fillna(0))
                .sort_values(["_c", "_q"], ascending=False)
                .drop_duplicates("source_flow_id", keep="first")
                .drop(columns=["_c", "_q"]))
    cand["groundwater"] = (cand["target_water_quality"].fillna("").eq("falda")
                           | cand["target_resource"].fillna("").astype(str).str.contains("falda"))
    cand["companies"] = [[c for c in (a, b) if pd.notna(c)]
                         for a, b in zip(cand["source_company_id"], cand["target_company_id"])]
    realised = _benefit_values(syn, known_source=True)
    potential = _benefit_values(cand, known_source=not cand.empty)
    nan = float("nan")
    if period is not None:
        old = realised_items(con, period.previous)
        before = _benefit_values(old, known_source=True)
        now_parts, old_parts = _benefit_selections(syn), _benefit_selections(old)
    rows = []
    for key, unit in BENEFITS:
        p, r = potential[key], realised[key]
        row = {"benefit": key, "unit": unit,
               "potential": p["value"], "realised": r["value"],
               "potential_items": p["items"], "realised_items": r["items"],
               "potential_companies": p["companies"], "realised_companies": r["companies"],
               "potential_top_share": p["top_share"], "realised_top_share": r["top_share"],
               "realised_previous": nan, "realised_companies_previous": nan,
               "realised_top_share_previous": nan, "realised_change_companies": nan,
               "realised_change_top_share": nan}
        if period is not None:
            (now_rows, column), (old_rows, _) = now_parts[key], old_parts[key]
            _, changed, changed_top = change_stats(
                now_rows.assign(value=pd.to_numeric(now_rows[column], errors="coerce")),
                old_rows.assign(value=pd.to_numeric(old_rows[column], errors="coerce")),
                "synergy_id", "value")
            row.update(realised_previous=before[key]["value"],
                       realised_companies_previous=before[key]["companies"],
                       realised_top_share_previous=before[key]["top_share"],
                       realised_change_companies=changed, realised_change_top_share=changed_top)
        rows.append(row)
    return pd.DataFrame(rows)


def energy_candidates(con) -> pd.DataFrame:
    """Energy candidates of screening by resource pair (heat recovery, first view).

    Returns
    -------
    DataFrame — ``source_resource``, ``target_resource``, ``candidates`` [count],
    ``companies`` [companies], ``quantity_std`` [MWh/yr], ``top_share`` [0–1].
    """
    df = con.execute(
        """SELECT * FROM candidates WHERE matrix = 'energia'
             AND (source_company_id IS NULL
                  OR source_company_id IN (SELECT company_id FROM v_companies))
             AND (target_company_id IS NULL
                  OR target_company_id IN (SELECT company_id FROM v_companies))""").df()
    df["companies"] = [[c for c in (a, b) if pd.notna(c)]
                       for a, b in zip(df["source_company_id"], df["target_company_id"])]
    rows = []
    for (src, tgt), part in df.groupby(["source_resource", "target_resource"], dropna=False):
        total, companies, top = cell_stats(part["quantity_std"], part["companies"])
        rows.append({"source_resource": src, "target_resource": tgt,
                     "candidates": int(len(part)), "companies": companies,
                     "quantity_std": total, "top_share": top})
    return pd.DataFrame(rows, columns=["source_resource", "target_resource", "candidates",
                                       "companies", "quantity_std", "top_share"])


#: Headline indicators: key → (unit, kind). Those in :data:`COMPANY_KEY_FIGURES` sum
#: company data and carry contributors for disclosure control.
KEY_FIGURES: dict[str, tuple[str, str]] = {
    "companies": ("aziende", "contesto"),
    "flows": ("flussi", "contesto"),
    "synergies": ("sinergie", "realizzato"),
    "proposed": ("sinergie", "realizzato"),
    "realised": ("sinergie", "realizzato"),
    "private_investment": ("EUR", "realizzato"),
    "public_investment": ("EUR", "realizzato"),
    "calls_submitted": ("domande", "realizzato"),
    "calls_won": ("domande", "realizzato"),
    "granted": ("EUR", "realizzato"),
    "co2e_realised": ("t CO2e/anno", "realizzato"),
    "fte": ("ETP", "realizzato"),
}
COMPANY_KEY_FIGURES: tuple[str, ...] = ("private_investment", "public_investment",
                                        "co2e_realised", "fte")


def _key_values(con, period: Period | None) -> tuple[dict[str, float], dict[str, pd.DataFrame]]:
    """Values of :data:`KEY_FIGURES` at the end of ``period``, and the item tables behind
    the company-data ones (for contributors and changes)."""
    status = synergies_by_status(con, period)
    calls = funding_calls(con, period).set_index("outcome")
    active = status[status["status"] != ABANDONED]
    inv = investment_items(con, period)
    items = {
        "private_investment": inv[inv["kind"] == "privato"].rename(
            columns={"investment_id": "item", "amount_eur": "value"}),
        "public_investment": inv[inv["kind"] == "pubblico"].rename(
            columns={"investment_id": "item", "amount_eur": "value"}),
        "co2e_realised": realised_items(con, period).rename(
            columns={"synergy_id": "item", "co2e": "value"}),
        "fte": job_items(con, period).rename(columns={"job_id": "item", "fte": "value"}),
    }
    values = {
        "companies": float(companies_by_size(con, period)["companies"].sum()),
        "flows": float(flows_by_matrix(con, period)["flows"].sum()),
        "synergies": float(active["synergies"].sum()),
        "proposed": float(active[active["status"].isin(SYNERGY_STATUSES[1:])]["synergies"].sum()),
        "realised": float(status[status["status"].isin(REALISED_STATUSES)]["synergies"].sum()),
        "calls_submitted": float(calls.loc["presentata", "calls"]),
        "calls_won": float(calls.loc["vinta", "calls"]),
        "granted": float(calls.loc["presentata", "granted_eur"]),
    }
    for key, df in items.items():
        known = pd.to_numeric(df["value"], errors="coerce").notna()
        values[key] = float(df.loc[known, "value"].sum()) if known.any() or df.empty \
            else float("nan")
    return values, items


def key_figures(con, period: Period | str | None = None) -> pd.DataFrame:
    """Headline indicators at the end of the period and of the previous one.

    Returns
    -------
    DataFrame — one row per key of :data:`KEY_FIGURES`: ``key``, ``unit``, ``kind``,
    ``value`` and ``value_previous`` (end of the previous period; NaN when ``period``
    is None), ``change`` (value − value_previous). For the company-data figures of
    :data:`COMPANY_KEY_FIGURES` the contributors of each of the three cells:
    ``companies``, ``top_share``, ``companies_previous``, ``top_share_previous``,
    ``change_companies``, ``change_top_share`` (NaN for the other figures).
    """
    period = _period(period)
    now, now_items = _key_values(con, period)
    if period is not None:
        before, before_items = _key_values(con, period.previous)
    else:
        before, before_items = {k: float("nan") for k in now}, None
    rows = []
    for key, (unit, kind) in KEY_FIGURES.items():
        row = {"key": key, "unit": unit, "kind": kind, "value": now[key],
               "value_previous": before[key], "change": now[key] - before[key]}
        stats = dict.fromkeys(["companies", "top_share", "companies_previous",
                               "top_share_previous", "change_companies", "change_top_share"],
                              float("nan"))
        if key in COMPANY_KEY_FIGURES:
            items = now_items[key]
            _, stats["companies"], stats["top_share"] = cell_stats(items["value"], items["companies"])
            if before_items is not None:
                old = before_items[key]
                _, stats["companies_previous"], stats["top_share_previous"] = cell_stats(
                    old["value"], old["companies"])
                _, stats["change_companies"], stats["change_top_share"] = change_stats(
                    items, old, "item", "value")
        rows.append({**row, **stats})
    return pd.DataFrame(rows)
