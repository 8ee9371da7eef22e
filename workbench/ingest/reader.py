"""Read a questionnaire workbook into raw tables with canonical column names.

The reader checks only that a file *is* a questionnaire of the template
(:mod:`workbench.ingest.spec`): an ``.xlsx`` with the sheets ``Azienda``, ``Siti``,
``Ingressi`` and ``Uscite`` and the template's labels. Anything else is refused whole
with a :class:`QuestionnaireError` whose message is one Italian line. The cell values
are returned as they are (strings stripped, empty cells as None); their checking is the
job of :mod:`workbench.ingest.validate`.

Earlier versions of the template are accepted: the format only ever grows by optional
fields appended at the end (:mod:`~workbench.ingest.spec`), so a questionnaire whose
``Azienda`` form or table header simply *stops* before such trailing optional fields is
read with those fields empty (listed in ``Questionnaire.absent``). A label that is
wrong or out of place, a missing required field, or values under a missing header
still refuse the file.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import spec

#: First bytes of an OLE2 compound file (Excel 97-2003 ``.xls`` or an encrypted ``.xlsx``).
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: First bytes of a zip archive (every ``.xlsx``).
ZIP_MAGIC = b"PK\x03\x04"
#: Stream names that only an encrypted (password-protected) OOXML package contains.
_ENCRYPTION_MARKERS = ("EncryptionInfo".encode("utf-16-le"), "EncryptedPackage".encode("utf-16-le"))


class QuestionnaireError(Exception):
    """A file that is not a readable questionnaire; nothing of it is ingested.

    Attributes
    ----------
    file : str — the file name.
    message : str — one Italian line saying why.
    """

    def __init__(self, file, message: str):
        self.file = str(file)
        self.message = message
        super().__init__(f"{self.file}: {message}")


@dataclass
class Questionnaire:
    """Raw content of one questionnaire.

    Attributes
    ----------
    file : str — file name (no folder), used in every message.
    company : dict — canonical company field → raw value (see ``spec.COMPANY_FIELDS``).
    company_rows : dict — canonical company field → its Excel row in ``Azienda``.
    sites, inputs, outputs : DataFrame — one row per non-empty sheet row, canonical
        column names (``spec.SITE_FIELDS`` ...) plus ``source_row`` (the Excel row).
    absent : dict — sheet → canonical names of the trailing optional fields the file
        does not have (a questionnaire of an earlier template version); empty for a
        current one.
    """

    file: str
    company: dict
    company_rows: dict
    sites: pd.DataFrame
    inputs: pd.DataFrame
    outputs: pd.DataFrame
    absent: dict = field(default_factory=dict)
    tables: dict = field(init=False, repr=False)

    def __post_init__(self):
        self.tables = {spec.SHEET_SITES: self.sites, spec.SHEET_INPUTS: self.inputs,
                       spec.SHEET_OUTPUTS: self.outputs}


def read_questionnaire(path) -> Questionnaire:
    """Read a questionnaire file.

    Parameters
    ----------
    path : path — the ``.xlsx`` file.

    Raises
    ------
    QuestionnaireError — the file is empty, not an ``.xlsx``, password-protected, an
        empty workbook, lacks a sheet, or its labels differ from the template.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise QuestionnaireError(path.name, f"file illeggibile: {exc.strerror or exc}") from None
    return parse_questionnaire(data, path.name)


def parse_questionnaire(data: bytes, file_name: str) -> Questionnaire:
    """Parse the bytes of a questionnaire (see :func:`read_questionnaire`)."""
    check_container(data, file_name)
    workbook = _open_workbook(data, file_name)
    try:
        sheets = _sheet_rows(workbook, file_name)
    except QuestionnaireError:
        raise
    except Exception as exc:  # a damaged sheet inside a readable archive
        raise QuestionnaireError(file_name, "file .xlsx danneggiato: un foglio non è leggibile "
                                 f"({type(exc).__name__})") from None
    finally:
        workbook.close()
    absent = {}
    company, company_rows, absent[spec.SHEET_COMPANY] = _company(sheets[spec.SHEET_COMPANY], file_name)
    tables = {}
    for name, fields in spec.TABLE_FIELDS.items():
        tables[name], absent[name] = _table(sheets[name], name, fields, file_name)
    return Questionnaire(file_name, company, company_rows, tables[spec.SHEET_SITES],
                         tables[spec.SHEET_INPUTS], tables[spec.SHEET_OUTPUTS],
                         {sheet: names for sheet, names in absent.items() if names})


def check_container(data: bytes, file_name: str) -> None:
    """Refuse bytes that cannot be an ``.xlsx`` workbook, saying what they look like."""
    if len(data) == 0:
        raise QuestionnaireError(file_name, "file vuoto (0 byte): non è un questionario")
    if data.startswith(OLE_MAGIC):
        if any(marker in data for marker in _ENCRYPTION_MARKERS):
            raise QuestionnaireError(file_name, "cartella di lavoro protetta da password "
                                     "(cifrata): salvarla senza password e reinviarla")
        raise QuestionnaireError(file_name, "formato Excel 97-2003 (.xls) non supportato: "
                                 "salvare il questionario come .xlsx")
    if not data.startswith(ZIP_MAGIC):
        kind = "un file di testo o CSV rinominato" if _looks_like_text(data) else "un formato sconosciuto"
        raise QuestionnaireError(file_name, f"non è una cartella di lavoro Excel .xlsx (sembra "
                                 f"{kind}): usare il modello del questionario")


