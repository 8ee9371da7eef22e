"""The synergy register: ``registro.xlsx`` ⇄ store, and the status pipeline of a synergy.

The GSI keeps its register in one workbook with Italian sheets (:data:`SHEETS`):
``Sinergie``, ``Storico_stati``, ``Investimenti``, ``Bandi``, ``Concorsi``, ``Ricerca``,
``Occupazione``. :func:`write_register_workbook` writes it (empty: the template of
``workbench template --registro``); :func:`load_register` validates it cell by cell and
replaces the register tables of the store (``synergies``, ``synergy_status_history``,
``investments``, ``funding_calls``, ``contests``, ``research``, ``jobs``) with its valid
rows, in one transaction; every bad row goes to ``quarantine`` with a message naming
file, sheet, row and column (the same problem format as the questionnaires); the good
rows still load. One ``audit_log`` row (action ``registro``) records each load and each
status change.

References
----------
A synergy names its supplier and receiver by *partita IVA* and each flow by its
description exactly as written in that company's questionnaire (case and repeated blanks
do not matter; a flow id such as ``AZ-0003-O0005`` is accepted too). The description is
resolved to a ``flow_id`` through the store: an output (``Uscite``) of the supplier and an
input (``Ingressi``) of the receiver. A synergy may have no receiver but a *sector to
attract* (``Settore da attrarre``) instead. Companies without NDA have no flows in the
store, so they cannot appear in the register.

Status pipeline
---------------
``identificata → proposta → in_valutazione → fattibile → in_progettazione → finanziata →
realizzata → monitorata``, or ``abbandonata``. The rules (:func:`check_transition`):

- a synergy starts as ``identificata`` (found by the GSI) or ``proposta`` (brought by a
  company);
- it moves **forward only**; intermediate statuses **may be skipped** (a synergy that needs
  no design or no public money goes from ``fattibile`` straight to ``realizzata``), except
  that ``monitorata`` requires ``realizzata`` first (nothing to monitor before it runs);
- ``abbandonata`` is allowed from any status and needs a reason; it is final (a revived
  idea is registered as a new synergy, so that the pipeline counts stay honest);
- the same status twice in a row and dates going backwards are refused.

The current status of a synergy is the last entry of its history (sorted by date, then by
row order in the sheet). A synergy without any valid history entry is quarantined.

Re-loading the same file gives the same register (the register tables are replaced, and
so are the quarantine rows of the previous register load). Status changes made with
:func:`advance_status` live in the store only until the next load: write the store's
register back to a workbook with :func:`export_register` before editing it again.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from .config import Settings
from .ingest.spec import Field, write_lists_sheet
from .ingest.validate import (CellError, Problem, _choice, make_problem, parse_date,
                              parse_number, parse_text, parse_vat, problems_frame)
from .model import (ABANDONED, ALL_STATUSES, CALL_OUTCOME_ALIASES, CALL_OUTCOMES,
                    INVESTMENT_KIND_ALIASES, INVESTMENT_KINDS, MATRICES, R_CODES,
                    REGULATORY_PATHS, RESEARCH_KIND_ALIASES, RESEARCH_KINDS, STANDARD_UNIT,
                    SYNERGY_STATUSES)
from .store import audit, connect, insert_frame, transaction

REGISTER_VERSION = "1.0"
#: Action name of the register's audit-log rows.
AUDIT_ACTION = "registro"

SHEET_INSTRUCTIONS = "Istruzioni"
SHEET_SYNERGIES = "Sinergie"
SHEET_HISTORY = "Storico_stati"
SHEET_INVESTMENTS = "Investimenti"
SHEET_CALLS = "Bandi"
SHEET_CONTESTS = "Concorsi"
SHEET_RESEARCH = "Ricerca"
SHEET_JOBS = "Occupazione"
SHEET_LISTS = "Liste"

#: A synergy's first status: found by the GSI, or brought by a company.
FIRST_STATUSES: tuple[str, ...] = ("identificata", "proposta")
_YES = {"si", "sì", "s", "x", "vinto", "vinta", "yes", "true", "1"}
_NO = {"no", "n", "non_vinto", "perso", "false", "0"}


class RegisterError(Exception):
    """The register file cannot be loaded at all (one line for the user); nothing changed."""


class TransitionError(ValueError):
    """A status change that the pipeline does not allow (Italian message)."""


# --------------------------------------------------------------------------- the format
#: Sheet → fields (canonical name, Italian label, kind, required, help).
SHEETS: dict[str, tuple[Field, ...]] = {
    SHEET_SYNERGIES: (
        Field("synergy_id", "Codice sinergia", "text", True, "es. SIN-01; unico"),
        Field("description", "Descrizione", "text"),
        Field("matrix", "Matrice", "code", True, "materia, acqua o energia"),
        Field("supplier_vat", "P.IVA fornitore", "vat", True, "11 cifre"),
        Field("source_flow", "Flusso in uscita del fornitore", "text", True,
              "descrizione come nel foglio Uscite del suo questionario"),
        Field("receiver_vat", "P.IVA ricevente", "vat", False, "vuota se si cerca un'azienda da attrarre"),
        Field("target_flow", "Flusso in ingresso del ricevente", "text", False,
              "descrizione come nel foglio Ingressi del suo questionario"),
        Field("target_sector", "Settore da attrarre", "text", False, "se non c'è ricevente"),
        Field("quantity_std", "Quantità annua scambiata (t, m3 o MWh)", "float", False,
              "nell'unità standard della matrice"),
        Field("regulatory_path", "Percorso normativo", "code", False,
              "sottoprodotto, end_of_waste, recupero_rifiuto, non_rifiuto"),
        Field("r_code", "Codice R", "code", False, "R1-R13; obbligatorio per recupero_rifiuto"),
        Field("net_benefit_eur", "Beneficio netto annuo (€)", "float", False, "stima"),
        Field("co2e_avoided_t", "CO2e evitata (t/anno)", "float", False, "stima"),
    ),
    SHEET_HISTORY: (
        Field("synergy_id", "Codice sinergia", "text", True),
        Field("status", "Stato", "code", True, " → ".join(SYNERGY_STATUSES) + ", o abbandonata"),
        Field("changed_on", "Data", "date", True, "gg/mm/aaaa"),
        Field("reason", "Motivo", "text", False, "obbligatorio per abbandonata"),
        Field("actor", "Operatore", "text"),
    ),
    SHEET_INVESTMENTS: (
        Field("investment_id", "Codice investimento", "text", True),
        Field("synergy_id", "Codice sinergia", "text", False),
        Field("amount_eur", "Importo (€)", "float", True),
        Field("kind", "Tipo", "code", True, "privato o pubblico"),
        Field("invested_on", "Data", "date", True, "gg/mm/aaaa"),
        Field("note", "Note", "text"),
    ),
    SHEET_CALLS: (
        Field("call_id", "Codice domanda", "text", True),
        Field("programme", "Programma", "text", True, "es. PR FESR Toscana 2021-2027, LIFE, PNRR M2C2"),
        Field("call_name", "Bando", "text", True),
        Field("synergy_id", "Codice sinergia", "text", False),
        Field("deadline", "Scadenza", "date", False, "gg/mm/aaaa"),
        Field("submitted_on", "Data presentazione", "date", False, "gg/mm/aaaa"),
        Field("outcome", "Esito", "code", False, "in_attesa, vinta o respinta"),
        Field("requested_eur", "Contributo richiesto (€)", "float", False),
        Field("granted_eur", "Contributo concesso (€)", "float", False),
    ),
    SHEET_CONTESTS: (
        Field("contest_id", "Codice", "text", True),
        Field("name", "Concorso o premio", "text", True),
        Field("submitted_on", "Data candidatura", "date", False, "gg/mm/aaaa"),
        Field("won", "Vinto", "bool", False, "sì, no, o vuoto se in attesa"),
    ),
    SHEET_RESEARCH: (
        Field("research_id", "Codice", "text", True),
        Field("kind", "Tipo", "code", True, "progetto o brevetto"),
        Field("title", "Titolo", "text", True),
        Field("started_on", "Data di avvio o deposito", "date", False, "gg/mm/aaaa"),
    ),
    SHEET_JOBS: (
        Field("job_id", "Codice", "text", True),
        Field("company_vat", "P.IVA azienda", "vat", False, "azienda dove è nato il lavoro"),
        Field("synergy_id", "Codice sinergia", "text", False),
        Field("fte", "Occupati aggiunti (ETP)", "float", True, "equivalenti tempo pieno"),
        Field("created_on", "Data", "date", True, "gg/mm/aaaa"),
    ),
}
#: Record keys of :func:`write_register_workbook` → sheet.
RECORD_SHEETS: dict[str, str] = {
    "synergies": SHEET_SYNERGIES, "history": SHEET_HISTORY, "investments": SHEET_INVESTMENTS,
    "funding_calls": SHEET_CALLS, "contests": SHEET_CONTESTS, "research": SHEET_RESEARCH,
    "jobs": SHEET_JOBS,
}
#: Store tables replaced by a load, in deletion order.
REGISTER_TABLES: tuple[str, ...] = ("synergy_status_history", "investments", "funding_calls",
                                    "contests", "research", "jobs", "synergies")

INSTRUCTIONS_IT = (
    "Registro delle sinergie del Gruppo Simbiosi Industriale di Livorno",
    f"Versione del modello: {REGISTER_VERSION}",
    "",
    "Sinergie: una riga per sinergia. Fornitore e ricevente per partita IVA; il flusso con la",
    "  descrizione scritta nel questionario dell'azienda (foglio Uscite per il fornitore,",
    "  Ingressi per il ricevente). Senza ricevente, indicare il settore da attrarre.",
    "Storico_stati: una riga per ogni cambio di stato, con la data. Ordine degli stati:",
    "  " + " → ".join(SYNERGY_STATUSES) + ".",
    "  Si parte da identificata o proposta; si avanza soltanto (saltare stati è ammesso,",
    "  ma monitorata richiede realizzata); abbandonata è ammessa da ogni stato, con il motivo,",
    "  ed è definitiva. Lo stato attuale è l'ultimo dello storico.",
    "Investimenti, Bandi, Concorsi, Ricerca, Occupazione: una riga per voce; il codice sinergia",
    "  collega la voce a una sinergia del foglio Sinergie.",
    "Le righe con errori vanno in quarantena con un messaggio; le altre sono caricate.",
    "Ricaricare il file sostituisce l'intero registro nell'archivio.",
)


def _lists() -> dict[str, list[str]]:
    return {"matrici": list(MATRICES), "stati": list(ALL_STATUSES),
            "percorsi": list(REGULATORY_PATHS), "codici_r": list(R_CODES),
            "tipi_investimento": list(INVESTMENT_KINDS), "esiti": list(CALL_OUTCOMES),
            "tipi_ricerca": list(RESEARCH_KINDS), "si_no": ["sì", "no"]}


_DROP_DOWNS = {(SHEET_SYNERGIES, "matrix"): "matrici", (SHEET_SYNERGIES, "regulatory_path"): "percorsi",
               (SHEET_SYNERGIES, "r_code"): "codici_r", (SHEET_HISTORY, "status"): "stati",
               (SHEET_INVESTMENTS, "kind"): "tipi_investimento", (SHEET_CALLS, "outcome"): "esiti",
               (SHEET_RESEARCH, "kind"): "tipi_ricerca", (SHEET_CONTESTS, "won"): "si_no"}


def write_register_workbook(path, records: dict[str, list[dict]] | None = None) -> Path:
    """Write ``registro.xlsx``; with no records, the empty template.

    Parameters
    ----------
    path : path — the ``.xlsx`` to write.
    records : dict — record key (``synergies``, ``history``, ``investments``,
        ``funding_calls``, ``contests``, ``research``, ``jobs``) → list of dicts with the
        canonical field names of :data:`SHEETS` (dates as ``date``, ``won`` as bool).

    Returns
    -------
    Path — the file written.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    records = records or {}
    unknown = set(records) - set(RECORD_SHEETS)
    if unknown:
        raise ValueError(f"unknown register record keys: {sorted(unknown)}")
    path = Path(path)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_INSTRUCTIONS
    for i, line in enumerate(INSTRUCTIONS_IT, start=1):
        ws.cell(row=i, column=1, value=line)
    ws["A1"].font = Font(bold=True, size=14)
    ws.column_dimensions["A"].width = 100

    ranges = write_lists_sheet(wb, _lists(), SHEET_LISTS)

    fill = PatternFill("solid", fgColor="E2EFDA")
    sheet_records = {sheet: records.get(key) or [] for key, sheet in RECORD_SHEETS.items()}
    for position, (sheet, fields) in enumerate(SHEETS.items(), start=1):
        wt = wb.create_sheet(sheet, position)
        for c, f in enumerate(fields, start=1):
            cell = wt.cell(row=1, column=c, value=f.label + (" *" if f.required else ""))
            cell.font = Font(bold=True)
            cell.fill = fill
            wt.column_dimensions[cell.column_letter].width = max(12, min(45, len(f.label) + 4))
            if (sheet, f.name) in _DROP_DOWNS:
                dv = DataValidation(type="list", formula1=ranges[_DROP_DOWNS[sheet, f.name]],
                                    allow_blank=True)
                wt.add_data_validation(dv)
                dv.add(f"{cell.column_letter}2:{cell.column_letter}1000")
        for r, record in enumerate(sheet_records[sheet], start=2):
            for c, f in enumerate(fields, start=1):
                value = record.get(f.name)
                if f.kind == "bool" and isinstance(value, bool):
                    value = "sì" if value else "no"
                if value is not None:
                    cell = wt.cell(row=r, column=c, value=value)
                    if f.kind == "date":
                        cell.number_format = "DD/MM/YYYY"
        wt.freeze_panes = "A2"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


