"""Finished calibrations read back from their folders, for `colabsim.calibration.comparison`.

`read_run` reads a run folder (refusing one that is no calibration's or has not finished) into a
`CalibrationRun`: its recorded hashes, which bands it was calibrated on (by their hash), its
priors (``priors.json``, or the calibration file named in its manifest if the priors' hash still
matches), its posterior table and its generations. `CalibrationComparison` is what a comparison
of several finds.
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
from colabsim.calibration.bands import bands_name
from colabsim.calibration.priors import PriorSet
from colabsim.calibration.spec import load_calibration
from colabsim.calibration.store import STATE_FILE, CalibrationError, read_generations, read_priors
from colabsim.scenario.loader import ScenarioError

__all__ = ["CalibrationComparison", "CalibrationRun", "check_same_kind", "read_run", "record", "run_labels"]

#: What a finished calibration's folder holds besides calibration.json.
_FINISHED = ("manifest.json", "posterior.csv", "draws.parquet")


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
        return record(self.posterior, "parameter", coordinate)

    def table(self, name: str) -> pd.DataFrame | None:
        """One of the run's CSV tables, or None if it wrote none."""
        path = self.folder / name
        # Only empty cells are missing: the null model's row is called "null".
        return pd.read_csv(path, keep_default_na=False, na_values=[""]) if path.is_file() else None


def record(table: pd.DataFrame, column: str, value: str) -> dict[str, Any]:
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


def run_labels(folders: Sequence[Path]) -> list[str]:
    """Each folder's name, numbered where two are the same (a run compared with itself)."""
    names = [f.name for f in folders]
    return [f"{name} ({k + 1})" if names.count(name) > 1 else name for k, name in enumerate(names)]


def check_same_kind(runs: Sequence[CalibrationRun]) -> None:
    """Refuse runs that calibrate other parameters or another model version than the first.

    Raises:
        CalibrationError: Naming the folders, and for the model the key that differs.
    """
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
        what_if: A what-if's effect over each run's posterior (empty without one).
    """

    directory: Path
    runs: pd.DataFrame
    parameters: pd.DataFrame
    submodels: pd.DataFrame
    targets: pd.DataFrame
    held_out: pd.DataFrame
    bands_check: pd.DataFrame
    priors_check: pd.DataFrame
    what_if: pd.DataFrame

    def largest_shift(self) -> tuple[str, str, float]:
        """The parameter, run and shift (in the first run's posterior sds) of the largest shift of a posterior mean."""
        shifts = self.parameters["shift_in_first_sd"].abs().fillna(0.0).to_numpy()
        row = self.parameters.iloc[int(np.argmax(shifts))]
        return str(row["parameter"]), str(row["run"]), float(row["shift_in_first_sd"])
