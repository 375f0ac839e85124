"""Scheduled events of a scenario's timeline, applied at the start of their month.

Events are interventions and shocks the scenario names (DESIGN.md process 1): the MoU is renewed
(``set_factors``), an actor joins or leaves, a donor's funding window opens or ends, a programme is
launched or closed. They are rare, so they are applied by plain Python on the state arrays.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from colabsim.model import rules
from colabsim.model.engine import Calendar, State, initial_commitment
from colabsim.model.structure import ACTIVE, OFF, Structure
from colabsim.scenario.loader import Scenario
from colabsim.scenario.schema import EventSpec

__all__ = ["BUDGET_FACTORS", "EventRecord", "Timeline", "apply_event", "targets"]

#: Factors that set budgets: an event changing one rescales this year's budgets at once.
BUDGET_FACTORS = frozenset({*rules.RESOURCE_FACTORS, "central_support"})


#: What an event acts on, by action: a factor, an actor's presence or funding, a programme's status.
_TARGET_KIND = {
    "add_actor": "actor",
    "remove_actor": "actor",
    "invite_actor": "actor",
    "start_funding": "funding",
    "stop_funding": "funding",
    "open_programme": "programme",
    "close_programme": "programme",
}


def targets(event: EventSpec) -> tuple[str, ...]:
    """What `event` acts on, as names a hold can keep.

    ``factor:NAME`` for each factor it sets, ``actor:ID`` (presence), ``funding:ID`` or
    ``programme:ID``.

    Two events with a target in common act on the same thing, so an intervention holding a target
    overrides the scenario's later scheduled events on it (`colabsim.model.CollaborationModel.apply`).
    """
    if event.action == "set_factors":
        return tuple(f"factor:{name}" for name in event.factors)
    kind = _TARGET_KIND[event.action]
    return (f"{kind}:{event.programme if kind == 'programme' else event.actor}",)


@dataclass(frozen=True)
class EventRecord:
    """One event as it happened in a run: scheduled by the scenario or applied during the run.

    Attributes:
        month: The month index it was applied at (the start of that month).
        event: The event.
        scheduled: True for the scenario's timeline, False for an intervention (`apply`).
        overridden: For a scheduled event, (target, by what) for each of its targets that a hold
            kept from changing, e.g. ``("factor:legal_frame", "intervention of 2017-03")``.
        holds: For an intervention, whether it holds its targets against later scheduled events.
    """

    month: int
    event: EventSpec
    scheduled: bool
    overridden: tuple[tuple[str, str], ...] = ()
    holds: bool = False

    @property
    def skipped(self) -> bool:
        """Whether nothing of this scheduled event applied (every target was held)."""
        return bool(self.overridden) and len(self.overridden) == len(targets(self.event))


class Timeline:
    """The scenario's events, indexed by month."""

    def __init__(self, scenario: Scenario) -> None:
        """Index the scenario's events by month index."""
        self._by_month: dict[int, list[EventSpec]] = defaultdict(list)
        for event in scenario.spec.events:
            self._by_month[scenario.month_index(event.at)].append(event)

    def at(self, month: int) -> list[EventSpec]:
        """The events scheduled for `month`, in file order."""
        return list(self._by_month.get(month, []))

    def __len__(self) -> int:
        """Number of events."""
        return sum(len(v) for v in self._by_month.values())


