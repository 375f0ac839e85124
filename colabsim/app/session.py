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
- *Side by side* runs share the calendar: both show the same date. A run whose scenario starts
  later waits (at its month 0) until the shared date reaches its start, and one that ends earlier
  stays at its end; the time charts of both span the same dates (`Dashboard.axis`).
- *Reset* restarts every run from month 0 with the same seed and start values; interventions and
  mid-run changes are cleared. The same seed and the same actions at the same months give the
  same run.
"""

from __future__ import annotations

import dataclasses
import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from colabsim.app.catalog import Catalog
from colabsim.app.i18n import N_, Translator, translator
from colabsim.app.interventions import Plan
from colabsim.app.run import MARK_KINDS, Run, RunView
from colabsim.app.summary import LAST_MONTHS, SEEDS, Summary, summarise
from colabsim.scenario.loader import ScenarioError

__all__ = ["MAX_GROUP_NAME", "MAX_SEED", "SPEEDS", "Controls", "Dashboard"]

#: Visible wording (English; translated where shown).
TEXT = {"waits": N_("starts {start}")}

#: Play speeds: label -> months simulated per second.
SPEEDS: dict[str, float] = {"slow": 2.0, "normal": 6.0, "fast": 12.0, "fastest": 36.0}
#: Most months simulated between two redraws while playing.
MAX_MONTHS_PER_FRAME = 24
#: Longest wait (seconds) for the page to draw a frame before playing on regardless.
FRAME_TIMEOUT = 5.0
#: Largest seed the page accepts (and draws from for "new seed").
MAX_SEED = 999_999
#: Longest group name kept (characters).
MAX_GROUP_NAME = 40


@dataclass(frozen=True)
class Controls:
    """What the controls show, as plain comparable values (a control redraws only when they change).

    The run-specific fields (plans, log, levels, ...) are those of the run the controls act on.
    Texts (labels, notes, the log) are in the session's language, `language`.
    """

    language: str

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
    plans: tuple[tuple[str, bool, str], ...]
    log: tuple[tuple[str, str, str], ...]
    let_scheduled: bool
    can_undo: bool
    at_risk: bool
    levels: tuple[tuple[str, float], ...]
    at_start: bool
    start_values: tuple[tuple[str, float], ...]


class Dashboard:
    """Everything one browser session sees and does: one run, or two side by side.

    Every public method takes the session's lock, so the play loop (in a thread) and the page's
    event handlers never see a half-done change.

    Args:
        catalog: The scenarios to choose from.
        seed: The seed of the runs.
        tr: The session's language (default: ``$COLABSIM_LANG``, else English).
    """

    def __init__(self, catalog: Catalog, seed: int = 1, tr: Translator | None = None) -> None:
        """Start with the catalog's default scenario at month 0."""
        self.catalog = catalog
        self.seed = seed
        self.tr = tr or translator()
        self.lock = threading.RLock()
        self.runs: list[Run] = [self._run(catalog.default_key)]
        self.target = 0
        self.playing = False
        self.speed = "normal"
        self.file_error: str = ""
        self.notice: str = ""
        #: Let the scenario's later scheduled events still apply after a change (the page's checkbox).
        self.let_scheduled = False
        self._drawn = threading.Condition()
        self._last_drawn = 0
        #: Months of the shared calendar simulated (from the earliest start among the runs).
        self.clock = 0
        #: The group's name (shown in the facilitator's overview; "" for none).
        self.group = ""
        #: End-of-run summaries by run state (see `summary`).
        self._summaries: dict[tuple[object, ...], Summary] = {}

    def _run(self, key: str) -> Run:
        return Run(self.catalog.get(key), self.seed, tr=self.tr)

    def set_group(self, name: str) -> None:
        """Name the group at this dashboard (spaces trimmed, at most `MAX_GROUP_NAME` characters)."""
        with self.lock:
            self.group = " ".join(str(name).split())[:MAX_GROUP_NAME]

    def set_language(self, language: str) -> None:
        """Show everything in `language` (a code of `colabsim.app.i18n.LANGUAGES`); the runs go on."""
        with self.lock:
            self.tr = translator(language)
            for run in self.runs:
                run.tr = self.tr
                run.version += 1

    @property
    def side_by_side(self) -> bool:
        """Whether two runs are shown side by side."""
        return len(self.runs) == 2

    @property
    def finished(self) -> bool:
        """Whether every run has reached its horizon."""
        return all(run.finished for run in self.runs)

    def _offsets(self) -> list[int]:
        """Months from the earliest start among the runs to each run's start."""
        starts = [run.choice.scenario.start[0] * 12 + run.choice.scenario.start[1] for run in self.runs]
        return [start - min(starts) for start in starts]

    @property
    def axis(self) -> tuple[tuple[int, int], int]:
        """The shared calendar: (year, month) of its month 0 and its length in months."""
        first = min((run.choice.scenario.start for run in self.runs), key=lambda ym: ym[0] * 12 + ym[1])
        return first, max(o + run.horizon for o, run in zip(self._offsets(), self.runs, strict=True))

    def _advance(self, months: int) -> None:
        """Move the shared calendar on by `months`; each run follows once the date reaches its start."""
        offsets = self._offsets()
        # A run stepped on its own (tests, a replay) puts the calendar where that run is.
        self.clock = max([self.clock] + [o + run.month for o, run in zip(offsets, self.runs, strict=True) if run.month])
        for _ in range(months):
            if self.finished:
                break
            self.clock += 1
            for offset, run in zip(offsets, self.runs, strict=True):
                if run.month < self.clock - offset:
                    run.step(self.clock - offset - run.month)

    @property
    def acting(self) -> Run:
        """The run that sliders and intervention buttons act on."""
        return self.runs[min(self.target, len(self.runs) - 1)]

    def controls(self) -> Controls:
        """What the controls show now."""
        with self.lock:
            acting = self.acting
            tr = self.tr
            return Controls(
                language=tr.language,
                playing=self.playing,
                finished=self.finished,
                speed=self.speed,
                seed=self.seed,
                side_by_side=self.side_by_side,
                target=min(self.target, len(self.runs) - 1),
                selected=tuple(run.choice.key for run in self.runs),
                shorts=tuple(run.choice.short for run in self.runs),
                labels=tuple((key, tr(label)) for key, label in self.catalog.labels().items()),
                file_error=self.file_error,
                problems=tuple(self.catalog.problems),
                # Without their events (dated this month): the buttons show only whether and what.
                plans=tuple((p.key, p.enabled, tr.render(p.note)) for p in acting.plans().values()),
                log=tuple(
                    (acting.date_of(month), tr.render(text), kind)
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

    def calendar(self) -> tuple[str, int, int]:
        """Where the shared calendar is: the date shown, months simulated, months in all.

        Kept out of `Controls`, which must not change every month: the controls redraw only when
        what they show changes.
        """
        with self.lock:
            start, span = self.axis
            return self.tr.month(start, min(self.clock, span - 1)), self.clock, span

    @property
    def at_risk(self) -> bool:
        """Whether switching scenario or mode would lose a run (see `Run.at_risk`)."""
        return any(run.at_risk for run in self.runs)

    def views(self, tr: Translator | None = None) -> list[RunView]:
        """A consistent copy of every run, for drawing, in the language of `tr` (default: the session's)."""
        tr = tr or self.tr
        with self.lock:
            if not self.side_by_side:
                return [run.view(tr) for run in self.runs]
            start, months = self.axis
            views = []
            for offset, run in zip(self._offsets(), self.runs, strict=True):
                view = dataclasses.replace(run.view(tr), axis=(start, months))
                if offset > self.clock:  # the shared date has not reached this scenario's start
                    view = dataclasses.replace(view, date=tr(TEXT["waits"], start=view.date))
                views.append(view)
            return views

    def go_to(self, clock: int) -> None:
        """Advance the shared calendar to month `clock` (not back: a run is never rewound here)."""
        with self.lock:
            self._advance(0)  # the calendar where the runs are
            self._advance(max(0, clock - self.clock))

    def step(self, months: int = 1) -> None:
        """Advance the shared calendar by `months` months (a finished run stays where it is)."""
        with self.lock:
            self._advance(months)

    def reset(self) -> None:
        """Every run back to month 0, same seed and start values; stops playing."""
        with self.lock:
            self.playing = False
            self.clock = 0
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
            self.runs[side] = self._run(key)
            self.clock = 0
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
            key = self.add_upload(name, data)
            if key is None:
                return False
            self.choose(side, key)
            return True

    def add_upload(self, name: object, data: bytes) -> str | None:
        """Validate an uploaded scenario file and offer it in the picker; its key, or None (see `file_error`).

        Nothing shown changes: `choose` shows it (the page asks first if a run would be lost).
        """
        with self.lock:
            try:
                choice = self.catalog.upload(name, data)
            except ScenarioError as exc:
                self.file_error = str(exc)
                return None
            self.file_error = ""
            return choice.key

    def set_side_by_side(self, on: bool) -> None:
        """Show two runs (both restart at month 0 with the same seed) or only the left one."""
        with self.lock:
            self.playing = False
            if on and not self.side_by_side:
                current = self.runs[0].choice
                other = self.catalog.find("darwin" if current.short != "darwin" else "vlissingen")
                second = other or current
                self.runs[0].reset(self.seed)
                self.runs.append(Run(second, self.seed, tr=self.tr))
                self.clock = 0
            elif not on and self.side_by_side:
                self.runs = self.runs[:1]
                self.target = 0
                self.clock = self.runs[0].month

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
        """Drop the start values of the run acted on; every run restarts (they share the calendar)."""
        with self.lock:
            self.acting.clear_start_values()
            self.reset()

    @staticmethod
    def _summary_key(run: Run) -> tuple[object, ...]:
        return (run.choice.key, run.seed, run.build, run.version)

    def summary_key(self, side: int = 0) -> tuple[object, ...]:
        """What run `side`'s summary depends on (changes with anything done to the run)."""
        with self.lock:
            return self._summary_key(self.runs[min(side, len(self.runs) - 1)])

    def summary(self, side: int = 0) -> Summary | None:
        """The end-of-run summary of run `side`, once `compute_summary` has made it (None before)."""
        with self.lock:
            if side >= len(self.runs) or not self.runs[side].finished:
                return None
            return self._summaries.get(self._summary_key(self.runs[side]))

    def compute_summary(self, side: int = 0, seeds: int = SEEDS) -> Summary | None:
        """Work out the summary of run `side` if it has ended, over `seeds` seeds (seconds: see `colabsim.app.summary`).

        The work is done outside the session's lock, so the page stays responsive; a run changed
        meanwhile gets its own summary at its end.
        """
        with self.lock:
            if side >= len(self.runs) or not self.runs[side].finished:
                return None
            run = self.runs[side]
            key = self._summary_key(run)
            if key in self._summaries:
                return self._summaries[key]
            scenario, seed, log = run.scenario, run.seed, list(run.log)
            performance = run.model.timeseries()["performance"].to_numpy(dtype=float)[-LAST_MONTHS:]
        own = float(np.nanmean(performance)) if np.isfinite(performance).any() else 0.0
        result = summarise(scenario, seed, log, own, seeds)
        with self.lock:
            self._summaries[key] = result
        return result

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
                self._advance(months)
            if not self._wait_drawn(on_frame(), cancel):
                self.playing = False  # nobody is drawing: the page was closed or is stuck
                break
            frame_time = time.monotonic() - started
            cancel.wait(max(0.0, months / speed - frame_time))
        if self.finished and self.playing:
            self.playing = False
            on_frame()
