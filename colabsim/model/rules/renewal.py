"""Process 7 (decay and renewal): trust fades without contact; budgets renew every year.

Mechanism: trust that is not refreshed by contact fades (Ring & Van de Ven 1994), but not below a
floor set by kinship and shared history: old friendships are not forgotten (the study's
Vlissingen finding). Shared understanding fades too. Resources follow the annual budget cycle of
Indonesian local government and of the partners; the city's own budgets are co-funded by central
government programmes (central support); a donor's money stops when its funding window ends.
"""

from __future__ import annotations

import numpy as np

from colabsim.model.rules.common import BoolArray, FloatArray, IntArray, Levels
from colabsim.model.rules.segments import segment_count
from colabsim.model.structure import ACTIVE, DORMANT, Structure
from colabsim.scenario.parameters import Parameters

__all__ = ["LINE_TYPES", "RESOURCE_FACTORS", "budget_lines", "decay_ties", "trust_floor", "yearly_endowment"]

#: The factor that scales each resource type (funds, materials, people, time).
RESOURCE_FACTORS: tuple[str, str, str, str] = ("funds", "materials", "staff", "time_horizon")
#: Which resource types are budgeted per programme line (funds, materials) rather than shared
#: across an actor's programmes (its people and their time: the same staff serve every programme).
LINE_TYPES = np.array([True, True, False, False])


def budget_lines(structure: Structure, status: IntArray) -> FloatArray:
    """How many programme lines each actor budgets for a year, shape ``(..., N)``: at least 1.

    An actor plans one line for each live (active or dormant) programme it is a member of
    (Indonesian regional budgets allocate funds by programme and activity, *program/kegiatan*, in
    the yearly work plan; a partner's project budgets likewise), so a programme opened during a
    year gets its own money from the next budget year on instead of thinning its members' other
    lines for good.
    """
    live = (status == ACTIVE) | (status == DORMANT)
    counted = np.broadcast_to(live[..., structure.mem_prog], (*np.shape(status)[:-1], structure.n_members))
    return np.maximum(segment_count(counted, structure.mem_actor, structure.n_actors), 1.0)


def trust_floor(closeness: FloatArray, params: Parameters) -> FloatArray:
    """Trust floor of each tie: ``floor_weight * closeness``."""
    return params.floor_weight * closeness


def decay_ties(
    trust: FloatArray,
    understanding: FloatArray,
    contact: BoolArray,
    floor: FloatArray,
    params: Parameters,
    understanding_floor: FloatArray | float = 0.0,
) -> tuple[FloatArray, FloatArray]:
    """Let trust and shared understanding fade on ties without contact this month.

    Ties between actors who are not both present are passed as "contact" by the model: a relation
    does not fade before it exists. ``tau <- tau - trust_decay * max(tau - floor, 0)`` and
    ``u <- u - understanding_decay * max(u - u_floor, 0)``, with ``u_floor`` the understanding
    floor (`memory_weight` times closeness: partners with a long history or family-like ties
    keep knowing each other's ways; 0 by default). Ties with contact are unchanged.
    """
    faded = trust - params.trust_decay * np.maximum(trust - floor, 0.0)
    new_trust = np.where(contact, trust, faded)
    forgotten = understanding - params.understanding_decay * np.maximum(understanding - understanding_floor, 0.0)
    new_understanding = np.where(contact, understanding, forgotten)
    return new_trust, new_understanding


def yearly_endowment(
    structure: Structure, levels: Levels, active: BoolArray, funded: BoolArray, lines: FloatArray | float = 1.0
) -> FloatArray:
    """Each actor's resources for a budget year, shape ``(..., N, 4)``.

    ``B_ik = 12 * e_ik * level_k * L_ik * [active]``, with ``e_ik`` the actor's relative endowment,
    ``level_k`` the factors funds, materials, staff, time_horizon (a unit of 1 per month at full
    level) and ``L_ik`` the actor's programme lines (`budget_lines`) for funds and materials, 1 for
    people and time (`LINE_TYPES`). Funds are further multiplied by ``0.5 + 0.5 *
    central_support`` for the city's own agencies (central co-funding); every type is multiplied
    by ``[funded]``: a donor's window is its project, and outside it the donor brings neither
    money nor its consultants, their time or its materials.
    """
    level = np.stack([np.asarray(levels[name], dtype=np.float64) for name in RESOURCE_FACTORS], axis=-1)
    base = 12.0 * structure.endowment * level
    per_line = np.where(LINE_TYPES, np.expand_dims(np.asarray(lines, dtype=np.float64), -1), 1.0)
    result = np.broadcast_to(base * per_line, (*np.shape(active), 4)).copy()
    cofund = np.where(structure.is_local_public, 0.5 + 0.5 * np.asarray(levels["central_support"]), 1.0)
    result[..., 0] = result[..., 0] * cofund
    # A donor's window is its project: outside it neither its money nor its consultants, their
    # time or its materials are there (`funded` false).
    return np.where((active & funded)[..., None], result, 0.0)
