"""The semester report: texts, sections, report.html (offline, audiences, languages)."""
from __future__ import annotations

import re
import sys
from datetime import date, datetime
from html.parser import HTMLParser

import plotly.offline
import pytest

from workbench.report import REPORT_HTML, build_report, report_sections
from workbench.report.sections import SECTION_KEYS, sankey_figures_or_none
from workbench.report.texts import (TEXTS, format_date, format_eur, format_number, text,
                                    vocabulary)
from workbench.store import connect

from conftest import TINY_COMPANIES

NOW = datetime(2026, 10, 15, 9, 30)
TITLES_IT = ["Sintesi", "Aziende mappate per classe dimensionale", "Flussi mappati", "Sinergie",
             "Benefici potenziali e realizzati",
             "Energia: comunità energetiche rinnovabili e recupero di calore",
             "Investimenti, bandi e concorsi", "Ricerca e brevetti", "Occupazione",
             "Confronto con il periodo precedente e con Kalundborg", "Allegati"]


# ---------------------------------------------------------------- texts


def test_every_text_has_italian_and_english():
    for key, entry in TEXTS.items():
        assert set(entry) == {"it", "en"}, key
        assert entry["it"].strip() and entry["en"].strip(), key


def test_text_fills_placeholders_and_rejects_unknown_language():
    assert "30/09/2026" in text("sintesi_intro", "it", end="30/09/2026")
    with pytest.raises(KeyError):
        text("sec_sintesi", "fr")


def test_italian_and_english_number_formats():
    assert format_number(1234.5, "it", 1) == "1.234,5"
    assert format_number(1234.5, "en", 1) == "1,234.5"
    assert format_number(12.25, "it") == "12,2" or format_number(12.25, "it") == "12,3"
    assert format_number(1234567, "it") == "1.234.567"
    assert format_number(0.125, "it") == "0,13" or format_number(0.125, "it") == "0,12"
    assert format_number(-0.001, "it", 1) == "0,0"
    assert format_number(None) == "–" and format_number(float("nan")) == "–"
    assert format_eur(350000, "it") == "€ 350.000"
    assert format_date(date(2027, 3, 31), "it") == "31/03/2027"
    assert vocabulary("status", "in_valutazione", "it") == "in valutazione"
    assert vocabulary("status", "sconosciuto", "it") == "sconosciuto"


# ---------------------------------------------------------------- offline HTML


