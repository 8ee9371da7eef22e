"""Regulatory path, the Italian *why* of a candidate and the data still to collect.

Paths (``workbench.model.REGULATORY_PATHS``):

* ``sottoprodotto`` — art. 184-bis D.Lgs. 152/2006 (and D.M. 264/2016): the four
  conditions must be shown (certain reuse, no treatment beyond normal industrial
  practice, produced as an integral part of a process, lawful use);
* ``end_of_waste`` — art. 184-ter and the EU or national criteria named in the rule
  (e.g. Reg. UE 333/2011, D.M. 188/2020, D.M. 152/2022 → 127/2024, D.M. 69/2018,
  D.M. 78/2020, D.M. 22/2013);
* ``recupero_rifiuto`` — waste recovery at an authorised plant (art. 208, or the
  simplified procedure of artt. 214–216 with D.M. 5/2/1998) with its R code;
* ``non_rifiuto`` — water (DM 185/2003), heat, steam, electricity, gases.

A hazardous source always follows ``recupero_rifiuto`` (a by-product or end-of-waste
claim for hazardous waste is not screened as such).
"""
from __future__ import annotations

import pandas as pd

from ..fmt import number

PATH_TEXT = {
    "sottoprodotto": "come sottoprodotto (art. 184-bis D.Lgs. 152/2006)",
    "end_of_waste": "come end of waste (art. 184-ter D.Lgs. 152/2006)",
    "recupero_rifiuto": "come recupero di rifiuto",
    "non_rifiuto": "fuori dalla disciplina dei rifiuti",
}

MODE_TEXT = {
    "camion": "con autocarri",
    "autocisterna": "in autocisterna",
    "tubazione": "con una tubazione dedicata",
    "rete_elettrica": "attraverso la rete elettrica (configurazione CER)",
}

HEAT_MODE_TEXT = {
    "diretto": "scambio diretto",
    "pompa_di_calore": "pompa di calore",
    "assorbimento": "macchina ad assorbimento",
    "freddo_diretto": "scambio diretto di frigorie",
}


def path_text(path: str, r_code: str | None) -> str:
    """Italian words of a regulatory path: ``recupero_rifiuto``, ``R5`` → ``come
    recupero di rifiuto (R5)``."""
    text = PATH_TEXT.get(path, path or "")
    if path == "recupero_rifiuto":
        text += f" ({r_code})" if r_code else " (codice R da definire)"
    return text


def _eur(value) -> str:
    return "€ " + number(value, 0)


def why(c) -> str:
    """The Italian explanation of one candidate (a row with the candidate columns)."""
    parts = [
        f"«{c.source_description}» ({c.source_company}) può sostituire «{c.target_description}» "
        f"({c.target_company}): {c.source_resource} → {c.target_resource}, "
        f"{path_text(c.regulatory_path, c.r_code)}; trattamento: {c.treatment}."
    ]
    share = c.quantity_std / c.target_quantity_std * 100 if c.target_quantity_std else float("nan")
    profile = " (profili mensili)" if c.monthly_overlap else ""
    route = ""
    if c.transport_mode in ("camion", "autocisterna"):
        route = f" ({number(c.route_km, 1)} km su strada)"
    elif c.transport_mode == "tubazione":
        route = f" ({number(c.route_km, 1)} km di tubazione)"
    parts.append(
        f"In comune {number(c.quantity_std)} {c.unit_std}/anno, il {number(share, 0)}% della "
        f"domanda{profile}, a {number(c.distance_km, 1)} km in linea d'aria{route}, "
        f"{MODE_TEXT.get(c.transport_mode, '')}.")
    if isinstance(c.heat_mode, str) and c.heat_mode:
        detail = HEAT_MODE_TEXT.get(c.heat_mode, c.heat_mode)
        if c.heat_mode == "pompa_di_calore":
            detail += f" con COP {number(c.cop, 1)}"
        parts.append(f"Calore: sorgente {number(c.source_temperature_c)} °C → utenza "
                     f"{number(c.target_temperature_c)} °C, {detail}.")
    if isinstance(c.water_quality, str) and c.water_quality:
        parts.append(f"Acqua: qualità «{c.water_quality}» per l'uso «{c.water_use}».")
    parts.append(
        f"Beneficio netto {_eur(c.net_benefit_eur)}/anno = smaltimento evitato "
        f"{_eur(c.avoided_disposal_eur)} + acquisto evitato {_eur(c.avoided_purchase_eur)} − "
        f"trasporto {_eur(c.transport_eur)} − trattamento e gestione {_eur(c.treatment_eur)} − "
        f"rata dell'investimento {_eur(c.capex_annuity_eur)} (investimento {_eur(c.capex_eur)}).")
    parts.append(f"CO2e evitata circa {number(c.co2e_avoided_t, 1)} t/anno (stima con fattori).")
    if isinstance(c.assumptions, str) and c.assumptions:
        parts.append(f"Ipotesi: {c.assumptions}.")
    parts.append(f"Regola: {c.rule_source}.")
    return " ".join(parts)


