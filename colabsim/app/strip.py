"""The difference strip under two runs side by side: right minus left in performance and trust, by date.

Both runs have the same seed and share the calendar (`colabsim.app.session.Dashboard.axis`), so the
strip is the difference the scenarios make, month by month, for the months both have simulated. As
the other charts (`colabsim.app.charts`), it is an option fixed for the pair of runs and a frame of
data per month.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from colabsim.app.charts import MEAN_COLOUR, TRUST_COLOUR, axis_of, font, time_axis, values_of
from colabsim.app.charts import TEXT as CHART_TEXT
from colabsim.app.i18n import N_
from colabsim.app.run import RunView

__all__ = ["DIFFERENCES", "difference_frame", "difference_option"]

TEXT = {**CHART_TEXT, "title": N_("Difference by date: {right} minus {left} (same seed)")}

#: The difference strip's lines: series id, timeseries column, colour, symbol and line type (not by
#: colour alone), named by `TEXT[id]`.
DIFFERENCES = (
    ("performance", "performance", MEAN_COLOUR, "circle", "solid"),
    ("trust", "trust", TRUST_COLOUR, "rect", "dashed"),
)


def difference_option(left: RunView, right: RunView, size: int) -> dict[str, Any]:
    """The difference strip (side by side): right minus left by date, fixed axes and empty lines."""
    tr = left.tr
    start, months, _ = axis_of(left)
    title = tr(TEXT["title"], right=right.short, left=left.short)
    names = {key: tr(TEXT[key]) for key, *_ in DIFFERENCES}
    return {
        "animation": False,
        "textStyle": font(size),
        "title": {"text": title, "left": 0, "textStyle": {**font(size), "fontWeight": "bold"}},
        "tooltip": {"trigger": "item", "confine": True, "textStyle": font(size)},
        "legend": {"top": 0, "right": 0, "textStyle": font(size), "data": list(names.values())},
        "grid": {"left": size, "right": size * 2, "top": size * 2.5, "bottom": size * 0.5, "containLabel": True},
        "xAxis": time_axis(start, months, size, tr),
        "yAxis": {"type": "value", "min": -1, "max": 1, "interval": 0.5, "axisLabel": font(size)},
        "series": [
            {
                "id": name,
                "name": names[name],
                "type": "line",
                "data": [],
                "color": colour,
                "lineStyle": {"width": 3, "type": dash},
                "symbol": symbol,
                "symbolSize": 7,
                "tooltip": {"formatter": "{a}<br/>{b}: {c}"},
                "markLine": {
                    "silent": True,
                    "symbol": ["none", "none"],
                    "label": {"show": False},
                    "data": [{"yAxis": 0}],
                },
            }
            for name, _, colour, symbol, dash in DIFFERENCES
        ],
    }


def difference_frame(left: RunView, right: RunView) -> dict[str, Any]:
    """Right minus left by date, for the months both have simulated (the same seed on both sides)."""
    _, months, left_offset = axis_of(left)
    right_offset = axis_of(right)[2]
    series = []
    for name, column, *_ in DIFFERENCES:
        values = np.full((2, months), np.nan)
        for row, view, offset in ((0, left, left_offset), (1, right, right_offset)):
            if column in view.timeseries:
                line = view.timeseries[column].to_numpy(dtype=float)[: months - offset]
                values[row, offset : offset + len(line)] = line
        series.append({"id": name, "data": values_of(values[1] - values[0])})
    return {"series": series}
