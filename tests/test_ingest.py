"""Questionnaire ingest end to end (workbench/ingest): reader, validation, store, idempotency.

Questionnaires are written into tmp_path with ``spec.write_questionnaire`` from the
fixture ``tests/data/ingest/good_company.json`` and ingested into a real encrypted store.
The catalogue of bad inputs is in ``test_ingest_bad_inputs.py``.
"""
import json
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import get_column_letter

from workbench.config import load_settings
from workbench.ingest import (INGESTED, NO_NDA, REJECTED, UNCHANGED, ingest_file, ingest_folder,
                              read_questionnaire, write_error_report)
from workbench.ingest import spec
from workbench.ingest.reader import QuestionnaireError
from workbench.ingest.validate import (CellError, is_waste, parse_bool, parse_date, parse_eer,
                                       parse_fate, parse_number, parse_pod_codes,
                                       parse_shift_pattern, parse_vat, validate_questionnaire)
from workbench.model import vat_with_check_digit
from workbench.store import connect

FIXTURE = Path(__file__).parent / "data" / "ingest" / "good_company.json"
N_SITES, N_INPUTS, N_OUTPUTS = 2, 5, 6


def good_data(number: int = 1, name: str | None = None) -> dict:
    """The fixture questionnaire with a valid VAT number of its own."""
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    data.pop("_about")
    data["company"]["vat_number"] = vat_with_check_digit(f"0{number:09d}")
    if name:
        data["company"]["name"] = name
    return data


def write(path: Path, data: dict) -> Path:
    return spec.write_questionnaire(path, data["company"], data["sites"], data["inputs"], data["outputs"])


def table(settings, sql: str) -> pd.DataFrame:
    with connect(settings) as con:
        return con.execute(sql).df()


def counts(settings) -> dict[str, int]:
    tables = ("company_ids", "companies", "sites", "flows", "questionnaire_files", "quarantine", "audit_log")
    with connect(settings) as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


@pytest.fixture
def settings(tmp_path):
    return load_settings(tmp_path / "data", key="test-key")


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "questionari"
    path.mkdir()
    return path


# --------------------------------------------------------------------------- reader
def test_reader_gives_canonical_columns_and_excel_rows(tmp_path):
    data = good_data()
    data["inputs"].insert(2, {})  # an empty row in the middle is skipped, rows keep their number
    q = read_questionnaire(write(tmp_path / "q.xlsx", data))
    assert q.file == "q.xlsx"
    assert q.company["name"] == "Fonderia Fittizia Labronica Srl"
    assert q.company_rows["vat_number"] == 3
    assert list(q.inputs.columns) == [f.name for f in spec.INPUT_FIELDS] + ["source_row"]
    assert q.inputs["source_row"].tolist() == [2, 3, 5, 6, 7]
    assert q.outputs["eer_code"].tolist()[:3] == ["10 02 02", "10 02 07*", "150103"]
    assert q.sites["source_row"].tolist() == [2, 3]


def test_empty_template_is_a_questionnaire_with_no_rows(tmp_path):
    q = read_questionnaire(spec.write_questionnaire(tmp_path / "modello.xlsx"))
    assert all(v is None for v in q.company.values())
    assert q.sites.empty and q.inputs.empty and q.outputs.empty


def test_template_drop_down_keeps_the_eer_asterisk(tmp_path):
    wb = openpyxl.load_workbook(spec.write_questionnaire(tmp_path / "modello.xlsx"))
    columns = list(zip(*wb[spec.SHEET_LISTS].iter_rows(values_only=True)))
    codes = next(c for c in columns if c[0] == "eer")
    assert "10 02 07*" in codes and "10 02 02" in codes


# --------------------------------------------------------------------------- validation units
@pytest.mark.parametrize("declared", ["10 02 02", "100202", "10.02.02", 100202, " 10 02 02 "])
def test_eer_spellings(declared):
    assert parse_eer(declared) == ("100202", False)


