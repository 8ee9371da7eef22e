"""Synergy screening: candidate generation by blocking on resource classes and the
substitution rules of ``lib/``, checks, ranking. See DESIGN §5."""
from .candidates import DETOUR_FACTOR, DELTA_T_MIN_K, generate_candidates, run_screening

__all__ = ["DETOUR_FACTOR", "DELTA_T_MIN_K", "generate_candidates", "run_screening"]
