"""The dashboard's live views (Solara components): the clock and each run's three figures.

Figures are drawn by `colabsim.app.figures` and cached per run state, so a redraw happens only
when what a figure shows has changed. CSS classes such as ``colabsim-network-0`` (the left run's
network) let browser tests and custom stylesheets find each view.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import solara

from colabsim.app import figures
from colabsim.app.session import RunView

__all__ = ["Clock", "RunPanel"]

logger = logging.getLogger(__name__)


def _safe(draw: Callable[[], bytes]) -> bytes | str:
    """PNG bytes, or a message if drawing failed (a bug must not put a traceback on the projector)."""
    try:
        return draw()
    except Exception as exc:
        logger.exception("a figure could not be drawn")
        return f"This figure could not be drawn ({type(exc).__name__}: {exc})."


def _network_key(view: RunView) -> tuple[object, ...]:
    return (view.key[:3], view.month, tuple(view.actors["active"]))


def _chart_key(view: RunView) -> tuple[object, ...]:
    return (view.key[:3], view.month, view.marks)


@solara.component
def Clock(date: str, month: int, horizon: int, seed: int) -> None:  # noqa: N802
    """Where the run is: the date (single run), the month of the horizon, the seed."""
    with solara.Row(classes=["colabsim-clock"], style={"align-items": "baseline", "column-gap": "28px"}):
        if date:
            solara.Text(date, classes=["colabsim-date", "colabsim-date-0"])
        end = " (end)" if month >= horizon else ""
        solara.Text(f"month {month} of {horizon}{end}", classes=["colabsim-month"])
        solara.Text(f"seed {seed}", classes=["colabsim-seed"])


@solara.component
def FigureImage(png: bytes | str, name: str, side: int) -> None:  # noqa: N802
    """One figure as an image filling its column (or the message saying why it is missing)."""
    if isinstance(png, str):
        solara.Warning(png)
        return
    solara.Image(png, width="100%", classes=["colabsim-figure", f"colabsim-{name}-{side}"])


@solara.component
def RunPanel(view: RunView, side: int, compact: bool) -> None:  # noqa: N802
    """One run's figures: the trust network, performance by sector, trust and commitment."""
    painters = solara.use_memo(lambda: figures.Painters(view, compact), [view.key[:3], compact])
    network = solara.use_memo(lambda: _safe(lambda: painters.network.draw(view)), [painters, _network_key(view)])
    sectors = solara.use_memo(lambda: _safe(lambda: painters.sectors.draw(view)), [painters, _chart_key(view)])
    dynamics = solara.use_memo(lambda: _safe(lambda: painters.dynamics.draw(view)), [painters, _chart_key(view)])
    if compact:
        with solara.Column(classes=["colabsim-run", f"colabsim-run-{side}"], gap="4px"):
            with solara.Row(style={"align-items": "baseline", "gap": "20px"}):
                solara.Text(view.title, classes=["colabsim-run-title"])
                solara.Text(view.date, classes=["colabsim-date", f"colabsim-date-{side}"])
            FigureImage(network, "network", side)
            FigureImage(sectors, "sectors", side)
            FigureImage(dynamics, "dynamics", side)
        return
    with solara.Columns([1, 1], classes=["colabsim-run", f"colabsim-run-{side}"]):
        FigureImage(network, "network", side)
        with solara.Column(gap="8px"):
            FigureImage(sectors, "sectors", side)
            FigureImage(dynamics, "dynamics", side)
