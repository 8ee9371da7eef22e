"""Cell-by-cell validation of a questionnaire: clean rows and a list of problems.

Every problem names the file, the sheet, the Excel row, the column (its Italian label as
in the sheet, without the ``*`` of required fields), the value found, what was expected
and an Italian message that says all of it in one line.

Rules
-----
- **Identity** (``Ragione sociale``, ``Partita IVA``) missing or invalid: the whole file
  is rejected (``ValidationResult.rejected``); all problems are still reported.
- **Other company fields**: a bad value is quarantined (stored as NULL; a bad
  ``Consenso`` falls back to ``riservato``, the safe default) and ingest goes on. A bad
  NDA date therefore means "no NDA".
- **Sites and flows**: a row with any problem is quarantined whole; the other rows are
  kept. A flow that points to a site code not in ``Siti``, or to a site row that was
  quarantined, is quarantined too.
- **Site energy attributes** (:data:`SITE_ATTRIBUTE_FIELDS`: POD, contracted power,
  shift pattern, roof, existing PV, Scambio sul Posto, municipality): like the optional
  company fields, a bad value is quarantined alone (stored as NULL) and the site and its
  flows are kept — a mistyped roof tilt must not cost a site its flows.
- **Waste rule (EER required)**: an output of ``materia`` is treated as *waste*, and so
  needs its EER code, when its current fate is an R or D operation (waste law applies)
  or when no recipient is declared (nothing shows it is a by-product or product handed to
  someone). A matter output with a named recipient and no R/D code is taken as a
  by-product and may go without EER. Any EER code given, on any flow, must exist in the
  European list, and its asterisk must agree with the list's hazardous flag.
- **Monthly profile**: all twelve shares empty, or all twelve numbers in 0..1 summing to
  1 ± 0.01.
- **Duplicates**: a row identical to an earlier row of the same sheet (same site code for
  ``Siti``) is quarantined; the first one is kept.
- Companies without an NDA: only the ``Azienda`` sheet is validated (their sites and
  flows are not processed at all).
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

import pandas as pd

from ..model import (CONSENTS, FATE_CODES, ITALY_BBOX, MATRICES, STATES,
                     WATER_QUALITIES, as_date, vat_check_digit_ok, vocabulary_key)
from . import spec
from .reader import Questionnaire
from .units import UnitError, conversion_factor

PROBLEM_COLUMNS: tuple[str, ...] = ("file", "sheet", "row", "column", "value", "expected", "message")
#: Column name used for problems of a whole row (duplicates).
WHOLE_ROW = "(riga intera)"
#: Column name used for problems of the monthly profile as a whole.
PROFILE_COLUMNS = "Gen-Dic"
#: First plausible data year; the last is next year.
FIRST_YEAR = 1990
#: Plausible process temperatures. [°C]
TEMPERATURE_RANGE_C = (-50.0, 1500.0)
#: Tolerance on the sum of monthly shares. [-]
PROFILE_TOLERANCE = 0.01
MONTH_FIELDS: tuple[str, ...] = tuple(f"m{i:02d}" for i in range(1, 13))
IDENTITY_FIELDS = ("name", "vat_number")
#: Optional site fields whose bad value is quarantined alone (the site row is kept).
SITE_ATTRIBUTE_FIELDS: tuple[str, ...] = (
    "pod_count", "pod_codes", "contracted_power_kw", "shift_pattern", "roof_area_m2",
    "roof_tilt_deg", "roof_azimuth_deg", "existing_pv_kw", "net_metering", "comune")
#: A POD code: ``IT``, three digits (distributor), ``E``, eight digits.
POD_PATTERN = re.compile(r"IT\d{3}E\d{8}")
#: Spellings of yes and no accepted in a ``bool`` field (case and accents ignored).
YES_WORDS: tuple[str, ...] = ("si", "yes", "true", "vero")
NO_WORDS: tuple[str, ...] = ("no", "false", "falso")
#: Roof tilt and azimuth ranges. [deg]
TILT_RANGE_DEG = (0.0, 90.0)
AZIMUTH_RANGE_DEG = (0.0, 360.0)


@dataclass(frozen=True)
class Problem:
    """One problem found in a questionnaire (a row of the ``quarantine`` table)."""

    file: str
    sheet: str | None
    row: int | None
    column: str | None
    value: str | None
    expected: str | None
    message: str

    def as_dict(self) -> dict:
        return asdict(self)


def make_problem(file: str, sheet: str | None, row: int | None, column: str | None,
                 value, expected: str | None, detail: str) -> Problem:
    """A :class:`Problem` whose message names file, sheet, row and column."""
    where = [file]
    if sheet:
        where.append(f"foglio {sheet}")
    if row is not None:
        where.append(f"riga {row}")
    if column:
        where.append(f"colonna «{column}»")
    message = ", ".join(where) + f": {detail}" + (f" (atteso: {expected})" if expected else "")
    return Problem(file, sheet, row, column, _show(value), expected, message)


def problems_frame(problems) -> pd.DataFrame:
    """Problems as a DataFrame with :data:`PROBLEM_COLUMNS` (also when empty)."""
    rows = [p.as_dict() for p in problems]
    frame = pd.DataFrame(rows, columns=list(PROBLEM_COLUMNS))
    frame["row"] = frame["row"].astype("Int64")
    return frame


def _is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _show(value) -> str | None:
    if _is_missing(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# --------------------------------------------------------------------------- parsers
class CellError(ValueError):
    """A cell value that does not fit; ``expected`` says what would."""

    def __init__(self, message: str, expected: str):
        super().__init__(message)
        self.expected = expected


@dataclass(frozen=True)
class Check:
    """How to read one field: a parser (raw value → typed value) and what it expects."""

    parse: Callable
    expected: str


def parse_text(value) -> str:
    """Text of a cell (a whole number typed as number loses its ``.0``)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_number(value) -> float:
    """A finite number; strings may use the Italian decimal comma (``1.234,5``).

    In text, when both ``.`` and ``,`` appear the last one is the decimal mark; a lone
    ``,`` is decimal; several ``.`` are thousands separators; a lone ``.`` is decimal.
    """
    if isinstance(value, bool):
        raise CellError(f"valore «{value}» non numerico", "un numero")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        number = _number_from_text(str(value))
    if not math.isfinite(number):
        raise CellError(f"valore «{value}» non numerico", "un numero")
    return number


