import pandas as pd
import pytest

from workbench.classify import classify_flows, classify_one, normalise_eer
from workbench.reference import eer_codes, resource_classes


@pytest.mark.parametrize("matrix, description, eer, temperature, expected", [
    ("materia", "Gesso da desolforazione fumi", "10 01 05", None, "gesso_fgd"),
    ("materia", "bancali rotti", None, None, "legno_scarto"),
    ("materia", "limatura", "12.01.01", None, "rottami_ferrosi"),
    ("acqua", "Acqua da pozzi", None, None, "acqua_falda"),
    ("acqua", "Effluente depurato", None, None, "effluente_depurato"),
    ("energia", "gas naturale (metano) caldaie", None, None, "gas_naturale"),
    ("energia", "Fumi caldi forno", None, 180, "calore_alta_temperatura"),
    ("energia", "acqua calda di raffreddamento", None, 75, "calore_media_temperatura"),
    ("energia", "calore di scarto compressori", None, 40, "calore_bassa_temperatura"),
])
def test_known_declarations(matrix, description, eer, temperature, expected):
    resource, confidence = classify_one(matrix, description, eer, temperature)
    assert resource == expected
    assert 0.5 <= confidence <= 1


def test_unknown_text_has_no_class():
    assert classify_one("materia", "roba varia", None, None) == (None, 0.0)


def test_matrix_restricts_classes():
    # "acqua calda" is heat in the energy matrix, never a water class
    assert classify_one("energia", "acqua calda", None, 80)[0] == "calore_media_temperatura"


def test_classify_flows_adds_columns():
    df = pd.DataFrame({"matrix": ["materia", "acqua"], "description": ["cartone", "acquedotto"],
                       "eer_code": ["150101", None], "temperature_c": [None, None]})
    out = classify_flows(df)
    assert list(out["resource"]) == ["carta_cartone", "acqua_potabile"]
    assert "resource" not in df.columns


def test_normalise_eer():
    assert normalise_eer("10 01 05*") == "100105"
    assert normalise_eer(None) is None


def test_reference_classes_are_consistent():
    classes = resource_classes()
    assert classes["resource"].is_unique
    assert (classes["source"] != "").all()
    known = set(eer_codes()["code"])
    for codes in classes["eer_codes"]:
        for code in filter(None, codes.split("|")):
            assert code in known, code