# --------------------------------------------------------------------------- transitions
def check_transition(current: str | None, new: str, *, last_date: date | None = None,
                     on: date | None = None, reason: str | None = None) -> None:
    """Refuse a status change that the pipeline does not allow.

    Parameters
    ----------
    current : str or None — the synergy's status now (None: a new synergy).
    new : str — the status to move to.
    last_date : date, optional — date of the last status change.
    on : date, optional — date of this change.
    reason : str, optional — why; required for ``abbandonata``.

    Raises
    ------
    TransitionError — with an Italian message saying what is allowed.
    """
    if new not in ALL_STATUSES:
        raise TransitionError(f"stato «{new}» sconosciuto: uno di {', '.join(ALL_STATUSES)}")
    if on is not None and last_date is not None and on < last_date:
        raise TransitionError(f"data {on:%d/%m/%Y} precedente all'ultimo cambio di stato "
                              f"({last_date:%d/%m/%Y}): le date dello storico non tornano indietro")
    if current is None:
        if new not in FIRST_STATUSES:
            raise TransitionError(f"una sinergia nuova parte da «identificata» o «proposta», "
                                  f"non da «{new}»")
        return
    if current == ABANDONED:
        raise TransitionError("sinergia già abbandonata: nessun altro cambio di stato "
                              "(registrare una nuova sinergia per riprenderla)")
    if new == ABANDONED:
        if reason is None or not str(reason).strip():
            raise TransitionError("per passare ad «abbandonata» serve il motivo")
        return
    if new == current:
        raise TransitionError(f"la sinergia è già nello stato «{current}»")
    if SYNERGY_STATUSES.index(new) < SYNERGY_STATUSES.index(current):
        raise TransitionError(f"passaggio all'indietro «{current}» → «{new}» non ammesso: "
                              "gli stati avanzano solo in avanti (o «abbandonata»)")
    if new == "monitorata" and current != "realizzata":
        raise TransitionError(f"«monitorata» richiede prima «realizzata» (stato attuale «{current}»)")


