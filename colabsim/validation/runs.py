"""Running the validation's configurations on the batched engine, as few and as large batches as memory allows.

Every analysis of the validation is a set of `Arm` s (a scenario, the seeds, and what is set on top:
held factors, start values, per-source seeds). `run_arms` puts the arms of one scenario into
shared `colabsim.model.batch.run_batch` calls of up to `CHUNK_RUNS` runs, keeps only what an
`Extract` takes from each batch (window means, summary metrics), and reports the runs done as
one progress phase. Large batches are what the batched engine (and a compiled kernel later) is
fastest at; the chunk bound keeps the monthly series of a batch within about 200 MB.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from colabsim.experiments.progress import ProgressCallback, ProgressEvent
from colabsim.model.batch import BatchResult, run_batch
from colabsim.model.streams import RunSeed
from colabsim.scenario.loader import Scenario
from colabsim.validation.windows import Window, window_mean

__all__ = ["CHUNK_RUNS", "Arm", "Extract", "run_arms", "seed_range", "window_means"]

#: Most runs in one run_batch call.
CHUNK_RUNS = 1024

#: What to keep of a batch: arrays whose first axis is the batch's runs.
Extract = Callable[[Scenario, BatchResult], dict[str, np.ndarray]]


@dataclass(frozen=True)
class Arm:
    """One configuration, run once per seed.

    Attributes:
        scenario: The scenario (with its parameters); arms sharing the same object share batches.
        seeds: One run per seed.
        factors: Factor values held for the whole run (`Scenario.with_factors`).
        start_values: Factor values replacing the file's own (events still change them), or None.
        source_seeds: Per run, per-noise-source seeds (`run_batch`'s ``source_seeds``), or None.
    """

    scenario: Scenario
    seeds: tuple[int, ...]
    factors: Mapping[str, float] = field(default_factory=dict)
    start_values: Mapping[str, float] | None = None
    source_seeds: tuple[Mapping[str, RunSeed], ...] | None = None

    def __post_init__(self) -> None:
        if not self.seeds:
            raise ValueError("an arm needs at least one seed")
        if self.source_seeds is not None and len(self.source_seeds) != len(self.seeds):
            raise ValueError(f"{len(self.source_seeds)} sets of source seeds for {len(self.seeds)} seeds")


def seed_range(root: int, count: int, offset: int = 0) -> tuple[int, ...]:
    """Seeds ``root + offset`` to ``root + offset + count - 1``."""
    return tuple(root + offset + k for k in range(count))


def window_means(windows: Mapping[str, Window | None], metric: str = "performance") -> Extract:
    """An `Extract` that keeps, per run, the mean of `metric` over each named window (None: all months)."""

    def extract(scenario: Scenario, batch: BatchResult) -> dict[str, np.ndarray]:
        series = batch.series[metric]
        return {name: window_mean(scenario, series, window) for name, window in windows.items()}

    return extract


def _rows(arm: Arm) -> list[tuple[int, Mapping[str, float], Mapping[str, float] | None, Mapping[str, RunSeed]]]:
    sources = arm.source_seeds if arm.source_seeds is not None else ({},) * len(arm.seeds)
    return [(seed, arm.factors, arm.start_values, sources[k]) for k, seed in enumerate(arm.seeds)]


def run_arms(
    arms: Sequence[Arm],
    extract: Extract | Sequence[Extract],
    progress: ProgressCallback | None = None,
    label: str = "runs",
) -> list[dict[str, np.ndarray]]:
    """Run every arm and return, per arm, what `extract` keeps (arrays with one row per seed).

    Args:
        arms: The configurations.
        extract: What to keep of each batch: one for every arm, or one per arm.
        progress: Receives the runs done as phase `label`.
        label: The progress phase's name.

    Raises:
        ScenarioError: If a factor name or value is invalid.
    """
    extracts = [extract] * len(arms) if callable(extract) else list(extract)
    if len(extracts) != len(arms):
        raise ValueError(f"{len(extracts)} extracts for {len(arms)} arms")
    total = sum(len(arm.seeds) for arm in arms)
    done = 0
    if progress:
        progress(ProgressEvent(label, 0, total))
    groups: dict[int, list[int]] = {}
    for index, arm in enumerate(arms):
        groups.setdefault(id(arm.scenario), []).append(index)
    kept: dict[int, list[dict[str, np.ndarray]]] = {index: [] for index in range(len(arms))}
    for members in groups.values():
        scenario = arms[members[0]].scenario
        rows = [(index, row) for index in members for row in _rows(arms[index])]
        for first in range(0, len(rows), CHUNK_RUNS):
            chunk = rows[first : first + CHUNK_RUNS]
            starts = [row[2] or {} for _, row in chunk]
            batch = run_batch(
                scenario,
                [row[0] for _, row in chunk],
                [row[1] for _, row in chunk],
                start_values=starts if any(starts) else None,
                source_seeds=[row[3] for _, row in chunk],
            )
            owners = np.array([index for index, _ in chunk])
            taken: dict[int, dict[str, np.ndarray]] = {}  # each distinct extract once per batch
            for index in dict.fromkeys(owners.tolist()):
                values = taken.setdefault(id(extracts[index]), extracts[index](scenario, batch))
                kept[index].append({name: array[owners == index] for name, array in values.items()})
            done += len(chunk)
            if progress:
                progress(ProgressEvent(label, done, total))
    if progress:
        progress(ProgressEvent(label, done, total, finished=True))
    return [{name: np.concatenate([part[name] for part in kept[i]]) for name in kept[i][0]} for i in range(len(arms))]
