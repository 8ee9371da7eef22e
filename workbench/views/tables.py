"""Tables shown by the notebooks, ready for their audience and language.

Each function opens the store for the time of one query, applies the audience's rules
(:mod:`workbench.privacy`), and returns a pandas ``Styler`` with readable column labels
and Italian (or English) number formats, so a notebook cell is one call.
"""
from __future__ import annotations

import pandas as pd

from .. import indicators
from ..config import Settings
from ..fmt import number
from ..privacy import disclosure_control, is_restricted
from ..store import connect

LABELS = {
    "it": {
        "size_class": "Classe dimensionale", "companies": "Aziende", "share": "Quota",
        "matrix": "Matrice", "direction": "Direzione", "unit_std": "Unità", "flows": "Flussi",
        "quantity_std": "Quantità annua", "file": "File", "status": "Esito",
        "rows_accepted": "Righe acquisite", "rows_quarantined": "Righe in quarantena",
        "company_id": "Codice azienda", "message": "Messaggio", "sheet": "Foglio", "row": "Riga", "column": "Colonna",
        "value": "Valore", "expected": "Atteso", "file_name": "File",
        "candidates": "Candidati", "regulatory_path": "Percorso normativo",
        "source_company": "Fornitore", "target_company": "Ricevente",
        "source_description": "Uscita", "target_description": "Ingresso",
        "distance_km": "Distanza [km]", "net_benefit_eur": "Beneficio netto [€/anno]",
        "data_to_collect": "Dati da raccogliere", "candidate_id": "Codice", "spend_eur": "Spesa [€/anno]",
        "saving_eur": "Risparmio [€/anno]", "resource": "Classe", "avoided_cost_eur": "Costi evitati lordi [€/anno]",
        "why": "Perché", "subject_id": "Candidato", "kind": "Tipo", "method": "Metodo",
        "unit": "Unità", "baseline": "Senza simbiosi", "symbiosis": "Con simbiosi",
        "avoided": "Evitato", "in": "ingresso", "out": "uscita",
    },
    "en": {
        "size_class": "Size class", "companies": "Companies", "share": "Share",
        "matrix": "Matrix", "direction": "Direction", "unit_std": "Unit", "flows": "Flows",
        "quantity_std": "Annual quantity", "file": "File", "status": "Outcome",
        "rows_accepted": "Rows accepted", "rows_quarantined": "Rows quarantined",
        "company_id": "Company code", "message": "Message", "sheet": "Sheet", "row": "Row", "column": "Column",
        "value": "Value", "expected": "Expected", "file_name": "File",
        "candidates": "Candidates", "regulatory_path": "Regulatory path",
        "source_company": "Supplier", "target_company": "Receiver",
        "source_description": "Output", "target_description": "Input",
        "distance_km": "Distance [km]", "net_benefit_eur": "Net benefit [€/yr]",
        "data_to_collect": "Data to collect", "candidate_id": "Code", "spend_eur": "Spend [€/yr]",
        "saving_eur": "Saving [€/yr]", "resource": "Class", "avoided_cost_eur": "Gross avoided costs [€/yr]",
        "why": "Why", "subject_id": "Candidate", "kind": "Kind", "method": "Method",
        "unit": "Unit", "baseline": "Without symbiosis", "symbiosis": "With symbiosis",
        "avoided": "Avoided", "in": "input", "out": "output",
    },
}
SUPPRESSED = {"it": "riservato", "en": "confidential"}


def styled(df: pd.DataFrame, lang: str = "it", decimals: dict[str, int] | None = None):
    """A Styler with translated headers and local number formats (``riservato`` for
    suppressed values)."""
    labels = LABELS[lang]
    decimals = decimals or {}
    shown = df.drop(columns=[c for c in ("suppressed", "suppression") if c in df.columns])
    formats = {}
    for column in shown.columns:
        if pd.api.types.is_numeric_dtype(shown[column]) and not pd.api.types.is_bool_dtype(shown[column]):
            d = decimals.get(column, 2 if column == "share" else 0)
            formats[column] = (lambda v, d=d: SUPPRESSED[lang] if pd.isna(v) else number(v, d, lang))
    for column in ("direction",):
        if column in shown.columns:
            shown = shown.assign(**{column: shown[column].map(lambda v: labels.get(v, v))})
    return (shown.style.format(formats).hide(axis="index")
            .relabel_index([labels.get(c, c) for c in shown.columns], axis="columns"))


def ingest_result(result, settings: Settings):
    """Outcome of an ingest run, one row per file (GSI only: it names files)."""
    if result is None:
        return ("Nessuna cartella di questionari indicata: riepilogo dell'archivio."
                if settings.lang == "it" else "No questionnaire folder given: store summary.")
    summary = result.summary()
    if is_restricted(settings.audience):
        # File names carry company names: other audiences get counts by outcome only.
        summary = summary.groupby("status", as_index=False).agg(
            file=("file", "count"), rows_accepted=("rows_accepted", "sum"),
            rows_quarantined=("rows_quarantined", "sum"))
    return styled(summary, settings.lang)


