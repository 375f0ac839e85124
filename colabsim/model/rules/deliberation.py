"""Process 3 (deliberation): does each programme reach consensus and pass the formal gate?

Mechanism: participants act together as far as they agree (Ansell & Gash 2008: "commitment to
process", "shared understanding"; Emerson et al. 2012: "capacity for joint action"). Agreement
grows with commitment and shared understanding, is helped by facilitative leadership and by a
mediator (Ansell & Gash's "facilitative leadership"; Wilder factor "skilled convener"), and by a
shared purpose (Emerson et al. 2012: "shared motivation"; the study: "consensus on long-term
action"). Consensus is a degree, not a switch: it scales what members put in, and a programme
starts once members from two sides are there (no threshold of agreement: that was a cliff).
"""

from __future__ import annotations

import numpy as np

from colabsim.model.rules.common import BoolArray, FloatArray, IntArray, Levels
from colabsim.model.rules.segments import segment_any, segment_mean
from colabsim.model.structure import ACTIVE, DORMANT, Structure
from colabsim.scenario.parameters import Parameters

__all__ = ["facilitation_level", "programme_consensus", "update_programme_status"]


def facilitation_level(levels: Levels, params: Parameters, mediated: BoolArray | FloatArray) -> FloatArray:
    """Facilitation where a mediator is (``mediated`` true) or is not present.

    ``f = 1 - (1 - leadership) * (1 - mediator_facilitation * mediation * mediated)``: the
    convener and the mediator each facilitate, and either can reach a partner the other does not
    (Ansell & Gash 2008 count mediation as a form of facilitative leadership). Without a mediator,
    or with one that does not mediate (``mediation = 0``), ``f = leadership``: a mediator at the
    table never dilutes the leadership there is, and neither factor caps the other.
    """
    m = np.asarray(mediated, dtype=np.float64)
    # Only where a mediator takes part does its mediation count at all.
    mediator = np.where(m > 0, params.mediator_facilitation * np.asarray(levels["mediation"]) * m, 0.0)
    return np.asarray(1.0 - (1.0 - np.asarray(levels["leadership"])) * (1.0 - mediator))


def programme_consensus(
    structure: Structure,
    levels: Levels,
    params: Parameters,
    commitment: FloatArray,
    understanding: FloatArray,
    participation: FloatArray,
) -> tuple[FloatArray, BoolArray]:
    """Consensus of each programme, and whether it has the members to run at all.

    ``consensus_p = sqrt(support_p * understanding_p) * (1 - w_f + w_f * f_p)
    * (1 - w_s + w_s * shared_purpose)`` in [0, 1], with ``w_f = facilitation_weight``,
    ``w_s = purpose_weight``, ``support_p`` the mean commitment of the live members weighted by
    their participation ``w_m``, ``understanding_p`` the mean shared understanding over ties
    between live members weighted by ``w_i * w_j`` and ``f_p`` the facilitation
    (`facilitation_level`, mediated when an active mediator takes part). A programme is viable
    when its live members (``w_m > 0``) come from at least two sides.

    Args:
        structure: The run's structure.
        levels: Factor levels.
        params: Rule parameters.
        commitment: Commitment by actor, ``(..., N)``.
        understanding: Shared understanding by tie, ``(..., E)``.
        participation: How fully each membership takes part, ``(..., M)``: 0 when the member is
            absent, else `colabsim.model.engine.member_participation` (booleans work as 0/1).

    Returns:
        (consensus, viable), each ``(..., P)``.
    """
    n_prog = structure.n_programmes
    weight = np.asarray(participation, dtype=np.float64)
    member_live = weight > 0
    support = segment_mean(commitment[..., structure.mem_actor], weight, structure.mem_prog, n_prog)
    pair_weight = weight[..., structure.pair_src_mem] * weight[..., structure.pair_dst_mem]
    shared = segment_mean(understanding[..., structure.pair_edge], pair_weight, structure.pair_prog, n_prog)
    mediated = segment_any(member_live & structure.is_mediator[structure.mem_actor], structure.mem_prog, n_prog)
    facilitation = facilitation_level(levels, params, mediated)
    facilitated = 1.0 - params.facilitation_weight + params.facilitation_weight * facilitation
    purpose = 1.0 - params.purpose_weight + params.purpose_weight * np.asarray(levels["shared_purpose"])
    consensus = np.sqrt(support * shared) * facilitated * purpose
    sides = sum(
        segment_any(
            member_live & (structure.actor_side[structure.mem_actor] == side), structure.mem_prog, n_prog
        ).astype(int)
        for side in range(3)
    )
    return np.clip(consensus, 0.0, 1.0), np.asarray(sides >= 2)


def update_programme_status(status: IntArray, viable: BoolArray) -> IntArray:
    """Move programmes between dormant and active.

    A dormant programme starts when it is viable (its members from at least two sides are
    there); an active one falls dormant only when it is no longer viable. How far the members
    agree is a degree, not a switch: low consensus weakens a programme (it scales contributions,
    `colabsim.model.rules.contributions`) but neither keeps it from starting nor stops it. A
    threshold of agreement to start was a cliff in the mean performance (a sector opened by
    growth stayed dormant, counting as 0, on one side of it), and weak is not dead: no state is
    absorbing. Proposed and switched-off programmes are left alone (growth and events move them).
    """
    new = np.where((status == DORMANT) & viable, ACTIVE, status)
    return np.where((status == ACTIVE) & ~viable, DORMANT, new)
