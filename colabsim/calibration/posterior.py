"""Answers with the parameter uncertainty: `run` and `compare` over draws of a calibration's posterior.

``colabsim compare A.toml B.toml --posterior RUN`` resamples parameter sets from the final
generation of the calibration in ``RUN`` (by weight), runs every scenario for each draw with
``replications`` seeds, the same seeds in every scenario within a draw (common random numbers
within each (draw, seed)), and reports, per scenario, the level's quantiles over the draws and,
against the first scenario, the effect's mean, its quantiles over the draws, the share of draws in
which it helps (with its Monte Carlo error) and how its variance splits into seed and parameter;
for each calibrated parameter, how strongly the effect follows it across draws, with what the
patterns said of it (a parameter left at its prior that moves the answer is an answer resting on
its prior). Factor values are the scenario files' own (never calibrated, so nothing is counted
twice); coding uncertainty is not sampled here (see ``colabsim robustness``). Every interval is
conditional on the bands the posterior was calibrated on.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from colabsim._version import __version__
from colabsim.calibration.abc import generation_seed
from colabsim.calibration.bands import DEFAULT_BANDS, band_names, bands_name
from colabsim.calibration.store import STATE_FILE, CalibrationError, model_version
from colabsim.experiments.executors import open_executor
from colabsim.experiments.progress import ProgressCallback, ProgressEvent
from colabsim.experiments.rundir import new_run_dir, write_manifest
from colabsim.model.batch import run_batch
from colabsim.scenario.loader import Scenario
from colabsim.scenario.parameters import Parameters

__all__ = ["Posterior", "PosteriorAnswer", "load_posterior", "run_with_posterior"]

#: The outcome the answer is about (mean programme performance over the evaluation window).
METRIC = "performance"
_BOOKKEEPING = ("generation", "particle", "weight", "distance")


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


@dataclass(frozen=True)
class PosteriorAnswer:
    """What `run_with_posterior` found.

    Attributes:
        directory: Its run folder.
        levels: Per scenario: mean and quantiles over draws of the draw means.
        effects: Per scenario against the first: mean, quantiles, share of draws helping, variance split.
        parameters: Per scenario and calibrated parameter: Spearman's rho with the draw's effect, and its verdict.
    """

    directory: Path
    levels: pd.DataFrame
    effects: pd.DataFrame
    parameters: pd.DataFrame


def _variance_split(effect: np.ndarray) -> tuple[float, float]:
    """Shares of the effect's variance from the parameter draw and from the seeds (one-way ANOVA, moments)."""
    draws, reps = effect.shape
    within = float(np.mean(np.var(effect, axis=1, ddof=1))) if reps > 1 else 0.0
    between = max(0.0, float(np.var(effect.mean(axis=1), ddof=1)) - within / reps) if draws > 1 else 0.0
    total = between + within
    return (between / total, within / total) if total > 0 else (float("nan"), float("nan"))


def _run(scenario: Scenario, seeds: list[int], parameters: list[Parameters]) -> np.ndarray:
    return run_batch(scenario, seeds, parameters=parameters, keep_series=False).summary[METRIC]


def run_with_posterior(
    scenarios: Sequence[tuple[str, Scenario]],
    posterior: Posterior,
    draws: int,
    replications: int,
    seed: int,
    out: Path | None = None,
    workers: int = 1,
    progress: ProgressCallback | None = None,
) -> PosteriorAnswer:
    """Run labelled scenarios over `draws` posterior parameter sets x `replications` seeds; write a report.

    Raises:
        RunDirError: If `out` exists and is not empty.
    """
    folder = new_run_dir(out, "posterior")
    root = np.random.SeedSequence(seed)
    theta = posterior.resample(draws, generation_seed(root, 0, 0))
    parameters = [p for p in posterior.parameters(theta, Parameters()) for _ in range(replications)]
    seeds = [int(s) for s in generation_seed(root, 0, 1).generate_state(draws * replications, np.uint64) >> 1]
    values: dict[str, np.ndarray] = {}
    with open_executor("processes" if workers > 1 else "serial", workers) as executor:
        chunks = {
            label: [
                executor.submit(_run, scenario, seeds[k : k + 1024], parameters[k : k + 1024])
                for k in range(0, len(seeds), 1024)
            ]
            for label, scenario in scenarios
        }
        done = 0
        for label, futures in chunks.items():
            parts = []
            for future in futures:
                parts.append(future.result())
                done += len(parts[-1])
                if progress:
                    progress(ProgressEvent("runs", done, len(scenarios) * len(seeds)))
            values[label] = np.concatenate(parts).reshape(draws, replications)
    answer = _answer(folder, scenarios, values, posterior, theta)
    _write(answer, posterior, draws, replications, seed)
    return answer


