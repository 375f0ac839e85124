"""The room: every session's dashboard in this process, for the facilitator's read-only overview.

Each dashboard page joins the process's `ROOM` when it opens (`Room.join`), by a weak reference:
a session that Solara frees leaves the room by itself, and the room never keeps a run alive. The
facilitator's page (``?facilitator=1``, `colabsim.app.facilitator`) reads the room: each group's
name, scenario, month, changes and performance (`Room.status`), one group's charts to put on the
projector (`Room.board`), and the groups' end-of-run summaries as one CSV file
(`Room.summaries_csv`). Reading takes each dashboard's own lock, briefly; nothing is changed.
"""

from __future__ import annotations

import itertools
import threading
import weakref
from dataclasses import dataclass

import pandas as pd

from colabsim.app.i18n import N_, Translator
from colabsim.app.run import MARK_KINDS
from colabsim.app.session import Dashboard

__all__ = ["ROOM", "GroupStatus", "Room"]

TEXT = {"unnamed": N_("group {number}")}


@dataclass(frozen=True)
class GroupStatus:
    """One group as the facilitator sees it (texts in the facilitator's language).

    Attributes:
        number: The session's number in the room (order of joining).
        name: The group's name, or "group N" if it gave none.
        scenario: The scenario(s) shown.
        date: The shared calendar's date.
        month: Months simulated.
        horizon: Months in all.
        changes: The trainer's changes so far, as "date: what".
        performance: Performance now (formatted), per run.
        summary: The end-of-run summary's sentences (empty until the run has ended and it is worked out).
    """

    number: int
    name: str
    scenario: str
    date: str
    month: int
    horizon: int
    changes: tuple[str, ...]
    performance: str
    summary: tuple[str, ...]


class Room:
    """The dashboards of this process (see the module)."""

    def __init__(self) -> None:
        """An empty room."""
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)
        self._boards: dict[int, weakref.ref[Dashboard]] = {}

    def join(self, board: Dashboard) -> int:
        """Add `board` (kept by a weak reference) and return its number."""
        with self._lock:
            number = next(self._numbers)
            self._boards[number] = weakref.ref(board)
            return number

    def boards(self) -> list[tuple[int, Dashboard]]:
        """The dashboards still open, by number."""
        with self._lock:
            alive = [(n, ref()) for n, ref in self._boards.items()]
            self._boards = {n: ref for n, ref in self._boards.items() if ref() is not None}
        return [(n, board) for n, board in alive if board is not None]

    def board(self, number: int) -> Dashboard | None:
        """Dashboard `number`, if still open."""
        return dict(self.boards()).get(number)

    @staticmethod
    def _status(number: int, board: Dashboard, tr: Translator) -> GroupStatus:
        with board.lock:
            (start, span), clock = board.axis, board.clock
            changes, names, values = [], [], []
            for run in board.runs:
                names.append(tr(run.choice.scenario.name))
                for month, text, kind in run.history():
                    if kind == MARK_KINDS[2]:
                        changes.append(f"{tr.month(run.choice.scenario.start, month)}: {tr.render(text)}")
                series = run.model.timeseries()["performance"] if run.month else None
                values.append("-" if series is None or series.isna().iloc[-1] else tr.decimal(float(series.iloc[-1])))
            summaries = [s for side in range(len(board.runs)) if (s := board.summary(side)) is not None]
            name = board.group
        return GroupStatus(
            number=number,
            name=name or tr(TEXT["unnamed"], number=number),
            scenario=" | ".join(names),
            date=tr.month(start, min(clock, span - 1)),
            month=clock,
            horizon=span,
            changes=tuple(changes),
            performance=" | ".join(values),
            summary=tuple(line for s in summaries for line in s.lines(tr)),
        )

    def status(self, tr: Translator) -> list[GroupStatus]:
        """Every open dashboard's status, in the language of `tr`."""
        return [self._status(number, board, tr) for number, board in self.boards()]

    def summaries_csv(self, tr: Translator) -> bytes:
        """The groups' status and end-of-run summaries as CSV (UTF-8 with a byte order mark)."""
        rows = [
            {
                "group": s.name,
                "scenario": s.scenario,
                "date": s.date,
                "month": s.month,
                "months": s.horizon,
                "changes": "; ".join(s.changes),
                "performance": s.performance,
                "summary": " ".join(s.summary),
            }
            for s in self.status(tr)
        ]
        columns = ["group", "scenario", "date", "month", "months", "changes", "performance", "summary"]
        return pd.DataFrame(rows, columns=columns).to_csv(index=False).encode("utf-8-sig")


#: The process's room (one process serves the whole workshop).
ROOM = Room()