def allowed_transitions(current: str | None) -> tuple[str, ...]:
    """Statuses a synergy in ``current`` may move to (for drop-downs of the widgets)."""
    allowed = []
    for new in ALL_STATUSES:
        try:
            check_transition(current, new, reason="-")
        except TransitionError:
            continue
        allowed.append(new)
    return tuple(allowed)


def advance_status(con, synergy_id: str, new_status: str, on, reason: str | None = None,
                   actor: str | None = None) -> dict:
    """Move a synergy of the store to a new status, after :func:`check_transition`.

    Runs its own transaction (history row, current status of ``synergies``, audit row).

    Parameters
    ----------
    con : DuckDB connection — an open store (``with store.connect(settings) as con``).
    synergy_id : str
    new_status : str — one of :data:`workbench.model.ALL_STATUSES`.
    on : date or str — day of the change (``gg/mm/aaaa`` or ISO accepted).
    reason : str, optional — required for ``abbandonata``.
    actor : str, optional — who made the change (default: the system user).

    Returns
    -------
    dict — ``synergy_id``, ``status``, ``changed_on``, ``previous``.

    Raises
    ------
    TransitionError — unknown synergy, bad date or a transition the pipeline forbids.
    """
    try:
        day = parse_date(on)
    except CellError as error:
        raise TransitionError(str(error)) from None
    row = con.execute("SELECT status FROM synergies WHERE synergy_id = ?", [synergy_id]).fetchone()
    if row is None:
        raise TransitionError(f"sinergia «{synergy_id}» inesistente nel registro")
    current = row[0]
    last = con.execute("SELECT max(changed_on) FROM synergy_status_history WHERE synergy_id = ?",
                       [synergy_id]).fetchone()[0]
    check_transition(current, new_status, last_date=last, on=day, reason=reason)
    reason = str(reason).strip() if reason is not None and str(reason).strip() else None
    with transaction(con):
        con.execute("INSERT INTO synergy_status_history VALUES (?, ?, ?, ?, ?)",
                    [synergy_id, new_status, day, reason, actor])
        con.execute("UPDATE synergies SET status = ?, status_since = ?, abandoned_reason = ? "
                    "WHERE synergy_id = ?",
                    [new_status, day, reason if new_status == ABANDONED else None, synergy_id])
        audit(con, AUDIT_ACTION, actor=actor, target=synergy_id,
              detail=f"stato «{current}» → «{new_status}» dal {day:%d/%m/%Y}"
                     + (f": {reason}" if reason else ""))
    return {"synergy_id": synergy_id, "status": new_status, "changed_on": day, "previous": current}


