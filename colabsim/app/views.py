"""The dashboard's live views (Solara components): the clock, each run's charts and their legend.

The charts are drawn in the browser (`colabsim.app.livechart`, options from `colabsim.app.charts`):
a run's option is built once per run and layout, and each frame sends only the data now. CSS
classes such as ``colabsim-network-0`` (the left run's network) let browser tests and custom
stylesheets find each view; each chart's element carries ``data-frame``, the number of the last
frame painted.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import solara

from colabsim.app import charts, info, strip
from colabsim.app.i18n import N_, Translator
from colabsim.app.livechart import LiveChart
from colabsim.app.run import RunView
from colabsim.reporting.style import KIND_COLOURS

__all__ = [
    "SAVE",
    "ChartLayout",
    "Clock",
    "DifferenceStrip",
    "InfoPanel",
    "Monitors",
    "RunPanel",
    "SaveRequest",
    "TrustLegend",
    "save_request",
]

logger = logging.getLogger(__name__)

#: Visible wording (English; translated where shown).
TEXT = {
    "month": N_("month {month} of {horizon}"),
    "month_end": N_("month {month} of {horizon} (end)"),
    "seed": N_("seed {seed}"),
    "hollow": N_("○ not taking part"),
    "trust": N_("tie colour and width: trust"),
    "trust_bin": N_("trust up to {upper}"),
    "broken": N_("This chart could not be drawn ({error})."),
    "close": N_("Close"),
    "which_sectors": N_("Performance by sector"),
    "which_dynamics": N_("Trust, commitment"),
}


@dataclass(frozen=True)
class SaveRequest:
    """A request to save every chart shown.

    Attributes:
        kind: ``"svg"`` or ``"png"``.
        serial: Counts requests (the same kind twice saves twice).
        stem: The files' names before the chart's own (`colabsim.app.export.file_stem`).
    """

    kind: str
    serial: int
    stem: str


#: The context through which a "save the charts" request reaches every chart (`SaveRequest` or None).
SAVE = solara.create_context(cast(SaveRequest | None, None))


def save_request(request: SaveRequest | None, chart: str) -> dict[str, Any]:
    """What a chart called `chart` gets (see `colabsim.app.livechart.LiveChartWidget.save`)."""
    if request is None:
        return {}
    return {"type": request.kind, "serial": request.serial, "name": f"{request.stem}-{chart}"}


@dataclass(frozen=True)
class ChartLayout:
    """How the charts are laid out: type size in px and CSS heights of the three charts.

    Attributes:
        size: Chart type size in px.
        network: Height of the network chart.
        chart: Height of each time chart.
        both_charts: Whether both time charts are shown (else one, chosen in the page).
        strip: Height of the difference strip (side by side), or "" where it does not fit.
        legend: Whether the network's legend, and the marks' kinds in the time charts' legends, are
            shown (the info panel explains them too).
    """

    size: int
    network: str
    chart: str
    both_charts: bool = True
    strip: str = ""
    legend: bool = True

    @staticmethod
    def of(projector: bool, side_by_side: bool) -> ChartLayout:
        """The layout for a mode: on a projector side by side, one time chart per run fits."""
        if projector and side_by_side:
            return ChartLayout(18, "calc(50vh - 150px)", "calc(50vh - 120px)", both_charts=False, legend=False)
        if projector:
            return ChartLayout(18, "calc(100vh - 250px)", "calc(50vh - 70px)")
        if side_by_side:
            return ChartLayout(15, "27vh", "19vh", strip="16vh")
        return ChartLayout(16, "calc(100vh - 210px)", "calc(50vh - 80px)")


def _safe(build: Callable[[], dict[str, Any]], tr: Translator) -> dict[str, Any] | str:
    """A chart's option or frame, or a message if building it failed (never a traceback on the projector)."""
    try:
        return build()
    except Exception as exc:
        logger.exception("a chart could not be built")
        return tr(TEXT["broken"], error=f"{type(exc).__name__}: {exc}")


