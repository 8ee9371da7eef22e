"""Notebook 05 panel: edit the synergy register (GSI only).

Three forms: advance a synergy's status (date and reason, checked by
:func:`workbench.register.advance_status`), add an investment, add a funding-call
application. Each action opens the store for its own transaction and leaves an
``audit_log`` row (action ``registro``). Tables are ``widgets.HTML`` (not
``widgets.Output``: output capture hangs papermill). Errors go to the status line.

The functions :func:`add_investment` and :func:`add_funding_call` hold the rules (the same
as the ``Investimenti`` and ``Bandi`` sheets of ``registro.xlsx``); the panel only reads
widget values and calls them.
"""
from __future__ import annotations

import html
from datetime import date

import ipywidgets as widgets
import pandas as pd

from ..config import Settings
from ..model import CALL_OUTCOMES, INVESTMENT_KINDS
from ..ingest.validate import CellError, parse_date
from ..model import ALL_STATUSES
from ..privacy import is_restricted
from ..register import AUDIT_ACTION, TransitionError, advance_status, allowed_transitions
from ..store import audit, connect, transaction


class RegisterEditError(ValueError):
    """A register entry was refused; ``str(error)`` says why, in Italian."""


def _day(value, what: str) -> date:
    try:
        return parse_date(value)
    except CellError as error:
        raise RegisterEditError(f"{what}: {error}") from None


def _next_id(con, table: str, column: str, prefix: str) -> str:
    ids = [r[0] for r in con.execute(f"SELECT {column} FROM {table}").fetchall()]
    numbers = [int(i[len(prefix):]) for i in ids if str(i).startswith(prefix)
               and str(i)[len(prefix):].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:02d}"


def _check_synergy(con, synergy_id: str | None) -> str | None:
    if synergy_id in (None, ""):
        return None
    if con.execute("SELECT 1 FROM synergies WHERE synergy_id = ?", [synergy_id]).fetchone() is None:
        raise RegisterEditError(f"sinergia «{synergy_id}» inesistente nel registro")
    return synergy_id


def add_investment(con, amount_eur: float, kind: str, invested_on, synergy_id: str | None = None,
                   note: str | None = None, actor: str | None = None) -> dict:
    """Add an investment to the register, with its audit row.

    Parameters
    ----------
    amount_eur : float — amount invested, > 0. [EUR]
    kind : str — ``privato`` or ``pubblico``.
    invested_on : date or str — ``gg/mm/aaaa`` or ISO.
    synergy_id : str or None — the synergy it serves, when any.

    Returns
    -------
    dict — the stored row (``investment_id`` ``INV-nn``).

    Raises
    ------
    RegisterEditError — non-positive amount, unknown kind or synergy, bad date.
    """
    if kind not in INVESTMENT_KINDS:
        raise RegisterEditError(f"tipo di investimento «{kind}» sconosciuto: uno di "
                                f"{', '.join(INVESTMENT_KINDS)}")
    if amount_eur is None or not float(amount_eur) > 0:
        raise RegisterEditError(f"importo non valido {amount_eur!r}: serve un numero maggiore di zero")
    day = _day(invested_on, "data dell'investimento")
    synergy_id = _check_synergy(con, synergy_id)
    note = (note or "").strip() or None
    with transaction(con):
        row = {"investment_id": _next_id(con, "investments", "investment_id", "INV-"),
               "synergy_id": synergy_id, "amount_eur": float(amount_eur), "kind": kind,
               "invested_on": day, "note": note}
        con.execute("INSERT INTO investments VALUES (?, ?, ?, ?, ?, ?)", list(row.values()))
        audit(con, AUDIT_ACTION, actor=actor, target=row["investment_id"],
              detail=f"investimento {kind} di {float(amount_eur):.2f} € del {day:%d/%m/%Y}"
                     + (f" per {synergy_id}" if synergy_id else ""))
    return row


