"""Workflows: a run and its report, composed as the CLI and the Python API offer them.

`colabsim.experiments` runs and stores; `colabsim.reporting` writes reports and figures. The
functions here put the two together, so `colabsim sweep` and `colabsim.run_experiment` do the same,
`run_scenarios` is ``colabsim run`` and ``colabsim compare`` (replications, a run directory, a report), and
`write_validation_report` is ``colabsim validate-model`` (the validation's analyses, then docs/validation.md).
`TerminalProgress` shows the phases they report (`colabsim.experiments.progress`) as labelled bars.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from tqdm import tqdm

from colabsim._version import __version__
from colabsim.experiments.ensemble import Ensemble, run_ensemble
from colabsim.experiments.experiment import Experiment, RunPlan, load_experiment
from colabsim.experiments.options import ExecutionOptions, refuse_old_keywords
from colabsim.experiments.progress import ProgressCallback, ProgressEvent, phase
from colabsim.experiments.rundir import new_run_dir, write_manifest
from colabsim.experiments.runner import CompletionHook, ExperimentRun, ModelFunction
from colabsim.experiments.runner import run_experiment as run_experiment_only
from colabsim.reporting.report import write_results
from colabsim.reporting.sweep_report import write_sweep_report
from colabsim.robustness.comparison import CodingComparison, CodingRobustness, PairCheck, plan_codings, run_codings
from colabsim.robustness.comparison_report import write_coding_section
from colabsim.robustness.sampling import SAMPLING_STREAM, stream_seed
from colabsim.scenario.loader import Scenario
from colabsim.validation.patterns import PATTERNS, criterion
from colabsim.validation.pipeline import FULL_PLAN, QUICK_PLAN, V2, ValidationResult, discriminating, validate_model
from colabsim.validation.report import write_report

__all__ = [
    "CodingRobustness",  # re-exported: run_scenarios's coding_robustness, from colabsim.robustness.comparison
    "ExecutionOptions",  # re-exported: run_experiment's options, from colabsim.experiments.options
    "ScenarioRuns",
    "TerminalProgress",
    "ValidationReport",
    "run_experiment",
    "run_scenarios",
    "study_pair",
    "terminal_progress",
    "write_validation_report",
]

#: Pattern P1: the strong and weak scenario files (stems) and the band of their ratio.
_P1 = next(p for p in PATTERNS if p.id == "P1")

# tqdm's monitor thread is not wanted: bars here are refreshed by their own events or ticker.
tqdm.monitor_interval = 0


class TerminalProgress:
    """Shows each phase on its own line: a bar for a counted phase, elapsed time for the others.

    A counted phase (``runs``) gets a tqdm bar with its label, rate and time left; a phase that
    cannot be counted (``figures``) gets a status line whose elapsed time a ticker refreshes every
    half second, so a long estimation is not mistaken for a hang.
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        """Write to `stream` (default: standard error)."""
        self.stream = stream if stream is not None else sys.stderr
        self._bar: tqdm[Any] | None = None
        self._phase: str | None = None
        self._ticker: threading.Thread | None = None
        self._stop = threading.Event()

    def __call__(self, event: ProgressEvent) -> None:
        """Show `event`: open its phase's line if new, move it on, close it when finished."""
        if event.phase != self._phase:
            self.close()
            self._open(event)
        elif self._bar is not None and event.total is not None:
            self._bar.update(event.done - self._bar.n)
        if event.finished:
            self.close()

    def _open(self, event: ProgressEvent) -> None:
        self._phase = event.phase
        if event.total is not None:
            self._bar = tqdm(
                total=event.total, initial=event.done, desc=event.phase, unit="run",
                file=self.stream, mininterval=0.5, smoothing=0.1, dynamic_ncols=True,
            )  # fmt: skip
            return
        self._bar = tqdm(desc=event.phase, bar_format="{desc}: {elapsed}", file=self.stream)
        self._stop.clear()
        self._ticker = threading.Thread(target=self._tick, args=(self._bar,), daemon=True)
        self._ticker.start()

    def _tick(self, bar: tqdm[Any]) -> None:
        while not self._stop.wait(0.5):
            bar.refresh()

    def close(self) -> None:
        """End the current phase's line."""
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
            self._ticker = None
        if self._bar is not None:
            self._bar.close()
        self._bar, self._phase = None, None


def terminal_progress(quiet: bool = False, stream: TextIO | None = None) -> TerminalProgress | None:
    """A `TerminalProgress` on `stream` (standard error), or None if `quiet` or it is not a terminal."""
    stream = stream if stream is not None else sys.stderr
    if quiet or not stream.isatty():
        return None
    return TerminalProgress(stream)


