"""Process 4 (contribution): participants put resources into their active programmes.

Mechanism: each participant gives part of its monthly means of each resource type, in proportion
to its commitment, its trust in its co-participants and the benefits it expects from the exchange
(Thomson & Perry 2006: "mutuality"; Emerson et al. 2012: "capacity for joint action"). Free riding
is possible and is curbed by norms of reciprocity and by commitment (Ostrom 1998). Members give
as far as they agree on the programme (consensus: "capacity for joint action"), and a mediator
lets partners who do not yet trust each other give through it (Burt 1992). Public money of
the city's agencies flows to international programmes only as far as the legal frame is current
(budget lines need a legal basis under PP 28/2018).
"""

from __future__ import annotations

import numpy as np

from colabsim.model.rules.common import BoolArray, FloatArray, Levels, UniformSource
from colabsim.model.rules.communication import legal_flow
from colabsim.model.rules.segments import segment_any, segment_count, segment_mean, segment_sum
from colabsim.model.structure import Structure
from colabsim.scenario.parameters import Parameters

__all__ = ["contributions", "pool_by", "spend"]


def pool_by(amounts: FloatArray, ids: np.ndarray, n: int) -> FloatArray:
    """Sum per-membership amounts ``(..., M, 4)`` into ``(..., n, 4)`` groups (actors or programmes)."""
    moved = np.moveaxis(amounts, -1, -2)
    return np.moveaxis(segment_sum(moved, ids, n), -1, -2)


def contributions(
    structure: Structure,
    levels: Levels,
    params: Parameters,
    state: tuple[FloatArray, FloatArray, FloatArray, FloatArray],
    consensus: FloatArray,
    engaged: FloatArray,
    months_left: int,
    rng: UniformSource,
) -> tuple[FloatArray, FloatArray, BoolArray]:
    """What each membership contributes this month, and how it measures against a fair share.

    For actor i in active programme p (membership m), with ``n_i`` active programmes, ``S_i`` its
    remaining stock and ``B_i`` its yearly budget by type, monthly means are
    ``q_m = min(S_i / months_left, B_i / 12) / n_i``: spending is planned at one twelfth of the
    budget a month and what is not spent lapses (no year-end absorption). Willingness
    ``w_m = c_i * t_m^w_t * consensus_p^w_j * (0.5 + 0.5 * mutuality)``, a product of
    complementary terms, with ``w_t = trust_weight``, ``w_j = joint_action_weight`` (their
    elasticities) and ``t_m`` i's mean trust in its co-participants in p, each weighted by its
    participation (0 if it has no tie to any), buffered by a mediator taking part:
    ``t_m <- t_m + mediator_buffer * mediation * (1 - t_m)`` (partners give through a broker they
    trust when they do not yet trust each other). The member defects (gives nothing) with
    probability ``free_ride_rate * (1 - reciprocity_norms) * (1 - c_i)``. Contribution
    ``x_m = q_m * e_m * w_m * flow_m``, with ``e_m`` the membership's participation (`engaged`:
    1 for a required member, the inclusion factor for an optional one) and ``flow`` the
    `legal_flow` for the funds and people of public bodies (the city's agencies, foreign
    municipalities) in international programmes (those with a foreign participant): their budget
    lines and staff assignments need a current agreement; 1 otherwise.
    Reciprocity ``r_m = min(1, sum(x_m) / (fair_share * e_m * sum(q_m)))``: partners expect of
    a member in proportion to how far it takes part.

    Args:
        structure: The run's structure.
        levels: Factor levels.
        params: Rule parameters.
        state: (commitment ``(..., N)``, trust ``(..., E)``, stock ``(..., N, 4)``,
            budget ``(..., N, 4)``).
        consensus: Consensus by programme, ``(..., P)`` (`programme_consensus`).
        engaged: How fully each membership takes part this month, ``(..., M)``: its participation
            while the member is present and the programme active, else 0 (booleans work as 0/1).
        months_left: Months left in the budget year, including this one (1 to 12).
        rng: Source of uniform draws.

    Returns:
        (contribution ``(..., M, 4)``, reciprocity ``(..., M)``, observed ``(..., M)``): observed
        marks memberships whose actor had means to give, so that partners can judge it.
    """
    commitment, trust, stock, budget = state
    mem_actor, mem_prog = structure.mem_actor, structure.mem_prog
    intensity = np.asarray(engaged, dtype=np.float64)
    taking_part = intensity > 0
    n_active = segment_count(taking_part, mem_actor, structure.n_actors)
    monthly = np.minimum(stock / float(months_left), budget / 12.0)
    means = monthly / np.maximum(n_active, 1.0)[..., None]
    means_m = means[..., mem_actor, :]
    # A co-participant counts in i's trust as far as it takes part.
    pair_weight = taking_part[..., structure.pair_src_mem] * intensity[..., structure.pair_dst_mem]
    trust_m = segment_mean(trust[..., structure.pair_edge], pair_weight, structure.pair_src_mem, structure.n_members)
    mediated = segment_any(taking_part & structure.is_mediator[mem_actor], mem_prog, structure.n_programmes)
    buffer = params.mediator_buffer * np.asarray(levels["mediation"]) * mediated[..., mem_prog]
    trust_m = trust_m + buffer * (1.0 - trust_m)
    c_m = commitment[..., mem_actor]
    relational = trust_m**params.trust_weight * consensus[..., mem_prog] ** params.joint_action_weight
    willingness = c_m * relational * (0.5 + 0.5 * np.asarray(levels["mutuality"]))
    defect_p = params.free_ride_rate * (1.0 - np.asarray(levels["reciprocity_norms"])) * (1.0 - c_m)
    defects = rng.random(np.shape(c_m)) < defect_p
    give = np.where(taking_part & ~defects, willingness * intensity, 0.0)
    international = structure.prog_gated[mem_prog]
    amount = means_m * give[..., None]
    # Public bodies' money and staff time in international programmes wait on the legal frame.
    flow = np.where(structure.is_public[mem_actor] & international, legal_flow(levels, params), 1.0)
    amount[..., 0] *= flow
    amount[..., 2] *= flow
    expected = params.fair_share * intensity * means_m.sum(axis=-1)
    reciprocity = np.where(expected > 0, np.minimum(1.0, amount.sum(axis=-1) / np.maximum(expected, 1e-12)), 0.0)
    observed = taking_part & (expected > 0)
    return amount, reciprocity, observed


def spend(stock: FloatArray, amount: FloatArray, structure: Structure) -> FloatArray:
    """Take this month's contributions out of each actor's stock; stocks never go negative."""
    spent = pool_by(amount, structure.mem_actor, structure.n_actors)
    return np.maximum(stock - spent, 0.0)
