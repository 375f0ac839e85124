"""The take-home controls (Solara components): the run's files, the charts as pictures, the summary card.

(Solara components are named like classes, hence the ``noqa: N802``.)

- `TakeHome`: download the time series and the log (CSV, `colabsim.app.export`) and save every
  chart shown as SVG or PNG (drawn in the browser from the charts as they are, see
  `colabsim.app.livechart`).
- `SummaryCard`: once a run has ended, what it reached and what the trainer's changes did, measured
  over several seeds (`colabsim.app.summary`), worked out in a thread so the page stays live.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import solara

from colabsim.app.export import log_csv, timeseries_csv
from colabsim.app.i18n import N_, Translator
from colabsim.app.session import Dashboard
from colabsim.app.summary import SEEDS, Summary
from colabsim.app.summary import TEXT as SUMMARY_TEXT

__all__ = ["GroupName", "SummaryCard", "TakeHome"]

logger = logging.getLogger(__name__)

TEXT = {
    "title": N_("Take home"),
    "timeseries": N_("Numbers (CSV)"),
    "log": N_("Log (CSV)"),
    "svg": N_("Charts (SVG)"),
    "png": N_("Charts (PNG)"),
    "hint": N_("The charts are saved as shown, one file each."),
    "failed": N_("The summary could not be worked out ({error})."),
    "group": N_("Your group's name"),
    "group_hint": N_("The facilitator sees your run under this name."),
}


@solara.component
def TakeHome(board: Dashboard, stem: str, tr: Translator, on_save: Any) -> None:  # noqa: N802
    """Download the run's numbers and log; save the charts (`on_save` gets ``"svg"`` or ``"png"``).

    `stem` starts the files' names (`colabsim.app.export.file_stem`). The files are made when asked
    for, from the runs then; the functions that make them are kept from frame to frame (Solara's
    download restarts a thread whenever they change, which would redraw the page twice a frame).
    """
    numbers = solara.use_memo(lambda: lambda: timeseries_csv(board.views(), board.tr), [board])
    log = solara.use_memo(lambda: lambda: log_csv(board.views(), board.tr), [board])
    with solara.Card(classes=["colabsim-card", "colabsim-take-home"]):
        solara.Text(tr(TEXT["title"]), classes=["colabsim-card-title"])
        with solara.Row(gap="8px", style={"flex-wrap": "wrap"}):
            with solara.Div(classes=["colabsim-export-timeseries"]):
                solara.FileDownload(
                    numbers,
                    filename=f"{stem}-timeseries.csv",
                    label=tr(TEXT["timeseries"]),
                    mime_type="text/csv",
                )
            with solara.Div(classes=["colabsim-export-log"]):
                solara.FileDownload(log, filename=f"{stem}-log.csv", label=tr(TEXT["log"]), mime_type="text/csv")
            for kind in ("svg", "png"):
                solara.Button(
                    tr(TEXT[kind]),
                    icon_name="mdi-image-outline",
                    on_click=lambda kind=kind: on_save(kind),
                    outlined=True,
                    classes=[f"colabsim-save-{kind}"],
                )
        solara.Text(tr(TEXT["hint"]), classes=["colabsim-note"])


@solara.component
def SummaryCard(  # noqa: N802
    board: Dashboard, side: int, ended: tuple[object, ...] | None, summary: Summary | None, tr: Translator, refresh: Any
) -> None:
    """The end-of-run summary of run `side` (nothing while it runs).

    Args:
        board: The session.
        side: The run (0 left, 1 right).
        ended: The finished run's state (`Dashboard.summary_key`), None while it runs: a finished run's
            state, not each month's, starts the work (a thread restarted every frame would redraw
            the page twice a frame).
        summary: The summary once worked out (`Dashboard.summary`), else None.
        tr: The session's language.
        refresh: Redraws the page.
    """
    finished = ended is not None
    error, set_error = solara.use_state("")

    def work(cancel: threading.Event) -> None:
        if not finished or summary is not None:
            return
        try:
            board.compute_summary(side)
        except Exception as exc:  # a bug must never put a traceback on the projector
            logger.exception("the summary failed")
            set_error(tr(TEXT["failed"], error=f"{type(exc).__name__}: {exc}"))
            return
        if not cancel.is_set():
            refresh()

    solara.use_thread(work, dependencies=[ended], intrusive_cancel=False)
    if not finished:
        return
    with solara.Card(classes=["colabsim-card", "colabsim-summary", f"colabsim-summary-{side}"]):
        solara.Text(tr(SUMMARY_TEXT["title"]), classes=["colabsim-card-title"])
        if error:
            solara.Error(error)
        elif summary is None:
            solara.Text(tr(SUMMARY_TEXT["working"], seeds=SEEDS), classes=["colabsim-summary-working"])
        else:
            for line in summary.lines(tr):
                solara.Text(line, classes=["colabsim-summary-line"])


@solara.component
def GroupName(board: Dashboard, tr: Translator, refresh: Any) -> None:  # noqa: N802
    """The group's name, for the facilitator's overview (applied when the field is left or Enter is pressed)."""

    def named(name: str | None) -> None:
        board.set_group(name or "")
        refresh()

    with solara.Card(classes=["colabsim-card", "colabsim-group-name-input"]):
        solara.InputText(tr(TEXT["group"]), value=board.group, on_value=named, continuous_update=False)
        solara.Text(tr(TEXT["group_hint"]), classes=["colabsim-note"])
