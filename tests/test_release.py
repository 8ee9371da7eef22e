"""Releases (release/<period>/<audience>/), reading them back, and the leak scan of everything a funder receives."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import plotly.offline
import pytest

from workbench.report import build_report
from workbench.report.exports import export_outputs, find_browser
from workbench.report.release import (MANIFEST, ReleaseError, find_releases, read_release,
                                      sha256_of, show_release, verify_release, write_release)
from workbench.report.sections import report_sections
from workbench.report.texts import format_number
from workbench.store import connect

#: Single-company quantities below this are not scanned: small numbers (3, 12, 250 …)
#: appear everywhere for other reasons. [unit of the flow]
SCAN_MIN_QUANTITY = 1000


def secrets_of(settings) -> dict[str, list[str]]:
    """What must never reach a funder: names of companies without consent, VAT numbers,
    site addresses, and the exact quantities of single companies' flows as the report
    formats them (Italian thousand separators, values ≥ 1.000)."""
    with connect(settings) as con:
        companies = con.execute("SELECT name, vat_number, consent FROM companies").df()
        addresses = [a for (a,) in con.execute(
            "SELECT address FROM sites WHERE address IS NOT NULL").fetchall()]
        quantities = [q for (q,) in con.execute(
            "SELECT quantity_std FROM flows WHERE quantity_std >= ?",
            [SCAN_MIN_QUANTITY]).fetchall()]
    return {
        "name": sorted(companies.loc[companies["consent"] != "nominativo", "name"]),
        "vat": sorted(companies["vat_number"]),
        "address": sorted(set(addresses)),
        "quantity": sorted({format_number(q, "it") for q in quantities}),
    }


def readable_text(path: Path) -> str:
    """The text a reader can get out of a file: XLSX cells, PDF text, plain files."""
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as z:
            return "\n".join(z.read(n).decode("utf-8", "ignore") for n in z.namelist())
    if path.suffix == ".pdf" and shutil.which("pdftotext"):
        return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                              text=True, check=True).stdout
    content = path.read_text(encoding="utf-8", errors="ignore")
    # the plotly.js library (inlined or beside the charts) is code, not data
    return content.replace(plotly.offline.get_plotlyjs(), "")


def _pattern(kind: str, value: str) -> re.Pattern:
    if kind == "quantity":  # a whole number, not a piece of 12.345,6 or of 0.2345
        return re.compile(r"(?<![\d.,])" + re.escape(value) + r"(?!\d|[.,]\d)")
    return re.compile(re.escape(value))


def scan(folders, secrets) -> list[str]:
    """``file: kind 'value'`` for every secret found in a file of ``folders``."""
    patterns = [(kind, value, _pattern(kind, value))
                for kind, values in secrets.items() for value in values if value]
    hits = []
    for folder in folders:
        for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
            content = readable_text(path)
            hits += [f"{path.relative_to(folder)}: {kind} {value!r}"
                     for kind, value, pattern in patterns if pattern.search(content)]
    return hits


@pytest.fixture(scope="module")
def funders_release(demo_settings, tmp_path_factory):
    """A copy of the demo, its funders' report, exports and release."""
    root = tmp_path_factory.mktemp("release")
    data_dir = root / "demo"
    shutil.copytree(demo_settings.data_dir, data_dir,
                    ignore=shutil.ignore_patterns("reports", "release"))
    settings = demo_settings.with_(data_dir=data_dir, store_path=data_dir / "store.duckdb",
                                   audience="funders", reports_root=root / "reports")
    build_report(settings, show=False)
    written = export_outputs(settings, progress=False)
    return settings, written


def test_release_holds_only_controlled_tables_figures_and_manifest(funders_release):
    settings, written = funders_release
    folder = settings.release_dir
    assert written["release"] == folder and folder == settings.reports_root.parent / "release" / settings.period / "funders"
    names = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert "report.html" in names and MANIFEST in names and "indicatori.xlsx" in names
    assert any(n.startswith("tabelle/") and n.endswith(".csv") for n in names)
    assert any(n.startswith("grafici/") and n.endswith(".html") for n in names)
    assert not any(n.endswith(".ipynb") for n in names), "executed notebooks are never released"
    cases = sorted(k.split(":")[1] for k in written if k.startswith("case:"))
    assert cases, "the demo has a realised synergy whose companies both consented"
    assert {f"schede/{c}.html" for c in cases} <= names  # shared files come from the release
    allowed = (".csv", ".html", ".js", ".json", ".pdf", ".png", ".xlsx")
    assert all(n.endswith(allowed) for n in names), names


def test_manifest_hashes_every_file(funders_release):
    settings, _ = funders_release
    folder = settings.release_dir
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["period"] == settings.period and manifest["audience"] == "funders"
    assert manifest["generated_at"]
    listed = {f["path"]: f["sha256"] for f in manifest["files"]}
    on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*")
               if p.is_file() and p.name != MANIFEST}
    assert set(listed) == on_disk
    for rel, digest in listed.items():
        assert sha256_of(folder / rel) == digest
    assert verify_release(folder) == []


def test_tampered_release_is_detected(funders_release, tmp_path):
    settings, _ = funders_release
    copy = tmp_path / "copy"
    shutil.copytree(settings.release_dir, copy)
    csv = next((copy / "tabelle").glob("*.csv"))
    csv.write_text(csv.read_text(encoding="utf-8") + "x\n", encoding="utf-8")
    (copy / "extra.txt").write_text("?", encoding="utf-8")
    assert sorted(verify_release(copy)) == sorted([csv.relative_to(copy).as_posix(), "extra.txt"])


