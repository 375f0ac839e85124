"""Process 9 (observation): the metrics recorded every month, and the per-run summary.

Metric names are a public interface (columns of ``timeseries.csv`` and ``summary.csv``):
docs/ODD.md lists them with their definitions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from colabsim.model.engine import State
from colabsim.model.structure import ACTIVE, DORMANT, Structure
from colabsim.scenario.parameters import RESOURCE_TYPES

__all__ = ["SUMMARY_METRICS", "TIMESERIES_METRICS", "observe", "summarise", "summarise_series"]

#: Per-month metrics (besides one ``performance_<sector>`` column per sector).
TIMESERIES_METRICS: tuple[str, ...] = (
    "performance",
    "trust",
    "trust_all",
    "understanding",
    "commitment",
    *(f"pooled_{k}" for k in RESOURCE_TYPES),
    "active_programmes",
    "active_sectors",
    "active_ties",
    "active_actors",
    "alive",
    "reputation",
    "partners_joined",
    "sectors_opened",
)

#: Per-run summary metrics.
SUMMARY_METRICS: tuple[str, ...] = (
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


def _masked_mean(values: np.ndarray, mask: np.ndarray, empty: float = 0.0) -> np.ndarray:
    """Mean of `values` over `mask` along the last axis; `empty` where the mask is all False."""
    weights = np.broadcast_to(mask, np.shape(values)).astype(np.float64)
    count = weights.sum(axis=-1)
    total = np.where(weights > 0, values, 0.0).sum(axis=-1)
    return np.where(count > 0, total / np.maximum(count, 1.0), empty)


def observe(structure: Structure, state: State, full: bool = True) -> dict[str, np.ndarray]:
    """Measure the current month; every value has the state's batch shape (``()`` for one run).

    ``performance`` is the mean performance of live (active or dormant) programmes, 0 if none;
    ``performance_<sector>`` the same within a sector (NaN while the sector has no live programme);
    ``trust`` the mean trust over ties across the partnership (ends on different sides, both
    present), ``trust_all`` over all ties between present actors; ``understanding`` the mean shared
    understanding across the partnership; ``commitment`` the mean over present actors;
    ``pooled_<type>`` the resources pooled this month; ``active_programmes`` and
    ``active_sectors`` count what runs; ``active_ties`` the ties between present actors used in the
    last 12 months; ``active_actors`` the actors present; ``alive`` is 1 while any programme runs.
    With ``full=False`` only what `summarise_series` needs is measured (a sweep that keeps no
    monthly series saves the rest).
    """
    s = structure
    live = (state.status == ACTIVE) | (state.status == DORMANT)
    running = state.status == ACTIVE
    both = state.active[..., s.tie_src] & state.active[..., s.tie_dst]
    partnership = both & s.tie_cross
    row: dict[str, np.ndarray] = {
        "performance": _masked_mean(state.performance, live),
        "trust": _masked_mean(state.trust, partnership),
        "commitment": _masked_mean(state.commitment, state.active),
    }
    for k, name in enumerate(RESOURCE_TYPES):
        row[f"pooled_{name}"] = state.pooled[..., k].sum(axis=-1)
    in_sector = s.prog_sector[:, None] == np.arange(len(s.sectors))[None, :]
    row["active_sectors"] = np.any(running[..., :, None] & in_sector, axis=-2).sum(axis=-1).astype(np.float64)
    row["alive"] = running.any(axis=-1).astype(np.float64)
    row["partners_joined"] = np.asarray(state.partners_joined, dtype=np.float64)
    row["sectors_opened"] = np.asarray(state.sectors_opened, dtype=np.float64)
    if not full:
        return row
    row["trust_all"] = _masked_mean(state.trust, both)
    row["understanding"] = _masked_mean(state.understanding, partnership)
    row["active_programmes"] = running.sum(axis=-1).astype(np.float64)
    row["active_ties"] = np.sum(both & (state.since_contact < 12), axis=-1).astype(np.float64)
    row["active_actors"] = state.active.sum(axis=-1).astype(np.float64)
    row["reputation"] = np.asarray(state.reputation, dtype=np.float64)
    for j, sector in enumerate(s.sectors):
        row[f"performance_{sector}"] = _masked_mean(state.performance, live & (s.prog_sector == j), empty=np.nan)
    return {name: row[name] for name in (*TIMESERIES_METRICS, *row) if name in row}


def summarise_series(series: dict[str, np.ndarray], window: tuple[int, int] | None = None) -> dict[str, np.ndarray]:
    """Summarise monthly metrics whose last axis is time (shape ``(..., T)``), per run.

    ``performance``: mean over the evaluation window's months (`window`, ``(first, stop)`` month
    indices: the scenario's ``window``; all months when None; NaN while no month of the window
    has been run); ``performance_full``: mean over all months; ``final_performance``: mean over
    the last 12 months;
    ``trust`` and ``commitment``: at the last month; ``mean_trust``: over all months;
    ``peak_sectors`` / ``final_sectors``: most and last number of sectors with an active
    programme; ``partners_joined`` / ``sectors_opened``: totals at the end; ``alive_share``: share
    of months with a running programme; ``alive_at_end``; ``pooled_total``: all resources pooled.
    """

    def rows(name: str) -> np.ndarray:
        return np.ascontiguousarray(series[name], dtype=np.float64)

    pooled = sum(rows(f"pooled_{k}").sum(axis=-1) for k in RESOURCE_TYPES)
    performance = rows("performance")
    first, stop = (0, performance.shape[-1]) if window is None else window
    evaluated = performance[..., first:stop]
    in_window = evaluated.mean(axis=-1) if evaluated.shape[-1] else np.full(performance.shape[:-1], np.nan)
    return {
        "performance": in_window,
        "performance_full": performance.mean(axis=-1),
        "final_performance": rows("performance")[..., -12:].mean(axis=-1),
        "trust": rows("trust")[..., -1],
        "mean_trust": rows("trust").mean(axis=-1),
        "commitment": rows("commitment")[..., -1],
        "peak_sectors": rows("active_sectors").max(axis=-1),
        "final_sectors": rows("active_sectors")[..., -1],
        "partners_joined": rows("partners_joined")[..., -1],
        "sectors_opened": rows("sectors_opened")[..., -1],
        "alive_share": rows("alive").mean(axis=-1),
        "alive_at_end": rows("alive")[..., -1],
        "pooled_total": np.asarray(pooled),
    }


def summarise(timeseries: pd.DataFrame, window: tuple[int, int] | None = None) -> dict[str, float]:
    """Summarise one run's monthly metrics table (see `summarise_series`)."""
    series = {name: timeseries[name].to_numpy(dtype=np.float64) for name in TIMESERIES_METRICS}
    return {name: float(value) for name, value in summarise_series(series, window).items()}