@pytest.mark.parametrize("declared", ["10 02 07*", "100207*", "10.02.07 *", "10 02 07 (*)"])
def test_hazardous_eer_with_asterisk(declared):
    assert parse_eer(declared) == ("100207", True)


@pytest.mark.parametrize("declared, fragment", [
    ("10 02 07", "senza asterisco, ma nell'elenco è pericoloso"),
    ("10 02 02*", "con asterisco, ma nell'elenco non è pericoloso"),
    ("99 99 99", "inesistente"),
    ("1002", "non nel formato a 6 cifre"),
    ("abc", "non nel formato a 6 cifre"),
])
def test_bad_eer(declared, fragment):
    with pytest.raises(CellError, match=fragment):
        parse_eer(declared)


def test_vat_rules():
    good = vat_with_check_digit("0123456789")
    assert parse_vat(good) == good
    assert parse_vat("IT " + good) == good
    assert parse_vat(int(good)) == good  # Excel dropped the leading zero
    for bad, fragment in ((good[:-1] + str((int(good[-1]) + 1) % 10), "cifra di controllo"),
                          ("123", "di 3 cifre"), ("0123456789A", "non numerici")):
        with pytest.raises(CellError, match=fragment):
            parse_vat(bad)


def test_numbers_dates_and_fates():
    assert parse_number("1.234,5") == 1234.5
    assert parse_number("1234,5") == 1234.5
    assert parse_number("1,234.5") == 1234.5
    assert parse_number("1.200.000") == 1200000
    assert parse_number("2.5") == 2.5
    assert parse_number(7) == 7.0
    with pytest.raises(CellError):
        parse_number("molto")
    with pytest.raises(CellError):
        parse_number(True)
    assert parse_date("15/01/2025") == date(2025, 1, 15)
    assert parse_date(datetime(2025, 1, 15, 0, 0)) == date(2025, 1, 15)
    assert parse_date(45672) == date(2025, 1, 15)  # Excel serial number
    with pytest.raises(CellError):
        parse_date("31/02/2025")
    assert parse_fate("r 13") == "R13" and parse_fate("D01") == "D1"
    with pytest.raises(CellError):
        parse_fate("R14")


def test_yes_no_pod_codes_and_shift_patterns():
    for yes in ("sì", "Sì", "si", "SI", "yes", "true", "Vero", True):
        assert parse_bool(yes) is True
    for no in ("no", "NO", "false", "Falso", False):
        assert parse_bool(no) is False
    for bad in ("forse", 1, "s"):
        with pytest.raises(CellError, match="non è sì o no"):
            parse_bool(bad)
    assert parse_pod_codes(" it001e12345678 |IT001E87654321| ") == "IT001E12345678|IT001E87654321"
    for bad in ("IT001E1234567", "IT001E12345678;IT001E87654321", "IT01E123456789", "|"):
        with pytest.raises(CellError, match="POD"):
            parse_pod_codes(bad)
    assert parse_shift_pattern("2 X 5") == "2x5" and parse_shift_pattern("3×7") == "3x7"
    assert spec.shift_pattern_codes() == ["1x5", "2x5", "3x5", "1x6", "2x6", "3x6", "3x7"]
    with pytest.raises(CellError, match="turno «4x5» non previsto"):
        parse_shift_pattern("4x5")


def test_waste_rule():
    assert is_waste("materia", "R5", "Recuperi Srl")
    assert is_waste("materia", None, None)
    assert not is_waste("materia", None, "Cementeria")  # by-product handed to a named recipient
    assert not is_waste("energia", None, None)


def test_validation_of_the_good_fixture_finds_nothing(tmp_path):
    q = read_questionnaire(write(tmp_path / "q.xlsx", good_data()))
    result = validate_questionnaire(q)
    assert result.problems == []
    assert not result.rejected and result.has_nda
    assert len(result.sites) == N_SITES
    assert len(result.flows) == N_INPUTS + N_OUTPUTS
    gas = result.flows.iloc[0]
    assert gas["unit_std"] == "MWh" and gas["quantity_std"] == pytest.approx(1.2e6 * 35.253 / 3600)