def _number_from_text(text: str) -> float:
    cleaned = re.sub(r"[\s\u00a0€%]", "", text)
    if "," in cleaned and "." in cleaned:
        if cleaned.rfind(",") > cleaned.rfind("."):
            cleaned = cleaned.replace(".", "").replace(",", ".")
        else:
            cleaned = cleaned.replace(",", "")
    elif cleaned.count(".") > 1:  # 1.200.000: dots can only be thousands separators
        cleaned = cleaned.replace(".", "")
    else:
        cleaned = cleaned.replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", cleaned):
        raise CellError(f"valore «{text}» non numerico", "un numero")
    return float(cleaned)


def parse_integer(value) -> int:
    """A whole number."""
    number = parse_number(value)
    if not number.is_integer():
        raise CellError(f"valore «{value}» non intero", "un numero intero")
    return int(number)


#: Day zero of Excel serial dates (1900 system, with its leap-year bug).
_EXCEL_EPOCH = date(1899, 12, 30)


def parse_date(value) -> date:
    """A date from a date cell, an Excel serial number, ``gg/mm/aaaa`` or ``aaaa-mm-gg``."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1 <= value < 2958466:
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise CellError(f"data «{value}» non valida", "una data gg/mm/aaaa")
    try:
        return as_date(value)
    except ValueError:
        raise CellError(f"data «{value}» non valida", "una data gg/mm/aaaa") from None


def parse_bool(value) -> bool:
    """Yes or no: a boolean cell, or ``sì``/``si``/``yes``/``true``/``vero`` and
    ``no``/``false``/``falso`` in any case, with or without accent."""
    if isinstance(value, bool):
        return value
    text = unicodedata.normalize("NFKD", parse_text(value)).encode("ascii", "ignore").decode()
    key = text.strip().casefold()
    if key in YES_WORDS:
        return True
    if key in NO_WORDS:
        return False
    raise CellError(f"valore «{value}» non è sì o no", "sì o no")


def parse_pod_codes(value) -> str:
    """POD codes separated by ``|`` (spaces ignored, upper-cased), each like
    ``IT001E12345678``; returned ``|``-joined in the order given."""
    codes = [re.sub(r"\s+", "", c).upper() for c in parse_text(value).split("|")]
    codes = [c for c in codes if c]
    expected = "codici POD come IT001E12345678, separati da |"
    if not codes:
        raise CellError(f"nessun codice POD in «{value}»", expected)
    bad = [c for c in codes if not POD_PATTERN.fullmatch(c)]
    if bad:
        raise CellError(f"codice POD «{bad[0]}» non valido (IT, 3 cifre, E, 8 cifre)", expected)
    return "|".join(codes)


def parse_shift_pattern(value) -> str:
    """A shift pattern of ``lib/energy/shift_patterns.csv`` (``2x5``; ``2 X 5`` and
    ``2×5`` are accepted)."""
    allowed = spec.shift_pattern_codes()
    key = re.sub(r"\s+", "", parse_text(value)).lower().replace("×", "x")
    if key not in allowed:
        raise CellError(f"turno «{value}» non previsto", "uno di " + ", ".join(allowed))
    return key


def _choice(allowed, expected: str) -> Callable:
    """Parser of a closed vocabulary: ``allowed`` is the words, or a dict of accepted
    spellings → stored word; case and spaces/underscores do not matter."""
    pairs = allowed.items() if isinstance(allowed, dict) else ((a, a) for a in allowed)
    lookup = {vocabulary_key(k): v for k, v in pairs}

    def parse(value):
        key = vocabulary_key(parse_text(value))
        if key not in lookup:
            raise CellError(f"valore «{value}» non previsto", expected)
        return lookup[key]
    return parse


def parse_fate(value) -> str:
    """An R/D operation code (``R1``–``R13``, ``D1``–``D15``); ``r 13`` → ``R13``."""
    text = re.sub(r"[\s\-.]", "", parse_text(value)).upper()
    match = re.fullmatch(r"([RD])0*(\d{1,2})", text)
    code = f"{match.group(1)}{match.group(2)}" if match else text
    if code not in FATE_CODES:
        raise CellError(f"destino «{value}» non è un codice R o D", "un codice R1-R13 o D1-D15")
    return code


def parse_vat(value) -> str:
    """An Italian partita IVA: 11 digits with a valid check digit (``IT`` prefix allowed).

    A number cell is padded back to 11 digits (Excel drops leading zeros).
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        text = str(int(value)).zfill(11) if float(value).is_integer() else str(value)
    else:
        text = re.sub(r"[\s.\-]", "", str(value)).upper()
        text = text[2:] if text.startswith("IT") else text
    expected = "11 cifre con cifra di controllo corretta"
    if not text.isdigit():
        raise CellError(f"partita IVA «{value}» con caratteri non numerici", expected)
    if len(text) != 11:
        raise CellError(f"partita IVA «{value}» di {len(text)} cifre invece di 11", expected)
    if not vat_check_digit_ok(text):
        raise CellError(f"partita IVA «{value}» con cifra di controllo errata", expected)
    return text


