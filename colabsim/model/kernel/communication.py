"""Kernel counterparts of `colabsim.model.rules.communication` (process 2).

Same names and arguments as the numpy rules, for one run (see `colabsim.model.kernel.shocks`);
each product is formed in the numpy rule's order, so the results agree to the last bit.
"""

from __future__ import annotations

import numpy as np

from colabsim.model.kernel._jit import njit
from colabsim.model.kernel.layout import (
    ADMIN_CAPACITY,
    BROKERED_RATE,
    CENTRAL_SUPPORT,
    CONTACT_TRUST_GAIN,
    FORMAL_COMMUNICATION,
    FORMAL_RATE,
    HISTORY,
    INFORMAL_COMMUNICATION,
    INFORMAL_RATE,
    KINSHIP,
    LATENT,
    LEGAL_FLOOR,
    LEGAL_FRAME,
    MEDIATION,
    PURPOSE_UNDERSTANDING_WEIGHT,
    SAME_SIDE_CLOSENESS,
    UNDERSTANDING_GAIN,
    UNDERSTANDING_REACH,
    KernelStructure,
    Work,
)
from colabsim.model.kernel.pcg64 import next_double
from colabsim.model.kernel.segments import clip, maximum, minimum

__all__ = [
    "apply_contacts",
    "brokered_chances",
    "contact_base",
    "contact_chances",
    "contact_intensity",
    "contact_probability",
    "draw_contacts",
    "legal_flow",
    "tie_closeness",
    "understanding_reach",
]


