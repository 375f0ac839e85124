"""A session's run as a short text, so a reload (or a lid closed too long) brings the same run back.

The model is deterministic for a seed, so a run is fully given by its scenario, seed, start values
and the trainer's changes with their months (`Run.log`). `snapshot` writes these as JSON, packed
(zlib, base64 for a URL); the page keeps the text in its address (``?run=...``, see
`colabsim.app.browser`), and `restore` replays it: the same scenario and seed, each change pressed
again at its month, then on to the month shown. Replaying Darwin to its end takes about 0.2 s.

Only scenarios the server offers can come back: a participant's uploaded file is not kept on the
server, so its run says so and starts afresh (upload it again). A text that is not a run (edited by
hand, or from another version) is refused with a message, never a traceback.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from dataclasses import dataclass
from typing import Any

from colabsim.app.i18n import N_, Msg
from colabsim.app.run import Run
from colabsim.app.session import MAX_SEED, Dashboard

__all__ = ["RestoreError", "Snapshot", "decode", "encode", "restore", "snapshot"]

#: Version of the format (a text of another version is refused).
VERSION = 1
#: Longest text accepted (a run with hundreds of changes is a few KiB).
MAX_TEXT = 16_384

TEXT = {
    "bad": N_("The run in this address could not be restored ({why}); a new run starts."),
    "upload": N_("Your own file {name} is not kept on the server: upload it again to go on with it."),
    "unknown": N_("The scenario {name} is not offered here; a new run starts."),
}


class RestoreError(ValueError):
    """The text is not a run this server can restore; `message` says why, to translate."""

    def __init__(self, message: Msg) -> None:
        """Keep `message` (shown translated on the page)."""
        super().__init__(message.text)
        self.message = message


@dataclass(frozen=True)
class Snapshot:
    """A session's run, as plain data (see the module).

    Attributes:
        scenarios: The scenario of each run shown (its catalogue key's file stem, or ``upload/NAME``).
        seed: The seed.
        clock: Months of the shared calendar simulated.
        target: The run the controls act on (side by side).
        let_scheduled: The "let scheduled events still apply" box.
        start_values: Each run's start values.
        changes: Each run's changes as (month, intervention key or "", factor or "", value, let_scheduled).
    """

    scenarios: tuple[str, ...]
    seed: int
    clock: int
    target: int
    let_scheduled: bool
    start_values: tuple[dict[str, float], ...]
    changes: tuple[tuple[tuple[int, str, str, float, bool], ...], ...]


def _name_of(run: Run) -> str:
    key = run.choice.key
    return key if key.startswith("upload/") else run.choice.short


def snapshot(board: Dashboard) -> Snapshot:
    """The session's run as plain data."""
    with board.lock:
        changes = []
        for run in board.runs:
            rows = []
            for entry in run.log:
                value = float(entry.events[0].factors.get(entry.factor, 0.0)) if entry.factor else 0.0
                rows.append((entry.month, entry.intervention, entry.factor, value, entry.let_scheduled))
            changes.append(tuple(rows))
        return Snapshot(
            scenarios=tuple(_name_of(run) for run in board.runs),
            seed=board.seed,
            clock=board.clock,
            target=board.target,
            let_scheduled=board.let_scheduled,
            start_values=tuple(dict(run.start_values) for run in board.runs),
            changes=tuple(changes),
        )


def encode(shot: Snapshot) -> str:
    """`shot` as a short text for a URL (JSON, zlib, base64url without padding)."""
    data = {
        "v": VERSION,
        "s": list(shot.scenarios),
        "seed": shot.seed,
        "m": shot.clock,
        "t": shot.target,
        "l": int(shot.let_scheduled),
        "sv": [dict(values) for values in shot.start_values],
        "c": [[list(row) for row in rows] for rows in shot.changes],
    }
    packed = zlib.compress(json.dumps(data, separators=(",", ":")).encode(), 9)
    return base64.urlsafe_b64encode(packed).decode().rstrip("=")


def _bad(why: str) -> RestoreError:
    return RestoreError(Msg.of(TEXT["bad"], why=why))


def _int(value: Any, low: int, high: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _bad(f"{what} {value!r}")
    return value


def _row(row: Any) -> tuple[int, str, str, float, bool]:
    if not isinstance(row, list) or len(row) != 5:
        raise _bad("a change")
    month, key, factor, value, let = row
    if not (isinstance(key, str) and isinstance(factor, str) and isinstance(value, int | float)):
        raise _bad("a change")
    return _int(month, 1, 10_000, "month"), key, factor, float(value), bool(let)


def decode(text: str) -> Snapshot:
    """The snapshot in `text` (from `encode`).

    Raises:
        RestoreError: If `text` is not one.
    """
    if len(text) > MAX_TEXT:
        raise _bad("too long")
    try:
        packed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        data = json.loads(zlib.decompressobj().decompress(packed, MAX_TEXT * 8))
    except (binascii.Error, ValueError, zlib.error):
        raise _bad("not a run") from None
    if not isinstance(data, dict) or data.get("v") != VERSION:
        raise _bad("another version")
    scenarios, values, changes = data.get("s"), data.get("sv"), data.get("c")
    if not (isinstance(scenarios, list) and 1 <= len(scenarios) <= 2 and all(isinstance(s, str) for s in scenarios)):
        raise _bad("scenarios")
    if not (isinstance(values, list) and isinstance(changes, list) and len(values) == len(changes) == len(scenarios)):
        raise _bad("runs")
    if not all(isinstance(v, dict) and all(isinstance(x, int | float) for x in v.values()) for v in values):
        raise _bad("start values")
    return Snapshot(
        scenarios=tuple(scenarios),
        seed=_int(data.get("seed"), 0, MAX_SEED, "seed"),
        clock=_int(data.get("m"), 0, 100_000, "month"),
        target=_int(data.get("t"), 0, 1, "side"),
        let_scheduled=bool(data.get("l")),
        start_values=tuple({str(k): float(x) for k, x in v.items()} for v in values),
        changes=tuple(tuple(_row(row) for row in rows) for rows in changes),
    )


def _replay(run: Run, start_values: dict[str, float], rows: tuple[tuple[int, str, str, float, bool], ...]) -> None:
    for name, value in start_values.items():
        run.set_factor(name, value)  # at month 0: a start value (checked against the registry)
    for month, key, factor, value, let in rows:
        run.step(month - run.month)
        if run.month != month:
            raise _bad("a change after the end")
        if key:
            run.intervene(key, let)
        else:
            run.set_factor(factor, value, let)


def restore(board: Dashboard, shot: Snapshot) -> None:
    """Make `board` show the run of `shot`: scenarios, seed, start values, changes, month.

    Raises:
        RestoreError: If a scenario is not offered (an upload, or a file this server lacks) or a
            change does not fit the run; `board` then shows a fresh run of its default scenario.
    """
    keys = []
    for name in shot.scenarios:
        if name.startswith("upload/"):
            raise RestoreError(Msg.of(TEXT["upload"], name=name.removeprefix("upload/")))
        choice = board.catalog.find(name)
        if choice is None:
            raise RestoreError(Msg.of(TEXT["unknown"], name=name))
        keys.append(choice.key)
    with board.lock:
        try:
            board.set_seed(shot.seed)
            board.set_side_by_side(len(keys) == 2)
            for side, key in enumerate(keys):
                board.choose(side, key)
            for run, values, rows in zip(board.runs, shot.start_values, shot.changes, strict=True):
                _replay(run, values, rows)
            board.target = min(shot.target, len(board.runs) - 1)
            board.let_scheduled = shot.let_scheduled
            board.go_to(shot.clock)
        except (KeyError, ValueError) as exc:
            board.set_side_by_side(False)
            board.choose(0, board.catalog.default_key)
            if isinstance(exc, RestoreError):
                raise
            raise _bad(type(exc).__name__) from None
