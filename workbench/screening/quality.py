"""Quality compatibility: water class vs use, heat temperatures, hazardous waste.

* **Water**: every water output has a *quality class* (declared ``water_quality`` or the
  default of its resource class, ``lib/resources/water_quality_classes.csv``); every
  water input has a *use* (its resource class, or words of its description such as
  ``torri``/``lavaggio``, ``lib/resources/water_uses.csv``). The matrix
  ``lib/resources/water_treatment.csv`` says whether a quality may serve a use (DM
  185/2003), with which treatment and at what cost. Process water of food, beverage,
  pharmaceutical and cosmetic companies (ATECO 10, 11, 21, 20.42) is a use with contact
  (``alimentare``): reclaimed water is excluded (DM 185/2003 art. 3).
* **Heat**: temperatures are the declared ones, or the default of the heat class
  (``lib/resources/heat_levels.csv``), flagged as assumed; the match itself (direct
  exchange, heat pump with its COP, or nothing) is the one heat model
  :func:`workbench.energy.heat.heat_match`.
* **Hazardous waste**: from the declared flag or the EER asterisk; a rule that does not
  admit hazardous sources drops the pair; an admitted one pays the ADR surcharge and
  follows the waste-recovery path with an authorised receiver.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..reference import eer_hazardous
from .library import classes, heat_levels, water_qualities, water_uses

#: ATECO prefixes whose process water touches food, drugs or cosmetics (DM 185/2003 art. 3).
CONTACT_ATECO_PREFIXES = ("10", "11", "21", "20.42", "2042")


def water_quality_of(resource: pd.Series, declared: pd.Series | None = None) -> pd.Series:
    """Quality class of water outputs: the declared one when valid, else the default of
    the resource class; None when unknown."""
    table = water_qualities()
    default = {r: q for q, rs in table["resources"].items() for r in str(rs).split("|") if r}
    out = resource.map(default)
    if declared is not None:
        ok = declared.isin(table.index)
        out = declared.where(ok, out)
    return out.astype(object).where(out.notna(), None)


def water_use_of(resource: pd.Series, description: pd.Series,
                 ateco: pd.Series | None = None) -> pd.Series:
    """Use of water inputs: from the resource class where it names a use, else from
    words of the description, else ``processo``; ``alimentare`` for process water of
    contact sectors."""
    uses = water_uses()
    by_resource = {}
    for use, rs in uses["resources"].items():
        for r in str(rs).split("|"):
            if r:
                by_resource.setdefault(r, use)
    generic = {"acqua_potabile", "acqua_falda", "acqua_industriale"}
    out = resource.map(by_resource)
    text = description.fillna("").astype(str).str.lower()
    refinable = resource.isin(generic)
    guessed = pd.Series(None, index=resource.index, dtype=object)
    for use, words in uses["keywords"].items():
        if use == "processo":
            continue
        pattern = "|".join(re.escape(w) for w in str(words).split("|") if w)
        if not pattern:
            continue
        hit = refinable & guessed.isna() & text.str.contains(pattern, regex=True)
        guessed[hit] = use
    out = out.where(~(refinable & guessed.notna()), guessed)
    if ateco is not None:
        code = ateco.fillna("").astype(str).str.replace(" ", "")
        contact = code.str.startswith(CONTACT_ATECO_PREFIXES)
        out = out.where(~(contact & (out == "processo")), "alimentare")
    return out.astype(object).where(out.notna(), None)


def heat_temperature(resource: pd.Series, declared: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Temperatures of heat flows: declared, else the default of the heat class. [°C]

    Returns
    -------
    (temperature_c, assumed) — arrays; ``assumed`` is True where the default was used.
    """
    levels = heat_levels()["t_default_c"]
    default = resource.map(levels).to_numpy(dtype=float)
    value = pd.to_numeric(declared, errors="coerce").to_numpy(dtype=float)
    assumed = np.isnan(value) & ~np.isnan(default)
    return np.where(np.isnan(value), default, value), assumed


def pipe_medium(resource: pd.Series) -> pd.Series:
    """Pipe medium of a heat class (``vapore``, ``acqua_calda``, ``acqua_fredda``)."""
    return resource.map(heat_levels()["pipe_medium"])


def is_heat_class(resource: pd.Series) -> pd.Series:
    """True for the classes of the ``calore`` family (heat, steam, cold)."""
    family = classes()["family"]
    return resource.map(family).eq("calore")


def hazardous_flag(hazardous: pd.Series | None, eer_code: pd.Series | None,
                   index: pd.Index) -> np.ndarray:
    """Hazardous outputs: the declared flag, or the asterisk of the EER code. [bool]"""
    flag = np.zeros(len(index), dtype=bool)
    if hazardous is not None:
        declared = pd.Series(hazardous, index=index, dtype=object)
        flag |= declared.where(declared.notna(), False).astype(bool).to_numpy(dtype=bool)
    if eer_code is not None:
        codes, uniques = pd.factorize(pd.Series(eer_code, index=index).fillna("").astype(str))
        uniques = pd.Series(uniques)
        star = uniques.str.contains("*", regex=False).to_numpy()
        listed = uniques.str.replace(r"\D", "", regex=True).map(eer_hazardous()).eq(True).to_numpy(dtype=bool)
        flag |= (star | listed)[codes] if len(uniques) else False
    return flag
