"""The robustness file: which scenarios, how many codings, and what is asked of them.

A robustness file (TOML, in ``experiments/``) names the strong/weak pair whose contrast (P1) is
checked, or a what-if to evaluate, or both, with the number of codings sampled from the scenarios'
coded ranges, the replications per coding and a root seed. It is validated like an experiment file:
problems name the file, the key path and what is allowed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, Field, ValidationError, field_validator, model_validator

from colabsim.model.metrics import SUMMARY_METRICS
from colabsim.scenario.checks import validation_problems
from colabsim.scenario.loader import Scenario, ScenarioError, load_scenario, read_toml
from colabsim.scenario.schema import _check_factor_table, _Strict

__all__ = [
    "MAX_RUNS",
    "RobustnessFile",
    "RobustnessStudy",
    "SummaryMetric",
    "load_named_scenario",
    "load_robustness",
    "read_study",
]

#: The most runs a robustness file may ask for (about an hour on 2 cores).
MAX_RUNS = 2_000_000


def _summary_metric(value: str) -> str:
    if value not in SUMMARY_METRICS:
        raise ValueError(f"unknown metric {value!r}; allowed: {', '.join(SUMMARY_METRICS)}")
    return value


#: A per-run summary metric's name, checked against `colabsim.model.metrics.SUMMARY_METRICS`.
SummaryMetric = Annotated[str, AfterValidator(_summary_metric)]


class RobustnessMeta(_Strict):
    """``[robustness]``: the coding sample and what is measured."""

    name: str = Field(min_length=1)
    description: str = ""
    seed: int = Field(ge=0)
    codings: int = Field(ge=2, le=1_000_000)
    replications: int = Field(default=10, ge=2, le=10_000)
    metric: SummaryMetric = "performance"


class PairSpec(_Strict):
    """``[pair]``: the strong and the weak collaboration whose contrast is pattern P1.

    P1 holds for a coding when the strong scenario's mean over its replications is between
    ``ratio[0]`` and ``ratio[1]`` times the weak one's and the Welch 95% interval of their
    difference lies above zero.
    """

    strong: str = Field(min_length=1)
    weak: str = Field(min_length=1)
    ratio: list[float] = Field(default_factory=lambda: [2.0, 10.0])

    @model_validator(mode="after")
    def _band_is_ordered(self) -> PairSpec:
        if len(self.ratio) != 2 or not 0 < self.ratio[0] < self.ratio[1]:
            raise ValueError(f"ratio must be [low, high] with 0 < low < high; got {self.ratio}")
        return self


class WhatIfSpec(_Strict):
    """``[what_if]``: an intervention, evaluated against the same scenario under every coding.

    The what-if's factors hold for the whole run (as ``--set``); a factor it sets is not sampled.
    """

    scenario: str = Field(min_length=1)
    factors: dict[str, float] = Field(min_length=1)

    @field_validator("factors")
    @classmethod
    def _factors_known(cls, value: dict[str, float]) -> dict[str, float]:
        return _check_factor_table(value)


class RobustnessFile(_Strict):
    """A whole robustness file."""

    robustness: RobustnessMeta
    pair: PairSpec | None = None
    what_if: WhatIfSpec | None = None

    @model_validator(mode="after")
    def _asks_something(self) -> RobustnessFile:
        if self.pair is None and self.what_if is None:
            raise ValueError("a robustness file needs [pair] (is P1 robust?), [what_if] (does it help?) or both")
        return self


@dataclass(frozen=True)
class RobustnessStudy:
    """A validated robustness file with its scenarios loaded.

    Attributes:
        spec: The validated file.
        path: Where it was read from.
        sha256: Hash of the file's content (resume checks it).
        scenarios: The arms' scenarios by role: ``strong``, ``weak`` (with a pair) and ``base``
            (the what-if's scenario, when it is not one of the pair).
        what_if_of: The role of the scenario the what-if changes (None without a what-if).
    """

    spec: RobustnessFile
    path: Path | None
    sha256: str
    scenarios: dict[str, Scenario]
    what_if_of: str | None

    @property
    def total_runs(self) -> int:
        """Runs of the whole study: codings x replications x arms."""
        arms = len(self.scenarios) + (self.what_if_of is not None)
        return self.spec.robustness.codings * self.spec.robustness.replications * arms

    def with_what_if(self, factors: dict[str, float]) -> RobustnessStudy:
        """The same study with the what-if's factors replaced (``--what-if`` on the command line).

        Raises:
            ScenarioError: If the study has no scenario to change or a factor is invalid.
        """
        problems = [(f"what_if.factors.{k}", m) for k, m in _factor_problems(factors)]
        if problems:
            raise ScenarioError(self.path, problems)
        target = self.spec.what_if.scenario if self.spec.what_if is not None else None
        if target is None:
            if self.spec.pair is None:
                raise ScenarioError(self.path, [("what_if", "a what-if needs a scenario: add [what_if] or [pair]")])
            target = self.spec.pair.weak
        spec = self.spec.model_copy(update={"what_if": WhatIfSpec(scenario=target, factors=factors)})
        return _study(spec, self.path, self.sha256)


def _factor_problems(factors: dict[str, float]) -> list[tuple[str, str]]:
    try:
        _check_factor_table(factors)
    except ValueError as exc:
        context = getattr(exc, "context", None) or {}
        return [(str(context.get("key", "")), str(context.get("message", exc)))]
    return []


def _resolve(path: Path | None, text: str) -> Path:
    return (path.parent if path is not None else Path.cwd()) / text


def _study(spec: RobustnessFile, path: Path | None, sha256: str) -> RobustnessStudy:
    scenarios: dict[str, Scenario] = {}
    where: dict[Path, str] = {}
    if spec.pair is not None:
        for role, key in (("strong", spec.pair.strong), ("weak", spec.pair.weak)):
            scenarios[role] = load_named_scenario(path, key, f"pair.{role}")
            where[_resolve(path, key).resolve()] = role
    what_if_of = None
    if spec.what_if is not None:
        target = _resolve(path, spec.what_if.scenario).resolve()
        what_if_of = where.get(target)
        if what_if_of is None:
            scenarios["base"] = load_named_scenario(path, spec.what_if.scenario, "what_if.scenario")
            what_if_of = "base"
    for role, scenario in scenarios.items():
        if not scenario.codings:
            message = (
                f"the scenario {scenario.name!r} codes no factor with a range, so there is nothing to sample; "
                "write its factors as { value = ..., range = [low, high] } (see docs/coding.md)"
            )
            raise ScenarioError(path, [(_role_key(role), message)])
    total = RobustnessStudy(spec, path, sha256, scenarios, what_if_of).total_runs
    if total > MAX_RUNS:
        raise ScenarioError(
            path,
            [("robustness.codings", f"{total:,} runs is more than the limit of {MAX_RUNS:,}; ask for fewer codings")],
        )
    return RobustnessStudy(spec, path, sha256, scenarios, what_if_of)


def _role_key(role: str) -> str:
    return {"strong": "pair.strong", "weak": "pair.weak", "base": "what_if.scenario"}[role]


def load_named_scenario(path: Path | None, text: str, key: str) -> Scenario:
    """The scenario file `text` names, relative to the study file `path`; a missing one names `key`."""
    scenario_path = _resolve(path, text)
    if not scenario_path.is_file():
        raise ScenarioError(path, [(key, f"the scenario file does not exist: {text}")])
    return load_scenario(scenario_path)


def read_study[M: _Strict](path: Path, model: type[M]) -> tuple[M, str]:
    """Read and validate a study file (robustness, discovery) as `model`; return it and its hash.

    Raises:
        ScenarioError: If the file cannot be read or is invalid, naming the key and what is allowed.
    """
    text, raw = read_toml(path)
    try:
        spec = model.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(path, validation_problems(exc, raw, model)) from None
    return spec, hashlib.sha256(text.encode()).hexdigest()


def load_robustness(path: str | Path) -> RobustnessStudy:
    """Load and validate a robustness file and its scenarios.

    Raises:
        ScenarioError: If the file or a scenario is invalid (naming the file, the key and what is
            allowed), a scenario codes no range, or the study is larger than `MAX_RUNS`.
    """
    path = Path(path)
    spec, sha256 = read_study(path, RobustnessFile)
    return _study(spec, path, sha256)