def parse_ateco(value) -> str:
    """An ATECO code ``NN``, ``NN.N``, ``NN.NN`` or ``NN.NN.NN`` (section letter allowed)."""
    if isinstance(value, float):
        text = f"{value:.2f}"
    else:
        text = re.sub(r"^[A-Za-z]\s*", "", parse_text(value))
    if not re.fullmatch(r"\d{2}(\.\d{1,2}){0,2}", text):
        raise CellError(f"codice ATECO «{value}» non valido", "un codice ATECO come 19.20 o 19.20.00")
    return text


def parse_eer(value) -> tuple[str, bool]:
    """EER code and hazardous flag, checked against the European list.

    Accepts ``10 01 05``, ``100105``, ``10.01.05``, with or without ``*``. The asterisk
    must agree with the list: declared on a non-hazardous code, or missing on a hazardous
    one, is an error (the mirror entries of the list differ only by it).

    Returns
    -------
    code : str — six digits.
    hazardous : bool — from the list.
    """
    from ..reference import eer_hazardous

    if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
        digits, starred = str(int(value)).zfill(6), False
    else:
        text = str(value).strip()
        starred = "*" in text
        digits = re.sub(r"[\s.\-*/()]", "", text)
    if not (digits.isdigit() and len(digits) == 6):
        raise CellError(f"codice EER «{value}» non nel formato a 6 cifre",
                        "un codice EER di 6 cifre, es. 10 01 05 o 100105")
    hazardous = eer_hazardous().get(digits)
    pretty = f"{digits[:2]} {digits[2:4]} {digits[4:]}"
    if hazardous is None:
        raise CellError(f"codice EER «{value}» inesistente nell'elenco europeo dei rifiuti",
                        "un codice dell'elenco EER (decisione 2000/532/CE e s.m.)")
    if starred and not hazardous:
        raise CellError(f"codice EER {pretty} con asterisco, ma nell'elenco non è pericoloso",
                        f"{pretty} senza asterisco")
    if hazardous and not starred:
        raise CellError(f"codice EER {pretty} senza asterisco, ma nell'elenco è pericoloso",
                        f"{pretty}*")
    return digits, hazardous


