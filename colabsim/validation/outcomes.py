"""Results beyond the means: by sector, the distribution of runs, and the ceiling (issue 14, items 7 and 10).

The study looks at health (Vlissingen's strongest sector) and at tourism and vocational education
(Darwin's programmes); a mean over runs can hide a split between runs that thrive and runs that
stall, so each scenario's runs are shown as a distribution (quantiles and the share below 0.05);
and a model whose programmes sit at performance 1 cannot show a factor's effect there, so the
share of programme-months at the ceiling is reported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from colabsim.experiments.progress import ProgressCallback
from colabsim.model.batch import BatchResult
from colabsim.scenario.loader import Scenario
from colabsim.stats import mean_ci
from colabsim.validation.runs import Arm, Extract, run_arms
from colabsim.validation.study import Study
from colabsim.validation.windows import STUDY_WINDOW, Window, window_mean

__all__ = ["CEILING", "NEAR_CEILING", "Outcomes", "outcomes"]

#: Performance counted as the ceiling (1, up to rounding), and as near it.
CEILING, NEAR_CEILING = 1.0 - 1e-9, 0.95
#: Quantiles of the distribution of runs.
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


@dataclass(frozen=True)
class Outcomes:
    """Per-run outcomes of the study's scenarios.

    Attributes:
        distribution: Per scenario, over its evaluation window (``window``: its months) and its full period:
            mean with CI, quantiles over runs, share of runs below 0.05 (``below``).
        sectors: Per scenario and sector: mean performance over the window (months with a live
            programme in the sector), with CI and quantiles, and the share of runs in which the
            sector has a live programme in the window.
        ceiling: Per scenario: share of producing programme-months at the ceiling and near it, and
            the highest performance reached.
        runs: Per scenario, each run's mean performance over its evaluation window (for the figures).
    """

    distribution: pd.DataFrame
    sectors: pd.DataFrame
    ceiling: pd.DataFrame
    runs: dict[str, np.ndarray]


def _extract(window: Window) -> Extract:
    def extract(scenario: Scenario, batch: BatchResult) -> dict[str, np.ndarray]:
        kept = {
            "window": window_mean(scenario, batch.series["performance"], window),
            "full": batch.series["performance"].mean(axis=1),
        }
        for name, series in batch.series.items():
            if name.startswith("performance_"):
                kept[f"sector:{name.removeprefix('performance_')}"] = window_mean(scenario, series, window)
        programmes = batch.programmes if batch.programmes is not None else np.zeros((len(batch.seeds), 1, 1))
        producing = programmes > 0
        kept["producing"] = producing.sum(axis=(1, 2)).astype(np.float64)
        kept["at_ceiling"] = (programmes >= CEILING).sum(axis=(1, 2)).astype(np.float64)
        kept["near_ceiling"] = (programmes >= NEAR_CEILING).sum(axis=(1, 2)).astype(np.float64)
        kept["highest"] = programmes.max(axis=(1, 2))
        return kept

    return extract


def _spread(values: np.ndarray) -> dict[str, float]:
    finite = values[np.isfinite(values)]
    estimate = mean_ci(finite)
    row = {"mean": estimate.value, "low": estimate.low, "high": estimate.high}
    for q in QUANTILES:
        row[f"q{round(q * 100):02d}"] = float(np.quantile(finite, q)) if finite.size else float("nan")
    return row


def outcomes(
    study: Study,
    scenarios: Sequence[str],
    seeds: Sequence[int],
    window: Window = STUDY_WINDOW,
    own_windows: Mapping[str, Window] | None = None,
    progress: ProgressCallback | None = None,
) -> Outcomes:
    """Run each scenario once per seed and describe its runs, sectors and ceiling.

    Args:
        study: The study's scenarios.
        scenarios: File stems to run.
        seeds: One run per seed.
        window: The window each scenario is evaluated over (clipped to its period) ...
        own_windows: ... unless it has one here (e.g. the reformed Darwin over the years after the reforms).
        progress: Receives the runs done as phase ``outcomes``.
    """
    chosen = tuple(int(s) for s in seeds)
    windows = {name: (own_windows or {}).get(name, window) for name in scenarios}
    arms = [Arm(study[name], chosen) for name in scenarios]
    values = run_arms(arms, [_extract(windows[name]) for name in scenarios], progress, "outcomes")
    distribution, sectors, ceiling = [], [], []
    for name, kept in zip(scenarios, values, strict=True):
        span = windows[name].span(study[name])
        for label, key in ((span, "window"), ("full period", "full")):
            below = float(np.mean(kept[key] < 0.05))
            distribution.append({"scenario": name, "window": label, **_spread(kept[key]), "below": below})
        for key, per_run in kept.items():
            if key.startswith("sector:"):
                live = float(np.mean(np.isfinite(per_run)))
                if live > 0:
                    sectors.append({"scenario": name, "sector": key.removeprefix("sector:"), "window": span,
                                    **_spread(per_run), "live_share": live})  # fmt: skip
        producing = kept["producing"].sum()
        ceiling.append(
            {
                "scenario": name,
                "at_ceiling": float(kept["at_ceiling"].sum() / producing) if producing else 0.0,
                "near_ceiling": float(kept["near_ceiling"].sum() / producing) if producing else 0.0,
                "highest": float(kept["highest"].max()),
            }
        )
    runs = {name: kept["window"] for name, kept in zip(scenarios, values, strict=True)}
    return Outcomes(pd.DataFrame(distribution), pd.DataFrame(sectors), pd.DataFrame(ceiling), runs)
