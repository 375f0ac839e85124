"""One month of the model: the nine processes of DESIGN.md applied to array state.

`initial_state` sets a run up and `advance` moves it one month by calling the rule functions of
`colabsim.model.rules` in the documented order. Both work on a single run here and are written so that
a leading batch axis can be added to every state array; the Mesa model (`colabsim.model.collaboration`) and any
batched engine share them, so the rules exist once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from colabsim.model import rules
from colabsim.model.rules.common import BoolArray, FloatArray, IntArray, Levels
from colabsim.model.streams import Streams
from colabsim.model.structure import ACTIVE, DORMANT, LATENT, Structure
from colabsim.scenario.parameters import Parameters

#: Months-since-contact given to every tie at the start: no contact has been seen yet.
NO_RECENT_CONTACT = 12

__all__ = [
    "Calendar",
    "State",
    "advance",
    "initial_commitment",
    "initial_state",
    "member_participation",
    "month_label",
]


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

    @staticmethod
    def at(start: tuple[int, int], month: int) -> Calendar:
        """The calendar position of month index `month` of a run starting at (year, month)."""
        return Calendar.of((start[1] - 1 + month) % 12 + 1)


def month_label(start: tuple[int, int], month: int) -> str:
    """The date (``YYYY-MM``) of month index `month` of a run starting at (year, month)."""
    total = start[1] - 1 + month
    return f"{start[0] + total // 12:04d}-{total % 12 + 1:02d}"


@dataclass(frozen=True)
class State:
    """Everything that changes during a run (the hot state), as arrays.

    Tie arrays: ``trust``, ``understanding``, ``since_contact`` (months), ``contact`` (this month).
    Actor arrays: ``commitment``, ``active``, ``funded``, ``prospective`` (may join when the city's
    reputation draws it), ``budget`` (N x 4, this year's endowment), ``stock`` (N x 4, what is
    left of it) and ``contributed`` (N x 4, what the actor gave its programmes this month).
    Programme arrays: ``status``, ``streak``, ``performance``, ``consensus``, ``pooled`` (P x 4).
    City-level: ``reputation`` and the counters ``partners_joined`` and ``sectors_opened``.
    """

    trust: FloatArray
    understanding: FloatArray
    since_contact: IntArray
    contact: BoolArray
    commitment: FloatArray
    active: BoolArray
    funded: BoolArray
    prospective: BoolArray
    budget: FloatArray
    stock: FloatArray
    contributed: FloatArray
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


def member_participation(structure: Structure, levels: Levels) -> FloatArray:
    """How fully each membership takes part, in [0, 1]: 1 if required, the inclusion factor if optional.

    ``w_m = inclusion if m is optional else 1`` (for a batch, shape ``(runs, M)``). An optional
    member such as Pattimura University, whom the study names as "not involved" in Darwin, takes
    part in that share of the programme's work: its say in agreement and coordination, its
    resources and the knowledge it brings all scale with it (docs/ODD.md, section 7.4).
    """
    inclusion = np.asarray(levels["inclusion"], dtype=np.float64)
    return np.asarray(np.where(structure.mem_optional, inclusion, 1.0))


def initial_state(structure: Structure, levels: Levels, calendar: Calendar, batch: int | None = None) -> State:
    """Set up month 0, for one run or, with `batch`, for that many runs along a leading axis.

    Trust across the partnership starts at ``0.2 + 0.6 * history`` and shared understanding at
    ``0.1 + 0.6 * history`` (within a side: 0.5 each) unless a tie gives its own trust; commitment
    at the commitment factor unless an actor gives its own; stocks at the share of the yearly
    endowment for the months left in the first budget year. Set-up draws nothing at random. For a
    batch, factor levels are arrays of shape ``(batch, 1)``.
    """
    lead = () if batch is None else (batch,)
    history = np.asarray(levels["history"])
    default_trust = np.where(structure.tie_cross, 0.2 + 0.6 * history, 0.5)
    trust = np.where(np.isnan(structure.tie_trust0), default_trust, structure.tie_trust0)
    understanding = np.where(structure.tie_cross, 0.1 + 0.6 * history, 0.5)
    active = np.broadcast_to(structure.initially_active, (*lead, structure.n_actors)).copy()
    funded = np.broadcast_to(structure.initially_funded, (*lead, structure.n_actors)).copy()
    status0 = np.broadcast_to(structure.prog_status0, (*lead, structure.n_programmes))
    budget = rules.yearly_endowment(structure, levels, active, funded, rules.budget_lines(structure, status0))
    n_prog = structure.n_programmes

    def full(value: np.ndarray | float, shape: tuple[int, ...], dtype: type = np.float64) -> np.ndarray:
        return np.broadcast_to(np.asarray(value, dtype=dtype), (*lead, *shape)).copy()

    return State(
        trust=full(trust, (structure.n_ties,)),
        understanding=full(understanding, (structure.n_ties,)),
        since_contact=full(NO_RECENT_CONTACT, (structure.n_ties,), np.intp),
        contact=full(False, (structure.n_ties,), np.bool_),
        commitment=full(initial_commitment(structure, levels), (structure.n_actors,)),
        active=active,
        funded=funded,
        prospective=np.broadcast_to(structure.prospective, (*lead, structure.n_actors)).copy(),
        budget=budget,
        stock=budget * calendar.months_left / 12.0,
        contributed=full(0.0, (structure.n_actors, 4)),
        status=full(structure.prog_status0, (n_prog,), np.intp),
        streak=full(0, (n_prog,), np.intp),
        performance=full(0.0, (n_prog,)),
        consensus=full(0.0, (n_prog,)),
        pooled=full(0.0, (n_prog, 4)),
        reputation=full(0.0, ()),
        partners_joined=full(0, (), np.intp),
        sectors_opened=full(0, (), np.intp),
    )


def advance(
    structure: Structure,
    state: State,
    levels: Levels,
    params: Parameters,
    calendar: Calendar,
    streams: Streams,
) -> State:
    """Advance one month: processes 1-8 of DESIGN.md (observation is `colabsim.model.metrics`).

    Scheduled events are applied before this call (`colabsim.model.timeline`); random leadership
    turnover is the part of process 1 done here. Each random rule draws from its own noise
    source's stream in `streams` (`colabsim.model.streams`).
    """
    s = structure
    # 1. Events: random leadership turnover.
    turnover = rules.turnover_level(s.turnover_override, levels)
    # Levels are fixed within the month, so the mandate serves turnover, learning and joining.
    mandate = initial_commitment(s, levels)
    newcomer = rules.newcomer_commitment(mandate, levels)
    commitment, understanding, _ = rules.leadership_turnover(
        state.commitment,
        state.understanding,
        state.active,
        newcomer,
        turnover,
        (s.tie_src, s.tie_dst),
        params,
        streams.turnover,
    )
    # 2. Communication.
    closeness = rules.tie_closeness(s, levels)
    probability, intensity = rules.contact_chances(s, levels, params, state.trust, state.active, closeness)
    contact = rules.draw_contacts(probability, streams.contacts)
    depth = np.where(probability > 0, intensity / np.maximum(probability, 1e-12), 1.0)
    reach = rules.understanding_reach(s, params, closeness)
    trust, understanding = rules.apply_contacts(
        state.trust, understanding, contact, params, levels["shared_purpose"], depth, reach
    )
    # 3. Deliberation.
    # Outside its funding window (a donor's project) an actor does not take part at all.
    taking_part = state.active & state.funded
    participation = member_participation(s, levels) * taking_part[..., s.mem_actor]
    member_live = participation > 0
    consensus, viable = rules.programme_consensus(s, levels, params, commitment, understanding, participation)
    status = rules.update_programme_status(state.status, viable)
    running = status == ACTIVE
    # 4. Contribution.
    engaged = participation * running[..., s.mem_prog]
    holdings = (commitment, trust, state.stock, state.budget)
    amount, reciprocity, observed = rules.contributions(
        s, levels, params, holdings, consensus, engaged, calendar.months_left, streams.defection
    )
    stock = rules.spend(state.stock, amount, s)
    # Kept per actor for agent-level data (the Mesa DataCollector); spend() sums the same way.
    contributed = rules.pool_by(amount, s.mem_actor, s.n_actors)
    pooled = rules.pool_by(amount, s.mem_prog, s.n_programmes)
    # 5. Production.
    capacity = rules.actor_capacity(s, levels)
    joint = rules.joint_capacity(s, levels, params, capacity, participation)
    efficiency = rules.coordination_efficiency(s, params, capacity, understanding, participation, joint)
    performance = rules.programme_performance(pooled, s.prog_need, efficiency, running, params)
    # 6. Learning.
    floor = rules.trust_floor(closeness, params)
    trust = rules.update_trust(s, levels, params, trust, reciprocity, observed, engaged, floor)
    live_programme = running | (status == DORMANT)
    benefit, involved = rules.realised_benefit(s, performance, member_live, live_programme)
    facilitated = rules.facilitation(s, levels, params, member_live, live_programme)
    setpoint = rules.affective_setpoint(s, params, mandate, closeness)
    learned = rules.update_commitment(levels, params, commitment, benefit, involved, facilitated, setpoint)
    commitment = np.where(state.active, learned, commitment)
    # 7. Decay and renewal.
    present = state.active[..., s.tie_src] & state.active[..., s.tie_dst]
    # Only partners who have met remember each other's ways: a latent tie (a structural hole) has no floor.
    remembered = params.memory_weight * closeness * (s.tie_kind != LATENT)
    trust, understanding = rules.decay_ties(trust, understanding, contact | ~present, floor, params, remembered)
    budget = state.budget
    if calendar.renew:
        budget = rules.yearly_endowment(s, levels, state.active, state.funded, rules.budget_lines(s, status))
        stock = budget
    # 8. Growth.
    streak = rules.update_streaks(state.streak, performance, status, params)
    status, streak, opened = rules.open_new_sector(status, streak, levels, params, streams.sectors, viable)
    reputation = rules.update_reputation(state.reputation, performance, status, params)
    active, joined = rules.partners_join(state.active, state.prospective, reputation, params, streams.joining)
    status = rules.open_partner_programmes(status, joined, s)
    if np.any(joined):
        months_left = 12 if calendar.renew else calendar.months_left - 1
        fresh = rules.yearly_endowment(s, levels, joined, state.funded, rules.budget_lines(s, status))
        budget = np.where(joined[..., None], fresh, budget)
        stock = np.where(joined[..., None], fresh * months_left / 12.0, stock)
        commitment = np.where(joined, mandate, commitment)
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
        contributed=contributed,
        status=status,
        streak=streak,
        performance=performance,
        consensus=consensus,
        pooled=pooled,
        reputation=reputation,
        partners_joined=state.partners_joined + np.sum(joined, axis=-1),
        sectors_opened=state.sectors_opened + opened,
    )