# --------------------------------------------------------------------------- reading
@dataclass
class RegisterSheets:
    """Raw rows of a register workbook: sheet → list of (Excel row, {field: raw value})."""

    file: str
    file_hash: str
    rows: dict[str, list[tuple[int, dict]]]


def _label_key(text) -> str:
    return re.sub(r"\s+", " ", str(text).replace("*", "")).strip().casefold()


def read_register(path) -> RegisterSheets:
    """Read the sheets of a register workbook (no validation beyond the layout).

    Raises
    ------
    RegisterError — unreadable file, not a workbook, a missing sheet or required column.
    """
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RegisterError(f"registro illeggibile {path}: {exc.strerror or exc}") from None
    if not data:
        raise RegisterError(f"registro {path.name}: file vuoto (0 byte)")
    try:
        import io
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError) as exc:
        raise RegisterError(f"registro {path.name}: non è una cartella di lavoro Excel .xlsx "
                            f"leggibile ({type(exc).__name__})") from None
    try:
        missing = [s for s in SHEETS if s not in wb.sheetnames]
        if missing:
            raise RegisterError(f"registro {path.name}: mancano i fogli {', '.join(missing)} "
                                f"(attesi: {', '.join(SHEETS)})")
        rows = {}
        for sheet, fields in SHEETS.items():
            rows[sheet] = _sheet_rows(path.name, sheet, fields, wb[sheet])
    finally:
        wb.close()
    return RegisterSheets(path.name, hashlib.sha256(data).hexdigest(), rows)


def _sheet_rows(file: str, sheet: str, fields, ws) -> list[tuple[int, dict]]:
    iterator = ws.iter_rows(values_only=True)
    header = next(iterator, None) or ()
    by_label = {}
    for f in fields:
        by_label[_label_key(f.label)] = f.name
        by_label[f.name.casefold()] = f.name
    columns = {}
    for index, label in enumerate(header):
        if label is not None and _label_key(label) in by_label:
            columns.setdefault(by_label[_label_key(label)], index)
    missing = [f.label for f in fields if f.required and f.name not in columns]
    if missing:
        raise RegisterError(f"registro {file}, foglio {sheet}: mancano le colonne "
                            + ", ".join(f"«{m}»" for m in missing))
    out = []
    for row_number, values in enumerate(iterator, start=2):
        raw = {name: (values[i] if i < len(values) else None) for name, i in columns.items()}
        raw = {k: (None if isinstance(v, str) and not v.strip() else v) for k, v in raw.items()}
        if all(v is None for v in raw.values()):
            continue
        out.append((row_number, raw))
    return out


# --------------------------------------------------------------------------- validation
def _norm_text(text) -> str:
    return re.sub(r"\s+", " ", str(text)).strip().casefold()


def _positive(value) -> float:
    number = parse_number(value)
    if number <= 0:
        raise CellError(f"valore «{value}» non positivo", "un numero maggiore di zero")
    return number


def _not_negative(value) -> float:
    number = parse_number(value)
    if number < 0:
        raise CellError(f"valore «{value}» negativo", "un numero ≥ 0")
    return number


def _parse_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    key = re.sub(r"[\s_]+", "_", parse_text(value).casefold())
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise CellError(f"valore «{value}» non previsto", "sì o no (vuoto se in attesa)")


def _parse_r_code(value) -> str:
    text = re.sub(r"[\s\-.]", "", parse_text(value)).upper()
    match = re.fullmatch(r"R0*(\d{1,2})", text)
    code = f"R{match.group(1)}" if match else text
    if code not in R_CODES:
        raise CellError(f"codice «{value}» non è un'operazione di recupero", "un codice R1-R13")
    return code


_PARSERS = {
    (SHEET_SYNERGIES, "matrix"): _choice(MATRICES, "materia, acqua o energia"),
    (SHEET_SYNERGIES, "regulatory_path"): _choice(REGULATORY_PATHS,
                                                ", ".join(REGULATORY_PATHS)),
    (SHEET_SYNERGIES, "r_code"): _parse_r_code,
    (SHEET_SYNERGIES, "quantity_std"): _positive,
    (SHEET_HISTORY, "status"): _choice(ALL_STATUSES, ", ".join(ALL_STATUSES)),
    (SHEET_INVESTMENTS, "amount_eur"): _positive,
    (SHEET_INVESTMENTS, "kind"): _choice(INVESTMENT_KIND_ALIASES, "privato o pubblico"),
    (SHEET_CALLS, "outcome"): _choice(CALL_OUTCOME_ALIASES, "in_attesa, vinta o respinta"),
    (SHEET_CALLS, "requested_eur"): _not_negative,
    (SHEET_CALLS, "granted_eur"): _not_negative,
    (SHEET_RESEARCH, "kind"): _choice(RESEARCH_KIND_ALIASES, "progetto o brevetto"),
    (SHEET_JOBS, "fte"): _positive,
}
_KIND_PARSERS = {"text": parse_text, "float": parse_number, "date": parse_date,
                 "vat": parse_vat, "bool": _parse_bool, "code": parse_text}


