"""The energy section on the demo cluster (store read through the NDA views).

The site energy attributes come from the demo questionnaires (template 1.1) through the
store, with no other input.
"""
import re

import pandas as pd
import pytest

from workbench.energy.section import (SITE_ENERGY_COLUMNS, comune_from_address, complete_site_energy,
                                      energy_section, site_energy_from_store)
from workbench.report.html import render_html
from workbench.report.sections import report_sections
from workbench.report.texts import text
from workbench.store import connect


def test_comune_from_address():
    assert comune_from_address("Via del Molo 3, 57123 Livorno (LI)") == "Livorno"
    assert comune_from_address("Via X 1, 57017 Stagno (Collesalvetti) (LI)") == "Collesalvetti"
    assert comune_from_address(None) is None


def test_complete_site_energy_defaults_are_listed():
    sites = pd.DataFrame({"site_id": ["A-S1", "B-S1"], "address": ["x, 57123 Livorno (LI)", None]})
    out = complete_site_energy(pd.DataFrame({"site_id": ["A-S1"], "roof_area_m2": [500.0]}), sites)
    assert list(out.columns) == SITE_ENERGY_COLUMNS + ["assumed"]
    a, b = out.set_index("site_id").loc["A-S1"], out.set_index("site_id").loc["B-S1"]
    assert a["roof_area_m2"] == 500 and "roof_area_m2" not in a["assumed"] and a["comune"] == "Livorno"
    assert b["roof_area_m2"] == 0 and "roof_area_m2" in b["assumed"] and not b["net_metering"]


def test_declared_comune_wins_and_the_address_fills_only_the_missing_ones():
    sites = pd.DataFrame({"site_id": ["A-S1", "B-S1"],
                          "address": ["x, 57017 Stagno (Collesalvetti) (LI)", "y, 57123 Livorno (LI)"]})
    declared = pd.DataFrame({"site_id": ["A-S1", "B-S1"], "comune": ["Rosignano Marittimo", None]})
    out = complete_site_energy(declared, sites).set_index("site_id")["comune"]
    assert out.to_dict() == {"A-S1": "Rosignano Marittimo", "B-S1": "Livorno"}


@pytest.fixture(scope="module")
def demo_energy(demo_settings):
    return energy_section(demo_settings)


def test_store_reader_takes_the_declared_site_attributes(demo_settings):
    with connect(demo_settings, read_only=True) as con:
        se = site_energy_from_store(con)
        declared = con.execute("SELECT site_id, pod_count, shift_pattern, roof_area_m2, roof_tilt_deg, "
                               "existing_pv_kw, net_metering, comune FROM v_sites").df()
    assert len(se) == len(declared) and se["annual_electricity_mwh"].notna().any()
    assert (se["electricity_price_eur_mwh"].dropna() > 50).all()
    assert (se["assumed"] == "").all()  # every attribute declared: no default used
    merged = se.merge(declared, on="site_id", suffixes=("", "_store"))
    assert (merged["pods"] == merged["pod_count"]).all()
    for column in ("shift_pattern", "roof_area_m2", "roof_tilt_deg", "existing_pv_kw", "net_metering",
                   "comune"):
        assert (merged[column] == merged[f"{column}_store"]).all(), column
    assert set(se["comune"]) == {"Livorno", "Collesalvetti"}
    assert (se["roof_tilt_deg"] > 0).any() and (se["existing_pv_kw"] > 0).any() and se["net_metering"].any()


def test_store_reader_on_a_store_without_the_attributes(tiny_settings):
    """Sites of questionnaires without the 1.1 fields: defaults, each listed."""
    with connect(tiny_settings, read_only=True) as con:
        se = site_energy_from_store(con)
    assert len(se) and se["assumed"].str.contains("roof_area_m2").all()
    assert (se["shift_pattern"] == "1x5").all() and not se["net_metering"].any()


