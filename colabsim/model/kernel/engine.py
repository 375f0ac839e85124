"""Kernel counterpart of `colabsim.model.engine`: a run's state and one month of the model.

`RunState` holds one run's state arrays (the fields of `colabsim.model.engine.State`; the city-level
``reputation``, ``partners_joined`` and ``sectors_opened`` as arrays of one entry, so that a run's
state can be a set of views into a batch's arrays). `advance` applies processes 1-8 in the order of
the numpy `colabsim.model.engine.advance`, calling the kernel rules, and writes the new state over
the old one; `MonthBuffers` holds the month's intermediate results.

What a month reads that depends only on the structure, the factor levels and the parameters (each
tie's closeness, reach, trust floor and memory, each actor's turnover factor, mandate, newcomer
commitment, capacity and affective set-point, each membership's participation before presence) is
computed by `prepare` into the buffers, and `advance` reads it there: the whole-run kernel prepares
at the start of a run and again after a month whose events may have changed the levels, rather
than every month (the same rule functions on the same inputs, so the same numbers to the last bit).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from colabsim.model.kernel import communication as comm
from colabsim.model.kernel import contribution, deliberation, growth, learning, production, renewal, shocks
from colabsim.model.kernel._jit import njit, njit_inline
from colabsim.model.kernel.layout import (
    ACTIVE,
    COMMITMENT,
    DORMANT,
    HISTORY,
    INCLUSION,
    LATENT,
    MEMORY_WEIGHT,
    NO_RECENT_CONTACT,
    SHARED_PURPOSE,
    KernelStructure,
    Work,
)
from colabsim.model.kernel.segments import maximum

__all__ = [
    "MonthBuffers",
    "RunState",
    "advance",
    "initial_commitment",
    "initial_state",
    "member_participation",
    "prepare",
]

#: Noise sources in the order of `colabsim.model.streams.NOISE_SOURCES` (a run's stream rows).
TURNOVER_STREAM, CONTACTS_STREAM, DEFECTION_STREAM, SECTORS_STREAM, JOINING_STREAM = range(5)
#: How many noise sources a run has.
N_STREAMS = 5


class RunState(NamedTuple):
    """One run's state (see `colabsim.model.engine.State`); city-level values as 1-entry arrays."""

    trust: np.ndarray
    understanding: np.ndarray
    since_contact: np.ndarray
    contact: np.ndarray
    commitment: np.ndarray
    active: np.ndarray
    funded: np.ndarray
    prospective: np.ndarray
    budget: np.ndarray
    stock: np.ndarray
    contributed: np.ndarray
    status: np.ndarray
    streak: np.ndarray
    performance: np.ndarray
    consensus: np.ndarray
    pooled: np.ndarray
    reputation: np.ndarray
    partners_joined: np.ndarray
    sectors_opened: np.ndarray


class MonthBuffers(NamedTuple):
    """A month's intermediate results, by what they run over (allocated once per batch).

    Rows written by `prepare` (kept between months): ``actor_float`` 0-3 and 6 (turnover factor,
    mandate, newcomer commitment, capacity, set-point), ``tie_float`` 0, 4 and 6-9 (closeness,
    trust floor, reach, memory, the formal and informal channels' `contact_base`) and
    ``member_float`` 3 (participation before presence).
    """

    actor_float: np.ndarray  # (8, N)
    actor_bool: np.ndarray  # (4, N)
    tie_float: np.ndarray  # (10, E)
    tie_bool: np.ndarray  # (1, E)
    member_float: np.ndarray  # (4, M)
    member_bool: np.ndarray  # (4, M)
    programme_float: np.ndarray  # (4, P)
    programme_bool: np.ndarray  # (4, P)
    member_types: np.ndarray  # (M, 4)
    actor_types: np.ndarray  # (N, 4)