class _Sink:
    """Problems of one load, and which (sheet, row) are bad."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []
        self.bad: set[tuple[str, int]] = set()
        self.labels = {sheet: {f.name: f.label for f in fields} for sheet, fields in SHEETS.items()}

    def add(self, sheet: str, row: int, name: str | None, value, expected: str | None, detail: str):
        column = self.labels[sheet].get(name, name)
        self.problems.append(make_problem(self.file, sheet, row, column, value, expected, detail))
        self.bad.add((sheet, row))

    def is_bad(self, sheet: str, row: int) -> bool:
        return (sheet, row) in self.bad


def _typed_rows(sheets: RegisterSheets, sink: _Sink) -> dict[str, list[dict]]:
    """Every row with typed values (``None`` where the cell is bad); ``_row`` = Excel row."""
    typed = {}
    for sheet, fields in SHEETS.items():
        out = []
        for row, raw in sheets.rows[sheet]:
            clean = {"_row": row, "_raw": raw}
            for f in fields:
                value = raw.get(f.name)
                if value is None:
                    if f.required:
                        sink.add(sheet, row, f.name, None, f.help or "un valore", "campo obbligatorio vuoto")
                    clean[f.name] = None
                    continue
                parse = _PARSERS.get((sheet, f.name), _KIND_PARSERS[f.kind])
                try:
                    clean[f.name] = parse(value)
                except CellError as error:
                    sink.add(sheet, row, f.name, value, error.expected, error.args[0])
                    clean[f.name] = None
            out.append(clean)
        typed[sheet] = out
    return typed


def _flag_duplicate_ids(rows: list[dict], sheet: str, key: str, sink: _Sink) -> None:
    seen: dict[str, int] = {}
    for r in rows:
        value = r.get(key)
        if value is None:
            continue
        k = value.casefold()
        if k in seen:
            sink.add(sheet, r["_row"], key, value, "un codice unico",
                     f"codice «{value}» già usato alla riga {seen[k]}")
        else:
            seen[k] = r["_row"]


@dataclass
class _Lookups:
    """What the register needs from the store: companies and their flows."""

    companies: dict[str, dict]          # vat → {company_id, name, nda}
    flows: dict[tuple[str, str], list[dict]]   # (company_id, direction) → flows

    @classmethod
    def from_store(cls, con) -> "_Lookups":
        companies = {vat: {"company_id": cid, "name": name, "nda": nda}
                     for cid, vat, name, nda in con.execute(
                         "SELECT company_id, vat_number, name, nda_signed_on FROM companies").fetchall()}
        flows: dict[tuple[str, str], list[dict]] = {}
        for fid, cid, direction, matrix, description, qty, unit in con.execute(
                "SELECT f.flow_id, f.company_id, f.direction, f.matrix, f.description, "
                "f.quantity_std, f.unit_std FROM flows f JOIN companies c USING (company_id) "
                "WHERE c.nda_signed_on IS NOT NULL ORDER BY f.flow_id").fetchall():
            flows.setdefault((cid, direction), []).append(
                {"flow_id": fid, "matrix": matrix, "description": description,
                 "quantity_std": qty, "unit_std": unit})
        return cls(companies, flows)

    def company(self, vat: str):
        return self.companies.get(vat)

    def find_flow(self, company_id: str, direction: str, reference: str) -> list[dict]:
        candidates = self.flows.get((company_id, direction), [])
        by_id = [f for f in candidates if f["flow_id"].casefold() == reference.strip().casefold()]
        if by_id:
            return by_id
        key = _norm_text(reference)
        return [f for f in candidates if _norm_text(f["description"]) == key]


def _resolve_party(r: dict, sink: _Sink, lookups: _Lookups, vat_field: str, flow_field: str,
                   direction: str) -> tuple[str | None, dict | None]:
    """(company_id, flow) of a synergy's supplier or receiver, or problems in ``sink``."""
    sheet, row = SHEET_SYNERGIES, r["_row"]
    vat, reference = r.get(vat_field), r.get(flow_field)
    if vat is None:
        return None, None
    company = lookups.company(vat)
    if company is None:
        sink.add(sheet, row, vat_field, vat, "la partita IVA di un'azienda con questionario acquisito",
                 f"nessuna azienda con partita IVA {vat} nell'archivio")
        return None, None
    if company["nda"] is None:
        sink.add(sheet, row, vat_field, vat, "un'azienda che ha firmato l'accordo di riservatezza",
                 f"l'azienda {company['company_id']} non ha firmato l'NDA: i suoi dati non si trattano")
        return None, None
    if reference is None:
        sink.add(sheet, row, flow_field, None, "la descrizione del flusso come nel questionario",
                 "flusso mancante per l'azienda indicata")
        return company["company_id"], None
    found = lookups.find_flow(company["company_id"], direction, reference)
    sheet_name = "Uscite" if direction == "out" else "Ingressi"
    if not found:
        known = [f["description"] for f in lookups.flows.get((company["company_id"], direction), [])]
        hint = "; ".join(known[:6]) + (" …" if len(known) > 6 else "")
        sink.add(sheet, row, flow_field, reference,
                 f"la descrizione di un flusso del foglio {sheet_name} dell'azienda "
                 f"{company['company_id']}" + (f" (es.: {hint})" if hint else ""),
                 f"flusso «{reference}» non trovato tra {sheet_name.lower()} dell'azienda "
                 f"{company['company_id']}")
        return company["company_id"], None
    if len(found) > 1:
        ids = ", ".join(f["flow_id"] for f in found)
        sink.add(sheet, row, flow_field, reference, f"uno solo dei codici flusso {ids}",
                 f"descrizione ambigua: corrisponde a {len(found)} flussi ({ids}); "
                 "scrivere il codice del flusso")
        return company["company_id"], None
    return company["company_id"], found[0]


