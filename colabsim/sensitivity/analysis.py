"""Sensitivity indices from replicated runs: pure functions over tables, SALib's estimators.

Every index function returns a tidy table with columns ``method, output, factor, index, value,
ci_low, ci_high`` (95% bootstrap intervals from SALib where it gives them), so results of all
methods stack into one ``indices.csv``.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from SALib.analyze import delta as salib_delta
from SALib.analyze import morris as salib_morris
from SALib.analyze import sobol as salib_sobol

from colabsim.sensitivity.problem import Problem

__all__ = [
    "INDEX_COLUMNS",
    "delta_indices",
    "morris_indices",
    "noise_share",
    "replication_means",
    "sobol_convergence",
    "sobol_indices",
]

INDEX_COLUMNS = ["method", "output", "factor", "index", "value", "ci_low", "ci_high"]
RESAMPLES = 1000
#: Delta's estimator is costly (a density estimate per resample): fewer resamples, and at most this
#: many outputs per estimate (Plischke et al. 2013 use a few thousand).
DELTA_RESAMPLES = 100
DELTA_Y_RESAMPLES = 2000


def replication_means(results: pd.DataFrame, outputs: Sequence[str]) -> pd.DataFrame:
    """Average each output over the replications of each design point (failed runs left out).

    Stochastic models need this before variance-based analysis (Lee et al. 2015): the indices
    then describe the expected output, and the replication noise is reported separately.
    """
    ok = results[results["status"] == "ok"]
    return ok.groupby("design_point")[list(outputs)].mean().sort_index()


def noise_share(results: pd.DataFrame, output: str) -> float:
    """Share of the output's variance that is replication noise (within design points).

    ``mean over points of the within-point variance / variance over all runs``: 0 for a
    deterministic model, 1 when the factors explain nothing; NaN with a single run per point.
    """
    ok = results[results["status"] == "ok"]
    if ok.groupby("design_point").size().max() < 2:
        return float("nan")  # one run per point: the noise cannot be told from the factors' effect
    total = float(ok[output].var(ddof=1))
    if not np.isfinite(total) or total == 0.0:
        return 0.0
    within = float(ok.groupby("design_point")[output].var(ddof=1).mean())
    return min(1.0, within / total)


def _rows(
    method: str, output: str, labels: Sequence[str], index: str, values: Any, conf: Any = None
) -> list[dict[str, Any]]:
    rows = []
    for i, label in enumerate(labels):
        value = float(values[i])
        half = float(conf[i]) if conf is not None else float("nan")
        rows.append(
            {
                "method": method,
                "output": output,
                "factor": label,
                "index": index,
                "value": value,
                "ci_low": value - half,
                "ci_high": value + half,
            }
        )
    return rows


def morris_indices(problem: Problem, x: np.ndarray, y: np.ndarray, output: str, levels: int, seed: int) -> pd.DataFrame:
    """Morris elementary effects (Morris 1991; mu* of Campolongo et al. 2007): mu*, mu, sigma."""
    result = salib_morris.analyze(problem.salib(), x, y, num_resamples=RESAMPLES, num_levels=levels, seed=seed)
    labels = list(result["names"])
    rows = _rows("morris", output, labels, "mu_star", result["mu_star"], result["mu_star_conf"])
    for row in rows:
        row["ci_low"] = max(0.0, row["ci_low"])  # mu* is a mean of absolute effects: never below 0
    rows += _rows("morris", output, labels, "mu", result["mu"])
    rows += _rows("morris", output, labels, "sigma", result["sigma"])
    return pd.DataFrame(rows, columns=INDEX_COLUMNS)


def sobol_indices(problem: Problem, y: np.ndarray, output: str, second_order: bool, seed: int) -> pd.DataFrame:
    """Sobol' first-order (S1) and total (ST) indices (Saltelli et al. 2010), S2 if sampled."""
    result = salib_sobol.analyze(problem.salib(), y, calc_second_order=second_order, num_resamples=RESAMPLES, seed=seed)
    labels = problem.labels
    rows = _rows("sobol", output, labels, "S1", result["S1"], result["S1_conf"])
    rows += _rows("sobol", output, labels, "ST", result["ST"], result["ST_conf"])
    if second_order:
        for i, a in enumerate(labels):
            for j in range(i + 1, len(labels)):
                value, half = float(result["S2"][i, j]), float(result["S2_conf"][i, j])
                rows.append(
                    {"method": "sobol", "output": output, "factor": f"{a} x {labels[j]}", "index": "S2",
                     "value": value, "ci_low": value - half, "ci_high": value + half}
                )  # fmt: skip
    return pd.DataFrame(rows, columns=INDEX_COLUMNS)


def delta_indices(problem: Problem, x: np.ndarray, y: np.ndarray, output: str, seed: int) -> pd.DataFrame:
    """Borgonovo's moment-independent delta (Borgonovo 2007; Plischke et al. 2013).

    delta measures how much the whole output distribution shifts when an input is known, so it
    sees effects on spread and shape that variance-based indices miss. Computed per input (SALib's
    delta does not support groups).
    """
    ungrouped = Problem(problem.names, problem.bounds)
    # SALib prints notes on bin sizes and bias to stdout and stderr; the intervals carry that uncertainty.
    with (
        warnings.catch_warnings(),
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()),
    ):
        warnings.simplefilter("ignore")
        result = salib_delta.analyze(
            ungrouped.salib(), x, y, num_resamples=DELTA_RESAMPLES, seed=seed, method="delta",
            y_resamples=min(len(y), DELTA_Y_RESAMPLES),
        )  # fmt: skip
    return pd.DataFrame(
        _rows("delta", output, list(problem.names), "delta", result["delta_raw"], result["delta_raw_conf"]),
        columns=INDEX_COLUMNS,
    )


def sobol_convergence(
    problem: Problem, y: np.ndarray, output: str, second_order: bool, seed: int, steps: int = 4
) -> pd.DataFrame:
    """Sobol' indices on the first N/2^k base samples (k = steps-1 ... 0): did N suffice?

    A Saltelli design is a sequence of base samples, each a block of rows, so any prefix of whole
    blocks is itself a valid, smaller design. Columns: ``base_samples`` and the index columns.
    """
    block = 2 * len(problem.labels) + 2 if second_order else len(problem.labels) + 2
    total = len(y) // block
    frames = []
    for k in range(steps - 1, -1, -1):
        n = total // (2**k)
        if n < 4:
            continue
        frame = sobol_indices(problem, y[: n * block], output, second_order, seed)
        frames.append(frame.assign(base_samples=n))
    return pd.concat(frames, ignore_index=True)
