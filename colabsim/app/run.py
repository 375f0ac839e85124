"""One run of a scenario in the dashboard: the model, its seed, start values and what was done to it.

`Run` is plain Python (no web framework); `colabsim.app.session.Dashboard` holds one or two and
steps them under its lock. A run's log of changes (`LogEntry`) replays exactly: the model is
deterministic for a seed, so the same scenario, seed and changes at the same months give the same
run (`Run.undo` and a slider drag within one month rebuild the run that way). `Run.view` takes a
consistent copy of what the page shows (`RunView`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from colabsim.app.catalog import Choice
from colabsim.app.i18n import N_, Msg, Translator, translator
from colabsim.app.interventions import INTERVENTIONS, Plan, apply_events, factor_event, factor_label, plan
from colabsim.app.interventions import TEXT as PLAN_TEXT
from colabsim.model.collaboration import CollaborationModel
from colabsim.scenario.factors import FACTORS
from colabsim.scenario.loader import Scenario
from colabsim.scenario.schema import EventSpec

__all__ = ["MARK_KINDS", "LogEntry", "Run", "RunView"]

#: Kinds of marks on the time axis and lines in the log: the scenario's scheduled events (applied,
#: or overridden by a change of the trainer's), and the trainer's changes.
MARK_KINDS = ("scheduled", "overridden", "intervention")

_BUILDS = itertools.count(1)

#: The log's wording (English; translated where shown).
TEXT = {
    "still_apply": N_("{text} (scheduled events still apply)"),
    "overridden": N_("{text}: overridden ({held})"),
    "kept": N_("{name} kept by {by}"),
    "start value": N_("its start value"),
    "intervention of": N_("your change of {date}"),
    "slider": N_("{name} {before} → {after}"),
}


def _held_by(by: str) -> Msg:
    """What holds a target against a scheduled event, as the model says it, to translate."""
    if by == "start value":
        return Msg(TEXT["start value"])
    if by.startswith("intervention of "):
        return Msg.of(TEXT["intervention of"], date=by.removeprefix("intervention of "))
    return Msg(by)


def _describe(event: EventSpec, overridden: tuple[tuple[str, str], ...]) -> tuple[Msg, str]:
    """A scheduled event's line in the log and its kind (see `MARK_KINDS`)."""
    text = Msg(event.note or event.action.replace("_", " "))
    if not overridden:
        return text, MARK_KINDS[0]
    held = tuple(
        Msg.of(TEXT["kept"], name=Msg(target.split(":", 1)[1].replace("_", " ")), by=_held_by(by))
        for target, by in overridden
    )
    return Msg.of(TEXT["overridden"], text=text, held=held), MARK_KINDS[1]


@dataclass(frozen=True)
class LogEntry:
    """Something done to a run during it: an intervention or a factor changed with a slider.

    Attributes:
        month: The month from which it acts.
        text: What was done (translated where shown).
        events: The events applied.
        let_scheduled: Whether the scenario's later scheduled events on the same things still apply.
        factor: The factor a slider moved ("" for an intervention button).
        intervention: The intervention button pressed ("" for a slider).
    """

    month: int
    text: Msg
    events: tuple[EventSpec, ...]
    let_scheduled: bool = False
    factor: str = ""
    intervention: str = ""