# --------------------------------------------------------------------------- end to end
def test_end_to_end_into_the_encrypted_store(settings, folder):
    write(folder / "b_fonderia.xlsx", good_data(1))
    write(folder / "a_seconda.xlsx", good_data(2, name="Seconda Azienda Fittizia Spa"))
    no_nda = good_data(3, name="Azienda Senza Accordo Srl")
    no_nda["company"]["nda_signed_on"] = None
    write(folder / "c_senza_nda.xlsx", no_nda)

    result = ingest_folder(settings, folder, progress=False)

    summary = result.summary().set_index("file")
    assert summary.loc["a_seconda.xlsx", "status"] == INGESTED
    assert summary.loc["b_fonderia.xlsx", "status"] == INGESTED
    assert summary.loc["c_senza_nda.xlsx", "status"] == NO_NDA
    # pseudonyms assigned in file-name order
    assert summary.loc["a_seconda.xlsx", "company_id"] == "AZ-0001"
    assert summary.loc["b_fonderia.xlsx", "company_id"] == "AZ-0002"
    assert summary.loc["c_senza_nda.xlsx", "company_id"] == "AZ-0003"
    assert result.problems.empty
    assert summary.loc["b_fonderia.xlsx", "rows_accepted"] == N_SITES + N_INPUTS + N_OUTPUTS

    companies = table(settings, "SELECT * FROM companies ORDER BY company_id")
    assert companies["company_id"].tolist() == ["AZ-0001", "AZ-0002", "AZ-0003"]
    assert companies["size_class"].tolist() == ["media"] * 3
    assert companies.loc[2, "nda_signed_on"] is pd.NaT or pd.isna(companies.loc[2, "nda_signed_on"])

    assert companies["large_group"].tolist()[:2] == [False, False]

    sites = table(settings, "SELECT * FROM sites ORDER BY site_id")
    assert sites["site_id"].tolist() == ["AZ-0001-S1", "AZ-0001-S2", "AZ-0002-S1", "AZ-0002-S2"]
    # energy fields (template 1.1): S1 declares them, normalised; S2 leaves them NULL
    s1, s2 = sites.iloc[0], sites.iloc[1]
    assert (s1["pod_count"], s1["pod_codes"]) == (2, "IT001E12345678|IT001E87654321")
    assert (s1["contracted_power_kw"], s1["shift_pattern"], s1["roof_area_m2"]) == (1500, "2x5", 4000)
    assert (s1["roof_tilt_deg"], s1["roof_azimuth_deg"], s1["existing_pv_kw"]) == (0, 180, 100)
    assert bool(s1["net_metering"]) is True and s1["comune"] == "Livorno"
    energy = ["pod_count", "pod_codes", "contracted_power_kw", "shift_pattern", "roof_area_m2",
              "roof_tilt_deg", "roof_azimuth_deg", "existing_pv_kw", "net_metering", "comune"]
    assert s2[energy].isna().all()
    assert table(settings, "SELECT * FROM v_sites").columns.tolist() == sites.columns.tolist()

    flows = table(settings, "SELECT * FROM flows WHERE company_id = 'AZ-0002' ORDER BY flow_id")
    assert len(flows) == N_INPUTS + N_OUTPUTS
    assert flows["flow_id"].tolist()[:2] == ["AZ-0002-I0002", "AZ-0002-I0003"]
    assert "AZ-0002-O0007" in flows["flow_id"].tolist()
    by_id = flows.set_index("flow_id")
    gas = by_id.loc["AZ-0002-I0002"]
    assert gas["quantity_std"] == pytest.approx(1.2e6 * 35.253 / 3600) and gas["unit_std"] == "MWh"
    assert gas["unit"] == "Sm3" and gas["year"] == 2024
    assert by_id.loc["AZ-0002-I0003", "year"] == 2024  # from the reference year
    assert by_id.loc["AZ-0002-I0006", "quantity_std"] == pytest.approx(50000 * 42.877 * 0.835 / 3600)
    assert list(by_id.loc["AZ-0002-I0004", "monthly_profile"])[7] == pytest.approx(0.06)
    dust = by_id.loc["AZ-0002-O0003"]
    assert dust["eer_code"] == "100207" and bool(dust["hazardous"]) is True
    assert dust["current_fate"] == "D15" and dust["source_sheet"] == "Uscite"
    assert by_id.loc["AZ-0002-O0002", "hazardous"] == False  # noqa: E712
    assert pd.isna(by_id.loc["AZ-0002-O0007", "eer_code"])  # by-product: no EER needed
    assert flows["resource"].notna().any()
    assert flows["resource_confidence"].between(0, 1).all()
    assert set(flows["source_file"]) == {"b_fonderia.xlsx"}

    # NDA gate: the company without NDA has no sites and no flows at all
    nda = table(settings, "SELECT (SELECT count(*) FROM sites WHERE company_id = 'AZ-0003') AS s, "
                          "(SELECT count(*) FROM flows WHERE company_id = 'AZ-0003') AS f")
    assert nda.iloc[0].tolist() == [0, 0]

    audit = table(settings, "SELECT * FROM audit_log ORDER BY target")
    assert audit["action"].tolist() == ["ingest"] * 3
    assert audit["rows_accepted"].tolist() == [13, 13, 0]
    assert audit["rows_quarantined"].tolist() == [0, 0, 0]
    assert audit["file_hash"].str.len().eq(64).all()
    assert "NDA mancante" in audit.loc[2, "detail"]

    files = table(settings, "SELECT * FROM questionnaire_files")
    assert len(files) == 3 and not files["superseded"].any()


