"""Unit normalisation: declared (quantity, unit) → standard quantity in t, m3 or MWh.

Each matrix has one standard unit (:data:`workbench.model.STANDARD_UNIT`). Declared units
are first mapped to a canonical spelling (``mc`` → ``m3``, ``kwh`` → ``kWh``, ``litri`` →
``L`` ...), then converted with a factor. Energy may also be declared as a quantity of
fuel (Sm3 of natural gas, t or L of gas oil ...): the fuel is found in the description
and its lower heating value comes from ``lib/units/fuels.csv`` (sources in
``lib/units/README.md``).

Errors are :class:`UnitError` (a ``ValueError``) with an Italian message for the
questionnaire's author and an ``expected`` text saying what would have been accepted.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from ..model import MATRICES, STANDARD_UNIT

#: 1 tonne of oil equivalent = 41.868 GJ = 11.63 MWh (IEA/Eurostat definition). [MWh/tep]
MWH_PER_TEP = 11.63
#: 1 MWh = 3.6 GJ. [GJ/MWh]
GJ_PER_MWH = 3.6
#: 1 Gcal = 4.1868 GJ (international steam-table calorie). [MWh/Gcal]
MWH_PER_GCAL = 4.1868 / GJ_PER_MWH

#: Factor from a canonical unit to the standard unit of its dimension. [std unit/unit]
FACTORS: dict[str, tuple[str, float]] = {
    # mass → t
    "t": ("t", 1.0),
    "kg": ("t", 1e-3),
    "q": ("t", 0.1),
    # volume → m3
    "m3": ("m3", 1.0),
    "L": ("m3", 1e-3),
    "1000 m3": ("m3", 1e3),
    # energy → MWh
    "MWh": ("MWh", 1.0),
    "kWh": ("MWh", 1e-3),
    "GWh": ("MWh", 1e3),
    "MJ": ("MWh", 1.0 / (GJ_PER_MWH * 1e3)),
    "GJ": ("MWh", 1.0 / GJ_PER_MWH),
    "TJ": ("MWh", 1e3 / GJ_PER_MWH),
    "tep": ("MWh", MWH_PER_TEP),
    "Gcal": ("MWh", MWH_PER_GCAL),
    # standard volume of gas: only through a fuel's heating value
    "Sm3": ("Sm3", 1.0),
}

#: Spellings met in questionnaires → canonical unit. Keys are :func:`_unit_key` forms.
UNIT_ALIASES: dict[str, str] = {
    **{k: "t" for k in ("t", "ton", "tons", "tonn", "tonne", "tonnes", "tonnellata",
                        "tonnellate", "tonnellata/anno", "t/anno", "t/a", "t/y", "t/yr")},
    **{k: "kg" for k in ("kg", "kgs", "chilogrammi", "chilogrammo", "chili", "kilogrammi",
                         "kilogram", "kilograms", "kg/anno")},
    **{k: "q" for k in ("q", "ql", "qli", "quintale", "quintali")},
    **{k: "m3" for k in ("m3", "mc", "metricubi", "metrocubo", "cubicmeters", "cubicmetres",
                         "m3/anno", "mc/anno")},
    **{k: "L" for k in ("l", "lt", "lit", "litri", "litro", "liter", "liters", "litre",
                        "litres")},
    **{k: "1000 m3" for k in ("1000m3", "1000mc", "migliaiadim3", "migliaiadimc")},
    **{k: "MWh" for k in ("mwh", "mwh/anno")},
    **{k: "kWh" for k in ("kwh", "kwh/anno")},
    "gwh": "GWh",
    "mj": "MJ",
    "gj": "GJ",
    "tj": "TJ",
    **{k: "tep" for k in ("tep", "toe", "tonnellateequivalentidipetrolio")},
    "gcal": "Gcal",
    **{k: "Sm3" for k in ("sm3", "smc", "stdm3", "scm", "standardm3", "metricubistandard")},
}

#: Units met in questionnaires that cannot be converted, with the reason (for the message).
MISLEADING_UNITS: dict[str, str] = {
    **{k: "è una potenza, non un'energia annua" for k in ("w", "kw", "mw", "gw", "kwp", "mwp",
                                                           "kwe", "mwe", "kwt", "mwt")},
    **{k: "indicare i metri cubi standard (Sm3, 15 °C) come in bolletta"
       for k in ("nm3", "nmc", "normalmetricubi")},
    **{k: "è una portata, non una quantità annua" for k in ("m3/h", "mc/h", "l/s", "m3/s", "t/h")},
}

#: Canonical units accepted for each matrix (energy: fuel units need a fuel).
UNITS_FOR_MATRIX: dict[str, tuple[str, ...]] = {
    "materia": ("t", "kg", "q"),
    "acqua": ("m3", "L", "1000 m3"),
    "energia": ("MWh", "kWh", "GWh", "MJ", "GJ", "TJ", "tep", "Gcal", "Sm3", "t", "kg", "q",
                "L", "m3"),
}
_DIRECT_ENERGY = ("MWh", "kWh", "GWh", "MJ", "GJ", "TJ", "tep", "Gcal")


class UnitError(ValueError):
    """A declared unit that cannot be converted; ``expected`` says what would be accepted."""

    def __init__(self, message: str, expected: str):
        super().__init__(message)
        self.expected = expected


def _fold(text: str) -> str:
    """Lower case without accents (for matching words in Italian descriptions)."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _unit_key(unit: str) -> str:
    text = str(unit).strip().replace("³", "3").replace("^", "").replace("²", "2")
    text = _fold(text)
    return re.sub(r"[\s.]", "", text)


