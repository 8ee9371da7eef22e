"""The report's other outputs, written after notebook 05 into ``settings.reports_dir``
(``reports/<period>/``, ``reports/<period>/<audience>/`` for funders and pubblico).

- ``indicatori.xlsx`` — every table of the report, one sheet per section, with the
  definitions of the indicators (sheet of the annexes); numbers as the report shows them
  (Italian formats by default), disclosure-controlled for ``funders`` and ``pubblico``;
- ``report.pdf`` — ``report.html`` printed by a headless Chromium-family browser, after
  the charts are drawn (virtual time budget);
- ``scheda_cifre_chiave.png`` — the key figures as a 1200×627 card (a LinkedIn post);
- ``schede/<synergy>.html`` and ``.pdf`` — a one-page case sheet for each realised
  synergy whose two companies gave ``consent = nominativo`` (good-practice portals),
  quantities rounded to two significant digits; none for ``pubblico`` (aggregates only);
- for ``funders`` and ``pubblico``, the release ``release/<period>/<audience>/``
  (:mod:`workbench.report.release`).

Without a browser the PDF and PNG files are skipped with a clear message: HTML only.
"""
from __future__ import annotations

import html
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

import pandas as pd

from .. import indicators as ind
from ..config import Period, Settings
from ..privacy import is_restricted
from ..store import audit, connect
from .sections import Section, report_data, report_sections
from .texts import format_date, format_number, text, vocabulary

XLSX_NAME = "indicatori.xlsx"
PDF_NAME = "report.pdf"
CARD_NAME = "scheda_cifre_chiave.png"
CASES_DIR = "schede"

#: Size of the key-figures card: a LinkedIn link/post image. [px]
CARD_SIZE = (1200, 627)

#: Statuses of a realised synergy.
REALISED = ("realizzata", "monitorata")

#: Browsers looked for, in order, when WORKBENCH_BROWSER is not set.
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
                 "microsoft-edge", "brave-browser")
BROWSER_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/snap/bin/chromium")

#: Flags of every headless run: no sandbox (root in containers), no GPU, no traffic.
BROWSER_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-quic", "--hide-scrollbars",
                 "--run-all-compositor-stages-before-draw")

#: Virtual time given to a page to draw its charts before printing. [ms]
VIRTUAL_TIME_BUDGET_MS = 20000

NO_BROWSER_MESSAGE = ("nessun browser Chromium trovato: scritto solo l'HTML, niente PDF né PNG. "
                      "Installare Chromium (`apt-get install chromium`, o .ci/run) oppure "
                      "indicarne il percorso in WORKBENCH_BROWSER.")


class ExportError(Exception):
    """An export could not be written. ``str(error)`` is one line for the user."""


# ---------------------------------------------------------------- browser


def find_browser() -> str | None:
    """Path of a Chromium-family browser: ``WORKBENCH_BROWSER``, then the usual names."""
    chosen = os.environ.get("WORKBENCH_BROWSER")
    if chosen:
        return chosen if Path(chosen).exists() or shutil.which(chosen) else None
    for path in BROWSER_PATHS:
        if Path(path).exists():
            return path
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