def test_energy_section_on_demo(demo_energy):
    out = demo_energy
    sites = out["siti"]
    assert {"membro", "produttore_terzo"} <= set(sites["Ruolo"])
    assert sites.loc[sites["Ruolo"] == "produttore_terzo", "Classe"].eq("grande").any()
    assert (sites["Profilo"].isin(["stimato", "misurato", "–"])).all()
    conf = out["configurazioni"]
    assert conf["Cabina primaria"].nunique() >= 2
    assert (conf.groupby("Cabina primaria")["Rango"].min() == 1).all()
    assert conf["Energia condivisa MWh/anno"].gt(0).all()
    assert conf["Contributo PNRR: motivo"].str.len().gt(0).all()
    assert out["fig_mappa"] is not None and out["fig_mensile"] is not None
    assert any("stimati" in n for n in out["note"])
    assert out["calore_mensile"]["Calore di scarto MWh"].sum() > 0
    assert 1300 <= out["fv"]["Resa specifica kWh/kWp/anno"].iloc[0] <= 1450
    alloc = out["ripartizione"]
    for cp, group in alloc.groupby("Cabina primaria"):
        shares = group["Quota"].dropna()
        assert shares.sum() == pytest.approx(1.0)
    # the questionnaire's own data drive the CER rules
    assert not any("senza superficie di tetto" in n for n in out["note"])
    assert (sites["Dati ipotizzati"] == "").all()
    assert sites["Motivo"].str.contains("Scambio sul Posto").sum() in (1, 2)
    grouped = sites[sites["Motivo"].str.contains("imprese associate o collegate")]
    assert len(grouped) == 1 and grouped["Classe"].iloc[0] == "media"
    assert grouped["Ruolo"].iloc[0] == "produttore_terzo"


@pytest.mark.parametrize("audience", ["funders", "pubblico"])
def test_restricted_audiences_see_no_company(demo_settings, demo_energy, audience):
    gsi = demo_energy
    out = energy_section(demo_settings.with_(audience=audience))
    assert "siti" not in out and "calore_coppie" not in out and "dati" not in out
    names = set(gsi["siti"]["Azienda"])
    text = out["configurazioni"].to_csv() + out["fig_mappa"].to_json()
    assert not any(name in text for name in names)
    shown = out["configurazioni"][~out["configurazioni"]["suppressed"]]
    assert (shown["aziende"] >= 3).all()


# ------------------------------------------------------------------ language
#: Italian words that must not reach an English reader of the energy results.
ITALIAN_WORDS = ("mese", "energia", "cabina", "cabine", "ipotizzati", "condivisa",
                 "configurazione", "produzione", "prelievi", "prelievo", "immissione",
                 "settimana", "calore", "recupero", "recuperato", "azienda", "aziende", "anno",
                 "ruolo", "motivo", "sorgente", "utenza", "stimato", "stimati", "membro",
                 "escluso", "produttore", "impresa", "può", "sì", "sud", "ora", "della",
                 "riservata", "contributo", "tetto", "consumo", "quota", "dati")


def italian_words(texts) -> set[str]:
    found = set()
    for text in texts:
        words = set(re.findall(r"[^\W\d_]+", str(text).lower()))
        found |= words & set(ITALIAN_WORDS)
    return found


def reader_texts(out: dict) -> list[str]:
    """What a reader sees of the energy results, apart from company and place names
    and numbers: figure titles, axis and legend titles, trace names, hover labels,
    table headers, the texts of the tables and the notes."""
    texts = list(out["note"])
    for key, value in out.items():
        if isinstance(value, pd.DataFrame):
            shown = value.drop(columns=[c for c in ("suppressed", "suppression") if c in value])
            texts += [str(c) for c in shown.columns]
            for column in shown.columns:
                if shown[column].dtype == object and column not in (
                        _header("company"), _header("plants"), _header("participant"),
                        _header("heat_source"), _header("heat_sink"), _header("location")):
                    texts += [str(v) for v in shown[column].dropna()]
        elif value is not None and hasattr(value, "layout"):
            layout = value.layout
            texts += [layout.title.text, layout.legend.title.text, *axis_titles(value)]
            # panel titles of the charts drawn per substation, without the codes
            texts += [re.sub(r"CP-[A-Z-]+( – )?", "", a.text or "")
                      for a in layout.annotations]
            for trace in value.data:
                # drop the substation codes (CP-...) from the trace names: they are names
                texts += [re.sub(r"CP-[A-Z-]+", "", trace.name or ""),
                          re.sub(r"=CP-[A-Z-]+", "=", trace.hovertemplate or "")]
    return [t for t in texts if t]


