"""Experiment files: many runs of one scenario over a design of factor values.

An experiment file (TOML, in ``experiments/``) names a base scenario, the factors to vary and their
ranges, a design, replications per design point, the outputs to keep and a root seed. It is
validated like a scenario file: problems name the file, the key path and what is allowed.

Every run has an index ``run = point * replications + replication`` and the seed
``SeedSequence(root, spawn_key=(run,))`` (as an integer, see `run_seed`), so any run can be
reproduced alone and results do not depend on how runs are grouped or executed. A plan built in
code may instead give each replication its seed, rule parameters and start values of factors
(`Replicates`), the same at every design point: common random numbers across the design, as a
sweep over a calibration's posterior draws (and over sampled codings of the scenario) needs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from colabsim.experiments import design
from colabsim.experiments.checks import DEFAULT_MAX_RUNS, whole_file_problems
from colabsim.experiments.schema import ExperimentFile
from colabsim.experiments.suggest import did_you_mean
from colabsim.scenario.checks import validation_problems
from colabsim.scenario.factors import FACTORS
from colabsim.scenario.loader import Scenario, ScenarioError, load_scenario, read_toml
from colabsim.scenario.parameters import Parameters

__all__ = ["Experiment", "ExperimentFile", "Replicates", "RunPlan", "file_kind", "load_experiment", "run_seed"]

#: The tables of an experiment file that are pydantic models (for "did you mean" on their keys).
_TABLES = ("experiment", "design", "outputs", "analysis")

#: Spawn key of the design's own random stream (LHS, Sobol' scrambling, Morris), apart from runs.
_DESIGN_STREAM = 2**32 - 1


def run_seed(root: int, run: int) -> int:
    """The integer seed of run number `run` of an experiment with root seed `root`."""
    state = np.random.SeedSequence(root, spawn_key=(run,)).generate_state(1, dtype=np.uint64)[0]
    return int(state >> np.uint64(1))


def _design_seed(root: int) -> int:
    return run_seed(root, _DESIGN_STREAM) % (2**32)


@dataclass(frozen=True)
class Replicates:
    """Seeds, rule parameters and start values per replication, shared by every design point of a plan.

    Replication ``r`` of every design point runs with ``seeds[r]``, ``parameters[r]`` and, if given,
    ``start_values[r]``, so the design points differ only in their factor values (common random
    numbers across the design).

    Attributes:
        seeds: One seed per replication.
        parameters: The rule parameters of each replication.
        columns: Extra per-replication columns for the result table (e.g. which posterior draw).
        record: What the manifest records of how they were made; resuming refuses a plan whose
            record differs.
        describe: The same in words, for messages (e.g. ``with --posterior runs/cal --draws 20``).
        start_values: Per replication, factor values that replace the scenario file's own (a sampled
            coding of the evidence: the timeline's events still change them, and the design's
            values win over them); None for the file's values.

    Raises:
        ValueError: If the lengths differ.
    """

    seeds: tuple[int, ...]
    parameters: tuple[Parameters, ...]
    columns: dict[str, tuple[float, ...]] = field(default_factory=dict)
    record: dict[str, Any] = field(default_factory=dict)
    describe: str = "with seeds and parameters per replication"
    start_values: tuple[Mapping[str, float], ...] | None = None

    def __post_init__(self) -> None:
        lengths = {len(self.seeds), len(self.parameters), *(len(v) for v in self.columns.values())}
        if self.start_values is not None:
            lengths.add(len(self.start_values))
        if len(lengths) != 1:
            raise ValueError(
                f"Replicates: seeds, parameters, columns and start values differ in length ({sorted(lengths)})"
            )

    def manifest_record(self) -> dict[str, Any]:
        """`record` as the manifest keeps it, with a hash of the start values when there are any.

        The hash makes resuming refuse other start values even where `record` does not spell them out.
        """
        if self.start_values is None:
            return self.record
        rows = [sorted((str(k), float(v)) for k, v in values.items()) for values in self.start_values]
        digest = hashlib.sha256(json.dumps(rows).encode()).hexdigest()
        return {**self.record, "start_values sha256": digest}


@dataclass(frozen=True)
class RunPlan:
    """What the runner needs to know: design points, replications, seeds, and what to run.

    Built from an experiment file (`Experiment.plan`) or directly, e.g. for a model function.

    Attributes:
        name: A name for reports.
        points: The design, one row per design point, one column per varied factor.
        replications: Runs per design point.
        seed: Root seed.
        sha256: Identity of what is run (resume refuses another).
        scenario: The scenario to run, or None when a model function is given to the runner.
        summary_metrics: Per-run outputs to keep.
        series_metrics: Monthly outputs to keep.
        source: The experiment file, copied into the results (None if built in code).
        description: Extra facts for the manifest (design method, factor ranges, scenario).
        hold_factors: The design's values hold for the whole run (as ``--set``); if false they
            replace the scenario file's values and the timeline's events still change them (a
            sampled coding of the evidence).
        replicates: Seeds, rule parameters (and start values) per replication, the same at every
            design point; None for a seed per run (`run_seed`) and the scenario's parameters.

    Raises:
        ValueError: If `replicates` has not one entry per replication.
    """

    name: str
    points: pd.DataFrame
    replications: int
    seed: int
    sha256: str
    scenario: Scenario | None
    summary_metrics: list[str]
    series_metrics: list[str] = field(default_factory=list)
    source: Path | None = None
    description: dict[str, Any] = field(default_factory=dict)
    hold_factors: bool = True
    replicates: Replicates | None = None

    def __post_init__(self) -> None:
        if self.replicates is not None and len(self.replicates.seeds) != self.replications:
            raise ValueError(
                f"RunPlan: {len(self.replicates.seeds)} replicates for {self.replications} replications per point"
            )

    @property
    def factor_names(self) -> list[str]:
        """The varied factors, in design order."""
        return [str(c) for c in self.points.columns]

    @property
    def total_runs(self) -> int:
        """Number of runs: design points x replications."""
        return len(self.points) * self.replications

    def run_plan(self, start: int, stop: int) -> tuple[list[int], list[dict[str, float]]]:
        """Seeds and factor values of runs ``start`` to ``stop - 1``."""
        runs = range(start, min(stop, self.total_runs))
        values = self.points.to_numpy()
        names = self.factor_names
        if self.replicates is None:
            seeds = [run_seed(self.seed, run) for run in runs]
        else:
            seeds = [self.replicates.seeds[run % self.replications] for run in runs]
        # A missing value (NaN) leaves that factor as the scenario has it (one-factor-at-a-time plans).
        factor_sets = [
            {name: float(v) for name, v in zip(names, values[run // self.replications], strict=True) if not np.isnan(v)}
            for run in runs
        ]
        return seeds, factor_sets

    def run_parameters(self, start: int, stop: int) -> list[Parameters] | None:
        """Rule parameters of runs ``start`` to ``stop - 1``, or None for the scenario's own."""
        if self.replicates is None:
            return None
        reps = self.replicates.parameters
        return [reps[run % self.replications] for run in range(start, min(stop, self.total_runs))]

    def run_start_values(self, start: int, stop: int) -> list[dict[str, float]] | None:
        """Start values of factors for runs ``start`` to ``stop - 1``, or None for the scenario file's own."""
        if self.replicates is None or self.replicates.start_values is None:
            return None
        reps = self.replicates.start_values
        return [dict(reps[run % self.replications]) for run in range(start, min(stop, self.total_runs))]

    def run_columns(self, start: int, stop: int) -> dict[str, list[float]]:
        """The replicates' extra columns for runs ``start`` to ``stop - 1`` (none without replicates)."""
        if self.replicates is None:
            return {}
        runs = range(start, min(stop, self.total_runs))
        return {
            name: [values[run % self.replications] for run in runs] for name, values in self.replicates.columns.items()
        }


