"""Kernel counterparts of `colabsim.model.rules.shocks` (process 1: leadership turnover).

Same names and arguments as the numpy rules, for one run: factor levels and parameters as rows
(`colabsim.model.kernel.layout`), a noise source as its PCG64 state, results written into the
trailing ``out`` arrays (which may be the inputs: every rule here works entry by entry).
"""

from __future__ import annotations

import numpy as np

from colabsim.model.kernel._jit import njit
from colabsim.model.kernel.layout import LEADERSHIP, TURNOVER, TURNOVER_LOSS, TURNOVER_RATE
from colabsim.model.kernel.pcg64 import next_double

__all__ = ["leadership_turnover", "newcomer_commitment", "turnover_level"]


@njit
def turnover_level(override: np.ndarray, levels: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Each actor's turnover factor: its own value if set, else the scenario's."""
    for i in range(override.shape[0]):
        out[i] = levels[TURNOVER] if np.isnan(override[i]) else override[i]
    return out


@njit
def newcomer_commitment(baseline: np.ndarray, levels: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Commitment of a new leader: ``baseline_i * (0.5 + 0.5 * leadership)``."""
    scale = 0.5 + 0.5 * levels[LEADERSHIP]
    for i in range(baseline.shape[0]):
        out[i] = baseline[i] * scale
    return out


@njit
def leadership_turnover(
    commitment: np.ndarray,
    understanding: np.ndarray,
    active: np.ndarray,
    newcomer: np.ndarray,
    turnover: np.ndarray,
    tie_ends: tuple[np.ndarray, np.ndarray],
    params: np.ndarray,
    rng: np.ndarray,
    out_commitment: np.ndarray,
    out_understanding: np.ndarray,
    out_changed: np.ndarray,
) -> None:
    """Draw leadership changes (one draw per actor, present or not) and apply them."""
    src, dst = tie_ends
    rate = params[TURNOVER_RATE]
    loss = params[TURNOVER_LOSS]
    any_changed = False
    for i in range(commitment.shape[0]):
        draw = next_double(rng)
        changed = active[i] and draw < rate * turnover[i]
        out_changed[i] = changed
        any_changed = any_changed or changed
        c = commitment[i]
        out_commitment[i] = (1.0 - loss) * c + loss * newcomer[i] if changed else c
    if not any_changed:
        # Most months nobody changes: the ties keep their understanding, without looking up their ends.
        for e in range(understanding.shape[0]):
            out_understanding[e] = understanding[e]
        return
    for e in range(understanding.shape[0]):
        u = understanding[e]
        out_understanding[e] = u * (1.0 - loss) if out_changed[src[e]] or out_changed[dst[e]] else u
