"""Exports after notebook 05: indicatori.xlsx, report.pdf, key-figures card, case sheets."""
from __future__ import annotations

import shutil
import struct
import subprocess

import pytest
from openpyxl import load_workbook

from workbench.report import build_report
from workbench.report.exports import (CARD_NAME, CARD_SIZE, NO_BROWSER_MESSAGE, PDF_NAME,
                                      XLSX_NAME, case_sheet_synergies, export_outputs)
from workbench.report.sections import SECTION_KEYS
from workbench.store import connect


def png_size(path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


@pytest.fixture(scope="module")
def gsi_exports(demo_settings, tmp_path_factory, chromium):
    root = tmp_path_factory.mktemp("exports")
    data_dir = root / "demo"
    shutil.copytree(demo_settings.data_dir, data_dir,
                    ignore=shutil.ignore_patterns("reports", "release"))
    settings = demo_settings.with_(data_dir=data_dir, store_path=data_dir / "store.duckdb",
                                   reports_root=root / "reports")
    build_report(settings, show=False)
    return settings, export_outputs(settings, progress=False, browser=chromium)


def test_xlsx_has_one_sheet_per_section_in_italian_formats(gsi_exports):
    settings, written = gsi_exports
    assert written["xlsx"] == settings.reports_dir / XLSX_NAME
    wb = load_workbook(written["xlsx"], read_only=True)
    assert len(wb.sheetnames) == len(SECTION_KEYS)
    assert wb.sheetnames[0].startswith("01 Sintesi") and wb.sheetnames[-1].startswith("11 Allegati")
    cells = [str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)
             for v in row if v is not None]
    assert any(c.startswith("€ ") and "." in c for c in cells), "euro in Italian format"
    assert any("," in c and c.replace(".", "").replace(",", "").replace(" ", "").isdigit()
               for c in cells) or any(c.count(".") >= 1 and c.replace(".", "").isdigit()
                                      for c in cells)
    annex = wb[wb.sheetnames[-1]]
    text = " ".join(str(v) for row in annex.iter_rows(values_only=True) for v in row if v)
    assert "CO2" in text  # the definitions of the indicators


def test_pdf_is_printed_with_pages(gsi_exports):
    settings, written = gsi_exports
    pdf = written["pdf"]
    assert pdf == settings.reports_dir / PDF_NAME and pdf.read_bytes()[:5] == b"%PDF-"
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages")))
        assert pages >= 5


def test_key_figures_card_is_a_linkedin_sized_png(gsi_exports):
    settings, written = gsi_exports
    assert written["card"] == settings.reports_dir / CARD_NAME
    assert png_size(written["card"]) == CARD_SIZE
    html = written["card_html"].read_text(encoding="utf-8")
    assert "Cifre chiave" in html and "2027-03" in html


def test_case_sheets_only_for_realised_synergies_between_consenting_companies(gsi_exports):
    settings, written = gsi_exports
    with connect(settings) as con:
        cases = case_sheet_synergies(con, settings)
        consent = dict(con.execute("SELECT company_id, consent FROM companies").fetchall())
    assert len(cases) >= 1
    for _, row in cases.iterrows():
        assert row["status"] in ("realizzata", "monitorata")
        assert consent[row["source_company_id"]] == consent[row["target_company_id"]] == "nominativo"
        page = settings.reports_dir / "schede" / f"{row['synergy_id']}.html"
        assert written[f"case:{row['synergy_id']}"] == page
        assert row["source_name"] in page.read_text(encoding="utf-8")
        assert page.with_suffix(".pdf").read_bytes()[:5] == b"%PDF-"
    assert not settings.release_dir.exists(), "the GSI's report is never released"


def test_without_a_browser_html_only_and_a_clear_message(tiny_settings, tmp_path, capsys):
    data_dir = tmp_path / "tiny"  # a copy: the session's tiny store is shared
    shutil.copytree(tiny_settings.data_dir, data_dir,
                    ignore=shutil.ignore_patterns("reports", "release"))
    settings = tiny_settings.with_(data_dir=data_dir, store_path=data_dir / "store.duckdb",
                                   reports_root=tmp_path / "reports")
    build_report(settings, show=False)
    written = export_outputs(settings, progress=False, browser=None)
    assert NO_BROWSER_MESSAGE in capsys.readouterr().err
    assert "pdf" not in written and "card" not in written
    assert written["xlsx"].exists() and written["card_html"].exists()
    assert not (settings.reports_dir / PDF_NAME).exists()
