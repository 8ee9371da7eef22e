"""The synergy register: transitions, registro.xlsx round trip, quarantine, audit."""
from __future__ import annotations

from datetime import date

import pytest

from conftest import make_settings
from workbench.model import ABANDONED, ALL_STATUSES, vat_with_check_digit
from workbench.register import (SHEETS, RegisterError, TransitionError, advance_status,
                                allowed_transitions, check_transition, export_register,
                                load_register, read_register, write_register_workbook)
from workbench.store import connect

VAT_A = vat_with_check_digit("9900101049")  # supplier, NDA
VAT_B = vat_with_check_digit("9900102049")  # receiver, NDA
VAT_C = vat_with_check_digit("9900103049")  # no NDA
VAT_UNKNOWN = vat_with_check_digit("9900199049")

# (flow_id, company_id, direction, matrix, description, quantity_std, unit_std)
FLOWS = [
    ("AZ-0001-O0002", "AZ-0001", "out", "materia", "Rottami ferrosi da manutenzione", 500.0, "t"),
    ("AZ-0001-O0003", "AZ-0001", "out", "energia", "Calore fumi 180 °C", 9000.0, "MWh"),
    ("AZ-0001-O0004", "AZ-0001", "out", "materia", "Imballaggi misti", 10.0, "t"),
    ("AZ-0001-O0005", "AZ-0001", "out", "materia", "Imballaggi misti", 12.0, "t"),  # ambiguous
    ("AZ-0002-I0002", "AZ-0002", "in", "materia", "Rottame ferroso (acquisto)", 800.0, "t"),
    ("AZ-0002-I0003", "AZ-0002", "in", "energia", "Gas naturale caldaia 85 °C", 3000.0, "MWh"),
]


