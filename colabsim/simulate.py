"""Run a scenario: one run, or replications with seeds derived from a root seed.

Seeds: replication r of root seed S runs with the integer seed
``SeedSequence(S).spawn(R)[r].generate_state(1)[0]``; the integer is stored with the results, so
``simulate(scenario, seed=that_integer)`` reproduces that replication alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from colabsim.model import CollaborationModel
from colabsim.scenario import Scenario

__all__ = ["SimulationResult", "derive_seeds", "run_replications", "simulate"]


@dataclass(frozen=True)
class SimulationResult:
    """The output of one run.

    Attributes:
        timeseries: One row per month: ``step``, ``date`` and the metrics.
        summary: The per-run summary metrics, with ``seed``.
        programmes: Monthly performance by programme (long format).
    """

    timeseries: pd.DataFrame
    summary: pd.Series
    programmes: pd.DataFrame


def derive_seeds(root: int, count: int) -> list[int]:
    """Integer seeds for `count` independent replications of root seed `root`."""
    if root < 0:
        raise ValueError(f"a seed must be a non-negative integer, got {root}")
    children = np.random.SeedSequence(root).spawn(count)
    return [int(child.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for child in children]


def simulate(scenario: Scenario, seed: int) -> SimulationResult:
    """Run `scenario` once with `seed` to its horizon.

    Returns:
        The run's monthly time series, summary and per-programme performance.
    """
    model = CollaborationModel(scenario, rng=seed).run()
    summary = pd.Series({"seed": seed, **model.summary()})
    return SimulationResult(model.timeseries(), summary, model.programme_performance())


def run_replications(
    scenario: Scenario,
    seed: int,
    replications: int,
    progress: Callable[[int], None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run `replications` runs of `scenario` with seeds derived from `seed`.

    Args:
        scenario: The scenario.
        seed: Root seed.
        replications: Number of runs (at least 1).
        progress: Called with the number of runs finished after each run.

    Returns:
        (timeseries, summary): the time series of every run with ``replication`` and ``seed``
        columns first, and one summary row per replication.
    """
    if replications < 1:
        raise ValueError(f"replications must be at least 1, got {replications}")
    series, rows = [], []
    for r, run_seed in enumerate(derive_seeds(seed, replications)):
        result = simulate(scenario, run_seed)
        frame = result.timeseries
        frame.insert(0, "seed", run_seed)
        frame.insert(0, "replication", r)
        series.append(frame)
        rows.append({"replication": r, **result.summary.to_dict()})
        if progress is not None:
            progress(r + 1)
    summary = pd.DataFrame(rows)
    summary["seed"] = summary["seed"].astype("int64")
    return pd.concat(series, ignore_index=True), summary
