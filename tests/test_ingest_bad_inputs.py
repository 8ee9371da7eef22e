"""Catalogue of bad inputs to ingest: each is reported in Italian, and nothing valid is lost.

All the bad questionnaires (one company each) and one clean control questionnaire are
written into one folder and ingested once into an encrypted store; each case then checks

- that its problem names the file, the sheet, the Excel row and the column (the Italian
  label) with a telling message, and is in the ``quarantine`` table;
- that every *other* row of the same file reached the store (nothing valid lost), and
  that the control file was ingested whole. A bad site energy attribute (template 1.1)
  costs only its cell: the site and its flows are stored, the attribute is NULL.

Whole-file cases (not a questionnaire, invalid identity) check the one-line reason and
that the store holds nothing of them.
"""
from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import openpyxl
import pandas as pd
import pytest

from workbench.config import load_settings
from workbench.ingest import INGESTED, NO_NDA, REJECTED, ingest_folder, spec
from workbench.ingest.reader import OLE_MAGIC
from workbench.ingest.validate import PROFILE_COLUMNS, WHOLE_ROW
from workbench.model import vat_with_check_digit
from workbench.store import connect

FIXTURE = Path(__file__).parent / "data" / "ingest" / "good_company.json"
IN, OUT, SITES, COMPANY = spec.SHEET_INPUTS, spec.SHEET_OUTPUTS, spec.SHEET_SITES, spec.SHEET_COMPANY


def good_data(number: int) -> dict:
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    data.pop("_about")
    data["company"]["vat_number"] = vat_with_check_digit(f"1{number:09d}")
    data["company"]["name"] = f"Azienda Fittizia {number:03d} Srl"
    return data


def setv(section: str, index: int | None, name: str, value) -> Callable[[dict], None]:
    """A mutation that sets one field of the fixture (index None: the company)."""
    def mutate(data):
        (data[section] if index is None else data[section][index])[name] = value
    return mutate


def append(section: str, row: dict | int) -> Callable[[dict], None]:
    """A mutation that appends a row (or a copy of row number ``row``)."""
    def mutate(data):
        data[section].append(dict(data[section][row]) if isinstance(row, int) else row)
    return mutate


@dataclass
class Case:
    """One kind of bad cell or row: where it must be reported and what must be lost."""

    id: str
    mutate: Callable[[dict], None]
    sheet: str
    row: int
    column: str
    fragment: str
    lost: tuple = None  # (sheet, row) of sites/flows that must NOT be stored; default the row itself
    also: tuple = ()  # other (sheet, row, column) that must be reported too
    status: str = INGESTED
    stored_company: dict = field(default_factory=dict)  # company column → value expected in the store
    stored_site: dict = field(default_factory=dict)  # column → value expected for the site of ``row``

    def __post_init__(self):
        if self.lost is None:
            self.lost = () if self.sheet == COMPANY else ((self.sheet, self.row),)


