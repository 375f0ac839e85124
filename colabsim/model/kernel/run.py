"""The whole-run kernel: a batch of runs, each to its horizon, with no Python between months.

`run_batch` takes everything a batch needs as arrays (the structure, each run's factor levels,
held factors, parameters and noise streams, the timeline as an `EventTable`) and runs one run after
another (a run's state stays in cache), month by month: its events, `advance`, `observe`; the
monthly series are kept if asked for and the run's summary is computed at its end, so a sweep that
keeps summaries only needs memory for one run's series. `step` is one month of one run, for the
Mesa model's step. `run_batch_arrays` is the Python side: it allocates the outputs and calls the kernel.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np

from colabsim.model.kernel._jit import njit, njit_inline
from colabsim.model.kernel.engine import MonthBuffers, RunState, advance, initial_state, new_buffers, prepare
from colabsim.model.kernel.layout import KernelStructure, Work, new_work
from colabsim.model.kernel.metrics import METRIC_ORDER, SUMMARY_ORDER, observe, summarise_series
from colabsim.model.kernel.pcg64 import seed_streams
from colabsim.model.kernel.timeline import EventTable, apply_event
from colabsim.model.streams import NOISE_SOURCES, RunSeed, source_sequences

__all__ = ["BatchArrays", "new_batch_state", "run_batch", "run_batch_arrays", "step", "stream_states"]


class BatchArrays(NamedTuple):
    """The outputs of `run_batch`.

    Final states ``(runs, ...)`` (a `RunState` per row), final factor levels ``(runs, factors)``,
    series ``(metrics, runs, months)`` (empty unless kept), programme performance ``(runs, months,
    programmes)`` (empty unless kept) and summaries ``(summaries, runs)``.
    """

    state: RunState
    levels: np.ndarray
    series: np.ndarray
    programmes: np.ndarray
    summary: np.ndarray


def new_batch_state(structure: KernelStructure, runs: int) -> RunState:
    """Uninitialised state arrays for `runs` runs (a `RunState` whose fields have a run axis)."""
    s = structure
    n, e, p = s.n_actors, s.n_ties, s.n_programmes
    return RunState(
        trust=np.empty((runs, e)),
        understanding=np.empty((runs, e)),
        since_contact=np.empty((runs, e), dtype=np.int64),
        contact=np.empty((runs, e), dtype=np.bool_),
        commitment=np.empty((runs, n)),
        active=np.empty((runs, n), dtype=np.bool_),
        funded=np.empty((runs, n), dtype=np.bool_),
        prospective=np.empty((runs, n), dtype=np.bool_),
        budget=np.empty((runs, n, 4)),
        stock=np.empty((runs, n, 4)),
        contributed=np.empty((runs, n, 4)),
        status=np.empty((runs, p), dtype=np.int64),
        streak=np.empty((runs, p), dtype=np.int64),
        performance=np.empty((runs, p)),
        consensus=np.empty((runs, p)),
        pooled=np.empty((runs, p, 4)),
        reputation=np.empty((runs, 1)),
        partners_joined=np.empty((runs, 1), dtype=np.int64),
        sectors_opened=np.empty((runs, 1), dtype=np.int64),
    )


@njit
def run_view(state: RunState, run: int) -> RunState:
    """Run `run`'s row of a batch state, as views (writing to them writes the batch)."""
    return RunState(
        state.trust[run],
        state.understanding[run],
        state.since_contact[run],
        state.contact[run],
        state.commitment[run],
        state.active[run],
        state.funded[run],
        state.prospective[run],
        state.budget[run],
        state.stock[run],
        state.contributed[run],
        state.status[run],
        state.streak[run],
        state.performance[run],
        state.consensus[run],
        state.pooled[run],
        state.reputation[run],
        state.partners_joined[run],
        state.sectors_opened[run],
    )


@njit_inline
def step(
    structure: KernelStructure,
    state: RunState,
    levels: np.ndarray,
    params: np.ndarray,
    months_left: int,
    renew: bool,
    streams: np.ndarray,
    full: bool,
    metrics: np.ndarray,
    buffers: MonthBuffers,
    work: Work,
) -> None:
    """One month of one run after its events: `prepare`, `advance`, `observe` into `metrics` (all if `full`).

    For a model stepped month by month, whose levels may change between any two months; the
    whole-run kernel prepares only when they may have changed.
    """
    prepare(structure, levels, params, buffers, work)
    advance(structure, state, levels, params, months_left, renew, streams, buffers, work)
    observe(structure, state, full, metrics, work)


