"""What moves between finished calibrations: `colabsim calibrate-compare RUN_A RUN_B [...] --out DIR`.

The reruns of issue 18 (on validation's alternative bands, ``colabsim calibrate FILE --bands
NAME``; on wider priors, experiments/calibration_wide_priors.toml) are calibrations of their own;
this reads their folders (nothing is run again) and sets each against the first:

- per calibrated parameter: posterior mean, 90% interval, sd ratio and verdict in each run, and the
  shift of the mean in units of the first run's posterior sd;
- the feasible share of each run's prior (generation 0 meeting every band, Wilson 95% interval),
  and the null and alternative models' feasible shares;
- the predictive checks: targets (prior and posterior predictive) and held-out patterns;
- a check of the reweighting answers (`colabsim.calibration.variants`) against the reruns: a run
  on a band variant against the re-rejection of a default run's generation 0 under that variant,
  and for runs with other priors, one run's particles reweighted to the other's prior where its
  support covers it (and, where it does not, how much of the other prior lies out of its reach).

Every run is conditional on its own bands and priors; the comparison says which.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from colabsim.calibration.abc import Generation
from colabsim.calibration.bands import DEFAULT_BANDS, bands_name
from colabsim.calibration.checks import wilson
from colabsim.calibration.priors import PriorSet
from colabsim.calibration.spec import load_calibration
from colabsim.calibration.store import STATE_FILE, CalibrationError, read_generations, read_priors
from colabsim.calibration.variants import reweighted, weighted_summary
from colabsim.experiments.rundir import new_run_dir
from colabsim.scenario.loader import ScenarioError

__all__ = ["CalibrationComparison", "CalibrationRun", "compare_calibrations", "read_run"]

#: What a finished calibration's folder holds besides calibration.json.
_FINISHED = ("manifest.json", "posterior.csv", "draws.parquet")
#: Prior draws used to tell whether one prior's support covers another's.
_SUPPORT_DRAWS = 20_000


@dataclass(frozen=True)
class CalibrationRun:
    """A finished calibration, read back from its folder.

    Attributes:
        folder: Its run folder.
        label: Its name in the tables (the folder's name, numbered if two are the same).
        state: ``calibration.json`` (the hashes it is conditional on).
        manifest: ``manifest.json``.
        bands: Which bands: ``default``, a band variant's name, or ``unnamed bands``.
        prior: Its priors, if the folder (``priors.json``) or its calibration file still gives them.
        posterior: ``posterior.csv``: a row per calibrated coordinate.
        generations: Its generations, 0 (the prior) first.
    """

    folder: Path
    label: str
    state: dict[str, Any]
    manifest: dict[str, Any]
    bands: str
    prior: PriorSet | None
    posterior: pd.DataFrame
    generations: list[Generation]

    @property
    def coordinates(self) -> tuple[str, ...]:
        """The calibrated coordinates, in the order of ``theta``'s columns."""
        return tuple(self.posterior["parameter"])

    @property
    def final(self) -> Generation:
        """The last complete generation (the posterior)."""
        return [g for g in self.generations if g.complete][-1]

    def marginal(self, coordinate: str) -> dict[str, Any]:
        """The coordinate's row of ``posterior.csv``: prior and posterior mean, sd, 90% interval, verdict."""
        return _record(self.posterior, "parameter", coordinate)

    def table(self, name: str) -> pd.DataFrame | None:
        """One of the run's CSV tables, or None if it wrote none."""
        path = self.folder / name
        # Only empty cells are missing: the null model's row is called "null".
        return pd.read_csv(path, keep_default_na=False, na_values=[""]) if path.is_file() else None


def _record(table: pd.DataFrame, column: str, value: str) -> dict[str, Any]:
    """The first row of `table` whose `column` is `value`, by column name."""
    for record in table.to_dict("records"):
        if record[column] == value:
            return {str(k): v for k, v in record.items()}
    raise KeyError(f"no {column} {value!r}")


def _prior_of(folder: Path, state: dict[str, Any], manifest: dict[str, Any]) -> PriorSet | None:
    """The priors from ``priors.json``, or from the calibration file named in the manifest if its priors match."""
    prior = read_priors(folder, state.get("priors"))
    if prior is not None:
        return prior
    try:
        calibration = load_calibration(Path(manifest.get("file", "")))
    except (ScenarioError, OSError):
        return None
    return calibration.prior if calibration.priors_hash() == state.get("priors") else None


def read_run(folder: Path, label: str | None = None) -> CalibrationRun:
    """Read the finished calibration in `folder`.

    Raises:
        CalibrationError: If `folder` is no calibration's folder or its calibration has not finished.
    """
    if not folder.is_dir():
        raise CalibrationError(f"{folder}: no such folder; give the folders of finished calibrations")
    if not (folder / STATE_FILE).is_file():
        raise CalibrationError(
            f"{folder}: no {STATE_FILE}, so this is no calibration's folder; give folders that "
            "`colabsim calibrate FILE --out FOLDER` wrote"
        )
    missing = [name for name in _FINISHED if not (folder / name).is_file()]
    if missing:
        raise CalibrationError(
            f"{folder}: the calibration there has not finished (no {', '.join(missing)}); finish it with "
            f"`colabsim calibrate FILE --resume --out {folder}`"
        )
    try:
        state = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CalibrationError(f"{folder}: cannot read its {STATE_FILE} or manifest.json ({exc})") from None
    posterior = pd.read_csv(folder / "posterior.csv")
    generations = read_generations(folder, tuple(posterior["parameter"]))
    if not any(g.complete for g in generations):
        raise CalibrationError(f"{folder}: no complete generation under generations/; calibrate again")
    return CalibrationRun(
        folder=folder,
        label=label or folder.name,
        state=state,
        manifest=manifest,
        bands=bands_name(state.get("bands")) or str(manifest.get("bands", "unnamed bands")),
        prior=_prior_of(folder, state, manifest),
        posterior=posterior,
        generations=generations,
    )


def _labels(folders: Sequence[Path]) -> list[str]:
    names = [f.name for f in folders]
    return [f"{name} ({k + 1})" if names.count(name) > 1 else name for k, name in enumerate(names)]


def _same_kind(runs: Sequence[CalibrationRun]) -> None:
    first = runs[0]
    for run in runs[1:]:
        if set(run.coordinates) != set(first.coordinates):
            raise CalibrationError(
                f"{run.folder} calibrates {', '.join(run.coordinates)}; {first.folder} (the first) calibrates "
                f"{', '.join(first.coordinates)}: compare calibrations of the same parameters"
            )
        differs = [
            f"{run.folder / STATE_FILE}: model.{key}: recorded {value!r}, {first.folder} has "
            f"{first.state.get('model', {}).get(key)!r}"
            for key, value in run.state.get("model", {}).items()
            if first.state.get("model", {}).get(key) != value
        ]
        if differs:
            raise CalibrationError(
                "\n".join(differs) + "\ncompare calibrations of the same model version (calibrate them again)"
            )


@dataclass(frozen=True)
class CalibrationComparison:
    """What `compare_calibrations` found (each table is also written as CSV).

    Attributes:
        directory: The comparison's folder.
        runs: A row per run: file, bands, priors, budget, generations, stop, feasible share.
        parameters: A row per run and parameter: posterior mean, sd, 90% interval, verdict, shift.
        submodels: The null and alternative models' feasible shares, a column per run.
        targets: The predictive checks on the targets, a column per run.
        held_out: The held-out patterns' shares, a column per run.
        bands_check: Re-rejection of a default run's generation 0 against the band reruns.
        priors_check: One run's particles reweighted to another's prior against that run itself.
    """

    directory: Path
    runs: pd.DataFrame
    parameters: pd.DataFrame
    submodels: pd.DataFrame
    targets: pd.DataFrame
    held_out: pd.DataFrame
    bands_check: pd.DataFrame
    priors_check: pd.DataFrame

    def largest_shift(self) -> tuple[str, str, float]:
        """The parameter, run and shift (in the first run's posterior sds) of the largest shift of a posterior mean."""
        shifts = self.parameters["shift_in_first_sd"].abs().fillna(0.0).to_numpy()
        row = self.parameters.iloc[int(np.argmax(shifts))]
        return str(row["parameter"]), str(row["run"]), float(row["shift_in_first_sd"])


def _runs_table(runs: Sequence[CalibrationRun]) -> pd.DataFrame:
    rows = []
    for run in runs:
        first, final = run.generations[0], run.final
        met = int((first.distances <= 0).sum())
        low, high = wilson(met, first.proposed)
        convergence = run.table("convergence.csv")
        rows.append(
            {
                "run": run.label,
                "file": str(run.manifest.get("file", "")),
                "bands": run.bands,
                "priors": str(run.state.get("priors", ""))[:12],
                "quick": bool(run.manifest.get("quick", False)),
                "generations": len(run.generations) - 1,
                "engine_runs": int(convergence["runs"].sum()) if convergence is not None else -1,
                "final_epsilon": final.epsilon,
                "ess": final.ess,
                "met_every_band": bool(any((g.distances <= 0).any() for g in run.generations)),
                "prior_draws": first.proposed,
                "feasible_share": met / first.proposed,
                "feasible_low": low,
                "feasible_high": high,
            }
        )
    return pd.DataFrame(rows)


def _parameters_table(runs: Sequence[CalibrationRun]) -> pd.DataFrame:
    rows = []
    for run in runs:
        for name in runs[0].coordinates:
            row, first = run.marginal(name), runs[0].marginal(name)
            sd = float(first["posterior_sd"])
            shift = (float(row["posterior_mean"]) - float(first["posterior_mean"])) / sd if sd > 0 else float("nan")
            keep = ("prior_q05", "prior_q95", "posterior_mean", "posterior_sd", "posterior_q05", "posterior_q95")
            rows.append(
                {"parameter": name, "run": run.label}
                | {key: float(row[key]) for key in (*keep, "sd_ratio")}
                | {"verdict": str(row["verdict"]), "shift_in_first_sd": shift}
            )
    return pd.DataFrame(rows)


def _side_by_side(runs: Sequence[CalibrationRun], name: str, keys: list[str], value: str) -> pd.DataFrame:
    """One column per run of `value` from the run's table `name`, rows by `keys` (empty if no run wrote it)."""
    parts = []
    for run in runs:
        table = run.table(name)
        if table is not None and value in table.columns and set(keys) <= set(table.columns):
            parts.append(table.set_index(keys)[value].rename(run.label))
    if not parts:
        return pd.DataFrame(columns=keys)
    return pd.concat(parts, axis=1).reset_index()


def _bands_check(runs: Sequence[CalibrationRun]) -> pd.DataFrame:
    """Each band rerun against the re-rejection (`variants.band_variants`) of a default run on the same prior."""
    rows = []
    for rerun in runs:
        if rerun.bands in (DEFAULT_BANDS, "unnamed bands"):
            continue
        for base in runs:
            if base.bands != DEFAULT_BANDS or base.state.get("priors") != rerun.state.get("priors"):
                continue
            table = base.table("band_sensitivity.csv")
            if table is None or rerun.bands not in set(table["bands"]):
                continue
            rejected = _record(table, "bands", rerun.bands)
            share = rerun.generations[0].distances <= 0
            rows.append(
                {
                    "variant": rerun.bands,
                    "rerun": rerun.label,
                    "reweighted_from": base.label,
                    "quantity": "share of the prior meeting every band",
                    "re_rejection": float(rejected["share"]),
                    "rerun_value": float(share.mean()),
                    "rerun_sd": float("nan"),
                    "difference_in_rerun_sd": float("nan"),
                    "draws_behind_re_rejection": float(rejected["draws"]),
                }
            )
            for name in rerun.coordinates:
                estimate = float(rejected.get(f"mean.{name}", float("nan")))
                mean, sd = float(rerun.marginal(name)["posterior_mean"]), float(rerun.marginal(name)["posterior_sd"])
                rows.append(
                    {
                        "variant": rerun.bands,
                        "rerun": rerun.label,
                        "reweighted_from": base.label,
                        "quantity": f"posterior mean of {name}",
                        "re_rejection": estimate,
                        "rerun_value": mean,
                        "rerun_sd": sd,
                        "difference_in_rerun_sd": (estimate - mean) / sd if sd > 0 else float("nan"),
                        "draws_behind_re_rejection": float(rejected["draws"]),
                    }
                )
            break
    return pd.DataFrame(rows)


def _outside(target: PriorSet, source: PriorSet, seed: int) -> float:
    """The share of `target`'s prior outside `source`'s support (what `source`'s particles can never reach)."""
    sample = target.sample(np.random.default_rng(seed), _SUPPORT_DRAWS)
    return float(np.mean(~np.isfinite(source.logpdf(sample))))


def _priors_check(runs: Sequence[CalibrationRun]) -> pd.DataFrame:
    """For runs on the same bands with other priors: one's particles reweighted to the other's prior, against it."""
    rows = []
    for target in runs:
        for source in runs:
            same_bands = source.state.get("bands") == target.state.get("bands")
            if source is target or not same_bands or source.state.get("priors") == target.state.get("priors"):
                continue
            if source.prior is None or target.prior is None:
                continue
            outside = _outside(target.prior, source.prior, 0)
            final = target.final
            missed = float(final.weights[~np.isfinite(source.prior.logpdf(final.theta))].sum())
            base = {"to": target.label, "reweighted_from": source.label, "target_prior_outside_source": outside}
            if outside > 0:
                rows.append(
                    base
                    | {
                        "quantity": "not reachable by reweighting",
                        "ess": float("nan"),
                        "target_posterior_outside_source": missed,
                    }
                )
                continue
            weights = reweighted(source.prior, target.prior, source.final.theta, source.final.weights)
            summary = weighted_summary(source.final.theta, weights, source.coordinates) if weights is not None else {}
            ess = float(1.0 / np.sum(weights**2)) if weights is not None else 0.0
            for name in target.coordinates:
                mean, sd = float(target.marginal(name)["posterior_mean"]), float(target.marginal(name)["posterior_sd"])
                estimate = summary.get(f"mean.{name}", float("nan"))
                rows.append(
                    base
                    | {
                        "quantity": f"posterior mean of {name}",
                        "reweighted": estimate,
                        "rerun_value": mean,
                        "rerun_sd": sd,
                        "difference_in_rerun_sd": (estimate - mean) / sd if sd > 0 else float("nan"),
                        "ess": ess,
                        "target_posterior_outside_source": missed,
                    }
                )
    return pd.DataFrame(rows)


def compare_calibrations(folders: Sequence[Path | str], out: Path | None = None) -> CalibrationComparison:
    """Set finished calibrations side by side, against the first; write the tables and report.md to `out`.

    Raises:
        CalibrationError: If fewer than two folders are given, one is no finished calibration, or
            they calibrate other parameters or another model version than the first.
        RunDirError: If `out` exists and is not empty.
    """
    if len(folders) < 2:
        raise CalibrationError(f"calibrate-compare needs two calibration folders or more; got {len(folders)}")
    paths = [Path(folder) for folder in folders]
    runs = [read_run(folder, label) for folder, label in zip(paths, _labels(paths), strict=True)]
    _same_kind(runs)
    comparison = CalibrationComparison(
        directory=new_run_dir(out, "calibrate-compare"),
        runs=_runs_table(runs),
        parameters=_parameters_table(runs),
        submodels=_side_by_side(runs, "submodels.csv", ["model"], "feasible_share"),
        targets=_side_by_side(runs, "predictive_targets.csv", ["check", "target"], "share_in_band"),
        held_out=_side_by_side(runs, "predictive_held_out.csv", ["pattern"], "share_holds"),
        bands_check=_bands_check(runs),
        priors_check=_priors_check(runs),
    )
    from colabsim.calibration.comparison_report import write_comparison  # it reads this module's types

    write_comparison(comparison, runs)
    return comparison
