"""Declared flows → resource classes of ``lib/resources/resource_classes.csv``.

A first, transparent classifier: the EER code when it is declared (the strongest
evidence), else the aliases of each class found in the description (Italian or English),
always within the flow's matrix; heat is then placed on its temperature level. Every
result carries a confidence in [0, 1] so that the analyst sees what to check.
"""
from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from .reference import resource_classes

#: Temperature bounds of the waste-heat classes. [°C]
HEAT_LEVELS_C = ((150.0, "calore_alta_temperatura"), (60.0, "calore_media_temperatura"),
                 (-np.inf, "calore_bassa_temperatura"))
_HEAT_CLASSES = {name for _, name in HEAT_LEVELS_C}

CONFIDENCE_EER = 0.9
CONFIDENCE_EER_AND_TEXT = 0.97
CONFIDENCE_TEXT_MAX = 0.85


def normalise_text(text: str) -> str:
    """Lowercase, strip accents and punctuation, collapse spaces: ``'Acqua  Demi.'`` → ``'acqua demi'``."""
    text = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9&]+", " ", text.lower())
    return f" {text.strip()} "


def normalise_eer(code) -> str | None:
    """``'10 01 05*'``, ``'10.01.05'``, ``100105`` → ``'100105'``; None when empty."""
    if code is None or (isinstance(code, float) and np.isnan(code)):
        return None
    digits = re.sub(r"\D", "", str(code))
    return digits or None


def _alias_table() -> pd.DataFrame:
    classes = resource_classes()
    rows = []
    for row in classes.itertuples():
        for alias in filter(None, row.aliases.split("|")):
            rows.append((row.resource, row.matrix, normalise_text(alias), len(alias.split())))
        for name in (row.name_it, row.name_en):
            rows.append((row.resource, row.matrix, normalise_text(name), len(name.split()) + 1))
    return pd.DataFrame(rows, columns=["resource", "matrix", "alias", "words"])


def _eer_table() -> dict[str, tuple[str, str]]:
    table = {}
    for row in resource_classes().itertuples():
        for code in filter(None, row.eer_codes.split("|")):
            table.setdefault(code, (row.resource, row.matrix))
    return table


def classify_one(matrix: str, description: str, eer_code=None, temperature_c=None,
                 _aliases: pd.DataFrame | None = None,
                 _eers: dict | None = None) -> tuple[str | None, float]:
    """Resource class and confidence of one declared flow.

    Parameters
    ----------
    matrix : str — ``materia``, ``acqua`` or ``energia``.
    description : str — as declared by the company.
    eer_code : str, optional — EER code, any spelling.
    temperature_c : float, optional — temperature of heat or water. [°C]

    Returns
    -------
    (resource, confidence) — ``(None, 0.0)`` when nothing matches.
    """
    aliases = _alias_table() if _aliases is None else _aliases
    eers = _eer_table() if _eers is None else _eers
    text = normalise_text(description)
    in_matrix = aliases[aliases["matrix"] == matrix]
    hits = in_matrix[[alias in text for alias in in_matrix["alias"]]]
    text_class, text_conf = None, 0.0
    if len(hits):
        scores = hits.assign(score=hits["alias"].str.len()).groupby("resource")["score"].sum()
        text_class = scores.idxmax()
        share = scores.max() / scores.sum()
        text_conf = float(round(min(CONFIDENCE_TEXT_MAX, 0.45 + 0.4 * share * min(1.0, scores.max() / 12)), 3))

    code = normalise_eer(eer_code)
    eer_class = None
    if code:
        for length in (6, 4, 2):
            if code[:length] in eers and (length == 6 or code[:length] != code):
                eer_class = eers[code[:length]][0]
                break
    if eer_class is not None:
        result = (eer_class, CONFIDENCE_EER_AND_TEXT if eer_class == text_class else CONFIDENCE_EER)
    else:
        result = (text_class, text_conf)

    if matrix == "energia" and temperature_c is not None and not pd.isna(temperature_c) \
            and (result[0] in _HEAT_CLASSES or result[0] is None and "calor" in text):
        for bound, name in HEAT_LEVELS_C:
            if float(temperature_c) > bound:
                return name, max(result[1], 0.6)
    return result


def classify_flows(flows: pd.DataFrame) -> pd.DataFrame:
    """Add ``resource`` and ``resource_confidence`` to a table of declared flows.

    Parameters
    ----------
    flows : DataFrame — columns ``matrix``, ``description``; optional ``eer_code``,
        ``temperature_c``, ``direction``.

    Returns
    -------
    DataFrame — a copy with ``resource`` (class id or None) and
    ``resource_confidence`` [0–1].
    """
    out = flows.copy()
    aliases, eers = _alias_table(), _eer_table()
    results = [
        classify_one(row.get("matrix"), row.get("description"), row.get("eer_code"),
                     row.get("temperature_c"), aliases, eers)
        for row in out.to_dict("records")
    ]
    out["resource"] = [r for r, _ in results] if results else pd.Series(dtype=object)
    out["resource_confidence"] = [c for _, c in results] if results else pd.Series(dtype=float)
    return out
