"""The fixed structure of the semester report (DESIGN §8), filled from the store.

Two steps, kept apart so that each can be tested and reused (the XLSX annex and the
releases of later issues reuse :func:`report_data`):

1. :func:`report_data` reads the indicators of the period and of the previous one, and
   applies disclosure control for the audience. Its DataFrames are the only numbers the
   report shows.
2. :func:`report_sections` turns them into :class:`Section` objects — titles, texts,
   tables of formatted strings and plotly figures — in the reader's language.

Nothing here writes files; :mod:`workbench.report.html` renders the sections.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from .. import indicators as ind
from ..config import Period, Settings
from ..model import ALL_STATUSES, MATRICES
from ..privacy import (DOMINANCE_SHARE, MIN_COMPANIES, PROTECTION_SHARE, company_labels,
                       disclosure_control, disclosure_control_2d, disclosure_control_over_time,
                       is_restricted)
from ..reference import UNCLASSIFIED_SECTION, ateco_sections, resource_classes
from ..store import connect
from ..views.figures import plotly_separators
from .texts import (format_date, format_eur, format_number, format_quantity, text,
                    vocabulary)

#: Section keys in report order (DESIGN §8); the structure is the same every period.
SECTION_KEYS: tuple[str, ...] = (
    "sintesi", "aziende", "flussi", "sinergie", "benefici", "energia", "investimenti",
    "ricerca", "occupazione", "confronto", "allegati",
)

#: Colours of the matrices in every chart.
MATRIX_COLOURS = {"materia": "#8c6d31", "acqua": "#3182bd", "energia": "#e6550d"}


@dataclass
class Table:
    """A table ready to show: labelled columns, formatted strings."""

    frame: pd.DataFrame
    numeric: tuple[str, ...] = ()
    caption: str | None = None
    note: str | None = None


@dataclass
class Block:
    """One element of a section: ``text``, ``note``, ``table``, ``figure``, ``list`` or
    ``html`` (self-contained HTML made by :mod:`workbench.views`, e.g. the network)."""

    kind: str
    content: Any
    title: str | None = None


@dataclass
class Section:
    """A report section: ``key`` of :data:`SECTION_KEYS`, its title, blocks, and the
    disclosure-controlled data behind it (for annexes and releases)."""

    key: str
    title: str
    blocks: list[Block] = field(default_factory=list)
    data: dict[str, pd.DataFrame] = field(default_factory=dict)


# ---------------------------------------------------------------- data


def _kpis(con, period: Period, audience: str) -> pd.DataFrame:
    return disclosure_control_over_time(ind.key_figures(con, period), audience)


def _benefits_long(con, period: Period, audience: str) -> pd.DataFrame:
    """Benefits as rows (benefit, kind potential|realised) with ``value``/``suppressed``.

    Realised values are cumulative, so they are controlled with their change from the
    previous period; potentials (a fresh screening each time) as plain cells.
    """
    wide = ind.benefits(con, period)
    base = {"benefit": wide["benefit"], "unit": wide["unit"]}
    potential = disclosure_control(pd.DataFrame({
        **base, "kind": "potential",
        "value": pd.to_numeric(wide["potential"], errors="coerce").astype(float),
        "companies": wide["potential_companies"], "top_share": wide["potential_top_share"],
    }), audience, "companies", ["value"], share_column="top_share", complementary=False)
    realised_now = pd.to_numeric(wide["realised"], errors="coerce").astype(float)
    realised_before = pd.to_numeric(wide["realised_previous"], errors="coerce").astype(float)
    realised = disclosure_control_over_time(pd.DataFrame({
        **base, "kind": "realised", "value": realised_now, "value_previous": realised_before,
        "change": realised_now - realised_before,
        "companies": wide["realised_companies"], "top_share": wide["realised_top_share"],
        "companies_previous": wide["realised_companies_previous"],
        "top_share_previous": wide["realised_top_share_previous"],
        "change_companies": wide["realised_change_companies"],
        "change_top_share": wide["realised_change_top_share"],
    }), audience)
    columns = ["benefit", "unit", "kind", "value", "suppressed"]
    long = pd.concat([potential[columns], realised[columns]], ignore_index=True)
    order = {b: i for i, (b, _) in enumerate(ind.BENEFITS)}
    return long.sort_values(["benefit", "kind"], key=lambda c: c.map(order) if c.name == "benefit"
                            else c).reset_index(drop=True)


def _with_kpi_flags(df: pd.DataFrame, kpis: pd.DataFrame, key_of_row, cumulative: list[str],
                    in_period: list[str]) -> pd.DataFrame:
    """Give a table the suppression of the key figures it repeats: its cumulative
    columns follow ``suppressed``, its within-period columns (= the change since the
    previous period) follow ``suppressed_change``. Contributor columns are dropped."""
    flags = kpis.set_index("key")
    out = df.copy()
    keys = [key_of_row(row) for _, row in out.iterrows()]
    out["suppressed"] = [bool(flags.loc[k, "suppressed"]) for k in keys]
    out["suppressed_period"] = [bool(flags.loc[k, "suppressed_change"]) for k in keys]
    for column in cumulative:
        out[column] = out[column].astype(float).where(~out["suppressed"])
    for column in in_period:
        out[column] = out[column].astype(float).where(~out["suppressed_period"])
    return out.drop(columns=[c for c in out.columns if c.startswith(("companies", "top_share"))])


def _synergy_list(con, period: Period, audience: str, key: str) -> pd.DataFrame:
    """Synergies with company labels as the audience may see them; empty for pubblico."""
    syn = ind.synergy_status(con, period)
    if audience == "pubblico":
        return syn.iloc[0:0][["synergy_id", "matrix", "status"]]
    companies = con.execute("SELECT company_id, name, consent FROM v_companies").df()
    labels = company_labels(companies, audience, key)
    out = pd.DataFrame({
        "synergy_id": syn["synergy_id"],
        "matrix": syn["matrix"],
        "status": syn["status"],
        "source": syn["source_company_id"].map(labels),
        "target": syn["target_company_id"].map(labels),
        "regulatory_path": syn["regulatory_path"],
    })
    if audience == "gsi":  # free text and exact quantities describe single companies
        out["description"] = syn["description"]
        out["quantity_std"] = syn["quantity_std"]
        out["unit_std"] = syn["unit_std"]
    order = {s: i for i, s in enumerate(ALL_STATUSES)}
    return out.sort_values(["status", "synergy_id"], key=lambda c: c.map(order) if c.name == "status" else c)


#: Keys of :func:`report_data` holding the waste table by sector and size class: the
#: cells, the row totals (by sector), the column totals (by size class), the grand total.
WASTE_TABLE_KEYS: tuple[str, ...] = ("waste_by_sector_size", "waste_by_sector",
                                     "waste_by_size", "waste_total")


def _waste_by_sector_size(con, period: Period, audience: str) -> dict[str, pd.DataFrame]:
    """:func:`workbench.indicators.waste_by_sector_size` with its row, column and grand
    totals through :func:`workbench.privacy.disclosure_control_2d`, under
    :data:`WASTE_TABLE_KEYS`. For restricted audiences sections with fewer than
    :data:`MIN_COMPANIES` companies are pooled into "other sectors" first, and the company
    counts are dropped (not needed outside the GSI)."""
    pool = MIN_COMPANIES if is_restricted(audience) else 0
    cells, rows, columns, total = disclosure_control_2d(
        ind.waste_by_sector_size(con, period, pool_below=pool), audience, "sector", "size_class", "companies",
        "quantity_std", share_column="top_share")
    total = pd.DataFrame([{"quantity_std": total["value"], "companies": total["companies"],
                           "suppressed": total["suppressed"]}])
    frames = dict(zip(WASTE_TABLE_KEYS, (cells, rows, columns, total)))
    if is_restricted(audience):
        frames = {k: f.drop(columns=["companies"]) for k, f in frames.items()}
    return frames


def report_data(con, settings: Settings) -> dict[str, pd.DataFrame]:
    """Every number of the report for ``settings.period`` and ``settings.audience``.

    Parameters
    ----------
    con : DuckDB connection — an open store (``store.connect``).
    settings : Settings — period, audience and the key (for pseudonyms).

    Returns
    -------
    dict of DataFrames — ``kpis`` (this and the previous period, and the change),
    ``sizes``, the waste table by sector and size class (:data:`WASTE_TABLE_KEYS`: cells,
    row totals, column totals, grand total; two-dimensional disclosure control),
    ``flows``, ``status``, ``synergies``, ``benefits``, ``investments``,
    ``calls``, ``contests``, ``research``, ``jobs``, ``energy_candidates``. For
    ``funders`` and ``pubblico`` every table that aggregates company data is
    disclosure-controlled (bool ``suppressed*`` columns mark withheld cells), cumulative
    figures together with their change since the previous report, and no column
    describes a single company.

    Notes
    -----
    The flows and size-class tables are controlled per period only: a difference with
    the previous report's tables (a company joining) is not yet protected; the
    disclosure-control issue extends :func:`workbench.privacy.disclosure_control_over_time`
    to them.
    """
    period = Period.parse(settings.period)
    audience = settings.audience
    restricted = is_restricted(audience)
    sizes = ind.companies_by_size(con, period)
    sizes = disclosure_control(sizes, audience, "companies", ["share"], suppress_counts=True)
    flows = disclosure_control(ind.flows_by_matrix(con, period), audience, "companies",
                               ["quantity_std", "flows"], share_column="top_share")
    kpis = _kpis(con, period, audience)
    data = {
        "kpis": kpis,
        "sizes": sizes,
        "flows": flows,
        "status": ind.synergies_by_status(con, period),
        "synergies": _synergy_list(con, period, audience,
                                   settings.resolve_key() if audience == "funders" else ""),
        "benefits": _benefits_long(con, period, audience),
        "investments": _with_kpi_flags(
            ind.investments(con, period), kpis,
            lambda row: "private_investment" if row["kind"] == "privato" else "public_investment",
            ["amount_eur"], ["amount_eur_period"]),
        "calls": ind.funding_calls(con, period),
        "contests": ind.contests(con, period),
        "research": ind.research(con, period),
        "jobs": _with_kpi_flags(ind.jobs(con, period), kpis, lambda row: "fte", ["fte"],
                                ["fte_period"]),
        "energy_candidates": disclosure_control(ind.energy_candidates(con), audience,
                                                "companies", ["quantity_std", "candidates"],
                                                share_column="top_share"),
        **_waste_by_sector_size(con, period, audience),
    }
    if restricted:  # company counts of a cell are not needed by readers outside the GSI
        data["energy_candidates"] = data["energy_candidates"].drop(columns=["companies"])
    return data


def sankey_figures_or_none(settings: Settings) -> dict[str, go.Figure] | None:
    """The flow views: a Sankey figure per matrix from :mod:`workbench.views.sankey`, then
    the exchange network and the offline site map as HTML; None when the views package
    does not exist (the report then says so). Any other error propagates."""
    try:
        from ..views.sankey import sankey_figures
    except ModuleNotFoundError as exc:
        if exc.name in ("workbench.views", "workbench.views.sankey"):
            return None
        raise
    from ..views.map import static_map_html
    from ..views.network import network_html
    from ..views.panels import load

    data = load(settings)  # one store read for all the flow views
    views: dict = dict(sankey_figures(settings, data=data))
    it = settings.lang == "it"
    views["Rete degli scambi" if it else "Exchange network"] = network_html(settings, data=data)
    views["Mappa dei siti" if it else "Map of the sites"] = static_map_html(settings, data=data)
    return views


# ---------------------------------------------------------------- presentation


class _Writer:
    """Formats values for one language and audience."""

    def __init__(self, settings: Settings):
        self.lang = settings.lang
        self.audience = settings.audience

    def t(self, key: str, **values) -> str:
        return text(key, self.lang, **values)

    def cell(self, value, unit: str | None = None, suppressed: bool = False,
             decimals: int | None = None) -> str:
        if suppressed:
            return self.t("suppressed")
        if unit is None:
            return format_number(value, self.lang, decimals)
        if unit.startswith("EUR"):
            return format_eur(value, self.lang) + self.unit(unit[3:])
        return format_quantity(value, self.unit(unit), self.lang, decimals)

    def unit(self, unit: str) -> str:
        if self.lang == "en":
            return (unit.replace("/anno", "/yr").replace("aziende", "companies")
                    .replace("sinergie", "synergies").replace("domande", "applications")
                    .replace("flussi", "flows").replace("ETP", "FTE"))
        return unit

    def table(self, frame: pd.DataFrame, columns: dict[str, str], numeric: tuple[str, ...] = (),
              caption: str | None = None, note: str | None = None) -> Table:
        labelled = frame[list(columns)].rename(columns={k: self.t(v) for k, v in columns.items()})
        return Table(labelled, tuple(self.t(columns[c]) for c in numeric), caption, note)

    def suppressed_note(self, *frames: pd.DataFrame, key: str = "suppressed_note") -> str | None:
        """The note on withheld values (text ``key``) when any ``suppressed*`` column of
        ``frames`` is set; None otherwise."""
        if any(f[c].any() for f in frames for c in f.columns if c.startswith("suppressed")):
            return self.t(key, n=MIN_COMPANIES, share=format_number(
                DOMINANCE_SHARE * 100, self.lang, 0))
        return None


KPI_LABELS = {
    "companies": "kpi_companies", "flows": "kpi_flows", "synergies": "kpi_synergies",
    "proposed": "kpi_proposed", "realised": "kpi_realised",
    "private_investment": "kpi_private_investment", "public_investment": "kpi_public_investment",
    "calls_submitted": "kpi_calls_submitted", "calls_won": "kpi_calls_won",
    "granted": "kpi_granted", "co2e_realised": "kpi_co2e_realised", "fte": "kpi_fte",
}

BENEFIT_LABELS = {
    "co2e_avoided": "benefit_co2e", "groundwater_avoided": "benefit_groundwater",
    "water_reused": "benefit_water", "waste_avoided": "benefit_waste",
    "energy_recovered": "benefit_energy", "cost_reduction": "benefit_costs",
}


def _kpi_value(w: _Writer, row) -> str:
    unit = row["unit"]
    if unit in ("aziende", "flussi", "sinergie", "domande"):
        return w.cell(row["value"], None, row["suppressed"], 0)
    return w.cell(row["value"], unit, row["suppressed"], 1 if unit == "ETP" else None)


def _sintesi(w: _Writer, data, period: Period, settings: Settings) -> Section:
    kpis = data["kpis"]
    frame = pd.DataFrame({
        "indicator": [w.t(KPI_LABELS[k]) for k in kpis["key"]],
        "value": [_kpi_value(w, row) for _, row in kpis.iterrows()],
        "kind": [w.t(f"kind_{k}") for k in kpis["kind"]],
    })
    blocks = [
        Block("text", w.t("sintesi_intro", end=format_date(period.end, w.lang))),
        Block("table", w.table(frame, {"indicator": "indicator", "value": "value",
                                       "kind": "kind"}, numeric=("value",),
                               note=w.suppressed_note(kpis))),
    ]
    return Section("sintesi", w.t("sec_sintesi"), blocks, {"kpis": kpis})


def _aziende(w: _Writer, data) -> Section:
    sizes = data["sizes"]
    frame = pd.DataFrame({
        "size_class": [w.t(f"size_{c}") for c in sizes["size_class"]],
        "companies": [w.cell(v, None, s, 0) for v, s in zip(sizes["companies"], sizes["suppressed"])],
    })
    shown = sizes[~sizes["suppressed"]]
    fig = go.Figure(go.Bar(
        x=[w.t(f"size_{c}") for c in shown["size_class"]], y=shown["companies"],
        marker_color="#31a354", hovertemplate="%{x}: %{y}<extra></extra>"))
    fig.update_layout(title=w.t("sec_aziende"), yaxis_title=w.t("companies"),
                      separators=plotly_separators(w.lang), height=360,
                      margin=dict(l=60, r=20, t=60, b=40))
    blocks = [
        Block("text", w.t("aziende_note")),
        Block("table", w.table(frame, {"size_class": "size_class", "companies": "companies"},
                               numeric=("companies",), note=w.suppressed_note(sizes))),
    ]
    if len(shown):  # a chart of withheld values only would be an empty frame
        blocks.append(Block("figure", fig))
    waste = {key: data[key] for key in WASTE_TABLE_KEYS}
    blocks.append(Block("text", w.t("waste_by_sector_size_note")))
    if len(waste["waste_by_sector_size"]):
        blocks.append(Block("table", _waste_table(w, waste)))
    else:
        blocks.append(Block("note", f"{w.t('waste_by_sector_size')}: {w.t('no_data_yet')}"))
    return Section("aziende", w.t("sec_aziende"), blocks, {"sizes": sizes, **waste})


def _sector_label(w: _Writer, section: str) -> str:
    """``C – Attività manifatturiere``: an ATECO 2025 section with its letter."""
    if section == UNCLASSIFIED_SECTION:
        return w.t("sector_nd")
    if section == ind.OTHER_SECTIONS:
        return w.t("sector_other")
    labels = ateco_sections().set_index("section")[f"label_{w.lang}"]
    return f"{section} – {labels[section]}"


def _waste_table(w: _Writer, waste: dict[str, pd.DataFrame]) -> Table:
    """The waste table by sector (rows) and size class (columns) with its row totals
    (last column), column totals (last row) and grand total: withheld cells and margins
    read ``riservato``, cells without any company ``–``. [t/yr]"""
    cells, rows = waste["waste_by_sector_size"], waste["waste_by_sector"]
    columns, total = waste["waste_by_size"], waste["waste_total"].iloc[0]

    def show(value, suppressed) -> str:
        if not suppressed and value == 0:  # no company: nothing produced, nothing hidden
            return "–"
        return w.cell(value, None, bool(suppressed))

    classes = list(columns["size_class"])
    grid = {(r["sector"], r["size_class"]): show(r["quantity_std"], r["suppressed"])
            for _, r in cells.iterrows()}
    records = [{"sector": _sector_label(w, sector),
                **{c: grid[(sector, c)] for c in classes},
                "total": show(quantity, suppressed)}
               for sector, quantity, suppressed in zip(rows["sector"], rows["quantity_std"],
                                                       rows["suppressed"])]
    records.append({"sector": w.t("total"),
                    **{c: show(q, s) for c, q, s in zip(classes, columns["quantity_std"],
                                                         columns["suppressed"])},
                    "total": show(total["quantity_std"], total["suppressed"])})
    frame = pd.DataFrame(records, columns=["sector", *classes, "total"])
    labels = {"sector": w.t("sector_ateco"), **{c: w.t(f"size_{c}") for c in classes},
              "total": w.t("total")}
    return Table(frame.rename(columns=labels), tuple(labels[c] for c in [*classes, "total"]),
                 w.t("waste_by_sector_size"),
                 w.suppressed_note(cells, rows, columns, waste["waste_total"],
                                   key="suppressed_note_2d"))


def _flows_table(w: _Writer, flows: pd.DataFrame) -> Table:
    frame = pd.DataFrame({
        "matrix": [w.t(f"matrix_{m}") for m in flows["matrix"]],
        "direction": [w.t(f"dir_{d}") for d in flows["direction"]],
        "flows": [w.cell(v, None, s, 0) for v, s in zip(flows["flows"], flows["suppressed"])],
        "quantity_std": [w.cell(v, f"{u}/anno", s) for v, u, s in
                         zip(flows["quantity_std"], flows["unit_std"], flows["suppressed"])],
    })
    return w.table(frame, {"matrix": "matrix", "direction": "direction", "flows": "flows",
                           "quantity_std": "quantity_std"}, numeric=("flows", "quantity_std"),
                   note=w.suppressed_note(flows))


def _flussi(w: _Writer, data, figures: dict[str, go.Figure] | None) -> Section:
    flows = data["flows"]
    blocks = [Block("text", w.t("flussi_note")), Block("table", _flows_table(w, flows))]
    if figures is None:
        blocks.append(Block("note", w.t("sankey_missing")))
    else:
        for matrix in MATRICES:
            if matrix in figures:
                blocks.append(Block("figure", figures[matrix], title=w.t(f"matrix_{matrix}")))
        for name, view in figures.items():
            if name not in MATRICES:
                kind = "html" if isinstance(view, str) else "figure"
                blocks.append(Block(kind, view, title=str(name)))
    return Section("flussi", w.t("sec_flussi"), blocks, {"flows": flows})


def _sinergie(w: _Writer, data) -> Section:
    status = data["status"]
    frame = pd.DataFrame({"status": [w.t(f"status_{s}") for s in status["status"]]})
    columns = {"status": "status"}
    for matrix in MATRICES:
        frame[matrix] = [format_number(v, w.lang, 0) for v in status[matrix]]
        columns[matrix] = f"matrix_{matrix}"
    frame["synergies"] = [format_number(v, w.lang, 0) for v in status["synergies"]]
    columns["synergies"] = "total"
    fig = go.Figure()
    labels = [w.t(f"status_{s}") for s in status["status"]]
    for matrix in MATRICES:
        fig.add_trace(go.Bar(y=labels, x=status[matrix], orientation="h",
                             name=w.t(f"matrix_{matrix}"), marker_color=MATRIX_COLOURS[matrix]))
    fig.update_layout(barmode="stack", title=w.t("sec_sinergie"), height=420,
                      yaxis=dict(autorange="reversed"), xaxis_title=w.t("synergies"),
                      separators=plotly_separators(w.lang),
                      margin=dict(l=140, r=20, t=60, b=40))
    blocks = [
        Block("text", w.t("sinergie_note")),
        Block("table", w.table(frame, columns, numeric=tuple(list(MATRICES) + ["synergies"]))),
        Block("figure", fig),
    ]
    synergies = data["synergies"]
    if w.audience != "pubblico" and len(synergies):
        listing = pd.DataFrame({
            "synergy_id": synergies["synergy_id"],
            "status": [vocabulary("status", s, w.lang) for s in synergies["status"]],
            "matrix": [vocabulary("matrix", m, w.lang) for m in synergies["matrix"]],
            "source_company": synergies["source"].fillna("–"),
            "target_company": synergies["target"].fillna("–"),
            "regulatory_path": [vocabulary("path", r, w.lang) if pd.notna(r) else "–"
                                for r in synergies["regulatory_path"]],
        })
        columns = {c: c for c in listing.columns}
        numeric: tuple[str, ...] = ()
        if "description" in synergies.columns:
            listing["description"] = synergies["description"].fillna("")
            listing["quantity_std"] = [w.cell(v, f"{u}/anno") if pd.notna(u) else "–" for v, u in
                                       zip(synergies["quantity_std"], synergies["unit_std"])]
            columns.update(description="description", quantity_std="quantity_std")
            numeric = ("quantity_std",)
        blocks.append(Block("table", w.table(listing, columns, numeric=numeric,
                                             caption=w.t("sinergie_list"))))
    return Section("sinergie", w.t("sec_sinergie"), blocks,
                   {"status": status, "synergies": synergies})


def _benefici(w: _Writer, data) -> Section:
    long = data["benefits"]
    blocks = [Block("text", w.t("benefici_note"))]
    if long["value"].notna().sum() == 0 and not long["suppressed"].any():
        blocks.append(Block("note", w.t("no_data_yet")))
    else:
        rows = []
        for benefit, part in long.groupby("benefit", sort=False):
            part = part.set_index("kind")
            unit = part["unit"].iloc[0]

            def show(kind):
                r = part.loc[kind]
                if r["suppressed"]:
                    return w.t("suppressed")
                if pd.isna(r["value"]):
                    return w.t("no_data_yet")
                return w.cell(r["value"], unit)

            rows.append({"indicator": w.t(BENEFIT_LABELS[benefit]),
                         "potential": show("potential"), "realised": show("realised")})
        frame = pd.DataFrame(rows)
        blocks.append(Block("table", w.table(frame, {"indicator": "indicator",
                                                     "potential": "potential",
                                                     "realised": "realised"},
                                             numeric=("potential", "realised"),
                                             note=w.suppressed_note(long))))
    return Section("benefici", w.t("sec_benefici"), blocks, {"benefits": long})


def formatted_frame(df: pd.DataFrame, lang: str) -> tuple[pd.DataFrame, tuple[str, ...], bool]:
    """A DataFrame whose headers are already reader's labels (e.g. from
    :mod:`workbench.energy.section`) as strings to show: numbers in the reader's format,
    rows flagged ``suppressed`` shown as withheld, control columns dropped.

    Returns
    -------
    (DataFrame, tuple of str, bool) — the strings, the numeric columns, whether a row
    is withheld.
    """
    hidden = df["suppressed"].fillna(False).astype(bool) if "suppressed" in df.columns \
        else pd.Series(False, index=df.index)
    shown = df.drop(columns=[c for c in ("suppressed", "suppression") if c in df.columns])
    numeric = [c for c in shown.columns if pd.api.types.is_numeric_dtype(shown[c])
               and not pd.api.types.is_bool_dtype(shown[c])]
    frame = pd.DataFrame(index=shown.index)
    for column in shown.columns:
        if column in numeric:
            frame[column] = [text("suppressed", lang) if h else format_number(v, lang)
                             for v, h in zip(shown[column], hidden)]
        else:
            frame[column] = shown[column].astype(object).where(shown[column].notna(), "–").astype(str)
    return frame.reset_index(drop=True), tuple(numeric), bool(hidden.any())


def frame_table(w: "_Writer", df: pd.DataFrame, caption: str | None = None) -> Table:
    """:func:`formatted_frame` as a :class:`Table`, with the note on withheld values."""
    frame, numeric, withheld = formatted_frame(df, w.lang)
    return Table(frame, numeric, caption, w.suppressed_note(df[["suppressed"]]) if withheld else None)


#: Tables and figures of :func:`workbench.energy.section.energy_section` in the report,
#: with their caption keys (aggregates only: the per-site tables stay in the notebooks).
ENERGY_TABLES = (("configurazioni", "energy_configurations"), ("fv", "energy_pv"),
                 ("calore_mensile", "energy_heat_monthly"))
ENERGY_FIGURES = ("fig_mappa", "fig_mensile", "fig_orario", "fig_calore")


#: Columns of the CER configurations left out of the report (they stay in notebook 03):
#: the plant list and the details of the incentives.
CONFIGURATION_DETAIL_COLUMNS = ("energy_col_rank", "energy_col_plants", "energy_col_tip_social_eur",
                                "energy_col_valorisation_eur", "energy_col_grant_reason")


def _best_configurations(w: "_Writer", table: pd.DataFrame) -> pd.DataFrame:
    """The best configuration of each primary substation (rank 1) without the detail
    columns: a page-wide table instead of every ranked configuration (the whole ranking
    is in notebook 03)."""
    rank = w.t("energy_col_rank")
    if rank in table.columns:
        table = table[pd.to_numeric(table[rank], errors="coerce").fillna(1) == 1]
    return table.drop(columns=[c for c in (w.t(k) for k in CONFIGURATION_DETAIL_COLUMNS)
                               if c in table.columns])


def energy_results_or_none(settings: Settings) -> dict | None:
    """Results of :func:`workbench.energy.section.energy_section` for the audience, or
    None when that module does not exist (the report then says the analysis is in
    preparation). Any other error propagates."""
    try:
        from ..energy.section import energy_section
    except ModuleNotFoundError as exc:
        if exc.name in ("workbench.energy", "workbench.energy.section"):
            return None
        raise
    return energy_section(settings)


def _energia(w: _Writer, data, energy: dict | None) -> Section:
    flows = data["flows"]
    flows_energy = flows[flows["matrix"] == "energia"]
    cand = data["energy_candidates"]
    if energy is None:
        blocks = [Block("note", f"{w.t('in_preparation').capitalize()}: {w.t('energia_cer')}"),
                  Block("text", w.t("energia_heat"))]
    else:
        blocks = [Block("text", w.t("energia_intro"))]
        blocks += [Block("note", note) for note in energy.get("note") or []]
        for name, caption in ENERGY_TABLES:
            table = energy.get(name)
            if isinstance(table, pd.DataFrame) and len(table):
                if name == "configurazioni":
                    table, caption = _best_configurations(w, table), "energy_configurations_best"
                blocks.append(Block("table", frame_table(w, table, w.t(caption))))
            elif name == "configurazioni":
                blocks.append(Block("note", w.t("energy_no_configuration")))
        blocks += [Block("figure", energy[name]) for name in ENERGY_FIGURES
                   if energy.get(name) is not None]
        blocks.append(Block("text", w.t("energia_flows")))
    blocks.append(Block("table", _flows_table(w, flows_energy)))
    if len(cand):
        names = resource_classes().set_index("resource")[f"name_{w.lang}"]
        frame = pd.DataFrame({
            "source": [names.get(r, r) if pd.notna(r) else "–" for r in cand["source_resource"]],
            "target": [names.get(r, r) if pd.notna(r) else "–" for r in cand["target_resource"]],
            "candidates": [w.cell(v, None, s, 0) for v, s in zip(cand["candidates"], cand["suppressed"])],
            "quantity_std": [w.cell(v, "MWh/anno", s) for v, s in
                             zip(cand["quantity_std"], cand["suppressed"])],
        })
        blocks.append(Block("table", w.table(
            frame, {"source": "offered_resource", "target": "wanted_resource",
                    "candidates": "candidates_n", "quantity_std": "quantity_std"},
            numeric=("candidates", "quantity_std"), caption=w.t("energy_candidates"),
            note=w.suppressed_note(cand))))
    else:
        blocks.append(Block("note", f"{w.t('energy_candidates')}: {w.t('no_data_yet')}"))
    tables = {"energy_flows": flows_energy, "energy_candidates": cand}
    if energy is not None:
        tables.update({name: energy[name] for name, _ in ENERGY_TABLES
                       if isinstance(energy.get(name), pd.DataFrame)})
    return Section("energia", w.t("sec_energia"), blocks, tables)


def _investimenti(w: _Writer, data) -> Section:
    inv, calls, contests = data["investments"], data["calls"], data["contests"]
    inv_frame = pd.DataFrame({
        "kind": [w.t(f"inv_{k}") for k in inv["kind"]],
        "n": [format_number(v, w.lang, 0) for v in inv["investments"]],
        "amount": [w.cell(v, "EUR", s) for v, s in zip(inv["amount_eur"], inv["suppressed"])],
        "period": [w.cell(v, "EUR", s) for v, s in zip(inv["amount_eur_period"],
                                                      inv["suppressed_period"])],
    })
    calls_frame = pd.DataFrame({
        "outcome": [w.t(f"outcome_{o}") for o in calls["outcome"]],
        "calls": [format_number(v, w.lang, 0) for v in calls["calls"]],
        "requested": [format_eur(v, w.lang) for v in calls["requested_eur"]],
        "granted": [format_eur(v, w.lang) for v in calls["granted_eur"]],
    })
    contests_frame = pd.DataFrame({
        "outcome": [w.t(f"contest_{o}") for o in contests["outcome"]],
        "contests": [format_number(v, w.lang, 0) for v in contests["contests"]],
    })
    blocks = [
        Block("text", w.t("investimenti_note")),
        Block("table", w.table(inv_frame, {"kind": "kind", "n": "investments_n",
                                           "amount": "amount_eur", "period": "amount_eur_period"},
                               numeric=("n", "amount", "period"), caption=w.t("investments_n"),
                               note=w.suppressed_note(inv))),
        Block("table", w.table(calls_frame, {"outcome": "outcome", "calls": "calls",
                                             "requested": "requested_eur",
                                             "granted": "granted_eur"},
                               numeric=("calls", "requested", "granted"),
                               caption=w.t("calls"))),
        Block("table", w.table(contests_frame, {"outcome": "outcome", "contests": "contests"},
                               numeric=("contests",), caption=w.t("contests"))),
    ]
    return Section("investimenti", w.t("sec_investimenti"), blocks,
                   {"investments": inv, "calls": calls, "contests": contests})


def _ricerca(w: _Writer, data) -> Section:
    res = data["research"]
    frame = pd.DataFrame({"kind": [w.t(f"research_{k}") for k in res["kind"]],
                          "count": [format_number(v, w.lang, 0) for v in res["count"]]})
    blocks = [Block("text", w.t("ricerca_note")),
              Block("table", w.table(frame, {"kind": "research_kind", "count": "research_n"},
                                     numeric=("count",)))]
    return Section("ricerca", w.t("sec_ricerca"), blocks, {"research": res})


def _occupazione(w: _Writer, data) -> Section:
    jobs = data["jobs"]
    row = jobs.iloc[0]
    frame = pd.DataFrame({
        "indicator": [w.t("fte"), f"{w.t('fte')} — {w.t('current_period').lower()}"],
        "value": [w.cell(row["fte"], "ETP", row["suppressed"], 1),
                  w.cell(row["fte_period"], "ETP", row["suppressed_period"], 1)],
    })
    blocks = [Block("text", w.t("occupazione_note")),
              Block("table", w.table(frame, {"indicator": "indicator", "value": "value"},
                                     numeric=("value",), note=w.suppressed_note(jobs)))]
    return Section("occupazione", w.t("sec_occupazione"), blocks, {"jobs": jobs})


def _confronto(w: _Writer, data, period: Period) -> Section:
    kpis = data["kpis"]
    rows = []
    for _, row in kpis.iterrows():
        count_like = row["unit"] in ("aziende", "flussi", "sinergie", "domande")
        if row["suppressed_change"]:
            change = w.t("suppressed")
        elif pd.isna(row["change"]):
            change = "–"
        else:
            delta = row["change"]
            change = ("+" if delta > 0 else "") + (
                format_number(delta, w.lang, 0) if count_like
                else w.cell(delta, row["unit"], decimals=1 if row["unit"] == "ETP" else None))
        previous = row.copy()
        previous["value"], previous["suppressed"] = row["value_previous"], row["suppressed_previous"]
        rows.append({"indicator": w.t(KPI_LABELS[row["key"]]), "now": _kpi_value(w, row),
                     "before": _kpi_value(w, previous), "change": change})
    comparison = pd.DataFrame(rows)
    benefits = data["benefits"]
    realised = benefits[benefits["kind"] == "realised"].set_index("benefit")
    k_rows = []
    for key, ref in ind.KALUNDBORG.items():
        r = realised.loc[key]
        ours = (w.t("suppressed") if r["suppressed"] else
                w.t("no_data_yet") if pd.isna(r["value"]) else w.cell(r["value"], ref["unit"]))
        theirs = ("≈ " if ref.get("approximate") else "") + w.cell(ref["value"], ref["unit"])
        k_rows.append({"indicator": w.t(BENEFIT_LABELS[key]), "livorno": ours,
                       "kalundborg": theirs})
    kalundborg = pd.DataFrame(k_rows)
    blocks = [
        Block("text", w.t("confronto_note", previous=period.previous.code)),
        Block("table", w.table(comparison, {"indicator": "indicator", "now": "current_period",
                                            "before": "previous_period", "change": "change"},
                               numeric=("now", "before", "change"),
                               note=w.suppressed_note(kpis))),
        Block("text", w.t("kalundborg_note")),
        Block("table", w.table(kalundborg, {"indicator": "indicator", "livorno": "livorno",
                                            "kalundborg": "kalundborg"},
                               numeric=("livorno", "kalundborg"),
                               note=f"{w.t('source')}: {ind.KALUNDBORG_SOURCE}")),
    ]
    return Section("confronto", w.t("sec_confronto"), blocks,
                   {"comparison": comparison, "kalundborg": kalundborg})


def _allegati(w: _Writer, settings: Settings) -> Section:
    notebooks = sorted(p.name for p in Path(settings.reports_dir).glob("*.ipynb"))
    definitions = pd.DataFrame({
        "indicator": [getattr(i, f"name_{w.lang}") for i in ind.INDICATORS.values()],
        "definition": [getattr(i, f"definition_{w.lang}") for i in ind.INDICATORS.values()],
        "unit": [w.unit(i.unit) for i in ind.INDICATORS.values()],
        "kind": [" / ".join(w.t(f"kind_{k}") for k in i.kind.split("|"))
                 for i in ind.INDICATORS.values()],
    })
    blocks = []
    if notebooks:
        blocks += [Block("text", w.t("allegati_notebooks")), Block("list", notebooks)]
    blocks += [
        Block("table", w.table(definitions, {"indicator": "indicator", "definition": "definition",
                                             "unit": "unit", "kind": "kind"},
                               caption=w.t("allegati_definitions"))),
        Block("text", w.t("allegati_privacy", n=MIN_COMPANIES,
                          share=format_number(DOMINANCE_SHARE * 100, w.lang, 0),
                          protection=format_number(PROTECTION_SHARE * 100, w.lang, 0))),
    ]
    return Section("allegati", w.t("sec_allegati"), blocks, {"definitions": definitions})


def report_sections(settings: Settings, data: dict[str, pd.DataFrame] | None = None,
                    figures: dict[str, go.Figure] | None | str = "auto",
                    energy: dict | None | str = "auto") -> list[Section]:
    """The report's sections, in the order of :data:`SECTION_KEYS`.

    Parameters
    ----------
    settings : Settings — period, audience, language, store.
    data : dict or None — output of :func:`report_data`; read from the store when None.
    figures : dict, None or ``"auto"`` — Sankey figures per matrix; ``"auto"`` asks
        :mod:`workbench.views.sankey`; None shows the "not available" note.
    energy : dict, None or ``"auto"`` — results of the energy analysis; ``"auto"`` asks
        :mod:`workbench.energy.section`; None says the analysis is in preparation.
    """
    period = Period.parse(settings.period)
    if data is None:
        with connect(settings) as con:
            data = report_data(con, settings)
    if isinstance(figures, str):
        figures = sankey_figures_or_none(settings)
    if isinstance(energy, str):
        energy = energy_results_or_none(settings)
    w = _Writer(settings)
    sections = [
        _sintesi(w, data, period, settings), _aziende(w, data), _flussi(w, data, figures),
        _sinergie(w, data), _benefici(w, data), _energia(w, data, energy), _investimenti(w, data),
        _ricerca(w, data), _occupazione(w, data), _confronto(w, data, period),
        _allegati(w, settings),
    ]
    assert tuple(s.key for s in sections) == SECTION_KEYS
    return sections


def header_lines(settings: Settings, now: datetime | None = None) -> list[str]:
    """Lines under the report title: period, type, coverage, due date, audience, date."""
    period = Period.parse(settings.period)
    lang = settings.lang
    now = now or datetime.now()
    return [
        f"{text('period', lang)} {period.code} — {text(f'period_kind_{period.kind}', lang)}, "
        f"{text('covers', lang)} {format_date(period.start, lang)}–{format_date(period.end, lang)}, "
        f"{text('due', lang)} {format_date(period.due, lang)}",
        f"{text('audience', lang)}: {text(f'audience_{settings.audience}', lang)}",
        f"{text('generated_on', lang)} {format_date(now, lang)} {now:%H:%M}",
    ]


__all__ = ["SECTION_KEYS", "WASTE_TABLE_KEYS", "Section", "Block", "Table", "report_data",
           "report_sections", "sankey_figures_or_none", "energy_results_or_none", "frame_table",
           "formatted_frame", "header_lines"]
