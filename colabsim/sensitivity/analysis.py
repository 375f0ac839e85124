"""Sensitivity indices from replicated runs: pure functions over tables, SALib's estimators.

Every index function returns a tidy table with columns ``method, output, factor, index, value,
ci_low, ci_high`` (95% bootstrap intervals from SALib where it gives them), so results of all
methods stack into one ``indices.csv``. SALib warns and prints as it estimates; `salib_notes`
collects those messages so that the pipeline records them instead of letting them reach the
console.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from SALib.analyze import delta as salib_delta
from SALib.analyze import morris as salib_morris
from SALib.analyze import pawn as salib_pawn
from SALib.analyze import sobol as salib_sobol
from threadpoolctl import threadpool_limits

from colabsim.sensitivity.problem import Problem

__all__ = [
    "INDEX_COLUMNS",
    "Estimation",
    "delta_indices",
    "given_data_rows",
    "morris_indices",
    "noise_share",
    "pawn_indices",
    "replication_means",
    "salib_notes",
    "sobol_convergence",
    "sobol_indices",
]

INDEX_COLUMNS = ["method", "output", "factor", "index", "value", "ci_low", "ci_high"]
RESAMPLES = 1000
#: Delta's estimator is costly (a density estimate per resample): fewer resamples, and at most this
#: many outputs per estimate (Plischke et al. 2013 use a few thousand).
DELTA_RESAMPLES = 100
DELTA_Y_RESAMPLES = 2000
PAWN_SLICES = 10


@dataclass(frozen=True)
class Estimation:
    """How much work the estimators do: bootstrap sizes and the convergence check.

    The defaults are for results to report; tests and quick looks pass smaller numbers.

    Attributes:
        resamples: Bootstrap resamples behind the Morris and Sobol' 95% intervals.
        moment_resamples: Bootstrap resamples behind the delta and PAWN intervals (each resample
            is a density or distribution estimate per input, so far costlier).
        convergence_steps: Base-sample sizes of the Sobol' convergence check (N/2^(k-1), ..., N/2,
            N); below 2, no check.
        pawn_slices: Conditioning intervals per input for PAWN (Pianosi & Wagener 2018 use 10).
    """

    resamples: int = RESAMPLES
    moment_resamples: int = DELTA_RESAMPLES
    convergence_steps: int = 4
    pawn_slices: int = PAWN_SLICES

    def __post_init__(self) -> None:
        """Check the sizes."""
        for name in ("resamples", "moment_resamples", "pawn_slices"):
            if int(getattr(self, name)) < 2:
                raise ValueError(f"Estimation.{name} must be at least 2, got {getattr(self, name)!r}")
        if self.convergence_steps < 0:
            raise ValueError(f"Estimation.convergence_steps must be 0 or more, got {self.convergence_steps!r}")


@contextlib.contextmanager
def salib_notes() -> Iterator[list[str]]:
    """Collect what SALib warns or prints inside the block; the list is filled when the block ends.

    Messages come once each, in the order they first appeared. Nothing reaches the console, and
    SALib's process-wide changes (its delta estimator replaces ``warnings.formatwarning`` and the
    filters) are undone.
    """
    notes: list[str] = []
    printed = io.StringIO()
    formatwarning = warnings.formatwarning
    caught: list[warnings.WarningMessage] = []
    try:
        with (
            warnings.catch_warnings(record=True) as caught,
            contextlib.redirect_stdout(printed),
            contextlib.redirect_stderr(printed),
        ):
            warnings.simplefilter("always")
            yield notes
    finally:
        warnings.formatwarning = formatwarning
        messages = [str(w.message).strip() for w in caught] + printed.getvalue().splitlines()
        notes.extend(dict.fromkeys(m.strip() for m in messages if m.strip()))


@contextlib.contextmanager
def _legacy_seed(seed: int) -> Iterator[None]:
    """Seed numpy's global generator for SALib, then restore it.

    SALib's Sobol' and delta estimators seed only ``if seed:`` and otherwise draw from the global
    generator, so seed 0 would give different intervals on every call.
    """
    # The legacy global generator is what SALib draws from; it is restored afterwards.
    state = np.random.get_state()  # noqa: NPY002
    np.random.seed(seed % 2**32)  # noqa: NPY002
    try:
        yield
    finally:
        np.random.set_state(state)  # noqa: NPY002


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


def morris_indices(
    problem: Problem, x: np.ndarray, y: np.ndarray, output: str, levels: int, seed: int, resamples: int = RESAMPLES
) -> pd.DataFrame:
    """Morris elementary effects (Morris 1991; mu* of Campolongo et al. 2007): mu*, mu, sigma."""
    result = salib_morris.analyze(problem.salib(), x, y, num_resamples=resamples, num_levels=levels, seed=seed)
    labels = list(result["names"])
    rows = _rows("morris", output, labels, "mu_star", result["mu_star"], result["mu_star_conf"])
    for row in rows:
        row["ci_low"] = max(0.0, row["ci_low"])  # mu* is a mean of absolute effects: never below 0
    rows += _rows("morris", output, labels, "mu", result["mu"])
    rows += _rows("morris", output, labels, "sigma", result["sigma"])
    return pd.DataFrame(rows, columns=INDEX_COLUMNS)


def sobol_indices(
    problem: Problem, y: np.ndarray, output: str, second_order: bool, seed: int, resamples: int = RESAMPLES
) -> pd.DataFrame:
    """Sobol' first-order (S1) and total (ST) indices (Saltelli et al. 2010), S2 if sampled."""
    with _legacy_seed(seed):
        result = salib_sobol.analyze(
            problem.salib(), y, calc_second_order=second_order, num_resamples=resamples, seed=seed
        )
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


