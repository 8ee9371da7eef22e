"""Vocabulary of the workbench: matrices, units, size classes, statuses, audiences.

Every module takes its words from here so that the store, the questionnaire, the
screening and the reports speak the same language. Italian domain words (``materia``,
``acqua``, ``energia``, ``riservato`` ...) are kept as they are: they are the GSI's own.
"""
from __future__ import annotations

import math
from datetime import date

#: The three matrices of a symbiosis programme and the standard unit of each.
MATRICES: tuple[str, ...] = ("materia", "acqua", "energia")
STANDARD_UNIT: dict[str, str] = {"materia": "t", "acqua": "m3", "energia": "MWh"}

DIRECTIONS: tuple[str, ...] = ("in", "out")
STATES: tuple[str, ...] = ("solido", "liquido", "fangoso", "gassoso")
CONSENTS: tuple[str, ...] = ("riservato", "nominativo")
AUDIENCES: tuple[str, ...] = ("gsi", "funders", "pubblico")
LANGUAGES: tuple[str, ...] = ("it", "en")

#: Water quality classes a company can declare (refined by the screening issue).
WATER_QUALITIES: tuple[str, ...] = (
    "potabile",
    "demineralizzata",
    "falda",
    "meteorica",
    "reflua_urbana_trattata",
    "spurgo_raffreddamento",
    "reflua_processo",
    "mare",
)

#: Size classes of EU Recommendation 2003/361, smallest first.
SIZE_CLASSES: tuple[str, ...] = ("micro", "piccola", "media", "grande")

#: Synergy register statuses, in the order of the pipeline; ``abbandonata`` ends it.
SYNERGY_STATUSES: tuple[str, ...] = (
    "identificata",
    "proposta",
    "in_valutazione",
    "fattibile",
    "in_progettazione",
    "finanziata",
    "realizzata",
    "monitorata",
)
ABANDONED = "abbandonata"
ALL_STATUSES: tuple[str, ...] = SYNERGY_STATUSES + (ABANDONED,)
REALISED_STATUSES: tuple[str, ...] = ("realizzata", "monitorata")

REGULATORY_PATHS: tuple[str, ...] = (
    "sottoprodotto",  # art. 184-bis D.Lgs. 152/2006
    "end_of_waste",  # art. 184-ter D.Lgs. 152/2006
    "recupero_rifiuto",  # waste recovery with an R code
    "non_rifiuto",  # water, heat, energy: not waste law
)

#: Register vocabularies: the stored words, and the spellings accepted for each (keys in
#: the normal form of :func:`vocabulary_key`: lower case, spaces as underscores).
INVESTMENT_KINDS: tuple[str, ...] = ("privato", "pubblico")
INVESTMENT_KIND_ALIASES: dict[str, str] = {
    "privato": "privato", "privata": "privato", "private": "privato",
    "pubblico": "pubblico", "pubblica": "pubblico", "public": "pubblico",
}
CALL_OUTCOMES: tuple[str, ...] = ("vinta", "respinta", "in_attesa")
CALL_OUTCOME_ALIASES: dict[str, str] = {
    "vinta": "vinta", "vinto": "vinta", "approvato": "vinta", "approvata": "vinta",
    "finanziato": "vinta", "finanziata": "vinta", "ammesso": "vinta", "ammessa": "vinta",
    "won": "vinta", "granted": "vinta",
    "respinta": "respinta", "respinto": "respinta", "persa": "respinta",
    "non_ammessa": "respinta", "non_ammesso": "respinta", "non_finanziata": "respinta",
    "lost": "respinta", "rejected": "respinta",
    "in_attesa": "in_attesa", "attesa": "in_attesa", "in_valutazione": "in_attesa",
    "pending": "in_attesa",
}
RESEARCH_KINDS: tuple[str, ...] = ("progetto", "brevetto")
RESEARCH_KIND_ALIASES: dict[str, str] = {
    "progetto": "progetto", "progetto_di_ricerca": "progetto", "progetto_ricerca": "progetto",
    "ricerca": "progetto", "project": "progetto",
    "brevetto": "brevetto", "domanda_di_brevetto": "brevetto", "patent": "brevetto",
}


