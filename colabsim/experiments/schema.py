"""The schema of experiment files: one pydantic model per table, checked key by key.

What a single key can say about itself is checked here (types, ranges, known names); what needs
the whole file (design size, keys the method does not use, SALib's requirements) is checked in
`colabsim.experiments.checks`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import Field, field_validator, model_validator

from colabsim.experiments.suggest import did_you_mean
from colabsim.model.metrics import SUMMARY_METRICS, TIMESERIES_METRICS
from colabsim.scenario.factors import FACTORS
from colabsim.scenario.schema import _check_factor_table, _Strict

__all__ = ["AnalysisSpec", "DesignSpec", "ExperimentFile", "ExperimentMeta", "OutputSpec"]


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


def _check_metrics(value: list[str], allowed: Sequence[str], kind: str) -> list[str]:
    unknown = [v for v in value if v not in allowed]
    if unknown:
        hint = did_you_mean(unknown[0], allowed)
        raise ValueError(f"unknown {kind} metric(s) {unknown}{hint}; allowed: {', '.join(allowed)}")
    return value


def _check_summary_metrics(value: list[str]) -> list[str]:
    return _check_metrics(value, SUMMARY_METRICS, "summary")


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
        return _check_metrics(value, TIMESERIES_METRICS, "monthly")


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
                raise ValueError(f"unknown factor {name!r}{did_you_mean(name, FACTORS)}; allowed: {', '.join(FACTORS)}")
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
