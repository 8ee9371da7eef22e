"""Questionnaire ingest: read, validate, normalise, classify, and write to the store.

One questionnaire (``.xlsx``, one per company) at a time, each in its own transaction:

1. the file's SHA-256 is computed; a hash already in ``questionnaire_files`` is skipped
   (status ``invariato``), whether that file is current or superseded;
2. the file is read (:mod:`.reader`); a file that is not a questionnaire is refused whole
   (``rifiutato``) and the store is not touched;
3. every cell is validated (:mod:`.validate`); an invalid company identity (name, VAT)
   refuses the file whole, again without touching the store;
4. the company gets its stable pseudonym (``AZ-0001`` ...) from ``company_ids``, assigned
   once per VAT number in the order files are ingested (sorted by file name);
5. a company without NDA date gets its ``companies`` row only: no sites, no flows, not
   even validated (``nda_mancante``);
6. otherwise the previous version of the same company (same VAT) is replaced: its sites,
   flows and quarantine rows are deleted, its files marked superseded, and the valid
   sites and flows of this file are written with the problems in ``quarantine``;
7. one ``audit_log`` row records who ingested which file hash and how many rows were
   accepted and quarantined.

A folder is ingested with one store connection, the rows of each table of a file in one
statement. With many files, worker processes read and validate them while this process
classifies and writes (see :func:`ingest_folder`); the order of writing, and so the
pseudonyms, stay those of the file names.
"""
from __future__ import annotations

import hashlib
import multiprocessing
import os
import sys
import uuid
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from ..config import Settings
from ..model import size_class
from ..store import audit, connect, transaction
from .reader import Questionnaire, QuestionnaireError, parse_questionnaire, read_questionnaire
from .units import UnitError, canonical_unit, conversion_factor, find_fuel, to_standard
from .validate import (PROBLEM_COLUMNS, Problem, ValidationResult, problems_frame,
                       validate_questionnaire)

__all__ = [
    "FileResult", "IngestResult", "Problem", "Questionnaire", "QuestionnaireError",
    "UnitError", "canonical_unit", "conversion_factor", "find_fuel", "ingest_file",
    "ingest_folder", "parse_questionnaire", "questionnaire_paths", "read_questionnaire",
    "to_standard", "validate_questionnaire", "write_error_report",
]

INGESTED = "ingerito"
UNCHANGED = "invariato"
REJECTED = "rifiutato"
NO_NDA = "nda_mancante"
STATUSES: tuple[str, ...] = (INGESTED, UNCHANGED, REJECTED, NO_NDA)

#: File suffixes looked at in a folder (``.xls`` only to be refused with a clear message).
QUESTIONNAIRE_SUFFIXES = (".xlsx", ".xlsm", ".xls")
#: Files whose name starts with this are error reports (:func:`write_error_report`), not
#: questionnaires: a report left in the folder is not ingested on the next run.
ERROR_REPORT_STEM = "errori_ingest"

_FLOW_COLUMNS = ["flow_id", "site_id", "company_id", "direction", "matrix", "description",
                 "resource", "resource_confidence", "eer_code", "hazardous", "quantity", "unit",
                 "quantity_std", "unit_std", "year", "monthly_profile", "temperature_c",
                 "water_quality", "state", "unit_cost_eur", "current_fate", "counterpart",
                 "source_file", "source_sheet", "source_row"]
_SITE_COLUMNS = ["site_id", "company_id", "name", "lat", "lon", "address", "cabina_primaria",
                 "source_file", "source_row", "pod_count", "pod_codes", "contracted_power_kw",
                 "shift_pattern", "roof_area_m2", "roof_tilt_deg", "roof_azimuth_deg",
                 "existing_pv_kw", "net_metering", "comune"]
_COMPANY_COLUMNS = ["company_id", "name", "vat_number", "ateco", "employees", "turnover_eur",
                    "balance_sheet_eur", "size_class", "nda_signed_on", "consent", "joined_on",
                    "source_file", "file_hash", "large_group"]


