"""One browser session of the dashboard: its runs, and what the trainer does to them.

A `Dashboard` holds one `Run` (or two, side by side, with the same seed) and everything the page
can do: step, play, reset, pick a scenario or load a file, set the seed, move a factor slider,
press an intervention button. It is plain Python (no web framework), so tests drive it directly,
and it is thread-safe: the play loop steps the runs in a thread while the page reads them.

Semantics a trainer can rely on:

- *Sliders* show the factor levels in force now. Moving one before the first step sets the run's
  start value: the model is rebuilt with it, and it holds for the whole run (the scenario's own
  events on that factor are skipped, as with ``colabsim run --set``). Moving one during the run
  changes the factor from the current month on, as a scenario event would; dragging back and forth
  within one month counts as one change.
- *Interventions* are scenario events applied at the current month (`colabsim.app.interventions`).
  They (and mid-run slider changes) hold what they act on: the scenario's later scheduled events on
  the same factor or actor are overridden and shown so in the log, unless "let scheduled events
  still apply" is ticked (`Dashboard.let_scheduled`, `CollaborationModel.apply`).
- *Undo* takes back the last change: the run is replayed from month 0 with the same scenario,
  seed and changes minus the last, to the month it was at. The model is deterministic for a seed,
  so the replay is exactly the run without that change.
- *Reset* restarts every run from month 0 with the same seed and start values; interventions and
  mid-run changes are cleared. The same seed and the same actions at the same months give the
  same run.
"""

from __future__ import annotations

import calendar
import itertools
import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from colabsim.app.catalog import Catalog, Choice
from colabsim.app.interventions import INTERVENTIONS, Plan, apply_events, factor_event, plan
from colabsim.model.collaboration import CollaborationModel
from colabsim.scenario.factors import FACTORS
from colabsim.scenario.loader import Scenario, ScenarioError
from colabsim.scenario.schema import EventSpec

__all__ = ["MARK_KINDS", "SPEEDS", "Controls", "Dashboard", "LogEntry", "Run", "RunView"]

#: Kinds of marks on the time axis and lines in the log: the scenario's scheduled events (applied,
#: or overridden by a change of the trainer's), and the trainer's changes.
MARK_KINDS = ("scheduled", "overridden", "intervention")

#: Play speeds: label -> months simulated per second.
SPEEDS: dict[str, float] = {"slow": 2.0, "normal": 6.0, "fast": 12.0, "fastest": 36.0}
#: Most months simulated between two redraws while playing.
MAX_MONTHS_PER_FRAME = 24
#: Longest wait (seconds) for the page to draw a frame before playing on regardless.
FRAME_TIMEOUT = 5.0
#: Largest seed the page accepts (and draws from for "new seed").
MAX_SEED = 999_999

_BUILDS = itertools.count(1)

#: The log's wording (kept together so it can be translated later).
TEXT = {
    "still_apply": " (scheduled events still apply)",
    "overridden": "{text}: overridden ({held})",
    "kept": "{name} kept by {by}",
    "start value": "its start value",
    "intervention of": "your change of",
}


def _describe(event: EventSpec, overridden: tuple[tuple[str, str], ...]) -> tuple[str, str]:
    """A scheduled event's line in the log and its kind (see `MARK_KINDS`)."""
    text = event.note or event.action.replace("_", " ")
    if not overridden:
        return text, MARK_KINDS[0]
    held = "; ".join(
        TEXT["kept"].format(
            name=target.split(":", 1)[1].replace("_", " "),
            by=TEXT["start value"] if by == "start value" else by.replace("intervention of", TEXT["intervention of"]),
        )
        for target, by in overridden
    )
    return TEXT["overridden"].format(text=text, held=held), MARK_KINDS[1]


def month_label(scenario_start: tuple[int, int], month: int) -> str:
    """``"Feb 2006"`` for month index `month` of a run starting at `scenario_start`."""
    year, first = scenario_start
    total = first - 1 + month
    return f"{calendar.month_abbr[total % 12 + 1]} {year + total // 12}"


