"""Scheduled events of a scenario's timeline, applied at the start of their month.

Events are interventions and shocks the scenario names (DESIGN.md process 1): the MoU is renewed
(``set_factors``), an actor joins or leaves, a donor's funding window opens or ends, a programme is
launched or closed. They are rare, so they are applied by plain Python on the state arrays.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Any

import numpy as np

from colabsim import rules
from colabsim.engine import Calendar, State, initial_commitment
from colabsim.scenario import Scenario
from colabsim.schema import EventSpec
from colabsim.structure import ACTIVE, OFF, Structure

__all__ = ["BUDGET_FACTORS", "Timeline", "apply_event"]

#: Factors that set budgets: an event changing one rescales this year's budgets at once.
BUDGET_FACTORS = frozenset({*rules.RESOURCE_FACTORS, "central_support"})


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


def apply_event(
    event: EventSpec,
    structure: Structure,
    state: State,
    levels: dict[str, Any],
    calendar: Calendar,
) -> tuple[State, dict[str, Any]]:
    """Apply one event and return the new state and factor levels.

    - ``set_factors``: the named factors take their new values from this month on. Setting
      ``commitment`` also lifts every present actor's commitment to at least the new level (a
      recommitment, e.g. a new team with a mandate). Changing a resource factor or
      ``central_support`` rescales this year's budgets and what is left of them at once (a cut
      takes effect now, not at the next budget year).
    - ``add_actor``: the actor becomes present with its initial commitment and the rest of this
      year's endowment; ``remove_actor``: it leaves and its stock is gone.
    - ``start_funding`` / ``stop_funding``: the actor's money flows again (the rest of this year's
      funds) or stops at once.
    - ``open_programme``: the programme becomes active; ``close_programme``: it is switched off.
    """
    if event.action == "set_factors":
        new_levels = {**levels, **event.factors}
        if "commitment" in event.factors:
            lifted = np.maximum(state.commitment, initial_commitment(structure, new_levels))
            state = replace(state, commitment=np.where(state.active, lifted, state.commitment))
        if BUDGET_FACTORS & set(event.factors):
            budget = rules.yearly_endowment(structure, new_levels, state.active, state.funded)
            # Keep the share of the year's budget that is left; a budget of 0 had no year yet.
            share = np.divide(state.stock, state.budget, out=np.zeros_like(budget), where=state.budget > 0)
            left = np.where(state.budget > 0, np.clip(share, 0.0, 1.0), calendar.months_left / 12.0)
            stock = budget * left
            state = replace(state, budget=budget, stock=stock)
        return state, new_levels
    if event.actor is not None:
        i = structure.actor_ids.index(event.actor)
        one = np.zeros(structure.n_actors, dtype=bool)
        one[i] = True
        if event.action == "add_actor":
            budget = rules.yearly_endowment(structure, levels, one, state.funded)
            return replace(
                state,
                active=state.active | one,
                commitment=np.where(one, initial_commitment(structure, levels), state.commitment),
                budget=np.where(one[:, None], budget, state.budget),
                stock=np.where(one[:, None], budget * calendar.months_left / 12.0, state.stock),
            ), levels
        if event.action == "remove_actor":
            return replace(state, active=state.active & ~one, stock=np.where(one[:, None], 0.0, state.stock)), levels
        funded = state.funded | one if event.action == "start_funding" else state.funded & ~one
        stock, budget = state.stock.copy(), state.budget.copy()
        if event.action == "start_funding":
            budget[i, 0] = rules.yearly_endowment(structure, levels, one & state.active, funded)[i, 0]
            stock[i, 0] = budget[i, 0] * calendar.months_left / 12.0
        else:
            stock[i, 0] = 0.0
            budget[i, 0] = 0.0
        return replace(state, funded=funded, budget=budget, stock=stock), levels
    p = structure.programme_ids.index(str(event.programme))
    status = state.status.copy()
    status[p] = ACTIVE if event.action == "open_programme" else OFF
    return replace(state, status=status), levels
