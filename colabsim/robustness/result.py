"""What a robustness study produced (its own module, so the report need not import the pipeline)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from colabsim.robustness.analysis import ShareEstimate

__all__ = ["RobustnessResult", "WhatIfResult"]


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
    """

    directory: Path
    codings: pd.DataFrame
    per_coding: pd.DataFrame
    p1: ShareEstimate | None
    what_if: WhatIfResult | None
    seconds: float
