"""The questionnaire format: sheets, Italian labels, canonical column names, and the writer.

One workbook per company. The ``Azienda`` sheet is a form (label in column A, value in
column B); ``Siti``, ``Ingressi`` and ``Uscite`` are tables with a header in row 1 and
one row per site or flow from row 2. A hidden ``Liste`` sheet feeds the drop-downs.

Versions
--------
- **1.0**: the foundation format.
- **1.1**: optional energy fields appended at the end (issue 7): in ``Siti`` the POD
  (count and codes), contracted power, shift pattern, roof available for PV (area, tilt,
  azimuth), existing PV, Scambio sul Posto and municipality; in ``Azienda`` the link to
  a large group. New fields are only ever *appended*, and only optional ones, so that the
  reader still accepts a questionnaire of an earlier version: its missing trailing fields
  are empty.

The same :func:`write_questionnaire` writes the empty template
(``workbench template OUT.xlsx``) and the filled questionnaires of the demo cluster, so
the reader always meets exactly the format it was written in.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..model import FATE_CODES, MATRICES, STATES, WATER_QUALITIES, CONSENTS

TEMPLATE_VERSION = "1.1"

SHEET_INSTRUCTIONS = "Istruzioni"
SHEET_COMPANY = "Azienda"
SHEET_SITES = "Siti"
SHEET_INPUTS = "Ingressi"
SHEET_OUTPUTS = "Uscite"
SHEET_LISTS = "Liste"
REQUIRED_SHEETS = (SHEET_COMPANY, SHEET_SITES, SHEET_INPUTS, SHEET_OUTPUTS)

MONTHS_IT = ("Gen", "Feb", "Mar", "Apr", "Mag", "Giu", "Lug", "Ago", "Set", "Ott", "Nov", "Dic")

#: Units a company may declare, by matrix (converted to t, m3, MWh on ingest).
UNITS_BY_MATRIX: dict[str, tuple[str, ...]] = {
    "materia": ("t", "kg", "q"),
    "acqua": ("m3", "L", "1000 m3"),
    "energia": ("MWh", "kWh", "GJ", "tep", "Sm3", "t", "L"),
}
ALL_UNITS: tuple[str, ...] = tuple(dict.fromkeys(u for us in UNITS_BY_MATRIX.values() for u in us))


@dataclass(frozen=True)
class Field:
    """One questionnaire field: canonical name, Italian label, type, and whether required."""

    name: str
    label: str
    kind: str  # text | int | float | date | code | bool
    required: bool = False
    help: str = ""


COMPANY_FIELDS: tuple[Field, ...] = (
    Field("name", "Ragione sociale", "text", True),
    Field("vat_number", "Partita IVA", "text", True, "11 cifre"),
    Field("ateco", "Codice ATECO prevalente", "text", True, "es. 19.20"),
    Field("employees", "Addetti (ULA)", "float", True, "unità di lavoro annue"),
    Field("turnover_eur", "Fatturato annuo (€)", "float"),
    Field("balance_sheet_eur", "Totale di bilancio (€)", "float"),
    Field("nda_signed_on", "Data firma accordo di riservatezza (NDA)", "date", False,
          "gg/mm/aaaa; senza NDA i dati non sono elaborati"),
    Field("consent", "Consenso alla citazione", "code", False, "riservato (predefinito) o nominativo"),
    Field("joined_on", "Data adesione al programma", "date"),
    Field("reference_year", "Anno di riferimento dei dati", "int", True),
    # 1.1 (issue 7): appended, optional
    Field("large_group", "Collegata o associata a un grande gruppo (sì/no)", "bool", False,
          "sì se l'azienda è collegata o associata a un grande gruppo (raccomandazione "
          "UE 2003/361): conta come grande impresa per la CER"),
)

SITE_FIELDS: tuple[Field, ...] = (
    Field("site_code", "Codice sito", "text", True, "es. S1"),
    Field("name", "Nome sito", "text", True),
    Field("address", "Indirizzo", "text"),
    Field("lat", "Latitudine", "float", True, "gradi decimali WGS84"),
    Field("lon", "Longitudine", "float", True, "gradi decimali WGS84"),
    Field("cabina_primaria", "Cabina primaria", "text", False, "codice della cabina primaria"),
    # 1.1 (issue 7): energy fields, appended, optional
    Field("pod_count", "Numero di POD", "int", False, "punti di prelievo elettrici del sito"),
    Field("pod_codes", "Codici POD (separati da |)", "text", False,
          "es. IT001E12345678|IT001E87654321 (in bolletta)"),
    Field("contracted_power_kw", "Potenza impegnata (kW)", "float", False, "somma dei POD [kW]"),
    Field("shift_pattern", "Turni di lavoro", "code", False,
          "turni x giorni lavorativi a settimana, es. 2x5 (elenco a discesa)"),
    Field("roof_area_m2", "Superficie di copertura disponibile per FV (m²)", "float", False,
          "tetti e pensiline liberi [m²]"),
    Field("roof_tilt_deg", "Inclinazione copertura (°, 0 = piana)", "float", False, "0-90 [°]"),
    Field("roof_azimuth_deg", "Orientamento copertura (° da nord, 180 = sud)", "float", False,
          "0-360 [°], 90 = est, 180 = sud, 270 = ovest"),
    Field("existing_pv_kw", "FV esistente (kWp)", "float", False, "impianti già installati [kWp]"),
    Field("net_metering", "Scambio sul posto attivo (sì/no)", "bool", False,
          "sì se un POD del sito è in Scambio sul Posto (SSP)"),
    Field("comune", "Comune", "text", False, "comune del sito"),
)

_MONTH_FIELDS = tuple(Field(f"m{i:02d}", m, "float", False, "quota del mese (somma 1)")
                      for i, m in enumerate(MONTHS_IT, start=1))

INPUT_FIELDS: tuple[Field, ...] = (
    Field("site_code", "Codice sito", "text", True),
    Field("matrix", "Matrice", "code", True, "materia, acqua o energia"),
    Field("description", "Descrizione", "text", True),
    Field("quantity", "Quantità annua", "float", True),
    Field("unit", "Unità", "code", True),
    Field("year", "Anno", "int", False, "se vuoto: anno di riferimento"),
    Field("state", "Stato fisico", "code"),
    Field("temperature_c", "Temperatura (°C)", "float"),
    Field("water_quality", "Qualità acqua", "code"),
    Field("unit_cost_eur", "Costo unitario (€/unità)", "float"),
    Field("counterpart", "Fornitore / origine", "text"),
    Field("eer_code", "Codice EER (se rifiuto in ingresso)", "code"),
) + _MONTH_FIELDS

OUTPUT_FIELDS: tuple[Field, ...] = (
    Field("site_code", "Codice sito", "text", True),
    Field("matrix", "Matrice", "code", True, "materia, acqua o energia"),
    Field("description", "Descrizione", "text", True),
    Field("eer_code", "Codice EER", "code", False, "obbligatorio per i rifiuti"),
    Field("quantity", "Quantità annua", "float", True),
    Field("unit", "Unità", "code", True),
    Field("year", "Anno", "int", False, "se vuoto: anno di riferimento"),
    Field("state", "Stato fisico", "code"),
    Field("temperature_c", "Temperatura (°C)", "float"),
    Field("water_quality", "Qualità acqua", "code"),
    Field("unit_cost_eur", "Costo di smaltimento o trattamento (€/unità)", "float"),
    Field("current_fate", "Destino attuale (codice R/D)", "code"),
    Field("counterpart", "Destinatario attuale", "text"),
) + _MONTH_FIELDS

TABLE_FIELDS: dict[str, tuple[Field, ...]] = {
    SHEET_SITES: SITE_FIELDS, SHEET_INPUTS: INPUT_FIELDS, SHEET_OUTPUTS: OUTPUT_FIELDS,
}

INSTRUCTIONS_IT = (
    "Questionario del Gruppo Simbiosi Industriale di Livorno",
    f"Versione del modello: {TEMPLATE_VERSION}",
    "",
    "1. Compilate il foglio 'Azienda' (colonna B) e un rigo per ogni sito nel foglio 'Siti'.",
    "2. Nel foglio 'Ingressi' un rigo per ogni materia, acqua o energia che entra nei vostri siti.",
    "3. Nel foglio 'Uscite' un rigo per ogni rifiuto, sottoprodotto, scarico idrico o calore di scarto.",
    "   Per i rifiuti indicate sempre il codice EER (6 cifre) e il destino attuale (codice R o D).",
    "4. Quantità annue con la loro unità: materia in t, kg o q; acqua in m3 o L;",
    "   energia in MWh, kWh, GJ, tep, oppure combustibili in Sm3, t o L (indicare il combustibile nella descrizione).",
    "5. Profilo mensile facoltativo: quote da Gen a Dic che sommano a 1.",
    "6. Energia (facoltativo, foglio 'Siti'): POD, potenza impegnata, turni, copertura disponibile",
    "   per il fotovoltaico (superficie, inclinazione, orientamento), FV esistente, scambio sul posto",
    "   e comune di ogni sito; servono all'analisi delle comunità energetiche (CER).",
    "7. I dati sono trattati in forma riservata secondo l'accordo di riservatezza (NDA):",
    "   nei rapporti ai finanziatori compaiono solo aggregati di almeno tre aziende.",
)


#: Answers offered by the drop-down of the ``bool`` fields (the reader accepts more
#: spellings, see :func:`workbench.ingest.validate.parse_bool`).
YES_NO: tuple[str, ...] = ("sì", "no")


def shift_pattern_codes() -> list[str]:
    """Shift patterns of the drop-down (``1x5`` … ``3x7``), from
    ``lib/energy/shift_patterns.csv`` — the table the hourly profiles use."""
    from ..energy.profiles import shift_patterns

    return shift_patterns()["shift_pattern"].astype(str).tolist()


def write_lists_sheet(workbook, lists: dict[str, list[str]], title: str = SHEET_LISTS) -> dict[str, str]:
    """Write the hidden sheet that feeds the drop-downs: one column per list.

    Returns
    -------
    dict — list name → its cell range (``Liste!$A$2:$A$4``) for a data validation.
    """
    sheet = workbook.create_sheet(title)
    ranges = {}
    for col, (name, values) in enumerate(lists.items(), start=1):
        letter = sheet.cell(row=1, column=col).column_letter
        sheet.cell(row=1, column=col, value=name)
        for r, v in enumerate(values, start=2):
            sheet.cell(row=r, column=col, value=v)
        ranges[name] = f"{title}!${letter}$2:${letter}${len(values) + 1}"
    sheet.sheet_state = "hidden"
    return ranges


def _lists(eer_codes: list[str]) -> dict[str, list[str]]:
    return {
        "matrici": list(MATRICES),
        "unita": list(ALL_UNITS),
        "stati": list(STATES),
        "qualita_acqua": list(WATER_QUALITIES),
        "destini": list(FATE_CODES),
        "consensi": list(CONSENTS),
        "eer": eer_codes,
        "turni": shift_pattern_codes(),
        "si_no": list(YES_NO),
    }


def write_questionnaire(path: str | Path, company: dict | None = None,
                        sites: list[dict] | None = None, inputs: list[dict] | None = None,
                        outputs: list[dict] | None = None) -> Path:
    """Write a questionnaire workbook; with no data, the empty template.

    Parameters
    ----------
    path : path — the ``.xlsx`` to write.
    company : dict — canonical company field → value (see :data:`COMPANY_FIELDS`).
    sites, inputs, outputs : list of dict — one dict per row, canonical names; a
        ``monthly_profile`` list of 12 shares is spread over the month columns.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    from ..reference import eer_codes

    path = Path(path)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_INSTRUCTIONS
    for i, line in enumerate(INSTRUCTIONS_IT, start=1):
        ws.cell(row=i, column=1, value=line)
    ws["A1"].font = Font(bold=True, size=14)
    ws.column_dimensions["A"].width = 110

    lists = _lists(eer_codes()["code_formatted"].tolist())  # hazardous codes keep their asterisk
    ranges = write_lists_sheet(wb, lists)

    header_fill = PatternFill("solid", fgColor="DDEBF7")
    wc = wb.create_sheet(SHEET_COMPANY, 1)
    wc.cell(row=1, column=1, value="Campo").font = Font(bold=True)
    wc.cell(row=1, column=2, value="Valore").font = Font(bold=True)
    wc.cell(row=1, column=3, value="Note").font = Font(bold=True)
    company = company or {}
    for r, f in enumerate(COMPANY_FIELDS, start=2):
        wc.cell(row=r, column=1, value=f.label + (" *" if f.required else "")).fill = header_fill
        wc.cell(row=r, column=2, value=company.get(f.name))
        wc.cell(row=r, column=3, value=f.help)
    company_drop_downs = {"consent": "consensi", "large_group": "si_no"}
    for name, list_name in company_drop_downs.items():
        row = 2 + [f.name for f in COMPANY_FIELDS].index(name)
        dv = DataValidation(type="list", formula1=ranges[list_name], allow_blank=True)
        wc.add_data_validation(dv)
        dv.add(f"B{row}")
    wc.column_dimensions["A"].width = 45
    wc.column_dimensions["B"].width = 30
    wc.column_dimensions["C"].width = 45

    drop_downs = {"matrix": "matrici", "unit": "unita", "state": "stati",
                  "water_quality": "qualita_acqua", "current_fate": "destini", "eer_code": "eer",
                  "shift_pattern": "turni", "net_metering": "si_no"}
    for position, (sheet, fields) in enumerate(TABLE_FIELDS.items(), start=2):
        wt = wb.create_sheet(sheet, position)
        rows = {SHEET_SITES: sites, SHEET_INPUTS: inputs, SHEET_OUTPUTS: outputs}[sheet] or []
        for c, f in enumerate(fields, start=1):
            cell = wt.cell(row=1, column=c, value=f.label + (" *" if f.required else ""))
            cell.font = Font(bold=True)
            cell.fill = header_fill
            wt.column_dimensions[cell.column_letter].width = max(10, min(40, len(f.label) + 4))
            if f.name in drop_downs:
                dv = DataValidation(type="list", formula1=ranges[drop_downs[f.name]], allow_blank=True)
                wt.add_data_validation(dv)
                dv.add(f"{cell.column_letter}2:{cell.column_letter}1000")
        for r, row in enumerate(rows, start=2):
            profile = row.get("monthly_profile")
            for c, f in enumerate(fields, start=1):
                value = row.get(f.name)
                if profile is not None and f.name.startswith("m") and f.name[1:].isdigit():
                    value = profile[int(f.name[1:]) - 1]
                if value is not None:
                    wt.cell(row=r, column=c, value=value)
        wt.freeze_panes = "A2"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