@dataclass
class FileResult:
    """What happened to one questionnaire file.

    Attributes
    ----------
    file : str — file name.
    status : str — ``ingerito``, ``invariato``, ``rifiutato`` or ``nda_mancante``.
    file_hash : str — SHA-256 of the file's bytes (None when unreadable).
    company_id : str — pseudonym of the company (None when rejected or unchanged).
    rows_accepted : int — sites and flows written.
    rows_quarantined : int — sheet rows with at least one problem.
    problems : list of Problem
    message : str — one Italian line for the user.
    replaced : list of str — hashes of the company's files this one superseded.
    """

    file: str
    status: str
    file_hash: str | None = None
    company_id: str | None = None
    rows_accepted: int = 0
    rows_quarantined: int = 0
    problems: list[Problem] = field(default_factory=list)
    message: str = ""
    replaced: list[str] = field(default_factory=list)


@dataclass
class IngestResult:
    """Results of a folder ingest, one :class:`FileResult` per file."""

    files: list[FileResult] = field(default_factory=list)

    @property
    def problems(self) -> pd.DataFrame:
        """Every problem of every file: columns ``file, sheet, row, column, value,
        expected, message``."""
        return problems_frame([p for f in self.files for p in f.problems])

    def summary(self) -> pd.DataFrame:
        """One row per file: ``file, status, company_id, rows_accepted,
        rows_quarantined, message``."""
        return pd.DataFrame(
            [(f.file, f.status, f.company_id, f.rows_accepted, f.rows_quarantined, f.message)
             for f in self.files],
            columns=["file", "status", "company_id", "rows_accepted", "rows_quarantined", "message"])

    def count(self, status: str) -> int:
        """Number of files with a status (``ingerito``, ``invariato`` ...)."""
        return sum(f.status == status for f in self.files)


# --------------------------------------------------------------------------- entry points
def questionnaire_paths(folder) -> list[Path]:
    """Questionnaire files of a folder (not recursive), sorted by name; Excel lock files
    (``~$...``), hidden files and error reports (``errori_ingest*``) are left out."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"cartella dei questionari inesistente: {folder}")
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in QUESTIONNAIRE_SUFFIXES
                  and not p.name.startswith(("~$", ".", ERROR_REPORT_STEM)))


def ingest_file(settings: Settings, path, *, today: date | None = None) -> FileResult:
    """Ingest one questionnaire into the store (see the module docstring).

    Parameters
    ----------
    settings : Settings — store and key.
    path : path — the questionnaire.
    today : date, optional — reference day for date checks (default today).
    """
    result = _ingest(settings, [Path(path)], progress=False, today=today, workers=0)
    return result.files[0]


def ingest_folder(settings: Settings, folder, progress: bool = True, *,
                  today: date | None = None, workers: int | None = None) -> IngestResult:
    """Ingest every questionnaire of a folder, in file-name order, one transaction per file.

    Parameters
    ----------
    settings : Settings — store and key.
    folder : path — folder of ``.xlsx`` questionnaires (one per company).
    progress : bool — show a progress bar over files.
    today : date, optional — reference day for date checks (default today).
    workers : int, optional — processes that read and validate files while this one
        writes to the store; 0 reads in this process. Default: up to 2 (the cores there
        are) when the folder holds at least :data:`PARALLEL_FROM` files to read.

    Returns
    -------
    IngestResult — per-file status and counts, and all problems.
    """
    return _ingest(settings, questionnaire_paths(folder), progress, today, workers)


#: Fewest files to read for which worker processes pay off (they take ~1 s to start).
PARALLEL_FROM = 40


def _ingest(settings: Settings, paths: list[Path], progress: bool, today, workers) -> IngestResult:
    from tqdm.auto import tqdm

    result = IngestResult()
    # worker processes are forked before the store is opened (see _preparer)
    with _preparer(len(paths), workers) as prepare_all, connect(settings) as con:
        known = _known_hashes(con)
        ids = _company_ids(con)
        jobs, skipped = _read_files(paths, known)
        cache: dict = {}
        prepared = iter(prepare_all(jobs, today))
        for path in tqdm(paths, desc="Questionari", unit="file", disable=not progress):
            outcome = skipped.get(path.name) or _finish(con, settings, next(prepared), ids, cache)
            result.files.append(outcome)
    return result


# --------------------------------------------------------------------------- reading
def _known_hashes(con) -> set[str]:
    return {h for (h,) in con.execute("SELECT file_hash FROM questionnaire_files").fetchall()}


def file_hash(data: bytes) -> str:
    """SHA-256 of a file's bytes, hex."""
    return hashlib.sha256(data).hexdigest()