def companies_by_size(settings: Settings):
    """Companies mapped by size class (disclosure-controlled for funders and public)."""
    with connect(settings) as con:
        df = indicators.companies_by_size(con, settings.period)
    return styled(df, settings.lang)


def flows_by_matrix(settings: Settings):
    """Flows by matrix and direction, each in its standard unit."""
    with connect(settings) as con:
        df = indicators.flows_by_matrix(con, settings.period)
    df = disclosure_control(df, settings.audience, "companies", ["quantity_std"],
                            share_column="top_share", by=["matrix"])
    return styled(df, settings.lang)


def quarantine(settings: Settings):
    """Rows in quarantine with file, sheet, row, column, value and what was expected.

    Only the GSI sees them (they quote the companies' own values); other audiences get
    the count.
    """
    with connect(settings) as con:
        df = con.execute("""SELECT file_name, sheet, "row", "column", value, expected, message
                            FROM quarantine ORDER BY file_name, sheet, "row" """).df()
    if is_restricted(settings.audience):
        return f"{len(df)} righe in quarantena" if settings.lang == "it" else f"{len(df)} quarantined rows"
    return styled(df, settings.lang)


def candidates_by_matrix(candidates: pd.DataFrame, settings: Settings):
    """Count of candidates per matrix and regulatory path, with the companies involved."""
    if candidates.empty:
        return "Nessun candidato." if settings.lang == "it" else "No candidates."
    grouped = candidates.groupby(["matrix", "regulatory_path"], as_index=False).agg(
        candidates=("candidate_id", "count"),
        companies=("source_company_id", "nunique"),
        net_benefit_eur=("net_benefit_eur", "sum"))
    grouped = disclosure_control(grouped, settings.audience, "companies", ["net_benefit_eur"],
                                 by=["matrix"])
    return styled(grouped, settings.lang)


def candidates(candidates: pd.DataFrame, settings: Settings, top: int = 30):
    """The best candidates with their *why* (GSI only: they name companies)."""
    if is_restricted(settings.audience):
        return ("Elenco nominativo dei candidati riservato al GSI." if settings.lang == "it"
                else "The named list of candidates is for the GSI only.")
    columns = [c for c in ("candidate_id", "matrix", "source_company", "source_description",
                           "target_company", "target_description", "quantity_std", "unit_std",
                           "distance_km", "regulatory_path", "net_benefit_eur", "why",
                           "data_to_collect") if c in candidates.columns]
    best = (candidates.sort_values("net_benefit_eur", ascending=False)
            .groupby("matrix", group_keys=False).head(top // 3 or 1))
    return styled(best[columns], settings.lang, {"distance_km": 1})


def allocation(result: dict, settings: Settings):
    """The network allocation beside the greedy ranking: totals for everyone, the pairs
    that differ for the GSI only."""
    summary = styled(result["summary"], settings.lang).to_html()
    gain = (f"<p>Guadagno dell'allocazione di rete sul greedy: {number(result['gain_eur'], 0, settings.lang)} €/anno "
            f"({number(100 * result['gain_share'], 1, settings.lang)} %).</p>")
    parts = [summary, gain]
    if not is_restricted(settings.audience) and len(result["difference"]):
        parts.append(styled(result["difference"], settings.lang).to_html())
    from IPython.display import HTML
    return HTML("".join(parts))


def joint_opportunities(joint: pd.DataFrame, settings: Settings):
    """Joint purchasing and shared logistics (GSI only: groups are small)."""
    if is_restricted(settings.audience):
        return (f"{len(joint)} opportunità di acquisto congiunto o logistica condivisa."
                if settings.lang == "it" else f"{len(joint)} joint purchasing or shared logistics opportunities.")
    columns = [c for c in ("kind", "matrix", "resource", "companies", "quantity_std", "unit_std",
                           "spend_eur", "saving_eur", "why") if c in joint.columns]
    return styled(joint[columns], settings.lang)


def lca_results(results: pd.DataFrame, settings: Settings):
    """Baseline, symbiosis and avoided impact per evaluated subject."""
    if results.empty:
        return "Nessun candidato valutato." if settings.lang == "it" else "No candidate evaluated."
    columns = ["subject_id", "kind", "quantity_std", "unit_std", "method", "unit",
               "baseline", "symbiosis", "avoided"]
    if is_restricted(settings.audience):
        # Per-candidate figures are single-company data: funders see them only in the
        # report's disclosure-controlled aggregates.
        n = results["subject_id"].nunique()
        return (f"{n} candidati valutati; i risultati aggregati sono nel rapporto."
                if settings.lang == "it" else f"{n} candidates evaluated; aggregates are in the report.")
    return styled(results[columns], settings.lang)
