"""Process 5 (production): pooled resources become programme output and performance.

Mechanism: programme output is coordination efficiency times a production function of the
pooled resources in which the types substitute only in part: money without people delivers
little (a CES function, Arrow et al. 1961, with a documented elasticity). Coordination efficiency
rises with the administrative capacity of the participants (Thomson & Perry 2006,
"administration"), with their shared understanding (Ansell & Gash 2008) and with the knowledge a
university brings (the study's recommendation 4; Wilder: "appropriate cross-section of members").
Performance is output against the programme's need, saturating below 1.
"""

from __future__ import annotations

import numpy as np

from colabsim.model.rules.common import BoolArray, FloatArray, Levels
from colabsim.model.rules.communication import legal_flow
from colabsim.model.rules.segments import segment_mean, segment_sum
from colabsim.model.structure import Structure
from colabsim.scenario.parameters import Parameters

__all__ = [
    "actor_capacity",
    "ces_output",
    "coordination_efficiency",
    "joint_capacity",
    "programme_performance",
]


def actor_capacity(structure: Structure, levels: Levels) -> FloatArray:
    """Coordination capacity by actor: its own value, else the scenario's ``admin_capacity``."""
    return np.where(np.isnan(structure.capacity_override), levels["admin_capacity"], structure.capacity_override)


def ces_output(inputs: FloatArray, weights: tuple[float, ...], rho: float, shift: float = 0.0) -> FloatArray:
    """Shifted CES aggregate of the last axis: ``(sum_k w_k (x_k + s)^rho)^(1/rho) - s``, weights normalised.

    The elasticity of substitution is ``1 / (1 - rho)`` (for inputs large against the shift
    ``s``). With ``0 < rho < 1`` (the default, ``rho = 0.25``: elasticity 1.33) the inputs
    substitute in part: a missing type lowers the aggregate but does not zero it; with ``rho < 0``
    they are complements. The shift ``s >= 0`` keeps the slope at 0 finite: without it (``s =
    0``) the first unit of a missing type would be worth infinitely more than the next (a cliff),
    and complements would give 0 whenever any input is 0. Equal inputs ``x`` give ``x``; all inputs
    0 give 0. ``rho = 0`` is not allowed (it is the Cobb-Douglas limit).
    """
    w = np.asarray(weights, dtype=np.float64)
    w = w / w.sum()
    x = np.maximum(inputs, 0.0) + shift
    if rho < 0 and shift <= 0.0:
        # Unshifted complements: a floor only avoids division by zero; a missing input means no output.
        aggregate = np.sum(w * np.maximum(x, 1e-12) ** rho, axis=-1) ** (1.0 / rho)
        return np.asarray(np.where(np.any(inputs <= 0.0, axis=-1), 0.0, aggregate))
    # The shift is taken off as the CES of the shift itself (equal to `shift` analytically): the two
    # terms are then rounded alike, so all inputs 0 give exactly 0 in numpy and in the kernel
    # alike (subtracting `shift` left about 1e-17 of either sign, which a saturation exponent
    # below 1 magnifies to 1e-9).
    at_zero = np.sum(w * np.full_like(w, shift) ** rho) ** (1.0 / rho)
    return np.asarray(np.maximum(np.sum(w * x**rho, axis=-1) ** (1.0 / rho) - at_zero, 0.0))


def joint_capacity(
    structure: Structure, levels: Levels, params: Parameters, capacity: FloatArray, participation: FloatArray
) -> FloatArray:
    """Each programme's capacity for joint action in [0, 1], shape ``(..., P)``.

    ``J_p = (1 - w_l - w_a) * capacity_p + w_l * leadership + w_a * standing_p``, with
    ``w_l = leadership_weight``, ``w_a = arrangement_weight``, ``capacity_p`` the mean
    administrative capacity of the live members and ``standing_p`` the procedural arrangement:
    `legal_flow` for an international programme (one with a foreign participant, whose joint
    procedures rest on a current agreement), 1 otherwise. Emerson, Nabatchi & Balogh (2012) name
    procedural and institutional arrangements, leadership, knowledge and resources as the
    elements of the capacity for joint action; knowledge enters `coordination_efficiency` and
    resources the output.
    """
    n_prog = structure.n_programmes
    cap = segment_mean(capacity[..., structure.mem_actor], participation, structure.mem_prog, n_prog)
    # Factor levels are scalars for one run and (B, 1) for a batch: both broadcast against (..., P).
    standing = np.where(structure.prog_gated, legal_flow(levels, params), 1.0)
    w_l, w_a = params.leadership_weight, params.arrangement_weight
    lead = np.asarray(levels["leadership"], dtype=np.float64)
    return np.asarray((1.0 - w_l - w_a) * cap + w_l * lead + w_a * standing)


def coordination_efficiency(
    structure: Structure,
    params: Parameters,
    capacity: FloatArray,
    understanding: FloatArray,
    participation: FloatArray,
    joint: FloatArray | None = None,
) -> FloatArray:
    """Coordination efficiency of each programme in [0, 1].

    ``E_p = (efficiency_floor + (1 - efficiency_floor) * capacity_p)
    * (understanding_floor + (1 - understanding_floor) * understanding_p)
    * (1 - knowledge_bonus + knowledge_bonus * knowledge_p)``
    where ``capacity_p`` is the programme's capacity for joint action `joint` (`joint_capacity`;
    when not given, the mean capacity of the live members weighted by participation),
    ``understanding_p`` the mean shared understanding over ties between live members (weighted by
    ``w_i * w_j``): partners who do not understand each other's aims and procedures waste what
    they pool; and ``knowledge_p = min(1, sum of the participation of the universities taking
    part)``: a university brings its knowledge as far as it is involved.
    """
    n_prog = structure.n_programmes
    weight = np.asarray(participation, dtype=np.float64)
    if joint is None:
        cap = segment_mean(capacity[..., structure.mem_actor], weight, structure.mem_prog, n_prog)
    else:
        cap = joint
    pair_weight = weight[..., structure.pair_src_mem] * weight[..., structure.pair_dst_mem]
    shared = segment_mean(understanding[..., structure.pair_edge], pair_weight, structure.pair_prog, n_prog)
    university = weight * structure.is_university[structure.mem_actor]
    knows = np.minimum(segment_sum(university, structure.mem_prog, n_prog), 1.0)
    floor, u_floor = params.efficiency_floor, params.understanding_floor
    understood = u_floor + (1.0 - u_floor) * shared
    return (floor + (1.0 - floor) * cap) * understood * (1.0 - params.knowledge_bonus + params.knowledge_bonus * knows)


def programme_performance(
    pooled: FloatArray, need: FloatArray, efficiency: FloatArray, running: BoolArray, params: Parameters
) -> FloatArray:
    """Performance by programme: ``E_p * X_p^g / (X_p^g + half_saturation^g)`` if active, else 0.

    ``X_p = CES(pooled_p / need_p)`` (`ces_output`, shifted by ``ces_shift``) and
    ``g = saturation_exponent``: output saturates smoothly (a Hill function: a service reaches its
    users with diminishing returns), so performance stays below 1 and no factor is cut off at a
    ceiling.
    """
    output = ces_output(pooled / need[:, None], params.resource_weights, params.ces_rho, params.ces_shift)
    shaped = output**params.saturation_exponent
    delivered = efficiency * shaped / (shaped + params.half_saturation**params.saturation_exponent)
    return np.where(running, np.clip(delivered, 0.0, 1.0), 0.0)