# Rows of the fixture: Siti S1 = 2, S2 = 3; S2 is used by Ingressi row 5 and Uscite row 4.
CASES = [
    # --- Azienda: bad fields are quarantined, the rest goes on
    Case("consenso_sconosciuto", setv("company", None, "consent", "pubblico"), COMPANY, 9,
         "Consenso alla citazione", "non previsto", stored_company={"consent": "riservato"}),
    Case("addetti_negativi", setv("company", None, "employees", -3), COMPANY, 5, "Addetti (ULA)",
         "negativo", stored_company={"employees": None, "size_class": None}),
    Case("ateco_non_valido", setv("company", None, "ateco", "fonderia"), COMPANY, 4,
         "Codice ATECO prevalente", "codice ATECO «fonderia» non valido", stored_company={"ateco": None}),
    Case("fatturato_non_numerico", setv("company", None, "turnover_eur", "tanti"), COMPANY, 6,
         "Fatturato annuo (€)", "non numerico", stored_company={"turnover_eur": None}),
    Case("data_adesione_impossibile", setv("company", None, "joined_on", "31/02/2024"), COMPANY, 10,
         "Data adesione al programma", "data «31/02/2024» non valida", stored_company={"joined_on": None}),
    Case("anno_riferimento_implausibile", setv("company", None, "reference_year", 1850), COMPANY, 11,
         "Anno di riferimento dei dati", "fuori dall'intervallo"),
    Case("grande_gruppo_non_si_no", setv("company", None, "large_group", "boh"), COMPANY, 12,
         "Collegata o associata a un grande gruppo (sì/no)", "valore «boh» non è sì o no",
         stored_company={"large_group": None}),
    Case("nda_nel_futuro", setv("company", None, "nda_signed_on", "01/01/2099"), COMPANY, 8,
         "Data firma accordo di riservatezza (NDA)", "nel futuro", status=NO_NDA,
         lost=(("*", "*"),), stored_company={"nda_signed_on": None}),
    # --- Siti
    Case("latitudine_fuori_italia", setv("sites", 1, "lat", 4.56), SITES, 3, "Latitudine",
         "fuori dall'Italia", lost=((SITES, 3), (IN, 5), (OUT, 4)),
         also=((IN, 5, "Codice sito"), (OUT, 4, "Codice sito"))),
    Case("coordinate_scambiate", lambda d: d["sites"][1].update(lat=10.30, lon=43.56), SITES, 3,
         "Latitudine", "scambiate", lost=((SITES, 3), (IN, 5), (OUT, 4))),
    Case("longitudine_non_numerica", setv("sites", 1, "lon", "dieci"), SITES, 3, "Longitudine",
         "non numerico", lost=((SITES, 3), (IN, 5), (OUT, 4))),
    Case("codice_sito_duplicato", append("sites", {"site_code": "S1", "name": "Altro", "lat": 43.5,
                                                   "lon": 10.3}), SITES, 4, "Codice sito",
         "duplicato della riga 2"),
    Case("nome_sito_mancante", setv("sites", 0, "name", None), SITES, 2, "Nome sito",
         "campo obbligatorio vuoto",
         lost=((SITES, 2), (IN, 2), (IN, 3), (IN, 4), (IN, 6), (OUT, 2), (OUT, 3), (OUT, 5),
               (OUT, 6), (OUT, 7))),
    # --- Siti, energy attributes (1.1): only the cell is quarantined, the site is kept
    Case("numero_pod_negativo", setv("sites", 0, "pod_count", -1), SITES, 2, "Numero di POD",
         "fuori dall'intervallo", lost=(), stored_site={"pod_count": None, "comune": "Livorno"}),
    Case("numero_pod_non_intero", setv("sites", 0, "pod_count", 1.5), SITES, 2, "Numero di POD",
         "non intero", lost=(), stored_site={"pod_count": None}),
    Case("codice_pod_malformato", setv("sites", 0, "pod_codes", "IT001E1234567"), SITES, 2,
         "Codici POD (separati da |)", "codice POD «IT001E1234567» non valido", lost=(),
         stored_site={"pod_codes": None, "pod_count": 2}),
    Case("codici_pod_separati_da_punto_e_virgola",
         setv("sites", 0, "pod_codes", "IT001E12345678;IT001E87654321"), SITES, 2,
         "Codici POD (separati da |)", "non valido", lost=(), stored_site={"pod_codes": None}),
    Case("potenza_impegnata_negativa", setv("sites", 0, "contracted_power_kw", -50), SITES, 2,
         "Potenza impegnata (kW)", "potenza impegnata «-50» negativo", lost=(),
         stored_site={"contracted_power_kw": None}),
    Case("turno_sconosciuto", setv("sites", 0, "shift_pattern", "4x5"), SITES, 2, "Turni di lavoro",
         "turno «4x5» non previsto", lost=(), stored_site={"shift_pattern": None}),
    Case("superficie_tetto_testo", setv("sites", 0, "roof_area_m2", "ampia"), SITES, 2,
         "Superficie di copertura disponibile per FV (m²)", "non numerico", lost=(),
         stored_site={"roof_area_m2": None, "roof_azimuth_deg": 180}),
    Case("inclinazione_oltre_90", setv("sites", 0, "roof_tilt_deg", 95), SITES, 2,
         "Inclinazione copertura (°, 0 = piana)", "fuori dall'intervallo", lost=(),
         stored_site={"roof_tilt_deg": None}),
    Case("orientamento_oltre_360", setv("sites", 0, "roof_azimuth_deg", 400), SITES, 2,
         "Orientamento copertura (° da nord, 180 = sud)", "fuori dall'intervallo", lost=(),
         stored_site={"roof_azimuth_deg": None}),
    Case("fv_esistente_negativo", setv("sites", 0, "existing_pv_kw", -10), SITES, 2,
         "FV esistente (kWp)", "negativo", lost=(), stored_site={"existing_pv_kw": None}),
    Case("scambio_sul_posto_non_si_no", setv("sites", 0, "net_metering", "forse"), SITES, 2,
         "Scambio sul posto attivo (sì/no)", "valore «forse» non è sì o no", lost=(),
         stored_site={"net_metering": None}),
    Case("energia_sul_sito_scartato", lambda d: d["sites"][1].update(lat=4.56, roof_tilt_deg=95),
         SITES, 3, "Inclinazione copertura (°, 0 = piana)", "fuori dall'intervallo",
         lost=((SITES, 3), (IN, 5), (OUT, 4)), also=((SITES, 3, "Latitudine"),)),
    # --- Ingressi
    Case("quantita_negativa", setv("inputs", 0, "quantity", -5), IN, 2, "Quantità annua", "non positiva"),
    Case("quantita_zero", setv("inputs", 0, "quantity", 0), IN, 2, "Quantità annua", "non positiva"),
    Case("quantita_testo", setv("inputs", 0, "quantity", "molta"), IN, 2, "Quantità annua",
         "valore «molta» non numerico"),
    Case("quantita_mancante", setv("inputs", 1, "quantity", None), IN, 3, "Quantità annua",
         "campo obbligatorio vuoto"),
    Case("unita_sconosciuta", setv("inputs", 0, "unit", "barili"), IN, 2, "Unità",
         "unità «barili» non riconosciuta"),
    Case("unita_non_della_matrice", setv("inputs", 2, "unit", "kg"), IN, 4, "Unità",
         "non valida per la matrice acqua"),
    Case("combustibile_non_indicato", setv("inputs", 4, "description", "carburante dei mezzi"), IN, 6,
         "Unità", "combustibile non riconosciuto"),
    Case("matrice_sconosciuta", setv("inputs", 1, "matrix", "elettricità"), IN, 3, "Matrice",
         "valore «elettricità» non previsto"),
    Case("stato_sconosciuto", setv("inputs", 3, "state", "plasma"), IN, 5, "Stato fisico", "non previsto"),
    Case("qualita_acqua_sconosciuta", setv("inputs", 2, "water_quality", "torbida"), IN, 4,
         "Qualità acqua", "non previsto"),
    Case("sito_inesistente", setv("inputs", 1, "site_code", "S9"), IN, 3, "Codice sito",
         "sito «S9» non presente nel foglio Siti"),
    Case("profilo_non_somma_uno", setv("inputs", 2, "monthly_profile", [0.1] * 12), IN, 4,
         PROFILE_COLUMNS, "sommano a 1.2"),
    Case("profilo_incompleto", setv("inputs", 2, "monthly_profile", [0.1] * 10 + [None, 0.0]), IN, 4,
         PROFILE_COLUMNS, "profilo mensile incompleto: mancano Nov"),
    Case("quota_mensile_testo", setv("inputs", 2, "monthly_profile", [0.1, 0.1, "metà"] + [0.1] * 9),
         IN, 4, "Mar", "non numerico"),
    Case("anno_implausibile", setv("inputs", 0, "year", 1850), IN, 2, "Anno", "fuori dall'intervallo"),
    Case("anno_non_intero", setv("inputs", 0, "year", 2024.5), IN, 2, "Anno", "non intero"),
    Case("costo_negativo", setv("inputs", 0, "unit_cost_eur", -0.45), IN, 2, "Costo unitario (€/unità)",
         "negativo"),
    Case("riga_duplicata", append("inputs", 1), IN, 7, WHOLE_ROW, "duplicato della riga 3"),
    Case("descrizione_mancante", setv("inputs", 1, "description", None), IN, 3, "Descrizione",
         "campo obbligatorio vuoto"),
    Case("eer_ingresso_malformato", setv("inputs", 3, "eer_code", "12345"), IN, 5,
         "Codice EER (se rifiuto in ingresso)", "non nel formato a 6 cifre"),
    # --- Uscite
    Case("eer_inesistente", setv("outputs", 0, "eer_code", "99 99 99"), OUT, 2, "Codice EER",
         "inesistente nell'elenco europeo dei rifiuti"),
    Case("asterisco_su_non_pericoloso", setv("outputs", 0, "eer_code", "10 02 02*"), OUT, 2,
         "Codice EER", "con asterisco, ma nell'elenco non è pericoloso"),
    Case("pericoloso_senza_asterisco", setv("outputs", 1, "eer_code", "10 02 07"), OUT, 3,
         "Codice EER", "senza asterisco, ma nell'elenco è pericoloso"),
    Case("rifiuto_senza_eer", setv("outputs", 1, "eer_code", None), OUT, 3, "Codice EER",
         "codice EER mancante per un rifiuto (destino D15)"),
    Case("rifiuto_senza_destinatario_ne_eer", setv("outputs", 5, "counterpart", None), OUT, 7,
         "Codice EER", "nessun destinatario indicato"),
    Case("destino_sconosciuto", setv("outputs", 0, "current_fate", "R14"), OUT, 2,
         "Destino attuale (codice R/D)", "non è un codice R o D"),
    Case("temperatura_implausibile", setv("outputs", 3, "temperature_c", 3000), OUT, 5,
         "Temperatura (°C)", "fuori dall'intervallo"),
    Case("temperatura_testo", setv("outputs", 4, "temperature_c", "tiepida"), OUT, 6,
         "Temperatura (°C)", "non numerico"),
    Case("costo_smaltimento_negativo", setv("outputs", 0, "unit_cost_eur", -35), OUT, 2,
         "Costo di smaltimento o trattamento (€/unità)", "negativo"),
]