class _Resources(HTMLParser):
    """Collects every attribute that could make a browser load something."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.styles: list[str] = []
        self.tags: list[str] = []
        self.srcdocs: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "action", "data", "poster", "srcset", "background",
                        "formaction", "xlink:href") and value:
                self.urls.append(value)
            if name == "style" and value:
                self.styles.append(value)
            if name == "srcdoc" and value:
                self.srcdocs.append(value)
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def assert_offline(html: str) -> None:
    """No element loads a resource from the network; no CSS import or remote url()."""
    parser = _Resources()
    parser.feed(html)
    remote = [u for u in parser.urls if re.match(r"\s*(https?:)?//", u, re.I)]
    assert remote == [], remote
    assert not re.search(r"(src|href)\s*=\s*[\"']?\s*(https?:)?//", _outside_scripts(html), re.I)
    for css in parser.styles:
        assert not re.search(r"@import|url\(\s*[\"']?\s*(https?:)?//", css, re.I), css
    assert "link" not in parser.tags
    # An iframe is allowed only as a self-contained document (srcdoc, no src), and that
    # document must be offline too (the exchange network of the flow views).
    assert parser.tags.count("iframe") == len(parser.srcdocs)
    for document in parser.srcdocs:
        assert_offline(document)


def _outside_scripts(html: str) -> str:
    return re.sub(r"<script\b.*?</script>", "", html, flags=re.S | re.I)


@pytest.fixture(scope="module")
def reports(tiny_settings, tmp_path_factory):
    """report.html of the tiny store for each audience, and in English."""
    root = tmp_path_factory.mktemp("reports")
    out = {}
    for name, changes in {"gsi": {}, "funders": {"audience": "funders"},
                          "pubblico": {"audience": "pubblico"},
                          "en": {"lang": "en"}}.items():
        settings = tiny_settings.with_(reports_root=root / name, **changes)
        path = build_report(settings, show=False, now=NOW)
        out[name] = (settings, path, path.read_text(encoding="utf-8"))
    return out


def test_report_is_written_in_the_period_folder(reports):
    settings, path, _ = reports["gsi"]
    assert path == settings.reports_root / "2026-09" / REPORT_HTML
    assert not list(path.parent.glob("*.tmp"))
    funders, path, _ = reports["funders"]
    assert path == funders.reports_root / "2026-09" / "funders" / REPORT_HTML


@pytest.mark.parametrize("name", ["gsi", "funders", "pubblico", "en"])
def test_report_is_self_contained_and_offline(reports, name):
    html = reports[name][2]
    assert_offline(html)
    js = plotly.offline.get_plotlyjs()
    assert html.count(js[:500]) == 1  # plotly.js inlined exactly once
    assert html.count("Plotly.newPlot(") >= 2  # interactive charts


def test_report_has_the_fixed_structure_in_order(reports):
    html = _outside_scripts(reports["gsi"][2])
    headings = re.findall(r'<h2 id="sec-([a-z]+)">\d+\. ([^<]+)</h2>', html)
    assert [k for k, _ in headings] == list(SECTION_KEYS)
    assert [t.replace("&#x27;", "'") for _, t in headings] == TITLES_IT


def test_report_hides_code_by_construction(reports):
    html = _outside_scripts(reports["gsi"][2])
    for code in ("build_report(", "load_settings(", "import workbench", "In [", "Traceback"):
        assert code not in html


def test_report_italian_formats_and_header(reports):
    html = reports["gsi"][2]
    assert 'lang="it"' in html
    assert "€ 350.000" in html  # private investment
    assert "01/04/2026–30/09/2026" in html and "15/10/2026" in html
    assert "586.000" in html and "Kalundborg Symbiosis" in html


def test_report_in_english(reports):
    html = _outside_scripts(reports["en"][2])
    assert 'lang="en"' in html
    assert "Summary" in html and "Comparison with the previous period and with Kalundborg" in html
    assert "€ 350,000" in html and "586,000" in html
    assert "Sintesi" not in html


def test_energy_section_says_when_the_analysis_is_missing(tiny_settings, monkeypatch):
    monkeypatch.setitem(sys.modules, "workbench.energy.section", None)
    sections = report_sections(tiny_settings, figures=None)
    energy = next(s for s in sections if s.key == "energia")
    notes = " ".join(b.content for b in energy.blocks if b.kind == "note")
    assert "In preparazione" in notes and "CER" in notes


def test_energy_section_uses_the_energy_analysis(reports):
    html = _outside_scripts(reports["gsi"][2])
    assert "dall'analisi energetica del programma" in html.replace("&#x27;", "'")
    assert "Calore di scarto e recupero per mese" in html


def _names(html: str):
    return {name: name in html for _, name, *_ in TINY_COMPANIES}


def test_gsi_report_names_companies(reports):
    named = _names(reports["gsi"][2])
    assert named["Alfa Fonderie Fittizie S.r.l."]  # the scan below can see names
    assert not named["Zeta Senza Accordo S.r.l."]  # never: no NDA


def test_funders_report_names_only_consenting_companies(reports):
    settings, _, html = reports["funders"]
    with connect(settings, read_only=True) as con:
        companies = con.execute("SELECT name, vat_number, consent FROM companies").df()
        addresses = con.execute("SELECT address FROM sites").df()["address"]
    for row in companies.itertuples():
        assert row.vat_number not in html
        if row.consent != "nominativo":
            assert row.name not in html, row.name
    for address in addresses:
        assert address not in html
    assert "Beta Chimica Inventata S.p.A." in html  # consent = nominativo
    assert "P-" in html  # the others by pseudonym
    assert "riservato" in html  # small cells suppressed, and said so


def test_pubblico_report_has_no_company_label(reports):
    html = reports["pubblico"][2]
    assert not any(_names(html).values())
    assert not re.search(r"\bP-[A-Z2-7]{8}\b", html)


def test_funders_report_suppresses_single_company_quantities(reports):
    html = _outside_scripts(reports["funders"][2])
    # acqua out is one company (50,000 m3): the exact figure must not be shown
    assert "50.000 m3" not in html
    gsi = _outside_scripts(reports["gsi"][2])
    assert "50.000 m3" in gsi


def test_funders_report_hides_changes_that_single_out_companies(reports):
    html = _outside_scripts(reports["funders"][2])
    # jobs created in the period: one company (1,5 FTE); CO2e change: one synergy (40 t)
    assert "1,5 ETP" not in html and "+40" not in html
    gsi = _outside_scripts(reports["gsi"][2])
    assert "1,5 ETP" in gsi and "+40" in gsi


def test_report_export_is_audited(reports):
    settings = reports["funders"][0]
    with connect(settings, read_only=True) as con:
        rows = con.execute("SELECT action, audience, target FROM audit_log "
                           "WHERE action = 'export'").df()
    assert {"gsi", "funders", "pubblico"} <= set(rows["audience"])
    assert rows["target"].str.endswith(REPORT_HTML).all()


def test_sankey_module_missing_is_said_not_hidden(tiny_settings, monkeypatch):
    monkeypatch.setitem(sys.modules, "workbench.views.sankey", None)
    assert sankey_figures_or_none(tiny_settings) is None
    sections = report_sections(tiny_settings, figures="auto", energy=None)
    flows = next(s for s in sections if s.key == "flussi")
    notes = [b.content for b in flows.blocks if b.kind == "note"]
    assert any("non disponibili" in n for n in notes)


def test_sections_with_sankey_figures(tiny_settings):
    sections = report_sections(tiny_settings, energy=None)
    flows = next(s for s in sections if s.key == "flussi")
    figures = [b for b in flows.blocks if b.kind == "figure"]
    assert len(figures) == 3  # one per matrix


def test_benefits_without_data_say_so(empty_settings):
    sections = report_sections(empty_settings, figures=None, energy=None)
    benefits = next(s for s in sections if s.key == "benefici")
    table = next(b.content for b in benefits.blocks if b.kind == "table")
    assert set(table.frame["Potenziale"]) == {"dati non ancora disponibili"}  # no screening
    assert "0" in table.frame["Realizzato"].iloc[0]  # nothing realised is a true zero


def test_build_report_displays_in_a_notebook(tiny_settings, tmp_path, monkeypatch):
    """show=True sends HTML outputs and plotly figures as plotly's notebook mimetype
    (raw bundles: no CDN, no script)."""
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display",
                        lambda *objs, **kw: shown.extend((o, kw.get("raw")) for o in objs))
    build_report(tiny_settings.with_(reports_root=tmp_path), show=True)
    kinds = {type(o).__name__ for o, _ in shown}
    assert kinds == {"HTML", "dict"}
    bundles = [o for o, raw in shown if isinstance(o, dict)]
    assert bundles and all(raw for o, raw in shown if isinstance(o, dict))
    for bundle in bundles:
        assert list(bundle) == ["application/vnd.plotly.v1+json"]
        figure = bundle["application/vnd.plotly.v1+json"]
        assert figure["data"] and figure["layout"]["height"] > 0
        assert figure["config"] == {"displaylogo": False, "responsive": True}


# ---------------------------------------------------------------- demo store


def test_funders_report_on_the_demo_leaks_no_name_or_vat(demo_settings, tmp_path):
    settings = demo_settings.with_(audience="funders", reports_root=tmp_path)
    html = build_report(settings, show=False).read_text(encoding="utf-8")
    assert_offline(html)
    with connect(settings, read_only=True) as con:
        companies = con.execute("SELECT name, vat_number, consent FROM companies").df()
        addresses = con.execute("SELECT address FROM sites WHERE address IS NOT NULL").df()
    assert len(companies) >= 10
    for row in companies.itertuples():
        assert row.vat_number not in html, row.vat_number
        if row.consent != "nominativo":
            assert row.name not in html, row.name
    for address in addresses["address"]:
        assert address not in html, address


def test_pubblico_report_on_the_demo_names_nobody(demo_settings, tmp_path):
    settings = demo_settings.with_(audience="pubblico", reports_root=tmp_path)
    html = build_report(settings, show=False).read_text(encoding="utf-8")
    with connect(settings, read_only=True) as con:
        names = con.execute("SELECT name FROM companies").df()["name"]
    assert not [n for n in names if n in html]


# ---------------------------------------------------------------- browser


@pytest.mark.browser
def test_report_renders_its_charts_offline_in_chromium(reports, dump_dom):
    """Chromium with every host unresolvable still draws every chart of report.html."""
    _, path, html = reports["funders"]
    expected = html.count("Plotly.newPlot(")
    dom = dump_dom(path.as_uri(), "--host-resolver-rules=MAP * ~NOTFOUND", budget_ms=15000)
    assert "Sintesi" in dom
    assert dom.count('class="main-svg"') >= expected  # every chart drawn by plotly.js


def test_gsi_report_on_the_demo_leaves_out_companies_without_nda(demo_settings, tmp_path):
    """The NDA gate: even the GSI's own report never shows a company without an NDA."""
    settings = demo_settings.with_(reports_root=tmp_path)
    html = build_report(settings, show=False).read_text(encoding="utf-8")
    with connect(settings, read_only=True) as con:
        without = con.execute("SELECT name, vat_number FROM companies WHERE nda_signed_on IS NULL").df()
        named = con.execute("SELECT name FROM v_companies").df()["name"]
    assert len(without) >= 3
    assert any(n in html for n in named)  # the GSI report does name companies under NDA
    for row in without.itertuples():
        assert row.name not in html and row.vat_number not in html, row.name