def canonical_unit(unit) -> str:
    """Canonical spelling of a declared unit (``'mc'`` → ``'m3'``, ``'Smc'`` → ``'Sm3'``).

    Raises
    ------
    UnitError — when the unit is empty or unknown.
    """
    if unit is None or str(unit).strip() == "":
        raise UnitError("unità mancante", "un'unità di misura (es. t, m3, MWh)")
    key = _unit_key(unit)
    canonical = UNIT_ALIASES.get(key)
    if canonical is None and key in MISLEADING_UNITS:
        raise UnitError(f"unità «{unit}» non valida: {MISLEADING_UNITS[key]}",
                        "una quantità annua (es. MWh o kWh per l'energia, Sm3 per il gas)")
    if canonical is None:
        raise UnitError(f"unità «{unit}» non riconosciuta",
                        "un'unità di misura nota (t, kg, q, m3, L, 1000 m3, MWh, kWh, GJ, tep, Sm3)")
    return canonical


def expected_units(matrix: str) -> str:
    """Italian text listing the units accepted for a matrix (for error messages)."""
    if matrix == "energia":
        return ("MWh, kWh, GJ o tep; oppure Sm3, t o L di un combustibile indicato nella "
                "descrizione (es. gas naturale, gasolio, GPL)")
    units = UNITS_FOR_MATRIX.get(matrix, ())
    return ", ".join(units[:-1]) + " o " + units[-1] if units else "materia, acqua o energia"


@lru_cache(maxsize=1)
def _fuel_table() -> tuple[tuple[str, str, str, float], ...]:
    """(alias folded, fuel, unit, lhv) sorted longest alias first."""
    from ..reference import fuels

    rows = []
    for fuel, aliases, unit, lhv in fuels()[["fuel", "aliases", "unit", "lhv_mwh_per_unit"]] \
            .itertuples(index=False):
        for alias in aliases.split("|"):
            if alias.strip():
                rows.append((_fold(alias.strip()), fuel, unit, float(lhv)))
    rows.sort(key=lambda r: -len(r[0]))
    return tuple(rows)


@lru_cache(maxsize=4096)
def find_fuel(description) -> str | None:
    """The fuel named in a description (whole-word alias match), or None.

    The longest matching alias wins: ``'carbone antracite'`` → ``antracite``.
    """
    if description is None:
        return None
    text = f" {re.sub(r'[^0-9a-z]+', ' ', _fold(description))} "
    for alias, fuel, _unit, _lhv in _fuel_table():
        if f" {alias} " in text:
            return fuel
    return None


