"""Charts and tables of notebook 04: waterfall, contributions, intervals, results.

Data comes from an :class:`workbench.lca.LcaRun`; these functions only draw. Figures of
one candidate or synergy are single-company data: for restricted audiences (funders,
public) they are replaced by a sentence, and tables by aggregates.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .. import lca
from ..config import Settings
from ..fmt import number
from ..privacy import MIN_COMPANIES, is_restricted
from .tables import styled

COLOURS = {"baseline": "#d95f02", "symbiosis": "#1b9e77", "total": "#7570b3",
           "uncertain": "#e7298a", "certain": "#1f78b4"}
TEXT = {
    "it": {
        "baseline": "Senza simbiosi", "symbiosis": "Con simbiosi", "avoided": "Evitato",
        "restricted": "Grafico per singola sinergia riservato al GSI.",
        "waterfall": "{subject}: senza simbiosi − con simbiosi = evitato ({unit}/anno)",
        "contrib": "{subject}: processi che determinano il risultato ({unit}/anno)",
        "interval": "Impatto evitato e intervallo al 90 % ({unit}/anno); in rosa: il segno "
                    "può cambiare",
        "axis": "{unit}/anno", "none": "Nessun candidato o sinergia valutato.",
        "aggregate": "{n} soggetti valutati; i risultati aggregati sono nel rapporto.",
        "yes": "sì", "no": "no",
    },
    "en": {
        "baseline": "Without symbiosis", "symbiosis": "With symbiosis", "avoided": "Avoided",
        "restricted": "Chart of a single synergy: GSI only.",
        "waterfall": "{subject}: without − with symbiosis = avoided ({unit}/yr)",
        "contrib": "{subject}: processes driving the result ({unit}/yr)",
        "interval": "Avoided impact and 90 % interval ({unit}/yr); pink: the sign may change",
        "axis": "{unit}/yr", "none": "No candidate or synergy evaluated.",
        "aggregate": "{n} subjects evaluated; aggregates are in the report.",
        "yes": "yes", "no": "no",
    },
}
LABELS = {
    "it": {"subject_kind": "Soggetto", "status": "Stato", "avoided_p05": "Evitato p5",
           "avoided_p95": "Evitato p95", "sign_uncertain": "Segno incerto",
           "driver_name": "Processo determinante", "driver_share": "Quota del determinante",
           "reason": "Perché non valutato", "source_resource": "Classe in uscita",
           "target_resource": "Classe in ingresso", "ambito": "Ambito", "subjects": "Soggetti",
           "scenario": "Scenario", "process_code": "Processo", "process_name": "Descrizione",
           "amount": "Quantità", "basis": "Base", "basis_value": "Valore della base",
           "role": "Ruolo", "row": "Riga scenarios.csv", "impact": "Impatto"},
    "en": {"subject_kind": "Subject", "status": "Status", "avoided_p05": "Avoided p5",
           "avoided_p95": "Avoided p95", "sign_uncertain": "Sign uncertain",
           "driver_name": "Driving process", "driver_share": "Driver share",
           "reason": "Why not evaluated", "source_resource": "Output class",
           "target_resource": "Input class", "ambito": "Scope", "subjects": "Subjects",
           "scenario": "Scenario", "process_code": "Process", "process_name": "Description",
           "amount": "Amount", "basis": "Basis", "basis_value": "Basis value",
           "role": "Role", "row": "scenarios.csv line", "impact": "Impact"},
}


def _styled(df: pd.DataFrame, lang: str, decimals: dict | None = None):
    """:func:`workbench.views.tables.styled` with the LCA column labels added."""
    from .tables import LABELS as BASE

    out = styled(df, lang, decimals)
    labels = {**BASE[lang], **LABELS[lang]}
    return out.relabel_index([labels.get(c, c) for c in df.columns], axis="columns")


def _method(run: "lca.LcaRun", method) -> str:
    if method is None:
        return run.results["method"].iloc[0]
    return lca.method_label(method)


def _unit(run: "lca.LcaRun", method_label: str) -> str:
    rows = run.results[run.results["method"] == method_label]
    return rows["unit"].iloc[0] if len(rows) else ""


def _subject_parts(run: "lca.LcaRun", subject_id: str, settings: Settings, method, level: str,
                   top: int | None = None):
    """Contributions of one subject and their unit, or the sentence to show instead."""
    t = TEXT[settings.lang]
    if is_restricted(settings.audience):
        return t["restricted"]
    if not subject_id:
        return t["none"]
    label = _method(run, method)
    parts = lca.contributions(run.evaluation, [subject_id], label, level=level, top=top)
    unit = _unit(run, label) or (parts["unit"].iloc[0] if len(parts) else "")
    return parts, unit


def waterfall(run: "lca.LcaRun", subject_id: str, settings: Settings, method=None):
    """Waterfall of one subject: each baseline process adds, each symbiosis process
    subtracts, the last bar is the avoided figure.

    Returns
    -------
    plotly Figure — or an Italian sentence for restricted audiences.
    """
    t = TEXT[settings.lang]
    found = _subject_parts(run, subject_id, settings, method, "component")
    if isinstance(found, str):
        return found
    parts, unit = found
    base = parts[parts["scenario"] == "baseline"]
    sym = parts[parts["scenario"] == "symbiosis"]
    unit, factor = _scaled(unit, parts["impact"])
    x = ([f"{t['baseline']}: {n}" for n in base["process_name"]] + [t["baseline"]]
         + [f"{t['symbiosis']}: {n}" for n in sym["process_name"]] + [t["avoided"]])
    y = list(base["impact"] * factor) + [0.0] + list(-sym["impact"] * factor) + [0.0]
    measure = ["relative"] * len(base) + ["total"] + ["relative"] * len(sym) + ["total"]
    fig = go.Figure(go.Waterfall(
        x=[_short(v) for v in x], y=y, measure=measure,
        increasing={"marker": {"color": COLOURS["baseline"]}},
        decreasing={"marker": {"color": COLOURS["symbiosis"]}},
        totals={"marker": {"color": COLOURS["total"]}},
        hovertext=x, hoverinfo="text+y"))
    fig.update_layout(title=t["waterfall"].format(subject=subject_id, unit=unit),
                      yaxis_title=t["axis"].format(unit=unit), showlegend=False,
                      margin={"b": 160})
    return fig


def _scaled(unit: str, values) -> tuple[str, float]:
    """Show kg-based units in t when the figures are large (≥ 10,000): (unit, factor)."""
    values = np.abs(np.asarray(values, dtype=float))
    big = values.size and np.nanmax(values) >= 10_000
    if big and unit.startswith("kg "):
        return "t " + unit[3:], 1e-3
    return unit, 1.0


def _short(text: str, length: int = 48) -> str:
    return text if len(text) <= length else text[:length - 1] + "…"


def contribution_chart(run: "lca.LcaRun", subject_id: str, settings: Settings, method=None,
                       top: int = 8):
    """Horizontal bars: the activities whose direct impacts drive the avoided figure.

    Baseline activities count positive (they are avoided), symbiosis activities
    negative (they are added); the ``top`` largest of each scenario are shown.

    Returns
    -------
    plotly Figure — or an Italian sentence for restricted audiences.
    """
    t = TEXT[settings.lang]
    found = _subject_parts(run, subject_id, settings, method, "process", top)
    if isinstance(found, str):
        return found
    parts, unit = found
    parts = parts[parts["impact"] != 0]
    unit, factor = _scaled(unit, parts["impact"])
    sign = np.where(parts["scenario"] == "baseline", 1.0, -1.0)
    parts = parts.assign(signed=parts["impact"] * sign * factor).sort_values("signed")
    fig = go.Figure()
    for scenario in ("baseline", "symbiosis"):
        part = parts[parts["scenario"] == scenario]
        fig.add_bar(y=[_short(n) for n in part["process_name"]], x=part["signed"],
                    orientation="h", name=t[scenario], marker_color=COLOURS[scenario],
                    hovertext=part["process_name"], hoverinfo="text+x")
    fig.update_layout(title=t["contrib"].format(subject=subject_id, unit=unit),
                      xaxis_title=t["axis"].format(unit=unit), barmode="relative",
                      margin={"l": 320})
    return fig


def uncertainty_chart(run: "lca.LcaRun", settings: Settings, method=None, top: int = 30):
    """Avoided figure with its 90 % interval for the ``top`` largest subjects; subjects
    whose interval contains zero (``sign_uncertain``) are drawn in pink.

    Returns
    -------
    plotly Figure — or an Italian sentence for restricted audiences.
    """
    t = TEXT[settings.lang]
    if is_restricted(settings.audience):
        return t["restricted"]
    label = _method(run, method)
    rows = run.results[run.results["method"] == label].copy()
    if rows.empty:
        return t["none"]
    rows = rows.reindex(rows["avoided"].abs().sort_values(ascending=False).index).head(top)
    rows = rows.iloc[::-1]
    unit, factor = _scaled(rows["unit"].iloc[0], rows["avoided"])
    uncertain = rows["sign_uncertain"].fillna(False).astype(bool).to_numpy()
    fig = go.Figure(go.Scatter(
        x=rows["avoided"] * factor, y=rows["subject_id"], mode="markers",
        marker={"color": np.where(uncertain, COLOURS["uncertain"], COLOURS["certain"]), "size": 9},
        error_x={"type": "data", "symmetric": False,
                 "array": ((rows["avoided_p95"] - rows["avoided"]) * factor).clip(lower=0),
                 "arrayminus": ((rows["avoided"] - rows["avoided_p05"]) * factor).clip(lower=0)},
        hovertext=rows["kind"], hoverinfo="text+x+y"))
    fig.add_vline(x=0, line_color="#999999")
    fig.update_layout(title=t["interval"].format(unit=unit),
                      xaxis_title=t["axis"].format(unit=unit), height=max(320, 22 * len(rows) + 120))
    return fig


def results_table(run: "lca.LcaRun", settings: Settings):
    """Every evaluated subject and method: baseline, symbiosis, avoided, interval, driver.

    Restricted audiences get the count only (single-company figures).
    """
    t = TEXT[settings.lang]
    results = run.results
    if results.empty:
        return t["none"]
    if is_restricted(settings.audience):
        return t["aggregate"].format(n=results["subject_id"].nunique())
    columns = ["subject_id", "subject_kind", "status", "kind", "quantity_std", "unit_std",
               "method", "unit", "baseline", "symbiosis", "avoided", "avoided_p05",
               "avoided_p95", "sign_uncertain", "driver_name"]
    shown = results.reindex(columns=columns).copy()
    shown["sign_uncertain"] = shown["sign_uncertain"].map(
        lambda v: t["yes"] if v is True or v == 1 else (t["no"] if v is False or v == 0 else "–"))
    return _styled(shown, settings.lang)


def summary_table(run: "lca.LcaRun", settings: Settings):
    """Potential (candidates) and realised (synergies) avoided impacts, kept separate.

    For restricted audiences a scope with fewer than ``MIN_COMPANIES`` subjects is shown
    as confidential.
    """
    df = lca.summary(run)
    if df.empty:
        return TEXT[settings.lang]["none"]
    t = TEXT[settings.lang]
    df["sign_uncertain"] = df["sign_uncertain"].map({True: t["yes"], False: t["no"]})
    if is_restricted(settings.audience):
        small = df["subjects"] < MIN_COMPANIES
        df.loc[small, ["avoided", "avoided_p05", "avoided_p95"]] = np.nan
    return _styled(df, settings.lang)


def not_evaluated_table(run: "lca.LcaRun", settings: Settings):
    """Subjects without LCA and why; counts by reason for restricted audiences."""
    df = run.not_evaluated
    if is_restricted(settings.audience):
        counts = df.groupby("reason", as_index=False).agg(subjects=("subject_id", "count"))
        return _styled(counts, settings.lang)
    return _styled(df, settings.lang)


def scenario_detail(run: "lca.LcaRun", subject_id: str, settings: Settings):
    """The audit trail of one subject: what each scenario demands, from which line of
    ``lib/lci/scenarios.csv``, and its impact (first method)."""
    if is_restricted(settings.audience):
        return TEXT[settings.lang]["restricted"]
    if not subject_id:
        return TEXT[settings.lang]["none"]
    df = lca.scenario_table(run.evaluation, subject_id)
    return _styled(df, settings.lang, {"amount": 2, "basis_value": 2, "impact": 1})


def headline(run: "lca.LcaRun", subject_id: str, settings: Settings) -> str:
    """One sentence on a subject: avoided figure, interval, sign flag and driver."""
    if is_restricted(settings.audience):
        return TEXT[settings.lang]["restricted"]
    if not subject_id:
        return TEXT[settings.lang]["none"]
    row = run.results[(run.results["subject_id"] == subject_id)].iloc[0]
    lang = settings.lang
    unit, factor = _scaled(row["unit"], [row["avoided"]])
    decimals = 1 if factor < 1 else 0
    interval = ""
    if pd.notna(row.get("avoided_p05")):
        interval = (f" (90 %: {number(row['avoided_p05'] * factor, decimals, lang)} – "
                    f"{number(row['avoided_p95'] * factor, decimals, lang)})")
    flag = ""
    if bool(row.get("sign_uncertain")):
        flag = (" — ATTENZIONE: l'intervallo comprende lo zero, il beneficio potrebbe non "
                "esserci" if lang == "it" else " — WARNING: the interval contains zero")
    driver = row.get("driver_name") or "–"
    value = number(row["avoided"] * factor, decimals, lang)
    if lang == "it":
        return (f"{subject_id}: evitati {value} {unit}/anno{interval}{flag}. "
                f"Processo determinante: {driver}.")
    return f"{subject_id}: {value} {unit}/yr avoided{interval}{flag}. Driving process: {driver}."
