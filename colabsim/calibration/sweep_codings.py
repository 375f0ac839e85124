"""The codings a posterior sweep samples: ``colabsim sweep EXPERIMENT --posterior RUN --coding-robustness N``.

`sample_sweep_codings` draws N codings of the experiment's scenario file within its coded ranges
as ``compare --coding-robustness`` draws them for one file (`colabsim.robustness.sampling`: a Latin
hypercube, each range's distribution, the factors of a group moving together), on its own stream
under the experiment's seed. A factor the design varies, or the experiment's ``[set]`` holds, is
held by the experiment and not sampled; the other factors of its group still move together. In a
run, a coding's values replace the file's values and the timeline's events still change them,
while the design's values stay held (`colabsim.experiments.experiment.Replicates.start_values`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from colabsim.experiments.experiment import Experiment
from colabsim.robustness.sampling import SAMPLING_STREAM, sample_codings, stream_seed

__all__ = ["SweepCodings", "sample_sweep_codings"]


@dataclass(frozen=True)
class SweepCodings:
    """The codings of a posterior sweep, or why there are none.

    Attributes:
        asked: Codings asked for (``--coding-robustness``).
        table: One row per sampled coding (index ``coding``), one column per sampled factor; empty
            (no columns) when nothing could be sampled.
        held_by_design: Coded factors the design varies: held at the design's values, not sampled.
        held_by_set: Coded factors the experiment's ``[set]`` holds: not sampled.
        seed: The sampling's seed (its own stream under the experiment's seed).
    """

    asked: int
    table: pd.DataFrame
    held_by_design: tuple[str, ...]
    held_by_set: tuple[str, ...]
    seed: int

    @property
    def sampled(self) -> bool:
        """Whether any factor was sampled (else the sweep has no coding uncertainty and runs one coding)."""
        return not self.table.columns.empty

    @property
    def count(self) -> int:
        """Codings the sweep runs: those asked for, or 1 (the file's values) when nothing could be sampled."""
        return self.asked if self.sampled else 1

    def held_note(self) -> str:
        """Which coded factors the experiment holds, in words ('' when none)."""
        parts = []
        if self.held_by_design:
            parts.append(f"the design varies {_names(self.held_by_design)}")
        if self.held_by_set:
            parts.append(f"the experiment's [set] holds {_names(self.held_by_set)}")
        if not parts:
            return ""
        return " and ".join(parts) + ": held at the experiment's values, not sampled"

    def note(self) -> str:
        """What the reader should know when nothing was sampled ('' when codings were sampled)."""
        if self.sampled:
            return ""
        held = self.held_note()
        why = (
            f"codes no other factor with a range ({held})"
            if held
            else "codes no factor with a range (`range = [low, high]` in [factors], docs/coding.md)"
        )
        return (
            f"--coding-robustness {self.asked}: the scenario file {why}, so there is no coding uncertainty to "
            "sample; the sweep runs the file's own values, as without the option"
        )

    def record(self) -> dict[str, object]:
        """What the manifest records of the codings (their values are in the result table and codings.parquet)."""
        return {
            "codings": self.count,
            "sampled factors": [str(c) for c in self.table.columns],
            "held by the design": list(self.held_by_design),
            "held by [set]": list(self.held_by_set),
            "sampling seed": self.seed,
            "how": "colabsim.robustness.sampling.sample_codings over the scenario's coded factors (groups move "
            "together), seed stream_seed(experiment seed, SAMPLING_STREAM); replication r of every design point is "
            "coding r // (draws x seeds_per_draw)",
        }


def _names(names: tuple[str, ...]) -> str:
    return ", ".join(f"`{n}`" for n in names)


def sample_sweep_codings(experiment: Experiment, codings: int) -> SweepCodings:
    """Sample `codings` codings of the experiment's scenario file within its coded ranges.

    Args:
        experiment: The experiment; its scenario's coded factors are sampled, except those its
            design varies or its ``[set]`` holds.
        codings: How many codings to draw.

    Returns:
        The codings; with nothing to sample, an empty table (the sweep then runs the file's values).
    """
    scenario = experiment.scenario
    design = set(experiment.factor_names)
    held_by_design = tuple(name for name in scenario.codings if name in design)
    held_by_set = tuple(name for name in scenario.codings if name in scenario.overrides and name not in design)
    coded = {name: c for name, c in scenario.codings.items() if name not in design and name not in scenario.overrides}
    seed = stream_seed(experiment.spec.experiment.seed, SAMPLING_STREAM)
    table = sample_codings({"scenario": coded}, codings, seed)["scenario"].rename_axis("coding") if coded else None
    return SweepCodings(codings, table if table is not None else pd.DataFrame(), held_by_design, held_by_set, seed)