def _encrypted_ole() -> bytes:
    """The shape of a password-protected .xlsx: an OLE2 compound file holding the
    ``EncryptionInfo`` and ``EncryptedPackage`` streams."""
    directory = "EncryptionInfo".encode("utf-16-le") + b"\0" * 50 + "EncryptedPackage".encode("utf-16-le")
    return OLE_MAGIC + b"\0" * 504 + directory + b"\0" * 2048


def _workbook_without(sheet: str):
    def make(path: Path, data: dict):
        _write(path, data)
        wb = openpyxl.load_workbook(path)
        del wb[sheet]
        wb.save(path)
    return make


def _edit_cell(sheet: str, cell: str, value):
    def make(path: Path, data: dict):
        _write(path, data)
        wb = openpyxl.load_workbook(path)
        wb[sheet][cell] = value
        wb.save(path)
    return make


def _raw(content: bytes):
    def make(path: Path, data: dict):
        path.write_bytes(content)
    return make


def _empty_workbook(path: Path, data: dict):
    openpyxl.Workbook().save(path)


def _truncated(path: Path, data: dict):
    _write(path, data)
    path.write_bytes(path.read_bytes()[:3000])


def _other_zip(path: Path, data: dict):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")


def _company_change(**changes):
    def make(path: Path, data: dict):
        data["company"].update(changes)
        _write(path, data)
    return make