def _bounded(parse: Callable, low: float | None, high: float | None, what: str) -> Callable:
    def check(value):
        number = parse(value)
        if (low is not None and number < low) or (high is not None and number > high):
            raise CellError(f"{what} «{value}» fuori dall'intervallo ammesso", _range_text(low, high))
        return number
    return check


def _range_text(low, high) -> str:
    def fmt(x):
        return f"{x:g}"
    if low is not None and high is not None:
        return f"un valore tra {fmt(low)} e {fmt(high)}"
    return f"un valore ≥ {fmt(low)}" if low is not None else f"un valore ≤ {fmt(high)}"


def _positive(value) -> float:
    number = parse_number(value)
    if number <= 0:
        raise CellError(f"quantità «{value}» non positiva", "un numero maggiore di zero")
    return number


def _not_negative(what: str) -> Callable:
    def check(value):
        number = parse_number(value)
        if number < 0:
            raise CellError(f"{what} «{value}» negativo", "un numero ≥ 0")
        return number
    return check


def _past_date(today: date) -> Callable:
    def check(value):
        day = parse_date(value)
        if day > today:
            raise CellError(f"data «{_show(value)}» nel futuro",
                            f"una data non successiva a oggi ({today:%d/%m/%Y})")
        return day
    return check


def _year(today: date) -> Callable:
    return _bounded(parse_integer, FIRST_YEAR, today.year + 1, "anno")


def checks(today: date) -> dict[str, Check]:
    """Parser and expectation of every questionnaire field, by canonical name."""
    year = _year(today)
    expected_year = f"un anno tra {FIRST_YEAR} e {today.year + 1}"
    table = {
        "name": Check(parse_text, "un testo"),
        "vat_number": Check(parse_vat, "11 cifre con cifra di controllo corretta"),
        "ateco": Check(parse_ateco, "un codice ATECO come 19.20"),
        "employees": Check(_not_negative("numero di addetti"), "un numero ≥ 0"),
        "turnover_eur": Check(_not_negative("fatturato"), "un importo ≥ 0 in euro"),
        "balance_sheet_eur": Check(_not_negative("totale di bilancio"), "un importo ≥ 0 in euro"),
        "nda_signed_on": Check(_past_date(today), "una data gg/mm/aaaa non futura"),
        "consent": Check(_choice(CONSENTS, "riservato o nominativo"), "riservato o nominativo"),
        "joined_on": Check(_past_date(today), "una data gg/mm/aaaa non futura"),
        "reference_year": Check(year, expected_year),
        "large_group": Check(parse_bool, "sì o no"),
        "site_code": Check(parse_text, "un codice sito, es. S1"),
        "address": Check(parse_text, "un testo"),
        "lat": Check(_bounded(parse_number, -90, 90, "latitudine"), "gradi decimali WGS84"),
        "lon": Check(_bounded(parse_number, -180, 180, "longitudine"), "gradi decimali WGS84"),
        "cabina_primaria": Check(parse_text, "il codice della cabina primaria"),
        "pod_count": Check(_bounded(parse_integer, 0, None, "numero di POD"), "un numero intero ≥ 0"),
        "pod_codes": Check(parse_pod_codes, "codici POD come IT001E12345678, separati da |"),
        "contracted_power_kw": Check(_not_negative("potenza impegnata"), "un numero ≥ 0 in kW"),
        "shift_pattern": Check(parse_shift_pattern, "un turno dell'elenco, es. 2x5"),
        "roof_area_m2": Check(_not_negative("superficie di copertura"), "un numero ≥ 0 in m²"),
        "roof_tilt_deg": Check(_bounded(parse_number, *TILT_RANGE_DEG, "inclinazione"),
                               _range_text(*TILT_RANGE_DEG) + " °"),
        "roof_azimuth_deg": Check(_bounded(parse_number, *AZIMUTH_RANGE_DEG, "orientamento"),
                                  _range_text(*AZIMUTH_RANGE_DEG) + " ° da nord"),
        "existing_pv_kw": Check(_not_negative("potenza FV esistente"), "un numero ≥ 0 in kWp"),
        "net_metering": Check(parse_bool, "sì o no"),
        "comune": Check(parse_text, "il nome del comune"),
        "matrix": Check(_choice(MATRICES, "materia, acqua o energia"), "materia, acqua o energia"),
        "description": Check(parse_text, "una descrizione"),
        "quantity": Check(_positive, "un numero maggiore di zero"),
        "unit": Check(parse_text, "un'unità di misura (t, m3, MWh ...)"),
        "year": Check(year, expected_year),
        "state": Check(_choice(STATES, ", ".join(STATES)), ", ".join(STATES)),
        "temperature_c": Check(_bounded(parse_number, *TEMPERATURE_RANGE_C, "temperatura"),
                               _range_text(*TEMPERATURE_RANGE_C) + " °C"),
        "water_quality": Check(_choice(WATER_QUALITIES, ", ".join(WATER_QUALITIES)),
                               ", ".join(WATER_QUALITIES)),
        "unit_cost_eur": Check(_not_negative("costo unitario"), "un costo ≥ 0 in €/unità"),
        "counterpart": Check(parse_text, "un testo"),
        "eer_code": Check(parse_eer, "un codice EER di 6 cifre"),
        "current_fate": Check(parse_fate, "un codice R1-R13 o D1-D15"),
    }
    share = _bounded(parse_number, 0, 1, "quota mensile")
    table.update({m: Check(share, "una quota tra 0 e 1") for m in MONTH_FIELDS})
    return table


