"""Answers with the parameter uncertainty: `run` and `compare` over draws of a calibration's posterior.

``colabsim compare A.toml B.toml --posterior RUN`` resamples parameter sets from the final
generation of the calibration in ``RUN`` (by weight), runs every scenario for each draw with
``replications`` seeds, the same seeds in every scenario within a draw (common random numbers
within each (draw, seed)), and reports what `colabsim.calibration.answers` computes: per scenario,
the level's quantiles over the draws and, against the first scenario, the effect's mean, its
quantiles, the share of draws in which it helps (with its Monte Carlo error), how its variance
splits, and how much it rests on each calibrated parameter.

With ``--coding-robustness N`` the codings are sampled too, nested: N codings from the files' coded
ranges (`colabsim.robustness.comparison.plan_codings`), for each its own ``draws`` posterior draws,
for each ``replications`` seeds; common random numbers within each (coding, draw) across the arms;
the variance splits into coding, parameter and seed, and the report gives the share of codings as
well as of draws in which the effect is positive. Factor values are never calibrated (the
posterior is over rule parameters only), so nothing is sampled twice; but the posterior was
calibrated on the files' point codings, which the report says. Every interval is conditional on
the bands the posterior was calibrated on.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from colabsim.calibration.abc import generation_seed
from colabsim.calibration.answer_report import write_answer
from colabsim.calibration.answers import METRIC, PosteriorAnswer, effect_row, level_row, p1_row, parameter_rows
from colabsim.calibration.bands import DEFAULT_BANDS, band_names, bands_name
from colabsim.calibration.store import STATE_FILE, CalibrationError, model_version
from colabsim.experiments.executors import open_executor
from colabsim.experiments.progress import ProgressCallback, ProgressEvent
from colabsim.experiments.rundir import new_run_dir
from colabsim.model.batch import run_batch
from colabsim.robustness.comparison import CodingPlan
from colabsim.scenario.loader import Scenario
from colabsim.scenario.parameters import Parameters

__all__ = ["DEFAULT_DRAWS", "Posterior", "PosteriorAnswer", "cell_draws", "load_posterior", "run_with_posterior"]

_BOOKKEEPING = ("generation", "particle", "weight", "distance")
#: Posterior draws (per coding, per design point) when ``--draws`` is not given.
DEFAULT_DRAWS = 100
#: Runs per task of the executor.
_CHUNK = 1024


@dataclass(frozen=True)
class Posterior:
    """The final generation of a finished calibration.

    Attributes:
        folder: The calibration's run folder.
        theta: Particles, one row each (columns `coordinates`).
        weights: Their normalised weights.
        coordinates: Calibrated parameters (a Dirichlet weight as ``name.label``).
        verdicts: What the patterns said of each (``identified``, ``partly``, ``stays at the prior``).
        bands: The bands it was calibrated on (``default`` or a band variant's name).
    """

    folder: Path
    theta: np.ndarray
    weights: np.ndarray
    coordinates: tuple[str, ...]
    verdicts: dict[str, str]
    bands: str = DEFAULT_BANDS

    def parameters(self, rows: np.ndarray, base: Parameters) -> list[Parameters]:
        """Each row of ``theta`` as rule parameters on top of `base` (whole numbers rounded, weights completed)."""
        found = []
        for row in rows:
            values: dict[str, object] = {}
            groups: dict[str, list[float]] = {}
            for name, value in zip(self.coordinates, row, strict=True):
                if "." in name:
                    groups.setdefault(name.partition(".")[0], []).append(float(value))
                elif isinstance(getattr(base, name), int):
                    values[name] = round(float(value))
                else:
                    values[name] = float(value)
            for name, free in groups.items():
                values[name] = (*free, 1.0 - sum(free))
            found.append(base.updated(values))
        return found

    def resample(self, draws: int, seed: np.random.SeedSequence) -> np.ndarray:
        """`draws` rows of ``theta`` by their weights (systematic resampling: low variance, reproducible)."""
        rng = np.random.default_rng(seed)
        positions = (rng.random() + np.arange(draws)) / draws
        picks = np.searchsorted(np.cumsum(self.weights), positions)
        return self.theta[np.minimum(picks, len(self.theta) - 1)]


def load_posterior(folder: Path) -> Posterior:
    """Read the final generation of the calibration in `folder`.

    Raises:
        CalibrationError: If the folder holds no finished calibration, or it was calibrated on
            another model version or other bands than the current ones (naming file and key).
    """
    state_path, draws_path = folder / STATE_FILE, folder / "draws.parquet"
    if not state_path.is_file() or not draws_path.is_file():
        raise CalibrationError(
            f"--posterior {folder}: no finished calibration there ({STATE_FILE} and draws.parquet); "
            "run `colabsim calibrate FILE --out FOLDER` first"
        )
    state = json.loads(state_path.read_text(encoding="utf-8"))
    problems = [
        f"{state_path}: model.{key}: recorded {value!r}, the current model has {model_version([])[key]!r}"
        for key, value in state.get("model", {}).items()
        if model_version([]).get(key) != value
    ]
    # A posterior on the default bands or on one of validation's band variants may be used (its
    # report names them); one on bands nobody can name again may not.
    bands = bands_name(state.get("bands"))
    if bands is None:
        problems.append(
            f"{state_path}: bands: the posterior was calibrated on bands that are neither the current default bands "
            f"nor one of validation's band variants ({', '.join(band_names())}; colabsim.calibration.bands)"
        )
    if problems:
        raise CalibrationError(
            "\n".join(problems) + "\na posterior is conditional on the model and the bands it was "
            "calibrated on: calibrate again with the current ones"
        )
    draws = pd.read_parquet(draws_path)
    complete = []
    for generation in sorted(draws["generation"].unique()):
        meta = folder / "generations" / f"gen_{generation:03d}.json"
        if not meta.is_file() or json.loads(meta.read_text(encoding="utf-8")).get("complete", False):
            complete.append(generation)
    final = draws[draws["generation"] == max(complete)]
    coordinates = tuple(c for c in draws.columns if c not in _BOOKKEEPING and not c.startswith(("stat.", "value.")))
    table = pd.read_csv(folder / "posterior.csv") if (folder / "posterior.csv").is_file() else pd.DataFrame()
    verdicts = dict(zip(table.get("parameter", []), table.get("verdict", []), strict=True))
    weights = final["weight"].to_numpy(dtype=np.float64)
    theta = final[list(coordinates)].to_numpy(dtype=np.float64)
    return Posterior(folder, theta, weights / weights.sum(), coordinates, verdicts, bands or DEFAULT_BANDS)


def _run(
    scenario: Scenario, seeds: list[int], parameters: list[Parameters], codings: list[dict[str, float]]
) -> np.ndarray:
    values = codings if any(codings) else None
    return run_batch(scenario, seeds, parameters=parameters, start_values=values, keep_series=False).summary[METRIC]


def cell_draws(posterior: Posterior, codings: int, draws: int, root: np.random.SeedSequence) -> np.ndarray:
    """Posterior draws per (coding, draw): systematic resampling, dealt to the codings at random."""
    theta = posterior.resample(codings * draws, generation_seed(root, 0, 0))
    if codings > 1:  # resampled rows come sorted by particle: deal them out so each coding gets a spread
        theta = theta[np.random.default_rng(generation_seed(root, 0, 2)).permutation(len(theta))]
    return theta.reshape(codings, draws, -1)


def run_with_posterior(
    scenarios: Sequence[tuple[str, Scenario]],
    posterior: Posterior,
    draws: int,
    replications: int,
    seed: int,
    out: Path | None = None,
    workers: int = 1,
    progress: ProgressCallback | None = None,
    codings: CodingPlan | None = None,
) -> PosteriorAnswer:
    """Run labelled scenarios over posterior draws x seeds (and codings, nested); write a report.

    Args:
        scenarios: (label, scenario) pairs; the first is the baseline of the effects.
        posterior: The calibration's posterior (`load_posterior`).
        draws: Parameter draws (per coding, with `codings`).
        replications: Seeds per draw.
        seed: Root seed of the draws, the dealing and the seeds.
        out: The run folder to create (default ``runs/posterior-<time>``).
        workers: Worker processes (1: in this process; same numbers either way).
        progress: Receives the runs done.
        codings: The sampled codings of the compared files (`plan_codings` with ``draws x
            replications`` runs per coding); None for the files' own values.

    Raises:
        RunDirError: If `out` exists and is not empty.
    """
    folder = new_run_dir(out, "posterior")
    root = np.random.SeedSequence(seed)
    count = codings.settings.codings if codings is not None else 1
    theta = cell_draws(posterior, count, draws, root)
    cell_parameters = posterior.parameters(theta.reshape(count * draws, -1), Parameters())
    parameters = [p for p in cell_parameters for _ in range(replications)]
    seeds = [int(s) for s in generation_seed(root, 0, 1).generate_state(count * draws * replications, np.uint64) >> 1]
    arms = {label: (scenario, None) for label, scenario in scenarios} if codings is None else codings.arms
    values: dict[str, np.ndarray] = {}
    total, done = len(arms) * len(seeds), 0
    with open_executor("processes" if workers > 1 else "serial", workers) as executor:
        futures = {}
        for arm, (scenario, sampled) in arms.items():
            short = scenario.through_window()
            rows: list[dict[str, float]] = (
                [{str(k): float(v) for k, v in row.items()} for row in sampled.to_dict("records")]
                if sampled is not None and not sampled.empty
                else [{}] * count
            )
            start = [rows[k // (draws * replications)] for k in range(len(seeds))]
            futures[arm] = [
                executor.submit(_run, short, seeds[k : k + _CHUNK], parameters[k : k + _CHUNK], start[k : k + _CHUNK])
                for k in range(0, len(seeds), _CHUNK)
            ]
        for arm, pending in futures.items():
            parts = []
            for future in pending:
                parts.append(future.result())
                done += len(parts[-1])
                if progress:
                    progress(ProgressEvent("runs", done, total))
            values[arm] = np.concatenate(parts).reshape(count, draws, replications)
    answer = _answer(folder, scenarios, values, posterior, theta, codings)
    _write_cells(folder, theta, posterior.coordinates, values, codings)
    settings = {"draws": draws, "replications": replications, "seed": seed}
    write_answer(answer, posterior.folder, settings, posterior.bands)
    return answer


def _answer(
    folder: Path,
    scenarios: Sequence[tuple[str, Scenario]],
    values: dict[str, np.ndarray],
    posterior: Posterior,
    theta: np.ndarray,
    codings: CodingPlan | None,
) -> PosteriorAnswer:
    base = scenarios[0][0]
    measured_on = codings.measured_on if codings is not None else {label: base for label, _ in scenarios[1:]}
    levels = [level_row(label, values[label]) for label, _ in scenarios if label in values]
    effects, influence = [], []
    for label, against in measured_on.items():
        effect = values[label] - values[against]
        effects.append(effect_row(label, against, effect))
        influence += parameter_rows(label, theta, posterior.coordinates, effect, posterior.verdicts)
    pair = codings.pair if codings is not None else None
    patterns = [p1_row(pair, values[pair.strong], values[pair.weak])] if pair is not None else []
    count = codings.settings.codings if codings is not None else 1
    return PosteriorAnswer(
        folder, pd.DataFrame(levels), pd.DataFrame(effects), pd.DataFrame(influence), pd.DataFrame(patterns), count
    )


def _write_cells(
    folder: Path,
    theta: np.ndarray,
    coordinates: Sequence[str],
    values: dict[str, np.ndarray],
    codings: CodingPlan | None,
) -> None:
    """cells.parquet: per (coding, draw), its parameters, each arm's mean over the seeds; and the codings sampled."""
    count, draws = theta.shape[:2]
    index = pd.MultiIndex.from_product([range(count), range(draws)], names=["coding", "draw"])
    cells = pd.DataFrame(theta.reshape(count * draws, -1), index=index, columns=list(coordinates))
    for arm, outcome in values.items():
        cells[f"{arm}_mean"] = outcome.mean(axis=2).ravel()
    cells.reset_index().to_parquet(folder / "cells.parquet", index=False)
    if codings is not None:
        sampled = [table.add_prefix(f"{arm}.") for arm, (_, table) in codings.arms.items() if not table.empty]
        if sampled:
            pd.concat(sampled, axis=1).rename_axis("coding").reset_index().to_parquet(
                folder / "codings.parquet", index=False
            )
