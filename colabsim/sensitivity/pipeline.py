"""The sensitivity pipeline: OFAT curves, then the experiment's design, then indices and a report.

`run_sensitivity` takes a colabsim experiment file whose design is ``morris`` or ``sobol``;
`analyse_function` does the same for any model ``f(params, rng) -> {output: value}``, which is
how the pipeline is checked against analytic answers (Ishigami). Both run their designs through
`colabsim.run_experiment` (so executors, durable results and resume work the same), average
replications, and write ``indices.csv``, ``convergence.csv``, ``ofat.csv``, figures,
``analysis.json`` and ``report.md`` into the output directory.

Moment-independent indices (delta, PAWN) assume a random sample of the input space: they are
estimated on the base samples of a Saltelli design and skipped, with the reason in the report, for
a Morris design. What SALib warns or prints is recorded in ``analysis.json`` and the report.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from colabsim.experiments import design as designs
from colabsim.experiments.experiment import Experiment, RunPlan, load_experiment, run_seed
from colabsim.experiments.options import ExecutionOptions, refuse_old_keywords
from colabsim.experiments.progress import ProgressCallback, ProgressEvent, phase, relabel
from colabsim.experiments.runner import FACTOR_PREFIX, ModelFunction, run_experiment
from colabsim.scenario.loader import Scenario
from colabsim.sensitivity import analysis
from colabsim.sensitivity.analysis import Estimation
from colabsim.sensitivity.figures import write_figures
from colabsim.sensitivity.problem import Problem, registry_problem
from colabsim.sensitivity.report import write_report
from colabsim.sensitivity.result import SensitivityResult

__all__ = ["SensitivityError", "SensitivityResult", "analyse_function", "run_sensitivity"]

_OFAT_STREAM = 2**32 - 2
MORRIS_SKIPS_MOMENT_INDICES = (
    "delta and PAWN were not computed: they estimate conditional output distributions from a random "
    "sample of the input space, and a Morris design is a set of one-at-a-time trajectories on a few "
    "levels (SALib's delta fails on it for want of data per bin). Use a Sobol' design for them."
)


class SensitivityError(ValueError):
    """The analysis cannot be done as asked."""


@dataclass(frozen=True)
class _Setup:
    problem: Problem
    method: str
    levels: int
    second_order: bool
    outputs: list[str]
    ofat_levels: int
    ofat_replications: int
    estimation: Estimation
    seed: int


def _ofat_plan(setup: _Setup, name: str, scenario: Scenario | None, outputs: list[str], sha: str) -> RunPlan:
    """One factor at a time: each swept over its range, the others left as they are."""
    # Others are left to the scenario (NaN); a bare model function gets their mid-range values.
    others = {
        f: (np.nan if scenario is not None else (low + high) / 2.0)
        for f, (low, high) in zip(setup.problem.names, setup.problem.bounds, strict=True)
    }
    rows = []
    for factor, (low, high) in zip(setup.problem.names, setup.problem.bounds, strict=True):
        for level in np.linspace(low, high, setup.ofat_levels):
            rows.append({**others, factor: float(level)})
    points = pd.DataFrame(rows, columns=list(setup.problem.names))
    points.index.name = "design_point"
    return RunPlan(
        name=f"{name}: one factor at a time",
        points=points,
        replications=setup.ofat_replications,
        seed=run_seed(setup.seed, _OFAT_STREAM),
        sha256=hashlib.sha256(f"ofat:{sha}".encode()).hexdigest(),
        scenario=scenario,
        summary_metrics=outputs,
    )


def _ofat_curves(results: pd.DataFrame, names: Sequence[str], outputs: Sequence[str], levels: int) -> pd.DataFrame:
    """Mean and 10-90% band of each output at each level of each factor (its block of the design)."""
    ok = results[results["status"] == "ok"]
    frames = []
    for k, factor in enumerate(names):
        block = ok[(ok["design_point"] // levels) == k]
        for output in outputs:
            grouped = block.groupby(f"{FACTOR_PREFIX}{factor}")[output]
            frames.append(
                pd.DataFrame(
                    {
                        "factor": factor,
                        "level": grouped.mean().index.to_numpy(),
                        "output": output,
                        "mean": grouped.mean().to_numpy(),
                        "low": grouped.quantile(0.1).to_numpy(),
                        "high": grouped.quantile(0.9).to_numpy(),
                    }
                )
            )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _moment_indices(setup: _Setup, x: np.ndarray, y: np.ndarray, output: str) -> tuple[list[pd.DataFrame], list[str]]:
    """Delta and PAWN on the design's rows that sample the input space (none for Morris), or why not."""
    rows = analysis.given_data_rows(setup.method, setup.problem, len(y), setup.second_order)
    if rows is None:
        return [], []  # said once for the whole analysis
    if np.ptp(y[rows]) == 0:
        return [], [f"delta and PAWN of {output} were not computed: it takes one value over the sample"]
    resamples = setup.estimation.moment_resamples
    return [
        analysis.delta_indices(setup.problem, x[rows], y[rows], output, setup.seed, resamples),
        analysis.pawn_indices(setup.problem, x[rows], y[rows], output, setup.seed, setup.estimation.pawn_slices),
    ], []