def fuel_lhv(fuel: str) -> dict[str, float]:
    """Lower heating value of a fuel by unit, e.g. ``{'t': 11.91, 'L': 0.00995}``. [MWh/unit]"""
    return {unit: lhv for _alias, f, unit, lhv in _fuel_table() if f == fuel}


#: Units of a fuel's table row that a declared unit can be brought to. [fuel unit/unit]
_TO_FUEL_UNIT: dict[str, tuple[str, float]] = {
    "t": ("t", 1.0), "kg": ("t", 1e-3), "q": ("t", 0.1),
    "L": ("L", 1.0), "m3": ("L", 1e3),
    "Sm3": ("Sm3", 1.0),
}


@lru_cache(maxsize=4096)
def conversion_factor(unit, matrix, description=None) -> tuple[float, str]:
    """Factor and standard unit for a declared unit of a matrix.

    Parameters
    ----------
    unit : str — the unit as declared (any known spelling).
    matrix : str — ``materia``, ``acqua`` or ``energia``.
    description : str, optional — the flow's description; names the fuel when energy is
        declared as a quantity of fuel.

    Returns
    -------
    factor : float — multiply the declared quantity by this. [unit_std/unit]
    unit_std : str — ``t``, ``m3`` or ``MWh``.

    Raises
    ------
    UnitError — unknown unit, unit not valid for the matrix, or a fuel quantity whose fuel
        cannot be found in the description or has no heating value for that unit.
    """
    if matrix not in MATRICES:
        raise UnitError(f"matrice «{matrix}» non valida", "materia, acqua o energia")
    canonical = canonical_unit(unit)
    expected = expected_units(matrix)
    if canonical not in UNITS_FOR_MATRIX[matrix]:
        raise UnitError(f"unità «{unit}» non valida per la matrice {matrix}", expected)
    if matrix != "energia" or canonical in _DIRECT_ENERGY:
        dimension, factor = FACTORS[canonical]
        return factor, dimension
    return _fuel_factor(unit, canonical, description, expected)


def _fuel_factor(unit, canonical: str, description, expected: str) -> tuple[float, str]:
    fuel = find_fuel(description)
    if fuel is None:
        raise UnitError(f"energia dichiarata in «{unit}»: combustibile non riconosciuto nella "
                        f"descrizione «{description or ''}»", expected)
    fuel_unit, to_fuel_unit = _TO_FUEL_UNIT[canonical]
    lhv = fuel_lhv(fuel)
    if fuel_unit not in lhv:
        accepted = ", ".join(sorted(lhv))
        raise UnitError(f"per il combustibile {fuel.replace('_', ' ')} l'unità «{unit}» non è "
                        f"prevista (potere calorifico noto per: {accepted})",
                        f"{accepted}, oppure MWh, kWh, GJ o tep")
    return to_fuel_unit * lhv[fuel_unit], STANDARD_UNIT["energia"]


def to_standard(quantity: float, unit, matrix: str, description=None) -> tuple[float, str]:
    """Declared quantity in the standard unit of its matrix.

    Parameters
    ----------
    quantity : float — declared annual quantity. [unit/yr]
    unit : str — declared unit (``t``, ``kg``, ``q``, ``m3``, ``mc``, ``L``, ``1000 m3``,
        ``MWh``, ``kWh``, ``GJ``, ``tep``, ``Sm3`` ...).
    matrix : str — ``materia``, ``acqua`` or ``energia``.
    description : str, optional — names the fuel when energy is declared as fuel.

    Returns
    -------
    quantity_std : float — annual quantity in the standard unit. [t/yr, m3/yr or MWh/yr]
    unit_std : str — ``t``, ``m3`` or ``MWh``.

    Examples
    --------
    >>> to_standard(1000, "Smc", "energia", "gas naturale per caldaie")
    (9.7925, 'MWh')
    """
    factor, unit_std = conversion_factor(unit, matrix, description)
    return float(quantity) * factor, unit_std
