"""Reference data of ``lib/energy/``: tables with source, year and status.

Every number used by the energy modules is read from a CSV of ``lib/energy/`` (see its
README for what is verified and what is an assumption); nothing is hard-coded in the
code. Files are read once per process and returned as copies.
"""
from __future__ import annotations

from functools import lru_cache

import pandas as pd

from .heat import ENERGY_LIB


@lru_cache(maxsize=None)
def _read(name: str) -> pd.DataFrame:
    path = ENERGY_LIB / f"{name}.csv"
    if not path.exists():
        raise FileNotFoundError(f"reference table missing: {path}")
    return pd.read_csv(path, keep_default_na=False)


def lib_table(name: str) -> pd.DataFrame:
    """A table of ``lib/energy/`` by file stem (e.g. ``'cer_tariff'``), as a copy."""
    return _read(name).copy()


@lru_cache(maxsize=None)
def _values(table: str) -> dict:
    df = _read(table)
    if "parameter" not in df.columns:
        raise KeyError(f"{ENERGY_LIB / (table + '.csv')} is not a parameter,value table")
    return dict(zip(df["parameter"], df["value"]))


@lru_cache(maxsize=None)
def param(table: str, name: str, kind: type = float):
    """One value of a ``parameter,value,...`` table of ``lib/energy/``.

    Parameters
    ----------
    table : str — file stem (``'cer_parameters'``, ``'costs'``, ``'pv'``, ``'heat'``).
    name : str — the ``parameter`` column value.
    kind : type — ``float`` (default), ``str`` or ``list`` (``|``-separated strings,
        returned as a tuple).

    Raises
    ------
    KeyError — the parameter is not in the table (the message names the file).
    """
    values = _values(table)
    if name not in values:
        raise KeyError(f'parameter "{name}" missing from {ENERGY_LIB / (table + ".csv")}')
    value = values[name]
    if kind is list:
        return tuple(v.strip() for v in str(value).split("|") if v.strip())
    if kind is str:
        return str(value)
    return float(value)
