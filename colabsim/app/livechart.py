"""A live ECharts chart for the dashboard: set up once per run, then only its data each frame.

`LiveChart` is Solara's `FigureEcharts` widget (ECharts 5.4 from Solara's offline assets, served
read only by `colabsim.app.guard`) with one change: besides the ``option`` (axes, legend, marks,
set with ``notMerge`` when a run starts) it has a ``frame`` (the series' data now), merged into the
chart by series id. So a frame sends only the data, and the chart never resets while a run plays.
It draws with ECharts' SVG renderer: text stays text (browser tests can read its size) and a chart
can be saved as a vector file.
"""

from __future__ import annotations

from typing import Any

import solara
import traitlets
from solara.components.echarts import EchartsWidget

__all__ = ["LiveChart", "LiveChartWidget"]


class LiveChartWidget(EchartsWidget):
    """`EchartsWidget` whose ``frame`` is merged into the chart (see the module)."""

    template_file = (__file__, "livechart.vue")

    frame = traitlets.Any({}).tag(sync=True)
    frame_number = traitlets.Int(0).tag(sync=True)
    #: The language's decimal mark, for the numbers ECharts writes itself (axes, line tooltips).
    decimal = traitlets.Unicode(".").tag(sync=True)
    #: A request to save the chart: ``{"type": "svg" or "png", "name": file name without extension,
    #: "serial": n}`` (a new serial saves again).
    save = traitlets.Dict({}).tag(sync=True)


@solara.component
def LiveChart(  # noqa: N802
    option: dict[str, Any],
    frame: dict[str, Any],
    number: int,
    classes: list[str],
    height: str,
    decimal: str = ".",
    save: dict[str, Any] | None = None,
) -> Any:
    """One chart: `option` (changes per run), `frame` (changes per frame, numbered `number`).

    Args:
        option: The ECharts option without the changing data.
        frame: The changing part, merged by series id.
        number: The frame's number, written to the element's ``data-frame`` once painted.
        classes: CSS classes of the chart's element.
        height: Its CSS height, e.g. ``"40vh"``.
        decimal: The language's decimal mark (``","`` in Bahasa Indonesia).
        save: A request to save the chart as a file (see `LiveChartWidget.save`).
    """
    return LiveChartWidget.element(
        option=option,
        frame=frame,
        frame_number=number,
        decimal=decimal,
        save=save or {},
        attributes={"class": " ".join(classes), "style": f"height: {height}; width: 100%;"},
    )