@dataclass(frozen=True, eq=False)
class RunView:
    """A consistent copy of what the page shows of one run (taken under the session's lock).

    Attributes:
        key: Changes whenever anything shown changes (for caching figures).
        title: The scenario's name.
        short: A short name (the scenario file's name).
        seed: The run's seed.
        month: Months simulated so far (the next month to simulate).
        horizon: Months in the run.
        date: The current month, e.g. ``"Feb 2006"``.
        start: (year, month) of month 0.
        timeseries: Monthly metrics so far (`CollaborationModel.timeseries`).
        actors: Actors now (`CollaborationModel.actors_table`).
        ties: Ties now (`CollaborationModel.ties_table`).
        levels: Factor levels in force.
        marks: (month, text, kind) for scheduled events and interventions, translated; kind is one
            of `MARK_KINDS`.
        start_values: Factors set before the run (held for the whole run).
        scenario: The scenario run (names, roles and sectors for the charts' tooltips).
        tr: The session's language (for the charts' words, numbers and dates).
        axis: The time charts' span, (year, month) of its first month and its length in months, if
            not the run's own (side by side: the shared calendar).
    """

    key: tuple[Any, ...]
    title: str
    short: str
    seed: int
    month: int
    horizon: int
    date: str
    start: tuple[int, int]
    timeseries: pd.DataFrame
    actors: pd.DataFrame
    ties: pd.DataFrame
    levels: dict[str, float]
    marks: tuple[tuple[int, str, str], ...]
    start_values: dict[str, float]
    scenario: Scenario
    tr: Translator
    axis: tuple[tuple[int, int], int] | None = None

    @property
    def finished(self) -> bool:
        """Whether the run has reached its horizon."""
        return self.month >= self.horizon

    @property
    def run_key(self) -> tuple[Any, ...]:
        """Changes when the run restarts or the language changes (not every month): for a chart's fixed part."""
        return (*self.key[:3], self.tr.language)


