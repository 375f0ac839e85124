"""Experiment files: many runs of one scenario over a design of factor values.

An experiment file (TOML, in ``experiments/``) names a base scenario, the factors to vary and their
ranges, a design, replications per design point, the outputs to keep and a root seed. It is
validated like a scenario file: problems name the file, the key path and what is allowed.

Every run has an index ``run = point * replications + replication`` and the seed
``SeedSequence(root, spawn_key=(run,))`` (as an integer, see `run_seed`), so any run can be
reproduced alone and results do not depend on how runs are grouped or executed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError, field_validator, model_validator

from colabsim.experiments import design
from colabsim.model.metrics import SUMMARY_METRICS, TIMESERIES_METRICS
from colabsim.scenario.factors import FACTORS
from colabsim.scenario.loader import Scenario, ScenarioError, _validation_problems, load_scenario, read_toml
from colabsim.scenario.schema import _check_factor_table, _Strict

__all__ = ["Experiment", "ExperimentFile", "RunPlan", "load_experiment", "run_seed"]

#: Spawn key of the design's own random stream (LHS, Sobol' scrambling, Morris), apart from runs.
_DESIGN_STREAM = 2**32 - 1


def run_seed(root: int, run: int) -> int:
    """The integer seed of run number `run` of an experiment with root seed `root`."""
    state = np.random.SeedSequence(root, spawn_key=(run,)).generate_state(1, dtype=np.uint64)[0]
    return int(state >> np.uint64(1))


def _design_seed(root: int) -> int:
    return run_seed(root, _DESIGN_STREAM) % (2**32)


class ExperimentMeta(_Strict):
    """``[experiment]``: what is run."""

    name: str = Field(min_length=1)
    description: str = ""
    scenario: str = Field(min_length=1)
    seed: int = Field(ge=0)
    replications: int = Field(default=10, ge=1, le=100_000)


class DesignSpec(_Strict):
    """``[design]``: how the design points are chosen.

    ``grid``: ``levels`` values per factor; ``lhs``: ``points`` points; ``sobol``:
    ``base_samples`` (a power of 2) and ``second_order``; ``morris``: ``trajectories`` and
    ``levels`` (even); ``table``: ``points`` as a list of tables, one value per varied factor.
    ``groups = "dimension"`` makes Sobol' and Morris designs (and their indices) work on groups of
    factors, one per dimension of collaboration management.
    """

    method: Literal["grid", "lhs", "sobol", "morris", "table"]
    levels: int | None = Field(default=None, ge=2, le=1000)
    points: int | list[dict[str, float]] | None = None
    base_samples: int | None = Field(default=None, ge=2, le=2**20)
    second_order: bool = False
    trajectories: int | None = Field(default=None, ge=2, le=100_000)
    groups: Literal["dimension"] | None = None

    @model_validator(mode="after")
    def _keys_fit_method(self) -> DesignSpec:
        needs = {
            "grid": "levels",
            "lhs": "points",
            "sobol": "base_samples",
            "morris": "trajectories",
            "table": "points",
        }
        key = needs[self.method]
        if getattr(self, key) is None:
            raise ValueError(f"method {self.method!r} needs {key!r}")
        if self.method == "lhs" and not (isinstance(self.points, int) and self.points >= 1):
            raise ValueError("method 'lhs' needs 'points' = a whole number of points (at least 1)")
        if self.method == "table" and not (isinstance(self.points, list) and self.points):
            raise ValueError("method 'table' needs 'points' = a non-empty list of tables, e.g. [{legal_frame = 0.5}]")
        if self.method == "morris" and self.levels is not None and self.levels % 2:
            raise ValueError(f"morris needs an even number of levels, got {self.levels}")
        return self


def _check_summary_metrics(value: list[str]) -> list[str]:
    unknown = [v for v in value if v not in SUMMARY_METRICS]
    if unknown:
        raise ValueError(f"unknown summary metric(s) {unknown}; allowed: {', '.join(SUMMARY_METRICS)}")
    return value


class OutputSpec(_Strict):
    """``[outputs]``: which results to keep."""

    summary: list[str] = Field(default_factory=lambda: list(SUMMARY_METRICS))
    series: list[str] = Field(default_factory=list)

    @field_validator("summary")
    @classmethod
    def _known_summary(cls, value: list[str]) -> list[str]:
        return _check_summary_metrics(value)

    @field_validator("series")
    @classmethod
    def _known_series(cls, value: list[str]) -> list[str]:
        unknown = [v for v in value if v not in TIMESERIES_METRICS]
        if unknown:
            raise ValueError(f"unknown monthly metric(s) {unknown}; allowed: {', '.join(TIMESERIES_METRICS)}")
        return value


class AnalysisSpec(_Strict):
    """``[analysis]``: what ``colabsim sensitivity`` computes (ignored by ``sweep``).

    Attributes:
        outputs: Outputs to analyse (default: the experiment's summary outputs).
        ofat_levels: Levels of the one-factor-at-a-time curves (0: none).
        ofat_replications: Replications per OFAT level (default: the experiment's).
        convergence: Recompute Sobol' indices on halves of the sample to show convergence.
    """

    outputs: list[str] = Field(default_factory=list)
    ofat_levels: int = Field(default=9, ge=0, le=101)
    ofat_replications: int | None = Field(default=None, ge=1, le=10_000)
    convergence: bool = True

    @field_validator("outputs")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        return _check_summary_metrics(value)


class ExperimentFile(_Strict):
    """A whole experiment file."""

    experiment: ExperimentMeta
    factors: dict[str, list[float]] = Field(min_length=1)
    design: DesignSpec
    outputs: OutputSpec = Field(default_factory=OutputSpec)
    analysis: AnalysisSpec = Field(default_factory=AnalysisSpec)
    set: dict[str, float] = Field(default_factory=dict)

    @field_validator("factors")
    @classmethod
    def _ranges(cls, value: dict[str, list[float]]) -> dict[str, list[float]]:
        for name, bounds in value.items():
            if name not in FACTORS:
                raise ValueError(f"unknown factor {name!r}; allowed: {', '.join(FACTORS)}")
            factor = FACTORS[name]
            if len(bounds) != 2 or not factor.low <= bounds[0] < bounds[1] <= factor.high:
                raise ValueError(
                    f"factor {name!r} needs [low, high] with {factor.low} <= low < high <= {factor.high}; got {bounds}"
                )
        return value

    @field_validator("set")
    @classmethod
    def _set_factors(cls, value: dict[str, float]) -> dict[str, float]:
        return _check_factor_table(value)


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
        seeds = [run_seed(self.seed, run) for run in runs]
        # A missing value (NaN) leaves that factor as the scenario has it (one-factor-at-a-time plans).
        factor_sets = [
            {name: float(v) for name, v in zip(names, values[run // self.replications], strict=True) if not np.isnan(v)}
            for run in runs
        ]
        return seeds, factor_sets


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


def load_experiment(path: str | Path) -> Experiment:
    """Load and validate an experiment file, its base scenario and its design.

    Raises:
        ScenarioError: If the file, its scenario or its design is invalid (the message names the
            file, the key path and what is allowed).
    """
    path = Path(path)
    text, raw = read_toml(path)
    try:
        spec = ExperimentFile.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(path, _validation_problems(exc, raw, ExperimentFile)) from None
    problems = _table_problems(spec)
    if problems:
        raise ScenarioError(path, problems)
    scenario_path = path.parent / spec.experiment.scenario
    if not scenario_path.exists():
        raise ScenarioError(path, [("experiment.scenario", f"the scenario file does not exist: {scenario_path}")])
    scenario = load_scenario(scenario_path)
    if spec.set:
        scenario = scenario.with_factors(**spec.set)
    points = _points(spec, spec.experiment.seed)
    return Experiment(spec, path, hashlib.sha256(text.encode()).hexdigest(), scenario, points)