def _read_files(paths: list[Path], known: set[str]) -> tuple[list[Path], dict[str, FileResult]]:
    """Files to read, and the outcome of those that need no reading (unreadable, or same
    content as a file already in the store or earlier in the list)."""
    jobs, skipped, seen = [], {}, {}
    for path in paths:
        try:
            digest = file_hash(path.read_bytes())
        except OSError as exc:
            skipped[path.name] = _rejected(path.name, None, f"file illeggibile: {exc.strerror or exc}")
            continue
        if digest in known:
            skipped[path.name] = FileResult(path.name, UNCHANGED, digest,
                                            message="file già acquisito (stesso contenuto): saltato")
        elif digest in seen:
            skipped[path.name] = FileResult(path.name, UNCHANGED, digest,
                                            message=f"stesso contenuto di {seen[digest]}: saltato")
        else:
            seen[digest] = path.name
            jobs.append(path)
    return jobs, skipped


@dataclass
class _Prepared:
    """A file read and validated, ready to be written (or refused)."""

    file: str
    digest: str | None
    refused: FileResult | None = None
    checked: ValidationResult | None = None


def _prepare(data: bytes, file: str, today: date | None = None) -> _Prepared:
    """Read and validate one questionnaire's bytes (no store involved).

    A file that is not a questionnaire, or whose identity is invalid, comes back refused;
    so does a file that breaks the reader in an unforeseen way (the message says so), so
    that one odd file never stops a folder.
    """
    digest = file_hash(data)
    try:
        questionnaire = parse_questionnaire(data, file)
        checked = validate_questionnaire(questionnaire, today)
    except QuestionnaireError as exc:
        return _Prepared(file, digest, _rejected(file, digest, exc.message))
    except Exception as exc:  # noqa: BLE001 — reported per file, see docstring
        return _Prepared(file, digest, _rejected(
            file, digest, f"errore imprevisto nella lettura ({type(exc).__name__}: {exc}); "
                          "segnalare il file al manutentore del workbench"))
    if checked.rejected:
        return _Prepared(file, digest, FileResult(
            file, REJECTED, digest, problems=checked.problems,
            message="questionario rifiutato: ragione sociale o partita IVA non valide; "
                    "nulla è stato acquisito"))
    return _Prepared(file, digest, checked=checked)


def _prepare_job(path: Path, today) -> _Prepared:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return _Prepared(path.name, None, _rejected(path.name, None,
                                                    f"file illeggibile: {exc.strerror or exc}"))
    return _prepare(data, path.name, today)


@contextmanager
def _preparer(n_files: int, workers: int | None):
    """A function mapping jobs to :class:`_Prepared`, in order, in this process or in a pool.

    The pool forks its workers at once, before the caller opens the store, so that no
    worker inherits a DuckDB database. Forking is used only on Linux (``spawn`` would
    re-run the caller's script in every worker); elsewhere files are read in this process.
    """
    can_fork = sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()
    if workers is None:
        workers = min(2, os.cpu_count() or 1) if n_files >= PARALLEL_FROM else 0
    if workers <= 0 or not can_fork:
        yield lambda jobs, today: (_prepare_job(job, today) for job in jobs)
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        pool.submit(int).result()  # start (fork) all workers now
        yield lambda jobs, today: pool.map(partial(_prepare_job, today=today), jobs, chunksize=4)


def _rejected(file: str, digest: str | None, message: str) -> FileResult:
    problem = Problem(file, None, None, None, None, "un questionario .xlsx del modello GSI",
                      f"{file}: {message}")
    return FileResult(file, REJECTED, digest, problems=[problem],
                      message=f"file rifiutato: {message}")


# --------------------------------------------------------------------------- writing
def _finish(con, settings: Settings, prepared: _Prepared, ids: dict, cache: dict) -> FileResult:
    if prepared.refused is not None:
        return prepared.refused
    checked = prepared.checked
    if checked.has_nda:
        checked.flows = _classified(checked.flows, cache)
    return _write(con, settings, prepared.file, prepared.digest, checked, ids)


