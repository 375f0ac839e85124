"""Workflows: a run and its report, composed as the CLI and the Python API offer them.

`colabsim.experiments` runs and stores; `colabsim.reporting` writes reports and figures. The
functions here put the two together, so `colabsim sweep` and `colabsim.run_experiment` do the same.
"""

from __future__ import annotations

from pathlib import Path

from colabsim.experiments.experiment import Experiment, RunPlan
from colabsim.experiments.runner import DEFAULT_CHUNK_SIZE, ExperimentRun, ModelFunction
from colabsim.experiments.runner import run_experiment as run_experiment_only
from colabsim.reporting.sweep_report import write_sweep_report

__all__ = ["run_experiment"]


def run_experiment(
    experiment: Experiment | RunPlan | str | Path,
    out: str | Path | None = None,
    executor: str = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: bool = True,
    model: ModelFunction | None = None,
    report: bool = True,
) -> ExperimentRun:
    """Run an experiment, write its results and (unless `report` is false) its report and figures.

    This is ``colabsim sweep``. The arguments are those of
    `colabsim.experiments.runner.run_experiment`, plus `report`.

    Args:
        experiment: An experiment file's path, an `Experiment`, or a `RunPlan` built in code.
        out: Results directory (default ``runs/sweep-<UTC time>``); must be new unless resuming.
        executor: ``serial``, ``processes`` (default) or ``dask``.
        workers: Worker processes (default: all cores).
        scheduler: Address of a Dask scheduler (implies ``dask``).
        resume: Continue the experiment in `out`, running only the chunks not yet written.
        chunk_size: Runs per chunk (a resumed experiment keeps the size it started with).
        progress: Show a progress bar (runs done, runs per second, time left) on stderr.
        model: Run this function instead of colabsim's model for each run (factor values, rng).
        report: Write ``report.md`` and figures when done.

    Returns:
        A summary of what ran.
    """
    return run_experiment_only(
        experiment,
        out,
        executor,
        workers,
        scheduler,
        resume,
        chunk_size,
        progress,
        model,
        on_complete=write_sweep_report if report else None,
    )
