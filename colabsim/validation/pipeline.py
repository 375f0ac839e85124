"""The whole validation: every analysis of the report, in phases, with its seeds and timings.

`validate_model` runs, on the study's scenario files and the current rules: the patterns with CIs
and bands (study window and full periods); the null and alternative models' patterns; the OFAT
effects of every factor and dimension in each Table 1.1 scenario; the knock-outs; the coding swap;
the levers' Shapley values and times to half-effect; the variance decomposition by noise source;
the ratio by age; results by sector, the distribution of runs and the ceiling; the robustness to
the technical parameters; and how the conclusions move with the bands. `ValidationPlan` sets the
effort of each part (`FULL_PLAN` for docs/validation.md, `QUICK_PLAN` for a look in a minute).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from colabsim.experiments.progress import ProgressCallback, relabel
from colabsim.scenario.factors import FACTORS
from colabsim.stats import Estimate
from colabsim.validation.coding import CodingSwap, coding_swap
from colabsim.validation.effects import KNOCKOUTS, knockout_effects, ofat_effects
from colabsim.validation.horizon import HorizonRatios, horizon_ratios
from colabsim.validation.levers import LeverResult, lever_shapley
from colabsim.validation.measure import measure_patterns
from colabsim.validation.noise import noise_shares
from colabsim.validation.outcomes import Outcomes, outcomes
from colabsim.validation.patterns import (
    BAND_VARIANTS,
    CALIBRATION,
    DETERMINANT_BANDS,
    PATTERNS,
    Band,
    PatternResult,
    judge,
)
from colabsim.validation.runs import seed_range
from colabsim.validation.study import STUDY_FILES, TABLE_1_1, Study, load_study
from colabsim.validation.submodels import SUBMODELS, V2, Submodel, Tuning, load_tuned, submodel_parameters
from colabsim.validation.technical import TechnicalRobustness, technical_robustness
from colabsim.validation.windows import REFORM_WINDOW, STUDY_WINDOW, Window

__all__ = ["FULL_PLAN", "QUICK_PLAN", "ModelPatterns", "ValidationPlan", "ValidationResult", "band_table",
           "discriminating", "validate_model"]  # fmt: skip


@dataclass(frozen=True)
class ValidationPlan:
    """How much each part of the validation runs (seeds are ``root_seed + k``)."""

    name: str = "full"
    root_seed: int = 20220501
    pattern_seeds: int = 64
    ofat_seeds: int = 64
    knockout_seeds: int = 64
    swap_seeds: int = 32
    swap_single_seeds: int = 64
    lever_seeds: int = 64
    noise_bases: int = 8
    noise_draws: int = 32
    horizon_seeds: int = 64
    horizon_years: int = 50
    outcome_seeds: int = 64
    lhs_samples: int = 48
    lhs_pattern_seeds: int = 32
    lhs_ofat_seeds: int = 16

    def seeds(self, count: int) -> tuple[int, ...]:
        """The first `count` seeds from the root."""
        return seed_range(self.root_seed, count)


FULL_PLAN = ValidationPlan()
#: A minute's look: patterns over 30 seeds (the least a verdict takes), everything else thin.
QUICK_PLAN = ValidationPlan(
    name="quick", pattern_seeds=30, ofat_seeds=8, knockout_seeds=8, swap_seeds=2, swap_single_seeds=8,
    lever_seeds=8, noise_bases=4, noise_draws=8, horizon_seeds=8, horizon_years=30, outcome_seeds=16,
    lhs_samples=4, lhs_pattern_seeds=30, lhs_ofat_seeds=4,
)  # fmt: skip


@dataclass(frozen=True)
class ModelPatterns:
    """One model's parameters, patterns and how it was tuned."""

    model: Submodel
    parameters: dict[str, float]
    estimates: dict[str, Estimate]
    results: list[PatternResult]
    tuning: Tuning | None

    def passed(self, bands: dict[str, Band] | None = None) -> dict[str, bool]:
        """Pattern id -> whether it holds (under other bands if given)."""
        return {r.pattern.id: r.passed for r in judge(self.estimates, bands)}