def _write(con, settings: Settings, file: str, digest: str, checked: ValidationResult,
           ids: dict) -> FileResult:
    """Write one validated questionnaire in one transaction."""
    now = datetime.now()
    company = checked.company
    with transaction(con):
        company_id, new = _company_id(con, ids, company["vat_number"])
        replaced = [] if new else _forget_previous(con, company_id)
        _insert_company(con, company, company_id, file, digest)
        accepted = 0
        if checked.has_nda:
            sites = _site_frame(checked.sites, company_id, file)
            flows = _flow_frame(checked.flows, company_id, file)
            _insert(con, "sites", sites)
            _insert(con, "flows", flows)
            accepted = len(sites) + len(flows)
        _insert(con, "quarantine", _quarantine_frame(checked.problems, now, file, digest, company_id))
        con.execute("INSERT INTO questionnaire_files VALUES (?, ?, ?, ?, FALSE)",
                    [digest, company_id, file, now])
        status, detail = _status(checked, replaced)
        audit(con, "ingest", actor=settings.actor, target=file, file_hash=digest,
              rows_accepted=accepted, rows_quarantined=checked.rows_quarantined, detail=detail)
    return FileResult(file, status, digest, company_id, accepted, checked.rows_quarantined,
                      checked.problems, detail, replaced)


def _status(checked: ValidationResult, replaced: list[str]) -> tuple[str, str]:
    if not checked.has_nda:
        return NO_NDA, ("NDA mancante: registrata solo l'anagrafica; siti e flussi non "
                        "elaborati né memorizzati")
    detail = f"acquisito: {len(checked.sites)} siti, {len(checked.flows)} flussi; " \
             f"righe in quarantena: {checked.rows_quarantined}"
    if replaced:
        detail += "; sostituisce la versione precedente (" + ", ".join(h[:12] for h in replaced) + ")"
    return INGESTED, detail


def _company_ids(con) -> dict[str, str]:
    """VAT number → pseudonym, as in ``company_ids`` (this run holds the store alone)."""
    return dict(con.execute("SELECT vat_number, company_id FROM company_ids").fetchall())


def _company_id(con, ids: dict[str, str], vat_number: str) -> tuple[str, bool]:
    """The company's pseudonym, and whether it is new: ``AZ-0001``, ``AZ-0002`` … in the
    order VAT numbers are first seen, never reused."""
    if vat_number in ids:
        return ids[vat_number], False
    last = max((int(c.split("-")[1]) for c in ids.values()), default=0)
    company_id = f"AZ-{last + 1:04d}"
    con.execute("INSERT INTO company_ids VALUES (?, ?)", [vat_number, company_id])
    ids[vat_number] = company_id
    return company_id, True


def _forget_previous(con, company_id: str) -> list[str]:
    """Delete the company's current data and mark its files superseded; return their hashes."""
    replaced = [h for (h,) in con.execute(
        "SELECT file_hash FROM questionnaire_files WHERE company_id = ? AND NOT superseded "
        "ORDER BY ingested_at", [company_id]).fetchall()]
    if replaced:
        con.execute("UPDATE questionnaire_files SET superseded = TRUE WHERE company_id = ?", [company_id])
    for table in ("flows", "sites", "quarantine", "companies"):
        con.execute(f"DELETE FROM {table} WHERE company_id = ?", [company_id])
    return replaced


def _insert(con, table: str, frame: pd.DataFrame) -> None:
    """Insert a DataFrame whole, in one ``INSERT … VALUES`` statement (no per-row inserts;
    for the few rows of one questionnaire this is faster than scanning the DataFrame)."""
    if frame.empty:
        return
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    row = "(" + ", ".join("?" * len(frame.columns)) + ")"
    values = [None if _is_na(v) else v for record in frame.itertuples(index=False, name=None)
              for v in record]
    con.execute(f"INSERT INTO {table} ({columns}) VALUES " + ", ".join([row] * len(frame)), values)


def _is_na(value) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)


def _insert_company(con, company: dict, company_id: str, file: str, digest: str) -> None:
    row = {k: company.get(k) for k in _COMPANY_COLUMNS}
    row.update(company_id=company_id, source_file=file, file_hash=digest,
               size_class=size_class(company.get("employees"), company.get("turnover_eur"),
                                     company.get("balance_sheet_eur")))
    con.execute(f"INSERT INTO companies ({', '.join(_COMPANY_COLUMNS)}) VALUES "
                f"({', '.join('?' * len(_COMPANY_COLUMNS))})", [row[k] for k in _COMPANY_COLUMNS])