@dataclass(frozen=True)
class LogEntry:
    """Something done to a run during it: an intervention or a factor changed with a slider.

    Attributes:
        month: The month from which it acts.
        date: That month, e.g. ``"Feb 2006"``.
        text: What was done.
        events: The events applied.
        let_scheduled: Whether the scenario's later scheduled events on the same things still apply.
        factor: The factor a slider moved ("" for an intervention button).
    """

    month: int
    date: str
    text: str
    events: tuple[EventSpec, ...]
    let_scheduled: bool = False
    factor: str = ""


@dataclass(frozen=True)
class Controls:
    """What the controls show, as plain comparable values (a control redraws only when they change).

    The run-specific fields (plans, log, levels, ...) are those of the run the controls act on.
    """

    playing: bool
    finished: bool
    speed: str
    seed: int
    side_by_side: bool
    target: int
    selected: tuple[str, ...]
    shorts: tuple[str, ...]
    labels: tuple[tuple[str, str], ...]
    file_error: str
    problems: tuple[str, ...]
    plans: tuple[Plan, ...]
    log: tuple[tuple[str, str, str], ...]
    let_scheduled: bool
    can_undo: bool
    at_risk: bool
    levels: tuple[tuple[str, float], ...]
    at_start: bool
    start_values: tuple[tuple[str, float], ...]


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
        marks: (month, text, kind) for scheduled events and interventions; kind is one of
            `MARK_KINDS`.
        start_values: Factors set before the run (held for the whole run).
        scenario: The scenario run (names, roles and sectors for the charts' tooltips).
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

    @property
    def finished(self) -> bool:
        """Whether the run has reached its horizon."""
        return self.month >= self.horizon


@dataclass
class Run:
    """One run of a scenario: the model, its seed, its start values and what was done to it."""

    choice: Choice
    seed: int
    start_values: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Build the model."""
        self.version = 0
        self._build()

    def _build(self, replay: list[LogEntry] | None = None) -> None:
        scenario = self.choice.scenario
        if self.start_values:
            scenario = scenario.with_factors(**self.start_values)
        self.model = CollaborationModel(scenario, rng=self.seed)
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
        return month_label(self.choice.scenario.start, min(month, self.horizon - 1))

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
            text = f"{name} {before:.2f} → {value:.2f}"
            self.log.append(LogEntry(self.month, self.date, text, (event,), let_scheduled, factor=name))
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
            return {i.key: Plan(i.key, False, "The run has ended: press Reset to run it again.") for i in INTERVENTIONS}
        return {i.key: plan(i.key, self.model) for i in INTERVENTIONS}

    def intervene(self, key: str, let_scheduled: bool = False) -> Plan:
        """Press intervention `key`: apply its events now if it can act (else do nothing)."""
        what = self.plans()[key]
        if what.enabled:
            apply_events(self.model, what.events, let_scheduled=let_scheduled)
            self.log.append(LogEntry(self.month, self.date, what.summary, what.events, let_scheduled))
            self.version += 1
        return what

    @property
    def at_risk(self) -> bool:
        """Whether restarting would lose something: months simulated, changes or start values."""
        return self.month > 0 or bool(self.log) or bool(self.start_values)

    def _scheduled(self) -> list[tuple[int, str, str]]:
        """The scenario's events as (month, text, kind): applied ones as recorded, later ones as they stand."""
        scenario = self.choice.scenario
        done = [(r.month, r.event, r.overridden) for r in self.model.events if r.scheduled]
        later = [(m, e) for e in scenario.spec.events if (m := scenario.month_index(e.at)) >= self.month]
        rows = done + [(m, e, self.model.overrides(e)) for m, e in later]
        return [(month, *_describe(event, overridden)) for month, event, overridden in rows]

    def history(self) -> list[tuple[int, str, str]]:
        """The run's log: scheduled events and the trainer's changes as (month, text, kind), by month.

        In a month, the trainer's changes come first: they act at its start, before its scheduled
        events (which they may override).
        """
        changes = [
            (e.month, e.text + (TEXT["still_apply"] if e.let_scheduled else ""), MARK_KINDS[2]) for e in self.log
        ]
        return sorted(changes + self._scheduled(), key=lambda row: (row[0], row[2] != MARK_KINDS[2]))

    def view(self) -> RunView:
        """A consistent copy of what the page shows."""
        scenario = self.choice.scenario
        return RunView(
            key=(self.choice.key, self.seed, self.build, self.version),
            title=scenario.name,
            short=self.choice.short,
            seed=self.seed,
            month=self.month,
            horizon=self.horizon,
            date=self.date,
            start=scenario.start,
            timeseries=self.model.timeseries(),
            actors=self.model.actors_table(),
            ties=self.model.ties_table(),
            levels={k: float(v) for k, v in self.model.levels.items()},
            marks=tuple(self.history()),
            start_values=dict(self.start_values),
            scenario=scenario,
        )


class Dashboard:
    """Everything one browser session sees and does: one run, or two side by side.

    Every public method takes the session's lock, so the play loop (in a thread) and the page's
    event handlers never see a half-done change.

    Args:
        catalog: The scenarios to choose from.
        seed: The seed of the runs.
    """

    def __init__(self, catalog: Catalog, seed: int = 1) -> None:
        """Start with the catalog's default scenario at month 0."""
        self.catalog = catalog
        self.seed = seed
        self.lock = threading.RLock()
        self.runs: list[Run] = [Run(catalog.get(catalog.default_key), seed)]
        self.target = 0
        self.playing = False
        self.speed = "normal"
        self.file_error: str = ""
        self.notice: str = ""
        #: Let the scenario's later scheduled events still apply after a change (the page's checkbox).
        self.let_scheduled = False
        self._drawn = threading.Condition()
        self._last_drawn = 0

    @property
    def side_by_side(self) -> bool:
        """Whether two runs are shown side by side."""
        return len(self.runs) == 2

    @property
    def finished(self) -> bool:
        """Whether every run has reached its horizon."""
        return all(run.finished for run in self.runs)

    @property
    def acting(self) -> Run:
        """The run that sliders and intervention buttons act on."""
        return self.runs[min(self.target, len(self.runs) - 1)]

    def controls(self) -> Controls:
        """What the controls show now."""
        with self.lock:
            acting = self.acting
            return Controls(
                playing=self.playing,
                finished=self.finished,
                speed=self.speed,
                seed=self.seed,
                side_by_side=self.side_by_side,
                target=min(self.target, len(self.runs) - 1),
                selected=tuple(run.choice.key for run in self.runs),
                shorts=tuple(run.choice.short for run in self.runs),
                labels=tuple(self.catalog.labels().items()),
                file_error=self.file_error,
                problems=tuple(self.catalog.problems),
                plans=tuple(acting.plans().values()),
                log=tuple(
                    (acting.date_of(month), text, kind)
                    for month, text, kind in acting.history()
                    if month < acting.month or kind != MARK_KINDS[0]
                ),
                let_scheduled=self.let_scheduled,
                can_undo=bool(acting.log),
                at_risk=self.at_risk,
                levels=tuple((k, float(v)) for k, v in acting.model.levels.items()),
                at_start=acting.month == 0,
                start_values=tuple(acting.start_values.items()),
            )

    @property
    def at_risk(self) -> bool:
        """Whether switching scenario or mode would lose a run (see `Run.at_risk`)."""
        return any(run.at_risk for run in self.runs)

    def views(self) -> list[RunView]:
        """A consistent copy of every run, for drawing."""
        with self.lock:
            return [run.view() for run in self.runs]

    def step(self, months: int = 1) -> None:
        """Advance every run by `months` months (a finished run stays where it is)."""
        with self.lock:
            for run in self.runs:
                run.step(months)

    def reset(self) -> None:
        """Every run back to month 0, same seed and start values; stops playing."""
        with self.lock:
            self.playing = False
            for run in self.runs:
                run.reset(self.seed)

    def set_seed(self, seed: int) -> None:
        """Use `seed` (0 to `MAX_SEED`) and restart every run with it."""
        with self.lock:
            self.seed = min(max(int(seed), 0), MAX_SEED)
            self.reset()

    def new_seed(self) -> int:
        """Draw a new seed, restart with it and return it."""
        self.set_seed(random.SystemRandom().randint(1, MAX_SEED))
        return self.seed

    def choose(self, side: int, key: str) -> None:
        """Show scenario `key` on `side` (0 left, 1 right); every run restarts at month 0."""
        with self.lock:
            self.playing = False
            self.file_error = ""
            if side >= len(self.runs):
                side = len(self.runs) - 1
            self.runs[side] = Run(self.catalog.get(key), self.seed)
            for i, run in enumerate(self.runs):
                if i != side:
                    run.reset(self.seed)

    def upload_file(self, side: int, name: object, data: bytes) -> bool:
        """Show an uploaded scenario file on `side`; on a bad file keep `file_error` and return False.

        Args:
            side: 0 (left) or 1 (right).
            name: The file name the browser gave (only its base name is shown).
            data: The bytes read from the browser (see `colabsim.app.upload.read_limited`).
        """
        with self.lock:
            try:
                choice = self.catalog.upload(name, data)
            except ScenarioError as exc:
                self.file_error = str(exc)
                return False
            self.choose(side, choice.key)
            return True

    def set_side_by_side(self, on: bool) -> None:
        """Show two runs (both restart at month 0 with the same seed) or only the left one."""
        with self.lock:
            self.playing = False
            if on and not self.side_by_side:
                current = self.runs[0].choice
                other = self.catalog.find("darwin" if current.short != "darwin" else "vlissingen")
                second = other or current
                self.runs[0].reset(self.seed)
                self.runs.append(Run(second, self.seed))
            elif not on and self.side_by_side:
                self.runs = self.runs[:1]
                self.target = 0

    def set_factor(self, name: str, value: float) -> None:
        """Move a factor slider of the run acted on (see `Run.set_factor`)."""
        with self.lock:
            self.acting.set_factor(name, value, self.let_scheduled)

    def plans(self) -> dict[str, Plan]:
        """What each intervention button would do now to the run acted on."""
        with self.lock:
            return self.acting.plans()

    def intervene(self, key: str) -> Plan:
        """Press an intervention button for the run acted on (see `Run.intervene`)."""
        with self.lock:
            return self.acting.intervene(key, self.let_scheduled)

    def undo(self) -> bool:
        """Take back the last change to the run acted on (see `Run.undo`); stops playing."""
        with self.lock:
            self.playing = False
            return self.acting.undo()

    def clear_start_values(self) -> None:
        """Restart the run acted on with the scenario's own factor values."""
        with self.lock:
            self.acting.clear_start_values()

    def frame_drawn(self, frame: int) -> None:
        """The page has drawn frame number `frame` (called after each render)."""
        with self._drawn:
            self._last_drawn = max(self._last_drawn, frame)
            self._drawn.notify_all()

    def _wait_drawn(self, frame: int, cancel: threading.Event) -> bool:
        """Wait until `frame` is drawn; False if it was not within `FRAME_TIMEOUT` (page gone?)."""
        deadline = time.monotonic() + FRAME_TIMEOUT
        with self._drawn:
            while self._last_drawn < frame and not cancel.is_set():
                if time.monotonic() > deadline:
                    return False
                self._drawn.wait(0.05)
        return True

    def play(self, cancel: threading.Event, on_frame: Callable[[], int]) -> None:
        """Step and redraw until paused, cancelled or finished, at the chosen speed.

        `on_frame` asks the page to redraw and returns the frame's number; the loop waits until
        `frame_drawn` reports it drawn, so it never runs ahead of the page (and pauses if a frame
        is not drawn within `FRAME_TIMEOUT`). Each frame simulates enough months to keep the speed
        when drawing takes longer than one month's time (at most `MAX_MONTHS_PER_FRAME`).
        """
        frame_time = 0.0
        while not cancel.is_set() and self.playing and not self.finished:
            started = time.monotonic()
            speed = SPEEDS.get(self.speed, SPEEDS["normal"])
            months = min(MAX_MONTHS_PER_FRAME, max(1, math.ceil(speed * frame_time - 1e-9)))
            with self.lock:
                if not self.playing:
                    break
                for run in self.runs:
                    run.step(months)
            if not self._wait_drawn(on_frame(), cancel):
                self.playing = False  # nobody is drawing: the page was closed or is stuck
                break
            frame_time = time.monotonic() - started
            cancel.wait(max(0.0, months / speed - frame_time))
        if self.finished and self.playing:
            self.playing = False
            on_frame()