def add_funding_call(con, programme: str, call_name: str, *, synergy_id: str | None = None,
                     deadline=None, submitted_on=None, outcome: str | None = None,
                     requested_eur: float | None = None, granted_eur: float | None = None,
                     actor: str | None = None) -> dict:
    """Add a funding-call application to the register, with its audit row.

    The rules of the ``Bandi`` sheet: an outcome other than ``in_attesa`` needs the date
    of submission; a grant needs outcome ``vinta`` and is at most the amount requested;
    the submission is not after the deadline.

    Returns
    -------
    dict — the stored row (``call_id`` ``BAN-nn``).

    Raises
    ------
    RegisterEditError — the rule broken, in Italian.
    """
    programme, call_name = (programme or "").strip(), (call_name or "").strip()
    if not programme or not call_name:
        raise RegisterEditError("programma e bando sono obbligatori")
    if outcome in ("", None):
        outcome = None
    elif outcome not in CALL_OUTCOMES:
        raise RegisterEditError(f"esito «{outcome}» sconosciuto: uno di {', '.join(CALL_OUTCOMES)}")
    deadline = _day(deadline, "scadenza") if deadline not in (None, "") else None
    submitted = _day(submitted_on, "data di presentazione") if submitted_on not in (None, "") else None
    for name, value in (("richiesto", requested_eur), ("concesso", granted_eur)):
        if value is not None and float(value) < 0:
            raise RegisterEditError(f"importo {name} negativo: {value}")
    if outcome not in (None, "in_attesa") and submitted is None:
        raise RegisterEditError(f"esito «{outcome}» per una domanda senza data di presentazione")
    if granted_eur and outcome != "vinta":
        raise RegisterEditError(f"contributo concesso con esito «{outcome or 'vuoto'}»: "
                                "serve l'esito «vinta»")
    if granted_eur and requested_eur is not None and granted_eur > requested_eur * (1 + 1e-9):
        raise RegisterEditError("contributo concesso superiore al richiesto")
    if deadline and submitted and submitted > deadline:
        raise RegisterEditError(f"domanda presentata dopo la scadenza ({deadline:%d/%m/%Y})")
    synergy_id = _check_synergy(con, synergy_id)
    with transaction(con):
        row = {"call_id": _next_id(con, "funding_calls", "call_id", "BAN-"),
               "programme": programme, "call_name": call_name, "synergy_id": synergy_id,
               "deadline": deadline, "submitted_on": submitted, "outcome": outcome,
               "requested_eur": None if requested_eur is None else float(requested_eur),
               "granted_eur": None if granted_eur is None else float(granted_eur)}
        con.execute("INSERT INTO funding_calls VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    list(row.values()))
        audit(con, AUDIT_ACTION, actor=actor, target=row["call_id"],
              detail=f"bando «{call_name}» ({programme}) esito {outcome or '–'}")
    return row


def _table_html(df: pd.DataFrame, caption: str) -> str:
    head = "".join(f"<th style='text-align:left;padding:2px 8px'>{html.escape(str(c))}</th>"
                   for c in df.columns)
    body = "".join("<tr>" + "".join(f"<td style='padding:2px 8px'>{html.escape('' if pd.isna(v) else str(v))}</td>"
                                    for v in row) + "</tr>" for row in df.itertuples(index=False))
    return (f"<table><caption style='text-align:left;font-weight:600'>{html.escape(caption)}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


class RegisterPanel:
    """Forms to edit the register from notebook 05 (GSI only).

    Parameters
    ----------
    settings : Settings — store and audience; ``funders`` and ``pubblico`` are refused.
    """

    def __init__(self, settings: Settings):
        if is_restricted(settings.audience):
            raise PermissionError("la modifica del registro è riservata al GSI")
        self.settings = settings
        self.synergies = widgets.HTML()
        self.status = widgets.HTML()
        # status change
        self.synergy = widgets.Dropdown(description="Sinergia")
        self.new_status = widgets.Dropdown(description="Nuovo stato")
        self.on = widgets.Text(description="Data", placeholder="gg/mm/aaaa",
                               value=date.today().strftime("%d/%m/%Y"))
        self.reason = widgets.Text(description="Motivo", placeholder="obbligatorio per abbandonata")
        self.advance_button = widgets.Button(description="Cambia stato", button_style="primary")
        # investment
        self.inv_amount = widgets.FloatText(description="Importo €")
        self.inv_kind = widgets.Dropdown(options=list(INVESTMENT_KINDS), description="Tipo")
        self.inv_on = widgets.Text(description="Data", placeholder="gg/mm/aaaa")
        self.inv_synergy = widgets.Dropdown(description="Sinergia")
        self.inv_button = widgets.Button(description="Aggiungi investimento")
        # funding call
        self.call_programme = widgets.Text(description="Programma")
        self.call_name = widgets.Text(description="Bando")
        self.call_deadline = widgets.Text(description="Scadenza", placeholder="gg/mm/aaaa")
        self.call_submitted = widgets.Text(description="Presentata", placeholder="gg/mm/aaaa")
        self.call_outcome = widgets.Dropdown(options=[("", "")] + [(o, o) for o in CALL_OUTCOMES],
                                             description="Esito")
        self.call_requested = widgets.FloatText(description="Richiesto €")
        self.call_granted = widgets.FloatText(description="Concesso €")
        self.call_synergy = widgets.Dropdown(description="Sinergia")
        self.call_button = widgets.Button(description="Aggiungi bando")
        self.synergy.observe(lambda _: self._update_statuses(), names="value")
        self.advance_button.on_click(lambda _: self.advance())
        self.inv_button.on_click(lambda _: self.add_investment())
        self.call_button.on_click(lambda _: self.add_call())
        self.refresh()

    # ------------------------------------------------------------ state
    def _current(self) -> pd.DataFrame:
        with connect(self.settings) as con:
            return con.execute("SELECT synergy_id, matrix, status, status_since FROM synergies "
                               "ORDER BY synergy_id").df()

    def refresh(self) -> None:
        """Reload the register table and the drop-downs from the store."""
        current = self._current()
        self._status_of = dict(zip(current["synergy_id"], current["status"]))
        shown = current.assign(status_since=[d.strftime("%d/%m/%Y") if pd.notna(d) else ""
                                             for d in pd.to_datetime(current["status_since"])])
        self.synergies.value = _table_html(shown.rename(columns={
            "synergy_id": "sinergia", "matrix": "matrice", "status": "stato",
            "status_since": "dal"}), "Sinergie del registro")
        ids = list(current["synergy_id"])
        keep = self.synergy.value
        self.synergy.options = ids
        if keep in ids:
            self.synergy.value = keep
        for dropdown in (self.inv_synergy, self.call_synergy):
            dropdown.options = [("nessuna", "")] + [(i, i) for i in ids]
        self._update_statuses()

    def _update_statuses(self) -> None:
        current = self._status_of.get(self.synergy.value)
        options = allowed_transitions(current) if self.synergy.value else ()
        self.new_status.options = [s for s in ALL_STATUSES if s in options]

    def _say(self, message: str, ok: bool) -> None:
        colour = "#1a7f37" if ok else "#b42318"
        self.status.value = f"<span style='color:{colour}'>{html.escape(message)}</span>"

    # ------------------------------------------------------------ actions
    def advance(self) -> dict | None:
        """Apply the status change of the form; None (and a red message) when refused."""
        try:
            with connect(self.settings) as con:
                done = advance_status(con, self.synergy.value, self.new_status.value,
                                      self.on.value, self.reason.value or None,
                                      actor=self.settings.actor)
        except (TransitionError, RegisterEditError) as error:
            self._say(str(error), ok=False)
            return None
        self._say(f"{done['synergy_id']}: «{done['previous']}» → «{done['status']}» dal "
                  f"{done['changed_on']:%d/%m/%Y}", ok=True)
        self.refresh()
        return done

    def add_investment(self) -> dict | None:
        try:
            with connect(self.settings) as con:
                row = add_investment(con, self.inv_amount.value, self.inv_kind.value,
                                     self.inv_on.value, self.inv_synergy.value or None,
                                     actor=self.settings.actor)
        except RegisterEditError as error:
            self._say(str(error), ok=False)
            return None
        self._say(f"investimento {row['investment_id']} registrato", ok=True)
        return row

    def add_call(self) -> dict | None:
        try:
            with connect(self.settings) as con:
                row = add_funding_call(
                    con, self.call_programme.value, self.call_name.value,
                    synergy_id=self.call_synergy.value or None,
                    deadline=self.call_deadline.value or None,
                    submitted_on=self.call_submitted.value or None,
                    outcome=self.call_outcome.value or None,
                    requested_eur=self.call_requested.value or None,
                    granted_eur=self.call_granted.value or None, actor=self.settings.actor)
        except RegisterEditError as error:
            self._say(str(error), ok=False)
            return None
        self._say(f"bando {row['call_id']} registrato", ok=True)
        return row

    # ------------------------------------------------------------ layout
    def widget(self) -> widgets.Widget:
        form = widgets.VBox
        return widgets.VBox([
            self.synergies,
            widgets.Tab(children=[
                form([self.synergy, self.new_status, self.on, self.reason, self.advance_button]),
                form([self.inv_amount, self.inv_kind, self.inv_on, self.inv_synergy,
                      self.inv_button]),
                form([self.call_programme, self.call_name, self.call_deadline,
                      self.call_submitted, self.call_outcome, self.call_requested,
                      self.call_granted, self.call_synergy, self.call_button]),
            ], titles=("Stato", "Investimento", "Bando")),
            self.status,
        ])

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget())


def register_panel(settings: Settings) -> RegisterPanel | None:
    """The panel for the GSI; None for other audiences (nothing to edit)."""
    if is_restricted(settings.audience):
        return None
    return RegisterPanel(settings)


__all__ = ["RegisterPanel", "register_panel", "add_investment", "add_funding_call",
           "RegisterEditError"]
