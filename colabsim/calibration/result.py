"""What a calibration found (`colabsim.calibration.run_calibration` returns it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from colabsim.calibration.abc import Generation

__all__ = ["CalibrationResult"]


@dataclass(frozen=True)
class CalibrationResult:
    """What a calibration found.

    Attributes:
        directory: The run folder.
        generations: Every generation, generation 0 (the prior) first.
        stopped: Why the sampler stopped.
        posterior: `colabsim.calibration.checks.posterior_table` of the final generation.
        prior_predictive: Band shares of generation 0 (prior draws).
        posterior_predictive: Band shares of fresh runs of posterior draws.
        held_out: Per held-out pattern (P4-P8): whether it holds under the documented parameters, and the
            share of posterior draws for which it does (`colabsim.calibration.holdout.pattern_table`).
        held_out_scenarios: The other Table 1.1 scenarios one by one: level, place against Vlissingen and
            Darwin, and what the study's wording supports for each (`colabsim.calibration.holdout.scenario_table`).
        health_tourism: Vlissingen's health against Darwin's tourism and its own other sectors
            (`colabsim.calibration.holdout.health_tourism_table`).
        coding_swap: P1's gap and the share of it the structure carries
            (`colabsim.calibration.holdout.coding_swap_table`).
        submodels: Feasible share of each model's prior.
        prior_variants: Posterior means and sds under narrower priors (`colabsim.calibration.variants`).
        band_variants: Share of the prior meeting validation's alternative bands, and the means they imply.
        runs: Engine runs of the sampler (this session's and, on resume, the earlier ones').
        seconds: Wall time of this session.
    """

    directory: Path
    generations: list[Generation]
    stopped: str
    posterior: pd.DataFrame
    prior_predictive: pd.DataFrame
    posterior_predictive: pd.DataFrame
    held_out: pd.DataFrame
    held_out_scenarios: pd.DataFrame
    health_tourism: pd.DataFrame
    coding_swap: pd.DataFrame
    submodels: pd.DataFrame
    prior_variants: pd.DataFrame
    band_variants: pd.DataFrame
    runs: int
    seconds: float

    @property
    def final(self) -> Generation:
        """The last complete generation."""
        return [g for g in self.generations if g.complete][-1]

    @property
    def met_every_band(self) -> bool:
        """Whether any draw met every band (False is a finding: the model cannot reproduce the study)."""
        return bool(any((g.distances <= 0).any() for g in self.generations))