@solara.component
def Clock(date: str, month: int, horizon: int, seed: int, tr: Translator) -> None:  # noqa: N802
    """Where the run is: the date (single run), the month of the horizon, the seed."""
    with solara.Row(classes=["colabsim-clock"], style={"align-items": "baseline", "column-gap": "28px"}):
        if date:
            solara.Text(date, classes=["colabsim-date", "colabsim-date-0"])
        where = tr(TEXT["month_end" if month >= horizon else "month"], month=month, horizon=horizon)
        solara.Text(where, classes=["colabsim-month"])
        solara.Text(tr(TEXT["seed"], seed=seed), classes=["colabsim-seed"])


@solara.component
def Chart(  # noqa: N802
    option: dict[str, Any] | str,
    frame: dict[str, Any] | str,
    number: int,
    name: str,
    side: int,
    height: str,
    tr: Translator,
) -> None:
    """One live chart (or the message saying why it is missing)."""
    if isinstance(option, str) or isinstance(frame, str):
        solara.Warning(option if isinstance(option, str) else str(frame))
        return
    classes = ["colabsim-figure", f"colabsim-{name}", f"colabsim-{name}-{side}"]
    save = save_request(solara.use_context(SAVE), name if name == "difference" else f"{name}-{side}")
    LiveChart(option, frame, number, classes, height, tr.decimal_mark, save)


@solara.component
def Monitors(values: tuple[info.Monitor, ...], side: int) -> None:  # noqa: N802
    """The run's live numbers: performance, mean trust, commitment, active programmes, partners."""
    with solara.Row(classes=["colabsim-monitors", f"colabsim-monitors-{side}"], style={"flex-wrap": "wrap"}):
        for monitor in values:
            solara.HTML(
                "span",
                unsafe_innerHTML=f"{monitor.label} <b>{monitor.value}</b>",
                classes=["colabsim-monitor", f"colabsim-monitor-{monitor.key}"],
            )


@solara.component
def DifferenceStrip(left: RunView, right: RunView, layout: ChartLayout, number: int) -> None:  # noqa: N802
    """Side by side: right minus left in performance and trust, by date (both runs have the same seed)."""
    tr = left.tr
    option = solara.use_memo(
        lambda: _safe(lambda: strip.difference_option(left, right, layout.size), tr),
        [left.run_key, right.run_key, layout.size],
    )
    frame = solara.use_memo(lambda: _safe(lambda: strip.difference_frame(left, right), tr), [left.key, right.key])
    Chart(option, frame, number, "difference", 0, layout.strip, tr)


@solara.component
def InfoPanel(open_: solara.Reactive[bool], tr: Translator) -> None:  # noqa: N802
    """The info panel (a dialog): the model, how to read the charts, the interventions, the story."""
    text = solara.use_memo(lambda: info.info_markdown(tr), [tr])
    dialog = solara.v.Dialog(v_model=open_.value, on_v_model=open_.set, max_width=900, scrollable=True)
    with dialog, solara.Card(tr(info.INFO_TITLE), classes=["colabsim-info"]):
        solara.Markdown(text)
        solara.Button(tr(TEXT["close"]), on_click=lambda: open_.set(False), classes=["colabsim-info-close"])


@solara.component
def TrustLegend(kinds: tuple[str, ...], sides: tuple[str, ...], tr: Translator) -> None:  # noqa: N802
    """The network's legend: colour = kind, shape = side, hollow = not taking part, the trust scale."""
    with solara.Row(classes=["colabsim-legend"], style={"flex-wrap": "wrap", "column-gap": "14px", "row-gap": "2px"}):
        for kind in kinds:
            colour = KIND_COLOURS.get(kind, "#808080")
            mark = charts.KIND_MARKS.get(kind, ("", ""))[1]
            swatch = (
                f'<svg class="colabsim-kind-swatch" viewBox="0 0 16 16" width="18" height="18" aria-hidden="true">'
                f'<circle cx="8" cy="8" r="8" fill="{colour}"/>'
                + (f'<path d="{mark}" fill="#fff"/>' if mark else "")
                + "</svg>"
            )
            solara.HTML(
                "span",
                unsafe_innerHTML=f"{swatch} {html.escape(tr(charts.KIND_LABELS.get(kind, kind)))}",
                classes=["colabsim-legend-item"],
            )
        for side in sides:
            glyph = charts.SIDE_SYMBOLS.get(side, ("", "●"))[1]
            solara.Text(f"{glyph} {tr(charts.SIDE_LABELS.get(side, side))}", classes=["colabsim-legend-item"])
        solara.Text(tr(TEXT["hollow"]), classes=["colabsim-legend-item"])
    uppers = [(tr.decimal(upper, 2 if upper * 10 % 1 else 1), colour) for upper, colour in charts.TRUST_SCALE]
    bins = "".join(
        f'<span class="colabsim-trust-bin" style="background:{colour}" '
        f'title="{html.escape(tr(TEXT["trust_bin"], upper=upper))}"></span>'
        for upper, colour in uppers
    )
    ticks = "".join(f"<span>{upper}</span>" for upper, _ in uppers)
    solara.HTML(
        "div",
        unsafe_innerHTML=(
            f'<span class="colabsim-trust-title">{html.escape(tr(TEXT["trust"]))}</span>'
            f'<div class="colabsim-trust-bins">{bins}</div><div class="colabsim-trust-ticks">{ticks}</div>'
        ),
        classes=["colabsim-trust-legend"],
    )


