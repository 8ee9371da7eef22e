"""Notebook 03 panel: filter the candidates, promote one to the register or reject it.

The panel only reads widget values and calls package functions
(:func:`workbench.screening.filter_candidates`, :func:`~workbench.screening.promote_candidate`,
:func:`~workbench.screening.reject_candidate`); the store is opened for the time of one
decision. Errors go to the status line, never to ``print``.
"""
from __future__ import annotations

import ipywidgets as widgets
import pandas as pd
from IPython.display import display

from ..config import Settings
from ..model import MATRICES, REGULATORY_PATHS
from ..privacy import is_restricted
from ..screening import filter_candidates, promote_candidate, reject_candidate
from ..store import connect
from . import tables


class ScreeningPanel:
    """Filters (matrix, company, minimum net benefit, regulatory path), the filtered
    ranking, and the promote / reject buttons (GSI only).

    Parameters
    ----------
    candidates : DataFrame — from :func:`workbench.screening.run.screen_store`.
    settings : Settings — store, audience and language.
    """

    def __init__(self, candidates: pd.DataFrame, settings: Settings):
        if is_restricted(settings.audience):
            raise PermissionError("il pannello delle decisioni è riservato al GSI")
        self.candidates = candidates
        self.settings = settings
        self.matrix = widgets.Dropdown(options=[("tutte", "")] + [(m, m) for m in MATRICES],
                                       description="Matrice")
        self.company = widgets.Text(description="Azienda", placeholder="nome o codice")
        self.min_benefit = widgets.FloatText(value=0.0, description="Beneficio ≥ €")
        self.path = widgets.Dropdown(options=[("tutti", "")] + [(p, p) for p in REGULATORY_PATHS],
                                     description="Percorso")
        self.choice = widgets.Dropdown(description="Candidato", layout=widgets.Layout(width="60%"))
        self.reason = widgets.Text(description="Motivo", placeholder="motivo dello scarto")
        self.promote = widgets.Button(description="Promuovi a sinergia", button_style="success")
        self.reject = widgets.Button(description="Scarta", button_style="warning")
        self.status = widgets.HTML()
        # An HTML widget, not an Output widget: Output capture hangs headless runs
        # (papermill/nbclient) and is not needed to show a table.
        self.table = widgets.HTML()
        for w in (self.matrix, self.company, self.min_benefit, self.path):
            w.observe(self._refresh, names="value")
        self.promote.on_click(self._promote)
        self.reject.on_click(self._reject)
        self.widget = widgets.VBox([
            widgets.HBox([self.matrix, self.company]), widgets.HBox([self.min_benefit, self.path]),
            self.table, self.choice, widgets.HBox([self.promote, self.reason, self.reject]),
            self.status])
        self._refresh()

    def filtered(self) -> pd.DataFrame:
        """The candidates that pass the current filters, best net benefit first."""
        return filter_candidates(self.candidates, matrix=self.matrix.value or None,
                                 company=self.company.value.strip() or None,
                                 min_benefit=self.min_benefit.value,
                                 regulatory_path=self.path.value or None)

    def _refresh(self, _change=None) -> None:
        shown = self.filtered()
        self.choice.options = [(f"{r.candidate_id} · {r.source_company} → {r.target_company}",
                                r.candidate_id) for r in shown.head(200).itertuples()]
        view = tables.candidates(shown, self.settings, top=30)
        self.table.value = view.to_html() if hasattr(view, "to_html") else str(view)
        self._say(f"{len(shown)} candidati")

    def _promote(self, _button=None) -> None:
        if not self.choice.value:
            return self._say("scegliere un candidato", error=True)
        try:
            with connect(self.settings) as con:
                synergy_id = promote_candidate(con, self.choice.value, self.settings.actor)
        except Exception as exc:  # shown to the analyst, not swallowed
            return self._say(f"promozione non riuscita: {exc}", error=True)
        self._say(f"{self.choice.value} registrato come sinergia {synergy_id} (identificata)")

    def _reject(self, _button=None) -> None:
        if not self.choice.value:
            return self._say("scegliere un candidato", error=True)
        if not self.reason.value.strip():
            return self._say("indicare il motivo dello scarto", error=True)
        try:
            with connect(self.settings) as con:
                reject_candidate(con, self.choice.value, self.reason.value.strip(), self.settings.actor)
        except Exception as exc:
            return self._say(f"scarto non riuscito: {exc}", error=True)
        self.candidates = self.candidates[self.candidates["candidate_id"] != self.choice.value]
        self._say("candidato scartato: non sarà riproposto alla prossima ricerca")
        self._refresh()

    def _say(self, text: str, error: bool = False) -> None:
        colour = "#b00020" if error else "#1b5e20"
        self.status.value = f'<span style="color:{colour}">{text}</span>'

    def _ipython_display_(self):
        display(self.widget)


def screening_panel(candidates: pd.DataFrame, settings: Settings):
    """The decision panel for the GSI; a one-line note for other audiences."""
    if is_restricted(settings.audience):
        return ("Le decisioni sui candidati sono riservate al GSI." if settings.lang == "it"
                else "Decisions on candidates are for the GSI only.")
    return ScreeningPanel(candidates, settings)
