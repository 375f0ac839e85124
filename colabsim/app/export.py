"""What a participant takes home from the dashboard: the run's numbers and its log, as CSV files.

The CSV files follow the session's language the way a spreadsheet of that language reads them:
English writes ``0.42`` separated by commas, Bahasa Indonesia ``0,42`` separated by semicolons
(Excel and LibreOffice in an Indonesian locale open either directly). Both are UTF-8 with a byte
order mark, so accents and arrows survive a double click. Column names are the model's metric
names (`colabsim.model.collaboration.CollaborationModel.timeseries`, defined in docs/ODD.md 4.12),
the same in both languages, so a file can be analysed with the project's own tools; dates are
``YYYY-MM``.

The charts are saved in the browser, from the charts as drawn (`colabsim.app.livechart`): the SVG
is ECharts' own drawing and the PNG a rendering of it at twice the screen's resolution. So a saved
figure is exactly what the room saw, in its language, with its marks, and no second plotting path
has to be kept in step with the page.
"""

from __future__ import annotations

import re

import pandas as pd

from colabsim.app.i18n import N_, Translator
from colabsim.app.run import MARK_KINDS, RunView

__all__ = ["file_stem", "log_csv", "timeseries_csv"]

#: The kinds of log lines as written in the log file.
KIND_LABELS = {
    MARK_KINDS[0]: N_("scheduled event"),
    MARK_KINDS[1]: N_("overridden event"),
    MARK_KINDS[2]: N_("your change"),
}
#: Column names of the log file.
LOG_COLUMNS = ("run", "scenario", "seed", "month", "date", "kind", "kind_label", "text")


def _iso(start: tuple[int, int], month: int) -> str:
    year, first = start
    total = first - 1 + month
    return f"{year + total // 12:04d}-{total % 12 + 1:02d}"


def file_stem(views: list[RunView]) -> str:
    """``colabsim-darwin-seed3-2017-01``: the runs, the seed and the date shown, safe as a file name."""
    runs = "-vs-".join(re.sub(r"[^A-Za-z0-9_]+", "_", view.short) for view in views)
    view = views[0]
    return f"colabsim-{runs}-seed{view.seed}-{_iso(view.start, min(view.month, view.horizon - 1))}"


def _csv(frame: pd.DataFrame, tr: Translator) -> bytes:
    comma = tr.decimal_mark == ","
    text = frame.to_csv(index=False, sep=";" if comma else ",", decimal="," if comma else ".", float_format="%.6g")
    return text.encode("utf-8-sig")


def timeseries_csv(views: list[RunView], tr: Translator) -> bytes:
    """The monthly metrics of every run shown, so far, one row per run and month."""
    frames = []
    for view in views:
        series = view.timeseries.drop(columns=["date"], errors="ignore").copy()
        months = range(len(series))
        series.insert(0, "date", [_iso(view.start, m) for m in months])
        series.insert(0, "month", list(months))
        series.insert(0, "seed", view.seed)
        series.insert(0, "scenario", view.title)
        series.insert(0, "run", view.short)
        series = series.drop(columns=["step"], errors="ignore")
        frames.append(series)
    return _csv(pd.concat(frames, ignore_index=True), tr)


def log_csv(views: list[RunView], tr: Translator) -> bytes:
    """The scheduled events, overridden events and the trainer's changes of every run shown."""
    rows = [
        (view.short, view.title, view.seed, month, _iso(view.start, month), kind, tr(KIND_LABELS[kind]), text)
        for view in views
        for month, text, kind in view.marks
        if month < view.month or kind != MARK_KINDS[0]  # scheduled events still to come have not happened
    ]
    return _csv(pd.DataFrame(rows, columns=list(LOG_COLUMNS)), tr)
