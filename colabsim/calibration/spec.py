"""The calibration file: priors, targets, budgets and checks, validated with clear errors.

A calibration file (TOML, ``experiments/calibration.toml``) names the rule parameters to calibrate
with their priors (centred on the documented values of `colabsim.scenario.parameters.Parameters`;
the rest keep those values), may replace target bands, and sets the budget (particles x
replications, generations), a quick budget, the screening's design and the checks' effort. Every
problem names the file, the key and what is allowed, as for scenario and experiment files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import ConfigDict, Field

from colabsim.calibration.abc import Settings
from colabsim.calibration.bands import DEFAULT_BANDS, BandsError, named_bands
from colabsim.calibration.priors import Dirichlet, Prior, PriorSet, ScalarPrior
from colabsim.calibration.simulator import ARMS
from colabsim.calibration.store import priors_hash
from colabsim.calibration.targets import DEFAULT_TARGETS, Target, with_bands
from colabsim.experiments.suggest import did_you_mean
from colabsim.robustness.spec import read_study
from colabsim.scenario.loader import ScenarioError
from colabsim.scenario.parameters import PARAMETER_BOUNDS, RESOURCE_TYPES, Parameters
from colabsim.scenario.schema import _Strict

__all__ = ["Calibration", "CalibrationFile", "load_calibration"]


class Meta(_Strict):
    """``[calibration]``: what the run is, its root seed and where the study's scenarios are."""

    name: str = Field(min_length=1)
    description: str = ""
    seed: int = Field(ge=0)
    scenarios: str | None = None


class Budget(_Strict):
    """``[budget]`` and ``[quick]``: the effort of the sampler."""

    particles: int = Field(ge=10, le=100_000)
    replications: int = Field(ge=1, le=1000)
    generations: int = Field(ge=0, le=100)
    quantile: float = Field(default=0.5, gt=0.0, lt=1.0)
    min_acceptance: float = Field(default=0.02, gt=0.0, le=1.0)
    max_runs: int = Field(default=2_000_000, ge=1000)


class Screening(_Strict):
    """``[screening]``: Morris screening of every scalar parameter within ``spread`` of its documented value."""

    spread: float = Field(default=0.5, gt=0.0, le=1.0)
    trajectories: int = Field(default=10, ge=2, le=1000)
    levels: int = Field(default=4, ge=2, le=20)
    replications: int = Field(default=4, ge=1, le=1000)


class Checks(_Strict):
    """``[checks]``: the predictive checks' and the submodels' effort."""

    posterior_draws: int = Field(default=40, ge=2, le=10_000)
    replications: int = Field(default=16, ge=2, le=1000)
    submodel_draws: int = Field(default=400, ge=10, le=1_000_000)


class PriorSpec(_Strict):
    """``[priors.NAME]``: one parameter's prior."""

    distribution: Literal["uniform", "truncnormal", "integer", "dirichlet"]
    low: float | None = None
    high: float | None = None
    mean: float | None = None
    sd: float | None = Field(default=None, gt=0.0)
    concentration: float | None = Field(default=None, gt=0.0)


class BandSpec(_Strict):
    """``[targets.KEY]``: a band replacing a target's own."""

    low: float
    high: float


class TargetsSpec(_Strict):
    """``[targets]``: a named set of bands (``bands = "P2 >= 20%"``) and ``[targets.KEY]`` bands replacing its own."""

    model_config = ConfigDict(extra="allow", strict=True, frozen=True)
    __pydantic_extra__: dict[str, BandSpec] = Field(init=False)

    bands: str = DEFAULT_BANDS

    def moved(self) -> dict[str, BandSpec]:
        """The ``[targets.KEY]`` bands, by target key."""
        return dict(self.model_extra or {})


class CalibrationFile(_Strict):
    """A whole calibration file."""

    calibration: Meta
    budget: Budget
    quick: Budget | None = None
    screening: Screening = Screening()
    checks: Checks = Checks()
    priors: dict[str, PriorSpec] = Field(min_length=1)
    targets: TargetsSpec = TargetsSpec()