def test_store_holds_no_company_name_or_vat_in_clear(settings, folder):
    data = good_data(7)
    write(folder / "q.xlsx", data)
    ingest_folder(settings, folder, progress=False)
    raw = Path(settings.store_path).read_bytes()
    assert data["company"]["name"].encode() not in raw
    assert data["company"]["vat_number"].encode() not in raw


def test_unchanged_file_is_skipped(settings, folder):
    write(folder / "q.xlsx", good_data())
    first = ingest_folder(settings, folder, progress=False)
    before = counts(settings)
    again = ingest_folder(settings, folder, progress=False)
    assert first.files[0].status == INGESTED
    assert again.files[0].status == UNCHANGED
    assert counts(settings) == before


def test_same_content_under_another_name_is_skipped(settings, folder):
    path = write(folder / "q.xlsx", good_data())
    (folder / "copia.xlsx").write_bytes(path.read_bytes())
    result = ingest_folder(settings, folder, progress=False)
    assert sorted(f.status for f in result.files) == [INGESTED, UNCHANGED]
    assert counts(settings)["flows"] == N_INPUTS + N_OUTPUTS


def test_corrected_questionnaire_replaces_the_previous_one(settings, folder):
    data = good_data()
    data["inputs"][0]["quantity"] = -5  # first version: one bad row
    old_bytes = write(folder / "fonderia.xlsx", data).read_bytes()
    first = ingest_folder(settings, folder, progress=False)
    assert first.files[0].rows_quarantined == 1
    assert counts(settings)["flows"] == N_INPUTS + N_OUTPUTS - 1

    corrected = good_data()
    corrected["outputs"].pop()  # the corrected version also drops one output
    write(folder / "fonderia.xlsx", corrected)
    second = ingest_folder(settings, folder, progress=False)

    assert second.files[0].status == INGESTED
    assert second.files[0].replaced == [first.files[0].file_hash]
    assert second.files[0].company_id == first.files[0].company_id == "AZ-0001"
    after = counts(settings)
    assert after["companies"] == 1 and after["company_ids"] == 1
    assert after["sites"] == N_SITES
    assert after["flows"] == N_INPUTS + N_OUTPUTS - 1
    assert after["quarantine"] == 0  # the old file's problems are gone with it
    assert after["audit_log"] == 2
    files = table(settings, "SELECT file_hash, superseded FROM questionnaire_files").set_index("file_hash")
    assert bool(files.loc[first.files[0].file_hash, "superseded"]) is True
    assert bool(files.loc[second.files[0].file_hash, "superseded"]) is False
    flows = table(settings, "SELECT flow_id, quantity FROM flows").set_index("flow_id")
    assert flows.index.is_unique
    assert flows.loc["AZ-0001-I0002", "quantity"] == 1200000

    # putting the old version back in the folder does not roll the company back
    (folder / "fonderia_vecchio.xlsx").write_bytes(old_bytes)
    third = ingest_folder(settings, folder, progress=False)
    assert {f.status for f in third.files} == {UNCHANGED}
    assert counts(settings) == after


