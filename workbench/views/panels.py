"""Widget panels of notebook 02 (JupyterLab and Voila).

:class:`FlowPanel` is the interactive Sankey: drop-downs for matrix, aggregation level,
year, resource family and hazardous waste; each change recomputes the links with the
pure functions of :mod:`workbench.flows` (audience rules included) and updates one
plotly ``FigureWidget`` in place inside ``batch_update()``. Data is loaded once, before
the panel is built (never inside a callback); errors go to a status line.
"""
from __future__ import annotations

import html

import ipywidgets as widgets
import plotly.graph_objects as go

from ..config import Settings
from ..flows import FlowData, audience_sankey_links, filter_flows, load_flow_data
from ..model import MATRICES
from ..privacy import view_levels
from .sankey import figure_note, figure_title, sankey_trace

LABELS = {
    "it": {"matrix": "Matrice", "level": "Livello", "year": "Anno", "resource": "Risorse",
           "hazardous": "Pericolosi", "all": "tutte", "all_years": "tutti",
           "company": "azienda", "sector": "settore", "area": "area",
           "materia": "materia", "acqua": "acqua", "energia": "energia",
           "haz_all": "tutti", "haz_yes": "solo pericolosi", "haz_no": "solo non pericolosi",
           "error": "Errore", "shown": "{n} collegamenti, {m} aziende nella selezione"},
    "en": {"matrix": "Matrix", "level": "Level", "year": "Year", "resource": "Resources",
           "hazardous": "Hazardous", "all": "all", "all_years": "all",
           "company": "company", "sector": "sector", "area": "area",
           "materia": "materials", "acqua": "water", "energia": "energy",
           "haz_all": "all", "haz_yes": "hazardous only", "haz_no": "non-hazardous only",
           "error": "Error", "shown": "{n} links, {m} companies in the selection"},
}


def load(settings: Settings, year: int | None = None) -> FlowData:
    """:class:`workbench.flows.FlowData` from the settings' store (one connection)."""
    from ..store import connect

    with connect(settings) as con:
        return load_flow_data(con, year=year, lang=settings.lang)


class FlowPanel(widgets.VBox):
    """Interactive Sankey of one matrix with its filters, for the settings' audience.

    Parameters
    ----------
    settings : Settings — audience (which levels exist) and language.
    data : FlowData — loaded once by :func:`load`.
    matrix : str — first matrix shown.
    level : str, optional — first level (default: the finest allowed).

    Attributes
    ----------
    figure : plotly.graph_objects.FigureWidget — the Sankey, updated in place.
    status : ipywidgets.HTML — the status line (errors included).
    """

    def __init__(self, settings: Settings, data: FlowData, matrix: str = "materia",
                 level: str | None = None):
        self.settings = settings
        self.data = data
        words = LABELS[settings.lang]
        levels = view_levels(settings.audience)
        present = [m for m in MATRICES if (data.flows["matrix"] == m).any()] or list(MATRICES)
        self.matrix = widgets.Dropdown(options=[(words[m], m) for m in present],
                                       value=matrix if matrix in present else present[0],
                                       description=words["matrix"])
        self.level = widgets.Dropdown(options=[(words[lv], lv) for lv in levels],
                                      value=level if level in levels else levels[0],
                                      description=words["level"])
        self.year = widgets.Dropdown(options=[(words["all_years"], None)] + [(str(y), y) for y in data.years],
                                     value=None, description=words["year"])
        from ..flows import resource_families

        families = sorted(set(resource_families()))
        self.resource = widgets.Dropdown(options=[(words["all"], None)] + [(f, f) for f in families],
                                         value=None, description=words["resource"])
        self.hazardous = widgets.Dropdown(options=[(words["haz_all"], None), (words["haz_yes"], True),
                                                   (words["haz_no"], False)],
                                          value=None, description=words["hazardous"])
        self.status = widgets.HTML()
        self.figure = go.FigureWidget(go.Figure(go.Sankey()))
        self.figure.update_layout(height=560, margin=dict(l=10, r=10, t=50, b=30), font=dict(size=11))
        controls = widgets.HBox([self.matrix, self.level, self.year])
        filters = widgets.HBox([self.resource, self.hazardous])
        super().__init__([controls, filters, self.figure, self.status])
        for control in (self.matrix, self.level, self.year, self.resource, self.hazardous):
            control.observe(self._on_change, names="value")
        self.refresh()

    def selection(self) -> dict:
        """The current choices: ``matrix``, ``level``, ``year``, ``resources``, ``hazardous``."""
        return {"matrix": self.matrix.value, "level": self.level.value, "year": self.year.value,
                "resources": None if self.resource.value is None else [self.resource.value],
                "hazardous": self.hazardous.value}

    def links(self):
        """Links of the current selection for the audience (pure functions, no store)."""
        s = self.selection()
        flows = filter_flows(self.data.flows, year=s["year"], resources=s["resources"],
                             hazardous=s["hazardous"])
        links = audience_sankey_links(flows, s["matrix"], self.settings.audience, s["level"],
                                      self.settings.lang, synergies=self.data.synergies)
        links.attrs["selected_companies"] = int(
            flows.loc[flows["matrix"] == s["matrix"], "company_id"].nunique())
        return links

    def refresh(self) -> None:
        """Recompute the links and update the figure in place; errors go to the status line."""
        words = LABELS[self.settings.lang]
        try:
            links = self.links()
            matrix = self.matrix.value
            trace = sankey_trace(links, matrix, self.settings.lang)
            note = figure_note(links, self.settings.lang)
            with self.figure.batch_update():
                sankey = self.figure.data[0]
                sankey.node = trace.node
                sankey.link = trace.link
                self.figure.layout.title = figure_title(matrix, self.settings.lang)
                self.figure.layout.annotations = [dict(
                    text=note, showarrow=False, xref="paper", yref="paper", x=0, y=-0.05,
                    xanchor="left", font=dict(size=10, color="#555"))] if note else []
            shown = words["shown"].format(n=len(links), m=links.attrs.get("selected_companies", 0))
            self.status.value = html.escape(" · ".join(t for t in (shown, note) if t))
        except Exception as exc:  # shown to the user, never a traceback
            self.status.value = (f'<span style="color:#b00">{words["error"]}: '
                                 f"{html.escape(str(exc))}</span>")

    def _on_change(self, change) -> None:
        self.refresh()


__all__ = ["FlowPanel", "load"]