@dataclass
class FileCase:
    """A whole file refused: the reason and where, if the reason is a cell."""

    id: str
    make: Callable[[Path, dict], None]
    fragment: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    suffix: str = ".xlsx"


FILE_CASES = [
    FileCase("zero_byte", _raw(b""), "file vuoto (0 byte)"),
    FileCase("csv_rinominato", _raw("Ragione sociale;Partita IVA\nAcme;123\n".encode()),
             "sembra un file di testo o CSV rinominato"),
    FileCase("protetto_da_password", _raw(_encrypted_ole()), "protetta da password"),
    FileCase("xls_vecchio_formato", _raw(OLE_MAGIC + b"\0" * 4000), "Excel 97-2003 (.xls) non supportato",
             suffix=".xls"),
    FileCase("binario_sconosciuto", _raw(bytes(range(256)) * 8), "formato sconosciuto"),
    FileCase("zip_non_excel", _other_zip, "danneggiato o non leggibile"),
    FileCase("xlsx_troncato", _truncated, "non leggibile"),
    FileCase("cartella_vuota", _empty_workbook, "cartella di lavoro vuota"),
    FileCase("foglio_mancante", _workbook_without(OUT), "fogli mancanti: Uscite"),
    FileCase("intestazione_diversa", _edit_cell(IN, "D1", "Quantità"),
             "foglio Ingressi, colonna D: attesa l'intestazione «Quantità annua», trovata «Quantità»"),
    FileCase("etichetta_azienda_diversa", _edit_cell(COMPANY, "A3", "Codice fiscale"),
             "foglio Azienda, cella A3: atteso il campo «Partita IVA»"),
    FileCase("partita_iva_errata", _company_change(vat_number="12345678901"), "cifra di controllo errata",
             COMPANY, 3, "Partita IVA"),
    FileCase("partita_iva_corta", _company_change(vat_number="1234567"), "di 7 cifre invece di 11",
             COMPANY, 3, "Partita IVA"),
    FileCase("ragione_sociale_mancante", _company_change(name=None), "campo obbligatorio vuoto",
             COMPANY, 2, "Ragione sociale"),
    FileCase("modello_non_compilato", lambda path, data: spec.write_questionnaire(path),
             "campo obbligatorio vuoto", COMPANY, 2, "Ragione sociale"),
]


