"""Replications of one or more scenarios, with common random numbers, and their comparison.

Every scenario in an ensemble runs with the same replication seeds (common random numbers), so
differences between scenarios come from the scenarios, not from luck. Runs are independent; with
``workers > 1`` they run in a process pool and give the same numbers as serial runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import pandas as pd

from colabsim.metrics import SUMMARY_METRICS
from colabsim.scenario import Scenario
from colabsim.simulate import SimulationResult, derive_seeds, simulate
from colabsim.stats import mean_ci, welch_difference

__all__ = ["Ensemble", "compare_table", "run_ensemble", "run_replications", "summary_table"]


@dataclass(frozen=True)
class Ensemble:
    """Results of replicated runs of labelled scenarios (tidy tables).

    Attributes:
        labels: Scenario labels in the order given (the first is the reference in comparisons).
        seeds: The replication seeds, shared by every scenario.
        timeseries: Monthly metrics: ``scenario``, ``replication``, ``seed``, ``step``, ``date``, ...
        summary: One row per run: ``scenario``, ``replication``, ``seed`` and the summary metrics.
        programmes: Monthly performance per programme and run (long format).
        finals: For each label, the (actors, ties) tables at the end of replication 0.
    """

    labels: tuple[str, ...]
    seeds: tuple[int, ...]
    timeseries: pd.DataFrame
    summary: pd.DataFrame
    programmes: pd.DataFrame
    finals: dict[str, tuple[pd.DataFrame, pd.DataFrame]]


def _run_one(job: tuple[Scenario, int]) -> SimulationResult:
    scenario, seed = job
    return simulate(scenario, seed)


def run_ensemble(
    scenarios: Sequence[tuple[str, Scenario]],
    seed: int,
    replications: int,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> Ensemble:
    """Run every scenario `replications` times with seeds derived from `seed`.

    Args:
        scenarios: (label, scenario) pairs; labels must be unique.
        seed: Root seed (see `colabsim.simulate.derive_seeds`).
        replications: Runs per scenario (at least 1).
        workers: Processes to use; 1 runs in this process.
        progress: Called with the number of runs finished so far.

    Raises:
        ValueError: If replications or workers is below 1 or labels repeat.
    """
    if replications < 1:
        raise ValueError(f"replications must be at least 1, got {replications}")
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    labels = [label for label, _ in scenarios]
    if len(set(labels)) != len(labels):
        raise ValueError(f"scenario labels must be unique, got {labels}")
    seeds = derive_seeds(seed, replications)
    jobs = [(scenario, run_seed) for _, scenario in scenarios for run_seed in seeds]
    results: list[SimulationResult] = []
    if workers == 1:
        for job in jobs:
            results.append(_run_one(job))
            if progress is not None:
                progress(len(results))
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for result in pool.map(_run_one, jobs, chunksize=max(1, len(jobs) // (4 * workers))):
                results.append(result)
                if progress is not None:
                    progress(len(results))
    series, rows, programmes = [], [], []
    finals: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = {}
    for k, result in enumerate(results):
        label, r = labels[k // replications], k % replications
        series.append(result.timeseries.assign(scenario=label, replication=r, seed=seeds[r]))
        programmes.append(result.programmes.assign(scenario=label, replication=r, seed=seeds[r]))
        rows.append({"scenario": label, "replication": r, "seed": seeds[r], **result.summary.drop("seed").to_dict()})
        if r == 0:
            finals[label] = (result.actors, result.ties)
    front = ["scenario", "replication", "seed"]
    timeseries = pd.concat(series, ignore_index=True)
    timeseries = timeseries[front + [c for c in timeseries.columns if c not in front]]
    programme_table = pd.concat(programmes, ignore_index=True)
    programme_table = programme_table[front + [c for c in programme_table.columns if c not in front]]
    return Ensemble(tuple(labels), tuple(seeds), timeseries, pd.DataFrame(rows), programme_table, finals)


def run_replications(
    scenario: Scenario, seed: int, replications: int, workers: int = 1
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Replicate one scenario; return its (timeseries, summary) tables (see `run_ensemble`)."""
    ensemble = run_ensemble([(scenario.name, scenario)], seed, replications, workers)
    return ensemble.timeseries, ensemble.summary


def summary_table(summary: pd.DataFrame, metrics: Sequence[str] = SUMMARY_METRICS) -> pd.DataFrame:
    """Mean and 95% CI of each summary metric per scenario (columns scenario, metric, mean, ci_low, ci_high)."""
    rows = []
    for label, group in summary.groupby("scenario", sort=False):
        for metric in metrics:
            est = mean_ci(group[metric])
            rows.append(
                {"scenario": label, "metric": metric, "mean": est.value, "ci_low": est.low, "ci_high": est.high}
            )
    return pd.DataFrame(rows)


def compare_table(
    summary: pd.DataFrame, labels: Sequence[str], metrics: Sequence[str] = SUMMARY_METRICS
) -> pd.DataFrame:
    """Per scenario and metric: mean with 95% CI, and the difference from the first scenario with its Welch CI."""
    table = summary_table(summary, metrics)
    reference = summary[summary["scenario"] == labels[0]]
    diffs = []
    for _, row in table.iterrows():
        if row["scenario"] == labels[0]:
            diffs.append((0.0, 0.0, 0.0))
            continue
        other = summary[summary["scenario"] == row["scenario"]]
        est = welch_difference(other[row["metric"]], reference[row["metric"]])
        diffs.append((est.value, est.low, est.high))
    table["diff"] = [d[0] for d in diffs]
    table["diff_ci_low"] = [d[1] for d in diffs]
    table["diff_ci_high"] = [d[2] for d in diffs]
    return table