@dataclass
class Run:
    """One run of a scenario: the model, its seed, its start values and what was done to it.

    `tr` is the session's language: the dates and texts the run gives are in it.
    """

    choice: Choice
    seed: int
    start_values: dict[str, float] = field(default_factory=dict)
    tr: Translator = field(default_factory=translator)

    def __post_init__(self) -> None:
        """Build the model."""
        self.version = 0
        self._build()

    @property
    def scenario(self) -> Scenario:
        """The scenario as run: the chosen one with the start values held (`Scenario.with_factors`)."""
        scenario = self.choice.scenario
        return scenario.with_factors(**self.start_values) if self.start_values else scenario

    def _build(self, replay: list[LogEntry] | None = None) -> None:
        self.model = CollaborationModel(self.scenario, rng=self.seed)
        self.build = next(_BUILDS)
        self.log: list[LogEntry] = []
        for entry in replay or []:
            self._advance_to(entry.month)
            apply_events(self.model, entry.events, let_scheduled=entry.let_scheduled)
            self.log.append(entry)
        self.version += 1

    def _advance_to(self, month: int) -> None:
        while self.model.month < min(month, self.horizon):
            self.model.step()

    def _replay(self, log: list[LogEntry], month: int) -> None:
        """The same run with only the changes in `log`, back at `month` (the model is deterministic)."""
        self._build(replay=log)
        self._advance_to(month)

    @property
    def month(self) -> int:
        """Months simulated so far."""
        return int(self.model.month)

    @property
    def horizon(self) -> int:
        """Months in the run."""
        return int(self.model.horizon)

    @property
    def finished(self) -> bool:
        """Whether the run has reached its horizon."""
        return self.month >= self.horizon

    @property
    def date(self) -> str:
        """The current month (the next to simulate), or the last month once finished."""
        return self.date_of(self.month)

    def date_of(self, month: int) -> str:
        """Month index `month` as shown, e.g. ``"Feb 2006"`` (the last month for one past the end)."""
        return self.tr.month(self.choice.scenario.start, min(month, self.horizon - 1))

    def step(self, months: int = 1) -> None:
        """Simulate up to `months` months (fewer at the horizon)."""
        for _ in range(months):
            if self.finished:
                break
            self.model.step()
        self.version += 1

    def reset(self, seed: int | None = None) -> None:
        """Back to month 0 (with a new seed if given), keeping the start values."""
        if seed is not None:
            self.seed = seed
        self._build()

    def set_factor(self, name: str, value: float, let_scheduled: bool = False) -> None:
        """Move factor `name` to `value`: a start value at month 0, else a change from this month on.

        A change in the same month as the last one, on the same factor, replaces it (a drag is one
        change): the run is replayed without it first.
        """
        factor = FACTORS[name]
        value = round(min(max(float(value), factor.low), factor.high), 2)
        if self.month == 0:
            if abs(value - self.choice.scenario.factors[name]) < 1e-9:
                self.start_values.pop(name, None)
            else:
                self.start_values[name] = value
            self._build(replay=self.log)
            return
        last = self.log[-1] if self.log else None
        if last is not None and last.factor == name and last.month == self.month:
            self._replay(self.log[:-1], self.month)
        before = float(self.model.levels[name])
        if abs(value - before) > 1e-9:
            event = factor_event(self.model, name, value, "slider")
            apply_events(self.model, [event], let_scheduled=let_scheduled)
            text = Msg.of(TEXT["slider"], name=factor_label(name), before=before, after=value)
            self.log.append(LogEntry(self.month, text, (event,), let_scheduled, factor=name))
        self.version += 1

    def undo(self) -> bool:
        """Take back the last change (replaying the run without it); False if there was none."""
        if not self.log:
            return False
        self._replay(self.log[:-1], self.month)
        return True

    def clear_start_values(self) -> None:
        """Drop the start values and restart from month 0 with the scenario's own values."""
        self.start_values = {}
        self._build()

    def plans(self) -> dict[str, Plan]:
        """What each intervention button would do now."""
        if self.finished:
            return {i.key: Plan(i.key, False, Msg(PLAN_TEXT["ended"])) for i in INTERVENTIONS}
        return {i.key: plan(i.key, self.model) for i in INTERVENTIONS}

    def intervene(self, key: str, let_scheduled: bool = False) -> Plan:
        """Press intervention `key`: apply its events now if it can act (else do nothing)."""
        what = self.plans()[key]
        if what.enabled:
            apply_events(self.model, what.events, let_scheduled=let_scheduled)
            self.log.append(LogEntry(self.month, what.summary, what.events, let_scheduled, intervention=key))
            self.version += 1
        return what

    @property
    def at_risk(self) -> bool:
        """Whether restarting would lose something: months simulated, changes or start values."""
        return self.month > 0 or bool(self.log) or bool(self.start_values)

    def _scheduled(self) -> list[tuple[int, Msg, str]]:
        """The scenario's events as (month, text, kind): applied ones as recorded, later ones as they stand."""
        scenario = self.choice.scenario
        done = [(r.month, r.event, r.overridden) for r in self.model.events if r.scheduled]
        later = [(m, e) for e in scenario.spec.events if (m := scenario.month_index(e.at)) >= self.month]
        rows = done + [(m, e, self.model.overrides(e)) for m, e in later]
        return [(month, *_describe(event, overridden)) for month, event, overridden in rows]

    def history(self) -> list[tuple[int, Msg, str]]:
        """The run's log: scheduled events and the trainer's changes as (month, text, kind), by month.

        In a month, the trainer's changes come first: they act at its start, before its scheduled
        events (which they may override).
        """
        changes = [
            (e.month, Msg.of(TEXT["still_apply"], text=e.text) if e.let_scheduled else e.text, MARK_KINDS[2])
            for e in self.log
        ]
        return sorted(changes + self._scheduled(), key=lambda row: (row[0], row[2] != MARK_KINDS[2]))

    def view(self, tr: Translator | None = None) -> RunView:
        """A consistent copy of what the page shows, in the language of `tr` (default: the run's)."""
        tr = tr or self.tr
        scenario = self.choice.scenario
        return RunView(
            key=(self.choice.key, self.seed, self.build, self.version, tr.language),
            title=tr(scenario.name),
            short=self.choice.short,
            seed=self.seed,
            month=self.month,
            horizon=self.horizon,
            date=tr.month(scenario.start, min(self.month, self.horizon - 1)),
            start=scenario.start,
            timeseries=self.model.timeseries(),
            actors=self.model.actors_table(),
            ties=self.model.ties_table(),
            levels={k: float(v) for k, v in self.model.levels.items()},
            marks=tuple((month, tr.render(text), kind) for month, text, kind in self.history()),
            start_values=dict(self.start_values),
            scenario=scenario,
            tr=tr,
        )