def _output_indices(
    setup: _Setup, x: np.ndarray, y: np.ndarray, output: str
) -> tuple[list[pd.DataFrame], list[pd.DataFrame], list[str]]:
    """The design's indices of one output, its convergence check, and what SALib said meanwhile."""
    resamples = setup.estimation.resamples
    frames, convergence = [], []
    with analysis.salib_notes() as said:
        if setup.method == "morris":
            frames.append(analysis.morris_indices(setup.problem, x, y, output, setup.levels, setup.seed, resamples))
        else:
            main = analysis.sobol_indices(setup.problem, y, output, setup.second_order, setup.seed, resamples)
            frames.append(main)
            steps = setup.estimation.convergence_steps
            if steps >= 2:
                convergence.append(
                    analysis.sobol_convergence(
                        setup.problem, y, output, setup.second_order, setup.seed, steps, resamples, main
                    )
                )
        moment, skipped = _moment_indices(setup, x, y, output)
    return frames + moment, convergence, skipped + [f"SALib, {output}: {note}" for note in said]


def _indices(
    setup: _Setup, plan: RunPlan, results: pd.DataFrame, progress: ProgressCallback | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    means = analysis.replication_means(results, setup.outputs)
    if len(means) != len(plan.points):
        missing = len(plan.points) - len(means)
        raise SensitivityError(f"{missing} design points have no successful run; see the failed runs in the results")
    x = plan.points.to_numpy()
    frames, convergence, notes = [], [], []
    if setup.method == "morris":
        notes.append(MORRIS_SKIPS_MOMENT_INDICES)
    for output in setup.outputs:
        if progress:  # a phase per output: it ends when the next one starts
            progress(ProgressEvent(f"estimation: {output}"))
        indices, checks, said = _output_indices(setup, x, means[output].to_numpy(), output)
        frames += indices
        convergence += checks
        notes += said
        share = analysis.noise_share(results, output)
        frames.append(
            pd.DataFrame(
                [["replication", output, "(all factors)", "noise_share", share, np.nan, np.nan]],
                columns=analysis.INDEX_COLUMNS,
            )
        )
    return (
        pd.concat(frames, ignore_index=True),
        pd.concat(convergence, ignore_index=True) if convergence else pd.DataFrame(),
        notes,
    )


def _analyse(
    setup: _Setup,
    plan: RunPlan,
    out: Path,
    model: ModelFunction | None,
    options: ExecutionOptions,
    resume: bool,
) -> SensitivityResult:
    started = time.perf_counter()
    progress = options.callback
    out.mkdir(parents=True, exist_ok=True)
    ofat = pd.DataFrame()
    if setup.ofat_levels > 0:
        ofat_plan = _ofat_plan(setup, plan.name, plan.scenario, setup.outputs, plan.sha256)
        ofat_options = replace(options, progress=relabel(progress, "OFAT runs"))
        ofat_run = run_experiment(ofat_plan, out / "ofat", ofat_options, resume=resume, model=model)
        ofat = _ofat_curves(ofat_run.results(), setup.problem.names, setup.outputs, setup.ofat_levels)
        ofat.to_csv(out / "ofat.csv", index=False)
    main = run_experiment(plan, out / "runs", options, resume=resume, model=model)
    results = main.results()
    indices, convergence, notes = _indices(setup, plan, results, progress)
    indices.to_csv(out / "indices.csv", index=False)
    if not convergence.empty:
        convergence.to_csv(out / "convergence.csv", index=False)
    result = SensitivityResult(out, indices, convergence, ofat, time.perf_counter() - started, tuple(notes))
    with phase(progress, "figures"):
        figures = write_figures(result, setup.method, out / "figures")
    facts = {
        "name": plan.name,
        "method": setup.method,
        "groups": setup.problem.groups is not None,
        "runs": len(results),
        "failed": int((results["status"] != "ok").sum()),
        "design_points": len(plan.points),
        "replications": plan.replications,
        "seconds": round(result.seconds, 1),
        "finished": datetime.now(UTC).isoformat(),
        "estimation": asdict(setup.estimation),
        "notes": list(notes),
    }
    (out / "analysis.json").write_text(json.dumps(facts, indent=2) + "\n", encoding="utf-8")
    with phase(progress, "report"):
        write_report(result, facts, figures, out / "report.md")
    return result


def _with_convergence(estimation: Estimation, convergence: bool) -> Estimation:
    """The settings as run (and recorded): no convergence sizes where no check runs (Morris, or not asked)."""
    return estimation if convergence else replace(estimation, convergence_steps=0)


def run_sensitivity(
    experiment: Experiment | str | Path,
    out: str | Path | None = None,
    options: ExecutionOptions | None = None,
    *,
    resume: bool = False,
    estimation: Estimation | None = None,
    **removed: object,
) -> SensitivityResult:
    """Analyse a colabsim experiment whose design is ``morris`` or ``sobol`` (``colabsim sensitivity``).

    Args:
        experiment: An experiment file's path or a loaded `Experiment`.
        out: Results directory (default ``runs/sensitivity-<UTC time>``).
        options: How the runs execute (`ExecutionOptions`; only a progress callback is used,
            True draws nothing here). ``force`` takes over the OFAT and design folders' locks.
        resume: Continue the analysis in `out`, running only the chunks not yet written.
        estimation: The bootstrap sizes (default: `Estimation()`, for results to report); the
            experiment's ``analysis.convergence`` says whether the convergence check runs at all.
        **removed: Nothing; the execution keywords of earlier versions (``executor``, ``workers``,
            ``scheduler``, ``progress``) are refused with a message naming `ExecutionOptions`.

    Raises:
        TypeError: If `options` is not an `ExecutionOptions` or an old keyword is given.
        ScenarioError: If the experiment file is invalid.
        SensitivityError: If its design is not Morris or Sobol', or design points have no result.
    """
    refuse_old_keywords("run_sensitivity", removed)
    options = ExecutionOptions.check(options)
    if isinstance(experiment, str | Path):
        with phase(options.callback, "design"):
            experiment = load_experiment(experiment, options.max_runs)
    spec = experiment.spec
    if spec.design.method not in ("morris", "sobol"):
        raise SensitivityError(
            f"{experiment.path}: design.method must be 'morris' or 'sobol' for a sensitivity analysis; "
            f"got {spec.design.method!r} (use 'colabsim sweep' for other designs)"
        )
    setup = _Setup(
        problem=registry_problem(spec.factors, group_by_dimension=spec.design.groups == "dimension"),
        method=spec.design.method,
        levels=int(spec.design.levels or 4),
        second_order=spec.design.second_order,
        outputs=list(spec.analysis.outputs or spec.outputs.summary),
        ofat_levels=spec.analysis.ofat_levels,
        ofat_replications=spec.analysis.ofat_replications or experiment.replications,
        estimation=_with_convergence(
            estimation or Estimation(), spec.analysis.convergence and spec.design.method == "sobol"
        ),
        seed=spec.experiment.seed,
    )
    plan = experiment.plan()
    if out is None:
        out = Path("runs") / f"sensitivity-{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}"
    return _analyse(setup, plan, Path(out), None, options, resume)


def analyse_function(
    model: ModelFunction,
    problem: Problem,
    method: str,
    samples: int,
    seed: int,
    out: str | Path,
    replications: int = 1,
    ofat_levels: int = 0,
    executor: str = "serial",
    estimation: Estimation | None = None,
) -> SensitivityResult:
    """Analyse any model ``f(params, rng) -> {output: value}`` through the same pipeline.

    Args:
        model: The model; params maps each input name to its value.
        problem: The inputs, their ranges and optional groups.
        method: ``sobol`` (`samples` = base samples, first- and total-order) or ``morris``
            (`samples` = trajectories, 4 levels).
        samples: See `method`.
        seed: Root seed (design and runs).
        out: Output directory (must be new).
        replications: Runs per design point (for stochastic models).
        ofat_levels: Levels of one-factor-at-a-time curves (0: none).
        executor: Where runs execute (default: this process).
        estimation: Bootstrap sizes and convergence sizes (default: `Estimation()`; tests and
            quick looks pass smaller ones, e.g. ``Estimation(resamples=200, convergence_steps=0)``).

    Raises:
        SensitivityError: If `method` is unknown.
    """
    if method == "sobol":
        values = designs.sobol_design(problem.names, problem.bounds, samples, False, seed, problem.groups)
    elif method == "morris":
        values = designs.morris_design(problem.names, problem.bounds, samples, 4, seed, problem.groups)
    else:
        raise SensitivityError(f"method must be 'sobol' or 'morris', got {method!r}")
    points = pd.DataFrame(values, columns=list(problem.names))
    points.index.name = "design_point"
    probe = dict(model(dict(zip(problem.names, values[0], strict=True)), np.random.default_rng(seed)))
    identity = hashlib.sha256(f"{problem}{method}{samples}{seed}{replications}".encode()).hexdigest()
    plan = RunPlan(
        name=getattr(model, "__name__", "model"),
        points=points,
        replications=replications,
        seed=seed,
        sha256=identity,
        scenario=None,
        summary_metrics=list(probe),
        description={"design": {"method": method, "samples": samples, "points": len(points)}},
    )
    estimation = _with_convergence(estimation or Estimation(), method == "sobol")
    setup = _Setup(problem, method, 4, False, list(probe), ofat_levels, replications, estimation, seed)
    return _analyse(setup, plan, Path(out), model, ExecutionOptions(executor=executor, progress=False), False)
