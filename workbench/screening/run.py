"""Screening of the whole store in one call (notebook 03, the pipeline)."""
from __future__ import annotations

import pandas as pd

from ..config import Settings
from ..flows import load_flows
from ..store import audit, connect
from .candidates import run_screening


def screen_store(settings: Settings) -> pd.DataFrame:
    """Load the flows under NDA, generate the candidates, store them, audit the run.

    Returns
    -------
    DataFrame — the candidates (see :func:`workbench.screening.generate_candidates`).
    """
    with connect(settings) as con:
        flows = load_flows(con, lang=settings.lang)
        candidates = run_screening(con, flows)
        audit(con, "screening", actor=settings.actor, rows_accepted=len(candidates),
              audience=settings.audience, detail=f"periodo {settings.period}")
    return candidates


def allocation_comparison(settings: Settings, candidates: pd.DataFrame) -> dict:
    """Network allocation (LP, HiGHS) beside the greedy ranking; the LP result is stored.

    Returns
    -------
    dict — as :func:`workbench.screening.compare`: ``summary``, ``difference``,
    ``gain_eur`` [EUR/yr], ``gain_share`` [-].
    """
    from .allocation import compare, save_allocation

    result = compare(candidates)
    with connect(settings) as con:
        save_allocation(con, result)
    return result


def joint(settings: Settings) -> pd.DataFrame:
    """Joint purchasing and shared logistics opportunities of the last screening."""
    with connect(settings) as con:
        return con.execute("SELECT * FROM joint_opportunities ORDER BY saving_eur DESC").df()