def new_buffers(structure: KernelStructure) -> MonthBuffers:
    """Buffers sized for `structure`."""
    s = structure
    return MonthBuffers(
        actor_float=np.zeros((8, s.n_actors)),
        actor_bool=np.zeros((4, s.n_actors), dtype=np.bool_),
        tie_float=np.zeros((10, s.n_ties)),
        tie_bool=np.zeros((1, s.n_ties), dtype=np.bool_),
        member_float=np.zeros((4, s.n_members)),
        member_bool=np.zeros((4, s.n_members), dtype=np.bool_),
        programme_float=np.zeros((4, s.n_programmes)),
        programme_bool=np.zeros((4, s.n_programmes), dtype=np.bool_),
        member_types=np.zeros((s.n_members, 4)),
        actor_types=np.zeros((s.n_actors, 4)),
    )


@njit
def initial_commitment(structure: KernelStructure, levels: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Commitment an actor brings when it (first) takes part: its own value, else the factor."""
    for i in range(structure.n_actors):
        own = structure.commitment_override[i]
        out[i] = levels[COMMITMENT] if np.isnan(own) else own
    return out


@njit
def member_participation(structure: KernelStructure, levels: np.ndarray, out: np.ndarray) -> np.ndarray:
    """How fully each membership takes part: 1 if required, the inclusion factor if optional."""
    for m in range(structure.n_members):
        out[m] = levels[INCLUSION] if structure.mem_optional[m] else 1.0
    return out


@njit
def initial_state(structure: KernelStructure, levels: np.ndarray, months_left: int, out: RunState, work: Work) -> None:
    """Set up month 0 of one run in `out` (nothing is drawn at random)."""
    s = structure
    history = levels[HISTORY]
    for e in range(s.n_ties):
        default_trust = 0.2 + 0.6 * history if s.tie_cross[e] else 0.5
        own = s.tie_trust0[e]
        out.trust[e] = default_trust if np.isnan(own) else own
        out.understanding[e] = 0.1 + 0.6 * history if s.tie_cross[e] else 0.5
        out.since_contact[e] = NO_RECENT_CONTACT
        out.contact[e] = False
    initial_commitment(s, levels, out.commitment)
    for i in range(s.n_actors):
        out.active[i] = s.initially_active[i]
        out.funded[i] = s.initially_funded[i]
        out.prospective[i] = s.prospective[i]
    for p in range(s.n_programmes):
        out.status[p] = s.prog_status0[p]
        out.streak[p] = 0
        out.performance[p] = 0.0
        out.consensus[p] = 0.0
        for k in range(4):
            out.pooled[p, k] = 0.0
    lines = renewal.budget_lines(s, out.status, work.actors[7])
    renewal.yearly_endowment(s, levels, out.active, out.funded, lines, out.budget)
    for i in range(s.n_actors):
        for k in range(4):
            out.stock[i, k] = out.budget[i, k] * months_left / 12.0
            out.contributed[i, k] = 0.0
    out.reputation[0] = 0.0
    out.partners_joined[0] = 0
    out.sectors_opened[0] = 0


@njit
def prepare(
    structure: KernelStructure, levels: np.ndarray, params: np.ndarray, buffers: MonthBuffers, work: Work
) -> None:
    """Compute what `advance` reads that depends only on the structure, `levels` and `params`.

    Call it before the first month of a run and whenever the levels or parameters change.
    """
    s = structure
    b = buffers
    shocks.turnover_level(s.turnover_override, levels, b.actor_float[0])
    mandate = initial_commitment(s, levels, b.actor_float[1])
    shocks.newcomer_commitment(mandate, levels, b.actor_float[2])
    closeness = comm.tie_closeness(s, levels, b.tie_float[0])
    comm.understanding_reach(s, params, closeness, b.tie_float[6])
    comm.contact_base(s, levels, params, closeness, b.tie_float[8], b.tie_float[9])
    member_participation(s, levels, b.member_float[3])
    production.actor_capacity(s, levels, b.actor_float[3])
    renewal.trust_floor(closeness, params, b.tie_float[4])
    learning.affective_setpoint(s, params, mandate, closeness, b.actor_float[6], work)
    remembered = b.tie_float[7]
    for e in range(s.n_ties):
        # Only partners who have met remember each other's ways: a latent tie has no floor.
        remembered[e] = params[MEMORY_WEIGHT] * closeness[e] * (1.0 if s.tie_kind[e] != LATENT else 0.0)


@njit_inline
def advance(
    structure: KernelStructure,
    state: RunState,
    levels: np.ndarray,
    params: np.ndarray,
    months_left: int,
    renew: bool,
    streams: np.ndarray,
    buffers: MonthBuffers,
    work: Work,
) -> None:
    """Advance one run one month (processes 1-8), writing the new state over `state`.

    `streams` holds the run's noise streams (``(N_STREAMS, 4)``, rows in `NOISE_SOURCES` order);
    `buffers` must have been prepared (`prepare`) for the current levels and parameters.
    """
    s = structure
    b = buffers
    old_active = b.actor_bool[0]
    for i in range(s.n_actors):
        old_active[i] = state.active[i]
    # 1. Events: random leadership turnover (the mandate serves turnover, learning and joining).
    turnover, mandate, newcomer = b.actor_float[0], b.actor_float[1], b.actor_float[2]
    shocks.leadership_turnover(
        state.commitment,
        state.understanding,
        state.active,
        newcomer,
        turnover,
        (s.tie_src, s.tie_dst),
        params,
        streams[TURNOVER_STREAM],
        state.commitment,
        state.understanding,
        b.actor_bool[1],
    )
    # 2. Communication.
    probability, intensity, depth = b.tie_float[1], b.tie_float[2], b.tie_float[3]
    base = (b.tie_float[8], b.tie_float[9])
    comm.brokered_chances(s, levels, params, state.trust, state.active, base, probability, intensity)
    comm.draw_contacts(probability, streams[CONTACTS_STREAM], state.contact)
    for e in range(s.n_ties):
        depth[e] = intensity[e] / maximum(probability[e], 1e-12) if probability[e] > 0 else 1.0
    reach = b.tie_float[6]
    comm.apply_contacts(
        state.trust, state.understanding, state.contact, params, levels[SHARED_PURPOSE], depth, reach,
        state.trust, state.understanding,
    )  # fmt: skip
    # 3. Deliberation. Outside its funding window (a donor's project) an actor does not take part at all.
    participation, base = b.member_float[1], b.member_float[3]
    member_live = b.member_bool[0]
    for m in range(s.n_members):
        actor = s.mem_actor[m]
        participation[m] = base[m] * (1.0 if state.active[actor] and state.funded[actor] else 0.0)
        member_live[m] = participation[m] > 0
    viable = b.programme_bool[0]
    # The pairs' mean understanding, read by consensus here and by coordination efficiency in process 5.
    shared = deliberation.shared_understanding(
        s, state.understanding, participation, b.programme_float[2], b.programme_float[3]
    )
    deliberation.consensus_from_shared(
        s, levels, params, state.commitment, participation, shared, state.consensus, viable, work
    )
    deliberation.update_programme_status(state.status, viable, state.status)
    running = b.programme_bool[1]
    for p in range(s.n_programmes):
        running[p] = state.status[p] == ACTIVE
    # 4. Contribution.
    engaged = b.member_float[2]
    for m in range(s.n_members):
        engaged[m] = participation[m] * (1.0 if running[s.mem_prog[m]] else 0.0)
    amount, reciprocity, observed = b.member_types, b.member_float[0], b.member_bool[2]
    contribution.contributions(
        s, levels, params, (state.commitment, state.trust, state.stock, state.budget), state.consensus,
        engaged, months_left, streams[DEFECTION_STREAM], amount, reciprocity, observed, work,
    )  # fmt: skip
    contribution.spend(state.stock, amount, s, state.stock, work)
    contribution.pool_by(amount, s.mem_actor, s.n_actors, state.contributed)
    contribution.pool_by(amount, s.mem_prog, s.n_programmes, state.pooled)
    # 5. Production.
    capacity = b.actor_float[3]
    joint = production.joint_capacity(s, levels, params, capacity, participation, b.programme_float[0], work)
    efficiency = production.efficiency_from_shared(s, params, participation, joint, shared, b.programme_float[1], work)
    production.programme_performance(state.pooled, s.prog_need, efficiency, running, params, state.performance, work)
    # 6. Learning.
    floor = b.tie_float[4]
    learning.update_trust(s, levels, params, state.trust, reciprocity, observed, engaged, floor, state.trust, work)
    live_programme = b.programme_bool[2]
    for p in range(s.n_programmes):
        live_programme[p] = running[p] or state.status[p] == DORMANT
    benefit, involved = b.actor_float[4], b.actor_bool[2]
    learning.realised_benefit(s, state.performance, member_live, live_programme, benefit, involved, work)
    facilitated = learning.facilitation(s, levels, params, member_live, live_programme, b.actor_float[5], work)
    setpoint = b.actor_float[6]
    learned = learning.update_commitment(
        levels, params, state.commitment, benefit, involved, facilitated, setpoint, b.actor_float[7]
    )
    for i in range(s.n_actors):
        if old_active[i]:
            state.commitment[i] = learned[i]
    # 7. Decay and renewal.
    remembered, spared = b.tie_float[7], b.tie_bool[0]
    for e in range(s.n_ties):
        # A relation does not fade before both ends are there (passed as contact, as numpy does).
        # Arithmetic rather than branches: contacts are random, a branch on them mispredicts (this
        # loop took 8 cycles a tie with the branches, measured on the 30-actor network).
        met = state.contact[e]
        spared[e] = met | (not (old_active[s.tie_src[e]] & old_active[s.tie_dst[e]]))
        # Months since the last contact (this month's contacts are drawn; nothing below reads it).
        state.since_contact[e] = (state.since_contact[e] + 1) * (1 - int(met))
    renewal.decay_ties(
        state.trust, state.understanding, spared, floor, params, remembered, state.trust, state.understanding
    )
    if renew:
        lines = renewal.budget_lines(s, state.status, work.actors[7])
        renewal.yearly_endowment(s, levels, old_active, state.funded, lines, state.budget)
        for i in range(s.n_actors):
            for k in range(4):
                state.stock[i, k] = state.budget[i, k]
    # 8. Growth.
    growth.update_streaks(state.streak, state.performance, state.status, params, state.streak)
    opened = growth.open_new_sector(
        state.status, state.streak, levels, params, streams[SECTORS_STREAM], viable, state.status, state.streak
    )
    state.reputation[0] = growth.update_reputation(state.reputation[0], state.performance, state.status, params, work)
    joined = b.actor_bool[3]
    growth.partners_join(
        old_active, state.prospective, state.reputation[0], params, streams[JOINING_STREAM], state.active, joined
    )
    growth.open_partner_programmes(state.status, joined, s, state.status, work)
    n_joined = 0
    for i in range(s.n_actors):
        n_joined += 1 if joined[i] else 0
    if n_joined > 0:
        left = 12 if renew else months_left - 1
        lines = renewal.budget_lines(s, state.status, work.actors[7])
        fresh = renewal.yearly_endowment(s, levels, joined, state.funded, lines, b.actor_types)
        for i in range(s.n_actors):
            if joined[i]:
                state.commitment[i] = mandate[i]
                for k in range(4):
                    state.budget[i, k] = fresh[i, k]
                    state.stock[i, k] = fresh[i, k] * left / 12.0
    state.partners_joined[0] += n_joined
    state.sectors_opened[0] += 1 if opened else 0