def _classified(flows: pd.DataFrame, cache: dict) -> pd.DataFrame:
    """Flows with ``resource`` and ``resource_confidence`` from :func:`classify_flows`,
    each distinct (matrix, direction, description, EER, temperature) classified once."""
    from ..classify import classify_flows

    if flows.empty:
        return flows.assign(resource=None, resource_confidence=None)
    keys = list(zip(*(flows[c] for c in _CLASSIFY_COLUMNS)))
    missing = [k for k in dict.fromkeys(keys) if k not in cache]
    if missing:
        classified = classify_flows(pd.DataFrame(missing, columns=list(_CLASSIFY_COLUMNS)))
        cache.update(zip(missing, zip(classified["resource"], classified["resource_confidence"])))
    out = flows.copy()
    out["resource"] = [cache[k][0] for k in keys]
    out["resource_confidence"] = [cache[k][1] for k in keys]
    return out


_CLASSIFY_COLUMNS = ("matrix", "direction", "description", "eer_code", "temperature_c")


def _site_frame(sites: pd.DataFrame, company_id: str, file: str) -> pd.DataFrame:
    frame = sites.copy()
    frame["site_id"] = [f"{company_id}-{code}" for code in frame["site_code"]]
    frame["company_id"] = company_id
    frame["source_file"] = file
    return frame[_SITE_COLUMNS].astype(object)


def _flow_frame(flows: pd.DataFrame, company_id: str, file: str) -> pd.DataFrame:
    if flows.empty:
        return pd.DataFrame(columns=_FLOW_COLUMNS)
    frame = flows.copy()
    frame["flow_id"] = [f"{company_id}-{'I' if d == 'in' else 'O'}{int(r):04d}"
                        for d, r in zip(frame["direction"], frame["source_row"])]
    frame["site_id"] = [f"{company_id}-{code}" for code in frame["site_code"]]
    frame["company_id"] = company_id
    frame["source_file"] = file
    return frame[_FLOW_COLUMNS].astype(object)


def _quarantine_frame(problems: list[Problem], now: datetime, file: str, digest: str,
                      company_id: str) -> pd.DataFrame:
    if not problems:
        return pd.DataFrame()
    frame = problems_frame(problems).rename(columns={"file": "file_name"})
    frame.insert(0, "quarantine_id", [uuid.uuid4().hex for _ in range(len(frame))])
    frame["ingested_at"] = now
    frame["file_hash"] = digest
    frame["company_id"] = company_id
    frame["file_name"] = file
    return frame.astype(object)


# --------------------------------------------------------------------------- error report
#: Italian headers of the error report.
REPORT_HEADERS = {"file": "File", "sheet": "Foglio", "row": "Riga", "column": "Colonna",
                  "value": "Valore trovato", "expected": "Valore atteso", "message": "Problema"}


def write_error_report(problems, path) -> Path:
    """Write the problems as a readable Italian report, ``.xlsx`` (default) or ``.csv``.

    Parameters
    ----------
    problems : DataFrame, list of Problem, or IngestResult
    path : path — ``.xlsx`` or ``.csv`` (semicolon-separated, UTF-8 with BOM, for Excel).

    Returns
    -------
    Path — the file written.
    """
    if isinstance(problems, IngestResult):
        problems = problems.problems
    elif not isinstance(problems, pd.DataFrame):
        problems = problems_frame(problems)
    frame = problems.reindex(columns=list(PROBLEM_COLUMNS)).sort_values(
        ["file", "sheet", "row"], na_position="first", kind="stable")
    frame = frame.rename(columns=REPORT_HEADERS)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".csv":
        frame.to_csv(path, sep=";", index=False, encoding="utf-8-sig")
        return path
    _write_xlsx(frame, path)
    return path


def _write_xlsx(frame: pd.DataFrame, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = "Problemi"
    ws.append(list(frame.columns))
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="FCE4D6")
    for record in frame.itertuples(index=False, name=None):
        ws.append([None if (v is None or v is pd.NA or (isinstance(v, float) and v != v)) else v
                   for v in record])
    if frame.empty:
        ws.append(["Nessun problema trovato: tutti i questionari sono stati acquisiti."])
    widths = {"File": 28, "Foglio": 11, "Riga": 6, "Colonna": 28, "Valore trovato": 22,
              "Valore atteso": 40, "Problema": 100}
    for index, header in enumerate(frame.columns, start=1):
        ws.column_dimensions[ws.cell(row=1, column=index).column_letter].width = widths.get(header, 20)
    for row in ws.iter_rows(min_row=2):
        row[-1].alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    wb.save(path)
