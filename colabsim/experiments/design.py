"""Experimental designs: which factor values an experiment runs.

Each function returns an array of shape ``(points, factors)`` in the factors' own units. Sobol'
and Morris designs come from SALib (Herman & Usher 2017), so that the matching estimators in
`SALib.analyze` can read them; the Latin hypercube from SciPy's quasi-Monte Carlo module.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample
from scipy.stats import qmc

__all__ = ["grid_design", "latin_hypercube_design", "morris_design", "salib_problem", "sobol_design"]

Bounds = Sequence[tuple[float, float]]
FloatArray = NDArray[np.float64]


def salib_problem(names: Sequence[str], bounds: Bounds, groups: Sequence[str] | None = None) -> dict[str, object]:
    """The SALib problem definition for these factors (optionally grouped)."""
    problem: dict[str, object] = {
        "num_vars": len(names),
        "names": list(names),
        "bounds": [[float(low), float(high)] for low, high in bounds],
    }
    if groups is not None:
        problem["groups"] = list(groups)
    return problem


def grid_design(bounds: Bounds, levels: int) -> FloatArray:
    """Full factorial grid: `levels` evenly spaced values per factor, ends included."""
    axes = [np.linspace(low, high, levels) for low, high in bounds]
    return np.array(list(itertools.product(*axes)), dtype=np.float64).reshape(-1, len(bounds))


def latin_hypercube_design(bounds: Bounds, points: int, seed: int) -> FloatArray:
    """Latin hypercube sample of `points` points (McKay, Beckman & Conover 1979), scaled to bounds."""
    unit = qmc.LatinHypercube(d=len(bounds), rng=np.random.default_rng(seed)).random(points)
    low = np.array([b[0] for b in bounds])
    high = np.array([b[1] for b in bounds])
    return np.asarray(qmc.scale(unit, low, high), dtype=np.float64)


def sobol_design(
    names: Sequence[str],
    bounds: Bounds,
    base_samples: int,
    second_order: bool,
    seed: int,
    groups: Sequence[str] | None = None,
) -> FloatArray:
    """Saltelli's extension of the Sobol' sequence (Saltelli 2002), as SALib's sobol analysis expects.

    ``base_samples * (2 * k + 2)`` points with second-order terms, else ``base_samples * (k + 2)``,
    where k is the number of factors, or of groups if `groups` is given.
    """
    problem = salib_problem(names, bounds, groups)
    return np.asarray(
        sobol_sample.sample(problem, base_samples, calc_second_order=second_order, seed=seed), dtype=np.float64
    )


def morris_design(
    names: Sequence[str], bounds: Bounds, trajectories: int, levels: int, seed: int, groups: Sequence[str] | None = None
) -> FloatArray:
    """Morris (1991) one-at-a-time trajectories: ``trajectories * (factors + 1)`` points."""
    problem = salib_problem(names, bounds, groups)
    return np.asarray(morris_sample.sample(problem, trajectories, num_levels=levels, seed=seed), dtype=np.float64)