# --------------------------------------------------------------------------- results
@dataclass
class ValidationResult:
    """Clean content of a questionnaire and the problems found.

    Attributes
    ----------
    company : dict — canonical company fields, typed; quarantined fields are None.
    sites : DataFrame — valid sites: ``site_code``, ``name``, ``address``, ``lat`` [deg],
        ``lon`` [deg], ``cabina_primaria``, the energy attributes (``pod_count`` [-],
        ``pod_codes``, ``contracted_power_kw`` [kW], ``shift_pattern``, ``roof_area_m2``
        [m²], ``roof_tilt_deg`` [deg], ``roof_azimuth_deg`` [deg], ``existing_pv_kw``
        [kWp], ``net_metering`` (bool), ``comune``), ``source_row``.
    flows : DataFrame — valid inputs and outputs: canonical flow columns plus
        ``direction``, ``hazardous``, ``quantity_std`` [t, m3 or MWh per year],
        ``unit_std``, ``monthly_profile`` (list of 12 shares or None), ``source_sheet``,
        ``source_row``.
    problems : list of Problem
    rejected : bool — identity invalid: nothing of the file may be written.
    """

    company: dict
    sites: pd.DataFrame
    flows: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    rejected: bool = False

    @property
    def has_nda(self) -> bool:
        return self.company.get("nda_signed_on") is not None

    @property
    def rows_quarantined(self) -> int:
        """Distinct sheet rows with at least one problem."""
        return len({(p.sheet, p.row) for p in self.problems})


SITE_COLUMNS = [f.name for f in spec.SITE_FIELDS] + ["source_row"]
FLOW_COLUMNS = ["direction", "site_code", "matrix", "description", "eer_code", "hazardous",
                "quantity", "unit", "quantity_std", "unit_std", "year", "monthly_profile",
                "temperature_c", "water_quality", "state", "unit_cost_eur", "current_fate",
                "counterpart", "source_sheet", "source_row"]


