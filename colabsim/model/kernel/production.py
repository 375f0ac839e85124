"""Kernel counterparts of `colabsim.model.rules.production` (process 5).

Same names and arguments as the numpy rules, for one run (see `colabsim.model.kernel.shocks`);
`work` holds intermediate values (`colabsim.model.kernel.layout.Work`). `coordination_efficiency`
takes the capacity for joint action always (the numpy rule's ``joint=None`` default is not used by
the model).
"""

from __future__ import annotations

import numpy as np

from colabsim.model.kernel._jit import njit
from colabsim.model.kernel.communication import legal_flow
from colabsim.model.kernel.layout import (
    ADMIN_CAPACITY,
    ARRANGEMENT_WEIGHT,
    CES_RHO,
    EFFICIENCY_FLOOR,
    HALF_SATURATION,
    KNOWLEDGE_BONUS,
    LEADERSHIP,
    LEADERSHIP_WEIGHT,
    RESOURCE_WEIGHTS,
    SATURATION_EXPONENT,
    UNDERSTANDING_FLOOR,
    KernelStructure,
    Work,
)
from colabsim.model.kernel.segments import clip, maximum

__all__ = ["actor_capacity", "ces_output", "coordination_efficiency", "joint_capacity", "programme_performance"]


@njit
def actor_capacity(structure: KernelStructure, levels: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Coordination capacity by actor: its own value, else the scenario's ``admin_capacity``."""
    for i in range(structure.n_actors):
        own = structure.capacity_override[i]
        out[i] = levels[ADMIN_CAPACITY] if np.isnan(own) else own
    return out


@njit
def ces_output(inputs: np.ndarray, weights: np.ndarray, rho: float, out: np.ndarray) -> np.ndarray:
    """CES aggregate of each row of `inputs` ``(P, 4)``: ``(sum_k w_k x_k^rho)^(1/rho)``, weights normalised."""
    total_weight = 0.0
    for k in range(4):
        total_weight += weights[k]
    w0, w1, w2, w3 = (
        weights[0] / total_weight,
        weights[1] / total_weight,
        weights[2] / total_weight,
        weights[3] / total_weight,
    )
    for p in range(inputs.shape[0]):
        aggregate = 0.0
        missing = False
        for k in range(4):
            x = inputs[p, k]
            missing = missing or x <= 0.0
            # Complements need a floor against division by zero; substitutes take 0 as it is.
            floored = maximum(x, 1e-12) if rho < 0 else maximum(x, 0.0)
            w = w0 if k == 0 else w1 if k == 1 else w2 if k == 2 else w3
            aggregate += w * floored**rho
        aggregate = aggregate ** (1.0 / rho)
        out[p] = 0.0 if rho < 0 and missing else aggregate
    return out


@njit
def joint_capacity(
    structure: KernelStructure,
    levels: np.ndarray,
    params: np.ndarray,
    capacity: np.ndarray,
    member_live: np.ndarray,
    out: np.ndarray,
    work: Work,
) -> np.ndarray:
    """Each programme's capacity for joint action: administration, leadership and arrangements."""
    s = structure
    total, count = work.programmes[0], work.programmes[1]
    for p in range(s.n_programmes):
        total[p] = 0.0
        count[p] = 0.0
    for m in range(s.n_members):
        p = s.mem_prog[m]
        total[p] += capacity[s.mem_actor[m]] if member_live[m] else 0.0
        count[p] += 1.0 if member_live[m] else 0.0
    flow = legal_flow(levels, params)
    w_l = params[LEADERSHIP_WEIGHT]
    w_a = params[ARRANGEMENT_WEIGHT]
    lead = levels[LEADERSHIP]
    for p in range(s.n_programmes):
        cap = total[p] / maximum(count[p], 1.0) if count[p] > 0 else 0.0
        standing = flow if s.prog_gated[p] else 1.0
        out[p] = (1.0 - w_l - w_a) * cap + w_l * lead + w_a * standing
    return out


@njit
def coordination_efficiency(
    structure: KernelStructure,
    params: np.ndarray,
    capacity: np.ndarray,
    understanding: np.ndarray,
    member_live: np.ndarray,
    joint: np.ndarray,
    out: np.ndarray,
    work: Work,
) -> np.ndarray:
    """Coordination efficiency of each programme: capacity, shared understanding, knowledge."""
    s = structure
    shared, shared_n, knows = work.programmes[0], work.programmes[1], work.programmes[2]
    for p in range(s.n_programmes):
        shared[p] = 0.0
        shared_n[p] = 0.0
        knows[p] = 0.0
    for k in range(s.n_pairs):
        p = s.pair_prog[k]
        live = member_live[s.pair_src_mem[k]] and member_live[s.pair_dst_mem[k]]
        shared[p] += understanding[s.pair_edge[k]] if live else 0.0
        shared_n[p] += 1.0 if live else 0.0
    for m in range(s.n_members):
        if member_live[m] and s.is_university[s.mem_actor[m]]:
            knows[s.mem_prog[m]] = 1.0
    floor = params[EFFICIENCY_FLOOR]
    u_floor = params[UNDERSTANDING_FLOOR]
    bonus = params[KNOWLEDGE_BONUS]
    for p in range(s.n_programmes):
        mean_shared = shared[p] / maximum(shared_n[p], 1.0) if shared_n[p] > 0 else 0.0
        understood = u_floor + (1.0 - u_floor) * mean_shared
        out[p] = (floor + (1.0 - floor) * joint[p]) * understood * (1.0 - bonus + bonus * knows[p])
    return out


@njit
def programme_performance(
    pooled: np.ndarray,
    need: np.ndarray,
    efficiency: np.ndarray,
    running: np.ndarray,
    params: np.ndarray,
    out: np.ndarray,
    work: Work,
) -> np.ndarray:
    """Performance by programme: ``E_p * X_p^g / (X_p^g + half_saturation^g)`` if active, else 0."""
    relative = work.programme_types[0]
    for p in range(pooled.shape[0]):
        for k in range(4):
            relative[p, k] = pooled[p, k] / need[p]
    output = ces_output(relative, params[RESOURCE_WEIGHTS : RESOURCE_WEIGHTS + 4], params[CES_RHO], out)
    exponent = params[SATURATION_EXPONENT]
    half = params[HALF_SATURATION] ** exponent
    for p in range(pooled.shape[0]):
        shaped = output[p] ** exponent
        delivered = efficiency[p] * shaped / (shaped + half)
        out[p] = clip(delivered, 0.0, 1.0) if running[p] else 0.0
    return out