def test_two_versions_in_one_folder_keep_the_last_by_name(settings, folder):
    v1 = good_data()
    v1["inputs"].pop()
    write(folder / "fonderia_v1.xlsx", v1)
    write(folder / "fonderia_v2.xlsx", good_data())
    result = ingest_folder(settings, folder, progress=False)
    assert [f.status for f in result.files] == [INGESTED, INGESTED]
    assert counts(settings)["flows"] == N_INPUTS + N_OUTPUTS
    assert set(table(settings, "SELECT DISTINCT source_file FROM flows")["source_file"]) == {"fonderia_v2.xlsx"}


def test_company_without_nda_keeps_only_its_registry_row(settings, folder):
    data = good_data()
    data["company"]["nda_signed_on"] = None
    data["inputs"][0]["quantity"] = -1  # not even validated: no processing without NDA
    write(folder / "q.xlsx", data)
    result = ingest_folder(settings, folder, progress=False)
    assert result.files[0].status == NO_NDA
    assert result.files[0].rows_accepted == 0
    assert result.problems.empty
    after = counts(settings)
    assert (after["companies"], after["sites"], after["flows"], after["quarantine"]) == (1, 0, 0, 0)
    assert table(settings, "SELECT count(*) AS n FROM v_companies")["n"][0] == 0


def test_nda_signed_later_brings_the_flows_in(settings, folder):
    data = good_data()
    data["company"]["nda_signed_on"] = None
    write(folder / "q.xlsx", data)
    ingest_folder(settings, folder, progress=False)
    write(folder / "q.xlsx", good_data())
    result = ingest_folder(settings, folder, progress=False)
    assert result.files[0].status == INGESTED
    assert counts(settings)["flows"] == N_INPUTS + N_OUTPUTS
    assert table(settings, "SELECT count(*) AS n FROM v_flows")["n"][0] == N_INPUTS + N_OUTPUTS


def test_rejected_identity_touches_nothing(settings, folder):
    write(folder / "a.xlsx", good_data(1))
    ingest_folder(settings, folder, progress=False)
    before = counts(settings)
    bad = good_data(2)
    bad["company"]["vat_number"] = "12345678901"  # wrong check digit
    bad["inputs"][0]["unit"] = "barili"
    write(folder / "b.xlsx", bad)
    result = ingest_folder(settings, folder, progress=False)
    status = {f.file: f.status for f in result.files}
    assert status == {"a.xlsx": UNCHANGED, "b.xlsx": REJECTED}
    assert counts(settings) == before
    problems = result.problems
    assert set(problems["column"]) >= {"Partita IVA", "Unità"}  # all problems reported


def test_ingest_file_one_at_a_time(settings, tmp_path):
    path = write(tmp_path / "q.xlsx", good_data())
    assert ingest_file(settings, path).status == INGESTED
    assert ingest_file(settings, path).status == UNCHANGED


def test_excel_lock_files_and_other_files_are_ignored(settings, folder):
    write(folder / "q.xlsx", good_data())
    (folder / "~$q.xlsx").write_bytes(b"lock")
    (folder / "note.txt").write_text("appunti")
    (folder / "errori_ingest.xlsx").write_bytes(b"report")
    result = ingest_folder(settings, folder, progress=False)
    assert [f.file for f in result.files] == ["q.xlsx"]


