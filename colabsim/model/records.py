"""What a single run records each month, kept as arrays, and its Mesa DataCollector view.

`RunRecord` keeps each month's metrics as one row of floats, the programmes' performance and,
unless told not to, references to the state arrays an agent reports on (the engine makes new
arrays every month, so nothing is copied; `colabsim.simulate` keeps none of them). Tables are built
from it once, column by column, when asked for. `fill_collector` writes the same records into a
`mesa.DataCollector`'s own fields, so ``mesa.batch_run`` and Mesa's visualisation read colabsim's
numbers without a reporter being called each month.

Mesa fields written (Mesa 3.5, pinned by tests/test_datacollector.py): ``model_vars`` (reporter
name -> list of values), ``_collection_steps`` (the ``model.time`` of each collection) and
``_agent_records`` (time -> list of ``(time, unique_id, *values)`` tuples in agent-reporter order).
Collection ``t`` (t = 1, 2, ...) is the state after t months, row ``step = t - 1`` of the run's
time series.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import mesa
import numpy as np

from colabsim.model.engine import State
from colabsim.model.rules.common import FloatArray
from colabsim.model.rules.segments import segment_mean
from colabsim.model.structure import Structure

__all__ = ["AGENT_REPORTERS", "RunRecord", "fill_collector", "new_collector"]

#: Agent-level variables of the DataCollector -> the `colabsim.model.agents.Actor` attribute each
#: reports. Prefixed, because ``mesa.batch_run`` puts model and agent variables in one row and the
#: model has metrics named ``trust`` and ``commitment``.
AGENT_REPORTERS: dict[str, str] = {
    "actor_trust": "trust",
    "actor_commitment": "commitment",
    "actor_contribution": "contribution",
    "actor_active": "active",
}


class RunRecord:
    """The monthly records of one run: metrics, programme performance and per-actor state.

    Args:
        structure: The run's structure (for the actor-level views).
        agents: Keep the per-actor state of every month (memory: about ties + 6 x actors
            doubles a month).
    """

    def __init__(self, structure: Structure, agents: bool = True) -> None:
        """Start an empty record."""
        self._structure = structure
        self.agents = agents
        self._names: tuple[str, ...] = ()
        self._rows: list[list[float]] = []
        self._performance: list[FloatArray] = []
        self._actors: list[tuple[np.ndarray, ...]] = []
        self._series: tuple[int, dict[str, FloatArray]] = (0, {})

    def add(self, metrics: dict[str, np.ndarray], state: State) -> None:
        """Record one month: its metrics (`colabsim.model.metrics.observe`) and its final state."""
        self.add_row(tuple(metrics), [float(value) for value in metrics.values()], state)

    def add_row(self, names: tuple[str, ...], values: list[float] | np.ndarray, state: State) -> None:
        """Record one month: metric `names` with their `values` in that order, and its final state."""
        if not self._names:
            self._names = names
        self._rows.append(values.tolist() if isinstance(values, np.ndarray) else values)
        self._performance.append(state.performance)
        if self.agents:
            self._actors.append((state.trust, state.commitment, state.contributed, state.active))

    @property
    def months(self) -> int:
        """Months recorded."""
        return len(self._rows)

    @property
    def names(self) -> tuple[str, ...]:
        """The metric names, in column order (empty before the first month)."""
        return self._names

    def series(self, start: int = 0) -> dict[str, FloatArray]:
        """Each metric's values from month `start` on, one array per metric (do not modify them)."""
        if start == 0 and self._series[0] == self.months and self._series[1]:
            return self._series[1]  # the tables and the summary of a run share one conversion
        values = np.array(self._rows[start:], dtype=np.float64).reshape(-1, len(self._names))
        columns = {name: values[:, k] for k, name in enumerate(self._names)}
        if start == 0:
            self._series = (self.months, columns)
        return columns

    def programme_values(self) -> FloatArray:
        """Performance by month and programme, shape ``(months, programmes)``."""
        if not self._performance:
            return np.zeros((0, self._structure.n_programmes))
        return np.stack(self._performance)

    def actor_values(self, start: int = 0) -> dict[str, np.ndarray]:
        """Per-actor values from month `start` on, each of shape ``(months, actors)``, by attribute name.

        ``trust`` is an actor's mean trust over its ties (NaN without ties), ``commitment`` its
        commitment, ``contribution`` all it gave its programmes that month (the four resource
        types added, as in ``pooled_total``), ``active`` whether it takes part.

        Raises:
            RuntimeError: If the record keeps no per-actor state (``agents=False``).
        """
        if not self.agents:
            raise RuntimeError("this run was recorded without per-actor state (RunRecord(agents=False))")
        s, months = self._structure, self._actors[start:]
        if not months:
            return {name: np.zeros((0, s.n_actors)) for name in AGENT_REPORTERS.values()}
        trust, commitment, contributed, active = (np.stack(column) for column in zip(*months, strict=True))
        return {
            "trust": segment_mean(trust, np.ones_like(trust, dtype=bool), s.tie_src, s.n_actors, empty=np.nan),
            "commitment": commitment,
            "contribution": contributed.sum(axis=-1),
            "active": active,
        }


def _latest(name: str, model: Any) -> float:
    """Model reporter: metric `name` of the last month recorded (for an explicit ``collect``)."""
    return float(model.record.series(model.record.months - 1)[name][0])


def new_collector(names: Sequence[str]) -> mesa.DataCollector:
    """An empty DataCollector with a model reporter per metric and the `AGENT_REPORTERS`."""
    reporters: dict[str, Callable[[Any], float]] = {name: partial(_latest, name) for name in names}
    return mesa.DataCollector(model_reporters=reporters, agent_reporters=dict(AGENT_REPORTERS))


def fill_collector(collector: mesa.DataCollector, record: RunRecord, agent_ids: Sequence[int]) -> None:
    """Append to `collector` the months of `record` it does not hold yet.

    Args:
        collector: A collector made by `new_collector` and filled only by this function.
        record: The run's records.
        agent_ids: The Mesa ``unique_id`` of each actor, in actor order.
    """
    done = len(collector._collection_steps)
    if done >= record.months:
        return
    for name, values in record.series(done).items():
        collector.model_vars[name].extend(values.tolist())
    actors = record.actor_values(done)
    columns = [actors[attribute].tolist() for attribute in AGENT_REPORTERS.values()]
    ids = list(agent_ids)
    for offset in range(record.months - done):
        time = float(done + offset + 1)
        collector._collection_steps.append(time)
        rows = zip(*(column[offset] for column in columns), strict=True)
        collector._agent_records[time] = [(time, uid, *row) for uid, row in zip(ids, rows, strict=True)]
