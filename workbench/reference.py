"""Reference data of ``lib/``: loaders that return DataFrames, each row with its source.

Files are read once per process (they are versioned data, not state) and returned as
copies so that callers cannot change them for each other.
"""
from __future__ import annotations

from functools import lru_cache

import pandas as pd

from .config import LIB_DIR


@lru_cache(maxsize=None)
def _read_csv(relative: str) -> pd.DataFrame:
    return pd.read_csv(LIB_DIR / relative, dtype=str, keep_default_na=False, comment=None)


def eer_codes() -> pd.DataFrame:
    """European List of Waste (EER): ``code`` (6 digits), ``hazardous`` (bool),
    ``description_en``, ``chapter``. Source: ``lib/eer/README.md``."""
    df = _read_csv("eer/ewc_list_of_waste_en.csv").copy()
    df["hazardous"] = df["hazardous"].eq("1")
    return df


@lru_cache(maxsize=None)
def eer_hazardous() -> dict[str, bool]:
    """EER code → hazardous flag (the asterisk of the list)."""
    df = eer_codes()
    return dict(zip(df["code"], df["hazardous"]))


def resource_classes() -> pd.DataFrame:
    """Resource classes: ``resource``, ``matrix``, ``name_it``, ``name_en``, ``unit_std``,
    ``aliases`` (``|``-separated), ``eer_codes`` (``|``-separated, prefixes allowed),
    ``family``, ``source``."""
    return _read_csv("resources/resource_classes.csv").copy()


def substitution_rules() -> pd.DataFrame:
    """Which output class can serve which input class: ``source_resource``,
    ``target_resource``, ``treatment``, ``regulatory_path``, ``r_code``, ``limits``,
    ``source``."""
    return _read_csv("resources/substitution_rules.csv").copy()


def fuels() -> pd.DataFrame:
    """Fuels with their lower heating value per declared unit: ``fuel``, ``aliases``,
    ``unit``, ``lhv_mwh_per_unit`` [MWh/unit], ``source``."""
    df = _read_csv("units/fuels.csv").copy()
    df["lhv_mwh_per_unit"] = df["lhv_mwh_per_unit"].astype(float)
    return df


def ateco_sections() -> pd.DataFrame:
    """Sections of ATECO 2025 (NACE Rev. 2.1): ``section`` (A–V), ``first_division``,
    ``last_division`` (two digits, the range of divisions it holds), ``label_it``,
    ``label_en``, ``source``. Source: ``lib/ateco/README.md``."""
    return _read_csv("ateco/sections.csv").copy()


#: Section given to an ATECO code that is missing or in no section's range.
UNCLASSIFIED_SECTION = "nd"


def ateco_section(ateco: pd.Series) -> pd.Series:
    """ATECO 2025 section letter of each ATECO code: ``'20.14'`` → ``'C'``.

    The first two digits are the division; a missing code or a division that belongs to
    no section (e.g. an ATECO 2007 ``45``) gives :data:`UNCLASSIFIED_SECTION`.
    """
    table = ateco_sections()
    by_division = {f"{d:02d}": section for section, first, last in
                   zip(table["section"], table["first_division"], table["last_division"])
                   for d in range(int(first), int(last) + 1)}
    division = ateco.astype(object).where(ateco.notna(), "").astype(str) \
        .str.replace(r"\D", "", regex=True).str[:2]
    return division.map(by_division).fillna(UNCLASSIFIED_SECTION).rename("section")
