"""The Vlissingen/Darwin ratio by horizon and at equal collaboration age (issue 14, items 3 and 10).

The study compares the two sister cities in the same calendar years (2017-2022), when Vlissingen's
collaboration was 11-16 years old and Darwin's 5-10. Both are run here over a long horizon from
their own start, and their mean performance compared year of collaboration by year: the ratio of
the means over the first h years (what a run with horizon h reports, at equal age), the ratio in
each single year of age, and the study window against the same ages in both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from colabsim.experiments.progress import ProgressCallback
from colabsim.model.batch import BatchResult
from colabsim.scenario.loader import Scenario, scenario_from_dict
from colabsim.stats import mean_ci
from colabsim.validation.measure import ratio_estimate
from colabsim.validation.runs import Arm, run_arms
from colabsim.validation.study import Study
from colabsim.validation.windows import STUDY_WINDOW, Window

__all__ = ["HORIZONS", "HorizonRatios", "horizon_ratios", "with_horizon"]

#: Years of collaboration at which the cumulative ratio is reported.
HORIZONS: tuple[int, ...] = (1, 3, 5, 10, 15, 20, 30, 50)


def with_horizon(scenario: Scenario, years: int) -> Scenario:
    """The scenario run for `years` years from its start (the timeline unchanged).

    Raises:
        ScenarioError: If `years` is outside the format's 1 to 100.
    """
    raw = scenario.spec.model_dump()
    raw["scenario"]["horizon_years"] = years
    longer = scenario_from_dict(raw, scenario.path)
    return Scenario(longer.spec, scenario.path, longer.sha256, dict(scenario.overrides))


@dataclass(frozen=True)
class HorizonRatios:
    """The ratio by age.

    Attributes:
        cumulative: Per horizon h (years): both means over the first h years and their ratio
            with its conservative CI.
        yearly: Per year of age: both means (with 5% and 95% quantiles over runs) and the ratio.
        study_window: The ratio over the study window (unequal ages) and over the same ages of
            both collaborations (Darwin's ages in the study window).
    """

    cumulative: pd.DataFrame
    yearly: pd.DataFrame
    study_window: pd.DataFrame


def _yearly(scenario: Scenario, batch: BatchResult) -> dict[str, np.ndarray]:
    performance = batch.series["performance"]
    runs, months = performance.shape
    return {"yearly": performance[:, : months - months % 12].reshape(runs, -1, 12).mean(axis=2)}


def _ratio_row(label: str, strong: np.ndarray, weak: np.ndarray) -> dict[str, object]:
    s, w = mean_ci(strong), mean_ci(weak)
    ratio = ratio_estimate(s, w)
    return {"what": label, "strong": s.value, "weak": w.value, "ratio": ratio.value, "low": ratio.low,
            "high": ratio.high}  # fmt: skip


def horizon_ratios(
    study: Study,
    seeds: Sequence[int],
    years: int = max(HORIZONS),
    pair: tuple[str, str] = ("vlissingen", "darwin"),
    window: Window = STUDY_WINDOW,
    progress: ProgressCallback | None = None,
) -> HorizonRatios:
    """Run both collaborations for `years` years and compare them by age."""
    strong, weak = (with_horizon(study[name], years) for name in pair)
    chosen = tuple(int(s) for s in seeds)
    values = run_arms([Arm(strong, chosen), Arm(weak, chosen)], _yearly, progress, "ratio by age")
    s_years, w_years = values[0]["yearly"], values[1]["yearly"]
    cumulative = pd.DataFrame(
        [{"years": h} | _ratio_row(f"first {h} years", s_years[:, :h].mean(axis=1), w_years[:, :h].mean(axis=1))
         for h in HORIZONS if h <= years]
    )  # fmt: skip
    rows = []
    for age in range(years):
        row = _ratio_row(f"year {age + 1}", s_years[:, age], w_years[:, age])
        row |= {"age": age + 1, "strong_q05": float(np.quantile(s_years[:, age], 0.05)),
                "strong_q95": float(np.quantile(s_years[:, age], 0.95)),
                "weak_q05": float(np.quantile(w_years[:, age], 0.05)),
                "weak_q95": float(np.quantile(w_years[:, age], 0.95))}  # fmt: skip
        rows.append(row)
    yearly = pd.DataFrame(rows)
    # The study window in calendar years, and the same ages in both (the weak one's ages then).
    s_months, w_months = window.months(strong), window.months(weak)
    s_ages = range(s_months.start // 12, s_months.stop // 12)
    w_ages = range(w_months.start // 12, w_months.stop // 12)
    same = pd.DataFrame(
        [
            _ratio_row(f"study window, calendar years (ages {s_ages[0] + 1}-{s_ages[-1] + 1} and "
                       f"{w_ages[0] + 1}-{w_ages[-1] + 1})",
                       s_years[:, s_ages].mean(axis=1), w_years[:, w_ages].mean(axis=1)),
            _ratio_row(f"the same ages in both ({w_ages[0] + 1}-{w_ages[-1] + 1})",
                       s_years[:, w_ages].mean(axis=1), w_years[:, w_ages].mean(axis=1)),
        ]
    )  # fmt: skip
    return HorizonRatios(cumulative, yearly, same)
