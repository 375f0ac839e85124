"""Replications of one or more scenarios, with common random numbers, and their comparison.

Every scenario in an ensemble runs with the same replication seeds (common random numbers), so
differences between scenarios come from the scenarios, not from luck. Runs are independent; with
``workers > 1`` they run in a process pool and give the same numbers as serial runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from colabsim.experiments.executors import cancel, process_pool
from colabsim.model.batch import BatchResult, run_batch
from colabsim.model.engine import month_label
from colabsim.model.metrics import SUMMARY_METRICS
from colabsim.model.rules import actor_capacity
from colabsim.model.simulate import derive_seeds
from colabsim.model.tables import actors_table, programmes_table, ties_table
from colabsim.scenario.loader import Scenario
from colabsim.stats import mean_ci, welch_difference

__all__ = ["Ensemble", "compare_table", "evaluation_months", "run_ensemble", "summary_table"]


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
        windows: For each label, the first and last month (``YYYY-MM``) of the evaluation window
            that its summary ``performance`` averages over (the whole run when the scenario has none).
    """

    labels: tuple[str, ...]
    seeds: tuple[int, ...]
    timeseries: pd.DataFrame
    summary: pd.DataFrame
    programmes: pd.DataFrame
    finals: dict[str, tuple[pd.DataFrame, pd.DataFrame]]
    windows: dict[str, tuple[str, str]]


#: Runs advanced together in one batch (memory grows with it; speed levels off beyond a few hundred).
BATCH_SIZE = 256


def _run_chunk(job: tuple[Scenario, tuple[int, ...]]) -> BatchResult:
    scenario, seeds = job
    return run_batch(scenario, seeds)