def vocabulary_key(text) -> str:
    """Normal form of a vocabulary word: ``' Non  ammessa'`` → ``'non_ammessa'``."""
    import re

    return re.sub(r"[\s_]+", "_", str(text).strip().casefold())


#: Recovery (R) and disposal (D) operations of D.Lgs. 152/2006, Part IV, annexes B and C.
R_CODES: tuple[str, ...] = tuple(f"R{i}" for i in range(1, 14))
D_CODES: tuple[str, ...] = tuple(f"D{i}" for i in range(1, 16))
FATE_CODES: tuple[str, ...] = R_CODES + D_CODES


def size_class(employees: float | None, turnover_eur: float | None,
               balance_sheet_eur: float | None) -> str | None:
    """Size class of a company by EU Recommendation 2003/361 (staff and financial ceilings).

    Parameters
    ----------
    employees : float or None — Annual work units (staff headcount). [persons]
    turnover_eur : float or None — Annual turnover. [EUR]
    balance_sheet_eur : float or None — Annual balance-sheet total. [EUR]

    Returns
    -------
    str or None — ``micro``, ``piccola``, ``media`` or ``grande``; None when staff is unknown.

    Notes
    -----
    A class needs the staff ceiling *and* one of the two financial ceilings: micro < 10 and
    (turnover or balance ≤ 2 M€); piccola < 50 and ≤ 10 M€; media < 250 and (turnover
    ≤ 50 M€ or balance ≤ 43 M€). A missing financial figure is treated as not meeting its
    ceiling, so a company with no figures at all is classed by staff alone.
    """
    if employees is None or (isinstance(employees, float) and math.isnan(employees)):
        return None

    def within(value, ceiling):
        return value is not None and not (isinstance(value, float) and math.isnan(value)) \
            and value <= ceiling

    no_figures = all(v is None or (isinstance(v, float) and math.isnan(v))
                     for v in (turnover_eur, balance_sheet_eur))
    if employees < 10 and (no_figures or within(turnover_eur, 2e6) or within(balance_sheet_eur, 2e6)):
        return "micro"
    if employees < 50 and (no_figures or within(turnover_eur, 10e6) or within(balance_sheet_eur, 10e6)):
        return "piccola"
    if employees < 250 and (no_figures or within(turnover_eur, 50e6) or within(balance_sheet_eur, 43e6)):
        return "media"
    return "grande"


def vat_check_digit_ok(vat_number: str) -> bool:
    """True when an Italian partita IVA has 11 digits and a valid Luhn-style check digit.

    The check digit rule is that of the Agenzia delle Entrate: odd positions summed,
    even positions doubled (minus 9 when above 9) and summed; the total must be a
    multiple of 10.
    """
    if not (isinstance(vat_number, str) and len(vat_number) == 11 and vat_number.isdigit()):
        return False
    total = 0
    for i, ch in enumerate(vat_number):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def vat_with_check_digit(first_ten: str) -> str:
    """Append the check digit to the first ten digits of a partita IVA."""
    for last in "0123456789":
        if vat_check_digit_ok(first_ten + last):
            return first_ten + last
    raise ValueError(f"cannot complete partita IVA {first_ten!r}")  # pragma: no cover


#: Rough bounding box of Italy (including islands). [deg WGS84]
ITALY_BBOX = {"lat_min": 35.4, "lat_max": 47.1, "lon_min": 6.6, "lon_max": 18.6}


def inside_italy(lat: float, lon: float) -> bool:
    """True when a WGS84 point lies inside Italy's bounding box."""
    return (ITALY_BBOX["lat_min"] <= lat <= ITALY_BBOX["lat_max"]
            and ITALY_BBOX["lon_min"] <= lon <= ITALY_BBOX["lon_max"])


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance between WGS84 points (scalars or numpy arrays). [km]"""
    import numpy as np

    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(x, dtype=float)) for x in (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.sqrt(a))


def as_date(value) -> date | None:
    """A ``date`` from a date, datetime, ISO string or dd/mm/yyyy string; None when empty."""
    from datetime import datetime

    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"not a date: {value!r}")
