"""Synergy screening: candidate generation by blocking on resource classes and the
substitution rules of ``lib/``, checks, economics, regulatory path, ranking, network
allocation and the analyst's decisions. See DESIGN §5.

Modules: :mod:`.candidates` (blocking, scoring, ``generate_candidates``,
``run_screening``), :mod:`.quality` (water class vs use, heat temperatures, hazardous
waste), :mod:`.logistics` (road and pipe), :mod:`.economics` (benefit terms, CO2e),
:mod:`.regulatory` (path, *why*, data to collect), :mod:`.joint` (joint purchasing and
shared logistics), :mod:`.allocation` (HiGHS LP beside the greedy ranking),
:mod:`.decisions` (promote, reject), :mod:`.validation` (real documented exchanges),
:mod:`.library` (reference tables).
"""
from ..energy.heat import DELTA_T_MIN_K
from .allocation import allocate, check_allocation, compare, save_allocation
from .candidates import (CANDIDATE_COLUMNS, DETOUR_FACTOR, K_NEIGHBOURS, MAX_PER_SOURCE,
                         filter_candidates, generate_candidates, run_screening)
from .decisions import promote_candidate, reject_candidate, rejected_pairs
from .joint import joint_opportunities
from .regulatory import explain

__all__ = [
    "CANDIDATE_COLUMNS", "DETOUR_FACTOR", "DELTA_T_MIN_K", "K_NEIGHBOURS", "MAX_PER_SOURCE",
    "allocate", "check_allocation", "compare", "explain", "filter_candidates",
    "generate_candidates", "joint_opportunities", "promote_candidate", "reject_candidate",
    "rejected_pairs", "run_screening", "save_allocation",
]
