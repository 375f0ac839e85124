"""Progress as events: the runner and the analyses say what they are doing, the caller shows it.

A long command goes through phases (design, runs, estimation per output, figures, report). Code
below the command line reports each phase through a `ProgressCallback` and knows nothing of how it
is shown: the command line draws labelled bars on a terminal, a notebook may print, a test records.
A phase whose work can be counted carries ``total``; one that cannot carries ``total=None`` and the
caller shows its elapsed time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

__all__ = ["ProgressCallback", "ProgressEvent", "phase", "relabel"]


@dataclass(frozen=True)
class ProgressEvent:
    """Where a phase stands.

    Attributes:
        phase: What is being done, as shown to the user (``runs``, ``estimation: trust``, ...).
        done: Units finished so far (runs, for the runs phase).
        total: Units in the phase, or None if the phase cannot be counted.
        finished: True on the phase's last event.
    """

    phase: str
    done: int = 0
    total: int | None = None
    finished: bool = False


#: Receives every event; must be quick (it runs in the main loop of the runner).
ProgressCallback = Callable[[ProgressEvent], None]


def relabel(progress: ProgressCallback | None, label: str) -> ProgressCallback | None:
    """The same callback, with every event's phase renamed to `label` (e.g. ``OFAT runs``)."""
    if not progress:
        return None
    target = progress

    def renamed(event: ProgressEvent) -> None:
        target(replace(event, phase=label))

    return renamed


@contextmanager
def phase(progress: ProgressCallback | None, label: str) -> Iterator[None]:
    """Report an uncounted phase: one event when it starts and one when it ends (even on error)."""
    if not progress:
        yield
        return
    progress(ProgressEvent(label))
    try:
        yield
    finally:
        progress(ProgressEvent(label, finished=True))