def _looks_like_text(data: bytes) -> bool:
    sample = data[:4096]
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError:
        text = sample.decode("latin-1")
    printable = sum(c.isprintable() or c in "\r\n\t" for c in text)
    return printable >= 0.95 * max(len(text), 1)


def _open_workbook(data: bytes, file_name: str):
    from openpyxl import load_workbook

    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise QuestionnaireError(file_name, "file .xlsx danneggiato o non leggibile come "
                                 f"cartella di lavoro Excel ({type(exc).__name__})") from None
    except Exception as exc:  # openpyxl raises its own InvalidFileException and others
        raise QuestionnaireError(file_name, "file .xlsx non leggibile come cartella di lavoro "
                                 f"Excel ({type(exc).__name__})") from None


def _clean(value):
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _sheet_rows(workbook, file_name: str) -> dict[str, list[tuple]]:
    """Values of the required sheets (matched by name, case-insensitive), empty rows dropped
    at the end."""
    by_name = {ws.title.strip().casefold(): ws for ws in workbook.worksheets}
    missing = [name for name in spec.REQUIRED_SHEETS if name.casefold() not in by_name]
    if missing:
        if all(_is_empty(ws) for ws in workbook.worksheets):
            raise QuestionnaireError(file_name, "cartella di lavoro vuota: nessun foglio "
                                     "contiene dati; usare il modello del questionario")
        raise QuestionnaireError(file_name, "fogli mancanti: " + ", ".join(missing)
                                 + " (attesi: " + ", ".join(spec.REQUIRED_SHEETS) + ")")
    sheets = {}
    for name in spec.REQUIRED_SHEETS:
        rows = [tuple(_clean(v) for v in row)
                for row in by_name[name.casefold()].iter_rows(values_only=True)]
        while rows and all(v is None for v in rows[-1]):
            rows.pop()
        sheets[name] = rows
    if not any(rows for rows in sheets.values()):
        raise QuestionnaireError(file_name, "cartella di lavoro vuota: i fogli del "
                                 "questionario non contengono nulla")
    return sheets


def _is_empty(worksheet) -> bool:
    return not any(v is not None and v != "" for row in worksheet.iter_rows(values_only=True)
                   for v in row)


def _label_key(text) -> str:
    """Label without the required-field star, spaces folded, case ignored."""
    text = re.sub(r"\s*\*\s*$", "", str(text or "").strip())
    return re.sub(r"\s+", " ", text).casefold()


def _column_letter(index: int) -> str:
    """Excel letter of a 1-based column index."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def _optional_from(fields, index: int) -> bool:
    """True when ``fields[index:]`` are all optional (they may be absent from the file)."""
    return not any(f.required for f in fields[index:])


def _company(rows: list[tuple], file_name: str) -> tuple[dict, dict, tuple[str, ...]]:
    """Company fields, their Excel rows, and the trailing optional fields the form lacks."""
    company, company_rows = {}, {}
    fields = spec.COMPANY_FIELDS
    for offset, f in enumerate(fields):
        excel_row = 2 + offset
        if len(rows) < excel_row and _optional_from(fields, offset):
            # the form ends here (earlier template version): the rest is empty
            absent = tuple(g.name for g in fields[offset:])
            company.update(dict.fromkeys(absent))
            return company, company_rows, absent
        row = rows[excel_row - 1] if len(rows) >= excel_row else ()
        label = row[0] if len(row) > 0 else None
        if _label_key(label) != _label_key(f.label):
            found = f"trovato «{label}»" if label is not None else "cella vuota"
            raise QuestionnaireError(file_name, f"foglio {spec.SHEET_COMPANY}, cella A{excel_row}: "
                                     f"atteso il campo «{f.label}», {found}: usare il modello "
                                     "del questionario")
        company[f.name] = row[1] if len(row) > 1 else None
        company_rows[f.name] = excel_row
    return company, company_rows, ()


def _table(rows: list[tuple], sheet: str, fields, file_name: str) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The sheet's rows under canonical names, and the trailing optional fields it lacks.

    The header may stop before trailing optional fields (earlier template version) when
    the columns of those fields are empty, header and rows alike (as before, anything to
    the right of the template's columns is ignored).
    """
    header = rows[0] if rows else ()
    present = len(fields)
    for index, f in enumerate(fields):
        found = header[index] if index < len(header) else None
        if found is None and _optional_from(fields, index) and _blank(rows, index, len(fields)):
            present = index
            break
        if _label_key(found) != _label_key(f.label):
            where = f"foglio {sheet}, colonna {_column_letter(index + 1)}"
            what = f"trovata «{found}»" if found is not None else "intestazione mancante"
            raise QuestionnaireError(file_name, f"{where}: attesa l'intestazione «{f.label}», "
                                     f"{what}: usare il modello del questionario")
    names = [f.name for f in fields]
    width = len(fields)
    records, source_rows = [], []
    for excel_row, row in enumerate(rows[1:], start=2):
        values = tuple(row[:present]) + (None,) * max(0, width - min(len(row), present))
        if all(v is None for v in values):
            continue
        records.append(values)
        source_rows.append(excel_row)
    cells = np.empty((len(records), width), dtype=object)  # object: keeps None and raw types
    cells[:] = records if records else cells
    frame = pd.DataFrame(cells, columns=names, dtype=object)
    frame["source_row"] = np.asarray(source_rows, dtype="int64")
    return frame, tuple(names[present:])


def _blank(rows: list[tuple], first: int, end: int) -> bool:
    """True when no row (header included) has a value in the columns ``first:end``."""
    return all(v is None for row in rows for v in row[first:end])
