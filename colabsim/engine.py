"""One month of the model: the nine processes of DESIGN.md applied to array state.

`initial_state` sets a run up and `advance` moves it one month by calling the rule functions of
`colabsim.rules` in the documented order. Both work on a single run here and are written so that
a leading batch axis can be added to every state array; the Mesa model (`colabsim.model`) and any
batched engine share them, so the rules exist once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from colabsim import rules
from colabsim.parameters import Parameters
from colabsim.rules.common import BoolArray, FloatArray, IntArray, Levels, UniformSource
from colabsim.structure import ACTIVE, DORMANT, Structure

#: Months-since-contact given to every tie at the start: no contact has been seen yet.
NO_RECENT_CONTACT = 12

__all__ = ["Calendar", "State", "advance", "initial_commitment", "initial_state", "member_included"]


@dataclass(frozen=True)
class Calendar:
    """Where a month falls in the budget year.

    Attributes:
        months_left: Months left in the budget year, counting the current one (12 in January).
        renew: Whether budgets renew at the end of this month (the next month is January).
    """

    months_left: int
    renew: bool

    @staticmethod
    def of(calendar_month: int) -> Calendar:
        """The calendar position of a month numbered 1 (January) to 12."""
        return Calendar(months_left=13 - calendar_month, renew=calendar_month == 12)


@dataclass(frozen=True)
class State:
    """Everything that changes during a run (the hot state), as arrays.

    Tie arrays: ``trust``, ``understanding``, ``since_contact`` (months), ``contact`` (this month).
    Actor arrays: ``commitment``, ``active``, ``funded``, ``budget`` (N x 4, this year's endowment)
    and ``stock`` (N x 4, what is left of it).
    Membership arrays: ``inclusion_draw`` (a fixed uniform per membership; an optional member takes
    part while it is below the inclusion factor). Programme arrays: ``status``, ``streak``,
    ``performance``, ``consensus``, ``pooled`` (P x 4). City-level: ``reputation`` and the
    counters ``partners_joined`` and ``sectors_opened``.
    """

    trust: FloatArray
    understanding: FloatArray
    since_contact: IntArray
    contact: BoolArray
    commitment: FloatArray
    active: BoolArray
    funded: BoolArray
    budget: FloatArray
    stock: FloatArray
    inclusion_draw: FloatArray
    status: IntArray
    streak: IntArray
    performance: FloatArray
    consensus: FloatArray
    pooled: FloatArray
    reputation: FloatArray
    partners_joined: IntArray
    sectors_opened: IntArray


def initial_commitment(structure: Structure, levels: Levels) -> FloatArray:
    """Commitment an actor brings when it (first) takes part: its own value, else the factor."""
    return np.where(np.isnan(structure.commitment_override), levels["commitment"], structure.commitment_override)


def member_included(structure: Structure, state: State, levels: Levels) -> BoolArray:
    """Which memberships take part: required ones always, optional ones while draw < inclusion."""
    return ~structure.mem_optional | (state.inclusion_draw < np.asarray(levels["inclusion"]))


def initial_state(structure: Structure, levels: Levels, calendar: Calendar, rng: UniformSource) -> State:
    """Set up month 0.

    Trust across the partnership starts at ``0.2 + 0.6 * history`` and shared understanding at
    ``0.1 + 0.6 * history`` (within a side: 0.5 each) unless a tie gives its own trust; commitment
    at the commitment factor unless an actor gives its own; stocks at the share of the yearly
    endowment for the months left in the first budget year.
    """
    history = np.asarray(levels["history"])
    default_trust = np.where(structure.tie_cross, 0.2 + 0.6 * history, 0.5)
    trust = np.where(np.isnan(structure.tie_trust0), default_trust, structure.tie_trust0)
    understanding = np.where(structure.tie_cross, 0.1 + 0.6 * history, 0.5) * np.ones(structure.n_ties)
    active = structure.initially_active.copy()
    funded = structure.initially_funded.copy()
    budget = rules.yearly_endowment(structure, levels, active, funded)
    stock = budget * calendar.months_left / 12.0
    n_prog = structure.n_programmes
    return State(
        trust=np.asarray(trust, dtype=np.float64),
        understanding=np.asarray(understanding, dtype=np.float64),
        since_contact=np.full(structure.n_ties, NO_RECENT_CONTACT, dtype=np.intp),
        contact=np.zeros(structure.n_ties, dtype=bool),
        commitment=np.asarray(initial_commitment(structure, levels), dtype=np.float64),
        active=active,
        funded=funded,
        budget=budget,
        stock=stock,
        inclusion_draw=rng.random((structure.n_members,)),
        status=structure.prog_status0.copy(),
        streak=np.zeros(n_prog, dtype=np.intp),
        performance=np.zeros(n_prog),
        consensus=np.zeros(n_prog),
        pooled=np.zeros((n_prog, 4)),
        reputation=np.zeros(()),
        partners_joined=np.zeros((), dtype=np.intp),
        sectors_opened=np.zeros((), dtype=np.intp),
    )


def advance(
    structure: Structure,
    state: State,
    levels: Levels,
    params: Parameters,
    calendar: Calendar,
    rng: UniformSource,
) -> State:
    """Advance one month: processes 1-8 of DESIGN.md (observation is `colabsim.metrics`).

    Scheduled events are applied before this call (`colabsim.timeline`); random leadership
    turnover is the part of process 1 done here.
    """
    s = structure
    # 1. Events: random leadership turnover.
    turnover = rules.turnover_level(s.turnover_override, levels)
    newcomer = rules.newcomer_commitment(initial_commitment(s, levels), levels)
    commitment, understanding, _ = rules.leadership_turnover(
        state.commitment, state.understanding, state.active, newcomer, turnover, (s.tie_src, s.tie_dst), params, rng
    )
    # 2. Communication.
    probability = rules.contact_probability(s, levels, params, state.trust, state.active)
    contact = rules.draw_contacts(probability, rng)
    trust, understanding = rules.apply_contacts(state.trust, understanding, contact, params)
    # 3. Deliberation.
    member_live = member_included(s, state, levels) & state.active[..., s.mem_actor]
    consensus, viable = rules.programme_consensus(s, levels, params, commitment, understanding, member_live)
    status = rules.update_programme_status(state.status, consensus, viable, s.prog_gated, levels, params)
    running = status == ACTIVE
    # 4. Contribution.
    engaged = member_live & running[..., s.mem_prog]
    amount, reciprocity, observed = rules.contributions(
        s, levels, params, (commitment, trust, state.stock, state.budget), engaged, calendar.months_left, rng
    )
    stock = rules.spend(state.stock, amount, s)
    pooled = rules.pool_by(amount, s.mem_prog, s.n_programmes)
    # 5. Production.
    capacity = rules.actor_capacity(s, levels)
    efficiency = rules.coordination_efficiency(s, levels, params, capacity, member_live)
    performance = rules.programme_performance(pooled, s.prog_need, efficiency, running, params)
    # 6. Learning.
    trust = rules.update_trust(s, levels, params, trust, reciprocity, observed, engaged)
    live_programme = running | (status == DORMANT)
    benefit, involved = rules.realised_benefit(s, performance, member_live, live_programme)
    facilitated = rules.facilitation(s, levels, member_live, live_programme)
    learned = rules.update_commitment(levels, params, commitment, benefit, involved, facilitated)
    commitment = np.where(state.active, learned, commitment)
    # 7. Decay and renewal.
    floor = rules.trust_floor(rules.tie_closeness(s, levels), params)
    present = state.active[..., s.tie_src] & state.active[..., s.tie_dst]
    trust, understanding = rules.decay_ties(trust, understanding, contact | ~present, floor, params)
    budget = state.budget
    if calendar.renew:
        budget = rules.yearly_endowment(s, levels, state.active, state.funded)
        stock = budget
    # 8. Growth.
    streak = rules.update_streaks(state.streak, performance, status, params)
    status, streak, opened = rules.open_new_sector(status, streak, levels, params, rng)
    reputation = rules.update_reputation(state.reputation, performance, status, params)
    active, joined = rules.partners_join(state.active, s.prospective, reputation, params, rng)
    if np.any(joined):
        months_left = 12 if calendar.renew else calendar.months_left - 1
        fresh = rules.yearly_endowment(s, levels, joined, state.funded)
        budget = np.where(joined[..., None], fresh, budget)
        stock = np.where(joined[..., None], fresh * months_left / 12.0, stock)
        commitment = np.where(joined, initial_commitment(s, levels), commitment)
    return replace(
        state,
        trust=trust,
        understanding=understanding,
        since_contact=np.where(contact, 0, state.since_contact + 1),
        contact=contact,
        commitment=commitment,
        active=active,
        budget=budget,
        stock=stock,
        status=status,
        streak=streak,
        performance=performance,
        consensus=consensus,
        pooled=pooled,
        reputation=reputation,
        partners_joined=state.partners_joined + np.sum(joined, axis=-1),
        sectors_opened=state.sectors_opened + opened,
    )