@dataclass(frozen=True)
class Experiment:
    """A validated experiment file: its spec, base scenario and design points.

    Attributes:
        spec: The validated file.
        path: Where it was read from (None if built in memory).
        sha256: Hash of the file's content, recorded with results (resume checks it).
        scenario: The base scenario with the file's ``[set]`` applied.
        points: The design, one row per design point, one column per varied factor.
    """

    spec: ExperimentFile
    path: Path | None
    sha256: str
    scenario: Scenario
    points: pd.DataFrame

    @property
    def factor_names(self) -> list[str]:
        """The varied factors, in file order."""
        return list(self.spec.factors)

    @property
    def replications(self) -> int:
        """Replications per design point."""
        return self.spec.experiment.replications

    @property
    def total_runs(self) -> int:
        """Number of runs: design points x replications."""
        return len(self.points) * self.replications

    def run_plan(self, start: int, stop: int) -> tuple[list[int], list[dict[str, float]]]:
        """Seeds and factor values of runs ``start`` to ``stop - 1`` (see `RunPlan.run_plan`)."""
        return self.plan().run_plan(start, stop)

    def plan(self) -> RunPlan:
        """The run plan of this experiment."""
        spec = self.spec
        return RunPlan(
            name=spec.experiment.name,
            points=self.points,
            replications=self.replications,
            seed=spec.experiment.seed,
            sha256=self.sha256,
            scenario=self.scenario,
            summary_metrics=list(spec.outputs.summary),
            series_metrics=list(spec.outputs.series),
            source=self.path,
            description={
                "experiment": {"name": spec.experiment.name, "path": str(self.path), "sha256": self.sha256},
                "scenario": {
                    "name": self.scenario.name,
                    "path": str(self.scenario.path),
                    "sha256": self.scenario.sha256,
                    "set": spec.set,
                },
                "design": {
                    "method": spec.design.method,
                    "factors": spec.factors,
                    "points": len(self.points),
                    "replications": self.replications,
                },
            },
        )