def _validate_synergies(rows: list[dict], sink: _Sink, lookups: _Lookups) -> dict[str, dict]:
    """Valid synergies by id (without status yet)."""
    sheet = SHEET_SYNERGIES
    _flag_duplicate_ids(rows, sheet, "synergy_id", sink)
    good = {}
    for r in rows:
        row = r["_row"]
        source_company, source = _resolve_party(r, sink, lookups, "supplier_vat", "source_flow", "out")
        target_company, target = _resolve_party(r, sink, lookups, "receiver_vat", "target_flow", "in")
        if r.get("receiver_vat") is None and r["_raw"].get("receiver_vat") is None:
            if r.get("target_flow") is not None:
                sink.add(sheet, row, "receiver_vat", None, "la partita IVA del ricevente",
                         "flusso in ingresso indicato senza la partita IVA del ricevente")
            elif r.get("target_sector") is None:
                sink.add(sheet, row, "target_sector", None,
                         "un ricevente (P.IVA e flusso) o un settore da attrarre",
                         "né ricevente né settore da attrarre")
        matrix = r.get("matrix")
        if source is not None and matrix is not None and source["matrix"] != matrix:
            sink.add(sheet, row, "source_flow", r["source_flow"], f"un flusso di {matrix}",
                     f"il flusso {source['flow_id']} è di {source['matrix']}, la sinergia di {matrix}")
        quantity = r.get("quantity_std")
        if source is not None and quantity is not None and source["quantity_std"] is not None \
                and quantity > source["quantity_std"] * (1 + 1e-6):
            sink.add(sheet, row, "quantity_std", quantity,
                     f"al più {source['quantity_std']:g} {source['unit_std']} dichiarate dal fornitore",
                     f"quantità scambiata superiore al flusso {source['flow_id']}")
        if r.get("regulatory_path") == "recupero_rifiuto" and r.get("r_code") is None \
                and r["_raw"].get("r_code") is None:
            sink.add(sheet, row, "r_code", None, "un codice R1-R13",
                     "il recupero di un rifiuto richiede il codice R dell'operazione")
        if sink.is_bad(sheet, row):
            continue
        good[r["synergy_id"]] = {
            "synergy_id": r["synergy_id"],
            "source_flow_id": source["flow_id"],
            "target_flow_id": target["flow_id"] if target else None,
            "source_company_id": source_company,
            "target_company_id": target_company,
            "target_sector": r.get("target_sector"),
            "matrix": matrix,
            "description": r.get("description"),
            "quantity_std": quantity,
            "unit_std": STANDARD_UNIT[matrix],
            "regulatory_path": r.get("regulatory_path"),
            "r_code": r.get("r_code"),
            "net_benefit_eur": r.get("net_benefit_eur"),
            "co2e_avoided_t": r.get("co2e_avoided_t"),
            "_row": row,
        }
    return good


def _validate_history(rows: list[dict], sink: _Sink, synergies: dict[str, dict],
                      synergy_rows: dict[str, int]) -> list[dict]:
    """Accepted history entries; sets ``status``/``status_since``/``abandoned_reason``."""
    sheet = SHEET_HISTORY
    accepted = []
    by_synergy: dict[str, list[dict]] = {}
    for r in rows:
        if sink.is_bad(sheet, r["_row"]):
            continue
        sid = r["synergy_id"]
        if sid not in synergies:
            _unknown_synergy(sink, sheet, r, synergy_rows)
            continue
        by_synergy.setdefault(sid, []).append(r)
    for sid, entries in by_synergy.items():
        entries.sort(key=lambda e: (e["changed_on"], e["_row"]))
        current, last = None, None
        for e in entries:
            try:
                check_transition(current, e["status"], last_date=last, on=e["changed_on"],
                                 reason=e.get("reason"))
            except TransitionError as error:
                missing_reason = e["status"] == ABANDONED and current not in (None, ABANDONED) \
                    and not e.get("reason")
                column = "reason" if missing_reason else "status"
                expected = "il motivo dell'abbandono" if missing_reason else _transition_expected(current)
                sink.add(sheet, e["_row"], column, e["_raw"].get(column), expected, f"{sid}: {error}")
                continue
            current, last = e["status"], e["changed_on"]
            accepted.append({"synergy_id": sid, "status": e["status"], "changed_on": e["changed_on"],
                             "reason": e.get("reason"), "actor": e.get("actor")})
            synergies[sid].update(status=current, status_since=last,
                                  abandoned_reason=e.get("reason") if current == ABANDONED else None)
    return accepted


def _transition_expected(current: str | None) -> str:
    allowed = allowed_transitions(current)
    return "uno stato successivo: " + ", ".join(allowed) if allowed else "nessun cambio (stato finale)"


def _unknown_synergy(sink: _Sink, sheet: str, r: dict, synergy_rows: dict[str, int]) -> None:
    sid = r["synergy_id"]
    if sid in synergy_rows:
        detail = (f"la sinergia «{sid}» è in quarantena (foglio {SHEET_SYNERGIES}, "
                  f"riga {synergy_rows[sid]})")
    else:
        detail = f"sinergia «{sid}» non presente nel foglio {SHEET_SYNERGIES}"
    sink.add(sheet, r["_row"], "synergy_id", sid, f"un codice del foglio {SHEET_SYNERGIES}", detail)


def _validate_activities(typed: dict[str, list[dict]], sink: _Sink, synergies: dict[str, dict],
                         synergy_rows: dict[str, int], lookups: _Lookups) -> dict[str, list[dict]]:
    """Valid rows of Investimenti, Bandi, Concorsi, Ricerca, Occupazione."""
    keys = {SHEET_INVESTMENTS: "investment_id", SHEET_CALLS: "call_id",
            SHEET_CONTESTS: "contest_id", SHEET_RESEARCH: "research_id", SHEET_JOBS: "job_id"}
    out = {}
    for sheet, key in keys.items():
        rows = typed[sheet]
        _flag_duplicate_ids(rows, sheet, key, sink)
        good = []
        for r in rows:
            row = r["_row"]
            sid = r.get("synergy_id")
            if sid is not None and sid not in synergies:
                _unknown_synergy(sink, sheet, r, synergy_rows)
            if sheet == SHEET_CALLS:
                _check_call(r, sink)
            if sheet == SHEET_JOBS:
                r["company_id"] = _job_company(r, sink, lookups)
            if not sink.is_bad(sheet, row):
                good.append(r)
        out[sheet] = good
    return out


