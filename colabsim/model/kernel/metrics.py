"""Kernel counterpart of `colabsim.model.metrics`: a month's metrics and a run's summary.

`observe` writes one row of metrics in `METRIC_ORDER` (then ``performance_<sector>`` for each
sector); `summarise_series` writes a run's summary in `SUMMARY_ORDER`. Means and sums use numpy's
pairwise summation (`colabsim.model.kernel.segments.pairwise_sum`), so the numbers are numpy's.
"""

from __future__ import annotations

import numpy as np

from colabsim.model.kernel._jit import njit, njit_inline
from colabsim.model.kernel.engine import RunState
from colabsim.model.kernel.layout import ACTIVE, DORMANT, KernelStructure, Work
from colabsim.model.kernel.segments import maximum, pairwise_sum

__all__ = ["METRIC_ORDER", "SUMMARY_ORDER", "observe", "summarise_series"]

#: The monthly metrics in row order (colabsim.model.metrics.TIMESERIES_METRICS).
METRIC_ORDER: tuple[str, ...] = (
    "performance",
    "trust",
    "trust_all",
    "understanding",
    "commitment",
    "pooled_funds",
    "pooled_materials",
    "pooled_people",
    "pooled_time",
    "active_programmes",
    "active_sectors",
    "active_ties",
    "active_actors",
    "alive",
    "reputation",
    "partners_joined",
    "sectors_opened",
)
(
    PERFORMANCE,
    TRUST,
    TRUST_ALL,
    UNDERSTANDING,
    COMMITMENT,
    POOLED_FUNDS,
    POOLED_MATERIALS,
    POOLED_PEOPLE,
    POOLED_TIME,
    ACTIVE_PROGRAMMES,
    ACTIVE_SECTORS,
    ACTIVE_TIES,
    ACTIVE_ACTORS,
    ALIVE,
    REPUTATION,
    PARTNERS_JOINED,
    SECTORS_OPENED,
) = range(17)
#: The summary metrics in order (colabsim.model.metrics.SUMMARY_METRICS).
SUMMARY_ORDER: tuple[str, ...] = (
    "performance",
    "performance_full",
    "final_performance",
    "trust",
    "mean_trust",
    "commitment",
    "peak_sectors",
    "final_sectors",
    "partners_joined",
    "sectors_opened",
    "alive_share",
    "alive_at_end",
    "pooled_total",
)


@njit
def _masked_mean(values: np.ndarray, mask: np.ndarray, count: float, empty: float, stack: np.ndarray) -> float:
    """Mean of `values` over the `count` nonzero entries of `mask` (numpy's summation), `empty` if none."""
    if count > 0:
        return pairwise_sum(values, mask, 0, values.shape[0], stack) / maximum(count, 1.0)
    return empty


