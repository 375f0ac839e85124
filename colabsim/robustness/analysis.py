"""The estimators of coding robustness: pure functions over (codings x replications) arrays.

A coding's outcome is the mean of its replications, so whether a pattern holds for that coding is
itself uncertain. Three numbers are reported for a share of the coding space (Monte Carlo sampling
of codings in the manner of exploratory modelling; Kwakkel 2017, and the EMA Workbench):

- the share of codings in which the pattern holds, with its Monte Carlo standard error,
  ``sqrt(p (1 - p) / n)``, and a Wilson score interval (Wilson 1927), which stays honest when the
  share is near 0 or 1 (a Latin hypercube does no worse than random sampling; McKay et al. 1979);
- the misclassification rate: the mean over codings of the probability that resampling the
  replications (a bootstrap; Efron & Tibshirani 1993) reverses the coding's verdict, an estimate of
  how often the replication noise decides the verdict;
- for a what-if, each coding's paired effect (common random numbers across the arms) with a
  Student-t interval, the share of codings in which it helps and the quantiles of the effect.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats

__all__ = [
    "ShareEstimate",
    "effect_quantiles",
    "flip_probability",
    "higher",
    "paired_effects",
    "pattern_p1",
    "share",
    "verdict_flips",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class ShareEstimate:
    """A share of the coding space with its errors.

    Attributes:
        share: Fraction of codings in which the statement holds.
        mc_error: Its Monte Carlo standard error over the sampled codings.
        low: Lower end of its 95% Wilson score interval.
        high: Upper end of that interval.
        misclassification: Mean probability that the replication noise reverses a coding's verdict
            (NaN where not estimated).
        codings: How many codings it rests on.
    """

    share: float
    mc_error: float
    low: float
    high: float
    misclassification: float
    codings: int


def share(holds: BoolArray, flip: FloatArray | None = None) -> ShareEstimate:
    """The share of codings for which `holds` is true, its Monte Carlo error and misclassification rate."""
    holds = np.asarray(holds, dtype=bool)
    n = int(holds.size)
    miss = float(np.mean(flip)) if flip is not None and np.size(flip) else float("nan")
    if n == 0:
        nan = float("nan")
        return ShareEstimate(nan, nan, nan, nan, miss, 0)
    p = float(holds.mean())
    z = float(stats.norm.ppf(0.975))
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return ShareEstimate(
        p, float(np.sqrt(p * (1.0 - p) / n)), max(0.0, centre - half), min(1.0, centre + half), miss, n
    )


def _welch_low(strong: FloatArray, weak: FloatArray, level: float = 0.95) -> FloatArray:
    """Lower end of the Welch interval of mean(strong) - mean(weak), row by row."""
    ns = np.sum(~np.isnan(strong), axis=1)
    nw = np.sum(~np.isnan(weak), axis=1)
    vs = np.nanvar(strong, axis=1, ddof=1) / ns
    vw = np.nanvar(weak, axis=1, ddof=1) / nw
    se = np.sqrt(vs + vw)
    with np.errstate(divide="ignore", invalid="ignore"):
        dof = (vs + vw) ** 2 / (vs**2 / (ns - 1) + vw**2 / (nw - 1))
    dof = np.where(np.isfinite(dof), dof, np.maximum(ns + nw - 2, 1))
    half = stats.t.ppf(0.5 + level / 2, dof) * se
    diff = np.nanmean(strong, axis=1) - np.nanmean(weak, axis=1)
    return np.asarray(diff - np.where(se > 0, half, 0.0), dtype=np.float64)


def pattern_p1(strong: FloatArray, weak: FloatArray, band: tuple[float, float]) -> BoolArray:
    """Whether P1 holds in each coding: the strong mean is `band` times the weak one, CIs apart.

    Args:
        strong: (codings, replications) outcomes of the strong collaboration.
        weak: (codings, replications) outcomes of the weak one, with the same seeds.
        band: The (low, high) band of the ratio of the means.

    Returns:
        One verdict per coding: the ratio lies in the band and the Welch 95% interval of the
        difference lies above zero.
    """
    s = np.nanmean(strong, axis=1)
    w = np.nanmean(weak, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(w > 0, s / w, np.inf)
    return np.asarray((ratio >= band[0]) & (ratio <= band[1]) & (_welch_low(strong, weak) > 0), dtype=bool)


def flip_probability(
    strong: FloatArray, weak: FloatArray, band: tuple[float, float], rng: np.random.Generator, resamples: int = 200
) -> FloatArray:
    """Per coding, the probability that resampled replications reverse the P1 verdict (bootstrap).

    The replications of the two arms are resampled together (the same seeds in both: common
    random numbers), `resamples` times.
    """
    return verdict_flips(lambda s, w: pattern_p1(s, w, band), strong, weak, rng, resamples)


def higher(first: FloatArray, second: FloatArray) -> BoolArray:
    """Whether, in each coding, the mean over `first`'s replications is above `second`'s."""
    return np.asarray(np.nanmean(first, axis=1) > np.nanmean(second, axis=1), dtype=bool)


def verdict_flips(
    verdict: Callable[[FloatArray, FloatArray], BoolArray],
    first: FloatArray,
    second: FloatArray,
    rng: np.random.Generator,
    resamples: int = 200,
) -> FloatArray:
    """Per coding, the probability that resampled replications reverse `verdict` (bootstrap).

    Args:
        verdict: Per coding, a yes or no from two (codings, replications) arrays.
        first: (codings, replications) outcomes of one arm.
        second: The same of the other arm, with the same seeds: the replications of the two are
            resampled together (common random numbers).
        rng: Source of the resampling.
        resamples: Bootstrap resamples.
    """
    observed = verdict(first, second)
    codings, replications = first.shape
    flips = np.zeros(codings)
    rows = np.arange(codings)[:, None]
    for _ in range(resamples):
        pick = rng.integers(0, replications, size=(codings, replications))
        flips += verdict(first[rows, pick], second[rows, pick]) != observed
    return np.asarray(flips / resamples, dtype=np.float64)


def paired_effects(base: FloatArray, changed: FloatArray, level: float = 0.95) -> pd.DataFrame:
    """Each coding's effect of a what-if: mean paired difference with a Student-t interval.

    Args:
        base: (codings, replications) outcomes without the what-if.
        changed: The same with it (the same seeds: common random numbers).
        level: Confidence level of the intervals.

    Returns:
        One row per coding: ``effect``, ``low``, ``high``.
    """
    difference = np.asarray(changed, dtype=np.float64) - np.asarray(base, dtype=np.float64)
    n = np.sum(~np.isnan(difference), axis=1)
    effect = np.nanmean(difference, axis=1)
    se = np.nanstd(difference, axis=1, ddof=1) / np.sqrt(n)
    half = stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1)) * np.nan_to_num(se)
    return pd.DataFrame({"effect": effect, "low": effect - half, "high": effect + half})


def effect_quantiles(effects: pd.Series, levels: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)) -> dict[str, float]:
    """Quantiles of the effect over the coding space, keyed ``q05``, ``q25``, ..."""
    return {f"q{round(q * 100):02d}": float(np.nanquantile(effects, q)) for q in levels}