def _check_call(r: dict, sink: _Sink) -> None:
    sheet, row = SHEET_CALLS, r["_row"]
    outcome, granted, requested = r.get("outcome"), r.get("granted_eur"), r.get("requested_eur")
    if outcome is not None and outcome != "in_attesa" and r.get("submitted_on") is None \
            and r["_raw"].get("submitted_on") is None:
        sink.add(sheet, row, "submitted_on", None, "la data di presentazione",
                 f"esito «{outcome}» per una domanda senza data di presentazione")
    if granted is not None and granted > 0 and outcome != "vinta":
        sink.add(sheet, row, "granted_eur", granted, "un contributo solo per esito vinta",
                 f"contributo concesso con esito «{outcome or 'vuoto'}»")
    if granted is not None and requested is not None and granted > requested * (1 + 1e-9):
        sink.add(sheet, row, "granted_eur", granted, f"al più {requested:g} € (il richiesto)",
                 "contributo concesso superiore al richiesto")
    deadline, submitted = r.get("deadline"), r.get("submitted_on")
    if deadline is not None and submitted is not None and submitted > deadline:
        sink.add(sheet, row, "submitted_on", r["_raw"].get("submitted_on"),
                 f"una data entro la scadenza ({deadline:%d/%m/%Y})",
                 "domanda presentata dopo la scadenza")


def _job_company(r: dict, sink: _Sink, lookups: _Lookups) -> str | None:
    vat = r.get("company_vat")
    if vat is None:
        if r.get("synergy_id") is None and r["_raw"].get("company_vat") is None:
            sink.add(SHEET_JOBS, r["_row"], "company_vat", None, "una partita IVA o un codice sinergia",
                     "occupazione senza azienda né sinergia")
        return None
    company = lookups.company(vat)
    if company is None or company["nda"] is None:
        why = "non è nell'archivio" if company is None else "non ha firmato l'NDA"
        sink.add(SHEET_JOBS, r["_row"], "company_vat", vat,
                 "la partita IVA di un'azienda con NDA", f"l'azienda con partita IVA {vat} {why}")
        return None
    return company["company_id"]


@dataclass
class RegisterContent:
    """Valid content of a register file and its problems (pure result, nothing written)."""

    file: str
    file_hash: str
    tables: dict[str, pd.DataFrame]
    problems: list[Problem] = field(default_factory=list)

    @property
    def rows_quarantined(self) -> int:
        """Distinct sheet rows with at least one problem."""
        return len({(p.sheet, p.row) for p in self.problems})

    @property
    def rows_accepted(self) -> int:
        return sum(len(t) for t in self.tables.values())


_TABLE_COLUMNS = {
    "synergies": ["synergy_id", "source_flow_id", "target_flow_id", "source_company_id",
                  "target_company_id", "target_sector", "matrix", "description", "quantity_std",
                  "unit_std", "regulatory_path", "r_code", "status", "status_since",
                  "abandoned_reason", "net_benefit_eur", "co2e_avoided_t"],
    "synergy_status_history": ["synergy_id", "status", "changed_on", "reason", "actor"],
    "investments": ["investment_id", "synergy_id", "amount_eur", "kind", "invested_on", "note"],
    "funding_calls": ["call_id", "programme", "call_name", "synergy_id", "deadline",
                      "submitted_on", "outcome", "requested_eur", "granted_eur"],
    "contests": ["contest_id", "name", "submitted_on", "won"],
    "research": ["research_id", "kind", "title", "started_on"],
    "jobs": ["job_id", "company_id", "synergy_id", "fte", "created_on"],
}


def validate_register(sheets: RegisterSheets, lookups: _Lookups) -> RegisterContent:
    """Validate a register read by :func:`read_register` against the store's companies/flows."""
    sink = _Sink(sheets.file)
    typed = _typed_rows(sheets, sink)
    synergies = _validate_synergies(typed[SHEET_SYNERGIES], sink, lookups)
    synergy_rows = {r["synergy_id"]: r["_row"] for r in typed[SHEET_SYNERGIES]
                    if r.get("synergy_id") is not None}
    history = _validate_history(typed[SHEET_HISTORY], sink, synergies, synergy_rows)
    for sid in [s for s, v in synergies.items() if "status" not in v]:
        sink.add(SHEET_SYNERGIES, synergies[sid]["_row"], "synergy_id", sid,
                 f"almeno uno stato valido nel foglio {SHEET_HISTORY}",
                 f"sinergia «{sid}» senza alcuno stato valido: non caricata")
        del synergies[sid]
    history = [h for h in history if h["synergy_id"] in synergies]
    activities = _validate_activities(typed, sink, synergies, synergy_rows, lookups)
    tables = {
        "synergies": pd.DataFrame(list(synergies.values())),
        "synergy_status_history": pd.DataFrame(history),
        "investments": pd.DataFrame(activities[SHEET_INVESTMENTS]),
        "funding_calls": pd.DataFrame(activities[SHEET_CALLS]),
        "contests": pd.DataFrame(activities[SHEET_CONTESTS]),
        "research": pd.DataFrame(activities[SHEET_RESEARCH]),
        "jobs": pd.DataFrame(activities[SHEET_JOBS]),
    }
    tables = {name: frame.reindex(columns=_TABLE_COLUMNS[name]).astype(object)
              for name, frame in tables.items()}
    return RegisterContent(sheets.file, sheets.file_hash, tables, sink.problems)


