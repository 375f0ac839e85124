"""Kernel counterparts of `colabsim.model.rules.deliberation` (process 3).

Same names and arguments as the numpy rules, for one run (see `colabsim.model.kernel.shocks`);
`work` holds intermediate values (`colabsim.model.kernel.layout.Work`).
"""

from __future__ import annotations

import numpy as np

from colabsim.model.kernel._jit import njit
from colabsim.model.kernel.layout import (
    ACTIVE,
    DORMANT,
    FACILITATION_WEIGHT,
    LEADERSHIP,
    MEDIATION,
    MEDIATOR_FACILITATION,
    PURPOSE_WEIGHT,
    SHARED_PURPOSE,
    KernelStructure,
    Work,
)
from colabsim.model.kernel.segments import clip

__all__ = [
    "consensus_from_shared",
    "facilitation_level",
    "programme_consensus",
    "shared_understanding",
    "update_programme_status",
]


@njit
def _facilitation(levels: np.ndarray, params: np.ndarray, m: float) -> float:
    """``1 - (1 - leadership) * (1 - mediator_facilitation * mediation * m)`` (the mediator only where m > 0)."""
    mediator = params[MEDIATOR_FACILITATION] * levels[MEDIATION] * m if m > 0 else 0.0
    return 1.0 - (1.0 - levels[LEADERSHIP]) * (1.0 - mediator)


@njit
def facilitation_level(levels: np.ndarray, params: np.ndarray, mediated: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Facilitation with a mediator beside the leadership (``mediated`` true) or without one."""
    for i in range(mediated.shape[0]):
        out[i] = _facilitation(levels, params, 1.0 * mediated[i])
    return out


@njit
def shared_understanding(
    structure: KernelStructure, understanding: np.ndarray, participation: np.ndarray, out: np.ndarray, count: np.ndarray
) -> np.ndarray:
    """Each programme's mean understanding over its pairs, each weighted by both members' participation.

    0 where no pair takes part; `count` receives the weights' sums. Consensus (process 3) and
    coordination efficiency (process 5) read the same mean: the whole-run kernel computes it once.
    """
    s = structure
    for p in range(s.n_programmes):
        out[p] = 0.0
        count[p] = 0.0
    # Pairs come grouped by programme: each group's sums are kept in registers while it lasts (the
    # same additions in the same order, without a store and a reload between two of them).
    current, total, weights = -1, 0.0, 0.0
    for k in range(s.n_pairs):
        p = s.pair_prog[k]
        if p != current:
            if current >= 0:
                out[current], count[current] = total, weights
            current, total, weights = p, out[p], count[p]
        weight = participation[s.pair_src_mem[k]] * participation[s.pair_dst_mem[k]]
        total += understanding[s.pair_edge[k]] * weight if weight > 0 else 0.0
        weights += weight
    if current >= 0:
        out[current], count[current] = total, weights
    for p in range(s.n_programmes):
        out[p] = out[p] / count[p] if count[p] > 0 else 0.0
    return out


@njit
def consensus_from_shared(
    structure: KernelStructure,
    levels: np.ndarray,
    params: np.ndarray,
    commitment: np.ndarray,
    participation: np.ndarray,
    shared: np.ndarray,
    out_consensus: np.ndarray,
    out_viable: np.ndarray,
    work: Work,
) -> None:
    """`programme_consensus` given its `shared_understanding`."""
    s = structure
    n_prog = s.n_programmes
    support, support_n = work.programmes[0], work.programmes[1]
    mediated = work.programmes[4]
    sides = work.programmes[5:8]
    for p in range(n_prog):
        support[p] = 0.0
        support_n[p] = 0.0
        mediated[p] = 0.0
        sides[0, p] = 0.0
        sides[1, p] = 0.0
        sides[2, p] = 0.0
    current, total, weights = -1, 0.0, 0.0  # memberships come grouped by programme (`shared_understanding`)
    for m in range(s.n_members):
        p = s.mem_prog[m]
        if p != current:
            if current >= 0:
                support[current], support_n[current] = total, weights
            current, total, weights = p, support[p], support_n[p]
        actor = s.mem_actor[m]
        weight = participation[m]
        total += commitment[actor] * weight if weight > 0 else 0.0
        weights += weight
        if weight > 0 and s.is_mediator[actor]:
            mediated[p] = 1.0
        if weight > 0:
            sides[s.actor_side[actor], p] = 1.0
    if current >= 0:
        support[current], support_n[current] = total, weights
    w_f = params[FACILITATION_WEIGHT]
    w_s = params[PURPOSE_WEIGHT]
    purpose = 1.0 - w_s + w_s * levels[SHARED_PURPOSE]
    for p in range(n_prog):
        mean_support = support[p] / support_n[p] if support_n[p] > 0 else 0.0
        facilitated = 1.0 - w_f + w_f * _facilitation(levels, params, mediated[p])
        consensus = np.sqrt(mean_support * shared[p]) * facilitated * purpose
        out_consensus[p] = clip(consensus, 0.0, 1.0)
        out_viable[p] = sides[0, p] + sides[1, p] + sides[2, p] >= 2.0


@njit
def programme_consensus(
    structure: KernelStructure,
    levels: np.ndarray,
    params: np.ndarray,
    commitment: np.ndarray,
    understanding: np.ndarray,
    participation: np.ndarray,
    out_consensus: np.ndarray,
    out_viable: np.ndarray,
    work: Work,
) -> None:
    """Consensus of each programme (means weighted by participation), and whether it has two sides."""
    shared = shared_understanding(structure, understanding, participation, work.programmes[8], work.programmes[9])
    consensus_from_shared(
        structure, levels, params, commitment, participation, shared, out_consensus, out_viable, work
    )  # fmt: skip


@njit
def update_programme_status(status: np.ndarray, viable: np.ndarray, out: np.ndarray) -> np.ndarray:
    """A dormant programme starts when viable; an active one falls dormant when it is not."""
    for p in range(status.shape[0]):
        code = status[p]
        if code == DORMANT and viable[p]:
            out[p] = ACTIVE
        elif code == ACTIVE and not viable[p]:
            out[p] = DORMANT
        else:
            out[p] = code
    return out
