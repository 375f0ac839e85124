"""The kernel's data layout: the structure, factor levels, parameters and scratch space as arrays.

The rule functions of `colabsim.model.rules` take a `Structure`, a mapping of factor levels and a
`Parameters` object; their kernel counterparts take the same things in a form compiled code can
read: `KernelStructure` (a named tuple of the structure's arrays), a row of factor levels in
`FACTOR_ORDER` and a row of parameters in `PARAMETER_ORDER` (one row per run, so that factors and
parameters may differ between runs), and `Work`, scratch arrays a rule may use for its
intermediate values (their contents mean nothing between calls).

The constants below copy the codes and weights of the numpy model (status codes, tie kinds, kind
weights of closeness, which resource types are budgeted per line, the factors and parameters in
order). They are copied rather than imported because numba's cache only sees the kernel's own
files (`colabsim.model.kernel._jit`): tests/kernel/test_layout.py checks that every copy equals
its original, so a change on the numpy side fails there until it is made here too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from colabsim.model.structure import Structure
from colabsim.scenario.parameters import Parameters

__all__ = [
    "FACTOR_ORDER",
    "HISTORY_WEIGHT",
    "KIN_WEIGHT",
    "PARAMETER_ORDER",
    "KernelStructure",
    "Work",
    "kernel_structure",
    "level_rows",
    "new_work",
    "parameter_rows",
]

# Programme status and tie kind codes (colabsim.model.structure).
PROPOSED, DORMANT, ACTIVE, OFF = 0, 1, 2, 3
LATENT = 3
#: Kind weights of kinship and history in a tie's closeness (rules.communication).
KIN_WEIGHT = np.array([0.5, 0.75, 1.0, 0.5])
HISTORY_WEIGHT = np.array([0.5, 0.75, 1.0, 0.5])
SAME_SIDE_CLOSENESS = 0.5
#: Resource types budgeted per programme line (rules.renewal.LINE_TYPES).
LINE_TYPES = np.array([True, True, False, False])
#: Months since contact of every tie at the start (engine.NO_RECENT_CONTACT).
NO_RECENT_CONTACT = 12

#: The factors in the order of a level row (colabsim.scenario.factors.FACTORS).
FACTOR_ORDER: tuple[str, ...] = (
    "history",
    "kinship",
    "central_support",
    "legal_frame",
    "admin_capacity",
    "mutuality",
    "reciprocity_norms",
    "commitment",
    "mediation",
    "leadership",
    "formal_communication",
    "informal_communication",
    "inclusion",
    "shared_purpose",
    "funds",
    "materials",
    "staff",
    "time_horizon",
    "turnover",
)
(
    HISTORY,
    KINSHIP,
    CENTRAL_SUPPORT,
    LEGAL_FRAME,
    ADMIN_CAPACITY,
    MUTUALITY,
    RECIPROCITY_NORMS,
    COMMITMENT,
    MEDIATION,
    LEADERSHIP,
    FORMAL_COMMUNICATION,
    INFORMAL_COMMUNICATION,
    INCLUSION,
    SHARED_PURPOSE,
    FUNDS,
    MATERIALS,
    STAFF,
    TIME_HORIZON,
    TURNOVER,
) = range(19)
#: The factors that scale each resource type (rules.renewal.RESOURCE_FACTORS), as level indices.
RESOURCE_LEVELS = np.array([FUNDS, MATERIALS, STAFF, TIME_HORIZON])

#: The parameters in the order of a parameter row (colabsim.scenario.parameters.Parameters), with
#: ``resource_weights`` as four entries.
PARAMETER_ORDER: tuple[str, ...] = (
    "turnover_rate",
    "turnover_loss",
    "formal_rate",
    "informal_rate",
    "brokered_rate",
    "understanding_gain",
    "understanding_reach",
    "contact_trust_gain",
    "legal_floor",
    "facilitation_weight",
    "mediator_facilitation",
    "purpose_weight",
    "joint_action_weight",
    "trust_weight",
    "mediator_buffer",
    "free_ride_rate",
    "fair_share",
    "efficiency_floor",
    "understanding_floor",
    "leadership_weight",
    "arrangement_weight",
    "memory_weight",
    "purpose_understanding_weight",
    "affect_weight",
    "knowledge_bonus",
    "half_saturation",
    "saturation_exponent",
    "patience_weight",
    "ces_rho",
    "ces_shift",
    "resource_weights",
    "learning_base",
    "learning_norms_weight",
    "loss_aversion",
    "commitment_gain",
    "commitment_loss",
    "leadership_upkeep",
    "setpoint_rate",
    "trust_decay",
    "understanding_decay",
    "floor_weight",
    "success_level",
    "success_months",
    "growth_rate",
    "reputation_rate",
    "partner_rate",
    "reputation_threshold",
)


def _columns(order: tuple[str, ...]) -> tuple[tuple[int, ...], int]:
    """Each parameter's first column in a parameter row, and the row's length."""
    columns, at = [], 0
    for name in order:
        columns.append(at)
        at += 4 if name == "resource_weights" else 1
    return tuple(columns), at


#: Each parameter's column, and the length of a parameter row.
_PARAMETER_COLUMNS, N_PARAMETERS = _columns(PARAMETER_ORDER)
(
    TURNOVER_RATE,
    TURNOVER_LOSS,
    FORMAL_RATE,
    INFORMAL_RATE,
    BROKERED_RATE,
    UNDERSTANDING_GAIN,
    UNDERSTANDING_REACH,
    CONTACT_TRUST_GAIN,
    LEGAL_FLOOR,
    FACILITATION_WEIGHT,
    MEDIATOR_FACILITATION,
    PURPOSE_WEIGHT,
    JOINT_ACTION_WEIGHT,
    TRUST_WEIGHT,
    MEDIATOR_BUFFER,
    FREE_RIDE_RATE,
    FAIR_SHARE,
    EFFICIENCY_FLOOR,
    UNDERSTANDING_FLOOR,
    LEADERSHIP_WEIGHT,
    ARRANGEMENT_WEIGHT,
    MEMORY_WEIGHT,
    PURPOSE_UNDERSTANDING_WEIGHT,
    AFFECT_WEIGHT,
    KNOWLEDGE_BONUS,
    HALF_SATURATION,
    SATURATION_EXPONENT,
    PATIENCE_WEIGHT,
    CES_RHO,
    CES_SHIFT,
    RESOURCE_WEIGHTS,  # four entries: funds, materials, people, time
    LEARNING_BASE,
    LEARNING_NORMS_WEIGHT,
    LOSS_AVERSION,
    COMMITMENT_GAIN,
    COMMITMENT_LOSS,
    LEADERSHIP_UPKEEP,
    SETPOINT_RATE,
    TRUST_DECAY,
    UNDERSTANDING_DECAY,
    FLOOR_WEIGHT,
    SUCCESS_LEVEL,
    SUCCESS_MONTHS,
    GROWTH_RATE,
    REPUTATION_RATE,
    PARTNER_RATE,
    REPUTATION_THRESHOLD,
) = _PARAMETER_COLUMNS


class KernelStructure(NamedTuple):
    """A `Structure`'s arrays for compiled code (same names; integer arrays as int64).

    ``tie_kin_weight`` and ``tie_history_weight`` are not in `Structure`: each tie's kind weight
    of kinship and history in its closeness, looked up once. ``n_sectors`` counts the sectors.
    """

    actor_side: np.ndarray
    is_mediator: np.ndarray
    is_university: np.ndarray
    is_local_public: np.ndarray
    is_public: np.ndarray
    initially_active: np.ndarray
    prospective: np.ndarray
    initially_funded: np.ndarray
    endowment: np.ndarray
    capacity_override: np.ndarray
    commitment_override: np.ndarray
    turnover_override: np.ndarray
    tie_src: np.ndarray
    tie_dst: np.ndarray
    tie_kind: np.ndarray
    tie_cross: np.ndarray
    tie_border: np.ndarray
    tie_trust0: np.ndarray
    tie_kin_weight: np.ndarray
    tie_history_weight: np.ndarray
    broker: np.ndarray
    broker_src_edge: np.ndarray
    broker_dst_edge: np.ndarray
    prog_sector: np.ndarray
    prog_need: np.ndarray
    prog_gated: np.ndarray
    prog_status0: np.ndarray
    mem_prog: np.ndarray
    mem_actor: np.ndarray
    mem_optional: np.ndarray
    pair_edge: np.ndarray
    pair_prog: np.ndarray
    pair_src_mem: np.ndarray
    pair_dst_mem: np.ndarray
    n_actors: int
    n_ties: int
    n_programmes: int
    n_members: int
    n_pairs: int
    n_sectors: int


_INT_FIELDS = frozenset(
    {
        "actor_side",
        "tie_src",
        "tie_dst",
        "tie_kind",
        "broker",
        "broker_src_edge",
        "broker_dst_edge",
        "prog_sector",
        "prog_status0",
        "mem_prog",
        "mem_actor",
        "pair_edge",
        "pair_prog",
        "pair_src_mem",
        "pair_dst_mem",
    }
)


def kernel_structure(structure: Structure) -> KernelStructure:
    """The arrays of `structure` in the kernel's types (C-contiguous int64, float64 and bool)."""
    arrays: dict[str, Any] = {}
    for name in KernelStructure._fields:
        if name.startswith("n_") or (name.startswith("tie_") and name.endswith("_weight")):
            continue
        value = np.asarray(getattr(structure, name))
        dtype = np.int64 if name in _INT_FIELDS else value.dtype
        if value.dtype == np.bool_:
            dtype = np.bool_
        elif name not in _INT_FIELDS:
            dtype = np.float64
        arrays[name] = np.ascontiguousarray(value, dtype=dtype)
    return KernelStructure(
        **arrays,
        tie_kin_weight=np.ascontiguousarray(KIN_WEIGHT[structure.tie_kind]),
        tie_history_weight=np.ascontiguousarray(HISTORY_WEIGHT[structure.tie_kind]),
        n_actors=structure.n_actors,
        n_ties=structure.n_ties,
        n_programmes=structure.n_programmes,
        n_members=structure.n_members,
        n_pairs=len(structure.pair_edge),
        n_sectors=len(structure.sectors),
    )


