"""Screening: which rule parameters move P1-P3 at all (Morris elementary effects).

Every scalar rule parameter is moved within ``spread`` of its documented value (clipped to its
allowed range) on a Morris design (SALib's sampler; `colabsim.sensitivity.morris_indices` for
the estimates), each design point run through the calibration's own simulator (the four arms,
``replications`` each). The effects are measured in **band widths** of each target (on the log
scale for the ratio), the units of the calibration's distance, so that the ranking says which
parameters can move a statistic across its band. A parameter's score is its largest mu* over the
targets but the share of runs ending dormant (`UNSCORED`: a share of a few runs moves in steps of
a whole band width, so at a screening's replications its mu* is noise); the leading ones are
worth calibrating, the rest are fixed at their documented values.
The CES weights (`resource_weights`, a tuple that sums to one) are not screened: they are the
design's split of a programme's needs, not a rate of a rule.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from SALib.sample import morris as morris_sample

from colabsim.calibration.priors import PriorSet, ScalarPrior
from colabsim.calibration.simulator import PatternSimulator
from colabsim.calibration.targets import Target
from colabsim.scenario.parameters import PARAMETER_BOUNDS, Parameters
from colabsim.sensitivity import Problem, morris_indices

__all__ = ["UNSCORED", "screen", "screening_ranges"]

#: Targets reported but not scored: their statistic is a share of a few runs (steps of a band width).
UNSCORED: tuple[str, ...] = ("p1_darwin_alive",)


def screening_ranges(spread: float) -> dict[str, tuple[float, float]]:
    """Every scalar parameter's range: within `spread` of its documented value, clipped to its allowed range."""
    defaults = Parameters()
    ranges = {}
    for name in Parameters.names():
        value = getattr(defaults, name)
        if name == "resource_weights" or value == 0:
            continue
        low, high = PARAMETER_BOUNDS[name]
        ranges[name] = (max(low, value * (1 - spread)), min(high, value * (1 + spread)))
    return ranges


def _scaled(target: Target, values: np.ndarray) -> np.ndarray:
    """A statistic in band widths (log scale for a ratio); non-finite values at the worst finite one."""
    x = np.asarray(values, dtype=np.float64)
    if target.scale == "log":
        with np.errstate(divide="ignore", invalid="ignore"):
            x = np.log(x) / np.log(target.high / target.low)
    else:
        x = x / (target.high - target.low)
    finite = x[np.isfinite(x)]
    fill = float(finite.max()) if finite.size else 0.0
    return np.where(np.isfinite(x), x, fill)


def screen(simulator: PatternSimulator, spread: float, trajectories: int, levels: int, seed: int) -> pd.DataFrame:
    """Morris screening of every scalar parameter on P1-P3, ranked.

    Args:
        simulator: The calibration's simulator (its ``prior`` is replaced by the screening ranges).
        spread: Relative range around each documented value.
        trajectories: Morris trajectories.
        levels: Levels of the Morris grid.
        seed: Seed of the design and of the runs.

    Returns:
        One row per parameter: its documented value and range, mu* per target (in band widths),
        ``score`` (the largest) and ``rank`` (1: most influential).
    """
    ranges = screening_ranges(spread)
    defaults = Parameters()
    priors = tuple(
        ScalarPrior(n, "integer" if isinstance(getattr(defaults, n), int) else "uniform", lo, hi, (lo + hi) / 2)
        for n, (lo, hi) in ranges.items()
    )
    problem = Problem(tuple(ranges), tuple(ranges.values()))
    x = morris_sample.sample(problem.salib(), N=trajectories, num_levels=levels, seed=seed)
    simulator.prior = PriorSet(priors)
    statistics = simulator.statistics(x, np.random.SeedSequence(seed))
    table = pd.DataFrame(
        {
            "parameter": list(ranges),
            "documented": [float(getattr(defaults, n)) for n in ranges],
            "low": [r[0] for r in ranges.values()],
            "high": [r[1] for r in ranges.values()],
        }
    )
    for target in simulator.targets:
        y = _scaled(target, statistics[target.key])
        indices = morris_indices(problem, x, y, target.key, levels, seed)
        mu_star = indices[indices["index"] == "mu_star"].set_index("factor")["value"]
        table[f"mu_star_{target.key}"] = table["parameter"].map(mu_star).to_numpy()
    columns = [f"mu_star_{t.key}" for t in simulator.targets if t.key not in UNSCORED]
    table["score"] = table[columns].max(axis=1)
    table = table.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)
    table["rank"] = np.arange(1, len(table) + 1)
    return table
