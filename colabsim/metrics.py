"""Process 9 (observation): the metrics recorded every month, and the per-run summary.

Metric names are a public interface (columns of ``timeseries.csv`` and ``summary.csv``):
docs/ODD.md lists them with their definitions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from colabsim.engine import State
from colabsim.parameters import RESOURCE_TYPES
from colabsim.structure import ACTIVE, DORMANT, Structure

__all__ = ["SUMMARY_METRICS", "TIMESERIES_METRICS", "observe", "summarise"]

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


def _mean(values: np.ndarray, mask: np.ndarray) -> float:
    count = int(np.sum(mask))
    return float(np.sum(values[mask]) / count) if count else 0.0


def observe(structure: Structure, state: State) -> dict[str, float]:
    """Measure the current month.

    ``performance`` is the mean performance of live (active or dormant) programmes, 0 if none;
    ``performance_<sector>`` the same within a sector (NaN while the sector has no live programme);
    ``trust`` the mean trust over ties across the partnership (ends on different sides, both
    present), ``trust_all`` over all ties between present actors; ``commitment`` the mean over
    present actors; ``pooled_<type>`` the resources pooled this month; ``active_ties`` the ties
    between present actors used in the last 12 months; ``alive`` is 1 while any programme runs.
    """
    s = structure
    live = (state.status == ACTIVE) | (state.status == DORMANT)
    running = state.status == ACTIVE
    both = state.active[s.tie_src] & state.active[s.tie_dst]
    partnership = both & s.tie_cross
    row: dict[str, float] = {
        "performance": _mean(state.performance, live),
        "trust": _mean(state.trust, partnership),
        "trust_all": _mean(state.trust, both),
        "understanding": _mean(state.understanding, partnership),
        "commitment": _mean(state.commitment, state.active),
    }
    for k, name in enumerate(RESOURCE_TYPES):
        row[f"pooled_{name}"] = float(state.pooled[:, k].sum())
    row["active_programmes"] = float(running.sum())
    row["active_sectors"] = float(len(np.unique(s.prog_sector[running])))
    row["active_ties"] = float(np.sum(both & (state.since_contact < 12)))
    row["active_actors"] = float(state.active.sum())
    row["alive"] = float(running.any())
    row["reputation"] = float(state.reputation)
    row["partners_joined"] = float(state.partners_joined)
    row["sectors_opened"] = float(state.sectors_opened)
    for j, sector in enumerate(s.sectors):
        in_sector = live & (s.prog_sector == j)
        row[f"performance_{sector}"] = _mean(state.performance, in_sector) if in_sector.any() else float("nan")
    return row


def summarise(timeseries: pd.DataFrame) -> dict[str, float]:
    """Summarise one run's monthly metrics.

    ``performance``: mean over all months; ``final_performance``: mean over the last 12 months;
    ``trust`` and ``commitment``: at the last month; ``mean_trust``: over all months;
    ``peak_sectors`` / ``final_sectors``: most and last number of sectors with an active
    programme; ``alive_share``: share of months with a running programme; ``pooled_total``: all
    resources pooled over the run.
    """
    last = timeseries.iloc[-1]
    pooled = sum(float(timeseries[f"pooled_{k}"].sum()) for k in RESOURCE_TYPES)
    return {
        "performance": float(timeseries["performance"].mean()),
        "final_performance": float(timeseries["performance"].iloc[-12:].mean()),
        "trust": float(last["trust"]),
        "mean_trust": float(timeseries["trust"].mean()),
        "commitment": float(last["commitment"]),
        "peak_sectors": float(timeseries["active_sectors"].max()),
        "final_sectors": float(last["active_sectors"]),
        "partners_joined": float(last["partners_joined"]),
        "sectors_opened": float(last["sectors_opened"]),
        "alive_share": float(timeseries["alive"].mean()),
        "alive_at_end": float(last["alive"]),
        "pooled_total": pooled,
    }