@dataclass(frozen=True)
class Calibration:
    """A validated calibration file.

    Attributes:
        spec: The file as read.
        path: Where it was read from.
        sha256: Hash of the file's text.
        prior: The priors, in the order of ``theta``'s columns.
        targets: The bands.
        bands: Which bands, in words: ``default``, one of validation's variants (``P2 >= 20%``),
            either followed by the targets the file sets itself.
    """

    spec: CalibrationFile
    path: Path
    sha256: str
    prior: PriorSet
    targets: tuple[Target, ...]
    bands: str = DEFAULT_BANDS

    def budget(self, quick: bool) -> Budget:
        """The budget asked for (``[quick]`` with `quick`, when the file has one)."""
        return self.spec.quick if quick and self.spec.quick is not None else self.spec.budget

    def settings(self, quick: bool) -> Settings:
        """The sampler's settings for the budget asked for."""
        b = self.budget(quick)
        per_draw = b.replications * len(ARMS)
        return Settings(
            particles=b.particles,
            generations=b.generations,
            quantile=b.quantile,
            min_acceptance=b.min_acceptance,
            max_proposals=max(b.particles, b.max_runs // per_draw),
            batch=max(16, 16384 // per_draw),
        )

    def priors_hash(self) -> str:
        """SHA-256 of the priors (what a posterior's draws came from)."""
        return priors_hash(self.prior)

    def scenario_dir(self) -> Path | None:
        """The folder of the study's scenario files (relative to the file), or None for the default."""
        folder = self.spec.calibration.scenarios
        return None if folder is None else (self.path.parent / folder)


def _scalar(name: str, spec: PriorSpec, key: str) -> tuple[ScalarPrior | None, list[tuple[str, str]]]:
    default = getattr(Parameters(), name)
    whole = isinstance(default, int)
    bound_low, bound_high = PARAMETER_BOUNDS[name]
    problems: list[tuple[str, str]] = []
    if whole != (spec.distribution == "integer"):
        allowed = "'integer'" if whole else "'uniform' or 'truncnormal'"
        kind = "a whole number" if whole else "a real number"
        problems.append((f"{key}.distribution", f"{name} is {kind}: use distribution = {allowed}"))
    if spec.low is None or spec.high is None:
        problems.append((key, "needs low and high (the prior's range)"))
        return None, problems
    if not spec.low < spec.high:
        problems.append((key, f"needs low < high; got low = {spec.low:g}, high = {spec.high:g}"))
    if spec.low < bound_low or spec.high > bound_high:
        problems.append(
            (key, f"[{spec.low:g}, {spec.high:g}] leaves {name}'s allowed range [{bound_low:g}, {bound_high:g}]")
        )
    if not spec.low <= default <= spec.high:
        problems.append(
            (
                key,
                f"the prior must be centred on the documented value {default:g}, which lies outside "
                f"[{spec.low:g}, {spec.high:g}]",
            )
        )
    mean = float(default) if spec.mean is None else spec.mean
    if spec.distribution == "truncnormal":
        if spec.sd is None:
            problems.append((f"{key}.sd", "a truncated normal needs sd (before truncation)"))
        if spec.mean is not None and spec.mean != default:
            problems.append(
                (f"{key}.mean", f"must be the documented value {default:g} (or left out); got {spec.mean:g}")
            )
    elif spec.mean is not None or spec.sd is not None:
        problems.append((key, f"mean and sd belong to distribution = 'truncnormal', not {spec.distribution!r}"))
    if spec.concentration is not None:
        problems.append((f"{key}.concentration", "belongs to distribution = 'dirichlet'"))
    if problems:
        return None, problems
    kind = "integer" if whole else spec.distribution
    return ScalarPrior(name, kind, float(spec.low), float(spec.high), mean, spec.sd), []


def _dirichlet(name: str, spec: PriorSpec, key: str) -> tuple[Dirichlet | None, list[tuple[str, str]]]:
    if name != "resource_weights":
        return None, [
            (f"{key}.distribution", f"'dirichlet' is for weights that sum to one (resource_weights), not {name}")
        ]
    if spec.concentration is None or any(v is not None for v in (spec.low, spec.high, spec.mean, spec.sd)):
        return None, [(key, "a Dirichlet takes concentration only (alpha = concentration x documented weights)")]
    weights = Parameters().resource_weights
    return Dirichlet(name, tuple(spec.concentration * w for w in weights), RESOURCE_TYPES), []


def _priors(spec: CalibrationFile) -> tuple[PriorSet, list[tuple[str, str]]]:
    known = Parameters.names()
    priors: list[Prior] = []
    problems: list[tuple[str, str]] = []
    for name, prior_spec in spec.priors.items():
        key = f"priors.{name}"
        if name not in known:
            problems.append((key, f"unknown parameter{did_you_mean(name, known)}; allowed: {', '.join(known)}"))
            continue
        made: Prior | None
        if prior_spec.distribution == "dirichlet" or name == "resource_weights":
            made, found = _dirichlet(name, prior_spec, key)
        else:
            made, found = _scalar(name, prior_spec, key)
        problems += found
        if made is not None:
            priors.append(made)
    return PriorSet(tuple(priors)), problems


def _targets(spec: CalibrationFile, bands: str | None) -> tuple[tuple[Target, ...], str, list[tuple[str, str]]]:
    """The bands: the named set (`bands` from the command line, else the file's), then the file's own."""
    keys = [t.key for t in DEFAULT_TARGETS]
    where = "--bands" if bands is not None else "targets.bands"
    try:
        name, named = named_bands(spec.targets.bands if bands is None else bands)
    except BandsError as exc:
        return DEFAULT_TARGETS, DEFAULT_BANDS, [(where, str(exc))]
    moved_by_name = {t.key for t, d in zip(named, DEFAULT_TARGETS, strict=True) if t != d}
    problems = []
    own = spec.targets.moved()
    for key, band in own.items():
        if key not in keys:
            problems.append((f"targets.{key}", f"unknown target{did_you_mean(key, keys)}; allowed: {', '.join(keys)}"))
        elif key in moved_by_name:
            also = f"{where} {name!r} moves this band too; give the band variant or this band, not both"
            problems.append((f"targets.{key}", also))
        elif not band.low < band.high:
            problems.append((f"targets.{key}", f"needs low < high; got [{band.low:g}, {band.high:g}]"))
        elif key == "p1_ratio" and band.low <= 0:
            problems.append((f"targets.{key}", "a ratio's band is on the log scale: low must be above 0"))
    if problems:
        return DEFAULT_TARGETS, DEFAULT_BANDS, problems
    label = name + (f", with {', '.join(sorted(own))} set in the calibration file" if own else "")
    return with_bands(named, {k: (b.low, b.high) for k, b in own.items()}), label, []


def load_calibration(path: str | Path, bands: str | None = None) -> Calibration:
    """Load and validate a calibration file.

    Args:
        path: The calibration file.
        bands: A named set of bands replacing the file's ``[targets] bands`` (``default`` or one
            of `colabsim.validation.patterns.BAND_VARIANTS`' names; spaces and case do not matter).

    Raises:
        ScenarioError: If the file is invalid: an unknown parameter, target or band variant, a
            prior outside the parameter's range or not centred on its documented value, a wrong
            distribution for a whole-number parameter, a band set both by a variant and by the
            file; each problem names the file, the key and what is allowed.
    """
    path = Path(path)
    spec, sha256 = read_study(path, CalibrationFile)
    prior, problems = _priors(spec)
    targets, label, target_problems = _targets(spec, bands)
    problems += target_problems
    if problems:
        raise ScenarioError(path, problems)
    return Calibration(spec, path, sha256, prior, targets, label)
