"""Run a scenario: one run, or replications with seeds derived from a root seed.

Seeds: replication r of root seed S runs with the integer seed
``SeedSequence(S).spawn(R)[r].generate_state(1, dtype=uint64)[0] >> 1`` (63 bits, so it fits
any integer column); the integer is stored with the results, so
``simulate(scenario, seed=that_integer)`` reproduces that replication alone. A run's integer seed
seeds one stream per noise source (`colabsim.model.streams`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from colabsim.model import kernel
from colabsim.model.batch import run_batch
from colabsim.model.collaboration import CollaborationModel
from colabsim.model.engine import month_label
from colabsim.model.rules import actor_capacity
from colabsim.model.streams import RunSeed
from colabsim.model.tables import actors_table, programmes_table, ties_table
from colabsim.scenario.loader import Scenario

__all__ = ["SimulationResult", "derive_seeds", "simulate"]


@dataclass(frozen=True)
class SimulationResult:
    """The output of one run.

    Attributes:
        timeseries: One row per month: ``step``, ``date`` and the metrics.
        summary: The per-run summary metrics, with ``seed``.
        programmes: Monthly performance by programme (long format).
        actors: The actors at the end of the run.
        ties: The ties at the end of the run, with their trust.
    """

    timeseries: pd.DataFrame
    summary: pd.Series
    programmes: pd.DataFrame
    actors: pd.DataFrame
    ties: pd.DataFrame


def derive_seeds(root: int, count: int) -> list[int]:
    """Integer seeds for `count` independent replications of root seed `root`."""
    if root < 0:
        raise ValueError(f"a seed must be a non-negative integer, got {root}")
    children = np.random.SeedSequence(root).spawn(count)
    return [int(child.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for child in children]


def simulate(scenario: Scenario, seed: int, source_seeds: dict[str, RunSeed] | None = None) -> SimulationResult:
    """Run `scenario` once with `seed` to its horizon.

    Args:
        scenario: The scenario.
        seed: The run's seed (an integer >= 0).
        source_seeds: Seeds for some noise sources instead of `seed`
            (`colabsim.model.streams.source_sequences`); None for none.

    Returns:
        The run's monthly time series, summary and per-programme performance.
    """
    if not kernel.available():
        # The numpy engine, month by month (no per-actor history: nothing here reads the DataCollector).
        model = CollaborationModel(scenario, rng=seed, source_seeds=source_seeds, record_agents=False).run()
        summary = pd.Series({"seed": seed, **model.summary()})
        return SimulationResult(
            model.timeseries(), summary, model.programme_performance(), model.actors_table(), model.ties_table()
        )
    # The whole-run kernel: a batch of one, its tables built once, column by column.
    batch = run_batch(scenario, [seed], source_seeds=None if source_seeds is None else [source_seeds])
    months = scenario.horizon_months
    columns: dict[str, object] = {
        "step": np.arange(months),
        "date": [month_label(scenario.start, m) for m in range(months)],
    }
    columns.update({name: values[0] for name, values in batch.series.items()})
    summary = pd.Series({"seed": seed, **{name: float(values[0]) for name, values in batch.summary.items()}})
    state = batch.run_state(0)
    structure = batch.structure
    capacity = actor_capacity(structure, batch.run_levels(0))
    programmes = programmes_table(
        structure, np.zeros((0, structure.n_programmes)) if batch.programmes is None else batch.programmes[0]
    )
    return SimulationResult(
        pd.DataFrame(columns),
        summary,
        programmes,
        actors_table(structure, state, capacity),
        ties_table(structure, state),
    )