@njit
def tie_closeness(structure: KernelStructure, levels: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Closeness of each tie: ``(k_kind * kinship + h_kind * history) / 2`` across, 0.5 within."""
    s = structure
    for e in range(s.n_ties):
        kin = s.tie_kin_weight[e] * levels[KINSHIP]
        hist = s.tie_history_weight[e] * levels[HISTORY]
        out[e] = 0.5 * (kin + hist) if s.tie_cross[e] else SAME_SIDE_CLOSENESS
    return out


@njit
def understanding_reach(
    structure: KernelStructure, params: np.ndarray, closeness: np.ndarray, out: np.ndarray
) -> np.ndarray:
    """How far contact can build shared understanding: ``reach + (1 - reach) * closeness`` across, 1 within."""
    base = params[UNDERSTANDING_REACH]
    for e in range(structure.n_ties):
        out[e] = base + (1.0 - base) * closeness[e] if structure.tie_cross[e] else 1.0
    return out


@njit
def legal_flow(levels: np.ndarray, params: np.ndarray) -> float:
    """``legal_floor + (1 - legal_floor) * legal_frame * (0.5 + 0.5 * central_support)``."""
    standing = levels[LEGAL_FRAME] * (0.5 + 0.5 * levels[CENTRAL_SUPPORT])
    return params[LEGAL_FLOOR] + (1.0 - params[LEGAL_FLOOR]) * standing


@njit
def contact_base(
    structure: KernelStructure,
    levels: np.ndarray,
    params: np.ndarray,
    closeness: np.ndarray,
    out_missed: np.ndarray,
    out_expected: np.ndarray,
) -> None:
    """What `contact_chances` takes from the levels alone, per tie: the formal and informal channels.

    `out_missed` is the chance that neither channel brings contact, ``(1 - p_formal) * (1 -
    p_informal)``, `out_expected` their expected contacts ``p_formal + p_informal``: the first
    steps of `contact_chances`' products and sums in their order, so the same numbers.
    """
    s = structure
    flow = legal_flow(levels, params)
    formal = params[FORMAL_RATE] * levels[FORMAL_COMMUNICATION] * levels[ADMIN_CAPACITY]
    informal = params[INFORMAL_RATE] * levels[INFORMAL_COMMUNICATION]
    for e in range(s.n_ties):
        direct = 1.0 if s.tie_kind[e] != LATENT else 0.0
        legal = flow if s.tie_border[e] else 1.0
        p_formal = formal * legal * direct
        p_informal = informal * closeness[e] * direct
        out_missed[e] = (1.0 - p_formal) * (1.0 - p_informal)
        out_expected[e] = p_formal + p_informal


@njit
def brokered_chances(
    structure: KernelStructure,
    levels: np.ndarray,
    params: np.ndarray,
    trust: np.ndarray,
    active: np.ndarray,
    base: tuple[np.ndarray, np.ndarray],
    out_probability: np.ndarray,
    out_intensity: np.ndarray,
) -> None:
    """`contact_chances` from its `contact_base` (``(missed, expected)``): adds the brokered channel.

    Entry by entry, so the outputs may be the base's arrays.
    """
    s = structure
    missed, expected = base
    brokered = params[BROKERED_RATE] * levels[MEDIATION]
    for e in range(s.n_ties):
        both = active[s.tie_src[e]] and active[s.tie_dst[e]]
        missed_e, expected_e = missed[e], expected[e]
        broker = s.broker[e]
        present = 1.0 if broker >= 0 and active[max(broker, 0)] else 0.0
        broker_trust = minimum(trust[s.broker_src_edge[e]], trust[s.broker_dst_edge[e]])
        p_brokered = brokered * (0.5 + 0.5 * broker_trust) * present
        p = 1.0 - missed_e * (1.0 - p_brokered)
        out_probability[e] = clip(p, 0.0, 1.0) if both else 0.0
        out_intensity[e] = expected_e + p_brokered if both else 0.0


@njit
def contact_chances(
    structure: KernelStructure,
    levels: np.ndarray,
    params: np.ndarray,
    trust: np.ndarray,
    active: np.ndarray,
    closeness: np.ndarray,
    out_probability: np.ndarray,
    out_intensity: np.ndarray,
) -> None:
    """Each tie's monthly contact probability and intensity (expected contacts).

    ``p = 1 - (1 - p_formal) (1 - p_informal) (1 - p_brokered)`` among present ends, intensity
    their sum: `contact_base` (the levels' part, which the whole-run kernel prepares once) then
    `brokered_chances` (this month's part), in place in the outputs.
    """
    contact_base(structure, levels, params, closeness, out_probability, out_intensity)
    base = (out_probability, out_intensity)
    brokered_chances(structure, levels, params, trust, active, base, out_probability, out_intensity)


@njit
def contact_probability(
    structure: KernelStructure,
    levels: np.ndarray,
    params: np.ndarray,
    trust: np.ndarray,
    active: np.ndarray,
    closeness: np.ndarray,
    out: np.ndarray,
    work: Work,
) -> np.ndarray:
    """Monthly probability of at least one contact on each tie (`contact_chances`' first part)."""
    contact_chances(structure, levels, params, trust, active, closeness, out, work.ties[0])
    return out


@njit
def contact_intensity(
    structure: KernelStructure,
    levels: np.ndarray,
    params: np.ndarray,
    trust: np.ndarray,
    active: np.ndarray,
    closeness: np.ndarray,
    out: np.ndarray,
    work: Work,
) -> np.ndarray:
    """Expected number of contacts on each tie this month (`contact_chances`' second part)."""
    contact_chances(structure, levels, params, trust, active, closeness, work.ties[0], out)
    return out


@njit
def draw_contacts(probability: np.ndarray, rng: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Which ties have contact this month: one draw per tie, contact while it is below the probability."""
    for e in range(probability.shape[0]):
        out[e] = next_double(rng) < probability[e]
    return out


@njit
def apply_contacts(
    trust: np.ndarray,
    understanding: np.ndarray,
    contact: np.ndarray,
    params: np.ndarray,
    purpose: float,
    depth: np.ndarray,
    reach: np.ndarray,
    out_trust: np.ndarray,
    out_understanding: np.ndarray,
) -> None:
    """Contact builds shared understanding (``min(g_u * depth, 1)`` of the gap to `reach`) and refreshes trust."""
    w_p = params[PURPOSE_UNDERSTANDING_WEIGHT]
    per_contact = params[UNDERSTANDING_GAIN] * (1.0 - w_p + w_p * purpose)
    trust_gain = params[CONTACT_TRUST_GAIN]
    for e in range(trust.shape[0]):
        # Both outcomes, then a select: contacts are random, a branch on them would mispredict.
        t = trust[e]
        u = understanding[e]
        gain = minimum(per_contact * depth[e], 1.0)
        gap = maximum(reach[e] - u, 0.0)
        met = contact[e]
        out_understanding[e] = u + gain * gap if met else u
        out_trust[e] = t + trust_gain * (1.0 - t) if met else t