def axis_titles(fig) -> set[str]:
    """Titles of every x and y axis of a figure (one per panel when it has several)."""
    out = set()
    fig.for_each_xaxis(lambda axis: out.add(axis.title.text))
    fig.for_each_yaxis(lambda axis: out.add(axis.title.text))
    return {t for t in out if t}


def _header(column: str, lang: str = "en") -> str:
    from workbench.report.texts import text
    return text(f"energy_col_{column}", lang)


@pytest.fixture(scope="module")
def demo_energy_en(demo_settings):
    return energy_section(demo_settings.with_(lang="en"))


def test_english_energy_results_have_no_italian_words(demo_energy_en):
    out = demo_energy_en
    texts = reader_texts(out)
    assert italian_words(texts) == set(), italian_words(texts)
    assert italian_words(["Energia condivisa per mese"]) == {"energia", "condivisa", "mese"}
    assert out["fig_mappa"].layout.title.text == "Primary substations and CER candidates"
    assert "month" in axis_titles(out["fig_mensile"])
    assert "hour of the week" in axis_titles(out["fig_orario"])
    assert out["fig_calore"].layout.title.text == "Monthly balance of heat recovery"
    assert all(out[f].layout.separators == ".," for f in ("fig_mappa", "fig_mensile", "fig_orario",
                                                          "fig_calore"))
    sites = out["siti"]
    assert {"member", "third-party producer"} <= set(sites["Role"])
    assert set(sites["Profile"]) <= {"estimated", "measured", "–"}
    assert sites["Reason"].str.contains("can be a member").any()
    assert out["configurazioni"]["PNRR grant: reason"].str.contains("inhabitants").all()
    assert (out["calore_coppie"]["Why"].str.len() > 0).all()
    # the same analysis, only the words change
    assert out["configurazioni"]["Shared energy MWh/yr"].gt(0).all()


def test_italian_energy_results_are_unchanged(demo_energy):
    out = demo_energy
    # the check of the English results sees Italian where it is
    assert {"mese", "energia", "cabine", "condivisa", "configurazione", "ipotizzati",
            "calore", "membro", "stimati"} <= italian_words(reader_texts(out))
    assert out["fig_mappa"].layout.title.text == "Cabine primarie e candidati alla CER"
    assert out["fig_mensile"].layout.title.text == (
        "Produzione, prelievi ed energia condivisa per mese (configurazione migliore)")
    assert "mese" in axis_titles(out["fig_mensile"])
    assert out["fig_orario"].layout.title.text == "Energia oraria in una settimana tipo"
    assert "ora della settimana" in axis_titles(out["fig_orario"])
    assert out["fig_calore"].layout.title.text == "Bilancio mensile del recupero di calore"
    assert all(out[f].layout.separators == ",." for f in ("fig_mappa", "fig_mensile", "fig_orario",
                                                          "fig_calore"))
    assert {"produzione FV", "energia condivisa"} <= {t.name.split(" – ")[-1]
                                                       for t in out["fig_mensile"].data}
    assert list(out["siti"].columns) == [
        "Azienda", "Sito", "Cabina primaria", "Classe", "Ruolo", "Motivo", "Da verificare",
        "Consumo MWh/anno", "Profilo", "Tetto: kWp massimi", "Dati ipotizzati"]
    assert list(out["configurazioni"].columns) == [
        "Cabina primaria", "Rango", "Impianti", "Membri", "Potenza kWp", "Produzione MWh/anno",
        "Energia condivisa MWh/anno", "Quota condivisa %", "Tariffa premio €/anno",
        "di cui a finalità sociali €/anno", "Valorizzazione ARERA €/anno", "Investimento €",
        "Contributo PNRR €", "VAN 20 anni €", "TIR %", "Tempo di ritorno anni",
        "Contributo PNRR: motivo"]
    assert list(out["fv"].columns) == ["Località", "Inclinazione", "Orientamento",
                                       "Resa specifica kWh/kWp/anno", "Perdite di sistema %",
                                       "Dati meteo"]
    assert list(out["calore_mensile"].columns) == [
        "Mese", "Calore di scarto MWh", "Domanda di calore MWh", "Domanda di freddo MWh",
        "Recupero diretto MWh", "Recupero con pompa di calore MWh", "Freddo ad assorbimento MWh",
        "Elettricità pompe di calore MWh"]
    assert list(out["calore_coppie"].columns) == [
        "Sorgente", "Utenza", "T sorgente °C", "T utenza °C", "Modo", "COP", "Distanza km",
        "Calore MWh/anno", "Investimento €", "Beneficio netto €/anno", "Perché"]
    assert out["calore_coppie"]["Perché"].str.contains("scambio diretto").any()
    assert out["configurazioni"]["Contributo PNRR: motivo"].str.contains("abitanti").all()


