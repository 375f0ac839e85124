"""Process 3 (deliberation): does each programme reach consensus and pass the formal gate?

Mechanism: a joint programme runs while its participants agree to act together. Agreement grows
with commitment and shared understanding (Ansell & Gash 2008: "commitment to process", "shared
understanding"), is helped by facilitative leadership and a mediator (Ansell & Gash's
"facilitative leadership"; Wilder factor "skilled convener"), and a shared purpose lowers the bar
(Emerson et al. 2012: "shared motivation"; Wilder: "concrete, attainable goals"). International
programmes also need formal standing: an agreement current under national law and the backing of
central government (Thomson & Perry 2006, the "governance" and "administration" dimensions).
"""

from __future__ import annotations

import numpy as np

from colabsim.model.rules.common import BoolArray, FloatArray, IntArray, Levels
from colabsim.model.rules.segments import segment_any, segment_mean
from colabsim.model.structure import ACTIVE, DORMANT, Structure
from colabsim.scenario.parameters import Parameters

__all__ = ["formal_standing", "programme_consensus", "update_programme_status"]


def programme_consensus(
    structure: Structure,
    levels: Levels,
    params: Parameters,
    commitment: FloatArray,
    understanding: FloatArray,
    member_live: BoolArray,
) -> tuple[FloatArray, BoolArray]:
    """Consensus of each programme, and whether it has the members to run at all.

    ``consensus_p = sqrt(support_p * understanding_p) * (0.7 + 0.3 * leadership)
    + mediator_consensus_bonus * mediation * [an active mediator takes part]``, clipped to [0, 1],
    where ``support_p`` is the mean commitment of the live members and ``understanding_p`` the mean
    shared understanding over ties between live members. A programme is viable when its live
    members come from at least two sides.

    Args:
        structure: The run's structure.
        levels: Factor levels.
        params: Rule parameters.
        commitment: Commitment by actor, ``(..., N)``.
        understanding: Shared understanding by tie, ``(..., E)``.
        member_live: Which memberships count (member present and included), ``(..., M)``.

    Returns:
        (consensus, viable), each ``(..., P)``.
    """
    n_prog = structure.n_programmes
    support = segment_mean(commitment[..., structure.mem_actor], member_live, structure.mem_prog, n_prog)
    pair_live = member_live[..., structure.pair_src_mem] & member_live[..., structure.pair_dst_mem]
    shared = segment_mean(understanding[..., structure.pair_edge], pair_live, structure.pair_prog, n_prog)
    mediated = segment_any(member_live & structure.is_mediator[structure.mem_actor], structure.mem_prog, n_prog)
    consensus = np.sqrt(support * shared) * (0.7 + 0.3 * np.asarray(levels["leadership"]))
    consensus = consensus + params.mediator_consensus_bonus * np.asarray(levels["mediation"]) * mediated
    sides = sum(
        segment_any(
            member_live & (structure.actor_side[structure.mem_actor] == side), structure.mem_prog, n_prog
        ).astype(int)
        for side in range(3)
    )
    return np.clip(consensus, 0.0, 1.0), np.asarray(sides >= 2)


def formal_standing(levels: Levels) -> FloatArray:
    """Formal standing of international programmes: ``legal_frame * (0.5 + 0.5 * central_support)``."""
    return np.asarray(levels["legal_frame"]) * (0.5 + 0.5 * np.asarray(levels["central_support"]))


def update_programme_status(
    status: IntArray,
    consensus: FloatArray,
    viable: BoolArray,
    gated: BoolArray,
    levels: Levels,
    params: Parameters,
) -> IntArray:
    """Move programmes between dormant and active.

    Threshold ``theta = consensus_base - consensus_purpose_weight * shared_purpose``. A dormant
    programme becomes active when it is viable, passes the gate and ``consensus >= theta``; an
    active one falls dormant when it is no longer viable, fails the gate, or
    ``consensus < theta - consensus_hysteresis``. The gate applies to programmes with foreign
    participants and passes when ``formal_standing >= formal_gate``. Proposed and switched-off
    programmes are left alone (growth and events move them).
    """
    theta = params.consensus_base - params.consensus_purpose_weight * np.asarray(levels["shared_purpose"])
    gate_ok = ~gated | (formal_standing(levels) >= params.formal_gate)
    can_start = viable & gate_ok & (consensus >= theta)
    can_continue = viable & gate_ok & (consensus >= theta - params.consensus_hysteresis)
    new = np.where((status == DORMANT) & can_start, ACTIVE, status)
    return np.where((status == ACTIVE) & ~can_continue, DORMANT, new)
