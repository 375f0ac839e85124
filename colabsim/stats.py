"""Statistics over replications: means and differences with 95% confidence intervals.

Replications of a stochastic model are independent draws, so a scenario's mean output gets a
Student-t interval and the difference between two scenarios a Welch interval (unequal variances;
Welch 1947). These are the intervals reported in ``comparison.csv`` and used by the pattern tests.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

__all__ = ["Estimate", "mean_ci", "welch_difference"]


@dataclass(frozen=True)
class Estimate:
    """A point estimate with a confidence interval."""

    value: float
    low: float
    high: float

    def excludes(self, value: float) -> bool:
        """Whether `value` lies outside the interval."""
        return not self.low <= value <= self.high


def mean_ci(values: ArrayLike, level: float = 0.95) -> Estimate:
    """Mean of `values` with a Student-t confidence interval (width 0 for fewer than 2 values)."""
    x = np.asarray(values, dtype=np.float64)
    x = x[~np.isnan(x)]
    if x.size == 0:
        return Estimate(float("nan"), float("nan"), float("nan"))
    mean = float(x.mean())
    if x.size < 2:
        return Estimate(mean, mean, mean)
    half = float(stats.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size))
    return Estimate(mean, mean - half, mean + half)


def welch_difference(a: ArrayLike, b: ArrayLike, level: float = 0.95) -> Estimate:
    """Difference of means ``mean(a) - mean(b)`` with a Welch confidence interval."""
    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64)
    x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    diff = float(x.mean() - y.mean())
    if x.size < 2 or y.size < 2:
        return Estimate(diff, diff, diff)
    vx, vy = x.var(ddof=1) / x.size, y.var(ddof=1) / y.size
    se = float(np.sqrt(vx + vy))
    if se == 0.0:
        return Estimate(diff, diff, diff)
    dof = (vx + vy) ** 2 / (vx**2 / (x.size - 1) + vy**2 / (y.size - 1))
    half = float(stats.t.ppf(0.5 + level / 2, dof) * se)
    return Estimate(diff, diff - half, diff + half)