@pytest.fixture
def store(tmp_path):
    settings = make_settings(tmp_path)
    with connect(settings) as con:
        for cid, name, vat, nda in (("AZ-0001", "Alfa Fittizia S.p.A.", VAT_A, date(2025, 5, 1)),
                                    ("AZ-0002", "Beta Immaginaria S.r.l.", VAT_B, date(2025, 6, 1)),
                                    ("AZ-0003", "Gamma Demo S.r.l.", VAT_C, None)):
            con.execute("INSERT INTO companies (company_id, name, vat_number, nda_signed_on) "
                        "VALUES (?, ?, ?, ?)", [cid, name, vat, nda])
        for fid, cid, direction, matrix, description, qty, unit in FLOWS:
            con.execute("INSERT INTO flows (flow_id, site_id, company_id, direction, matrix, "
                        "description, quantity, unit, quantity_std, unit_std) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [fid, f"{cid}-S1", cid, direction, matrix, description, qty, unit, qty, unit])
    return settings


def _synergy(sid, **changes):
    row = {"synergy_id": sid, "description": f"Sinergia {sid}", "matrix": "materia",
           "supplier_vat": VAT_A, "source_flow": "Rottami ferrosi da manutenzione",
           "receiver_vat": VAT_B, "target_flow": "rottame ferroso (ACQUISTO)",
           "quantity_std": 400.0, "regulatory_path": "recupero_rifiuto", "r_code": "R4",
           "net_benefit_eur": 16000.0, "co2e_avoided_t": 20.0}
    row.update(changes)
    return row


def _history(sid, *steps):
    return [{"synergy_id": sid, "status": s, "changed_on": date.fromisoformat(d), "reason": r,
             "actor": "test"} for s, d, r in steps]


def good_records():
    return {
        "synergies": [
            _synergy("SIN-01"),
            _synergy("SIN-02", matrix="energia", source_flow="calore fumi 180 °C",
                     target_flow="AZ-0002-I0003", quantity_std=2000.0, regulatory_path="non_rifiuto",
                     r_code=None),
            _synergy("SIN-03", receiver_vat=None, target_flow=None, quantity_std=10.0,
                     source_flow="AZ-0001-O0004", target_sector="pellet"),
        ],
        "history": (_history("SIN-01", ("identificata", "2025-10-01", None),
                             ("proposta", "2025-11-01", None), ("realizzata", "2026-02-01", None),
                             ("monitorata", "2026-09-01", None))
                    + _history("SIN-02", ("proposta", "2025-12-01", None),
                               (ABANDONED, "2026-03-01", "troppo lontano"))
                    + _history("SIN-03", ("identificata", "2026-04-01", None))),
        "investments": [{"investment_id": "INV-1", "synergy_id": "SIN-01", "amount_eur": 50000.0,
                         "kind": "privato", "invested_on": date(2026, 1, 10), "note": "cassoni"}],
        "funding_calls": [{"call_id": "B-1", "programme": "LIFE", "call_name": "Bando finto",
                           "synergy_id": "SIN-01", "deadline": date(2026, 9, 1),
                           "submitted_on": date(2026, 8, 20), "outcome": "approvato",
                           "requested_eur": 100000.0, "granted_eur": 60000.0}],
        "contests": [{"contest_id": "C-1", "name": "Premio finto", "submitted_on": date(2026, 5, 1),
                      "won": True}],
        "research": [{"research_id": "R-1", "kind": "progetto", "title": "Studio",
                      "started_on": date(2026, 3, 1)}],
        "jobs": [{"job_id": "J-1", "company_vat": VAT_B, "synergy_id": "SIN-01", "fte": 2.0,
                  "created_on": date(2026, 3, 1)}],
    }


# --------------------------------------------------------------------------- transitions
@pytest.mark.parametrize("current,new", [
    (None, "identificata"), (None, "proposta"), ("identificata", "proposta"),
    ("proposta", "in_valutazione"), ("fattibile", "realizzata"),  # skipping is allowed
    ("realizzata", "monitorata"), ("identificata", ABANDONED), ("monitorata", ABANDONED),
])
def test_legal_transitions(current, new):
    check_transition(current, new, reason="motivo")


@pytest.mark.parametrize("current,new,words", [
    (None, "fattibile", "parte da"),
    ("fattibile", "proposta", "all'indietro"),
    ("proposta", "proposta", "già nello stato"),
    ("fattibile", "monitorata", "richiede prima «realizzata»"),
    (ABANDONED, "proposta", "già abbandonata"),
    (ABANDONED, ABANDONED, "già abbandonata"),
    ("proposta", "chiusa", "sconosciuto"),
])
def test_illegal_transitions_are_refused_in_italian(current, new, words):
    with pytest.raises(TransitionError, match=words):
        check_transition(current, new, reason="motivo")


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_abandonment_needs_a_reason(reason):
    with pytest.raises(TransitionError, match="serve il motivo"):
        check_transition("in_valutazione", ABANDONED, reason=reason)


def test_dates_never_go_backwards():
    with pytest.raises(TransitionError, match="precedente all'ultimo cambio"):
        check_transition("proposta", "fattibile", last_date=date(2026, 5, 1), on=date(2026, 4, 30))
    check_transition("proposta", "fattibile", last_date=date(2026, 5, 1), on=date(2026, 5, 1))


def test_allowed_transitions():
    assert allowed_transitions(None) == ("identificata", "proposta")
    assert allowed_transitions("fattibile") == ("in_progettazione", "finanziata", "realizzata",
                                                ABANDONED)
    assert allowed_transitions(ABANDONED) == ()
    assert set(allowed_transitions("identificata")) <= set(ALL_STATUSES)


# --------------------------------------------------------------------------- workbook
def test_empty_template_has_every_sheet_and_no_rows(tmp_path):
    path = write_register_workbook(tmp_path / "registro.xlsx")
    sheets = read_register(path)
    assert set(sheets.rows) == set(SHEETS)
    assert all(rows == [] for rows in sheets.rows.values())


def test_not_a_workbook_and_missing_sheet_are_refused_whole(tmp_path, store):
    bad = tmp_path / "registro.xlsx"
    bad.write_text("codice;stato\n", encoding="utf-8")
    with pytest.raises(RegisterError, match="non è una cartella di lavoro"):
        load_register(store, bad)
    empty = tmp_path / "vuoto.xlsx"
    empty.write_bytes(b"")
    with pytest.raises(RegisterError, match="0 byte"):
        load_register(store, empty)
    from openpyxl import load_workbook
    path = write_register_workbook(tmp_path / "r2.xlsx", good_records())
    wb = load_workbook(path)
    del wb["Bandi"]
    wb.save(path)
    with pytest.raises(RegisterError, match="mancano i fogli Bandi"):
        load_register(store, path)
    with connect(store) as con:
        assert con.execute("SELECT count(*) FROM synergies").fetchone()[0] == 0


# --------------------------------------------------------------------------- loading
def test_load_good_register(tmp_path, store):
    path = write_register_workbook(tmp_path / "registro.xlsx", good_records())
    result = load_register(store, path)
    assert result.problems.empty, result.problems["message"].tolist()
    assert result.loaded == {"synergies": 3, "synergy_status_history": 7, "investments": 1,
                             "funding_calls": 1, "contests": 1, "research": 1, "jobs": 1}
    with connect(store) as con:
        rows = con.execute("SELECT synergy_id, source_flow_id, target_flow_id, target_sector, status, "
                           "status_since, abandoned_reason, unit_std FROM synergies "
                           "ORDER BY 1").fetchall()
        outcome = con.execute("SELECT outcome FROM funding_calls").fetchone()[0]
        job = con.execute("SELECT company_id FROM jobs").fetchone()[0]
        audit = con.execute("SELECT action, rows_accepted, rows_quarantined FROM audit_log").fetchall()
    assert rows == [
        ("SIN-01", "AZ-0001-O0002", "AZ-0002-I0002", None, "monitorata", date(2026, 9, 1), None, "t"),
        ("SIN-02", "AZ-0001-O0003", "AZ-0002-I0003", None, ABANDONED, date(2026, 3, 1),
         "troppo lontano", "MWh"),
        ("SIN-03", "AZ-0001-O0004", None, "pellet", "identificata", date(2026, 4, 1), None, "t"),
    ]
    assert outcome == "vinta"  # "approvato" is stored with the indicators' word
    assert job == "AZ-0002"
    assert audit == [("registro", 15, 0)]


def test_bad_rows_are_quarantined_and_the_rest_loads(tmp_path, store):
    records = good_records()
    records["synergies"] += [
        _synergy("SIN-04", source_flow="Rottami che non esistono"),          # unresolved flow
        _synergy("SIN-05", supplier_vat="12345678901"),                      # bad check digit
        _synergy("SIN-06", supplier_vat=VAT_C),                              # no NDA
        _synergy("SIN-07", supplier_vat=VAT_UNKNOWN),                        # unknown company
        _synergy("SIN-08", source_flow="Imballaggi misti"),                  # ambiguous
        _synergy("SIN-09", quantity_std=9999.0),                             # more than supplied
        _synergy("SIN-10", r_code=None),                                     # R code missing
        _synergy("SIN-01"),                                                  # duplicate id
    ]
    records["history"] += (
        _history("SIN-04", ("identificata", "2026-01-01", None))
        + _history("SIN-01", ("proposta", "2026-10-01", None))               # backwards
        + _history("SIN-03", (ABANDONED, "2026-05-01", None)))               # no reason
    records["investments"].append({"investment_id": "INV-2", "synergy_id": "SIN-04",
                                   "amount_eur": 1.0, "kind": "privato",
                                   "invested_on": date(2026, 1, 1)})
    records["funding_calls"].append({"call_id": "B-2", "programme": "LIFE", "call_name": "x",
                                     "outcome": "respinto", "submitted_on": date(2026, 1, 1),
                                     "requested_eur": 10.0, "granted_eur": 20.0})
    records["jobs"].append({"job_id": "J-2", "company_vat": VAT_C, "fte": 1.0,
                            "created_on": date(2026, 1, 1)})
    path = write_register_workbook(tmp_path / "registro.xlsx", records)
    result = load_register(store, path)

    assert result.loaded["synergies"] == 3 and result.loaded["synergy_status_history"] == 7
    assert result.loaded["investments"] == 1 and result.loaded["funding_calls"] == 1
    assert result.loaded["jobs"] == 1
    problems = result.problems
    messages = " | ".join(problems["message"])
    for words in ("flusso «Rottami che non esistono» non trovato", "cifra di controllo errata",
                  "non ha firmato l'NDA", "nessuna azienda con partita IVA",
                  "descrizione ambigua", "quantità scambiata superiore",
                  "richiede il codice R", "già usato alla riga",
                  "all'indietro", "serve il motivo", "è in quarantena",
                  "concesso con esito «respinta»", "contributo concesso superiore al richiesto"):
        assert words in messages, words
    # every problem names file, sheet, row and column
    assert problems[["file", "sheet", "row", "column"]].notna().all().all()
    first = problems[problems["message"].str.contains("non trovato")].iloc[0]
    assert (first["file"], first["sheet"], first["column"]) == \
        ("registro.xlsx", "Sinergie", "Flusso in uscita del fornitore")
    assert "foglio Sinergie, riga 5" in first["message"]
    reason = problems[problems["message"].str.contains("serve il motivo")].iloc[0]
    assert reason["sheet"] == "Storico_stati" and reason["column"] == "Motivo"
    with connect(store) as con:
        quarantined = con.execute("SELECT count(*), count(DISTINCT sheet || row) FROM quarantine").fetchone()
        status = con.execute("SELECT status FROM synergies WHERE synergy_id = 'SIN-01'").fetchone()[0]
    assert quarantined == (len(problems), result.rows_quarantined)
    assert status == "monitorata"  # the backward entry was refused

    # loading the same file again gives the same register and the same quarantine
    again = load_register(store, path)
    assert again.loaded == result.loaded and len(again.problems) == len(problems)
    with connect(store) as con:
        assert con.execute("SELECT count(*) FROM quarantine").fetchone()[0] == len(problems)
        assert con.execute("SELECT count(*) FROM synergy_status_history").fetchone()[0] == 7
        assert con.execute("SELECT count(*) FROM audit_log WHERE action = 'registro'").fetchone()[0] == 2


def test_synergy_without_valid_history_is_quarantined(tmp_path, store):
    records = good_records()
    records["history"] = [h for h in records["history"] if h["synergy_id"] != "SIN-03"]
    records["history"] += _history("SIN-03", ("fattibile", "2026-04-01", None))  # bad start
    path = write_register_workbook(tmp_path / "registro.xlsx", records)
    result = load_register(store, path)
    assert result.loaded["synergies"] == 2
    assert result.problems["message"].str.contains("senza alcuno stato valido").any()
    assert result.problems["message"].str.contains("parte da «identificata» o «proposta»").any()


# --------------------------------------------------------------------------- advance_status
def test_advance_status(tmp_path, store):
    write_register_workbook(tmp_path / "registro.xlsx", good_records())
    load_register(store, tmp_path / "registro.xlsx")
    with connect(store) as con:
        done = advance_status(con, "SIN-03", "proposta", "15/05/2026", actor="analista")
        assert done == {"synergy_id": "SIN-03", "status": "proposta",
                        "changed_on": date(2026, 5, 15), "previous": "identificata"}
        with pytest.raises(TransitionError, match="all'indietro"):
            advance_status(con, "SIN-03", "identificata", date(2026, 6, 1))
        with pytest.raises(TransitionError, match="serve il motivo"):
            advance_status(con, "SIN-03", ABANDONED, date(2026, 6, 1))
        with pytest.raises(TransitionError, match="precedente"):
            advance_status(con, "SIN-03", "fattibile", date(2026, 5, 1))
        with pytest.raises(TransitionError, match="inesistente"):
            advance_status(con, "SIN-99", "proposta", date(2026, 6, 1))
        advance_status(con, "SIN-03", ABANDONED, date(2026, 7, 1), reason="nessun acquirente")
        row = con.execute("SELECT status, status_since, abandoned_reason FROM synergies "
                          "WHERE synergy_id = 'SIN-03'").fetchone()
        history = con.execute("SELECT status FROM synergy_status_history WHERE synergy_id = 'SIN-03' "
                              "ORDER BY changed_on").fetchall()
        audit = con.execute("SELECT actor, detail FROM audit_log WHERE target = 'SIN-03' "
                            "ORDER BY logged_at").fetchall()
    assert row == (ABANDONED, date(2026, 7, 1), "nessun acquirente")
    assert [h[0] for h in history] == ["identificata", "proposta", ABANDONED]
    assert audit[0] == ("analista", "stato «identificata» → «proposta» dal 15/05/2026")
    assert len(audit) == 2


def test_export_keeps_status_changes_across_a_reload(tmp_path, store):
    load_register(store, write_register_workbook(tmp_path / "registro.xlsx", good_records()))
    with connect(store) as con:
        advance_status(con, "SIN-03", "proposta", date(2026, 4, 1))  # same day as identificata
        before = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
                  for t in ("synergies", "synergy_status_history", "investments", "funding_calls",
                            "contests", "research", "jobs")}
    exported = export_register(store, tmp_path / "esportato.xlsx")
    result = load_register(store, exported)
    assert result.problems.empty, result.problems["message"].tolist()
    with connect(store) as con:
        after = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in before}
    assert after == before
