"""Estimators for runs nested in codings, parameter draws and seeds: pure functions of arrays.

`nested_variance_shares` splits an output's variance into its nested sources (codings, parameter
draws within a coding, seeds within a draw); `first_order_share` measures how much of an output's
variance one input alone explains, from the points already run. Both are used by the answers over
a posterior (`colabsim.calibration.answers`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["first_order_share", "nested_variance_shares"]


def nested_variance_shares(values: ArrayLike) -> tuple[float, ...]:
    """Shares of a balanced nested design's variance due to each level (method of moments).

    For ``values[i, j, ..., r]`` with the first axis the outermost factor (e.g. codings), the next
    nested in it (parameter draws within a coding) and the last the replications (seeds within a
    draw), the random-effects model ``y = a_i + b_ij + ... + e_ij..r`` has one variance component
    per axis. Each is estimated from the expected mean squares of the balanced nested ANOVA
    (Searle, Casella & McCulloch 1992, *Variance Components*, section 4.3): the innermost from the
    pooled variance within the last axis, each outer one from the variance of its means less what
    the inner components contribute to it; a negative estimate is set to 0.

    Args:
        values: An array with one axis per nested level, outermost first. An axis of length 1 is a
            level that was not sampled: its component is 0, and with one replication the seeds'
            variance shows in the next level out.

    Returns:
        One share per axis, summing to 1 (all NaN when the values do not vary at all).
    """
    y = np.asarray(values, dtype=np.float64)
    components = []
    inner = 0.0  # what the components inside an axis add to the variance of that axis's cell means
    for depth in range(y.ndim - 1, -1, -1):
        cells = y.mean(axis=tuple(range(depth + 1, y.ndim))) if depth < y.ndim - 1 else y
        size = y.shape[depth]
        if size < 2:
            components.append(0.0)
            continue
        spread = float(np.mean(np.var(cells, axis=depth, ddof=1)))
        component = max(0.0, spread - inner)
        components.append(component)
        # The next axis out sees this axis's cell means: its component and those inside, each
        # divided by the cells averaged over.
        inner = (inner + component) / size
    components.reverse()
    total = sum(components)
    return tuple(c / total if total > 0 else float("nan") for c in components)


def first_order_share(x: ArrayLike, y: ArrayLike, bins: int | None = None) -> float:
    """How much of `y`'s variance `x` alone explains: the first-order index from given data.

    The points are sorted by `x` and cut into `bins` classes of equal size (default about the square
    root of their number, at most 20); the share is Kelley's (1935) epsilon-squared, the correlation
    ratio corrected for the between-class variance that noise alone would give, as in the given-data
    estimators of first-order sensitivity indices (Plischke, Borgonovo & Smith 2013, *Eur. J. Oper.
    Res.* 226: 536-550). It is 0 for an `x` unrelated to `y` (up to sampling noise, and clipped at
    0) and near 1 when `y` is a function of `x` alone.

    Args:
        x: The input's values, one per point.
        y: The output's values at the same points.
        bins: Classes to cut `x` into (at least 2).

    Returns:
        The share, in [0, 1]; NaN for fewer than four points or a `y` that does not vary.

    Raises:
        ValueError: If `x` and `y` differ in length or `bins` is below 2.
    """
    xs, ys = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if xs.shape != ys.shape:
        raise ValueError(f"first_order_share: {xs.size} inputs for {ys.size} outputs")
    count = xs.size
    classes = min(20, max(2, round(np.sqrt(count)))) if bins is None else bins
    if classes < 2:
        raise ValueError(f"first_order_share: bins must be at least 2, not {bins}")
    total = float(np.sum((ys - ys.mean()) ** 2))
    if count < 4 or total == 0:
        return float("nan")
    ordered = ys[np.argsort(xs, kind="stable")]
    groups = np.array_split(ordered, min(classes, count // 2))
    between = sum(len(g) * (g.mean() - ys.mean()) ** 2 for g in groups)
    within = total - between
    epsilon = (between - (len(groups) - 1) * within / (count - len(groups))) / total
    return float(min(1.0, max(0.0, epsilon)))