def data_to_collect(c) -> str:
    """What the GSI must still collect to confirm one candidate (Italian, ``; ``-joined)."""
    items = []
    if not c.source_cost_declared and c.source_value_note:
        items.append("costo attuale di smaltimento o valore di vendita del fornitore")
    if not c.target_price_declared:
        items.append("prezzo pagato oggi dal ricevente")
    if not c.monthly_overlap:
        items.append("profilo mensile delle quantità di entrambe le aziende")
    matrix = c.matrix
    if matrix == "materia" or c.transport_mode in ("camion", "autocisterna"):
        if isinstance(c.limits, str) and c.limits:
            items.append(f"analisi del materiale rispetto ai limiti: {c.limits}")
        else:
            items.append("analisi chimico-fisica del materiale")
    if c.regulatory_path == "sottoprodotto":
        items.append("evidenza delle quattro condizioni dell'art. 184-bis (certezza del riutilizzo, "
                     "nessun trattamento diverso dalla normale pratica industriale, parte integrante "
                     "del processo, utilizzo legale) e contratto di cessione")
    elif c.regulatory_path == "end_of_waste":
        items.append("dichiarazione di conformità ai criteri end of waste dell'impianto che tratta "
                     f"({c.rule_source})")
    elif c.regulatory_path == "recupero_rifiuto":
        items.append(f"autorizzazione del ricevente o dell'intermediario per l'operazione "
                     f"{c.r_code or 'R'} (art. 208 o procedura semplificata artt. 214-216)")
    if c.hazardous:
        items.append("caratteristiche di pericolo (HP), trasportatore ADR iscritto all'Albo "
                     "cat. 5 e impianto autorizzato ai rifiuti pericolosi")
    if matrix == "acqua":
        items.append("analisi dell'acqua sui parametri del DM 185/2003 e limiti concordati per l'uso")
        items.append("tracciato della condotta e permessi di attraversamento")
        if c.water_use in ("processo",) and c.target_resource in ("acqua_potabile", "acqua_falda"):
            items.append("uso effettivo dell'acqua del ricevente (escluso il contatto con alimenti, "
                         "farmaci, cosmetici)")
    if isinstance(c.heat_mode, str) and c.heat_mode:
        if c.temperature_assumed:
            items.append("temperature di mandata e ritorno della sorgente e dell'utenza")
        items.append("profilo orario delle potenze e tracciato della tubazione")
        if c.heat_mode == "pompa_di_calore":
            items.append("tariffa elettrica del ricevente")
    if c.transport_mode == "rete_elettrica":
        items.append("cabina primaria dei due siti e natura rinnovabile dell'impianto (CER)")
    return "; ".join(items)


#: Below this classification confidence a candidate says which class to check. [0-1]
LOW_CONFIDENCE = 0.7


def assumptions(c) -> str:
    """The defaults one candidate rests on, in Italian (``; ``-joined)."""
    from .economics import VALUE_NOTES

    notes = []
    if not c.source_cost_declared and VALUE_NOTES.get(c.source_value_note):
        notes.append(VALUE_NOTES[c.source_value_note])
    if not c.target_price_declared:
        notes.append("prezzo del ricevente da lib/costs/prices.csv")
    if c.temperature_assumed:
        notes.append("temperature tipiche della classe di calore")
    if c.transport_mode == "rete_elettrica":
        notes.append("beneficio = valore dell'energia condivisa in CER")
    if c.sector_unverified:
        notes.append(f"settore del ricevente non dichiarato (la regola richiede ATECO {c.target_ateco_required})")
    if c.source_confidence < LOW_CONFIDENCE:
        notes.append(f"classe del fornitore incerta ({c.source_resource})")
    if c.target_confidence < LOW_CONFIDENCE:
        notes.append(f"classe del ricevente incerta ({c.target_resource})")
    if c.max_share < 1:
        notes.append(f"quota massima della domanda sostituibile {number(c.max_share * 100)}%")
    return "; ".join(notes)


def explain(candidates: pd.DataFrame) -> pd.DataFrame:
    """Add ``assumptions``, ``why`` and ``data_to_collect`` to candidates (a copy)."""
    out = candidates.copy()
    out["assumptions"] = [assumptions(c) for c in out.itertuples(index=False)]
    rows = list(out.itertuples(index=False))
    out["why"] = [why(c) for c in rows]
    out["data_to_collect"] = [data_to_collect(c) for c in rows]
    return out