# --------------------------------------------------------------------------- loading
@dataclass
class RegisterLoadResult:
    """What a register load did.

    Attributes
    ----------
    file : str — file name.
    file_hash : str — SHA-256 of the file.
    loaded : dict — store table → rows written.
    problems : DataFrame — ``file, sheet, row, column, value, expected, message``.
    """

    file: str
    file_hash: str
    loaded: dict[str, int]
    problems: pd.DataFrame

    @property
    def rows_quarantined(self) -> int:
        """Distinct sheet rows with at least one problem."""
        if self.problems.empty:
            return 0
        return int(self.problems[["sheet", "row"]].drop_duplicates().shape[0])

    def summary(self) -> str:
        """One Italian line."""
        parts = ", ".join(f"{n} {t}" for t, n in self.loaded.items())
        return (f"registro {self.file}: caricati {parts}; "
                f"{self.rows_quarantined} righe in quarantena")


def load_register(settings: Settings, path) -> RegisterLoadResult:
    """Validate ``registro.xlsx`` and replace the register tables of the store with it.

    Parameters
    ----------
    settings : Settings — store and key; ``settings.actor`` goes to the audit log.
    path : path — the register workbook.

    Returns
    -------
    RegisterLoadResult — rows loaded per table and the quarantined problems.

    Raises
    ------
    RegisterError — the file is unreadable or lacks a sheet or a required column
        (the store is not touched).
    """
    sheets = read_register(path)
    with connect(settings) as con:
        content = validate_register(sheets, _Lookups.from_store(con))
        with transaction(con):
            for table in REGISTER_TABLES:
                con.execute(f"DELETE FROM {table}")
            con.execute(f"DELETE FROM quarantine WHERE sheet IN ({', '.join('?' * len(SHEETS))})",
                        list(SHEETS))
            for table, frame in content.tables.items():
                insert_frame(con, table, frame)
            insert_frame(con, "quarantine", _quarantine_frame(content))
            audit(con, AUDIT_ACTION, actor=settings.actor, target=content.file,
                  file_hash=content.file_hash, rows_accepted=content.rows_accepted,
                  rows_quarantined=content.rows_quarantined,
                  detail=", ".join(f"{t}={len(f)}" for t, f in content.tables.items()))
    return RegisterLoadResult(content.file, content.file_hash,
                              {t: len(f) for t, f in content.tables.items()},
                              problems_frame(content.problems))


def _quarantine_frame(content: RegisterContent) -> pd.DataFrame:
    """Quarantine rows with stable ids (same file → same ids). ``company_id`` stays empty:
    the questionnaire ingest deletes a company's quarantine rows when it replaces it."""
    frame = problems_frame(content.problems).rename(columns={"file": "file_name"})
    ids = []
    for i, p in enumerate(content.problems):
        digest = hashlib.sha1(f"{content.file_hash}|{i}|{p.sheet}|{p.row}|{p.column}".encode())
        ids.append("REG-" + digest.hexdigest()[:16])
    frame.insert(0, "quarantine_id", ids)
    frame["ingested_at"] = datetime.now()
    frame["file_hash"] = content.file_hash
    frame["company_id"] = None
    return frame.astype(object)


# --------------------------------------------------------------------------- export
def register_records(con) -> dict[str, list[dict]]:
    """The store's register as records for :func:`write_register_workbook`.

    Flows are written back with their description (and the partite IVA of the companies),
    so that the exported workbook loads again into the same register.
    """
    def rows(sql: str) -> list[dict]:
        frame = con.execute(sql).df().astype(object)
        frame = frame.where(frame.notna(), None)
        return [{k: (v.date() if isinstance(v, (pd.Timestamp, datetime)) else v)
                 for k, v in record.items()} for record in frame.to_dict("records")]

    return {
        # a flow is named by its description, or by its id where the description repeats
        "synergies": rows("""
            WITH refs AS (
                SELECT flow_id, CASE WHEN count(*) OVER (PARTITION BY company_id, direction,
                                                         lower(trim(description))) > 1
                                     THEN flow_id ELSE description END AS ref
                FROM flows)
            SELECT s.synergy_id, s.description, s.matrix, cs.vat_number AS supplier_vat,
                   fs.ref AS source_flow, ct.vat_number AS receiver_vat,
                   ft.ref AS target_flow, s.target_sector, s.quantity_std,
                   s.regulatory_path, s.r_code, s.net_benefit_eur, s.co2e_avoided_t
            FROM synergies s
            LEFT JOIN refs fs ON fs.flow_id = s.source_flow_id
            LEFT JOIN companies cs ON cs.company_id = s.source_company_id
            LEFT JOIN refs ft ON ft.flow_id = s.target_flow_id
            LEFT JOIN companies ct ON ct.company_id = s.target_company_id
            ORDER BY s.synergy_id"""),
        # same-day changes in pipeline order: transitions only move forward
        "history": rows("SELECT * FROM synergy_status_history ORDER BY synergy_id, changed_on, "
                        f"list_position({list(ALL_STATUSES)}, status)"),
        "investments": rows("SELECT * FROM investments ORDER BY investment_id"),
        "funding_calls": rows("SELECT * FROM funding_calls ORDER BY call_id"),
        "contests": rows("SELECT * FROM contests ORDER BY contest_id"),
        "research": rows("SELECT * FROM research ORDER BY research_id"),
        "jobs": rows("SELECT j.job_id, c.vat_number AS company_vat, j.synergy_id, j.fte, "
                     "j.created_on FROM jobs j LEFT JOIN companies c USING (company_id) "
                     "ORDER BY j.job_id"),
    }


def export_register(settings: Settings, path) -> Path:
    """Write the store's register (with status changes made since the last load) to
    ``path`` as a ``registro.xlsx`` that :func:`load_register` reads back unchanged."""
    with connect(settings, read_only=True) as con:
        records = register_records(con)
    path = write_register_workbook(path, records)
    with connect(settings) as con:
        audit(con, AUDIT_ACTION, actor=settings.actor, target=Path(path).name,
              detail="esportazione del registro")
    return path
