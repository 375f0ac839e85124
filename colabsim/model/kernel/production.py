"""Kernel counterparts of `colabsim.model.rules.production` (process 5).

Same names and arguments as the numpy rules, for one run (see `colabsim.model.kernel.shocks`);
`work` holds intermediate values (`colabsim.model.kernel.layout.Work`). `coordination_efficiency`
takes the capacity for joint action always and `ces_output` its shift always (the numpy rules'
defaults, ``joint=None`` and ``shift=0``, are not what the model passes).
"""

from __future__ import annotations

import numpy as np

from colabsim.model.kernel._jit import njit
from colabsim.model.kernel.communication import legal_flow
from colabsim.model.kernel.deliberation import shared_understanding
from colabsim.model.kernel.layout import (
    ADMIN_CAPACITY,
    ARRANGEMENT_WEIGHT,
    CES_RHO,
    CES_SHIFT,
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
from colabsim.model.kernel.segments import clip, maximum, minimum

__all__ = [
    "actor_capacity",
    "ces_output",
    "coordination_efficiency",
    "efficiency_from_shared",
    "joint_capacity",
    "programme_performance",
]


@njit
def actor_capacity(structure: KernelStructure, levels: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Coordination capacity by actor: its own value, else the scenario's ``admin_capacity``."""
    for i in range(structure.n_actors):
        own = structure.capacity_override[i]
        out[i] = levels[ADMIN_CAPACITY] if np.isnan(own) else own
    return out


@njit
def ces_output(inputs: np.ndarray, weights: np.ndarray, rho: float, shift: float, out: np.ndarray) -> np.ndarray:
    """Shifted CES aggregate of each row of `inputs` ``(P, 4)``: ``(sum_k w_k (x_k + s)^rho)^(1/rho) - s``."""
    total_weight = 0.0
    for k in range(4):
        total_weight += weights[k]
    w0, w1 = weights[0] / total_weight, weights[1] / total_weight
    w2, w3 = weights[2] / total_weight, weights[3] / total_weight
    complements = rho < 0 and shift <= 0.0
    # The CES of the shift itself, taken off instead of `shift` (see the numpy rule): the same
    # additions as the loop below makes for zero inputs, so those give exactly 0; the shift's power
    # once, not once per resource type (this runs every month).
    at_zero = 0.0
    if not complements:
        q = shift**rho
        at_zero = (w0 * q + w1 * q + w2 * q + w3 * q) ** (1.0 / rho)
    for p in range(inputs.shape[0]):
        aggregate = 0.0
        missing = False
        for k in range(4):
            x = maximum(inputs[p, k], 0.0) + shift
            missing = missing or inputs[p, k] <= 0.0
            w = w0 if k == 0 else w1 if k == 1 else w2 if k == 2 else w3
            # Unshifted complements: a floor only avoids division by zero; a missing input means no output.
            aggregate += w * (maximum(x, 1e-12) if complements else x) ** rho
        aggregate = aggregate ** (1.0 / rho)
        out[p] = (0.0 if missing else aggregate) if complements else maximum(aggregate - at_zero, 0.0)
    return out


@njit
def joint_capacity(
    structure: KernelStructure,
    levels: np.ndarray,
    params: np.ndarray,
    capacity: np.ndarray,
    participation: np.ndarray,
    out: np.ndarray,
    work: Work,
) -> np.ndarray:
    """Each programme's capacity for joint action: administration (by participation), leadership, arrangements."""
    s = structure
    total, count = work.programmes[0], work.programmes[1]
    for p in range(s.n_programmes):
        total[p] = 0.0
        count[p] = 0.0
    for m in range(s.n_members):
        p = s.mem_prog[m]
        weight = participation[m]
        total[p] += capacity[s.mem_actor[m]] * weight if weight > 0 else 0.0
        count[p] += weight
    flow = legal_flow(levels, params)
    w_l = params[LEADERSHIP_WEIGHT]
    w_a = params[ARRANGEMENT_WEIGHT]
    lead = levels[LEADERSHIP]
    for p in range(s.n_programmes):
        cap = total[p] / count[p] if count[p] > 0 else 0.0
        standing = flow if s.prog_gated[p] else 1.0
        out[p] = (1.0 - w_l - w_a) * cap + w_l * lead + w_a * standing
    return out


@njit
def efficiency_from_shared(
    structure: KernelStructure,
    params: np.ndarray,
    participation: np.ndarray,
    joint: np.ndarray,
    shared: np.ndarray,
    out: np.ndarray,
    work: Work,
) -> np.ndarray:
    """`coordination_efficiency` given its `colabsim.model.kernel.deliberation.shared_understanding`."""
    s = structure
    knows = work.programmes[2]
    for p in range(s.n_programmes):
        knows[p] = 0.0
    for m in range(s.n_members):
        # A university brings its knowledge as far as it takes part.
        knows[s.mem_prog[m]] += participation[m] * (1.0 if s.is_university[s.mem_actor[m]] else 0.0)
    floor = params[EFFICIENCY_FLOOR]
    u_floor = params[UNDERSTANDING_FLOOR]
    bonus = params[KNOWLEDGE_BONUS]
    for p in range(s.n_programmes):
        understood = u_floor + (1.0 - u_floor) * shared[p]
        knowledge = minimum(knows[p], 1.0)
        out[p] = (floor + (1.0 - floor) * joint[p]) * understood * (1.0 - bonus + bonus * knowledge)
    return out


@njit
def coordination_efficiency(
    structure: KernelStructure,
    params: np.ndarray,
    capacity: np.ndarray,
    understanding: np.ndarray,
    participation: np.ndarray,
    joint: np.ndarray,
    out: np.ndarray,
    work: Work,
) -> np.ndarray:
    """Coordination efficiency of each programme: capacity, shared understanding, knowledge (by participation).

    `capacity` enters through `joint` (`joint_capacity`); it is taken for the numpy rule's arguments.
    """
    shared = shared_understanding(structure, understanding, participation, work.programmes[8], work.programmes[9])
    efficiency_from_shared(structure, params, participation, joint, shared, out, work)
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
    weights = params[RESOURCE_WEIGHTS : RESOURCE_WEIGHTS + 4]
    output = ces_output(relative, weights, params[CES_RHO], params[CES_SHIFT], out)
    exponent = params[SATURATION_EXPONENT]
    half = params[HALF_SATURATION] ** exponent
    for p in range(pooled.shape[0]):
        shaped = output[p] ** exponent
        delivered = efficiency[p] * shaped / (shaped + half)
        out[p] = clip(delivered, 0.0, 1.0) if running[p] else 0.0
    return out
