"""The screening with the encrypted store: candidates table, decisions, overrides, allocation."""
from datetime import date

import pandas as pd
import pytest

from workbench.classify import apply_overrides, set_override
from workbench.flows import load_flows
from workbench.screening import (compare, promote_candidate, reject_candidate, rejected_pairs,
                                 run_screening, save_allocation)
from workbench.store import SCHEMA_VERSION, connect

COMPANIES = [("AZ-0001", "Centrale Fittizia S.p.A.", "35.11"),
             ("AZ-0002", "Gessi Inventati S.r.l.", "23.62"),
             ("AZ-0003", "Serre Immaginarie S.r.l.", "01.13")]
FLOWS = [  # flow_id, company, direction, matrix, description, resource, qty, unit, temp, cost
    ("AZ-0001-O0001", "AZ-0001", "out", "materia", "Gesso da desolforazione", "gesso_fgd", 5000, "t", None, 30.0),
    ("AZ-0002-I0001", "AZ-0002", "in", "materia", "Gesso naturale di cava", "gesso_naturale", 4000, "t", None, 18.0),
    ("AZ-0001-O0002", "AZ-0001", "out", "energia", "Calore acqua calda 90 °C", "calore_media_temperatura", 20000, "MWh", 90.0, None),
    ("AZ-0003-I0001", "AZ-0003", "in", "energia", "Riscaldamento serre", "serre_acquacoltura", 8000, "MWh", 30.0, 55.0),
    ("AZ-0002-I0002", "AZ-0002", "in", "energia", "Calore per essiccatoi", "domanda_calore_processo", 5000, "MWh", 80.0, 55.0),
]


@pytest.fixture
def store(empty_settings):
    with connect(empty_settings) as con:
        for i, (cid, name, ateco) in enumerate(COMPANIES):
            con.execute("INSERT INTO companies (company_id, name, vat_number, ateco, nda_signed_on) "
                        "VALUES (?, ?, ?, ?, ?)", [cid, name, f"0000000000{i}", ateco, date(2026, 1, 1)])
            con.execute("INSERT INTO sites (site_id, company_id, lat, lon) VALUES (?, ?, ?, ?)",
                        [f"{cid}-S1", cid, 43.58 + 0.004 * i, 10.33])
        for fid, cid, d, m, desc, res, q, u, t, cost in FLOWS:
            con.execute("INSERT INTO flows (flow_id, site_id, company_id, direction, matrix, description, "
                        "resource, quantity, unit, quantity_std, unit_std, temperature_c, unit_cost_eur) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [fid, f"{cid}-S1", cid, d, m, desc, res, q, u, q, u, t, cost])
    return empty_settings


def test_migration_adds_screening_tables(store):
    with connect(store) as con:
        version = con.execute("SELECT max(version) FROM schema_version").fetchone()[0]
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        columns = {r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'candidates'").fetchall()}
    assert version == SCHEMA_VERSION >= 3
    assert {"resource_overrides", "candidate_decisions", "joint_opportunities", "allocations"} <= tables
    assert {"avoided_disposal_eur", "transport_eur", "capex_annuity_eur", "data_to_collect"} <= columns


def test_screen_promote_reject_and_rescreen(store):
    with connect(store) as con:
        candidates = run_screening(con, load_flows(con))
        stored = con.execute("SELECT * FROM candidates").df()
        assert len(stored) == len(candidates) >= 3
        assert stored["why"].notna().all() and stored["net_benefit_eur"].notna().all()
        gypsum = candidates[candidates["source_resource"] == "gesso_fgd"].iloc[0]["candidate_id"]
        heat = candidates[candidates["target_flow_id"] == "AZ-0003-I0001"].iloc[0]["candidate_id"]

        synergy = promote_candidate(con, gypsum, actor="analista")
        row = con.execute("SELECT status, regulatory_path, source_flow_id FROM synergies "
                          "WHERE synergy_id = ?", [synergy]).fetchone()
        assert row == ("identificata", "sottoprodotto", "AZ-0001-O0001")
        assert con.execute("SELECT count(*) FROM synergy_status_history WHERE synergy_id = ?",
                           [synergy]).fetchone()[0] == 1
        assert con.execute("SELECT count(*) FROM audit_log WHERE action = 'candidato_promosso'"
                           ).fetchone()[0] == 1
        with pytest.raises(ValueError, match="già nel registro"):
            promote_candidate(con, gypsum, actor="analista")

        with pytest.raises(ValueError, match="motivo"):
            reject_candidate(con, heat, reason=" ", actor="analista")
        reject_candidate(con, heat, reason="serre chiuse d'estate", actor="analista")
        assert ("AZ-0001-O0002", "AZ-0003-I0001") in rejected_pairs(con)

        again = run_screening(con, load_flows(con))
        pairs = set(zip(again["source_flow_id"], again["target_flow_id"]))
        assert ("AZ-0001-O0002", "AZ-0003-I0001") not in pairs
        assert ("AZ-0001-O0002", "AZ-0002-I0002") in pairs

        result = compare(again)
        save_allocation(con, result)
        methods = set(con.execute("SELECT DISTINCT method FROM allocations").df()["method"])
        assert methods <= {"lp", "greedy"} and methods


def test_analyst_override_wins_over_the_classifier(store):
    with connect(store) as con:
        with pytest.raises(ValueError, match="sconosciuta"):
            set_override(con, "AZ-0002-I0001", "non_esiste", actor="analista")
        set_override(con, "AZ-0002-I0001", "clinker_sostituti", actor="analista", reason="è una cementeria")
        # a re-ingest would rewrite the class: the override still applies
        con.execute("UPDATE flows SET resource = 'gesso_naturale' WHERE flow_id = 'AZ-0002-I0001'")
        flows = apply_overrides(con, load_flows(con))
        row = flows.set_index("flow_id").loc["AZ-0002-I0001"]
        assert row["resource"] == "clinker_sostituti" and row["resource_source"] == "analista"
        assert con.execute("SELECT count(*) FROM audit_log WHERE action = 'classificazione_manuale'"
                           ).fetchone()[0] == 1


def test_joint_opportunities_are_stored(store):
    with connect(store) as con:
        con.execute("UPDATE flows SET resource = 'domanda_calore_processo' WHERE flow_id = 'AZ-0003-I0001'")
        run_screening(con, load_flows(con))
        joint = con.execute("SELECT * FROM joint_opportunities").df()
    assert len(joint) == 1
    assert joint.iloc[0]["kind"] == "acquisto_congiunto"
