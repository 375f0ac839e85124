"""Kernel counterparts of `colabsim.model.rules.renewal` (process 7).

Same names and arguments as the numpy rules, for one run (see `colabsim.model.kernel.shocks`).
"""

from __future__ import annotations

import numpy as np

from colabsim.model.kernel._jit import njit
from colabsim.model.kernel.layout import (
    ACTIVE,
    CENTRAL_SUPPORT,
    DORMANT,
    FLOOR_WEIGHT,
    LINE_TYPES,
    RESOURCE_LEVELS,
    TRUST_DECAY,
    UNDERSTANDING_DECAY,
    KernelStructure,
)
from colabsim.model.kernel.segments import maximum

__all__ = ["budget_lines", "decay_ties", "trust_floor", "yearly_endowment"]


@njit
def budget_lines(structure: KernelStructure, status: np.ndarray, out: np.ndarray) -> np.ndarray:
    """How many live programme lines each actor budgets for a year (at least 1)."""
    s = structure
    for i in range(s.n_actors):
        out[i] = 0.0
    for m in range(s.n_members):
        code = status[s.mem_prog[m]]
        out[s.mem_actor[m]] += 1.0 if code in (ACTIVE, DORMANT) else 0.0
    for i in range(s.n_actors):
        out[i] = maximum(out[i], 1.0)
    return out


@njit
def trust_floor(closeness: np.ndarray, params: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Trust floor of each tie: ``floor_weight * closeness``."""
    for e in range(closeness.shape[0]):
        out[e] = params[FLOOR_WEIGHT] * closeness[e]
    return out


@njit
def decay_ties(
    trust: np.ndarray,
    understanding: np.ndarray,
    contact: np.ndarray,
    floor: np.ndarray,
    params: np.ndarray,
    understanding_floor: np.ndarray,
    out_trust: np.ndarray,
    out_understanding: np.ndarray,
) -> None:
    """Trust and shared understanding fade toward their floors on ties without contact."""
    trust_decay = params[TRUST_DECAY]
    understanding_decay = params[UNDERSTANDING_DECAY]
    for e in range(trust.shape[0]):
        # Both outcomes, then a select (contacts are random: a branch on them would mispredict).
        t = trust[e]
        u = understanding[e]
        faded = t - trust_decay * maximum(t - floor[e], 0.0)
        forgotten = u - understanding_decay * maximum(u - understanding_floor[e], 0.0)
        met = contact[e]
        out_trust[e] = t if met else faded
        out_understanding[e] = u if met else forgotten


@njit
def yearly_endowment(
    structure: KernelStructure,
    levels: np.ndarray,
    active: np.ndarray,
    funded: np.ndarray,
    lines: np.ndarray,
    out: np.ndarray,
) -> np.ndarray:
    """Each actor's resources for a budget year ``(N, 4)``: endowment x level x lines, co-funded, gated."""
    s = structure
    cofund_local = 0.5 + 0.5 * levels[CENTRAL_SUPPORT]
    for i in range(s.n_actors):
        present = active[i] and funded[i]
        for k in range(4):
            value = 12.0 * s.endowment[i, k] * levels[RESOURCE_LEVELS[k]]
            value = value * (lines[i] if LINE_TYPES[k] else 1.0)
            if k == 0:
                value = value * (cofund_local if s.is_local_public[i] else 1.0)
            out[i, k] = value if present else 0.0
    return out