def run_experiment(
    experiment: Experiment | RunPlan | str | Path,
    out: str | Path | None = None,
    options: ExecutionOptions | None = None,
    *,
    resume: bool = False,
    model: ModelFunction | None = None,
    report: bool = True,
    **removed: object,
) -> ExperimentRun:
    """Run an experiment, write its results and (unless `report` is false) its report and figures.

    This is ``colabsim sweep``: `colabsim.experiments.runner.run_experiment` plus the report and
    the progress bars. How the runs execute (executor, workers, chunk size, progress, the largest
    design accepted, taking over a locked folder) is one `ExecutionOptions`::

        colabsim.run_experiment("experiments/darwin_legal_admin.toml", out="runs/x",
                                options=colabsim.ExecutionOptions(executor="serial", progress=False))

    Args:
        experiment: An experiment file's path, an `Experiment`, or a `RunPlan` built in code.
        out: Results directory (default ``runs/sweep-<UTC time>``); must be new unless resuming.
        options: How the runs execute (default `ExecutionOptions()`: processes on all cores, bars
            on standard error if it is a terminal). ``progress`` True: labelled bars; False or
            None: nothing; or a callback that receives every `ProgressEvent` (design, runs, report).
        resume: Continue the experiment in `out`, running only the chunks not yet written.
        model: Run this function instead of colabsim's model for each run (factor values, rng).
        report: Write ``report.md`` and figures when done.
        **removed: Nothing; the execution keywords of earlier versions (``executor``, ``workers``,
            ``chunk_size``, ``progress``, ``force``, ...) are refused with a message naming
            `ExecutionOptions`.

    Returns:
        A summary of what ran.

    Raises:
        TypeError: If `options` is not an `ExecutionOptions` or an old keyword is given.
    """
    refuse_old_keywords("run_experiment", removed)
    options = ExecutionOptions.check(options)
    reporter = terminal_progress() if options.progress is True else options.callback
    if isinstance(experiment, str | Path):
        with phase(reporter, "design"):
            experiment = load_experiment(experiment, options.max_runs)
    on_complete: CompletionHook | None = None
    if report:

        def on_complete(directory: Path, manifest: dict[str, Any], factors: list[str], outputs: list[str]) -> None:
            with phase(reporter, "report and figures"):
                write_sweep_report(directory, manifest, factors, outputs)

    try:
        return run_experiment_only(
            experiment, out, replace(options, progress=reporter), resume=resume, model=model, on_complete=on_complete
        )
    finally:
        if isinstance(reporter, TerminalProgress):
            reporter.close()


@dataclass(frozen=True)
class ScenarioRuns:
    """What `run_scenarios` ran and wrote.

    Attributes:
        ensemble: The replications of every scenario, as tidy tables.
        directory: The run directory (results, figures, report, manifest).
        run_seconds: Time spent running the model (the report and figures not counted).
        coding: The comparison over the coding uncertainty, when asked for (else None).
    """

    ensemble: Ensemble
    directory: Path
    run_seconds: float
    coding: CodingComparison | None = None


def study_pair(labels: Sequence[str]) -> PairCheck | None:
    """The study's strong/weak pair (P1's scenario files, by stem) with P1's band, if both are in `labels`."""
    strong, weak = _P1.scenarios
    if strong not in labels or weak not in labels:
        return None
    band = criterion("p1_ratio").band
    if band.low is None or band.high is None:  # P1's ratio band is closed: both ends are in patterns.py
        return None
    return PairCheck(strong, weak, (band.low, band.high))


