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


# ------------------------------------------------------------------ labelled declarations
from pathlib import Path  # noqa: E402

from workbench.classify import evaluate, explain_one, stem  # noqa: E402

LABELLED = Path(__file__).parent / "data" / "classification_labelled.csv"


def _labelled(split=None):
    df = pd.read_csv(LABELLED, dtype=str, keep_default_na=False)
    return df if split is None else df[df["split"] == split]


def test_labelled_set_is_large_and_uses_known_classes():
    df = _labelled()
    assert len(df) >= 200 and df["declaration_id"].is_unique
    known = set(resource_classes()["resource"])
    assert set(df["true_resource"]) - {""} <= known
    assert set(df["split"]) == {"sviluppo", "verifica", "cieco"}


@pytest.mark.parametrize("split, min_precision, min_coverage", [
    ("sviluppo", 0.97, 0.97),   # aliases were written knowing this split
    ("verifica", 0.93, 0.93),   # held out, then used to find generic fixes
    ("cieco", 0.93, 0.93),      # written after the classifier was frozen (measured 0.961/0.962 then)
])
def test_precision_and_coverage_on_labelled_declarations(split, min_precision, min_coverage):
    result = evaluate(_labelled(split))
    assert result["precision"] >= min_precision, result["errors"]
    assert result["coverage"] >= min_coverage, result["errors"]


def test_direction_picks_input_or_waste():
    assert classify_one("materia", "gesso", direction="in")[0] == "gesso_naturale"
    assert classify_one("materia", "gesso sintetico", direction="out")[0] == "gesso_fgd"
    # an output named like the input it could replace: its waste counterpart
    assert classify_one("materia", "olio lubrificante usato", direction="out")[0] == "oli_usati"


def test_typos_abbreviations_plurals_and_purpose():
    assert classify_one("materia", "rotami ferosi", direction="out")[0] == "rottami_ferrosi"
    assert classify_one("materia", "gess da desolforaz.", direction="out")[0] == "gesso_fgd"
    assert classify_one("materia", "Pallets danneggiati", direction="out")[0] == "legno_scarto"
    # the head noun before "per" names the resource, the purpose after it counts less
    assert classify_one("materia", "Zolfo per l'impianto di acido solforico", direction="in")[0] == "zolfo"
    # words of an alias apart from each other
    assert classify_one("acqua", "Acqua per le torri di raffreddamento", direction="in")[0] == "acqua_raffreddamento"
    assert stem("fanghi") == stem("fango") and stem("acque") == stem("acqua")


def test_steam_pressure_and_energy_output_temperature():
    assert classify_one("energia", "vapore 40 bar", direction="out")[0] == "vapore_alta"
    assert classify_one("energia", "vapore 3 bar", direction="out")[0] == "vapore_bassa"
    assert classify_one("energia", "acqua di raffreddamento motori cogeneratore", None, 90,
                        direction="out")[0] == "calore_media_temperatura"


def test_explanation_names_the_evidence():
    result = explain_one("materia", "Gesso da DeSOx", "10 01 05", None, "out")
    assert result["resource"] == "gesso_fgd" and "EER" in result["evidence"]
    words_only = explain_one("materia", "fanghi primari cartiera", None, None, "out")
    assert words_only["confidence"] <= 0.85
