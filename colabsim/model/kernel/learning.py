"""Kernel counterparts of `colabsim.model.rules.learning` (process 6).

Same names and arguments as the numpy rules, for one run (see `colabsim.model.kernel.shocks`);
`work` holds intermediate values (`colabsim.model.kernel.layout.Work`).
"""

from __future__ import annotations

import numpy as np

from colabsim.model.kernel._jit import njit
from colabsim.model.kernel.deliberation import facilitation_level
from colabsim.model.kernel.layout import (
    AFFECT_WEIGHT,
    COMMITMENT_GAIN,
    COMMITMENT_LOSS,
    KINSHIP,
    LATENT,
    LEADERSHIP_UPKEEP,
    LEARNING_BASE,
    LEARNING_NORMS_WEIGHT,
    LOSS_AVERSION,
    MUTUALITY,
    PATIENCE_WEIGHT,
    RECIPROCITY_NORMS,
    SETPOINT_RATE,
    TIME_HORIZON,
    KernelStructure,
    Work,
)
from colabsim.model.kernel.segments import clip

__all__ = ["affective_setpoint", "facilitation", "realised_benefit", "update_commitment", "update_trust"]


@njit
def update_trust(
    structure: KernelStructure,
    levels: np.ndarray,
    params: np.ndarray,
    trust: np.ndarray,
    reciprocity: np.ndarray,
    observed: np.ndarray,
    engaged: np.ndarray,
    floor: np.ndarray,
    out: np.ndarray,
    work: Work,
) -> np.ndarray:
    """Move trust i->j toward what j's observed reciprocity warrants (`out` may be `trust`)."""
    s = structure
    recip, seen = work.ties[0], work.ties[1]
    for e in range(s.n_ties):
        recip[e] = 0.0
        seen[e] = 0.0
    for k in range(s.n_pairs):
        dst = s.pair_dst_mem[k]
        e = s.pair_edge[k]
        counted = engaged[s.pair_src_mem[k]] > 0 and observed[dst]
        recip[e] += reciprocity[dst] if counted else 0.0
        seen[e] += 1.0 if counted else 0.0
    eta = params[LEARNING_BASE] + params[LEARNING_NORMS_WEIGHT] * levels[RECIPROCITY_NORMS]
    aversion = params[LOSS_AVERSION]
    for e in range(s.n_ties):
        t = trust[e]
        if seen[e] > 0:
            mean = recip[e] / seen[e]
            kin = s.tie_kin_weight[e] * levels[KINSHIP] if s.tie_cross[e] else 0.0
            target = floor[e] + (1.0 - floor[e]) * mean
            weight = aversion * (1.0 - 0.5 * kin) if target < t else 1.0
            out[e] = clip(t + eta * weight * (target - t), 0.0, 1.0)
        else:
            out[e] = t
    return out


@njit
def realised_benefit(
    structure: KernelStructure,
    performance: np.ndarray,
    member_live: np.ndarray,
    live_programme: np.ndarray,
    out_benefit: np.ndarray,
    out_involved: np.ndarray,
    work: Work,
) -> None:
    """Each actor's benefit (mean performance of the live programmes it takes part in) and involvement."""
    s = structure
    count = work.actors[0]
    for i in range(s.n_actors):
        out_benefit[i] = 0.0
        count[i] = 0.0
    for m in range(s.n_members):
        counted = member_live[m] and live_programme[s.mem_prog[m]]
        i = s.mem_actor[m]
        out_benefit[i] += performance[s.mem_prog[m]] if counted else 0.0
        count[i] += 1.0 if counted else 0.0
    for i in range(s.n_actors):
        out_benefit[i] = out_benefit[i] / count[i] if count[i] > 0 else 0.0
        out_involved[i] = count[i] > 0


@njit
def facilitation(
    structure: KernelStructure,
    levels: np.ndarray,
    params: np.ndarray,
    member_live: np.ndarray,
    live_programme: np.ndarray,
    out: np.ndarray,
    work: Work,
) -> np.ndarray:
    """Facilitation each actor receives: mediated when a present mediator shares a live programme."""
    s = structure
    with_mediator = work.programmes[0]
    mediated = work.actors[0]
    for p in range(s.n_programmes):
        with_mediator[p] = 0.0
    for i in range(s.n_actors):
        mediated[i] = 0.0
    for m in range(s.n_members):
        if member_live[m] and s.is_mediator[s.mem_actor[m]]:
            with_mediator[s.mem_prog[m]] = 1.0
    for m in range(s.n_members):
        p = s.mem_prog[m]
        if member_live[m] and live_programme[p] and with_mediator[p] > 0:
            mediated[s.mem_actor[m]] = 1.0
    facilitation_level(levels, params, mediated, out)
    return out


@njit
def affective_setpoint(
    structure: KernelStructure,
    params: np.ndarray,
    mandate: np.ndarray,
    closeness: np.ndarray,
    out: np.ndarray,
    work: Work,
) -> np.ndarray:
    """Commitment set-point: the mandate plus ``affect_weight * (1 - mandate) * bond``."""
    s = structure
    bond, count = work.actors[0], work.actors[1]
    for i in range(s.n_actors):
        bond[i] = 0.0
        count[i] = 0.0
    for e in range(s.n_ties):
        personal = s.tie_cross[e] and s.tie_kind[e] != LATENT
        bond[s.tie_src[e]] += closeness[e] if personal else 0.0
        count[s.tie_src[e]] += 1.0 if personal else 0.0
    weight = params[AFFECT_WEIGHT]
    for i in range(s.n_actors):
        mean = bond[i] / count[i] if count[i] > 0 else 0.0
        out[i] = mandate[i] + weight * (1.0 - mandate[i]) * mean
    return out


@njit
def update_commitment(
    levels: np.ndarray,
    params: np.ndarray,
    commitment: np.ndarray,
    benefit: np.ndarray,
    involved: np.ndarray,
    facilitated: np.ndarray,
    setpoint: np.ndarray,
    out: np.ndarray,
) -> np.ndarray:
    """Commitment returns to its set-point, grows with benefits, falls with frustration."""
    mutual = 0.5 + 0.5 * levels[MUTUALITY]
    patience = 1.0 - params[PATIENCE_WEIGHT] * levels[TIME_HORIZON]
    for i in range(commitment.shape[0]):
        c = commitment[i]
        b = benefit[i]
        lead = facilitated[i]
        gain = params[COMMITMENT_GAIN] * mutual * (0.5 + 0.5 * lead) * b * (1.0 - c)
        loss = params[COMMITMENT_LOSS] * patience * (1.0 - b) * c
        pull = params[SETPOINT_RATE] * (setpoint[i] - c)
        upkeep = params[LEADERSHIP_UPKEEP] * lead * (1.0 - c)
        out[i] = clip(c + (gain - loss if involved[i] else 0.0) + pull + upkeep, 0.0, 1.0)
    return out
