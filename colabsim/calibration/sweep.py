"""A sweep over a calibration's posterior: ``colabsim sweep EXPERIMENT --posterior RUN --draws N``.

Every design point of the experiment runs ``N`` parameter sets resampled by weight from the
posterior's final generation x the experiment's replications (seeds). The (draw, seed) pairs are
the same at every design point (common random numbers across the design), so the points differ
only in their factor values: a difference between two points, or a factor's effect across the
design, is measured within each (draw, seed) and is not noise between draws. The draws and the
seeds come from a `SeedSequence` on the experiment's recorded seed, so a sweep is reproducible
serially or in parallel.

The runs go through the experiment runner (`colabsim.experiments.runner`) as a plan with
`Replicates`: results stream to Parquet parts as chunks finish, ``--resume`` runs what is missing,
Ctrl-C keeps what finished, and each run's row carries its draw and the calibrated values it ran
with. The manifest records the posterior (folder, hashes, model version), the draws and the seed;
resuming with another posterior, or without one, is refused.

With ``--coding-robustness N`` the codings of the scenario file are sampled too, nested: N codings
within its coded ranges (`colabsim.calibration.sweep_codings`; a factor the design varies is held
by the design, not sampled), for each coding its own ``draws`` posterior draws (resampled N x draws
at once and dealt to the codings at random, as ``compare --posterior`` does), for each draw the
experiment's seeds. Replication r of every design point is the same (coding, draw, seed), so the
points still differ only in their factor values. A coding enters a run as start values (they
replace the file's values; the timeline's events still change them); the rows carry ``coding``
and the coded values (``coded_<factor>``), the folder ``codings.parquet``, the manifest the
codings, so that resuming with other codings is refused.

Factor values come from the experiment's design (factors are never calibrated, so nothing is
counted twice); a calibrated parameter that the experiment's scenario file sets in
``[parameters]`` keeps the file's value (the report names it). The analysis is in
`colabsim.calibration.sweep_answer`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from colabsim.calibration.abc import generation_seed
from colabsim.calibration.answers import METRIC
from colabsim.calibration.posterior import Posterior, cell_draws, load_posterior
from colabsim.calibration.simulator import engine_seeds
from colabsim.calibration.store import STATE_FILE, CalibrationError
from colabsim.calibration.sweep_answer import PosteriorDesign, SweepAnswer, answer_sweep, write_answer
from colabsim.calibration.sweep_codings import SweepCodings, sample_sweep_codings
from colabsim.experiments.experiment import Experiment, Replicates, RunPlan, load_experiment
from colabsim.experiments.options import ExecutionOptions
from colabsim.experiments.progress import phase
from colabsim.experiments.runner import ExperimentRun, run_experiment
from colabsim.experiments.store import load_results
from colabsim.reporting.sweep_report import write_sweep_report
from colabsim.scenario.parameters import Parameters

__all__ = [
    "CODED_PREFIX",
    "CODING_COLUMN",
    "DRAW_COLUMN",
    "PARAMETER_PREFIX",
    "PosteriorSweep",
    "posterior_plan",
    "sweep_with_posterior",
]

#: The result table's column naming a run's posterior draw (0 to draws - 1).
DRAW_COLUMN = "draw"
#: Prefix of the result table's columns holding the calibrated values a run used.
PARAMETER_PREFIX = "parameter_"
#: The result table's column naming a run's sampled coding (0 to codings - 1), with ``--coding-robustness``.
CODING_COLUMN = "coding"
#: Prefix of the result table's columns holding the coded values a run started from.
CODED_PREFIX = "coded_"
#: The per-run report of every run together (``colabsim sweep``'s own), beside the posterior's ``report.md``.
RUNS_REPORT = "runs_report.md"


@dataclass(frozen=True)
class PosteriorSweep:
    """What `sweep_with_posterior` did and found.

    Attributes:
        run: The runs (directory, counts, seconds), as for a sweep.
        answer: Per design point, per factor and per calibrated parameter, over (codings,) draws and seeds.
        notes: What the reader should know (e.g. codings asked for but nothing to sample).
    """

    run: ExperimentRun
    answer: SweepAnswer
    notes: tuple[str, ...] = ()


def _applied(parameters: Parameters, posterior: Posterior) -> list[float]:
    """The values each calibrated coordinate has in `parameters` (rounded, completed, or held)."""
    values, position = [], dict[str, int]()
    for name in posterior.coordinates:
        group, _, label = name.partition(".")
        if label:
            index = position.get(group, 0)
            position[group] = index + 1
            values.append(float(getattr(parameters, group)[index]))
        else:
            values.append(float(getattr(parameters, name)))
    return values


def _posterior_record(posterior: Posterior, draws: int, seed: int, replications: int) -> dict[str, Any]:
    """What the manifest records of the posterior: its folder, what it is conditional on, the draws and seed."""
    state = json.loads((posterior.folder / STATE_FILE).read_text(encoding="utf-8"))
    draws_file = posterior.folder / "draws.parquet"
    return {
        "posterior": {
            "folder": str(posterior.folder.resolve()),
            "calibration": state,
            "draws.parquet sha256": hashlib.sha256(draws_file.read_bytes()).hexdigest(),
            "coordinates": list(posterior.coordinates),
        },
        "draws": draws,
        "seed": seed,
        "seeds_per_draw": replications,
        "how": "draws: Posterior.resample(draws, SeedSequence(seed, spawn_key=(0, 0, 0))); run seeds: "
        "SeedSequence(seed, spawn_key=(0, 1, 0)), draws x seeds_per_draw of them, draw-major; replication "
        "r of every design point is draw r // seeds_per_draw",
    }


#: How the draws are made when codings are sampled (appended to the record's "how").
_NESTED = (
    "; with codings: Posterior.resample(codings x draws, ...) dealt to the codings by a permutation from "
    "SeedSequence(seed, spawn_key=(0, 2, 0)) (colabsim.calibration.posterior.cell_draws), replication r of every "
    "design point is coding r // (draws x seeds_per_draw), draw (r // seeds_per_draw) % draws"
)


def _coding_columns(
    codings: SweepCodings, runs_per_coding: int
) -> tuple[dict[str, tuple[float, ...]], tuple[dict[str, float], ...]]:
    """The result table's coding columns and each replication's start values (one coding per block of runs)."""
    table = codings.table
    columns: dict[str, tuple[float, ...]] = {
        CODING_COLUMN: tuple(c for c in range(len(table)) for _ in range(runs_per_coding))
    }
    for name in table.columns:
        columns[CODED_PREFIX + str(name)] = tuple(float(v) for v in np.repeat(table[name].to_numpy(), runs_per_coding))
    rows = [{str(k): float(v) for k, v in row.items()} for row in table.to_dict("records")]
    return columns, tuple(row for row in rows for _ in range(runs_per_coding))


def posterior_plan(
    experiment: Experiment, posterior: Posterior, draws: int, codings: SweepCodings | None = None
) -> tuple[RunPlan, PosteriorDesign]:
    """The experiment's plan with (codings x) `draws` posterior parameter sets x its replications at every point.

    Args:
        experiment: The experiment.
        posterior: The posterior to draw from.
        draws: Parameter sets per coding.
        codings: Sampled codings of the scenario file (`sample_sweep_codings`); None, or none
            sampled, for the file's own values.

    Returns:
        The plan (``codings x draws x replications`` runs per design point, the same at every point)
        and what the analysis needs to know of the codings and draws.
    """
    plan = experiment.plan()
    reps, seed = experiment.replications, experiment.spec.experiment.seed
    count = codings.count if codings is not None else 1
    root = np.random.SeedSequence(seed)
    # One coding: exactly the draws of a sweep without codings (cell_draws deals only several codings).
    theta = cell_draws(posterior, count, draws, root)
    base = experiment.scenario.parameters
    file_set = set(experiment.scenario.spec.parameters)
    held = tuple(name for name in posterior.coordinates if name.partition(".")[0] in file_set)
    keep = {name.partition(".")[0] for name in held}
    per_cell = [
        p.updated({n: getattr(base, n) for n in keep})
        for p in posterior.parameters(theta.reshape(count * draws, -1), base)
    ]
    applied = np.array([_applied(p, posterior) for p in per_cell])
    columns: dict[str, tuple[float, ...]] = {}
    start_values = None
    record = _posterior_record(posterior, draws, seed, reps)
    describe = f"with --posterior {posterior.folder} --draws {draws}"
    if count > 1 and codings is not None:
        columns, start_values = _coding_columns(codings, draws * reps)
        record = {**record, "codings": codings.record(), "how": record["how"] + _NESTED}
        describe += f" --coding-robustness {codings.asked}"
    columns[DRAW_COLUMN] = tuple(d for _ in range(count) for d in range(draws) for _ in range(reps))
    for k, name in enumerate(posterior.coordinates):
        columns[PARAMETER_PREFIX + name] = tuple(float(v) for v in np.repeat(applied[:, k], reps))
    replicates = Replicates(
        seeds=tuple(engine_seeds(generation_seed(root, 0, 1), count * draws * reps)),
        parameters=tuple(p for p in per_cell for _ in range(reps)),
        columns=columns,
        record=record,
        describe=describe,
        start_values=start_values,
    )
    runs = count * draws * reps
    design = {**plan.description["design"], "replications": runs, "posterior_draws": draws, "seeds_per_draw": reps,
              **({"codings": count} if count > 1 else {})}  # fmt: skip
    description = {**plan.description, "design": design, "held_by_scenario": list(held)}
    found = replace(plan, replications=runs, replicates=replicates, description=description)
    return found, PosteriorDesign(posterior, theta, reps, held, experiment.spec.design.method, codings)


def _outcome(plan: RunPlan, outcome: str | None) -> str:
    if outcome is None:
        return METRIC if METRIC in plan.summary_metrics else plan.summary_metrics[0]
    if outcome not in plan.summary_metrics:
        raise CalibrationError(
            f"outcome {outcome!r}: the experiment keeps {', '.join(plan.summary_metrics)} ([outputs] summary)"
        )
    return outcome


def _check_total(experiment: Experiment, draws: int, codings: int, max_runs: int) -> None:
    """Refuse a sweep of more runs than `max_runs`, before anything runs."""
    total = experiment.total_runs * draws * codings
    if total <= max_runs:
        return
    sampled = f" x {codings} codings" if codings > 1 else ""
    fewer = "fewer --draws or --coding-robustness" if codings > 1 else "fewer --draws"
    raise CalibrationError(
        f"{experiment.path}: {experiment.total_runs:,} runs x {draws} posterior draws{sampled} = {total:,} runs, "
        f"above the largest accepted ({max_runs:,}); use {fewer} or raise --max-runs"
    )


def sweep_with_posterior(
    experiment: Experiment | str | Path,
    posterior: Posterior | str | Path,
    draws: int,
    out: str | Path | None = None,
    options: ExecutionOptions | None = None,
    *,
    resume: bool = False,
    outcome: str | None = None,
    coding_robustness: int | None = None,
) -> PosteriorSweep:
    """Run an experiment's design over (codings x) posterior draws x its seeds; write the answer with its uncertainty.

    Args:
        experiment: An experiment file's path, or an `Experiment`.
        posterior: A finished calibration's run folder (``colabsim calibrate``), or a loaded `Posterior`.
        draws: Parameter sets drawn from the posterior (by weight) for every design point (per coding).
        out: Results directory (default ``runs/sweep-<UTC time>``); must be new unless resuming.
        options: How the runs execute (a callback in ``progress`` receives the runs and report phases).
        resume: Continue the sweep in `out` (it must have been started with the same posterior and draws).
        outcome: The summary output the answer is about (default ``performance`` if the experiment keeps it).
        coding_robustness: Codings of the scenario file to sample within its coded ranges (at least 2),
            each with its own `draws`; None for the file's values. A file with nothing to sample
            runs its own values, and the report says so.

    Returns:
        What ran and the answer (also written to `out`: ``report.md`` and ``posterior_*.csv``).

    Raises:
        CalibrationError: If the posterior is no finished calibration or was calibrated on another
            model or other bands, `draws` is below 1, `coding_robustness` is below 2, the sweep
            would exceed ``options.max_runs``, or `outcome` is not kept.
        ScenarioError: If the experiment file is invalid.
        StoreError: If `out` cannot be used (not empty, or resuming another sweep or another posterior).
        KeyboardInterrupt: On Ctrl-C, after finished chunks are kept.
    """
    options = ExecutionOptions.check(options)
    if isinstance(experiment, str | Path):
        with phase(options.callback, "design"):
            experiment = load_experiment(experiment, options.max_runs)
    if not isinstance(posterior, Posterior):
        posterior = load_posterior(Path(posterior))
    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 1:
        raise CalibrationError(f"draws: a whole number of at least 1, got {draws!r}")
    codings = None
    if coding_robustness is not None:
        if isinstance(coding_robustness, bool) or not isinstance(coding_robustness, int) or coding_robustness < 2:
            raise CalibrationError(f"coding robustness: codings must be a whole number of at least 2, got "
                                   f"{coding_robustness!r}")  # fmt: skip
        _check_total(experiment, draws, coding_robustness, options.max_runs)  # before sampling: a huge sample is slow
        codings = sample_sweep_codings(experiment, coding_robustness)
    _check_total(experiment, draws, codings.count if codings is not None else 1, options.max_runs)
    plan, design = posterior_plan(experiment, posterior, draws, codings)
    metric = _outcome(plan, outcome)
    found: list[SweepAnswer] = []

    def on_complete(directory: Path, manifest: dict[str, Any], factors: list[str], outputs: list[str]) -> None:
        with phase(options.callback, "report and figures"):
            write_sweep_report(directory, manifest, factors, outputs).replace(directory / RUNS_REPORT)
            results = load_results(directory)
            answer = answer_sweep(results, experiment.points, design, metric)
            write_answer(directory, answer, design, manifest)
            found.append(answer)

    run = run_experiment(plan, out, options, resume=resume, on_complete=on_complete)
    note = codings.note() if codings is not None else ""
    return PosteriorSweep(run, found[0], (note,) if note else ())