def test_progress_bar_runs(settings, folder, capsys):
    write(folder / "q.xlsx", good_data())
    ingest_folder(settings, folder, progress=True)
    assert "Questionari" in capsys.readouterr().err


# --------------------------------------------------------------------------- error report
@pytest.fixture
def problems(settings, folder):
    data = good_data()
    data["inputs"][1]["unit"] = "barili"
    data["outputs"][0]["eer_code"] = "99 99 99"
    write(folder / "q.xlsx", data)
    (folder / "vuoto.xlsx").write_bytes(b"")
    return ingest_folder(settings, folder, progress=False).problems


def test_error_report_xlsx_is_readable_italian(problems, tmp_path):
    path = write_error_report(problems, tmp_path / "errori.xlsx")
    report = pd.read_excel(path)
    assert list(report.columns) == ["File", "Foglio", "Riga", "Colonna", "Valore trovato",
                                    "Valore atteso", "Problema"]
    assert len(report) == 3
    assert report["Problema"].str.contains("vuoto.xlsx: file vuoto").any()
    unit = report[report["Colonna"] == "Unità"].iloc[0]
    assert (unit["File"], unit["Foglio"], unit["Riga"], unit["Valore trovato"]) == ("q.xlsx", "Ingressi", 3, "barili")


def test_error_report_csv(problems, tmp_path):
    path = write_error_report(problems, tmp_path / "errori.csv")
    report = pd.read_csv(path, sep=";", encoding="utf-8-sig")
    assert "Problema" in report.columns and len(report) == 3


def test_error_report_with_no_problems(tmp_path):
    path = write_error_report([], tmp_path / "errori.xlsx")
    wb = openpyxl.load_workbook(path)
    assert "Nessun problema" in wb.active["A2"].value



def test_worker_processes_give_the_same_result(tmp_path):
    results = {}
    for workers in (0, 2):
        folder = tmp_path / f"q{workers}"
        folder.mkdir()
        for number in (3, 1, 2):
            write(folder / f"azienda_{number}.xlsx", good_data(number))
        bad = good_data(4)
        bad["outputs"][0]["eer_code"] = "99 99 99"
        write(folder / "azienda_4.xlsx", bad)
        (folder / "azienda_5.xlsx").write_bytes(b"")
        settings = load_settings(tmp_path / f"data{workers}", key="test-key")
        result = ingest_folder(settings, folder, progress=False, workers=workers)
        flows = table(settings, "SELECT flow_id, company_id, quantity_std, resource FROM flows ORDER BY flow_id")
        results[workers] = (result.summary()[["file", "status", "company_id", "rows_accepted",
                                              "rows_quarantined"]], result.problems, flows)
    for before, after in zip(results[0], results[2]):
        pd.testing.assert_frame_equal(before, after)


def test_an_unforeseen_reader_error_costs_only_its_file(settings, folder, monkeypatch):
    import workbench.ingest as ingest

    write(folder / "a.xlsx", good_data(1))
    write(folder / "b.xlsx", good_data(2))
    real = ingest.validate_questionnaire

    def fragile(questionnaire, today=None):
        if questionnaire.file == "a.xlsx":
            raise RuntimeError("guasto simulato")
        return real(questionnaire, today)

    monkeypatch.setattr(ingest, "validate_questionnaire", fragile)
    result = ingest_folder(settings, folder, progress=False, workers=0)
    status = {f.file: f.status for f in result.files}
    assert status == {"a.xlsx": REJECTED, "b.xlsx": INGESTED}
    assert "errore imprevisto" in result.problems.loc[0, "message"]
    assert counts(settings)["flows"] == N_INPUTS + N_OUTPUTS


def test_missing_file_is_refused(settings, tmp_path):
    outcome = ingest_file(settings, tmp_path / "non_esiste.xlsx")
    assert outcome.status == REJECTED and "file illeggibile" in outcome.message