@njit
def run_batch(
    structure: KernelStructure,
    start_levels: np.ndarray,
    held: np.ndarray,
    params: np.ndarray,
    streams: np.ndarray,
    events: EventTable,
    first_month: int,
    window: tuple[int, int],
    keep_series: bool,
    out: BatchArrays,
    scratch: tuple[np.ndarray, np.ndarray, np.ndarray],
    buffers: MonthBuffers,
    work: Work,
) -> None:
    """Run every run of a batch to its horizon (``run_series.shape[1]`` months) into `out`.

    `first_month` is the calendar month (1-12) of month 0, `window` the (first, stop) months of
    the summary's ``performance`` (`summarise_series`); `scratch` holds one run's monthly
    metrics ``(metrics, months)``, one month's ``(metrics,)`` and one run's summary.
    """
    s = structure
    run_series, metrics, summary = scratch
    months = run_series.shape[1]
    for r in range(start_levels.shape[0]):
        levels = out.levels[r]
        for f in range(levels.shape[0]):
            levels[f] = start_levels[r, f]
        state = run_view(out.state, r)
        run_streams = streams[r]
        initial_state(s, levels, 13 - first_month, state, work)
        row = 0
        while row < events.month.shape[0] and events.month[row] < 0:
            row += 1
        prepare(s, levels, params[r], buffers, work)
        for month in range(months):
            calendar_month = (first_month - 1 + month) % 12 + 1
            months_left = 13 - calendar_month
            if row < events.month.shape[0] and events.month[row] == month:
                while row < events.month.shape[0] and events.month[row] == month:
                    row = apply_event(s, state, levels, held[r], months_left, events, row, work)
                prepare(s, levels, params[r], buffers, work)  # an event may have set a factor
            renew = calendar_month == 12
            advance(s, state, levels, params[r], months_left, renew, run_streams, buffers, work)
            observe(s, state, keep_series, metrics, work)
            for k in range(metrics.shape[0]):
                run_series[k, month] = metrics[k]
            if keep_series:
                for k in range(metrics.shape[0]):
                    out.series[k, r, month] = metrics[k]
                for p in range(s.n_programmes):
                    out.programmes[r, month, p] = state.performance[p]
        summarise_series(run_series, window, summary, work)
        for k in range(summary.shape[0]):
            out.summary[k, r] = summary[k]


def stream_states(seeds: Sequence[RunSeed], overrides: Sequence[Mapping[str, RunSeed]] | None = None) -> np.ndarray:
    """The PCG64 states of each run's noise streams, ``(runs, sources, 4)`` (`colabsim.model.streams`).

    A run with an integer seed below 2**128 and no per-source seeds is seeded in the kernel
    (`colabsim.model.kernel.pcg64.seed_streams`, numpy's SeedSequence hash: about 0.3 us a run
    against 60-90 us through numpy's objects); any other run through numpy's SeedSequence.

    Raises:
        ValueError: If a seed or source is invalid, or `overrides` and `seeds` differ in length.
    """
    if overrides is not None and len(overrides) != len(seeds):
        raise ValueError(f"{len(overrides)} sets of noise-source seeds for {len(seeds)} seeds")
    runs = len(seeds)
    out = np.empty((runs, len(NOISE_SOURCES), 4), dtype=np.uint64)
    fast = np.zeros(runs, dtype=np.bool_)
    words = np.zeros((runs, 4), dtype=np.uint64)
    mask = (1 << 64) - 1
    for r, seed in enumerate(seeds):
        own = overrides is None or not overrides[r]
        if own and isinstance(seed, int | np.integer) and not isinstance(seed, bool) and 0 <= seed < 2**128:
            fast[r] = True
            words[r] = [(int(seed) >> (32 * w)) & 0xFFFFFFFF for w in range(4)]
            continue
        sequences = source_sequences(seed, None if overrides is None else overrides[r])
        for k, sequence in enumerate(sequences.values()):
            state = np.random.PCG64(sequence).state["state"]
            out[r, k] = (state["state"] >> 64, state["state"] & mask, state["inc"] >> 64, state["inc"] & mask)
    if fast.any():
        seeded = np.empty((int(fast.sum()), len(NOISE_SOURCES), 4), dtype=np.uint64)
        seed_streams(words[fast], seeded, np.empty(32, dtype=np.uint64))
        out[fast] = seeded
    return out


def run_batch_arrays(
    structure: KernelStructure,
    levels: np.ndarray,
    held: np.ndarray,
    params: np.ndarray,
    streams: np.ndarray,
    events: EventTable,
    calendar: tuple[int, int],
    keep_series: bool,
    window: tuple[int, int] | None = None,
) -> BatchArrays:
    """Allocate a batch's outputs and run it (`run_batch`).

    `calendar` is (first calendar month, months); `window` the (first, stop) months the summary's
    ``performance`` averages (None: all months).
    """
    runs = levels.shape[0]
    first_month, months = calendar
    n_metrics = len(METRIC_ORDER) + structure.n_sectors
    kept = (runs, months) if keep_series else (0, 0)
    out = BatchArrays(
        state=new_batch_state(structure, runs),
        levels=np.empty_like(levels),
        series=np.empty((n_metrics, *kept)),
        programmes=np.empty((*kept, structure.n_programmes)),
        summary=np.empty((len(SUMMARY_ORDER), runs)),
    )
    run_batch(
        structure,
        np.ascontiguousarray(levels, dtype=np.float64),
        np.ascontiguousarray(held, dtype=np.bool_),
        np.ascontiguousarray(params, dtype=np.float64),
        np.ascontiguousarray(streams, dtype=np.uint64),
        events,
        int(first_month),
        (0, int(months)) if window is None else (int(window[0]), int(window[1])),
        bool(keep_series),
        out,
        (np.empty((n_metrics, months)), np.empty(n_metrics), np.empty(len(SUMMARY_ORDER))),
        new_buffers(structure),
        new_work(structure),
    )
    return out
