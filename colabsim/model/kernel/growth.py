"""Kernel counterparts of `colabsim.model.rules.growth` (process 8).

Same names and arguments as the numpy rules, for one run (see `colabsim.model.kernel.shocks`).
`open_new_sector` takes the candidates (`ready`) always (the numpy rule's ``None`` default, all
programmes, is not used by the model) and returns whether a programme opened.
"""

from __future__ import annotations

import numpy as np

from colabsim.model.kernel._jit import njit
from colabsim.model.kernel.layout import (
    ACTIVE,
    DORMANT,
    GROWTH_RATE,
    PARTNER_RATE,
    PROPOSED,
    REPUTATION_RATE,
    REPUTATION_THRESHOLD,
    SHARED_PURPOSE,
    SUCCESS_LEVEL,
    SUCCESS_MONTHS,
    KernelStructure,
    Work,
)
from colabsim.model.kernel.pcg64 import next_double
from colabsim.model.kernel.segments import clip, maximum, pairwise_sum

__all__ = ["open_new_sector", "open_partner_programmes", "partners_join", "update_reputation", "update_streaks"]


@njit
def update_streaks(
    streak: np.ndarray, performance: np.ndarray, status: np.ndarray, params: np.ndarray, out: np.ndarray
) -> np.ndarray:
    """Months of unbroken success per programme (`out` may be `streak`)."""
    for p in range(streak.shape[0]):
        success = status[p] == ACTIVE and performance[p] >= params[SUCCESS_LEVEL]
        out[p] = streak[p] + 1 if success else 0
    return out


@njit
def open_new_sector(
    status: np.ndarray,
    streak: np.ndarray,
    levels: np.ndarray,
    params: np.ndarray,
    rng: np.ndarray,
    ready: np.ndarray,
    out_status: np.ndarray,
    out_streak: np.ndarray,
) -> bool:
    """Open one ready proposed programme after sustained success (draws 1 + P every month)."""
    eligible = False
    for p in range(streak.shape[0]):
        eligible = eligible or streak[p] >= params[SUCCESS_MONTHS]
    chance = params[GROWTH_RATE] * (0.5 + 0.5 * levels[SHARED_PURPOSE])
    draw = next_double(rng)  # drawn whether or not a programme is eligible
    go = eligible and draw < chance
    pick = 0
    best = -np.inf
    any_candidate = False
    for p in range(status.shape[0]):
        draw = next_double(rng)
        candidate = status[p] == PROPOSED and ready[p]
        key = draw if candidate else -1.0
        any_candidate = any_candidate or candidate
        if key > best:
            best = key
            pick = p
    opened = go and any_candidate
    for p in range(status.shape[0]):
        out_status[p] = DORMANT if opened and p == pick else status[p]
        out_streak[p] = 0 if opened else streak[p]
    return opened


@njit
def update_reputation(
    reputation: float, performance: np.ndarray, status: np.ndarray, params: np.ndarray, work: Work
) -> float:
    """``R <- R + reputation_rate * (mean performance of live programmes - R)``."""
    n = status.shape[0]
    live = work.programmes[0]
    count = 0.0
    for p in range(n):
        live[p] = 1.0 if status[p] == ACTIVE or status[p] == DORMANT else 0.0
        count += live[p]
    mean = pairwise_sum(performance, live, 0, n, work.stack) / maximum(count, 1.0) if count > 0 else 0.0
    return reputation + params[REPUTATION_RATE] * (mean - reputation)


@njit
def partners_join(
    active: np.ndarray,
    prospective: np.ndarray,
    reputation: float,
    params: np.ndarray,
    rng: np.ndarray,
    out_active: np.ndarray,
    out_joined: np.ndarray,
) -> None:
    """Let prospective partners join, more often the better the reputation (one draw per actor)."""
    threshold = params[REPUTATION_THRESHOLD]
    scale = clip((reputation - threshold) / (1.0 - threshold), 0.0, 1.0)
    chance = params[PARTNER_RATE] * scale
    for i in range(active.shape[0]):
        draw = next_double(rng)
        joined = prospective[i] and not active[i] and draw < chance
        out_joined[i] = joined
        out_active[i] = active[i] or joined


@njit
def open_partner_programmes(
    status: np.ndarray, joined: np.ndarray, structure: KernelStructure, out: np.ndarray, work: Work
) -> np.ndarray:
    """Proposed programmes in which a partner that joined this month is required become dormant."""
    s = structure
    brought = work.programmes[0]
    for p in range(s.n_programmes):
        brought[p] = 0.0
    for m in range(s.n_members):
        if not s.mem_optional[m] and joined[s.mem_actor[m]]:
            brought[s.mem_prog[m]] = 1.0
    for p in range(s.n_programmes):
        out[p] = DORMANT if brought[p] > 0 and status[p] == PROPOSED else status[p]
    return out