def test_release_is_audited(funders_release):
    settings, _ = funders_release
    with connect(settings) as con:
        rows = con.execute("SELECT target, audience, detail FROM audit_log "
                           "WHERE action = 'release'").fetchall()
    assert rows and rows[-1][0] == str(settings.release_dir) and rows[-1][1] == "funders"


def test_gsi_has_no_release(funders_release):
    settings, _ = funders_release
    with pytest.raises(ValueError, match="funders"):
        write_release(settings.with_(audience="gsi"), [])


def test_scan_finds_a_planted_secret(funders_release, tmp_path):
    """The scanner itself works: a VAT number and a quantity planted in a CSV are found."""
    settings, _ = funders_release
    secrets = secrets_of(settings)
    assert secrets["name"] and secrets["vat"] and secrets["address"] and secrets["quantity"]
    (tmp_path / "t.csv").write_text(f"a;{secrets['vat'][0]};{secrets['quantity'][0]} t\n",
                                    encoding="utf-8")
    assert len(scan([tmp_path], secrets)) == 2


def test_nothing_a_funder_receives_leaks(funders_release):
    """Every file of the release and of the funders' reports folder (HTML, CSV, XLSX,
    PDF text, card, case sheets) is free of names without consent, VAT numbers, site
    addresses and exact single-company quantities."""
    settings, _ = funders_release
    if find_browser() and not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) serve per leggere il PDF: apt-get install poppler-utils")
    hits = scan([settings.release_dir, settings.reports_dir], secrets_of(settings))
    assert not hits, hits[:10]


def test_pubblico_release_names_nobody(funders_release):
    """The public's release: the same controls, and not even consenting companies named."""
    settings, _ = funders_release
    public = settings.with_(audience="pubblico")
    build_report(public, show=False)
    written = export_outputs(public, progress=False, browser=None)
    assert written["release"] == public.release_dir
    assert not any(k.startswith("case:") for k in written)
    secrets = secrets_of(settings)
    with connect(settings) as con:
        secrets["name"] = [n for (n,) in con.execute("SELECT name FROM companies").fetchall()]
    hits = scan([public.release_dir, public.reports_dir], secrets)
    assert not hits, hits[:10]
    assert json.loads((public.release_dir / MANIFEST).read_text())["audience"] == "pubblico"
    # the public release sits beside the funders', it does not replace it
    assert verify_release(settings.release_dir) == []
    assert json.loads((settings.release_dir / MANIFEST).read_text())["audience"] == "funders"
    assert set(find_releases(settings.release_root, "pubblico")) == {settings.period}
    assert set(find_releases(settings.release_root, "funders")) == {settings.period}


def test_read_release_rebuilds_the_report_without_the_store(funders_release, tmp_path):
    """The dashboard's input: every section and block of the funders' report, rebuilt from
    the release alone (the copy has no store beside it and no key is set)."""
    settings, _ = funders_release
    copy = tmp_path / "solo_rilascio"
    shutil.copytree(settings.release_dir, copy)
    release = read_release(copy)
    assert (release.period, release.audience, release.lang) == (settings.period, "funders", "it")
    expected = report_sections(settings)
    assert [s.key for s in release.sections] == [s.key for s in expected]
    for got, want in zip(release.sections, expected):
        assert got.title == want.title
        assert [b.kind for b in got.blocks] == [b.kind for b in want.blocks], got.key
        for b, w in zip(got.blocks, want.blocks):
            assert b.title == w.title
            if b.kind == "table":
                assert b.content.frame.columns.tolist() == w.content.frame.columns.tolist()
                assert b.content.frame.astype(str).values.tolist() == \
                    w.content.frame.astype(str).values.tolist()
                assert b.content.note == w.content.note
            elif b.kind == "figure":
                assert b.content.layout.title.text == w.content.layout.title.text
                assert len(b.content.data) == len(w.content.data)
            elif b.kind in ("text", "note", "list"):
                assert b.content == w.content
            elif b.kind == "html":
                assert len(b.content) > 100 and b.content[:50] == w.content[:50]
    assert any(b.kind == "figure" for s in release.sections for b in s.blocks)
    assert release.header[0].startswith("Periodo " + settings.period)


def test_read_release_refuses_an_altered_release(funders_release, tmp_path):
    settings, _ = funders_release
    copy = tmp_path / "alterato"
    shutil.copytree(settings.release_dir, copy)
    table = sorted((copy / "tabelle").glob("*.csv"))[0]
    table.write_text(table.read_text(encoding="utf-8") + "Alfa Fonderie Fittizie,1\n",
                     encoding="utf-8")
    with pytest.raises(ReleaseError, match=table.name):
        read_release(copy)
    with pytest.raises(ReleaseError, match="manca manifest.json"):
        read_release(tmp_path / "nessuno")


def test_show_release_names_missing_periods(funders_release, tmp_path):
    settings, _ = funders_release
    with pytest.raises(ReleaseError, match="disponibili: " + settings.period):
        show_release(settings.release_root, "2031-09", "funders")
    with pytest.raises(ReleaseError, match="nessun rilascio per 'funders'"):
        show_release(tmp_path, None, "funders")