def _write(path: Path, data: dict) -> Path:
    return spec.write_questionnaire(path, data["company"], data["sites"], data["inputs"], data["outputs"])


def _file_name(prefix: str, case_id: str, suffix: str = ".xlsx") -> str:
    return f"{prefix}_{case_id}{suffix}"


def _expected_rows(data: dict) -> set[tuple[str, int]]:
    rows = {(SITES, i + 2) for i, r in enumerate(data["sites"]) if r}
    rows |= {(IN, i + 2) for i, r in enumerate(data["inputs"]) if r}
    rows |= {(OUT, i + 2) for i, r in enumerate(data["outputs"]) if r}
    return rows


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    """Write every case into one folder with a control file, ingest once, read the store."""
    root = tmp_path_factory.mktemp("bad_inputs")
    folder = root / "questionari"
    folder.mkdir()
    datas = {}
    _write(folder / "00_controllo.xlsx", good_data(0))
    for number, case in enumerate(CASES, start=1):
        data = good_data(number)
        case.mutate(data)
        datas[case.id] = data
        _write(folder / _file_name("riga", case.id), data)
    for number, case in enumerate(FILE_CASES, start=500):
        case.make(folder / _file_name("file", case.id, case.suffix), good_data(number))
    settings = load_settings(root / "data", key="test-key")
    result = ingest_folder(settings, folder, progress=False)
    with connect(settings) as con:
        store = {t: con.execute(f"SELECT * FROM {t}").df()
                 for t in ("companies", "sites", "flows", "quarantine", "audit_log", "questionnaire_files")}
    return {"result": result, "store": store, "datas": datas,
            "by_file": {f.file: f for f in result.files}}


def test_catalogue_is_large_enough():
    assert len({c.id for c in CASES}) + len({c.id for c in FILE_CASES}) >= 20
    assert len({c.id for c in CASES}) == len(CASES)


def test_control_file_is_ingested_whole(ingested):
    control = ingested["by_file"]["00_controllo.xlsx"]
    assert control.status == INGESTED and control.problems == []
    flows = ingested["store"]["flows"]
    assert (flows["company_id"] == control.company_id).sum() == 11
    sites = ingested["store"]["sites"]
    assert (sites["company_id"] == control.company_id).sum() == 2
    s1 = sites[(sites["company_id"] == control.company_id) & (sites["source_row"] == 2)].iloc[0]
    assert (s1["pod_codes"], s1["shift_pattern"], s1["roof_tilt_deg"]) == ("IT001E12345678|IT001E87654321", "2x5", 0)


