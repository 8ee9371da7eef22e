"""The analyst's decisions on candidates: promote to the synergy register, or reject.

* :func:`promote_candidate` registers the candidate as a synergy in status
  ``identificata`` (register tables ``synergies`` and ``synergy_status_history``), keeps
  the decision in ``candidate_decisions`` and writes the audit log, in one transaction.
* :func:`reject_candidate` keeps the decision with its reason; :func:`rejected_pairs`
  gives the (source flow, target flow) pairs that the next screening must skip.

Note: the register workbook (:mod:`workbench.register`) replaces the register tables
when it is loaded again; export promoted synergies to the workbook before editing it.
"""
from __future__ import annotations

import re
import uuid
from datetime import date, datetime

from ..store import audit, transaction

DECISIONS = ("promosso", "scartato")
STATUS_IDENTIFIED = "identificata"


def _candidate(con, candidate_id: str) -> dict:
    df = con.execute("SELECT * FROM candidates WHERE candidate_id = ?", [candidate_id]).df()
    if df.empty:
        raise ValueError(f'candidato "{candidate_id}" inesistente: rieseguire lo screening')
    return df.iloc[0].to_dict()


def _next_synergy_id(con) -> str:
    ids = [r[0] for r in con.execute("SELECT synergy_id FROM synergies").fetchall()]
    numbers = [int(m.group(1)) for i in ids if (m := re.fullmatch(r"SIN-(\d+)", str(i)))]
    return f"SIN-{(max(numbers) + 1) if numbers else 1:03d}"


def promote_candidate(con, candidate_id: str, actor: str, on: date | None = None) -> str:
    """Register a candidate as a synergy in status ``identificata``, with audit.

    Parameters
    ----------
    con : DuckDB connection — an open store.
    candidate_id : str — a row of the ``candidates`` table.
    actor : str — who decides (analyst).
    on : date, optional — day of the decision (default today).

    Returns
    -------
    str — the new ``synergy_id`` (``SIN-001``, ``SIN-002``…).

    Raises
    ------
    ValueError — unknown candidate, or its pair is already in the register.
    """
    c = _candidate(con, candidate_id)
    exists = con.execute("SELECT synergy_id FROM synergies WHERE source_flow_id = ? AND target_flow_id = ?",
                         [c["source_flow_id"], c["target_flow_id"]]).fetchone()
    if exists:
        raise ValueError(f'la coppia del candidato "{candidate_id}" è già nel registro come {exists[0]}')
    day = on or date.today()
    synergy_id = _next_synergy_id(con)
    description = (f"{c['source_resource']} → {c['target_resource']} ({c.get('treatment') or ''}) "
                   f"da screening {candidate_id}")
    with transaction(con):
        con.execute(
            """INSERT INTO synergies (synergy_id, source_flow_id, target_flow_id, source_company_id,
                   target_company_id, target_sector, matrix, description, quantity_std, unit_std,
                   regulatory_path, r_code, status, status_since, abandoned_reason,
                   net_benefit_eur, co2e_avoided_t)
               VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)""",
            [synergy_id, c["source_flow_id"], c["target_flow_id"], c["source_company_id"],
             c["target_company_id"], c["matrix"], description, c["quantity_std"], c["unit_std"],
             c["regulatory_path"], c.get("r_code"), STATUS_IDENTIFIED, day,
             c["net_benefit_eur"], c["co2e_avoided_t"]])
        con.execute("INSERT INTO synergy_status_history VALUES (?, ?, ?, ?, ?)",
                    [synergy_id, STATUS_IDENTIFIED, day, f"promosso dal candidato {candidate_id}", actor])
        _record(con, c, "promosso", None, synergy_id, actor)
        audit(con, "candidato_promosso", actor=actor, target=synergy_id,
              detail=f"{candidate_id}: {c['source_flow_id']} → {c['target_flow_id']}")
    return synergy_id


def reject_candidate(con, candidate_id: str, reason: str, actor: str) -> None:
    """Reject a candidate with a reason; the next screening skips its pair.

    Raises
    ------
    ValueError — empty reason or unknown candidate.
    """
    if reason is None or not str(reason).strip():
        raise ValueError("scartare un candidato richiede un motivo")
    c = _candidate(con, candidate_id)
    with transaction(con):
        _record(con, c, "scartato", str(reason).strip(), None, actor)
        con.execute("DELETE FROM candidates WHERE candidate_id = ?", [candidate_id])
        audit(con, "candidato_scartato", actor=actor, target=candidate_id, detail=str(reason).strip())


def _record(con, c: dict, decision: str, reason: str | None, synergy_id: str | None, actor: str) -> None:
    con.execute("INSERT INTO candidate_decisions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [uuid.uuid4().hex, c["candidate_id"], c["source_flow_id"], c["target_flow_id"],
                 decision, reason, synergy_id, actor, datetime.now(), c.get("why")])


def rejected_pairs(con) -> set[tuple[str, str]]:
    """(source_flow_id, target_flow_id) of every rejected candidate."""
    rows = con.execute("SELECT source_flow_id, target_flow_id FROM candidate_decisions "
                       "WHERE decision = 'scartato'").fetchall()
    return {(a, b) for a, b in rows}


def decisions(con):
    """All decisions, newest first (DataFrame)."""
    return con.execute("SELECT * FROM candidate_decisions ORDER BY decided_at DESC").df()