class BrowserJob:
    """A headless browser run in the background; :meth:`wait` finishes it.

    Several jobs run side by side (the PDF of the report prints while the tables are
    computed), each with its own throw-away profile.
    """

    def __init__(self, browser: str, url: str, flags: tuple[str, ...], written: Path,
                 final: Path, what: str):
        self.profile = tempfile.TemporaryDirectory(prefix="wb-chromium-")
        self.written, self.final, self.what = written, final, what
        self.process = subprocess.Popen(
            [browser, *BROWSER_FLAGS, f"--user-data-dir={self.profile.name}",
             f"--virtual-time-budget={VIRTUAL_TIME_BUDGET_MS}", *flags, url],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.browser = browser

    def wait(self, timeout: float = 240) -> Path:
        """Wait for the browser; the output file, or :class:`ExportError`."""
        try:
            _, err = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate()
            raise ExportError(f"il browser non ha finito {self.what} in {timeout:.0f} s") from None
        finally:
            self.profile.cleanup()
        if self.process.returncode != 0:
            tail = " ".join((err or "").split())[-300:]
            raise ExportError(f"il browser {self.browser} è terminato con codice "
                              f"{self.process.returncode} ({self.what}): {tail}")
        if not self.written.exists() or self.written.stat().st_size == 0:
            raise ExportError(f"il browser non ha scritto {self.what}")
        if self.written != self.final:
            self.written.replace(self.final)
        return self.final


def start_pdf(html_path: str | Path, pdf_path: str | Path, browser: str) -> BrowserJob:
    """Start printing ``html_path`` to ``pdf_path`` (charts drawn first); see :meth:`BrowserJob.wait`."""
    html_path, pdf_path = Path(html_path).resolve(), Path(pdf_path).resolve()
    tmp = pdf_path.with_suffix(".pdf.tmp")
    tmp.unlink(missing_ok=True)
    return BrowserJob(browser, html_path.as_uri(), (f"--print-to-pdf={tmp}", "--no-pdf-header-footer"),
                      tmp, pdf_path, f"il PDF di {html_path.name}")


def print_pdf(html_path: str | Path, pdf_path: str | Path, browser: str) -> Path:
    """Print ``html_path`` to ``pdf_path`` with headless ``browser`` (charts drawn)."""
    return start_pdf(html_path, pdf_path, browser).wait()


def start_screenshot(html_path: str | Path, png_path: str | Path, browser: str,
                     size: tuple[int, int] = CARD_SIZE) -> BrowserJob:
    """Start a PNG of ``html_path`` at ``size`` (width, height) [px]."""
    html_path, png_path = Path(html_path).resolve(), Path(png_path).resolve()
    png_path.unlink(missing_ok=True)
    return BrowserJob(browser, html_path.as_uri(),
                      (f"--screenshot={png_path}", f"--window-size={size[0]},{size[1]}"),
                      png_path, png_path, png_path.name)


def screenshot(html_path: str | Path, png_path: str | Path, browser: str,
               size: tuple[int, int] = CARD_SIZE) -> Path:
    """A PNG of ``html_path`` at ``size`` (width, height) [px]."""
    return start_screenshot(html_path, png_path, browser, size).wait()


# ---------------------------------------------------------------- xlsx


def _sheet_title(number: int, title: str, used: set[str]) -> str:
    clean = re.sub(r"[\[\]:*?/\\]", " ", title).strip()
    name = f"{number:02d} {clean}"[:31].rstrip()
    while name in used:
        name = name[:28] + f"~{len(used)}"
    used.add(name)
    return name


def write_indicators_xlsx(sections: list[Section], settings: Settings, path: str | Path) -> Path:
    """``indicatori.xlsx``: one sheet per section with its tables (captions, headers, the
    values as the report shows them, notes) and a sheet with the indicators' definitions."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = Workbook()
    wb.remove(wb.active)
    bold, head_fill = Font(bold=True), PatternFill("solid", fgColor="DDE8F2")
    used: set[str] = set()
    for number, section in enumerate(sections, start=1):
        ws = wb.create_sheet(_sheet_title(number, section.title, used))
        ws.append([section.title])
        ws["A1"].font = Font(bold=True, size=13)
        widths: dict[int, int] = {}
        tables = 0
        for block in section.blocks:
            if block.kind != "table":
                continue
            table = block.content
            ws.append([])
            if table.caption or block.title:
                ws.append([table.caption or block.title])
                ws.cell(ws.max_row, 1).font = bold
            ws.append([str(c) for c in table.frame.columns])
            for cell in ws[ws.max_row]:
                cell.font, cell.fill = bold, head_fill
            numeric = {i for i, c in enumerate(table.frame.columns) if c in set(table.numeric)}
            for row in table.frame.itertuples(index=False):
                ws.append(["" if v is None else str(v) for v in row])
                for i in numeric:
                    ws.cell(ws.max_row, i + 1).alignment = Alignment(horizontal="right")
            for i, c in enumerate(table.frame.columns):
                longest = max([len(str(c))] + [len(str(v)) for v in table.frame.iloc[:, i]])
                widths[i] = max(widths.get(i, 0), min(longest, 70))
            if table.note:
                ws.append([table.note])
                ws.cell(ws.max_row, 1).font = Font(italic=True, color="666666")
            tables += 1
        if not tables:
            ws.append([])
            ws.append([text("no_data_yet", settings.lang)])
        for i, width in widths.items():
            ws.column_dimensions[chr(ord("A") + i)].width = max(10, width + 2)
    path = Path(path)
    tmp = path.with_suffix(".xlsx.tmp")
    wb.save(tmp)
    tmp.replace(path)
    return path



# ---------------------------------------------------------------- key-figures card


def _esc(value) -> str:
    return html.escape(str(value), quote=True)


def card_html(sections: list[Section], settings: Settings, count: int = 6) -> str:
    """The key-figures card: the first published figures of the summary table (the same
    disclosure-controlled strings as the report), on a 1200×627 page."""
    sintesi = next(s for s in sections if s.key == "sintesi")
    table = next(b.content for b in sintesi.blocks if b.kind == "table")
    frame = table.frame
    value_col, label_col = frame.columns[1], frame.columns[0]
    withheld = {"", "–", "-", text("suppressed", settings.lang)}
    rows = [(str(r[label_col]), str(r[value_col])) for _, r in frame.iterrows()
            if str(r[value_col]).strip() not in withheld]
    rows = rows[:count]
    period = Period.parse(settings.period)
    cells = "".join(f'<div class="kpi"><div class="v">{_esc(v)}</div>'
                    f'<div class="l">{_esc(label)}</div></div>' for label, v in rows)
    title = "Cifre chiave" if settings.lang == "it" else "Key figures"
    when = f"{text('period', settings.lang)} {period.code} · " \
           f"{format_date(period.start, settings.lang)}–{format_date(period.end, settings.lang)}"
    width, height = CARD_SIZE
    return f"""<!DOCTYPE html><html lang="{settings.lang}"><head><meta charset="utf-8">
<style>
html, body {{ margin: 0; width: {width}px; height: {height}px; overflow: hidden; }}
body {{ font-family: "Segoe UI", "Helvetica Neue", Arial, "DejaVu Sans", sans-serif;
  background: linear-gradient(135deg, #0b4f71 0%, #2c7fb8 60%, #41ae76 100%); color: #fff; }}
.wrap {{ box-sizing: border-box; width: {width}px; height: {height}px; padding: 44px 56px; }}
h1 {{ margin: 0; font-size: 40px; }} .sub {{ font-size: 22px; opacity: .9; margin: 6px 0 30px; }}
.grid {{ display: grid; grid-template-columns: repeat(3, 1fr); gap: 22px; }}
.kpi {{ background: rgba(255,255,255,.14); border-radius: 14px; padding: 18px 22px; height: 150px;
  box-sizing: border-box; }}
.v {{ font-size: 42px; font-weight: 700; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }}
.l {{ font-size: 19px; margin-top: 8px; line-height: 1.2; }}
.foot {{ position: absolute; bottom: 26px; left: 56px; font-size: 17px; opacity: .85; }}
</style></head><body><div class="wrap"><h1>Livorno Simbiosi Industriale</h1>
<div class="sub">{_esc(title)} — {_esc(when)}</div><div class="grid">{cells}</div>
<div class="foot">{_esc(text('audience', settings.lang))}: {_esc(text('audience_' + settings.audience, settings.lang))}</div>
</div></body></html>"""


# ---------------------------------------------------------------- case sheets


def _about(value, lang: str) -> str:
    """A quantity rounded to two significant digits (a case sheet never gives the exact
    quantity of a company)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == 0:
        return "–"
    digits = 1 - int(math.floor(math.log10(abs(value))))
    return format_number(round(float(value), digits), lang, max(digits, 0))


def case_sheet_synergies(con, settings: Settings) -> pd.DataFrame:
    """Realised synergies at the end of the period whose two companies both have
    ``consent = nominativo``, with the companies' names and ATECO codes."""
    syn = ind.synergy_status(con, Period.parse(settings.period))
    syn = syn[syn["status"].isin(REALISED)]
    companies = con.execute(
        "SELECT company_id, name, ateco, consent FROM v_companies").df().set_index("company_id")
    named = set(companies.index[companies["consent"] == "nominativo"])
    syn = syn[syn["source_company_id"].isin(named) & syn["target_company_id"].isin(named)].copy()
    for side in ("source", "target"):
        syn[f"{side}_name"] = syn[f"{side}_company_id"].map(companies["name"])
        syn[f"{side}_ateco"] = syn[f"{side}_company_id"].map(companies["ateco"])
    return syn.reset_index(drop=True)


def case_sheet_html(row, settings: Settings) -> str:
    """One A4 page describing a realised synergy (names: both companies consented)."""
    lang = settings.lang
    it = lang == "it"
    labels = ({"title": "Scheda di buona pratica", "from": "Chi cede", "to": "Chi riceve",
               "matrix": "Matrice", "what": "Che cosa", "path": "Percorso normativo",
               "status": "Stato", "co2": "CO2e evitata (circa, t/anno)",
               "eur": "Beneficio economico netto (circa, €/anno)", "qty": "Quantità scambiata (circa)",
               "src": "Fonte: registro del programma Livorno Simbiosi Industriale; valori arrotondati."}
              if it else
              {"title": "Good-practice case sheet", "from": "Supplier", "to": "Receiver",
               "matrix": "Matrix", "what": "What", "path": "Regulatory path", "status": "Status",
               "co2": "CO2e avoided (approx., t/yr)", "eur": "Net economic benefit (approx., €/yr)",
               "qty": "Quantity exchanged (approx.)",
               "src": "Source: register of the Livorno Industrial Symbiosis programme; rounded values."})

    def val(name):
        v = row.get(name)
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else v

    qty = _about(val("quantity_std"), lang)
    unit = val("unit_std") or ""
    rows = [
        (labels["from"], f"{row['source_name']} (ATECO {row.get('source_ateco') or '–'})"),
        (labels["to"], f"{row['target_name']} (ATECO {row.get('target_ateco') or '–'})"),
        (labels["matrix"], vocabulary("matrix", row["matrix"], lang)),
        (labels["what"], val("description") or "–"),
        (labels["qty"], f"{qty} {unit}".strip()),
        (labels["path"], vocabulary("path", val("regulatory_path"), lang)
         if val("regulatory_path") else "–"),
        (labels["status"], vocabulary("status", row["status"], lang)),
        (labels["co2"], _about(val("co2e_avoided_t"), lang)),
        (labels["eur"], _about(val("net_benefit_eur"), lang)),
    ]
    body = "".join(f"<tr><th>{_esc(k)}</th><td>{_esc(v)}</td></tr>" for k, v in rows)
    return f"""<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">
<title>{_esc(labels['title'])} {_esc(row['synergy_id'])}</title>
<style>@page {{ size: A4; margin: 18mm; }}
body {{ font-family: "Segoe UI", "Helvetica Neue", Arial, "DejaVu Sans", sans-serif; color: #222; }}
h1 {{ color: #2c7fb8; border-bottom: 3px solid #2c7fb8; font-size: 24px; padding-bottom: 6px; }}
h2 {{ font-size: 19px; }} table {{ border-collapse: collapse; width: 100%; font-size: 14px; }}
th {{ text-align: left; width: 32%; background: #f2f6fa; }}
th, td {{ padding: 8px 10px; border-bottom: 1px solid #ddd; vertical-align: top; }}
p.src {{ color: #666; font-size: 12px; margin-top: 24px; }}</style></head><body>
<h1>{_esc(labels['title'])} — Livorno Simbiosi Industriale</h1>
<h2>{_esc(row['source_name'])} → {_esc(row['target_name'])}</h2>
<table>{body}</table><p class="src">{_esc(labels['src'])} {_esc(format_date(Period.parse(settings.period).end, lang))}</p>
</body></html>"""


# ---------------------------------------------------------------- all together


def export_outputs(settings: Settings, progress: bool = True, browser: str | None = "auto",
                   sections: list[Section] | None = None,
                   now: datetime | None = None) -> dict[str, Path]:
    """Write the exports of ``settings.period`` into ``settings.reports_dir`` and, for
    ``funders``/``pubblico``, the release. Expects ``report.html`` (notebook 05).

    Parameters
    ----------
    settings : Settings — period, audience, language, store.
    progress : bool — a progress bar over the steps.
    browser : str, None or ``"auto"`` — the Chromium-family browser; ``"auto"`` finds one;
        None (or none found): HTML only, with :data:`NO_BROWSER_MESSAGE` on stderr.
    sections : list of Section or None — the report's sections; computed when None.

    Returns
    -------
    dict — name → path of every file written (``xlsx``, ``pdf``, ``card``, ``card_html``,
    ``case:<synergy>`` and ``case_pdf:<synergy>`` …, ``release``). The browser jobs (the
    report's PDF, the card, the case sheets' PDFs) run side by side with the rest.
    """
    from tqdm.auto import tqdm

    if browser == "auto":
        browser = find_browser()
    out_dir = Path(settings.reports_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    jobs: dict[str, BrowserJob] = {}
    steps = ["sezioni", XLSX_NAME, "scheda", "casi", "browser"]
    if is_restricted(settings.audience):
        steps.append("rilascio")
    if browser is None:
        print(NO_BROWSER_MESSAGE, file=sys.stderr)
    # outputs of an earlier run (another audience, perhaps) must never be left behind
    for name in (PDF_NAME, CARD_NAME, XLSX_NAME, "scheda_cifre_chiave.html"):
        (out_dir / name).unlink(missing_ok=True)
    shutil.rmtree(out_dir / CASES_DIR, ignore_errors=True)
    source = out_dir / "report.html"
    bar = tqdm(steps, desc="esportazioni", unit="passo", disable=not progress)
    try:
        if browser and source.exists():  # the longest job: it prints while the rest is made
            jobs["pdf"] = start_pdf(source, out_dir / PDF_NAME, browser)
        with bar:
            for step in bar:
                bar.set_postfix_str(step)
                if step == "sezioni":
                    with connect(settings) as con:
                        data = report_data(con, settings) if sections is None else None
                        cases = case_sheet_synergies(con, settings)
                    if sections is None:  # opens the store itself (Sankey, energy)
                        sections = report_sections(settings, data)
                elif step == XLSX_NAME:
                    written["xlsx"] = write_indicators_xlsx(sections, settings, out_dir / XLSX_NAME)
                elif step == "scheda":
                    card = out_dir / "scheda_cifre_chiave.html"
                    card.write_text(card_html(sections, settings), encoding="utf-8")
                    written["card_html"] = card
                    if browser:
                        jobs["card"] = start_screenshot(card, out_dir / CARD_NAME, browser)
                elif step == "casi":
                    folder = out_dir / CASES_DIR
                    shutil.rmtree(folder, ignore_errors=True)
                    if settings.audience == "pubblico":  # aggregates only, no company named
                        cases = cases.iloc[0:0]
                    if len(cases):
                        folder.mkdir()
                    for _, row in cases.iterrows():
                        page = folder / f"{row['synergy_id']}.html"
                        page.write_text(case_sheet_html(row, settings), encoding="utf-8")
                        written[f"case:{row['synergy_id']}"] = page
                        if browser:
                            jobs[f"case_pdf:{row['synergy_id']}"] = start_pdf(
                                page, page.with_suffix(".pdf"), browser)
                elif step == "browser":
                    for name in list(jobs):
                        written[name] = jobs.pop(name).wait()
                elif step == "rilascio":
                    from .release import write_release

                    written["release"] = write_release(settings, sections, now)
    finally:
        for job in jobs.values():  # an earlier step failed: do not leave browsers behind
            job.process.kill()
            job.process.communicate()
            job.profile.cleanup()
    with connect(settings) as con:
        audit(con, "export", actor=settings.actor, target=str(out_dir), audience=settings.audience,
              detail="esportazioni " + ", ".join(sorted(k.split(":")[0] for k in written)))
    return written


__all__ = ["export_outputs", "write_indicators_xlsx", "card_html", "case_sheet_html",
           "case_sheet_synergies", "print_pdf", "screenshot", "start_pdf", "start_screenshot",
           "BrowserJob", "find_browser", "ExportError",
           "NO_BROWSER_MESSAGE", "XLSX_NAME", "PDF_NAME", "CARD_NAME", "CASES_DIR", "CARD_SIZE"]