def test_english_restricted_results(demo_settings):
    out = energy_section(demo_settings.with_(lang="en", audience="funders"))
    assert italian_words(reader_texts(out)) == set()
    conf = out["configurazioni"]
    assert list(conf.columns[:2]) == ["Primary substation", "companies"]
    shown = conf[~conf["suppressed"]]
    assert (shown["companies"] >= 3).all()


def test_english_report_has_english_energy_charts(demo_settings, demo_energy_en):
    settings = demo_settings.with_(lang="en")
    sections = report_sections(settings, figures=None, energy=demo_energy_en)
    html = render_html(sections, settings)
    energy = html[html.index('id="sec-energia"'):html.index('id="sec-investimenti"')]
    for title in ("Primary substations and CER candidates",
                  "Production, withdrawals and shared energy by month (best configuration)",
                  "Hourly energy in a typical week", "Monthly balance of heat recovery",
                  "hour of the week", "Best CER configuration by primary substation",
                  "Shared energy MWh/yr", "Specific yield kWh/kWp/yr", "Waste heat MWh"):
        assert title in energy, title
    for italian in ("Cabine primarie", "Energia oraria", "Bilancio mensile", "ora della settimana",
                    "configurazione migliore", "Energia condivisa", "MWh/anno", "stimati",
                    "Prezzo zonale", "\"mese\""):
        assert italian not in energy, italian
    assert '"separators":".,"' in energy.replace(" ", "")


@pytest.mark.parametrize("lang", ["it", "en"])
def test_notebook_view_follows_the_language(demo_energy, demo_energy_en, monkeypatch, lang):
    from IPython.display import HTML

    import workbench.views.energy as view

    shown = []
    monkeypatch.setattr(view, "display", shown.append)
    view.show_energy(demo_energy if lang == "it" else demo_energy_en, lang)
    headings = [o.data for o in shown if isinstance(o, HTML) and o.data.startswith("<h3>")]
    tables = [o.data for o in shown if isinstance(getattr(o, "data", None), pd.DataFrame)]
    ranked = next(t for t in tables if _header("rank", lang) in t.columns)
    shared = ranked[_header("shared_mwh", lang)]
    if lang == "en":
        assert headings[:2] == ["<h3>Notes on the data</h3>", "<h3>Sites and their CER role</h3>"]
        assert shared.str.fullmatch(r"\d{1,3}(,\d{3})*").all()  # 1,041
    else:
        assert headings[:2] == ["<h3>Note sui dati</h3>", "<h3>Siti e ruolo nella comunità energetica</h3>"]
        assert shared.str.fullmatch(r"\d{1,3}(\.\d{3})*").all()  # 1.041


def test_report_shows_the_best_configuration_of_each_substation(demo_settings, demo_energy):
    """Every ranked configuration stays in notebook 03; the report keeps one row per
    primary substation and a page-wide set of columns."""
    sections = report_sections(demo_settings, figures=None, energy=demo_energy)
    energy = next(s for s in sections if s.key == "energia")
    caption = text("energy_configurations_best", "it")
    table = next(b.content for b in energy.blocks
                 if b.kind == "table" and b.content.caption == caption)
    full = demo_energy["configurazioni"]
    assert len(full) > len(table.frame)
    assert table.frame["Cabina primaria"].is_unique
    assert set(table.frame["Cabina primaria"]) == set(full["Cabina primaria"])
    assert "Impianti" not in table.frame.columns and "Rango" not in table.frame.columns
    assert len(table.frame.columns) <= 12