def _set_factors(
    event: EventSpec,
    structure: Structure,
    state: State,
    levels: dict[str, Any],
    calendar: Calendar,
    held: Mapping[str, Any],
) -> tuple[State, dict[str, Any]]:
    def kept(name: str) -> Any:
        return np.logical_not(held.get(name, False))

    new_levels = dict(levels)
    for name, value in event.factors.items():
        old = levels[name]
        # Keep each level's shape: a float for one run, (B, 1) for a batch.
        fresh = np.full(np.shape(old), value) if np.ndim(old) else value
        new_levels[name] = np.where(held[name], old, fresh) if name in held else fresh
    changed = [kept(name) for name in event.factors if name in BUDGET_FACTORS]
    if changed:
        rescale = np.expand_dims(np.logical_or.reduce(changed), -1)
        lines = rules.budget_lines(structure, state.status)
        budget = rules.yearly_endowment(structure, new_levels, state.active, state.funded, lines)
        # Keep the share of the year's budget that is left; a budget of 0 had no year yet.
        share = np.divide(state.stock, state.budget, out=np.zeros_like(budget), where=state.budget > 0)
        left = np.where(state.budget > 0, np.clip(share, 0.0, 1.0), calendar.months_left / 12.0)
        state = replace(
            state,
            budget=np.where(rescale, budget, state.budget),
            stock=np.where(rescale, budget * left, state.stock),
        )
    return state, new_levels


def apply_event(
    event: EventSpec,
    structure: Structure,
    state: State,
    levels: dict[str, Any],
    calendar: Calendar,
    held: Mapping[str, Any] | None = None,
) -> tuple[State, dict[str, Any]]:
    """Apply one event and return the new state and factor levels.

    - ``set_factors``: the named factors take their new values from this month on, except where
      `held` says a factor is held (an override: the run keeps its value). Setting
      ``commitment`` moves the set-point actors' commitment returns to; the state itself follows
      through the dynamics (no event sets an internal state). Changing a resource factor or
      ``central_support`` rescales this year's budgets and what is left of them at once (a cut
      takes effect now, not at the next budget year: a budget revision, which plans the funds
      and materials lines of the programmes live at that month, `colabsim.model.rules.budget_lines`).
    - ``add_actor``: the actor becomes present with its initial commitment and the rest of this
      year's endowment; ``remove_actor``: it leaves and its stock is gone; ``invite_actor``: the
      actor becomes prospective (an offer is on the table): from this month it may join, drawn by
      the city's reputation (`colabsim.model.rules.partners_join`).
    - ``start_funding`` / ``stop_funding``: a donor's window opens (the rest of this year's
      resources, all four types: money, materials, its consultants and their time) or closes at
      once (all four stop).
    - ``open_programme``: the programme becomes active; ``close_programme``: it is switched off.

    The state may carry a leading batch axis; `held` maps a factor name to a bool (or an array of
    shape ``(B, 1)``) telling which runs hold that factor.
    """
    if event.action == "set_factors":
        return _set_factors(event, structure, state, levels, calendar, held or {})
    if event.actor is not None:
        i = structure.actor_ids.index(event.actor)
        one = np.arange(structure.n_actors) == i
        if event.action == "add_actor":
            lines = rules.budget_lines(structure, state.status)
            budget = rules.yearly_endowment(structure, levels, state.active | one, state.funded, lines)
            return replace(
                state,
                active=state.active | one,
                commitment=np.where(one, initial_commitment(structure, levels), state.commitment),
                budget=np.where(one[:, None], budget, state.budget),
                stock=np.where(one[:, None], budget * calendar.months_left / 12.0, state.stock),
            ), levels
        if event.action == "invite_actor":
            return replace(state, prospective=state.prospective | one), levels
        if event.action == "remove_actor":
            return replace(state, active=state.active & ~one, stock=np.where(one[:, None], 0.0, state.stock)), levels
        starting = event.action == "start_funding"
        funded = state.funded | one if starting else state.funded & ~one
        lines = rules.budget_lines(structure, state.status)
        window = rules.yearly_endowment(structure, levels, state.active, funded, lines)
        # The window's resources come (the rest of this year's) or go at once, all four types.
        budget = np.where(one[:, None], window, state.budget)
        stock = np.where(one[:, None], window * calendar.months_left / 12.0, state.stock)
        return replace(state, funded=funded, budget=budget, stock=stock), levels
    p = structure.programme_ids.index(str(event.programme))
    status = state.status.copy()
    status[..., p] = ACTIVE if event.action == "open_programme" else OFF
    return replace(state, status=status), levels
