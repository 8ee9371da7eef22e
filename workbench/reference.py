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