def discriminating(model: ModelPatterns, reference: ModelPatterns, bands: dict[str, Band] | None = None) -> list[str]:
    """Patterns `model` fails that `reference` passes, other than those its change removes by construction."""
    mine, theirs = model.passed(bands), reference.passed(bands)
    return [p for p, ok in mine.items() if not ok and theirs.get(p, False) and p not in model.model.removes]


def band_table(models: dict[str, ModelPatterns]) -> pd.DataFrame:
    """Which calibration patterns each model passes under the bands as written and under each variant.

    The last column says whether every alternative still fails a pattern v2 passes (strong inference).
    """
    rows = []
    reference = models[V2.name]
    calibration = {p.id for p in PATTERNS if p.role == CALIBRATION}
    for label, bands in (("as written", {}), *BAND_VARIANTS):
        row: dict[str, Any] = {"bands": label}
        for name, model in models.items():
            passed = model.passed(bands)
            row[name] = " ".join(p for p, ok in passed.items() if ok and p in calibration) or "none"
        others = [m for n, m in models.items() if n != V2.name]
        row["strong inference"] = all(discriminating(m, reference, bands) for m in others)
        rows.append(row)
    return pd.DataFrame(rows)


@dataclass
class ValidationResult:
    """Everything the report shows (see `validate_model`)."""

    plan: ValidationPlan
    study: Study
    window: Window
    models: dict[str, ModelPatterns] = field(default_factory=dict)
    full_period: dict[str, Estimate] = field(default_factory=dict)
    ofat: pd.DataFrame | None = None
    knockouts: pd.DataFrame | None = None
    swap: CodingSwap | None = None
    levers: LeverResult | None = None
    noise: pd.DataFrame | None = None
    horizon: HorizonRatios | None = None
    outcomes: Outcomes | None = None
    technical: TechnicalRobustness | None = None
    bands: pd.DataFrame | None = None
    timings: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    seeds: dict[str, str] = field(default_factory=dict)

    @property
    def scenario_files(self) -> list[Path]:
        """The study's files the validation ran."""
        return [self.study.directory / f"{name}.toml" for name in STUDY_FILES]


@contextmanager
def _timed(result: ValidationResult, part: str, seeds: str) -> Iterator[None]:
    began, cpu = time.perf_counter(), time.process_time()
    yield
    result.timings[part] = time.perf_counter() - began
    # This process's CPU time: unlike the wall time, not inflated by the machine's other load.
    result.cpu[part] = time.process_time() - cpu
    result.seeds[part] = seeds


def _seeds_text(plan: ValidationPlan, count: int, what: str = "") -> str:
    return f"{count} common seeds, {plan.root_seed} to {plan.root_seed + count - 1}{what}"


def validate_model(
    plan: ValidationPlan = FULL_PLAN,
    scenario_dir: str | Path | None = None,
    window: Window = STUDY_WINDOW,
    progress: ProgressCallback | None = None,
) -> ValidationResult:
    """Run every analysis of the validation report.

    Args:
        plan: The effort of each part.
        scenario_dir: Folder with the study's scenario files (see `load_study`).
        window: Evaluation window of P1, P2 and the OFAT effects (full periods are reported beside).
        progress: Receives each phase's runs.

    Raises:
        StudyError: If the study's scenario files are missing.
        ScenarioError: If one is invalid, or a tuned parameter set does not fit the current rules.
    """
    study = load_study(scenario_dir)
    result = ValidationResult(plan, study, window)
    tuned = load_tuned()
    steps: list[tuple[str, Callable[[], None], str]] = [
        ("patterns", lambda: _patterns(result, tuned, progress), _seeds_text(plan, plan.pattern_seeds)),
        ("OFAT", lambda: _ofat(result, progress), _seeds_text(plan, plan.ofat_seeds, " at both levels")),
        ("knock-outs", lambda: _knockouts(result, progress), _seeds_text(plan, plan.knockout_seeds)),
        ("coding swap", lambda: _swap(result, progress),
         _seeds_text(plan, plan.swap_seeds, f" per combination; single swaps {plan.swap_single_seeds}")),
        ("levers", lambda: _levers(result, progress), _seeds_text(plan, plan.lever_seeds, " per combination")),
        ("noise sources", lambda: _noise(result, progress),
         f"{plan.noise_bases} base seeds x {plan.noise_draws} draws from {plan.root_seed}"),
        ("ratio by age", lambda: _horizon(result, progress), _seeds_text(plan, plan.horizon_seeds)),
        ("outcomes", lambda: _outcomes(result, progress), _seeds_text(plan, plan.outcome_seeds)),
        ("technical parameters", lambda: _technical(result, progress),
         f"{plan.lhs_samples} samples (hypercube seed {plan.root_seed}); patterns "
         f"{plan.lhs_pattern_seeds} seeds, OFAT {plan.lhs_ofat_seeds} seeds"),
    ]  # fmt: skip
    for part, step, seeds in steps:
        with _timed(result, part, seeds):
            step()
    result.bands = band_table(result.models)
    return result


