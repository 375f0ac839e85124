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

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from colabsim.calibration.abc import effective_sample_size
from colabsim.calibration.bands import DEFAULT_BANDS
from colabsim.calibration.checks import wilson
from colabsim.calibration.comparison_report import write_comparison
from colabsim.calibration.comparison_runs import (
    CalibrationComparison,
    CalibrationRun,
    check_same_kind,
    read_run,
    record,
    run_labels,
)
from colabsim.calibration.comparison_what_if import WhatIf, what_if_table
from colabsim.calibration.posterior import load_posterior
from colabsim.calibration.priors import PriorSet
from colabsim.calibration.store import CalibrationError
from colabsim.calibration.variants import reweighted, weighted_summary
from colabsim.experiments.rundir import new_run_dir

__all__ = ["compare_calibrations"]

#: Prior draws used to tell whether one prior's support covers another's.
_SUPPORT_DRAWS = 20_000


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


def _held_out(runs: Sequence[CalibrationRun]) -> pd.DataFrame:
    """The held-out checks' shares of posterior draws, a column per run: patterns, scenarios, health against tourism."""
    parts = []
    for check, name, key in (
        ("pattern", "predictive_held_out.csv", "pattern"),
        ("scenario", "predictive_held_out_scenarios.csv", "scenario"),
        ("health against tourism", "predictive_health_tourism.csv", "reading"),
    ):
        table = _side_by_side(runs, name, [key], "share_holds")
        if not table.empty:
            parts.append(table.rename(columns={key: "what"}).assign(check=check))
    if not parts:
        return pd.DataFrame(columns=["check", "what"])
    joined = pd.concat(parts, ignore_index=True)
    return joined[["check", "what", *[c for c in joined.columns if c not in ("check", "what")]]]


def _mean_rows(run: CalibrationRun, estimates: dict[str, float], behind: float) -> list[dict[str, Any]]:
    """Per parameter: a reweighting's estimate of `run`'s posterior mean against the mean `run` found itself.

    The difference is in `run`'s posterior sds, beside the Monte Carlo error expected of it from the
    `behind` effective draws of the estimate and the run's own ESS (both means of about that sd).
    """
    rows = []
    error = float(np.sqrt(1.0 / behind + 1.0 / run.final.ess)) if behind > 0 else float("nan")
    for name in run.coordinates:
        mean, sd = float(run.marginal(name)["posterior_mean"]), float(run.marginal(name)["posterior_sd"])
        estimate = estimates.get(f"mean.{name}", float("nan"))
        rows.append(
            {
                "quantity": f"posterior mean of {name}",
                "estimate": estimate,
                "rerun": mean,
                "rerun_sd": sd,
                "difference_in_rerun_sd": (estimate - mean) / sd if sd > 0 else float("nan"),
                "mc_error_in_rerun_sd": error,
                "effective_draws": behind,
            }
        )
    return rows


def _bands_check(runs: Sequence[CalibrationRun]) -> pd.DataFrame:
    """Each band rerun against the re-rejection (`variants.band_variants`) of a default run on the same prior."""
    rows = []
    for rerun in runs:
        if rerun.bands in (DEFAULT_BANDS, "unnamed bands"):
            continue
        for base in runs:
            table = base.table("band_sensitivity.csv")
            same_prior = base.state.get("priors") == rerun.state.get("priors")
            if base.bands != DEFAULT_BANDS or not same_prior or table is None or rerun.bands not in set(table["bands"]):
                continue
            rejected = record(table, "bands", rerun.bands)
            which = {"variant": rerun.bands, "to": rerun.label, "from": base.label}
            share = {
                "quantity": "share of the prior meeting every band",
                "estimate": float(rejected["share"]),
                "rerun": float((rerun.generations[0].distances <= 0).mean()),
                "effective_draws": float(rejected["draws"]),
            }
            means = {k: float(v) for k, v in rejected.items() if k.startswith("mean.")}
            rows += [which | row for row in (share, *_mean_rows(rerun, means, float(rejected["draws"])))]
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
            final = target.final
            out_of_reach = _outside(target.prior, source.prior, 0)
            which = {
                "to": target.label,
                "from": source.label,
                "prior_out_of_reach": out_of_reach,
                "posterior_out_of_reach": float(final.weights[~np.isfinite(source.prior.logpdf(final.theta))].sum()),
            }
            if out_of_reach > 0:
                rows.append(which | {"quantity": "not reachable by reweighting"})
                continue
            weights = reweighted(source.prior, target.prior, source.final.theta, source.final.weights)
            if weights is None:
                rows.append(which | {"quantity": "no particle has weight under the other prior"})
                continue
            estimates = weighted_summary(source.final.theta, weights, source.coordinates)
            rows += [which | row for row in _mean_rows(target, estimates, effective_sample_size(weights))]
    return pd.DataFrame(rows)


def compare_calibrations(
    folders: Sequence[Path | str], out: Path | None = None, what_if: WhatIf | None = None
) -> CalibrationComparison:
    """Set finished calibrations side by side, against the first; write the tables and report.md to `out`.

    Args:
        folders: The calibrations' run folders; the first is what the others are set against.
        out: The comparison's folder (default ``runs/calibrate-compare-<time>``).
        what_if: A what-if to run over each calibration's posterior (`colabsim.calibration.comparison_what_if`).

    Raises:
        CalibrationError: If fewer than two folders are given, one is no finished calibration, they
            calibrate other parameters or another model version than the first, or (with
            `what_if`) a posterior cannot be used.
        RunDirError: If `out` exists and is not empty.
    """
    if len(folders) < 2:
        raise CalibrationError(f"calibrate-compare needs two calibration folders or more; got {len(folders)}")
    paths = [Path(folder) for folder in folders]
    runs = [read_run(folder, label) for folder, label in zip(paths, run_labels(paths), strict=True)]
    check_same_kind(runs)
    if what_if is not None:
        for run in runs:  # refuse before the folder is made (what_if_table loads them again)
            load_posterior(run.folder)
    directory = new_run_dir(out, "calibrate-compare")
    answers = (
        what_if_table([(run.label, run.folder) for run in runs], what_if, directory / "what-if")
        if what_if is not None
        else pd.DataFrame()
    )
    comparison = CalibrationComparison(
        directory=directory,
        runs=_runs_table(runs),
        parameters=_parameters_table(runs),
        submodels=_side_by_side(runs, "submodels.csv", ["model"], "feasible_share"),
        targets=_side_by_side(runs, "predictive_targets.csv", ["check", "target"], "share_in_band"),
        held_out=_held_out(runs),
        bands_check=_bands_check(runs),
        priors_check=_priors_check(runs),
        what_if=answers,
    )
    write_comparison(comparison, runs)
    return comparison