def _points(spec: ExperimentFile, root: int) -> pd.DataFrame:
    names = list(spec.factors)
    bounds = [(float(b[0]), float(b[1])) for b in spec.factors.values()]
    d = spec.design
    seed = _design_seed(root)
    groups = [FACTORS[n].dimension for n in names] if d.groups == "dimension" else None
    if d.method == "grid":
        values = design.grid_design(bounds, int(d.levels or 2))
    elif d.method == "lhs":
        values = design.latin_hypercube_design(bounds, int(d.points), seed)  # type: ignore[arg-type]
    elif d.method == "sobol":
        values = design.sobol_design(names, bounds, int(d.base_samples or 2), d.second_order, seed, groups)
    elif d.method == "morris":
        values = design.morris_design(names, bounds, int(d.trajectories or 2), int(d.levels or 4), seed, groups)
    else:
        rows = d.points if isinstance(d.points, list) else []
        values = np.array([[row[name] for name in names] for row in rows], dtype=np.float64)
    frame = pd.DataFrame(values, columns=names)
    frame.index.name = "design_point"
    return frame


def _table_problems(spec: ExperimentFile) -> list[tuple[str, str]]:
    problems = []
    if spec.design.method == "table" and isinstance(spec.design.points, list):
        names = set(spec.factors)
        for i, row in enumerate(spec.design.points):
            if set(row) != names:
                problems.append(
                    (f"design.points[{i}]", f"needs exactly the varied factors {sorted(names)}; got {sorted(row)}")
                )
                continue
            for name, value in row.items():
                low, high = spec.factors[name]
                if not low <= value <= high:
                    problems.append(
                        (f"design.points[{i}].{name}", f"{value} is outside the factor's range [{low}, {high}]")
                    )
    overlap = sorted(set(spec.set) & set(spec.factors))
    if overlap:
        problems.append(("set", f"factors {overlap} are both varied and set; remove them from [set]"))
    return problems


def file_kind(raw: dict[str, Any]) -> str:
    """``experiment``, ``scenario`` or ``unknown``: what a TOML file's top-level tables say it is."""
    if "experiment" in raw or "design" in raw:
        return "experiment"
    if {"scenario", "actors", "extends", "programmes"} & set(raw):
        return "scenario"
    return "unknown"


def _with_suggestions(problems: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Add a "did you mean" to each unknown key, from the keys its table allows."""
    tables = {"": ExperimentFile, **{name: ExperimentFile.model_fields[name].annotation for name in _TABLES}}
    mended = []
    for where, message in problems:
        table, _, key = where.rpartition(".")
        model = tables.get(table)
        if message.startswith("unknown key") and model is not None and hasattr(model, "model_fields"):
            message = message.replace("unknown key", "unknown key" + did_you_mean(key, model.model_fields), 1)
        mended.append((where, message))
    return mended


def _base_scenario(path: Path, spec: ExperimentFile) -> Scenario:
    """The experiment's scenario; any problem with it is reported at ``experiment.scenario``."""
    scenario_path = path.parent / spec.experiment.scenario
    key = "experiment.scenario"
    if not scenario_path.exists():
        raise ScenarioError(path, [(key, f"the scenario file does not exist: {scenario_path}")])
    if scenario_path.is_dir():
        raise ScenarioError(path, [(key, f"{scenario_path} is a folder; name a scenario file (.toml) in it")])
    if scenario_path.suffix != ".toml":
        raise ScenarioError(path, [(key, f"{scenario_path} is not a scenario file: a scenario is a .toml file")])
    try:
        _, raw = read_toml(scenario_path)
        if file_kind(raw) == "experiment":
            raise ScenarioError(path, [(key, f"{scenario_path} is an experiment file; name a scenario file")])
        return load_scenario(scenario_path)
    except ScenarioError as exc:
        if exc.path == path:
            raise
        raise ScenarioError(path, [(key, f"the scenario {scenario_path} is invalid:\n  {exc}")]) from None


def load_experiment(path: str | Path, max_runs: int = DEFAULT_MAX_RUNS) -> Experiment:
    """Load and validate an experiment file, its base scenario and its design.

    The whole file is checked before the design is built (see `colabsim.experiments.checks`), so
    that no mistake surfaces only after the runs.

    Args:
        path: The experiment file.
        max_runs: The largest number of runs (design points x replications) allowed.

    Raises:
        ScenarioError: If the file, its scenario or its design is invalid (the message names the
            file, the key path and what is allowed).
    """
    path = Path(path)
    if path.is_dir():
        raise ScenarioError(path, [("", "is a folder; name an experiment file (.toml)")])
    text, raw = read_toml(path)
    if file_kind(raw) == "scenario":
        raise ScenarioError(
            path, [("", "is a scenario file, not an experiment file; run it with 'colabsim run' (or compare)")]
        )
    try:
        spec = ExperimentFile.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(path, _with_suggestions(validation_problems(exc, raw, ExperimentFile))) from None
    problems = _table_problems(spec) + whole_file_problems(spec, raw, max_runs)
    if problems:
        raise ScenarioError(path, problems)
    scenario = _base_scenario(path, spec)
    if spec.set:
        scenario = scenario.with_factors(**spec.set)
    points = _points(spec, spec.experiment.seed)
    return Experiment(spec, path, hashlib.sha256(text.encode()).hexdigest(), scenario, points)
