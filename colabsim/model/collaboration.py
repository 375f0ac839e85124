"""The collaboration model as a Mesa model.

`CollaborationModel` builds the structure and initial state from a scenario, creates one Mesa
agent per actor, and each `step` (one month) applies the timeline's events, advances the array
state through the nine processes (`colabsim.model.engine`) and records the metrics
(`colabsim.model.records`). Its `datacollector` is a `mesa.DataCollector` filled from those records
when read, so ``mesa.batch_run(CollaborationModel, {"scenario": scenario}, rng=seeds)`` works.

Interventions (`CollaborationModel.apply`) mean what they say: by default one holds what it acts
on (a factor, an actor's presence or funding, a programme) against the scenario's later scheduled
events on the same thing, which are then recorded as overridden in `CollaborationModel.events`.
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np
import pandas as pd

from colabsim.model import kernel
from colabsim.model.agents import AGENT_CLASSES, Actor, ArrayModel
from colabsim.model.engine import Calendar, State, advance, initial_state, month_label
from colabsim.model.metrics import observe, summarise_series
from colabsim.model.records import RunRecord, fill_collector, new_collector
from colabsim.model.rules import actor_capacity
from colabsim.model.streams import RunSeed, run_streams
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
        rng: The run's seed (Mesa 3.5's ``rng``). An integer or SeedSequence seeds the model's
            noise streams (`colabsim.model.streams`: the same numbers as a batch run with that
            seed); a Generator, or None for fresh entropy, gives them a seed drawn from it.
        source_seeds: Seeds for some noise sources instead of `rng`
            (`colabsim.model.streams.source_sequences`).
        record_agents: Keep each month's per-actor state for `datacollector`'s agent records.

    Attributes:
        setup: The scenario being simulated. (Mesa reserves ``Model.scenario`` for its own
            experimental Scenario class.)
        structure: Static structure: actors, ties, programmes as index arrays plus a networkx graph.
        state: The current array state.
        levels: The factor levels in force (events may change them).
        month: Months simulated so far.
        streams: The run's random streams, one per noise source.
        record: The monthly records (`colabsim.model.records.RunRecord`).
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        rng: SeedLike = None,
        source_seeds: dict[str, RunSeed] | None = None,
        record_agents: bool = True,
    ) -> None:
        """Build the model from `scenario` with its own random streams."""
        super().__init__(rng=rng)
        seed: RunSeed
        if isinstance(rng, np.random.SeedSequence) or (isinstance(rng, int | np.integer) and not isinstance(rng, bool)):
            seed = rng
        else:
            # A generator (or fresh entropy): the streams are seeded from it, reproducibly for a seeded one.
            seed = int(self.rng.integers(2**63))
        self.streams = run_streams(seed, source_seeds)
        self.setup = scenario
        self.params = scenario.parameters
        self.structure: Structure = build_structure(scenario.spec)
        self.levels: dict[str, Any] = dict(scenario.factors)
        self.timeline = Timeline(scenario)
        self.horizon = scenario.horizon_months
        self.month = 0
        self.state: State = initial_state(self.structure, self.levels, self._calendar(0))
        self.actors: list[Actor] = [
            AGENT_CLASSES[spec.kind](self, index, spec) for index, spec in enumerate(scenario.spec.actors)
        ]
        # Overridden factors are held for the whole run: the override is the experiment.
        self._start_holds = frozenset(f"factor:{name}" for name in scenario.overrides)
        # What is held against scheduled events (see `targets`), and by what.
        self._holds: dict[str, str] = dict.fromkeys(sorted(self._start_holds), "start value")
        self._events: list[EventRecord] = []
        self.record = RunRecord(self.structure, agents=record_agents)
        self._collector: mesa.DataCollector | None = None
        # With numba, a month is the compiled kernel's (the one whole runs use); else the numpy engine's.
        self._kernel_month: Any = None
        if kernel.available():
            from colabsim.model.kernel.bridge import MonthKernel

            self._kernel_month = MonthKernel(self.structure, self.params)

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
        if self._kernel_month is not None:
            self.state, row = self._kernel_month.month(self.state, self.levels, calendar, self.streams)
            self.record.add_row(self._kernel_month.names, row, self.state)
        else:
            self.state = advance(self.structure, self.state, self.levels, self.params, calendar, self.streams)
            self.record.add(observe(self.structure, self.state), self.state)
        self.month += 1
        if self.month >= self.horizon:
            self.running = False

    def run(self) -> CollaborationModel:
        """Step until the scenario's horizon and return the model."""
        while self.running:
            self.step()
        return self

    @property
    def datacollector(self) -> mesa.DataCollector:
        """The run so far as a `mesa.DataCollector`, brought up to date when read.

        Model variables: every metric of `timeseries` (same names); agent variables: each actor's
        ``actor_trust`` (mean over its ties), ``actor_commitment``, ``actor_contribution`` (all it
        gave that month) and ``actor_active``. Collection ``t`` is the state after ``t`` months
        (``model.time``), i.e. row ``step = t - 1`` of `timeseries`. Filled from the engine's
        records, not by reporters.

        Raises:
            RuntimeError: If the model was built with ``record_agents=False``.
        """
        if self._collector is None:
            names = self.record.names or tuple(observe(self.structure, self.state))
            self._collector = new_collector(names)
        fill_collector(self._collector, self.record, [actor.unique_id for actor in self.actors])
        return self._collector

    def timeseries(self) -> pd.DataFrame:
        """Monthly metrics so far: one row per month, columns ``step``, ``date`` and the metrics."""
        months = self.record.months
        if months == 0:
            return pd.DataFrame()
        columns: dict[str, Any] = {"step": np.arange(months), "date": [self.date_of(m) for m in range(months)]}
        columns.update(self.record.series())
        return pd.DataFrame(columns)

    def programme_performance(self) -> pd.DataFrame:
        """Monthly performance of each programme (long format: step, programme, sector, performance)."""
        return programmes_table(self.structure, self.record.programme_values())

    def actors_table(self) -> pd.DataFrame:
        """The actors now: id, name, kind, side, active, commitment, capacity."""
        return actors_table(self.structure, self.state, self.capacity)

    def ties_table(self) -> pd.DataFrame:
        """The ties now: source, target, kind, trust, understanding, months since last contact."""
        return ties_table(self.structure, self.state)

    def summary(self) -> dict[str, float]:
        """Per-run summary metrics (see `colabsim.model.metrics.summarise_series`), from the records."""
        return {name: float(value) for name, value in summarise_series(self.record.series(), self.setup.window).items()}