def run_scenarios(
    scenarios: Sequence[tuple[str, Scenario]],
    seed: int,
    replications: int,
    workers: int = 1,
    *,
    out: str | Path | None = None,
    command: str = "run",
    command_line: str | None = None,
    progress: ProgressCallback | None = None,
    coding_robustness: CodingRobustness | None = None,
) -> ScenarioRuns:
    """Run labelled scenarios with common seeds and write a run directory with a report (``colabsim run|compare``).

    With `coding_robustness`, the comparison is also run over codings sampled within the files' coded
    ranges (``colabsim compare --coding-robustness N``; `colabsim.robustness.comparison`)::

        runs = run_scenarios([("vlissingen", v), ("darwin", d)], seed=1, replications=30,
                             coding_robustness=CodingRobustness(codings=200))
        runs.coding.p1.share, runs.coding.verdicts[0].quantiles

    Args:
        scenarios: (label, scenario) pairs; differences in the report are against the first.
        seed: Root seed of the replications.
        replications: Runs per scenario.
        workers: Processes (1: this process; the numbers are the same either way).
        out: Run directory to create (default ``runs/<command>-<UTC time>``); must be new or empty.
        command: The command's name, for the default directory and the manifest.
        command_line: The command as typed, recorded in the report and manifest.
        progress: Receives a ``runs`` event per finished run, then the report phase.
        coding_robustness: Codings and replications per coding of the comparison over the coding
            uncertainty (None: none). The share of codings in which each scenario beats the first,
            the quantiles of the difference and, for the study's pair, P1's share go into the report,
            ``coding_robustness.csv`` and a figure.

    Raises:
        RunDirError: If `out` exists and is not empty.
        CodingRobustnessError: If the coding robustness would exceed its run limit (checked first).
    """
    coding_plan = None
    if coding_robustness is not None:
        coding_plan = plan_codings(scenarios, seed, coding_robustness, study_pair([label for label, _ in scenarios]))
    run_dir = new_run_dir(Path(out) if out is not None else None, command)
    started = datetime.now(UTC)
    clock = time.perf_counter()
    total = len(scenarios) * replications
    ensemble = run_ensemble(
        list(scenarios), seed, replications, workers,
        progress=(lambda done: progress(ProgressEvent("runs", done, total))) if progress else None,
    )  # fmt: skip
    run_seconds = time.perf_counter() - clock
    coding = None
    if coding_plan is not None:
        options = ExecutionOptions(
            executor="serial" if workers == 1 else "processes", workers=workers, progress=progress
        )
        coding = run_codings(coding_plan, run_dir / "coding_robustness", options)
    command_line = command_line or f"colabsim {command}"
    with phase(progress, "report and figures"):
        sections = write_coding_section(coding, run_dir) if coding is not None else []
        write_results(run_dir, ensemble, list(scenarios), command_line, sections)
        write_manifest(
            run_dir,
            {
                "colabsim_version": __version__,
                "command": command_line,
                "scenarios": [
                    {"label": label, "name": s.name, "path": str(s.path), "sha256": s.sha256, "overrides": s.overrides}
                    for label, s in scenarios
                ],
                "root_seed": seed,
                "replications": replications,
                "seeds": list(ensemble.seeds),
                "workers": workers,
                "coding_robustness": _coding_manifest(coding),
                "timings": {
                    "started": started.isoformat(),
                    "finished": datetime.now(UTC).isoformat(),
                    "run_seconds": round(run_seconds, 3),
                    "total_seconds": round(time.perf_counter() - clock, 3),
                },
            },
        )
    return ScenarioRuns(ensemble, run_dir, run_seconds, coding)


def _coding_manifest(coding: CodingComparison | None) -> dict[str, Any] | None:
    if coding is None:
        return None
    plan = coding.plan
    return {
        "codings": plan.settings.codings,
        "replications": plan.settings.replications,
        "root_seed": plan.seed,
        "sampling_seed": stream_seed(plan.seed, SAMPLING_STREAM),
        "arms": {arm: sorted(points.columns) for arm, (_, points) in plan.arms.items()},
        "compared_with": plan.measured_on,
        "notes": plan.notes,
        "seconds": round(coding.seconds, 3),
    }


@dataclass(frozen=True)
class ValidationReport:
    """What `write_validation_report` wrote.

    Attributes:
        path: The report (``validation.md``); its figures are in ``validation/`` beside it.
        result: Everything the report shows.
        seconds: Time taken, the report and figures included.
    """

    path: Path
    result: ValidationResult
    seconds: float

    def summary(self) -> list[str]:
        """One line per model: the patterns it meets, and for a submodel those it fails where v2 passes."""
        v2 = self.result.models[V2.name]
        lines = []
        for name, model in self.result.models.items():
            passed = model.passed()
            line = f"{name}: meets {' '.join(p for p, ok in passed.items() if ok) or 'none'}"
            if name != V2.name:
                line += f"; fails where v2 passes: {', '.join(discriminating(model, v2)) or 'none'}"
            lines.append(line)
        return lines


def write_validation_report(
    out: str | Path = "docs",
    *,
    quick: bool = False,
    scenario_dir: str | Path | None = None,
    progress: ProgressCallback | None = None,
) -> ValidationReport:
    """Run the validation and write ``validation.md`` with its figures into `out` (``colabsim validate-model``).

    Args:
        out: Folder for ``validation.md`` and ``validation/`` (default ``docs``: the published report).
        quick: A minute's look with thin samples (`colabsim.validation.pipeline.QUICK_PLAN`), marked as such.
        scenario_dir: Folder with the study's scenario files (default: ``./scenarios`` or the source checkout's).
        progress: Receives each phase's runs, then the report phase.

    Raises:
        StudyError: If the study's scenario files are missing.
        ScenarioError: If one is invalid.
    """
    clock = time.perf_counter()
    result = validate_model(QUICK_PLAN if quick else FULL_PLAN, scenario_dir, progress=progress)
    with phase(progress, "report and figures"):
        path = write_report(result, Path(out), time.perf_counter() - clock)
    return ValidationReport(path, result, time.perf_counter() - clock)
