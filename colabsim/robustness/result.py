"""What a robustness study produced (its own module, so the report need not import the pipeline)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from colabsim.robustness.analysis import ShareEstimate
from colabsim.robustness.boxes import Box

__all__ = ["FailureBox", "RobustnessResult", "WhatIfResult"]


@dataclass(frozen=True)
class FailureBox:
    """Where in the coding space P1 fails: PRIM's box over the sampled codings.

    Attributes:
        box: The box (rules on ``arm.factor`` columns), or None when none was sought.
        stands_for: Per column of the box that stands for a co-moving group, the group's members
            (``arm.factor``): they take the same quantile of their own ranges.
        note: Why no box was sought (too few failures or successes, the discovery extra missing).
    """

    box: Box | None
    stands_for: dict[str, list[str]]
    note: str


@dataclass(frozen=True)
class WhatIfResult:
    """What a what-if does across the coding space.

    Attributes:
        factors: The what-if's factor values.
        scenario: The name of the scenario it changes.
        helps: Share of codings in which the mean effect is positive.
        helps_surely: Share of codings in which the effect's 95% interval lies above zero.
        quantiles: Quantiles of the effect over the codings (``q05`` ... ``q95``).
    """

    factors: dict[str, float]
    scenario: str
    helps: ShareEstimate
    helps_surely: ShareEstimate
    quantiles: dict[str, float]


@dataclass(frozen=True)
class RobustnessResult:
    """What a robustness study produced.

    Attributes:
        directory: Where everything was written.
        codings: The sampled codings: one row per coding and arm's factor (``arm.factor`` columns).
        per_coding: One row per coding: each arm's mean, P1's verdict and flip probability, the
            what-if's effect and interval.
        p1: The share of the coding space in which P1 holds (None without a pair).
        what_if: The what-if's effect across the coding space (None without one).
        seconds: Wall time.
        p1_failures: Where P1 fails in the coding space (None without a pair).
    """

    directory: Path
    codings: pd.DataFrame
    per_coding: pd.DataFrame
    p1: ShareEstimate | None
    what_if: WhatIfResult | None
    seconds: float
    p1_failures: FailureBox | None = None