def level_rows(levels: Mapping[str, Any], runs: int) -> np.ndarray:
    """Factor levels (floats, or arrays of shape ``(runs, 1)``) as a ``(runs, factors)`` array."""
    out = np.empty((runs, len(FACTOR_ORDER)))
    for k, name in enumerate(FACTOR_ORDER):
        out[:, k] = np.broadcast_to(np.asarray(levels[name], dtype=np.float64), (runs, 1))[:, 0]
    return out


def parameter_rows(parameters: Parameters | Sequence[Parameters], runs: int) -> np.ndarray:
    """Parameters (one set for all runs, or one per run) as a ``(runs, N_PARAMETERS)`` array."""
    sets = [parameters] * runs if isinstance(parameters, Parameters) else list(parameters)
    if len(sets) != runs:
        raise ValueError(f"{len(sets)} parameter sets for {runs} runs")
    out = np.empty((runs, N_PARAMETERS))
    distinct: dict[int, np.ndarray] = {}
    for r, params in enumerate(sets):
        row = distinct.get(id(params))
        if row is None:
            values: list[float] = []
            for name in PARAMETER_ORDER:
                value = getattr(params, name)
                values.extend(float(v) for v in value) if name == "resource_weights" else values.append(float(value))
            row = distinct[id(params)] = np.array(values)
        out[r] = row
    return out


