"""What the posterior says: identification, predictive checks (targets and held out), and the submodels.

- `posterior_table`: per coordinate, the prior's and the posterior's mean, sd and 90% interval; a
  parameter is *identified* by the patterns when its posterior sd is under half its prior sd,
  *partly* under 80%, and *stays at the prior* otherwise.
- `band_shares`: per target, the share of (weighted) draws whose point estimate meets the band
  (the prior predictive check on generation 0, the posterior predictive on fresh runs).
- The held-out part of the posterior predictive check (P4-P8, the other Table 1.1 scenarios,
  health against tourism, the coding swap) is `colabsim.calibration.holdout`.
- `feasible_share`: rejection ABC from a prior: the share of its draws meeting every band, with
  a Wilson 95% interval (how much of the null and alternative models' prior is not implausible).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from colabsim.calibration.abc import Generation, rejection, weighted_quantiles
from colabsim.calibration.priors import PriorSet
from colabsim.calibration.simulator import PatternSimulator
from colabsim.calibration.targets import Target, violations

__all__ = [
    "band_shares",
    "feasible_share",
    "posterior_table",
    "resample",
    "wilson",
]

#: Posterior sd over prior sd below which the patterns identify a parameter, and below which partly.
IDENTIFIED, PARTLY = 0.5, 0.8


def wilson(successes: int, trials: int) -> tuple[float, float]:
    """Wilson's 95% interval of a binomial share."""
    if trials == 0:
        return (float("nan"), float("nan"))
    z, p = 1.959964, successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    return (max(0.0, centre - half), min(1.0, centre + half))


def _moments(values: np.ndarray, weights: np.ndarray) -> tuple[float, float, float, float]:
    mean = float(np.average(values, weights=weights))
    sd = float(np.sqrt(np.average((values - mean) ** 2, weights=weights)))
    low, high = weighted_quantiles(values, weights, (0.05, 0.95))
    return mean, sd, float(low), float(high)


def posterior_table(prior: PriorSet, final: Generation, documented: Mapping[str, float], seed: int) -> pd.DataFrame:
    """Prior and posterior of each coordinate, their sd ratio and what the patterns say of it."""
    sample = prior.sample(np.random.default_rng(seed), 20_000)
    flat = np.full(len(sample), 1.0 / len(sample))
    rows = []
    for k, name in enumerate(prior.coordinates):
        p_mean, p_sd, p_low, p_high = _moments(sample[:, k], flat)
        q_mean, q_sd, q_low, q_high = _moments(final.theta[:, k], final.weights)
        ratio = q_sd / p_sd if p_sd > 0 else float("nan")
        verdict = "identified" if ratio < IDENTIFIED else ("partly" if ratio < PARTLY else "stays at the prior")
        rows.append(
            {
                "parameter": name,
                "documented": documented.get(name, float("nan")),
                "prior_mean": p_mean,
                "prior_sd": p_sd,
                "prior_q05": p_low,
                "prior_q95": p_high,
                "posterior_mean": q_mean,
                "posterior_sd": q_sd,
                "posterior_q05": q_low,
                "posterior_q95": q_high,
                "sd_ratio": ratio,
                "verdict": verdict,
            }
        )
    return pd.DataFrame(rows)


def band_shares(targets: Sequence[Target], statistics: Mapping[str, np.ndarray], weights: np.ndarray) -> pd.DataFrame:
    """Per target and for all together: the weighted share of draws meeting the band, and the statistic's quantiles."""
    w = np.asarray(weights, dtype=np.float64) / np.sum(weights)
    outside = violations(tuple(targets), statistics) > 0
    rows = []
    for k, target in enumerate(targets):
        values = np.asarray(statistics[target.key], dtype=np.float64)
        finite = np.isfinite(values)
        q = weighted_quantiles(values[finite], w[finite], (0.05, 0.5, 0.95)) if finite.any() else [np.nan] * 3
        rows.append(
            {
                "target": target.key,
                "pattern": target.pattern,
                "band": target.text(),
                "share_in_band": float(w[~outside[:, k]].sum()),
                "q05": float(q[0]),
                "median": float(q[1]),
                "q95": float(q[2]),
            }
        )
    rows.append(
        {
            "target": "all",
            "pattern": "P1-P3",
            "band": "every band",
            "share_in_band": float(w[~outside.any(axis=1)].sum()),
            "q05": np.nan,
            "median": np.nan,
            "q95": np.nan,
        }
    )
    return pd.DataFrame(rows)


def resample(final: Generation, draws: int, seed: np.random.SeedSequence) -> np.ndarray:
    """`draws` rows of the final population, drawn by weight (systematic resampling)."""
    rng = np.random.default_rng(seed)
    positions = (rng.random() + np.arange(draws)) / draws
    picks = np.searchsorted(np.cumsum(final.weights / final.weights.sum()), positions)
    return final.theta[np.minimum(picks, len(final.theta) - 1)]


def feasible_share(
    simulator: PatternSimulator, draws: int, root: np.random.SeedSequence
) -> tuple[float, float, float, Generation]:
    """Rejection ABC at tolerance 0: the share of the prior meeting every band, its Wilson CI and the kept draws."""
    kept, mask = rejection(simulator.prior, simulator, draws, 0.0, root)
    low, high = wilson(int(mask.sum()), draws)
    return float(mask.mean()), low, high, kept
