"""Process 5 (production): pooled resources become programme output and performance.

Mechanism: programme output is coordination efficiency times a production function of the
pooled resources in which the types complement each other: money without people delivers little
(a CES function with negative exponent, Arrow et al. 1961). Coordination efficiency rises with the
administrative capacity of the participants (Thomson & Perry 2006, "administration"), with a
shared long-term action plan (the study: "consensus on long-term action"; Wilder: "concrete,
attainable goals") and with the knowledge a university brings (the study's recommendation 4;
Wilder: "appropriate cross-section of members"). Performance is output against the programme's need, capped at 1.
"""

from __future__ import annotations

import numpy as np

from colabsim.model.rules.common import BoolArray, FloatArray, Levels
from colabsim.model.rules.segments import segment_any, segment_mean
from colabsim.model.structure import Structure
from colabsim.scenario.parameters import Parameters

__all__ = ["actor_capacity", "ces_output", "coordination_efficiency", "programme_performance"]


def actor_capacity(structure: Structure, levels: Levels) -> FloatArray:
    """Coordination capacity by actor: its own value, else the scenario's ``admin_capacity``."""
    return np.where(np.isnan(structure.capacity_override), levels["admin_capacity"], structure.capacity_override)


def ces_output(inputs: FloatArray, weights: tuple[float, ...], rho: float) -> FloatArray:
    """CES aggregate of the last axis: ``(sum_k w_k x_k^rho)^(1/rho)`` with weights normalised.

    With ``rho < 0`` the inputs are complements: the aggregate is 0 when any input is 0 and never
    exceeds the largest input. ``rho = 0`` is not allowed (it is the Cobb-Douglas limit).
    """
    w = np.asarray(weights, dtype=np.float64)
    w = w / w.sum()
    x = np.maximum(inputs, 1e-12)
    aggregate = np.sum(w * x**rho, axis=-1) ** (1.0 / rho)
    if rho < 0:
        # The floor above only avoids division by zero; a missing input still means no output.
        aggregate = np.where(np.any(inputs <= 0.0, axis=-1), 0.0, aggregate)
    return np.asarray(aggregate)


def coordination_efficiency(
    structure: Structure, levels: Levels, params: Parameters, capacity: FloatArray, member_live: BoolArray
) -> FloatArray:
    """Coordination efficiency of each programme in [0, 1].

    ``E_p = (efficiency_floor + (1 - efficiency_floor) * capacity_p)
    * (1 - plan_weight + plan_weight * shared_purpose)
    * (1 - knowledge_bonus + knowledge_bonus * [a university takes part])``
    where ``capacity_p`` is the mean capacity of the live members.
    """
    n_prog = structure.n_programmes
    cap = segment_mean(capacity[..., structure.mem_actor], member_live, structure.mem_prog, n_prog)
    knows = segment_any(member_live & structure.is_university[structure.mem_actor], structure.mem_prog, n_prog)
    floor = params.efficiency_floor
    plan = 1.0 - params.plan_weight + params.plan_weight * np.asarray(levels["shared_purpose"])
    return (floor + (1.0 - floor) * cap) * plan * (1.0 - params.knowledge_bonus + params.knowledge_bonus * knows)


def programme_performance(
    pooled: FloatArray, need: FloatArray, efficiency: FloatArray, running: BoolArray, params: Parameters
) -> FloatArray:
    """Performance by programme: ``clip(E_p * CES(pooled_p / need_p), 0, 1)`` if active, else 0."""
    output = efficiency * ces_output(pooled / need[:, None], params.resource_weights, params.ces_rho)
    return np.where(running, np.clip(output, 0.0, 1.0), 0.0)
