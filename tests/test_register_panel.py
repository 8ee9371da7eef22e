"""The register panel of notebook 05: status changes, investments, funding calls."""
from __future__ import annotations

import shutil
from datetime import date

import ipywidgets as widgets
import pytest

from workbench.store import connect
from workbench.views.register_panel import (RegisterEditError, RegisterPanel, add_funding_call,
                                            add_investment, register_panel)


@pytest.fixture
def settings(demo_settings, tmp_path):
    data_dir = tmp_path / "demo"
    shutil.copytree(demo_settings.data_dir, data_dir,
                    ignore=shutil.ignore_patterns("reports", "release", "runs"))
    return demo_settings.with_(data_dir=data_dir, store_path=data_dir / "store.duckdb")


def _audit(settings, target):
    with connect(settings) as con:
        return con.execute("SELECT action, detail FROM audit_log WHERE target = ?",
                           [target]).fetchall()


def test_panel_is_for_the_gsi_only(settings):
    assert register_panel(settings.with_(audience="funders")) is None
    with pytest.raises(PermissionError):
        RegisterPanel(settings.with_(audience="pubblico"))


def test_panel_uses_html_not_output_widgets(settings):
    panel = RegisterPanel(settings)
    box = panel.widget()

    def walk(w):
        yield w
        for child in getattr(w, "children", ()):
            yield from walk(child)

    kinds = {type(w) for w in walk(box)}
    assert widgets.Output not in kinds and widgets.HTML in kinds
    assert "SIN-01" in panel.synergies.value


def test_advance_status_from_the_panel_is_recorded_and_audited(settings):
    panel = RegisterPanel(settings)
    sid = next(s for s, st in panel._status_of.items() if st not in ("monitorata", "abbandonata"))
    panel.synergy.value = sid
    panel.new_status.value = "abbandonata"
    panel.on.value = "01/03/2027"
    panel.reason.value = ""
    assert panel.advance() is None and "motivo" in panel.status.value
    panel.reason.value = "costi di trasporto troppo alti"
    done = panel.advance()
    assert done["status"] == "abbandonata" and done["changed_on"] == date(2027, 3, 1)
    assert panel._status_of[sid] == "abbandonata"
    assert any("abbandonata" in d for a, d in _audit(settings, sid) if a == "registro")


def test_add_investment_validates_and_audits(settings):
    with connect(settings) as con:
        with pytest.raises(RegisterEditError, match="maggiore di zero"):
            add_investment(con, 0, "privato", "01/02/2027")
        with pytest.raises(RegisterEditError, match="inesistente"):
            add_investment(con, 1000, "privato", "01/02/2027", "SIN-99")
        row = add_investment(con, 25_000, "pubblico", "01/02/2027", "SIN-01", actor="test")
        stored = con.execute("SELECT amount_eur, kind, invested_on FROM investments "
                             "WHERE investment_id = ?", [row["investment_id"]]).fetchone()
    assert stored == (25_000.0, "pubblico", date(2027, 2, 1))
    assert _audit(settings, row["investment_id"])


def test_add_funding_call_rules(settings):
    with connect(settings) as con:
        with pytest.raises(RegisterEditError, match="senza data di presentazione"):
            add_funding_call(con, "LIFE", "Bando X", outcome="vinta")
        with pytest.raises(RegisterEditError, match="superiore al richiesto"):
            add_funding_call(con, "LIFE", "Bando X", submitted_on="01/01/2027", outcome="vinta",
                             requested_eur=100, granted_eur=200)
        with pytest.raises(RegisterEditError, match="dopo la scadenza"):
            add_funding_call(con, "LIFE", "Bando X", deadline="01/01/2027",
                             submitted_on="02/01/2027")
        row = add_funding_call(con, "LIFE", "Bando X", deadline="31/01/2027",
                               submitted_on="15/01/2027", outcome="in_attesa",
                               requested_eur=50_000)
    assert row["call_id"].startswith("BAN-") and _audit(settings, row["call_id"])


def test_panel_forms_add_rows(settings):
    panel = RegisterPanel(settings)
    panel.inv_amount.value, panel.inv_on.value = 10_000, "10/01/2027"
    assert panel.add_investment()["kind"] == "privato"
    panel.call_programme.value, panel.call_name.value = "PR FESR", "Bando Y"
    assert panel.add_call()["programme"] == "PR FESR"
    panel.call_name.value = ""
    assert panel.add_call() is None and "obbligatori" in panel.status.value