def _answer(
    folder: Path,
    scenarios: Sequence[tuple[str, Scenario]],
    values: dict[str, np.ndarray],
    posterior: Posterior,
    theta: np.ndarray,
) -> PosteriorAnswer:
    levels, effects, influence = [], [], []
    base_label = scenarios[0][0]
    for label, _ in scenarios:
        means = values[label].mean(axis=1)
        q = np.quantile(means, (0.05, 0.5, 0.95))
        levels.append({"scenario": label, "mean": float(means.mean()), "q05": q[0], "median": q[1], "q95": q[2]})
        if label == base_label:
            continue
        effect = values[label] - values[base_label]
        per_draw = effect.mean(axis=1)
        q = np.quantile(per_draw, (0.05, 0.5, 0.95))
        helps = float(np.mean(per_draw > 0))
        parameter_share, seed_share = _variance_split(effect)
        effects.append(
            {
                "scenario": label,
                "against": base_label,
                "mean": float(per_draw.mean()),
                "mc_error": float(per_draw.std(ddof=1) / np.sqrt(len(per_draw))),
                "q05": q[0],
                "median": q[1],
                "q95": q[2],
                "share_helps": helps,
                "share_helps_mc_error": float(np.sqrt(helps * (1 - helps) / len(per_draw))),
                "variance_parameter": parameter_share,
                "variance_seed": seed_share,
            }
        )
        for k, name in enumerate(posterior.coordinates):
            rho = stats.spearmanr(theta[:, k], per_draw).statistic if np.ptp(theta[:, k]) > 0 else float("nan")
            influence.append(
                {
                    "scenario": label,
                    "parameter": name,
                    "spearman_rho": float(rho),
                    "verdict": posterior.verdicts.get(name, "unknown"),
                }
            )
    return PosteriorAnswer(folder, pd.DataFrame(levels), pd.DataFrame(effects), pd.DataFrame(influence))


def _table(frame: pd.DataFrame) -> str:
    rows = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    for row in frame.itertuples(index=False):
        rows.append("| " + " | ".join(f"{v:.3f}" if isinstance(v, float) else str(v) for v in row) + " |")
    return "\n".join(rows) + "\n"


def _write(answer: PosteriorAnswer, posterior: Posterior, draws: int, replications: int, seed: int) -> None:
    folder = answer.directory
    answer.levels.to_csv(folder / "posterior_levels.csv", index=False)
    answer.effects.to_csv(folder / "posterior_effects.csv", index=False)
    answer.parameters.to_csv(folder / "posterior_parameters.csv", index=False)
    resting = answer.parameters[
        (answer.parameters["verdict"] == "stays at the prior") & (answer.parameters["spearman_rho"].abs() >= 0.3)
    ]
    lines = [
        "# Answers with the parameter uncertainty",
        "",
        f"Mean programme performance over the evaluation window (`{METRIC}`), for {draws} parameter sets drawn from "
        f"the posterior in `{posterior.folder}` x {replications} seeds each, the same seeds in every scenario within "
        f"a draw. **Conditional on the bands** it was calibrated on (P1-P3, {posterior.bands}; see its report): the "
        "intervals cover the parameters' pattern-constrained uncertainty and the seeds' noise, not the coding of "
        "the factors (see `colabsim robustness`) nor the parameters that were not calibrated (fixed at their "
        "documented values).",
        "",
        "## Levels (quantiles over the draws of each draw's mean)",
        "",
        _table(answer.levels),
    ]
    if not answer.effects.empty:
        lines += [
            "## Effects against the first scenario",
            "",
            "`mean` with its Monte Carlo error over the draws; `q05`-`q95`: 90% of the draws' effects; "
            "`share_helps`: share of draws in which the effect is above 0; `variance_parameter` and "
            "`variance_seed`: how the effect's variance splits between the parameter draw and the seeds.",
            "",
            _table(answer.effects),
            "## How much the answer rests on each parameter",
            "",
            "Spearman's rho between a draw's parameter value and its effect; *stays at the prior*: the "
            "patterns did not constrain it, so where rho is large the answer rests on its prior.",
            "",
            _table(answer.parameters),
        ]
        if not resting.empty:
            lines.append(
                "Resting on a prior (|rho| >= 0.3 and left at the prior by the patterns): "
                + ", ".join(f"{r.parameter} ({r.scenario}, rho {r.spearman_rho:+.2f})" for r in resting.itertuples())
                + "."
            )
    folder.joinpath("report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    write_manifest(
        folder,
        {
            "command": "posterior",
            "colabsim": __version__,
            "posterior": str(posterior.folder),
            "draws": draws,
            "replications": replications,
            "seed": seed,
        },
    )