def _patterns(result: ValidationResult, tuned: dict[str, Tuning], progress: ProgressCallback | None) -> None:
    seeds = result.plan.seeds(result.plan.pattern_seeds)
    for model in (V2, *SUBMODELS):
        parameters = submodel_parameters(model, tuned)
        estimates = measure_patterns(result.study.with_parameters(parameters), seeds, result.window,
                                     progress=relabel(progress, f"patterns: {model.name}"))  # fmt: skip
        result.models[model.name] = ModelPatterns(model, parameters, estimates, judge(estimates), tuned.get(model.name))
    result.full_period = measure_patterns(result.study, seeds, None, ("P1", "P2"), relabel(progress, "full periods"))


def _groups() -> dict[str, list[str]]:
    singles = {name: [name] for name in FACTORS}
    dimensions = {f"dimension: {d}": [f.name for f in FACTORS.values() if f.dimension == d]
                  for d in DETERMINANT_BANDS.dimensions}  # fmt: skip
    return singles | dimensions


def _ofat(result: ValidationResult, progress: ProgressCallback | None) -> None:
    windows = {"study window": result.window, "full period": None}
    seeds = result.plan.seeds(result.plan.ofat_seeds)
    result.ofat = ofat_effects(result.study, TABLE_1_1, _groups(), seeds, windows, progress)


def _knockouts(result: ValidationResult, progress: ProgressCallback | None) -> None:
    seeds = result.plan.seeds(result.plan.knockout_seeds)
    windows = {"study window": result.window, "full period": None}
    result.knockouts = knockout_effects(result.study, "vlissingen", seeds, KNOCKOUTS, windows, progress)


def _swap(result: ValidationResult, progress: ProgressCallback | None) -> None:
    plan = result.plan
    result.swap = coding_swap(result.study, plan.seeds(plan.swap_seeds), plan.seeds(plan.swap_single_seeds),
                              window=result.window, progress=progress)  # fmt: skip


def _levers(result: ValidationResult, progress: ProgressCallback | None) -> None:
    result.levers = lever_shapley(result.study, result.plan.seeds(result.plan.lever_seeds), progress=progress)


def _noise(result: ValidationResult, progress: ProgressCallback | None) -> None:
    plan = result.plan
    result.noise = noise_shares(result.study, ("vlissingen", "darwin"), plan.noise_bases, plan.noise_draws,
                                plan.root_seed, result.window, progress)  # fmt: skip


def _horizon(result: ValidationResult, progress: ProgressCallback | None) -> None:
    plan = result.plan
    result.horizon = horizon_ratios(result.study, plan.seeds(plan.horizon_seeds), plan.horizon_years,
                                    window=result.window, progress=progress)  # fmt: skip


def _outcomes(result: ValidationResult, progress: ProgressCallback | None) -> None:
    names = (*TABLE_1_1, "darwin_reformed")
    seeds = result.plan.seeds(result.plan.outcome_seeds)
    result.outcomes = outcomes(result.study, names, seeds, result.window, {"darwin_reformed": REFORM_WINDOW}, progress)


def _technical(result: ValidationResult, progress: ProgressCallback | None) -> None:
    plan = result.plan
    result.technical = technical_robustness(result.study, plan.lhs_samples, plan.seeds(plan.lhs_pattern_seeds),
                                            plan.seeds(plan.lhs_ofat_seeds), plan.root_seed, result.window,
                                            progress)  # fmt: skip