def test_date_cells_and_numbers_typed_as_text(settings, folder):
    data = good_data()
    data["company"]["nda_signed_on"] = datetime(2025, 1, 15)
    data["company"]["employees"] = "120"
    data["inputs"][0]["quantity"] = "1.200.000,0"  # Italian thousands and decimal comma
    data["sites"][0]["lat"] = "43,585"
    write(folder / "q.xlsx", data)
    result = ingest_folder(settings, folder, progress=False)
    assert result.problems.empty
    company = table(settings, "SELECT nda_signed_on, employees FROM companies").iloc[0]
    assert pd.Timestamp(company["nda_signed_on"]).date() == date(2025, 1, 15)
    assert company["employees"] == 120
    assert table(settings, "SELECT lat FROM sites WHERE site_id = 'AZ-0001-S1'")["lat"][0] == 43.585
    gas = table(settings, "SELECT quantity FROM flows WHERE flow_id = 'AZ-0001-I0002'")
    assert gas["quantity"][0] == 1_200_000


# --------------------------------------------------------------------------- template versions
#: Fields appended by template 1.1 (issue 7), absent from a 1.0 questionnaire.
V11_SITE_FIELDS = ("pod_count", "pod_codes", "contracted_power_kw", "shift_pattern", "roof_area_m2",
                   "roof_tilt_deg", "roof_azimuth_deg", "existing_pv_kw", "net_metering", "comune")


def write_v10(path: Path, data: dict, edit=None) -> Path:
    """A questionnaire of template 1.0: the current one without the fields 1.1 appended
    (the last row of ``Azienda``, the last columns of ``Siti``); ``edit(workbook)`` may
    change it further."""
    write(path, data)
    wb = openpyxl.load_workbook(path)
    first_new = 1 + [f.name for f in spec.SITE_FIELDS].index(V11_SITE_FIELDS[0])
    wb[spec.SHEET_SITES].delete_cols(first_new, len(V11_SITE_FIELDS))
    wb[spec.SHEET_COMPANY].delete_rows(2 + [f.name for f in spec.COMPANY_FIELDS].index("large_group"))
    if edit is not None:
        edit(wb)
    wb.save(path)
    return path


def test_template_version_and_the_fields_it_appended(tmp_path):
    assert spec.TEMPLATE_VERSION == "1.1"
    assert tuple(f.name for f in spec.SITE_FIELDS[-len(V11_SITE_FIELDS):]) == V11_SITE_FIELDS
    assert spec.COMPANY_FIELDS[-1].name == "large_group"
    assert not any(f.required for f in spec.SITE_FIELDS[-len(V11_SITE_FIELDS):] + spec.COMPANY_FIELDS[-1:])
    wb = openpyxl.load_workbook(spec.write_questionnaire(tmp_path / "modello.xlsx"))
    assert wb[spec.SHEET_INSTRUCTIONS]["A2"].value == "Versione del modello: 1.1"
    lists = {c[0]: [v for v in c[1:] if v] for c in zip(*wb[spec.SHEET_LISTS].iter_rows(values_only=True))}
    assert lists["turni"] == spec.shift_pattern_codes() and lists["si_no"] == ["sì", "no"]
    list_column = {name: get_column_letter(i) for i, name in enumerate(lists, start=1)}

    def drop_down(sheet, cell):
        found = [dv.formula1 for dv in wb[sheet].data_validations.dataValidation
                 if str(dv.sqref).split(":")[0] == cell]
        return found[0] if found else None

    column = {f.name: get_column_letter(i) for i, f in enumerate(spec.SITE_FIELDS, start=1)}
    assert f"${list_column['turni']}$2" in drop_down(spec.SHEET_SITES, f"{column['shift_pattern']}2")
    assert f"${list_column['si_no']}$2" in drop_down(spec.SHEET_SITES, f"{column['net_metering']}2")
    assert f"${list_column['si_no']}$2" in drop_down(spec.SHEET_COMPANY, f"B{len(spec.COMPANY_FIELDS) + 1}")


