"""Kernel counterpart of `colabsim.model.timeline`: scheduled events as a table, and applying one.

`encode_timeline` turns a scenario's events into an `EventTable` (one row per factor set or per
actor or programme event: month, event number, action, target index, value), in the order the
numpy `Timeline` applies them. `apply_event` applies the rows of one event to one run, as
`colabsim.model.timeline.apply_event` does; a run's held factors (`held`, a boolean row in
`FACTOR_ORDER`) keep their values.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from colabsim.model.kernel import renewal
from colabsim.model.kernel._jit import njit
from colabsim.model.kernel.engine import RunState, initial_commitment
from colabsim.model.kernel.layout import ACTIVE, FACTOR_ORDER, OFF, KernelStructure, Work
from colabsim.model.kernel.segments import clip
from colabsim.model.structure import Structure
from colabsim.model.timeline import BUDGET_FACTORS
from colabsim.scenario.loader import Scenario

__all__ = ["ACTIONS", "EventTable", "apply_event", "encode_timeline"]

#: Action codes of an event row. A ``set_factors`` event is one row per factor (a factor that sets
#: budgets, `colabsim.model.timeline.BUDGET_FACTORS`, as ``set_budget_factor``).
ACTIONS: tuple[str, ...] = (
    "set_factor",
    "set_budget_factor",
    "add_actor",
    "remove_actor",
    "invite_actor",
    "start_funding",
    "stop_funding",
    "open_programme",
    "close_programme",
)
(
    SET_FACTOR,
    SET_BUDGET_FACTOR,
    ADD_ACTOR,
    REMOVE_ACTOR,
    INVITE_ACTOR,
    START_FUNDING,
    STOP_FUNDING,
    OPEN_PROGRAMME,
    CLOSE_PROGRAMME,
) = range(9)


class EventTable(NamedTuple):
    """A timeline as rows sorted by month (then file order): which event, what, on what, to what."""

    month: np.ndarray
    event: np.ndarray
    action: np.ndarray
    target: np.ndarray
    value: np.ndarray


def encode_timeline(scenario: Scenario, structure: Structure) -> EventTable:
    """The scenario's events within its horizon as an `EventTable`."""
    rows: list[tuple[int, int, int, int, float]] = []
    horizon = scenario.horizon_months
    for number, event in enumerate(scenario.spec.events):
        month = scenario.month_index(event.at)
        if not 0 <= month < horizon:
            continue
        if event.action == "set_factors":
            for name, value in event.factors.items():
                action = SET_BUDGET_FACTOR if name in BUDGET_FACTORS else SET_FACTOR
                rows.append((month, number, action, FACTOR_ORDER.index(name), float(value)))
        elif event.actor is not None:
            rows.append((month, number, ACTIONS.index(event.action), structure.actor_ids.index(event.actor), 0.0))
        else:
            target = structure.programme_ids.index(str(event.programme))
            rows.append((month, number, ACTIONS.index(event.action), target, 0.0))
    rows.sort(key=lambda row: (row[0], row[1]))  # stable: a set_factors event keeps its order
    columns = list(zip(*rows, strict=True)) if rows else [(), (), (), (), ()]
    return EventTable(
        month=np.array(columns[0], dtype=np.int64),
        event=np.array(columns[1], dtype=np.int64),
        action=np.array(columns[2], dtype=np.int64),
        target=np.array(columns[3], dtype=np.int64),
        value=np.array(columns[4], dtype=np.float64),
    )


@njit
def apply_event(
    structure: KernelStructure,
    state: RunState,
    levels: np.ndarray,
    held: np.ndarray,
    months_left: int,
    events: EventTable,
    first: int,
    work: Work,
) -> int:
    """Apply the event whose rows start at row `first` to one run; return the row after it."""
    s = structure
    stop = first
    while stop < events.month.shape[0] and events.event[stop] == events.event[first]:
        stop += 1
    action = events.action[first]
    target = events.target[first]
    lines = work.actors[7]
    window = work.actor_types[1]
    if action in (SET_FACTOR, SET_BUDGET_FACTOR):
        rescale = False
        for row in range(first, stop):
            factor = events.target[row]
            if not held[factor]:
                levels[factor] = events.value[row]
                rescale = rescale or events.action[row] == SET_BUDGET_FACTOR
        if rescale:
            # A budget revision: this year's budgets follow the new levels, keeping the share left.
            renewal.budget_lines(s, state.status, lines)
            renewal.yearly_endowment(s, levels, state.active, state.funded, lines, window)
            for i in range(s.n_actors):
                for k in range(4):
                    old = state.budget[i, k]
                    share = state.stock[i, k] / old if old > 0 else 0.0
                    left = clip(share, 0.0, 1.0) if old > 0 else months_left / 12.0
                    state.budget[i, k] = window[i, k]
                    state.stock[i, k] = window[i, k] * left
    elif action == ADD_ACTOR:
        renewal.budget_lines(s, state.status, lines)
        present = work.actor_flags[0]
        for i in range(s.n_actors):
            present[i] = state.active[i] or i == target
        renewal.yearly_endowment(s, levels, present, state.funded, lines, window)
        state.active[target] = True
        state.commitment[target] = initial_commitment(s, levels, work.actors[5])[target]
        for k in range(4):
            state.budget[target, k] = window[target, k]
            state.stock[target, k] = window[target, k] * months_left / 12.0
    elif action == INVITE_ACTOR:
        state.prospective[target] = True
    elif action == REMOVE_ACTOR:
        state.active[target] = False
        for k in range(4):
            state.stock[target, k] = 0.0
    elif action in (START_FUNDING, STOP_FUNDING):
        state.funded[target] = action == START_FUNDING
        renewal.budget_lines(s, state.status, lines)
        renewal.yearly_endowment(s, levels, state.active, state.funded, lines, window)
        for k in range(4):
            state.budget[target, k] = window[target, k]
            state.stock[target, k] = window[target, k] * months_left / 12.0
    elif action == OPEN_PROGRAMME:
        state.status[target] = ACTIVE
    elif action == CLOSE_PROGRAMME:
        state.status[target] = OFF
    return stop
