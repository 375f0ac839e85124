"""`run_calibration`: screening, ABC-SMC against the bands, predictive checks and the submodels, into a run folder.

The calibration runs as ``colabsim calibrate FILE --out RUN`` (see the README's "How sure is this?")
or from Python. Every random number comes from the file's root seed: the sampler's from
``SeedSequence(seed)``, the predictive checks' and the submodels' from children of it that the
sampler never uses. What is written (see `colabsim.calibration.store` and
`colabsim.calibration.report`) is conditional on the bands: the posterior is the
pattern-constrained, non-implausible region of the priors, not a statement about data.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from colabsim._version import __version__
from colabsim.calibration.abc import Generation, Settings, abc_smc, generation_seed, stop_reason
from colabsim.calibration.checks import (
    band_shares,
    feasible_share,
    posterior_table,
    resample,
    wilson,
)
from colabsim.calibration.holdout import held_out_checks
from colabsim.calibration.priors import PriorSet
from colabsim.calibration.report import write_report
from colabsim.calibration.result import CalibrationResult
from colabsim.calibration.screening import screen
from colabsim.calibration.simulator import ARMS, PatternSimulator
from colabsim.calibration.spec import Calibration, load_calibration
from colabsim.calibration.store import (
    CalibrationError,
    check_resume,
    codebook_hash,
    files_hash,
    model_version,
    read_generations,
    write_generation,
    write_state,
)
from colabsim.calibration.targets import bands_hash
from colabsim.calibration.variants import band_variants, prior_variants
from colabsim.experiments.executors import cancel, open_executor, second_interrupt_exits
from colabsim.experiments.lock import FolderLock
from colabsim.experiments.progress import ProgressCallback, phase
from colabsim.experiments.rundir import new_run_dir, write_manifest
from colabsim.scenario.parameters import RESOURCE_TYPES, Parameters
from colabsim.validation.runs import seed_range
from colabsim.validation.study import STUDY_FILES, Study, load_study
from colabsim.validation.submodels import SUBMODELS, load_tuned, submodel_parameters

__all__ = ["CalibrationError", "CalibrationResult", "run_calibration", "run_screening"]

#: Spawn keys of the checks' streams, apart from the sampler's generations (which use 0, 1, ...).
_PREDICTIVE, _HELD_OUT, _SUBMODELS = 10_001, 10_002, 10_003


def _state(calibration: Calibration, study: Study, quick: bool) -> dict[str, Any]:
    files = [study.directory / f"{name}.toml" for name in STUDY_FILES]
    return {
        "bands": bands_hash(calibration.targets),
        "priors": calibration.priors_hash(),
        "scenarios": files_hash(files),
        "codebook": codebook_hash(study.directory),
        "model": model_version(files),
        "calibration file": calibration.sha256,
        "budget": calibration.budget(quick).model_dump(),
        "seed": calibration.spec.calibration.seed,
    }


def _open_folder(out: Path | None, resume: bool, state: dict[str, Any]) -> Path:
    if resume:
        if out is None or not out.is_dir():
            raise CalibrationError(f"--resume needs --out, an existing calibration folder; got {out}")
        check_resume(out, state)
        return out
    folder = new_run_dir(out, "calibrate")
    write_state(folder, state)
    return folder


def _documented(prior: PriorSet) -> dict[str, float]:
    """The documented value of each coordinate (a weight of a Dirichlet group by its label)."""
    defaults = Parameters()
    values: dict[str, float] = {}
    for coordinate in prior.coordinates:
        name, _, label = coordinate.partition(".")
        value = getattr(defaults, name)
        values[coordinate] = float(value[RESOURCE_TYPES.index(label)]) if label else float(value)
    return values


def _submodels(calibration: Calibration, simulator: PatternSimulator, draws: int, v2: Generation) -> pd.DataFrame:
    tuned = load_tuned()
    met = int((v2.distances <= 0).sum())
    low, high = wilson(met, v2.proposed)
    rows = [
        {
            "model": "v2",
            "title": "Model v2",
            "fixed": "",
            "draws": v2.proposed,
            "feasible_share": met / v2.proposed,
            "ci_low": low,
            "ci_high": high,
            "source": "generation 0 (the calibration's prior)",
        }
    ]
    root = np.random.SeedSequence(calibration.spec.calibration.seed)
    for k, model in enumerate(SUBMODELS):
        values = submodel_parameters(model, tuned)
        simulator.base = Parameters().updated(values)
        simulator.prior = calibration.prior.fixed(model.fixed)
        simulator.label = f"submodel {model.name}"
        share, low, high, _ = feasible_share(simulator, draws, generation_seed(root, _SUBMODELS, 0, k))
        rows.append(
            {
                "model": model.name,
                "title": model.title,
                "fixed": ", ".join(model.fixed),
                "draws": draws,
                "feasible_share": share,
                "ci_low": low,
                "ci_high": high,
                "source": "rejection ABC over the calibration's priors of its free parameters",
            }
        )
    return pd.DataFrame(rows)


def run_calibration(
    path: str | Path,
    out: Path | None = None,
    quick: bool = False,
    resume: bool = False,
    workers: int = 1,
    progress: ProgressCallback | None = None,
    say: Callable[[str], None] | None = None,
) -> CalibrationResult:
    """Calibrate the model on P1-P3 by ABC-SMC, then check the posterior; everything into one folder.

    Args:
        path: The calibration file.
        out: The run folder (default ``runs/calibrate-<time>``); with `resume`, the folder to continue.
        quick: Use the file's ``[quick]`` budget.
        resume: Continue the calibration in `out` after its last finished generation.
        workers: Worker processes for the engine's batches (1: in this process).
        progress: Receives the runs done, per generation.
        say: Receives a line per finished generation and step (the command line prints them).

    Raises:
        ScenarioError: If the calibration file is invalid.
        StudyError: If the study's scenario files cannot be found.
        CalibrationError: If `out` cannot be resumed (another model version, other bands, ...).
        RunDirError: If `out` exists and is not empty (without `resume`).
    """
    began = time.perf_counter()
    tell = say or (lambda line: None)
    calibration = load_calibration(path)
    study = load_study(calibration.scenario_dir())
    state = _state(calibration, study, quick)
    folder = _open_folder(out, resume, state)
    settings = calibration.settings(quick)
    budget = calibration.budget(quick)
    with FolderLock(folder), open_executor("processes" if workers > 1 else "serial", workers) as executor:
        simulator = PatternSimulator(
            study,
            calibration.prior,
            budget.replications,
            targets=calibration.targets,
            executor=executor,
            progress=progress,
            label="generation 0",
        )
        try:
            generations = _sample(calibration, simulator, settings, folder, tell)
            result = _checked(calibration, simulator, generations, quick, folder)
        except BaseException:
            with second_interrupt_exits():
                cancel(executor)  # Ctrl-C: the finished generations are on disk already
            raise
        with phase(progress, "report"):
            result = replace(result, seconds=time.perf_counter() - began)
            write_report(result, calibration, quick)
            content = {
                "command": "calibrate",
                "colabsim": __version__,
                "file": str(calibration.path),
                "quick": quick,
                "resumed": resume,
                "state": state,
                "stopped": result.stopped,
                "finished": datetime.now(UTC).isoformat(),
                "seconds": result.seconds,
            }
            write_manifest(folder, content)
    return result


def _sample(
    calibration: Calibration, simulator: PatternSimulator, settings: Settings, folder: Path, tell: Callable[[str], None]
) -> list[Generation]:
    """Run (or continue) the ABC-SMC, writing each generation as soon as it is finished."""
    coordinates = calibration.prior.coordinates
    root = np.random.SeedSequence(calibration.spec.calibration.seed)
    done = read_generations(folder, coordinates)
    generations = list(done)
    simulator.label = f"generation {len(done)}"
    for generation in abc_smc(calibration.prior, simulator, settings, root, done):
        simulator.label = f"generation {generation.index + 1}"
        write_generation(folder, generation, coordinates)
        generations.append(generation)
        tell(_generation_line(generation, simulator.replications))
    return generations


def _checked(
    calibration: Calibration, simulator: PatternSimulator, generations: list[Generation], quick: bool, folder: Path
) -> CalibrationResult:
    """The posterior's table, the predictive checks (targets and held out) and the submodels' feasible shares.

    The held-out checks run the same draws as the posterior predictive check, and the documented
    parameters beside them, on common seeds (`colabsim.calibration.holdout`).
    """
    root = np.random.SeedSequence(calibration.spec.calibration.seed)
    budget, checks, progress = calibration.budget(quick), calibration.spec.checks, simulator.progress
    final = [g for g in generations if g.complete][-1]
    with phase(progress, "posterior predictive check"):
        draws = resample(final, checks.posterior_draws, generation_seed(root, _PREDICTIVE, 0))
        simulator.replications = checks.replications
        fresh = simulator.statistics(draws, generation_seed(root, _PREDICTIVE, 1))
    seed = int(generation_seed(root, _HELD_OUT, 0).generate_state(1)[0])
    documented = simulator.base
    held_out = held_out_checks(
        simulator.study,
        documented,
        calibration.prior.parameters(draws, documented),
        seed_range(seed, checks.replications),
        simulator.executor,
        progress,
    )
    simulator.replications = budget.replications
    with phase(progress, "submodels"):
        submodels = _submodels(calibration, simulator, checks.submodel_draws, generations[0])
    return CalibrationResult(
        directory=folder,
        generations=generations,
        stopped=stop_reason(generations[-1], calibration.settings(quick)) or "stopped",
        posterior=posterior_table(calibration.prior, final, _documented(calibration.prior), 0),
        prior_predictive=band_shares(calibration.targets, generations[0].statistics, generations[0].weights),
        posterior_predictive=band_shares(calibration.targets, fresh, np.full(len(draws), 1.0 / len(draws))),
        held_out=held_out.patterns,
        held_out_scenarios=held_out.scenarios,
        health_tourism=held_out.health_tourism,
        coding_swap=held_out.coding_swap,
        submodels=submodels,
        prior_variants=prior_variants(calibration.prior, final, _documented(calibration.prior)),
        band_variants=band_variants(calibration.targets, generations[0], calibration.prior.coordinates),
        runs=sum(g.proposed for g in generations) * budget.replications * len(ARMS),
        seconds=0.0,
    )


def _generation_line(generation: Generation, replications: int) -> str:
    runs = generation.proposed * replications * len(ARMS)
    met = int((generation.distances <= 0).sum())
    return (
        f"generation {generation.index}: epsilon {generation.epsilon:.3g}, acceptance {generation.acceptance:.1%}, "
        f"ESS {generation.ess:.0f}, {met} of {len(generation.theta)} meet every band, {runs:,} runs in "
        f"{generation.seconds:.0f} s"
    )


def run_screening(
    path: str | Path, out: Path | None = None, workers: int = 1, progress: ProgressCallback | None = None
) -> tuple[Path, pd.DataFrame]:
    """Morris screening of every scalar parameter on P1-P3 (`colabsim.calibration.screening`), into a folder.

    Returns:
        The folder (with ``screening.csv``) and the ranking.
    """
    calibration = load_calibration(path)
    study = load_study(calibration.scenario_dir())
    folder = new_run_dir(out, "screening")
    spec = calibration.spec.screening
    with FolderLock(folder), open_executor("processes" if workers > 1 else "serial", workers) as executor:
        simulator = PatternSimulator(
            study,
            calibration.prior,
            spec.replications,
            targets=calibration.targets,
            executor=executor,
            progress=progress,
            label="screening runs",
        )
        table = screen(simulator, spec.spread, spec.trajectories, spec.levels, calibration.spec.calibration.seed)
    table.to_csv(folder / "screening.csv", index=False)
    write_manifest(
        folder,
        {
            "command": "calibrate --screen",
            "file": str(calibration.path),
            "runs": simulator.runs,
            "screening": spec.model_dump(),
            "seed": calibration.spec.calibration.seed,
        },
    )
    return folder, table
