"""Unit normalisation (workbench/ingest/units.py) and the fuels table (lib/units/fuels.csv)."""
import doctest

import pytest

from workbench.ingest import units
from workbench.ingest.spec import UNITS_BY_MATRIX
from workbench.ingest.units import (UnitError, canonical_unit, conversion_factor, find_fuel,
                                    to_standard)
from workbench.reference import fuels


@pytest.mark.parametrize("declared, canonical", [
    ("t", "t"), ("T", "t"), ("tonnellate", "t"), ("ton", "t"), ("Tonnellata", "t"),
    ("kg", "kg"), ("KG", "kg"), ("chilogrammi", "kg"),
    ("q", "q"), ("quintali", "q"),
    ("m3", "m3"), ("mc", "m3"), ("m³", "m3"), ("M3", "m3"), ("metri cubi", "m3"),
    ("L", "L"), ("l", "L"), ("litri", "L"), ("lt.", "L"),
    ("1000 m3", "1000 m3"), ("1.000 mc", "1000 m3"),
    ("MWh", "MWh"), ("mwh", "MWh"), ("kWh", "kWh"), ("kwh", "kWh"), ("KWH", "kWh"),
    ("GJ", "GJ"), ("gj", "GJ"), ("tep", "tep"), ("TEP", "tep"), ("toe", "tep"),
    ("Sm3", "Sm3"), ("Smc", "Sm3"), ("smc", "Sm3"), ("Sm³", "Sm3"), (" Sm3 ", "Sm3"),
])
def test_common_spellings_map_to_canonical_units(declared, canonical):
    assert canonical_unit(declared) == canonical


def test_every_template_unit_is_known():
    for matrix, declared_units in UNITS_BY_MATRIX.items():
        for unit in declared_units:
            assert canonical_unit(unit) == unit


@pytest.mark.parametrize("quantity, unit, matrix, expected", [
    (2500, "kg", "materia", (2.5, "t")),
    (30, "q", "materia", (3.0, "t")),
    (7, "t", "materia", (7.0, "t")),
    (1500, "L", "acqua", (1.5, "m3")),
    (2, "1000 m3", "acqua", (2000.0, "m3")),
    (40, "mc", "acqua", (40.0, "m3")),
    (8500, "kWh", "energia", (8.5, "MWh")),
    (36, "GJ", "energia", (10.0, "MWh")),
    (100, "tep", "energia", (1163.0, "MWh")),
    (3, "MWh", "energia", (3.0, "MWh")),
])
def test_factor_conversions(quantity, unit, matrix, expected):
    value, unit_std = to_standard(quantity, unit, matrix)
    assert unit_std == expected[1]
    assert value == pytest.approx(expected[0])


def test_tep_is_11_63_mwh():
    assert units.MWH_PER_TEP == 11.63  # 41.868 GJ / 3.6 GJ/MWh


@pytest.mark.parametrize("description, unit, quantity, mwh", [
    ("gas naturale per caldaie", "Sm3", 1000, 35.253 / 3.6),       # 35.253 GJ/1000 Sm3
    ("Metano", "Smc", 1000, 35.253 / 3.6),
    ("gasolio riscaldamento", "t", 1, 42.877 / 3.6),                # 42.877 GJ/t
    ("Gasolio per i mezzi", "L", 1000, 42.877 * 0.835 / 3.6),       # 0.835 kg/L
    ("diesel", "kg", 1000, 42.877 / 3.6),                           # kg of fuel → t
    ("GPL", "t", 1, 47.3 / 3.6),
    ("olio combustibile BTZ", "t", 2, 2 * 40.4 / 3.6),
    ("carbone antracite", "t", 1, 28.885 / 3.6),                    # longest alias wins
    ("cippato di legna", "t", 10, 10 * 15.6 / 3.6),
    ("CSS combustibile solido secondario", "t", 1, 18 / 3.6),
])
def test_fuels_use_their_lower_heating_value(description, unit, quantity, mwh):
    value, unit_std = to_standard(quantity, unit, "energia", description)
    assert unit_std == "MWh"
    assert value == pytest.approx(mwh, rel=1e-6)


@pytest.mark.parametrize("description, fuel", [
    ("gas naturale", "gas_naturale"), ("Gas metano di rete", "gas_naturale"),
    ("natural gas", "gas_naturale"), ("gasolio", "gasolio"), ("Diesel", "gasolio"),
    ("carbone", "carbone"), ("antracite", "antracite"), ("pellet di legno", "biomassa_legnosa"),
    ("energia elettrica", None), ("calore di scarto", None), (None, None),
])
def test_find_fuel(description, fuel):
    assert find_fuel(description) == fuel


@pytest.mark.parametrize("quantity, unit, matrix, description, fragment, expected", [
    (1, "barili", "energia", "greggio", "unità «barili» non riconosciuta", "unità di misura nota"),
    (1, "", "materia", "x", "unità mancante", "unità di misura"),
    (1, "m3", "materia", "sabbia", "non valida per la matrice materia", "t, kg o q"),
    (1, "kWh", "acqua", "acqua", "non valida per la matrice acqua", "m3, L o 1000 m3"),
    (1, "t", "energia", "vapore", "combustibile non riconosciuto", "Sm3, t o L di un combustibile"),
    (1, "Sm3", "energia", "biogas", "combustibile non riconosciuto", "gas naturale"),
    (1, "m3", "energia", "gas naturale", "l'unità «m3» non è prevista", "Sm3"),
    (1, "L", "energia", "olio combustibile", "l'unità «L» non è prevista", "t"),
    (1, "t", "aria", "emissioni", "matrice «aria» non valida", "materia, acqua o energia"),
    (350, "kW", "energia", "energia elettrica", "è una potenza", "MWh o kWh"),
    (10, "Nm3", "energia", "gas naturale", "metri cubi standard", "Sm3"),
    (3, "m3/h", "acqua", "acqua di pozzo", "portata", "quantità annua"),
])
def test_unconvertible_units_raise_italian_errors(quantity, unit, matrix, description, fragment, expected):
    with pytest.raises(UnitError) as info:
        to_standard(quantity, unit, matrix, description)
    assert isinstance(info.value, ValueError)
    assert fragment in str(info.value)
    assert expected in info.value.expected


def test_conversion_factor_is_per_unit():
    factor, unit_std = conversion_factor("Smc", "energia", "metano")
    assert unit_std == "MWh"
    assert factor == pytest.approx(0.0097925)


def test_fuels_table_is_documented():
    table = fuels()
    assert {"fuel", "aliases", "unit", "lhv_mwh_per_unit", "assumption", "source"} <= set(table.columns)
    assert table["source"].str.len().gt(10).all()
    assert set(table["assumption"]) <= {"sì", "no"}
    assert (table["lhv_mwh_per_unit"] > 0).all()
    assert set(table["unit"]) <= {"Sm3", "t", "L"}
    # the national standard parameters are not assumptions
    national = table.set_index(["fuel", "unit"])
    assert national.loc[("gas_naturale", "Sm3"), "assumption"] == "no"
    assert national.loc[("gasolio", "t"), "assumption"] == "no"
    assert national.loc[("gasolio", "L"), "assumption"] == "sì"
    for fuel in ("gas_naturale", "gasolio", "olio_combustibile", "gpl", "carbone",
                 "biomassa_legnosa", "css"):
        assert fuel in set(table["fuel"])
    # MWh and GJ columns agree
    assert (table["lhv_gj_per_unit"].astype(float) / 3.6).round(6).tolist() == \
        table["lhv_mwh_per_unit"].round(6).tolist()


def test_docstring_examples():
    assert doctest.testmod(units).failed == 0
