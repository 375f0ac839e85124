"""The collaboration model as a Mesa model.

`CollaborationModel` builds the structure and initial state from a scenario, creates one Mesa
agent per actor, and each `step` (one month) applies the timeline's events, advances the array
state through the nine processes (`colabsim.model.engine`) and records the metrics.

Interventions (`CollaborationModel.apply`) mean what they say: by default one holds what it acts
on (a factor, an actor's presence or funding, a programme) against the scenario's later scheduled
events on the same thing, which are then recorded as overridden in `CollaborationModel.events`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from colabsim.model.agents import AGENT_CLASSES, Actor, ArrayModel
from colabsim.model.engine import Calendar, State, advance, initial_state, month_label
from colabsim.model.metrics import observe, summarise
from colabsim.model.rules import actor_capacity
from colabsim.model.structure import Structure, build_structure
from colabsim.model.tables import actors_table, programmes_table, ties_table
from colabsim.model.timeline import EventRecord, Timeline, apply_event, targets
from colabsim.scenario.loader import Scenario
from colabsim.scenario.schema import EventSpec

__all__ = ["CollaborationModel"]

SeedLike = int | np.integer | np.random.SeedSequence | np.random.Generator | None


class CollaborationModel(ArrayModel):
    """Agent-based model of a collaboration, set up from a `Scenario`.

    Args:
        scenario: The validated scenario (see `colabsim.load_scenario`).
        rng: Seed or generator for the run's one random number generator (Mesa 3.5's ``rng``).

    Attributes:
        setup: The scenario being simulated. (Mesa reserves ``Model.scenario`` for its own
            experimental Scenario class.)
        structure: Static structure: actors, ties, programmes as index arrays plus a networkx graph.
        state: The current array state.
        levels: The factor levels in force (events may change them).
        month: Months simulated so far.
    """

    def __init__(self, scenario: Scenario, *, rng: SeedLike = None) -> None:
        """Build the model from `scenario` with its own random generator."""
        super().__init__(rng=rng)
        self.setup = scenario
        self.params = scenario.parameters
        self.structure: Structure = build_structure(scenario.spec)
        self.levels: dict[str, Any] = dict(scenario.factors)
        self.timeline = Timeline(scenario)
        self.horizon = scenario.horizon_months
        self.month = 0
        self.state: State = initial_state(self.structure, self.levels, self._calendar(0), self.rng)
        self.actors: list[Actor] = [
            AGENT_CLASSES[spec.kind](self, index, spec) for index, spec in enumerate(scenario.spec.actors)
        ]
        # Overridden factors are held for the whole run: the override is the experiment.
        self._start_holds = frozenset(f"factor:{name}" for name in scenario.overrides)
        # What is held against scheduled events (see `targets`), and by what.
        self._holds: dict[str, str] = dict.fromkeys(sorted(self._start_holds), "start value")
        self._events: list[EventRecord] = []
        self._records: list[dict[str, float]] = []
        self._programme_records: list[np.ndarray] = []

    def _calendar(self, month: int) -> Calendar:
        return Calendar.at(self.setup.start, month)

    def apply(self, event: EventSpec, *, let_scheduled: bool = False) -> None:
        """Apply `event` now, at the start of the month about to be simulated (an intervention).

        Unlike the scenario's timeline, it applies even to factors held by `Scenario.with_factors`:
        the one applying it means it. By default it also holds what it acts on (each factor it
        sets, the actor's presence or funding, the programme; see
        `colabsim.model.timeline.targets`): the scenario's later scheduled events on the same thing
        do not undo it and are recorded as overridden. Renewing Darwin's agreement in 2017 thus
        stays renewed through the scheduled lapse of 2018-07.

        Args:
            event: The event; its ``at`` is ignored (it acts from ``self.month``).
            let_scheduled: Let the scenario's later scheduled events on the same things still
                apply, as if the intervention were one more scheduled event. This also releases
                the holds of earlier interventions on them (not those of start values).
        """
        self.state, self.levels = apply_event(
            event, self.structure, self.state, self.levels, self._calendar(self.month)
        )
        by = f"intervention of {self.date_of(self.month)}"
        for target in targets(event):
            if not let_scheduled:
                self._holds[target] = by
            elif target not in self._start_holds:
                self._holds.pop(target, None)
        self._events.append(EventRecord(self.month, event, scheduled=False, holds=not let_scheduled))

    def overrides(self, event: EventSpec) -> tuple[tuple[str, str], ...]:
        """The holds that would keep `event` from acting if the timeline applied it now.

        Returns:
            (target, by what) for each target of `event` that is held, e.g.
            ``(("factor:legal_frame", "intervention of 2017-03"),)``; empty if it would apply.
        """
        return tuple((t, self._holds[t]) for t in targets(event) if t in self._holds)

    @property
    def events(self) -> list[EventRecord]:
        """Every event applied so far, scheduled or intervention, in the order applied."""
        return list(self._events)

    def _scheduled(self, event: EventSpec, calendar: Calendar) -> None:
        """Apply a timeline event, except what is held; record it with what was overridden."""
        overridden = self.overrides(event)
        self._events.append(EventRecord(self.month, event, scheduled=True, overridden=overridden))
        if event.action == "set_factors":
            held = {name: True for name in event.factors if f"factor:{name}" in self._holds}
        elif overridden:
            return
        else:
            held = {}
        self.state, self.levels = apply_event(event, self.structure, self.state, self.levels, calendar, held)

    def date_of(self, month: int) -> str:
        """The calendar month (``YYYY-MM``) of month index `month`."""
        return month_label(self.setup.start, month)

    @property
    def capacity(self) -> np.ndarray:
        """Coordination capacity by actor under the current factor levels."""
        return actor_capacity(self.structure, self.levels)

    def step(self) -> None:
        """Simulate one month: events, processes 1-8, then observation."""
        month = self.month
        calendar = self._calendar(month)
        for event in self.timeline.at(month):
            self._scheduled(event, calendar)
        self.state = advance(self.structure, self.state, self.levels, self.params, calendar, self.rng)
        row = {name: float(value) for name, value in observe(self.structure, self.state).items()}
        row["step"] = float(month)
        self._records.append(row)
        self._programme_records.append(self.state.performance.copy())
        self.month += 1
        if self.month >= self.horizon:
            self.running = False

    def run(self) -> CollaborationModel:
        """Step until the scenario's horizon and return the model."""
        while self.running:
            self.step()
        return self

    def timeseries(self) -> pd.DataFrame:
        """Monthly metrics so far: one row per month, columns ``step``, ``date`` and the metrics."""
        frame = pd.DataFrame.from_records(self._records)
        if frame.empty:
            return frame
        frame["step"] = frame["step"].astype(int)
        frame.insert(1, "date", [self.date_of(m) for m in frame["step"]])
        return frame.set_index("step").reset_index()

    def programme_performance(self) -> pd.DataFrame:
        """Monthly performance of each programme (long format: step, programme, sector, performance)."""
        values = np.vstack(self._programme_records) if self._programme_records else np.zeros((0, 0))
        return programmes_table(self.structure, values)

    def actors_table(self) -> pd.DataFrame:
        """The actors now: id, name, kind, side, active, commitment, capacity."""
        return actors_table(self.structure, self.state, self.capacity)

    def ties_table(self) -> pd.DataFrame:
        """The ties now: source, target, kind, trust, understanding, months since last contact."""
        return ties_table(self.structure, self.state)

    def summary(self) -> dict[str, float]:
        """Per-run summary metrics (see `colabsim.model.metrics.summarise`)."""
        return summarise(self.timeseries())
