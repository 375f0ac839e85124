"""The recommendations' levers (issue 14, item 6): each lever's share of P3 and its time to half-effect.

The reformed scenario's levers are the events it adds to its base (``darwin_reformed`` over
``darwin``: the legal frame renewed, a competent cooperation unit, a standing team, Pattimura
University, a credible local partner), grouped by their note. Every one of the 2^k combinations
of levers is run on common seeds; a lever's Shapley value (`colabsim.validation.shapley`) is its
share of the gain over the years after the recommendations, averaged over every order in which
the levers could come. The time to half-effect is, for each lever alone and for all together, the
months from the recommendations (January 2023) until the gain over the no-lever run, averaged
over seeds and over a centred six-month window, first reaches half of its level in the last
three years of the window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from colabsim.experiments.progress import ProgressCallback
from colabsim.model.batch import BatchResult
from colabsim.scenario.loader import Scenario, scenario_from_dict
from colabsim.stats import Estimate, mean_ci
from colabsim.validation.runs import Arm, run_arms
from colabsim.validation.shapley import coalitions, shapley_values
from colabsim.validation.study import Study
from colabsim.validation.windows import REFORM_WINDOW, Window

__all__ = ["LeverResult", "lever_events", "lever_shapley", "time_to_half", "without_events"]

#: Months of the late level a lever's effect is measured against, and of the smoothing.
PLATEAU_MONTHS, SMOOTHING_MONTHS = 36, 6


def lever_events(reformed: Scenario, base: Scenario) -> dict[str, list[int]]:
    """The reformed scenario's levers: its events that the base lacks, by note (index lists)."""
    known = [e.model_dump() for e in base.spec.events]
    levers: dict[str, list[int]] = {}
    for index, event in enumerate(reformed.spec.events):
        if event.model_dump() not in known:
            label = event.note or f"{event.action} at {event.at}"
            levers.setdefault(label, []).append(index)
    return levers


def without_events(reformed: Scenario, dropped: set[int]) -> Scenario:
    """`reformed` without the events whose indices are in `dropped`."""
    raw = reformed.spec.model_dump()
    raw["events"] = [e for i, e in enumerate(raw["events"]) if i not in dropped]
    return scenario_from_dict(raw, reformed.path)


def time_to_half(gain: np.ndarray) -> float:
    """Months until a monthly gain series (from the levers' month on) first reaches half its late level.

    The level is the mean of the last `PLATEAU_MONTHS` months; the series is smoothed by a centred
    moving mean of `SMOOTHING_MONTHS`. NaN when the late level is not above 0.
    """
    plateau = float(np.mean(gain[-PLATEAU_MONTHS:]))
    if not plateau > 0:
        return float("nan")
    kernel = np.ones(SMOOTHING_MONTHS) / SMOOTHING_MONTHS
    smooth = np.convolve(gain, kernel, mode="same")
    reached = np.flatnonzero(smooth >= 0.5 * plateau)
    return float(reached[0]) if reached.size else float("nan")


@dataclass(frozen=True)
class LeverResult:
    """The levers' shares and timing.

    Attributes:
        shapley: Per lever: Shapley value (paired CI over seeds), share of the total gain, the gain
            of the lever alone and added last, and its months to half-effect alone.
        total: The gain of all levers together over none (paired CI).
        half_all: Months to half-effect of all levers together.
        gains: Monthly gain over the no-lever run (mean over seeds) from the window's first month,
            for each lever alone and for ``all``.
        window: The window the gain is measured over.
        no_lever_gap: Mean of the no-lever run minus the base scenario over the window (0 when the
            lever-free reformed file is the base, as it should be).
    """

    shapley: pd.DataFrame
    total: Estimate
    half_all: float
    gains: dict[str, np.ndarray]
    window: Window
    no_lever_gap: float


def lever_shapley(
    study: Study,
    seeds: Sequence[int],
    reformed: str = "darwin_reformed",
    base: str = "darwin",
    window: Window = REFORM_WINDOW,
    progress: ProgressCallback | None = None,
) -> LeverResult:
    """Run every combination of the reformed scenario's levers and share out the gain.

    Raises:
        ValueError: If the reformed scenario adds no events to its base.
    """
    chosen = tuple(int(s) for s in seeds)
    levers = lever_events(study[reformed], study[base])
    if not levers:
        raise ValueError(f"{reformed} adds no events to {base}: there are no levers to share the gain among")
    names = list(levers)
    corners = list(coalitions(names))
    arms = []
    for coalition in corners:
        dropped = {i for name in names if name not in coalition for i in levers[name]}
        arms.append(Arm(without_events(study[reformed], dropped), chosen))
    arms.append(Arm(study[base], chosen))

    def extract(scenario: Scenario, batch: BatchResult) -> dict[str, np.ndarray]:
        return {"months": batch.series["performance"][:, window.months(scenario)]}

    results = run_arms(arms, extract, progress, "levers")
    monthly = {coalition: results[k]["months"] for k, coalition in enumerate(corners)}
    value = {coalition: series.mean(axis=1) for coalition, series in monthly.items()}
    none, everything = frozenset[str](), frozenset(names)
    phi = shapley_values(names, value)
    total = mean_ci(value[everything] - value[none])
    gains = {name: (monthly[frozenset({name})] - monthly[none]).mean(axis=0) for name in names}
    gains["all"] = (monthly[everything] - monthly[none]).mean(axis=0)
    rows = []
    for name in names:
        estimate = mean_ci(phi[name])
        rows.append(
            {
                "lever": name, "value": estimate.value, "low": estimate.low, "high": estimate.high,
                "share": estimate.value / total.value if total.value > 0 else float("nan"),
                "alone": float(np.mean(value[frozenset({name})] - value[none])),
                "last": float(np.mean(value[everything] - value[everything - {name}])),
                "months_to_half": time_to_half(gains[name]),
            }
        )  # fmt: skip
    no_lever_gap = float(np.mean(value[none] - results[-1]["months"].mean(axis=1)))
    return LeverResult(pd.DataFrame(rows), total, time_to_half(gains["all"]), gains, window, no_lever_gap)