def test_questionnaire_of_template_1_0_is_still_ingested(settings, folder):
    path = write_v10(folder / "vecchio_modello.xlsx", good_data())
    q = read_questionnaire(path)
    assert q.absent == {spec.SHEET_COMPANY: ("large_group",), spec.SHEET_SITES: V11_SITE_FIELDS}
    assert q.company["large_group"] is None and q.company["reference_year"] == 2024
    assert list(q.sites.columns) == [f.name for f in spec.SITE_FIELDS] + ["source_row"]
    assert q.sites[list(V11_SITE_FIELDS)].isna().all().all()
    assert read_questionnaire(write(folder.parent / "nuovo.xlsx", good_data())).absent == {}

    result = ingest_folder(settings, folder, progress=False)
    assert result.files[0].status == INGESTED and result.problems.empty
    assert result.files[0].rows_accepted == N_SITES + N_INPUTS + N_OUTPUTS
    sites = table(settings, "SELECT * FROM v_sites ORDER BY site_id")
    assert sites["lat"].tolist() == [43.585, 43.56]
    assert sites[list(V11_SITE_FIELDS)].isna().all().all()
    assert table(settings, "SELECT large_group FROM v_companies")["large_group"].isna().all()


def _move_header(sheet: str, source: str, target: str):
    def edit(wb):
        wb[sheet][target] = wb[sheet][source].value
        wb[sheet][source] = None
    return edit


@pytest.mark.parametrize("edit, fragment", [
    # a 1.1 header in the wrong column: misplaced, not an earlier version
    (lambda wb: wb[spec.SHEET_SITES].cell(row=1, column=7, value="Comune"),
     "foglio Siti, colonna G: attesa l'intestazione «Numero di POD», trovata «Comune»"),
    # values under a header that is not there
    (lambda wb: wb[spec.SHEET_SITES].cell(row=2, column=8, value="IT001E12345678"),
     "foglio Siti, colonna G: attesa l'intestazione «Numero di POD», intestazione mancante"),
    # a required header missing is never an earlier version
    (lambda wb: wb[spec.SHEET_INPUTS].delete_cols(4, 30),
     "foglio Ingressi, colonna D: attesa l'intestazione «Quantità annua», intestazione mancante"),
    # the company form cut before a required field
    (lambda wb: wb[spec.SHEET_COMPANY].delete_rows(11, 5),
     "foglio Azienda, cella A11: atteso il campo «Anno di riferimento dei dati», cella vuota"),
    # an unknown label where 1.1 has its field
    (lambda wb: wb[spec.SHEET_COMPANY].cell(row=12, column=1, value="Note"),
     "foglio Azienda, cella A12: atteso il campo «Collegata o associata a un grande gruppo (sì/no)»"),
])
def test_a_wrong_or_misplaced_header_still_refuses_the_file(tmp_path, edit, fragment):
    path = write_v10(tmp_path / "q.xlsx", good_data(), edit)
    with pytest.raises(QuestionnaireError) as info:
        read_questionnaire(path)
    assert fragment in info.value.message


def test_a_1_1_questionnaire_with_a_middle_energy_column_deleted_is_refused(tmp_path):
    path = write(tmp_path / "q.xlsx", good_data())
    wb = openpyxl.load_workbook(path)
    wb[spec.SHEET_SITES].delete_cols(8)  # "Codici POD": the columns after it move left
    wb.save(path)
    with pytest.raises(QuestionnaireError, match="colonna H: attesa l'intestazione «Codici POD"):
        read_questionnaire(path)


def test_notes_right_of_an_old_template_are_ignored_as_before(tmp_path):
    def note(wb):
        wb[spec.SHEET_SITES].cell(row=2, column=len(spec.SITE_FIELDS) + 3, value="nota a margine")
    q = read_questionnaire(write_v10(tmp_path / "q.xlsx", good_data(), note))
    assert q.absent[spec.SHEET_SITES] == V11_SITE_FIELDS and len(q.sites) == N_SITES