def validate_questionnaire(questionnaire: Questionnaire, today: date | None = None) -> ValidationResult:
    """Validate every cell of a questionnaire.

    Parameters
    ----------
    questionnaire : Questionnaire — as read by :func:`~workbench.ingest.reader.read_questionnaire`.
    today : date, optional — reference day for "not in the future" and plausible years
        (default: today).

    Returns
    -------
    ValidationResult — clean company, sites and flows; problems; whether it is rejected.
    """
    today = today or date.today()
    table = checks(today)
    company, problems, rejected = validate_company(questionnaire, table)
    result = ValidationResult(company, pd.DataFrame(columns=SITE_COLUMNS),
                              pd.DataFrame(columns=FLOW_COLUMNS), problems, rejected)
    if not result.has_nda:
        return result
    sites, site_problems, dropped = validate_sites(questionnaire, table)
    flows, flow_problems = validate_flows(questionnaire, table, sites, dropped,
                                          company.get("reference_year"))
    result.sites, result.flows = sites, flows
    result.problems = problems + site_problems + flow_problems
    return result


def validate_company(questionnaire: Questionnaire, table: dict[str, Check]) \
        -> tuple[dict, list[Problem], bool]:
    """Clean company fields, their problems, and whether identity is invalid."""
    clean, problems, rejected = {}, [], False
    for f in spec.COMPANY_FIELDS:
        raw = questionnaire.company.get(f.name)
        value, error = _parse_cell(raw, f, table)
        if error is not None:
            detail = error.args[0]
            if f.name in IDENTITY_FIELDS:
                rejected = True
                detail += ": questionario rifiutato (identità dell'azienda non valida)"
            elif f.name == "consent":
                detail += ": usato «riservato»"
            elif f.name == "nda_signed_on":
                detail += ": trattato come NDA mancante (siti e flussi non elaborati)"
            else:
                detail += ": campo messo in quarantena"
            problems.append(make_problem(questionnaire.file, spec.SHEET_COMPANY,
                                         questionnaire.company_rows[f.name], f.label, raw,
                                         error.expected, detail))
        clean[f.name] = value
    clean["consent"] = clean.get("consent") or "riservato"
    return clean, problems, rejected


def _parse_cell(raw, f: spec.Field, table: dict[str, Check]):
    """(value, None) or (None, CellError)."""
    check = table[f.name]
    if _is_missing(raw):
        if f.required:
            return None, CellError("campo obbligatorio vuoto", check.expected)
        return None, None
    try:
        return check.parse(raw), None
    except CellError as error:
        return None, error


# --------------------------------------------------------------------------- tables
class _RowProblems:
    """Collects the problems of one sheet, remembering which rows are bad."""

    def __init__(self, file: str, sheet: str, fields):
        self.file, self.sheet = file, sheet
        self.labels = {f.name: f.label for f in fields}
        self.problems: list[Problem] = []
        self.bad_rows: set[int] = set()

    def add(self, row: int, name: str | None, value, expected: str | None, detail: str,
            whole_row: bool = True):
        """Record a problem; ``whole_row=False``: only the cell is quarantined."""
        column = self.labels.get(name, name)
        self.problems.append(make_problem(self.file, self.sheet, row, column, value, expected, detail))
        if whole_row:
            self.bad_rows.add(row)


def _parse_rows(frame: pd.DataFrame, fields, table: dict[str, Check], sink: _RowProblems,
                cell_only: tuple[str, ...] = ()) -> list[dict]:
    """Typed values of every row; cell problems go to ``sink``. A bad value of a field in
    ``cell_only`` is set to None without quarantining its row."""
    parsed = []
    names = [f.name for f in fields]
    for record in frame[names + ["source_row"]].itertuples(index=False, name=None):
        raw = dict(zip(names, record[:-1]))
        row = int(record[-1])
        clean = {"source_row": row, "_raw": raw}
        for f in fields:
            value, error = _parse_cell(raw[f.name], f, table)
            if error is not None:
                if f.name in cell_only:
                    sink.add(row, f.name, raw[f.name], error.expected,
                             error.args[0] + ": campo messo in quarantena (il sito è acquisito)",
                             whole_row=False)
                else:
                    sink.add(row, f.name, raw[f.name], error.expected, error.args[0])
            clean[f.name] = value
        parsed.append(clean)
    return parsed


def _duplicate_key(raw: dict) -> tuple:
    return tuple(str(v).strip().casefold() if v is not None else None for v in raw.values())