class Work(NamedTuple):
    """Scratch arrays for the rules' intermediate values: rows by what they run over.

    ``actors`` (rows x N), ``ties`` (rows x E), ``members`` (rows x M), ``programmes`` (rows x P),
    ``pairs`` (rows x K), ``actor_types`` (rows x N x 4), ``member_types`` (rows x M x 4),
    ``programme_types`` (rows x P x 4) and ``actor_flags`` (rows x N, bool). A rule uses them
    only within one call.
    """

    actors: np.ndarray
    ties: np.ndarray
    members: np.ndarray
    programmes: np.ndarray
    pairs: np.ndarray
    actor_types: np.ndarray
    member_types: np.ndarray
    programme_types: np.ndarray
    actor_flags: np.ndarray
    stack: np.ndarray


def new_work(structure: KernelStructure) -> Work:
    """Scratch arrays sized for `structure`."""
    s = structure
    return Work(
        actors=np.zeros((8, s.n_actors)),
        ties=np.zeros((8, s.n_ties)),
        members=np.zeros((8, s.n_members)),
        programmes=np.zeros((12, s.n_programmes)),
        pairs=np.zeros((2, s.n_pairs)),
        actor_types=np.zeros((4, s.n_actors, 4)),
        member_types=np.zeros((2, s.n_members, 4)),
        programme_types=np.zeros((2, s.n_programmes, 4)),
        actor_flags=np.zeros((2, s.n_actors), dtype=np.bool_),
        stack=np.zeros((4, 64)),
    )
