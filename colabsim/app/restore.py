"""A session's run as a short text, so a reload (or a lid closed too long) brings the same run back.

The model is deterministic for a seed, so a run is fully given by its scenario, seed, start values
and the trainer's changes with their months (`Run.log`). `snapshot` writes these as JSON, packed
(zlib, base64 for a URL); the page keeps the text in its address (``?run=...``, see
`colabsim.app.browser`), and `restore` replays it: the same scenario and seed, each change pressed
again at its month, then on to the month shown. Replaying Darwin to its end takes about 0.2 s.

A participant's uploaded file is not kept on the server beyond the session: the participant's own
browser keeps its text (``localStorage``, under the SHA-256 of its bytes, `kept_files`), and the
snapshot records that hash beside the file's name. On a reload the page first asks the browser for
the files the run needs (`files_wanted`); `restore` takes their texts, checks each against its
hash and sends it through the same validation as an upload (`colabsim.app.catalog.Catalog.upload`:
the size limit, TOML data only, ``extends`` only in the shipped catalogue, the size bounds). A file
the browser no longer has (another device, storage cleared) or whose hash differs makes the run say
so and start afresh (upload it again). A text that is not a run (edited by hand, or from another
version) is refused with a message, never a traceback.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from colabsim.app.catalog import UPLOAD_KEY
from colabsim.app.i18n import N_, Msg
from colabsim.app.run import Run
from colabsim.app.session import MAX_SEED, Dashboard
from colabsim.app.upload import UPLOAD_LIMIT, digest_of, display_name

__all__ = [
    "RestoreError",
    "Snapshot",
    "decode",
    "encode",
    "files_wanted",
    "kept_files",
    "restore",
    "snapshot",
]

#: Version of the format (a text of another version is refused).
VERSION = 1
#: Longest text accepted (a run with hundreds of changes is a few KiB).
MAX_TEXT = 16_384

TEXT = {
    "bad": N_("The run in this address could not be restored ({why}); a new run starts."),
    "upload": N_("Your own file {name} is not kept on the server: upload it again to go on with it."),
    "invalid": N_(
        "Your own file {name}, kept in this browser, cannot be opened here any more ({error}); a new run starts."
    ),
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
        files: For each run of an uploaded file, the SHA-256 of its bytes (the browser keeps the
            file under it); "" for a shipped scenario.
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
    files: tuple[str, ...] = ()


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
            files=tuple(run.choice.digest for run in board.runs),
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
        "f": list(shot.files),
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
    files = data.get("f", [""] * len(scenarios))  # a text written before files were kept has none
    if not (isinstance(files, list) and len(files) == len(scenarios) and all(_is_digest(f) for f in files)):
        raise _bad("files")
    return Snapshot(
        scenarios=tuple(scenarios),
        seed=_int(data.get("seed"), 0, MAX_SEED, "seed"),
        clock=_int(data.get("m"), 0, 100_000, "month"),
        target=_int(data.get("t"), 0, 1, "side"),
        let_scheduled=bool(data.get("l")),
        start_values=tuple({str(k): float(x) for k, x in v.items()} for v in values),
        changes=tuple(tuple(_row(row) for row in rows) for rows in changes),
        files=tuple(files),
    )


def _is_digest(text: object) -> bool:
    return isinstance(text, str) and (text == "" or (len(text) == 64 and all(c in "0123456789abcdef" for c in text)))


def files_wanted(shot: Snapshot) -> dict[str, str]:
    """The uploaded files `shot` needs from the browser: file name by SHA-256 (empty for shipped scenarios)."""
    return {
        digest: name.removeprefix(UPLOAD_KEY)
        for name, digest in zip(shot.scenarios, shot.files, strict=False)
        if name.startswith(UPLOAD_KEY) and digest
    }


def kept_files(board: Dashboard) -> dict[str, dict[str, str]]:
    """The uploaded files `board` shows, for the browser to keep: ``{sha256: {"name", "text"}}``."""
    with board.lock:
        return {
            run.choice.digest: {"name": run.choice.key.removeprefix(UPLOAD_KEY), "text": run.choice.source}
            for run in board.runs
            if run.choice.digest
        }


def _file_bytes(name: str, digest: str, stored: Mapping[str, object]) -> bytes:
    """The bytes of uploaded file `name` from the browser's `stored` texts, if they have its `digest`.

    The text comes from the browser, so it is untrusted: anything but a string, or a text longer
    than an upload may be, cut to one byte over the limit (the upload's own check refuses it), is
    what `read_limited` would have given. A text whose hash differs is not the run's file.
    """
    text = stored.get(digest) if digest else None
    if isinstance(text, str):
        # A lone surrogate cannot be UTF-8: kept as is, it fails the hash (and the upload's UTF-8 check).
        data = text[: UPLOAD_LIMIT + 1].encode("utf-8", "surrogatepass")[: UPLOAD_LIMIT + 1]
        if digest_of(data) == digest:
            return data
    raise RestoreError(Msg.of(TEXT["upload"], name=name))


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


def restore(board: Dashboard, shot: Snapshot, stored: Mapping[str, object] | None = None) -> None:
    """Make `board` show the run of `shot`: scenarios, seed, start values, changes, month.

    Args:
        board: The session's dashboard.
        shot: The run to show.
        stored: The texts of uploaded files the browser kept, by SHA-256 (see `files_wanted`);
            each goes through the upload's validation again.

    Raises:
        RestoreError: If a scenario is not offered (a file this server lacks, an upload the browser
            no longer has or that is no longer valid) or a change does not fit the run; `board` then
            shows a fresh run of its default scenario.
    """
    sources: list[str | tuple[str, bytes]] = []  # a shipped scenario's key, or an upload's name and bytes
    for name, digest in zip(shot.scenarios, shot.files or ("",) * len(shot.scenarios), strict=True):
        if name.startswith(UPLOAD_KEY):
            shown = display_name(name.removeprefix(UPLOAD_KEY))  # the address is the browser's: no name on trust
            sources.append((shown, _file_bytes(shown, digest, stored or {})))
            continue
        choice = board.catalog.find(name)
        if choice is None:
            raise RestoreError(Msg.of(TEXT["unknown"], name=name))
        sources.append(choice.key)
    with board.lock:
        try:
            board.set_seed(shot.seed)
            board.set_side_by_side(len(sources) == 2)
            for side, source in enumerate(sources):
                # Each upload is offered just before it is shown: two files of the same name replace
                # each other in the picker, but each run keeps its own.
                board.choose(side, source if isinstance(source, str) else _offer(board, *source))
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


def _offer(board: Dashboard, name: str, data: bytes) -> str:
    """Offer an uploaded file again, through the upload's own validation; its key."""
    key = board.add_upload(name, data)
    if key is None:
        raise RestoreError(Msg.of(TEXT["invalid"], name=name, error=board.file_error))
    return key