def _flag_duplicates(rows: list[dict], sink: _RowProblems, key: Callable, column: str) -> None:
    """Quarantine every row whose ``key`` repeats that of an earlier row (first one kept)."""
    seen: dict[tuple, int] = {}
    for r in rows:
        k = key(r)
        if k is None:
            continue
        if k in seen:
            value = r.get(column) if column != WHOLE_ROW else None
            sink.add(r["source_row"], column, value, "una riga per ciascun elemento",
                     f"duplicato della riga {seen[k]}")
        else:
            seen[k] = r["source_row"]


def validate_sites(questionnaire: Questionnaire, table: dict[str, Check]) \
        -> tuple[pd.DataFrame, list[Problem], dict[str, int]]:
    """Valid sites, their problems, and the codes of quarantined site rows → Excel row."""
    sink = _RowProblems(questionnaire.file, spec.SHEET_SITES, spec.SITE_FIELDS)
    rows = _parse_rows(questionnaire.sites, spec.SITE_FIELDS, table, sink, SITE_ATTRIBUTE_FIELDS)
    for r in rows:
        _check_inside_italy(r, sink)
    _flag_duplicates(rows, sink, lambda r: r["site_code"].casefold() if r["site_code"] else None,
                     "site_code")
    good = [r for r in rows if r["source_row"] not in sink.bad_rows]
    good_codes = {r["site_code"].casefold() for r in good}
    dropped = {}
    for r in rows:
        code = (r["site_code"] or "").casefold()
        if r["source_row"] in sink.bad_rows and code and code not in good_codes:
            dropped.setdefault(code, r["source_row"])
    frame = pd.DataFrame([{c: r[c] for c in SITE_COLUMNS} for r in good], columns=SITE_COLUMNS)
    return frame, sink.problems, dropped


def _check_inside_italy(r: dict, sink: _RowProblems) -> None:
    lat, lon = r.get("lat"), r.get("lon")
    if lat is None or lon is None:
        return
    swapped = (ITALY_BBOX["lat_min"] <= lon <= ITALY_BBOX["lat_max"]
               and ITALY_BBOX["lon_min"] <= lat <= ITALY_BBOX["lon_max"])
    hint = ": latitudine e longitudine scambiate?" if swapped else ""
    expected = {"lat": f"una latitudine in Italia ({ITALY_BBOX['lat_min']}–{ITALY_BBOX['lat_max']})",
                "lon": f"una longitudine in Italia ({ITALY_BBOX['lon_min']}–{ITALY_BBOX['lon_max']})"}
    if not ITALY_BBOX["lat_min"] <= lat <= ITALY_BBOX["lat_max"]:
        sink.add(r["source_row"], "lat", r["_raw"]["lat"], expected["lat"],
                 f"latitudine {lat:g} fuori dall'Italia{hint}")
    if not ITALY_BBOX["lon_min"] <= lon <= ITALY_BBOX["lon_max"]:
        sink.add(r["source_row"], "lon", r["_raw"]["lon"], expected["lon"],
                 f"longitudine {lon:g} fuori dall'Italia{hint}")


def validate_flows(questionnaire: Questionnaire, table: dict[str, Check], sites: pd.DataFrame,
                   dropped_sites: dict[str, int], reference_year: int | None) \
        -> tuple[pd.DataFrame, list[Problem]]:
    """Valid inputs and outputs (one frame, ``direction`` in/out) and their problems."""
    site_codes = {code.casefold(): code for code in sites["site_code"]}
    frames, problems = [], []
    for sheet, fields, direction in ((spec.SHEET_INPUTS, spec.INPUT_FIELDS, "in"),
                                     (spec.SHEET_OUTPUTS, spec.OUTPUT_FIELDS, "out")):
        sink = _RowProblems(questionnaire.file, sheet, fields)
        rows = _parse_rows(questionnaire.tables[sheet], fields, table, sink)
        for r in rows:
            _check_site(r, site_codes, dropped_sites, sink)
            _check_unit(r, sink)
            _check_profile(r, sink)
            if direction == "out":
                _check_waste_has_eer(r, sink)
        _flag_duplicates(rows, sink, lambda r: _duplicate_key(r["_raw"]), WHOLE_ROW)
        good = [r for r in rows if r["source_row"] not in sink.bad_rows]
        frames.append(_flow_frame(good, direction, sheet, reference_year))
        problems += sink.problems
    flows = pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) \
        else pd.DataFrame(columns=FLOW_COLUMNS)
    return flows, problems


