"""Between the numpy model and the kernel: a batch of runs, and one month of a Mesa model.

`run_kernel_batch` runs a batch through the whole-run kernel (`colabsim.model.kernel.run`) and
gives its outputs in the numpy engine's shapes (`colabsim.model.engine.State` with a run axis,
factor levels as ``(runs, 1)`` arrays, series by metric name). `MonthKernel` advances one run by one
month for `colabsim.model.CollaborationModel.step`: the same compiled `step` the whole-run kernel
calls, so step-by-step and whole runs give the same numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from colabsim.model.engine import Calendar, State, initial_state
from colabsim.model.kernel.engine import MonthBuffers, RunState, new_buffers
from colabsim.model.kernel.layout import FACTOR_ORDER, KernelStructure, Work, kernel_structure, level_rows, new_work
from colabsim.model.kernel.layout import parameter_rows as parameter_rows
from colabsim.model.kernel.metrics import METRIC_ORDER, SUMMARY_ORDER
from colabsim.model.kernel.pcg64 import restore, states_of
from colabsim.model.kernel.run import run_batch_arrays, step, stream_states
from colabsim.model.kernel.timeline import encode_timeline
from colabsim.model.streams import NOISE_SOURCES, RunSeed, Streams, run_streams
from colabsim.model.structure import Structure, build_structure
from colabsim.scenario.loader import Scenario
from colabsim.scenario.parameters import Parameters
from colabsim.scenario.synthetic import synthetic_scenario

__all__ = ["KernelBatch", "MonthKernel", "metric_names", "run_kernel_batch", "warm_up"]

#: State fields that are scalars per run in the numpy engine (1-entry arrays in the kernel).
_CITY_FIELDS = ("reputation", "partners_joined", "sectors_opened")


def metric_names(structure: Structure) -> tuple[str, ...]:
    """The monthly metrics in the kernel's row order (as `colabsim.model.metrics.observe` names them)."""
    return (*METRIC_ORDER, *(f"performance_{sector}" for sector in structure.sectors))


@dataclass(frozen=True)
class KernelBatch:
    """A batch's outputs in the numpy engine's shapes (see `colabsim.model.batch.BatchResult`)."""

    final: State
    final_levels: dict[str, np.ndarray]
    summary: dict[str, np.ndarray]
    series: dict[str, np.ndarray]
    programmes: np.ndarray | None


def _numpy_state(state: RunState) -> State:
    """A kernel batch state as a numpy `State` with a run axis (city-level values of shape ``(runs,)``)."""
    fields: dict[str, Any] = {}
    for name, value in zip(RunState._fields, state, strict=True):
        value = value[:, 0] if name in _CITY_FIELDS else value
        fields[name] = value.astype(np.intp) if value.dtype == np.int64 and np.intp != np.int64 else value
    return State(**fields)


def run_kernel_batch(
    scenario: Scenario,
    structure: Structure,
    levels: Mapping[str, np.ndarray],
    held: Mapping[str, np.ndarray],
    parameters: Parameters | Sequence[Parameters],
    seeds: Sequence[RunSeed],
    source_seeds: Sequence[Mapping[str, RunSeed]] | None,
    keep_series: bool,
) -> KernelBatch:
    """Run a batch through the whole-run kernel.

    Args:
        scenario: The scenario (its timeline and calendar).
        structure: Its structure.
        levels: Start levels by factor, ``(runs, 1)`` arrays.
        held: Per factor, which runs hold it against the timeline, ``(runs, 1)`` bools.
        parameters: One set for every run, or one per run.
        seeds: One seed per run.
        source_seeds: Per run, seeds of some noise sources (`colabsim.model.streams`), or None.
        keep_series: Keep the monthly series and programme performance.
    """
    runs = len(seeds)
    kernel = kernel_structure(structure)
    held_rows = np.zeros((runs, len(FACTOR_ORDER)), dtype=np.bool_)
    for name, mask in held.items():
        held_rows[:, FACTOR_ORDER.index(name)] = np.broadcast_to(mask, (runs, 1))[:, 0]
    out = run_batch_arrays(
        kernel,
        level_rows(levels, runs),
        held_rows,
        parameter_rows(parameters, runs),
        stream_states(seeds, source_seeds),
        encode_timeline(scenario, structure),
        (scenario.start[1], scenario.horizon_months),
        keep_series,
        scenario.window,
    )
    names = metric_names(structure)
    return KernelBatch(
        final=_numpy_state(out.state),
        final_levels={name: out.levels[:, [k]] for k, name in enumerate(FACTOR_ORDER)},
        summary={name: out.summary[k] for k, name in enumerate(SUMMARY_ORDER)},
        series={name: out.series[k] for k, name in enumerate(names)} if keep_series else {},
        programmes=out.programmes if keep_series else None,
    )


class MonthKernel:
    """One month of one run in the kernel, for a step-by-step (Mesa) model.

    Args:
        structure: The run's structure.
        parameters: Its rule parameters.
    """

    def __init__(self, structure: Structure, parameters: Parameters) -> None:
        """Prepare the structure's arrays and the month's scratch space once."""
        self._kernel: KernelStructure = kernel_structure(structure)
        self._params = parameter_rows(parameters, 1)[0]
        self._buffers: MonthBuffers = new_buffers(self._kernel)
        self._work: Work = new_work(self._kernel)
        self.names = metric_names(structure)

    def month(
        self, state: State, levels: Mapping[str, Any], calendar: Calendar, streams: Streams
    ) -> tuple[State, np.ndarray]:
        """Advance `state` by one month (after its events); return the new state and its metrics.

        `state` is left unchanged (the new state has arrays of its own); the generators in
        `streams` advance exactly as the numpy engine's would.
        """
        fields: dict[str, np.ndarray] = {}
        for name in RunState._fields:
            value = np.asarray(getattr(state, name))
            dtype = np.int64 if value.dtype.kind == "i" else value.dtype
            fields[name] = np.array(value, dtype=dtype, ndmin=1, order="C")
        run_state = RunState(**fields)
        generators = [getattr(streams, name) for name in NOISE_SOURCES]
        stream_rows = states_of(generators)
        metrics = np.empty(len(self.names))
        step(
            self._kernel,
            run_state,
            level_rows(levels, 1)[0],
            self._params,
            calendar.months_left,
            calendar.renew,
            stream_rows,
            True,
            metrics,
            self._buffers,
            self._work,
        )
        restore(generators, stream_rows)
        new = {
            name: (value.dtype.type(value[0]) if name in _CITY_FIELDS else value)
            for name, value in zip(RunState._fields, run_state, strict=True)
        }
        return State(**new), metrics


def warm_up() -> None:
    """Compile the kernel's entry points once (or load them from numba's cache).

    A whole batch and one month of a small synthetic scenario: afterwards every kernel function
    is in numba's cache, so processes started later (test workers, sweep workers) load it
    instead of each compiling it again.
    """
    scenario = synthetic_scenario(10, seed=0, horizon_years=1)
    structure = build_structure(scenario.spec)
    levels = {name: np.array([[value]]) for name, value in scenario.factors.items()}
    run_kernel_batch(scenario, structure, levels, {}, scenario.parameters, [0], None, keep_series=True)
    streams = run_streams(0)
    calendar = Calendar.at(scenario.start, 0)
    state = initial_state(structure, scenario.factors, calendar)
    MonthKernel(structure, scenario.parameters).month(state, scenario.factors, calendar, streams)
