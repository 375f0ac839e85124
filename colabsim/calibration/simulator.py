"""The calibration's simulator: a matrix of parameter draws in, P1-P3's point estimates and distances out.

Each draw runs ``replications`` times in each of four arms, with the same seeds across its arms
(common random numbers within a draw, so P2 and P3 are paired effects) and seeds of its own
(drawn from the batch's `SeedSequence`), never shared with another draw:

- Vlissingen as filed (P1's level and ratio over the evaluation window; P3's gap over 2014-2023);
- Vlissingen with ``mediation = 0``, run to the end of the evaluation window (P2);
- Darwin as filed, to 2032 (P1, the share ending dormant, P3's baseline);
- the reformed Darwin, to 2032 (P3).

Every arm is one `colabsim.model.batch.run_batch` call per chunk of ``CHUNK`` runs with
per-run parameters, so a whole generation runs in a few large compiled batches, spread over the
executor's workers. Statistics are the means over a draw's replications (point estimates).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field

import numpy as np

from colabsim.calibration.abc import Simulated
from colabsim.calibration.priors import PriorSet
from colabsim.calibration.targets import DEFAULT_TARGETS, Target, distances
from colabsim.experiments.executors import SerialExecutor
from colabsim.experiments.progress import ProgressCallback, ProgressEvent
from colabsim.model.batch import run_batch
from colabsim.scenario.loader import Scenario
from colabsim.scenario.parameters import Parameters
from colabsim.validation.study import Study
from colabsim.validation.windows import REFORM_WINDOW, STUDY_WINDOW, VLISSINGEN_LAST_DECADE, Window, window_mean

__all__ = ["ARMS", "CHUNK", "PatternSimulator", "arm_scenarios", "engine_seeds", "pattern_statistics", "run_chunk"]

#: Most runs in one batch (the monthly series of a batch stay within about 200 MB).
CHUNK = 1024
#: The arms each draw runs, in order.
ARMS: tuple[str, ...] = ("vlissingen", "no_mediation", "darwin", "reformed")


def engine_seeds(seed: np.random.SeedSequence, count: int) -> list[int]:
    """`count` run seeds from a `SeedSequence` (63-bit, so that collisions are practically impossible)."""
    return [int(s) for s in seed.generate_state(count, dtype=np.uint64) >> np.uint64(1)]


def arm_scenarios(study: Study) -> dict[str, tuple[Scenario, dict[str, float], dict[str, Window | None]]]:
    """Each arm's scenario, the factors it holds and the windows its runs are measured over."""
    vlissingen, darwin = study["vlissingen"], study["darwin"]
    return {
        "vlissingen": (vlissingen, {}, {"eval": STUDY_WINDOW, "last_decade": VLISSINGEN_LAST_DECADE}),
        "no_mediation": (vlissingen.until(STUDY_WINDOW.last), {"mediation": 0.0}, {"eval": STUDY_WINDOW}),
        "darwin": (darwin, {}, {"eval": STUDY_WINDOW, "reform": REFORM_WINDOW}),
        "reformed": (study["darwin_reformed"], {}, {"reform": REFORM_WINDOW}),
    }


def run_chunk(
    scenario: Scenario,
    factors: Mapping[str, float],
    windows: Mapping[str, Window | None],
    seeds: Sequence[int],
    parameters: Sequence[Parameters],
) -> dict[str, np.ndarray]:
    """One batch: per run, the mean performance over each window and over the final year."""
    batch = run_batch(scenario, list(seeds), [dict(factors)] * len(seeds), parameters=list(parameters))
    performance = batch.series["performance"]
    kept = {name: window_mean(scenario, performance, window) for name, window in windows.items()}
    kept["final"] = window_mean(scenario, performance[:, -12:], None)
    return kept


def pattern_statistics(values: Mapping[str, Mapping[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """P1-P3's point estimates per draw from per-run values of shape ``(draws, replications)``."""
    v, d = values["vlissingen"], values["darwin"]
    v_eval, d_eval = v["eval"].mean(axis=1), d["eval"].mean(axis=1)
    d_reform = d["reform"].mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(d_eval > 0, v_eval / d_eval, np.inf)
        drop = (v_eval - values["no_mediation"]["eval"].mean(axis=1)) / v_eval
        gap = v["last_decade"].mean(axis=1) - d_reform
        closed = np.where(gap > 0, (values["reformed"]["reform"].mean(axis=1) - d_reform) / gap, np.nan)
    return {
        "p1_darwin_level": d_eval,
        "p1_darwin_alive": (d["final"] < 0.05).mean(axis=1),
        "p1_ratio": ratio,
        "p2_drop_share": np.where(v_eval > 0, drop, np.nan),
        "p3_closed_share": closed,
    }


@dataclass
class PatternSimulator:
    """Runs parameter draws on the study's scenarios and measures them against the targets.

    Attributes:
        study: The study's scenarios.
        prior: Maps ``theta``'s columns to parameters.
        replications: Runs per draw and arm.
        base: The parameters not calibrated (their documented values, or a submodel's).
        targets: The bands.
        executor: Where the batches run (a process pool for several workers).
        progress: Receives the runs done as phase `label`.
        label: The progress phase.
    """

    study: Study
    prior: PriorSet
    replications: int
    base: Parameters = field(default_factory=Parameters)
    targets: tuple[Target, ...] = DEFAULT_TARGETS
    executor: Executor = field(default_factory=SerialExecutor)
    progress: ProgressCallback | None = None
    label: str = "runs"
    runs: int = 0

    def statistics(self, theta: np.ndarray, seed: np.random.SeedSequence) -> dict[str, np.ndarray]:
        """P1-P3's point estimates per row of ``theta``."""
        draws, reps = len(theta), self.replications
        parameters = [p for p in self.prior.parameters(theta, self.base) for _ in range(reps)]
        seeds = engine_seeds(seed, draws * reps)  # draw-major: a draw's seeds are the same in each of its arms
        arms = arm_scenarios(self.study)
        total = len(arms) * len(seeds)
        futures = {
            (name, start): self.executor.submit(
                run_chunk, scenario, factors, windows, seeds[start : start + CHUNK], parameters[start : start + CHUNK]
            )
            for name, (scenario, factors, windows) in arms.items()
            for start in range(0, len(seeds), CHUNK)
        }
        done = 0
        parts: dict[str, list[dict[str, np.ndarray]]] = {name: [] for name in arms}
        for (name, start), future in futures.items():
            parts[name].append(future.result())
            done += min(CHUNK, len(seeds) - start)
            if self.progress:
                self.progress(ProgressEvent(self.label, self.runs + done, None))
        self.runs += total
        values = {
            name: {k: np.concatenate([p[k] for p in chunks]).reshape(draws, reps) for k in chunks[0]}
            for name, chunks in parts.items()
        }
        return pattern_statistics(values)

    def __call__(self, theta: np.ndarray, seed: np.random.SeedSequence) -> Simulated:
        """The distances and statistics of each row of ``theta`` (the `colabsim.calibration.abc.Simulator`)."""
        statistics = self.statistics(theta, seed)
        return Simulated(distances(self.targets, statistics), statistics)