def _check_site(r: dict, site_codes: dict[str, str], dropped: dict[str, int], sink: _RowProblems):
    code = r.get("site_code")
    if code is None:
        return
    key = code.casefold()
    if key in site_codes:
        r["site_code"] = site_codes[key]
    elif key in dropped:
        sink.add(r["source_row"], "site_code", code, "un sito valido del foglio Siti",
                 f"il sito «{code}» è stato scartato (foglio {spec.SHEET_SITES}, riga {dropped[key]})")
    else:
        known = ", ".join(site_codes.values()) or "nessuno"
        sink.add(r["source_row"], "site_code", code, f"un codice del foglio Siti ({known})",
                 f"sito «{code}» non presente nel foglio {spec.SHEET_SITES}")


def _check_unit(r: dict, sink: _RowProblems) -> None:
    if r.get("matrix") is None or r.get("unit") is None:
        return
    try:
        factor, unit_std = conversion_factor(r["unit"], r["matrix"], r.get("description"))
    except UnitError as error:
        sink.add(r["source_row"], "unit", r["_raw"]["unit"], error.expected, str(error))
        return
    r["unit_std"] = unit_std
    r["quantity_std"] = r["quantity"] * factor if r.get("quantity") is not None else None


def _check_profile(r: dict, sink: _RowProblems) -> None:
    raw = [r["_raw"][m] for m in MONTH_FIELDS]
    r["monthly_profile"] = None
    if all(v is None for v in raw):
        return
    missing = [spec.MONTHS_IT[i] for i, v in enumerate(raw) if v is None]
    expected = "12 quote (Gen-Dic) tra 0 e 1 che sommano a 1, oppure tutte vuote"
    if missing:
        sink.add(r["source_row"], PROFILE_COLUMNS, None, expected,
                 "profilo mensile incompleto: mancano " + ", ".join(missing))
        return
    shares = [r[m] for m in MONTH_FIELDS]
    if any(s is None for s in shares):
        return  # a month already reported as not a share
    total = sum(shares)
    if abs(total - 1.0) > PROFILE_TOLERANCE:
        sink.add(r["source_row"], PROFILE_COLUMNS, f"{total:.4g}", expected,
                 f"le quote mensili sommano a {total:.4g} invece di 1")
        return
    r["monthly_profile"] = [float(s) for s in shares]


def is_waste(matrix: str | None, current_fate: str | None, counterpart: str | None) -> bool:
    """The waste rule of this module: matter output with an R/D fate or no recipient."""
    return matrix == "materia" and (current_fate is not None or not counterpart)


def _check_waste_has_eer(r: dict, sink: _RowProblems) -> None:
    if r["_raw"].get("eer_code") is not None:
        return
    if is_waste(r.get("matrix"), r.get("current_fate"), r.get("counterpart")):
        reason = (f"destino {r['current_fate']}" if r.get("current_fate")
                  else "nessun destinatario indicato")
        sink.add(r["source_row"], "eer_code", None, "un codice EER di 6 cifre",
                 f"codice EER mancante per un rifiuto ({reason}): obbligatorio per le uscite di "
                 "materia avviate a operazioni R/D o senza destinatario")


def _flow_frame(rows: list[dict], direction: str, sheet: str, reference_year) -> pd.DataFrame:
    records = []
    for r in rows:
        eer = r.get("eer_code")
        records.append({
            "direction": direction, "site_code": r["site_code"], "matrix": r["matrix"],
            "description": r["description"],
            "eer_code": eer[0] if eer else None, "hazardous": eer[1] if eer else None,
            "quantity": r["quantity"], "unit": str(r["_raw"]["unit"]).strip(),
            "quantity_std": r["quantity_std"], "unit_std": r["unit_std"],
            "year": r["year"] if r["year"] is not None else reference_year,
            "monthly_profile": r["monthly_profile"], "temperature_c": r["temperature_c"],
            "water_quality": r["water_quality"], "state": r["state"],
            "unit_cost_eur": r["unit_cost_eur"], "current_fate": r.get("current_fate"),
            "counterpart": r["counterpart"], "source_sheet": sheet, "source_row": r["source_row"],
        })
    return pd.DataFrame(records, columns=FLOW_COLUMNS)