def _frames(
    label: str, result: BatchResult, scenario: Scenario, first_replication: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The chunk's timeseries, summary and programme tables (tidy, one row per run and month)."""
    runs, months = len(result.seeds), scenario.horizon_months
    replication = np.repeat(np.arange(first_replication, first_replication + runs), months)
    seeds = np.repeat(np.array(result.seeds, dtype=np.int64), months)
    steps = np.tile(np.arange(months), runs)
    dates = np.tile(np.array([month_label(scenario.start, m) for m in range(months)]), runs)
    columns: dict[str, np.ndarray] = {"scenario": np.full(runs * months, label), "replication": replication}
    columns |= {"seed": seeds, "step": steps, "date": dates}
    columns |= {name: values.reshape(-1) for name, values in result.series.items()}
    timeseries = pd.DataFrame(columns)
    summary = pd.DataFrame(
        {
            "scenario": label,
            "replication": np.arange(first_replication, first_replication + runs),
            "seed": np.array(result.seeds, dtype=np.int64),
            **{name: result.summary[name] for name in SUMMARY_METRICS},
        }
    )
    programmes = programmes_table(result.structure, np.zeros((0, result.structure.n_programmes)))
    if result.programmes is not None:
        n_prog = result.structure.n_programmes
        block = programmes_table(result.structure, result.programmes.reshape(runs * months, n_prog))
        block["step"] = np.repeat(steps, n_prog)
        programmes = block.assign(
            scenario=label, replication=np.repeat(replication, n_prog), seed=np.repeat(seeds, n_prog)
        )
    return timeseries, summary, programmes


def run_ensemble(
    scenarios: Sequence[tuple[str, Scenario]],
    seed: int,
    replications: int,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> Ensemble:
    """Run every scenario `replications` times with seeds derived from `seed`.

    Runs go through the batch engine (`colabsim.model.batch`) in chunks of `BATCH_SIZE`; each run's
    numbers equal those of ``colabsim.simulate(scenario, seed)`` with its replication seed.

    Args:
        scenarios: (label, scenario) pairs; labels must be unique.
        seed: Root seed (see `colabsim.model.simulate.derive_seeds`).
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
    size = max(1, min(BATCH_SIZE, -(-replications // workers)))
    chunks = [(k, start) for k in range(len(scenarios)) for start in range(0, replications, size)]
    jobs = [(scenarios[k][1], tuple(seeds[start : start + size])) for k, start in chunks]
    done = 0
    results: list[BatchResult] = []
    if workers == 1:
        for job in jobs:
            results.append(_run_chunk(job))
            done += len(job[1])
            if progress is not None:
                progress(done)
    else:
        with process_pool(workers) as pool:
            try:
                for result in pool.map(_run_chunk, jobs):
                    results.append(result)
                    done += len(result.seeds)
                    if progress is not None:
                        progress(done)
            except KeyboardInterrupt:
                cancel(pool)  # at once, not after the workers' current chunks
                raise
    series, rows, programmes = [], [], []
    finals: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = {}
    for (k, start), result in zip(chunks, results, strict=True):
        label, scenario = scenarios[k]
        timeseries, summary, programme_table = _frames(label, result, scenario, start)
        series.append(timeseries)
        rows.append(summary)
        programmes.append(programme_table)
        if start == 0:
            final = result.run_state(0)
            capacity = actor_capacity(result.structure, result.run_levels(0))
            finals[label] = (actors_table(result.structure, final, capacity), ties_table(result.structure, final))
    windows = {label: evaluation_months(scenario) for label, scenario in scenarios}
    front = ["scenario", "replication", "seed"]
    programme_frame = pd.concat(programmes, ignore_index=True)
    programme_frame = programme_frame[front + [c for c in programme_frame.columns if c not in front]]
    return Ensemble(
        tuple(labels),
        tuple(seeds),
        pd.concat(series, ignore_index=True),
        pd.concat(rows, ignore_index=True),
        programme_frame,
        finals,
        windows,
    )


def evaluation_months(scenario: Scenario) -> tuple[str, str]:
    """The first and last month (``YYYY-MM``) over which `scenario`'s summary ``performance`` is taken."""
    first, stop = scenario.window if scenario.window is not None else (0, scenario.horizon_months)
    return month_label(scenario.start, first), month_label(scenario.start, stop - 1)


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
    summary: pd.DataFrame,
    labels: Sequence[str],
    metrics: Sequence[str] = SUMMARY_METRICS,
    ensemble: Ensemble | None = None,
) -> pd.DataFrame:
    """Per scenario and metric: mean with 95% CI, and the difference from the first scenario with its Welch CI.

    ``performance`` is each scenario's mean over its own evaluation window. Given the `ensemble`,
    its difference from the first scenario is taken over the same calendar months in both: the
    compared scenario's window, read from the first scenario's monthly series (column
    ``diff_window``); NaN where the first scenario's runs do not cover those months. Without it,
    the summaries are compared as they are.
    """
    table = summary_table(summary, metrics)
    reference = summary[summary["scenario"] == labels[0]]
    diffs, spans = [], []
    for _, row in table.iterrows():
        span = ""
        if row["scenario"] == labels[0]:
            diffs.append((0.0, 0.0, 0.0))
        elif row["metric"] == "performance" and ensemble is not None:
            span = "{} to {}".format(*ensemble.windows[row["scenario"]])
            own = summary[summary["scenario"] == row["scenario"]]["performance"]
            matched = _window_means(ensemble, labels[0], ensemble.windows[row["scenario"]])
            est = welch_difference(own, matched) if matched is not None else None
            diffs.append((est.value, est.low, est.high) if est is not None else (np.nan, np.nan, np.nan))
        else:
            other = summary[summary["scenario"] == row["scenario"]]
            est = welch_difference(other[row["metric"]], reference[row["metric"]])
            diffs.append((est.value, est.low, est.high))
        spans.append(span)
    table["diff"] = [d[0] for d in diffs]
    table["diff_ci_low"] = [d[1] for d in diffs]
    table["diff_ci_high"] = [d[2] for d in diffs]
    table["diff_window"] = spans
    return table


def _window_means(ensemble: Ensemble, label: str, window: tuple[str, str]) -> pd.Series | None:
    """Per replication, `label`'s mean monthly performance over the months of `window`; None if not covered."""
    series = ensemble.timeseries[ensemble.timeseries["scenario"] == label]
    inside = series[(series["date"] >= window[0]) & (series["date"] <= window[1])]
    months = inside.groupby("replication")["date"].nunique()
    first, last = (int(m[:4]) * 12 + int(m[5:]) for m in window)
    if inside.empty or (months < last - first + 1).any():
        return None
    return inside.groupby("replication")["performance"].mean()
