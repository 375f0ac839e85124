"""A what-if over each compared calibration's posterior: does the answer move with the bands or the priors?

`colabsim calibrate-compare RUN_A RUN_B --scenario darwin.toml --what-if legal_frame=0.9` runs the
scenario and its what-if over draws of each run's posterior (`colabsim.calibration.posterior`),
with the same seed in every run, so the draws' seeds are common across the runs and what differs
is the posterior. Each run's answer lands in its own folder under ``what-if/`` of the comparison.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from colabsim.calibration.posterior import load_posterior, run_with_posterior
from colabsim.scenario.loader import Scenario

__all__ = ["WhatIf", "what_if_table"]

#: The columns of each run's effect kept in the comparison.
_KEPT = ("mean", "mc_error", "q05", "median", "q95", "share_helps", "share_helps_mc_error", "variance_parameter")


@dataclass(frozen=True)
class WhatIf:
    """A scenario, the factors its what-if sets, and the effort per run.

    Attributes:
        label: The scenario's name in the tables (its file's stem).
        scenario: The scenario as filed (the baseline of the effect).
        factors: The factors the what-if sets, e.g. ``{"legal_frame": 0.9}``.
        draws: Posterior draws per run.
        replications: Seeds per draw.
        seed: Root seed of the draws and seeds (the same in every run).
        workers: Worker processes.
    """

    label: str
    scenario: Scenario
    factors: Mapping[str, float] = field(default_factory=dict)
    draws: int = 100
    replications: int = 4
    seed: int = 1
    workers: int = 1


def what_if_table(folders: Sequence[tuple[str, Path]], what_if: WhatIf, out: Path) -> pd.DataFrame:
    """Per labelled calibration folder: the what-if's effect over draws of its posterior, with its bands.

    Raises:
        CalibrationError: If a folder's posterior cannot be used (`load_posterior`: another model
            version, or bands that are neither the defaults nor a band variant).
    """
    posteriors = [(label, load_posterior(folder)) for label, folder in folders]  # refuse before anything runs
    changed = ", ".join(f"{k} = {v:g}" for k, v in what_if.factors.items())
    arms = [(what_if.label, what_if.scenario), (changed, what_if.scenario.with_factors(**what_if.factors))]
    rows = []
    for label, posterior in posteriors:
        answer = run_with_posterior(
            arms,
            posterior,
            what_if.draws,
            what_if.replications,
            what_if.seed,
            out=out / label,
            workers=what_if.workers,
        )
        effect = answer.effects.iloc[0]
        rows.append(
            {"run": label, "bands": posterior.bands, "what_if": changed, "against": what_if.label}
            | {key: float(effect[key]) for key in _KEPT}
        )
    return pd.DataFrame(rows)
