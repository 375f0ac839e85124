"""Evaluation windows: the calendar months over which a pattern or an effect is measured.

The study is "a selective case study of the last 5 years" written in 2022, and Ambon's development
plan it draws on runs 2017-2022 (RPJMD): P1, P2 and the OFAT effects are evaluated over that window
by default (`STUDY_WINDOW`), and over each scenario's full period beside it. P3 looks at the years
after the recommendations (`REFORM_WINDOW`, 2023-2032). A window is clipped to the months a
scenario runs, so a scenario that starts in 2019 is evaluated over 2019-2022.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from colabsim.scenario.loader import Scenario

__all__ = ["REFORM_WINDOW", "STUDY_WINDOW", "VLISSINGEN_LAST_DECADE", "Window", "window_mean"]


@dataclass(frozen=True)
class Window:
    """Calendar months from `first` to `last`, both included (``"YYYY-MM"``).

    Attributes:
        first: First month of the window.
        last: Last month of the window.
        label: What the window is, in words (shown in the report).
    """

    first: str
    last: str
    label: str

    def months(self, scenario: Scenario) -> slice:
        """The window's month indices in `scenario`, clipped to the months it runs.

        Raises:
            ValueError: If the scenario runs no month of the window.
        """
        start = max(0, scenario.month_index(self.first))
        stop = min(scenario.horizon_months, scenario.month_index(self.last) + 1)
        if stop <= start:
            raise ValueError(
                f"scenario {scenario.name!r} runs no month of the window {self.first} to {self.last} ({self.label})"
            )
        return slice(start, stop)

    def span(self, scenario: Scenario) -> str:
        """The months the window covers in `scenario`, e.g. ``2019-01 to 2022-12``."""
        months = self.months(scenario)
        year, month = scenario.start
        return f"{_date(year, month, months.start)} to {_date(year, month, months.stop - 1)}"


def _date(year: int, month: int, index: int) -> str:
    total = year * 12 + month - 1 + index
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


def window_mean(scenario: Scenario, series: np.ndarray, window: Window | None) -> np.ndarray:
    """Per run, the mean of monthly `series` (shape ``(runs, months)``) over `window` (None: all months).

    NaN months (a sector with no live programme) are left out; a run with no value in the window
    gets NaN.
    """
    chosen = series if window is None else series[:, window.months(scenario)]
    counted = np.isfinite(chosen)
    total = np.where(counted, chosen, 0.0).sum(axis=1)
    count = counted.sum(axis=1)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


#: The study's "last five years": Ambon's development plan 2017-2022, the years the field study looks back on.
STUDY_WINDOW = Window("2017-01", "2022-12", "the study's last five years (RPJMD 2017-2022)")
#: The years after the recommendations (P3): 2023-2032.
REFORM_WINDOW = Window("2023-01", "2032-12", "the ten years after the recommendations (2023-2032)")
#: Vlissingen's last ten years, the level P3 measures the gap against (Vlissingen's file ends in 2023).
VLISSINGEN_LAST_DECADE = Window("2014-01", "2023-12", "Vlissingen's last ten years (2014-2023)")