def _assert_names_place(problem: pd.Series, file: str, sheet: str, row: int, column: str):
    message = problem["message"]
    assert file in message
    assert f"foglio {sheet}" in message
    assert f"riga {row}" in message
    assert f"«{column}»" in message


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_cell_is_reported_and_nothing_valid_is_lost(ingested, case):
    file = _file_name("riga", case.id)
    outcome = ingested["by_file"][file]
    assert outcome.status == case.status, outcome.message
    problems = ingested["result"].problems
    mine = problems[problems["file"] == file]

    # the problem names file, sheet, row and column, in Italian
    hit = mine[(mine["sheet"] == case.sheet) & (mine["row"] == case.row) & (mine["column"] == case.column)]
    assert len(hit) >= 1, mine[["sheet", "row", "column", "message"]].to_string()
    assert case.fragment in hit.iloc[0]["message"], hit.iloc[0]["message"]
    assert hit.iloc[0]["expected"]
    _assert_names_place(hit.iloc[0], file, case.sheet, case.row, case.column)
    for sheet, row, column in case.also:
        assert ((mine["sheet"] == sheet) & (mine["row"] == row) & (mine["column"] == column)).any()

    # it is in the quarantine table of the store
    quarantine = ingested["store"]["quarantine"]
    assert ((quarantine["file_name"] == file) & (quarantine["sheet"] == case.sheet)
            & (quarantine["row"] == case.row) & (quarantine["column"] == case.column)).any()

    # every other row of the file is in the store
    company_id = outcome.company_id
    store = ingested["store"]
    stored = {(SITES, int(r)) for r in store["sites"].loc[store["sites"]["company_id"] == company_id, "source_row"]}
    flows = store["flows"][store["flows"]["company_id"] == company_id]
    stored |= {(s, int(r)) for s, r in zip(flows["source_sheet"], flows["source_row"])}
    expected = set() if case.lost == (("*", "*"),) else _expected_rows(ingested["datas"][case.id]) - set(case.lost)
    assert stored == expected
    assert outcome.rows_accepted == len(expected)

    # quarantined company fields are stored as NULL (or their safe default)
    company = store["companies"].set_index("company_id").loc[company_id]
    for column, value in case.stored_company.items():
        assert (pd.isna(company[column]) if value is None else company[column] == value), column
    # a quarantined site attribute is NULL, the rest of the site as declared
    if case.stored_site:
        sites = store["sites"]
        site = sites[(sites["company_id"] == company_id) & (sites["source_row"] == case.row)].iloc[0]
        assert "il sito è acquisito" in hit.iloc[0]["message"]
        for column, value in case.stored_site.items():
            assert (pd.isna(site[column]) if value is None else site[column] == value), column


@pytest.mark.parametrize("case", FILE_CASES, ids=[c.id for c in FILE_CASES])
def test_refused_file_is_reported_and_leaves_no_trace(ingested, case):
    file = _file_name("file", case.id, case.suffix)
    outcome = ingested["by_file"][file]
    assert outcome.status == REJECTED
    assert outcome.problems, "a refused file must say why"
    problems = ingested["result"].problems
    mine = problems[problems["file"] == file]
    if case.sheet is None:  # the whole file: one line with the reason
        assert len(mine) == 1
        assert mine.iloc[0]["message"].startswith(f"{file}: ")
        assert case.fragment in mine.iloc[0]["message"], mine.iloc[0]["message"]
    else:
        hit = mine[(mine["sheet"] == case.sheet) & (mine["row"] == case.row) & (mine["column"] == case.column)]
        assert len(hit) == 1, mine.to_string()
        assert case.fragment in hit.iloc[0]["message"]
        _assert_names_place(hit.iloc[0], file, case.sheet, case.row, case.column)
    store = ingested["store"]
    assert not (store["quarantine"]["file_name"] == file).any()
    assert not (store["audit_log"]["target"] == file).any()
    assert not (store["questionnaire_files"]["file_name"] == file).any()
    assert not (store["companies"]["source_file"] == file).any()


def test_a_folder_of_refused_files_leaves_the_store_empty(tmp_path):
    folder = tmp_path / "questionari"
    folder.mkdir()
    for number, case in enumerate(FILE_CASES):
        case.make(folder / _file_name("file", case.id, case.suffix), good_data(number))
    settings = load_settings(tmp_path / "data", key="test-key")
    result = ingest_folder(settings, folder, progress=False)
    assert {f.status for f in result.files} == {REJECTED}
    with connect(settings) as con:
        for table in ("company_ids", "companies", "sites", "flows", "quarantine", "audit_log",
                      "questionnaire_files"):
            assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table


def test_every_bad_file_counted(ingested):
    result = ingested["result"]
    assert result.count(REJECTED) == len(FILE_CASES)
    assert result.count(INGESTED) + result.count(NO_NDA) == len(CASES) + 1