@solara.component
def RunPanel(view: RunView, side: int, compact: bool, layout: ChartLayout, number: int) -> None:  # noqa: N802
    """One run's charts: the trust network with its legend, performance by sector, trust and commitment."""
    run_key, tr = view.run_key, view.tr
    scenario = view.scenario
    size = layout.size
    xy = solara.use_memo(lambda: charts.network_layout(view), [view.key[:3]])
    network_option = solara.use_memo(lambda: _safe(lambda: charts.network_option(view, size), tr), [run_key, size])
    marks = layout.legend
    sectors_option = solara.use_memo(
        lambda: _safe(lambda: charts.time_option(view, scenario, "sectors", size, marks), tr),
        [run_key, size, view.axis, marks],
    )
    dynamics_option = solara.use_memo(
        lambda: _safe(lambda: charts.time_option(view, scenario, "dynamics", size, marks), tr),
        [run_key, size, view.axis, marks],
    )
    network = solara.use_memo(lambda: _safe(lambda: charts.network_frame(view, scenario, xy), tr), [view.key])
    sectors = solara.use_memo(
        lambda: _safe(lambda: charts.time_frame(view, scenario, "sectors"), tr), [view.key, view.axis]
    )
    dynamics = solara.use_memo(
        lambda: _safe(lambda: charts.time_frame(view, scenario, "dynamics"), tr), [view.key, view.axis]
    )
    shown, set_shown = solara.use_state("sectors")
    kinds = tuple(k for k in KIND_COLOURS if k in set(view.actors["kind"]))
    sides = tuple(s for s in charts.SIDE_LABELS if s in set(view.actors["side"]))

    values = solara.use_memo(lambda: info.monitors(view.timeseries, tr), [view.key])

    def network_column() -> None:
        Chart(network_option, network, number, "network", side, layout.network, tr)
        if layout.legend:
            TrustLegend(kinds, sides, tr)

    def time_charts() -> None:
        if layout.both_charts or shown == "sectors":
            Chart(sectors_option, sectors, number, "sectors", side, layout.chart, tr)
        if layout.both_charts or shown == "dynamics":
            Chart(dynamics_option, dynamics, number, "dynamics", side, layout.chart, tr)
        if not layout.both_charts:
            with solara.ToggleButtonsSingle(value=shown, on_value=set_shown, classes=[f"colabsim-which-{side}"]):
                solara.Button(tr(TEXT["which_sectors"]), value="sectors")
                solara.Button(tr(TEXT["which_dynamics"]), value="dynamics")

    if compact:
        with solara.Column(classes=["colabsim-run", f"colabsim-run-{side}"], gap="4px"):
            with solara.Row(style={"align-items": "baseline", "gap": "20px"}):
                solara.Text(view.title, classes=["colabsim-run-title"])
                solara.Text(view.date, classes=["colabsim-date", f"colabsim-date-{side}"])
            Monitors(values, side)
            network_column()
            time_charts()
        return
    with solara.Column(classes=["colabsim-run", f"colabsim-run-{side}"], gap="0px"):
        Monitors(values, side)
        with solara.Columns([1, 1]):
            with solara.Column(gap="4px"):
                network_column()
            with solara.Column(gap="4px"):
                time_charts()