def _saltelli_block(problem: Problem, second_order: bool) -> int:
    """Rows per base sample of a Saltelli design: A, one per input (or group), B; twice as many with S2."""
    return 2 * len(problem.labels) + 2 if second_order else len(problem.labels) + 2


def given_data_rows(method: str, problem: Problem, rows: int, second_order: bool) -> np.ndarray | None:
    """Rows of a design that are a sample of the input space, as delta and PAWN assume; None if none are.

    Both estimate the output's distribution conditional on each input from a random (or
    quasi-random) sample. A Saltelli design holds one: the base matrices A and B, the first and
    last row of each block (a scrambled Sobol' sequence); its other rows repeat A's values with one
    column (or group) taken from B, which would bias the conditional densities. A Morris design is
    a set of one-at-a-time trajectories on a few levels and holds no such sample.

    Raises:
        ValueError: If the method is not a design this package analyses.
    """
    if method == "morris":
        return None
    if method != "sobol":
        raise ValueError(f"no given-data sample is known for design method {method!r}")
    block = _saltelli_block(problem, second_order)
    starts = np.arange(0, rows - block + 1, block)
    return np.sort(np.concatenate([starts, starts + block - 1]))


def delta_indices(
    problem: Problem, x: np.ndarray, y: np.ndarray, output: str, seed: int, resamples: int = DELTA_RESAMPLES
) -> pd.DataFrame:
    """Borgonovo's moment-independent delta (Borgonovo 2007; Plischke et al. 2013).

    delta measures how much the whole output distribution shifts when an input is known, so it
    sees effects on spread and shape that variance-based indices miss. Computed per input (SALib's
    delta does not support groups) on a sample of the input space (see `given_data_rows`). SALib
    warns and prints as it bins; wrap the call in `salib_notes` to keep those messages.
    """
    ungrouped = Problem(problem.names, problem.bounds)
    # Thousands of kernel density estimates on a 100-point grid: BLAS threads only add
    # synchronisation (five times slower on a busy two-core machine), so one thread.
    with _legacy_seed(seed), threadpool_limits(limits=1, user_api="blas"):
        result = salib_delta.analyze(
            ungrouped.salib(), x, y, num_resamples=resamples, seed=seed, method="delta",
            y_resamples=min(len(y), DELTA_Y_RESAMPLES),
        )  # fmt: skip
    return pd.DataFrame(
        _rows("delta", output, list(problem.names), "delta", result["delta_raw"], result["delta_raw_conf"]),
        columns=INDEX_COLUMNS,
    )


def pawn_indices(
    problem: Problem, x: np.ndarray, y: np.ndarray, output: str, seed: int, slices: int = PAWN_SLICES
) -> pd.DataFrame:
    """PAWN (Pianosi & Wagener 2015, 2018): the median over slices of the Kolmogorov-Smirnov distance.

    Each input's range is cut into equal-probability slices, and the output's distribution within
    each slice is compared with its unconditional one. Moment-independent like delta, based on
    distribution functions rather than densities, so cheap and robust for skewed or multimodal
    outputs. Per input, on a sample of the input space (see `given_data_rows`).

    SALib gives no interval, and a bootstrap with replacement would not do: repeated rows inflate
    the KS distance, so its interval misses the estimate. ``ci_high`` holds instead the distance
    below which an input cannot be told from one that does nothing: the two-sample KS critical
    value at the 5% level for a slice against the whole sample, ``1.36 * sqrt(1/n + 1/N)``
    (``ci_low`` is NaN).
    """
    ungrouped = Problem(problem.names, problem.bounds).salib()
    with _legacy_seed(seed):  # SALib's PAWN reseeds the global generator; this restores it
        result = salib_pawn.analyze(ungrouped, x, y, S=slices, seed=seed)
    rows, per_slice = len(y), len(y) / slices
    threshold = 1.36 * float(np.sqrt(1.0 / per_slice + 1.0 / rows))
    table = []
    for i, name in enumerate(problem.names):
        table.append(
            {"method": "pawn", "output": output, "factor": name, "index": "pawn_median",
             "value": float(result["median"][i]), "ci_low": float("nan"), "ci_high": threshold}
        )  # fmt: skip
    return pd.DataFrame(table, columns=INDEX_COLUMNS)


def sobol_convergence(
    problem: Problem,
    y: np.ndarray,
    output: str,
    second_order: bool,
    seed: int,
    steps: int = 4,
    resamples: int = RESAMPLES,
    full: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Sobol' indices on the first N/2^k base samples (k = steps-1 ... 0): did N suffice?

    A Saltelli design is a sequence of base samples, each a block of rows, so any prefix of whole
    blocks is itself a valid, smaller design. `full`, the indices already estimated on all N, is
    reused for the last size. Columns: ``base_samples`` and the index columns; empty when fewer
    than two sizes are asked for.
    """
    if steps < 2:
        return pd.DataFrame(columns=[*INDEX_COLUMNS, "base_samples"])
    block = _saltelli_block(problem, second_order)
    total = len(y) // block
    frames = []
    for k in range(steps - 1, -1, -1):
        n = total // (2**k)
        if n < 4:
            continue
        if k == 0 and full is not None:
            frame = full
        else:
            frame = sobol_indices(problem, y[: n * block], output, second_order, seed, resamples)
        frames.append(frame.assign(base_samples=n))
    return pd.concat(frames, ignore_index=True)