@njit_inline
def observe(structure: KernelStructure, state: RunState, full: bool, out: np.ndarray, work: Work) -> np.ndarray:
    """Measure the current month into `out` (`METRIC_ORDER`, then one performance per sector).

    With `full` false only what `summarise_series` needs is measured; the rest is NaN.
    """
    s = structure
    live, running = work.programmes[0], work.programmes[1]
    n_running = 0.0
    n_live = 0.0
    for p in range(s.n_programmes):
        live[p] = 1.0 if state.status[p] == ACTIVE or state.status[p] == DORMANT else 0.0
        running[p] = 1.0 if state.status[p] == ACTIVE else 0.0
        n_running += running[p]
        n_live += live[p]
    both, partnership = work.ties[0], work.ties[1]
    # Counted in integers (a float sum of ones is the same number, but each float addition waits
    # for the last one), with `&` rather than `and`: whether a tie had contact lately is random,
    # and a branch on it mispredicts.
    recent = 0
    n_both = 0
    n_partnership = 0
    for e in range(s.n_ties):
        present = state.active[s.tie_src[e]] & state.active[s.tie_dst[e]]
        shared = present & s.tie_cross[e]
        both[e] = 1.0 if present else 0.0
        partnership[e] = 1.0 if shared else 0.0
        n_both += int(present)
        n_partnership += int(shared)
        recent += int(present & (state.since_contact[e] < 12))
    actors = work.actors[0]
    n_active = 0.0
    for i in range(s.n_actors):
        actors[i] = 1.0 if state.active[i] else 0.0
        n_active += actors[i]
    stack = work.stack
    out[PERFORMANCE] = _masked_mean(state.performance, live, n_live, 0.0, stack)
    shared_count, both_count = float(n_partnership), float(n_both)
    out[TRUST] = _masked_mean(state.trust, partnership, shared_count, 0.0, stack)
    out[TRUST_ALL] = _masked_mean(state.trust, both, both_count, 0.0, stack) if full else np.nan
    out[UNDERSTANDING] = _masked_mean(state.understanding, partnership, shared_count, 0.0, stack) if full else np.nan
    out[COMMITMENT] = _masked_mean(state.commitment, actors, n_active, 0.0, stack)
    column = work.programmes[2]
    for k in range(4):
        for p in range(s.n_programmes):
            column[p] = state.pooled[p, k]
        out[POOLED_FUNDS + k] = pairwise_sum(column, None, 0, s.n_programmes, work.stack)
    out[ACTIVE_PROGRAMMES] = n_running
    sectors = 0.0
    in_sector = work.programmes[3]
    for j in range(s.n_sectors):
        any_running = False
        n_in = 0.0
        for p in range(s.n_programmes):
            in_sector[p] = live[p] if s.prog_sector[p] == j else 0.0
            n_in += in_sector[p]
            any_running = any_running or (running[p] > 0 and s.prog_sector[p] == j)
        sectors += 1.0 if any_running else 0.0
        out[SECTORS_OPENED + 1 + j] = (
            _masked_mean(state.performance, in_sector, n_in, np.nan, stack) if full else np.nan
        )
    out[ACTIVE_SECTORS] = sectors
    out[ACTIVE_TIES] = float(recent)
    out[ACTIVE_ACTORS] = n_active
    out[ALIVE] = 1.0 if n_running > 0 else 0.0
    out[REPUTATION] = state.reputation[0]
    out[PARTNERS_JOINED] = float(state.partners_joined[0])
    out[SECTORS_OPENED] = float(state.sectors_opened[0])
    return out


@njit
def summarise_series(series: np.ndarray, window: tuple[int, int], out: np.ndarray, work: Work) -> np.ndarray:
    """Summarise one run's monthly metrics ``(metrics, T)`` into `out` (`SUMMARY_ORDER`).

    ``performance`` is the mean over the months ``window`` = (first, stop) of the run (the
    scenario's evaluation window; ``(0, T)`` for all months), NaN if none of them was run.
    """
    stack = work.stack
    months = series.shape[1]
    last = months - 1
    tail = min(12, months)
    first, stop = min(window[0], months), min(window[1], months)
    evaluated = stop - first
    out[0] = pairwise_sum(series[PERFORMANCE], None, first, evaluated, stack) / evaluated if evaluated > 0 else np.nan
    out[1] = pairwise_sum(series[PERFORMANCE], None, 0, months, stack) / months
    out[2] = pairwise_sum(series[PERFORMANCE], None, months - tail, tail, stack) / tail
    out[3] = series[TRUST, last]
    out[4] = pairwise_sum(series[TRUST], None, 0, months, stack) / months
    out[5] = series[COMMITMENT, last]
    peak = series[ACTIVE_SECTORS, 0]
    for t in range(1, months):
        peak = maximum(peak, series[ACTIVE_SECTORS, t])
    out[6] = peak
    out[7] = series[ACTIVE_SECTORS, last]
    out[8] = series[PARTNERS_JOINED, last]
    out[9] = series[SECTORS_OPENED, last]
    out[10] = pairwise_sum(series[ALIVE], None, 0, months, stack) / months
    out[11] = series[ALIVE, last]
    pooled = 0.0
    for k in range(4):
        pooled += pairwise_sum(series[POOLED_FUNDS + k], None, 0, months, stack)
    out[12] = pooled
    return out
