"""A participant's own scenario, uploaded from the browser: bytes in, a validated scenario out.

Nothing here touches the server's files. The browser sends a file's name and at most
`UPLOAD_LIMIT` + 1 bytes (`read_limited` asks for no more, whatever size the browser reports); the
bytes are parsed as TOML data, and an ``extends`` names a scenario of the shipped catalogue by its
file name (never a path). Every error names the uploaded file by its own base name, so a message
never shows, or depends on, a path of the server.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO

from colabsim.scenario.loader import Scenario, ScenarioError, _merge, scenario_from_dict

__all__ = [
    "UPLOAD_BOUNDS",
    "UPLOAD_LIMIT",
    "UploadError",
    "digest_of",
    "display_name",
    "read_limited",
    "scenario_from_upload",
]

#: Largest upload accepted, in bytes (the shipped scenarios are 2 to 12 KiB).
UPLOAD_LIMIT = 256 * 1024

#: Most entries an uploaded scenario may have in each list, counting what it extends. The server runs
#: every session's model in one process: a file of 137 KiB with 1,500 actors and one tie rule took
#: 12 s and 1.5 GB to open and 1.7 s a month, holding up every other session; 60 actors take about
#: 30 ms a month. The shipped scenarios have up to 14 actors.
UPLOAD_BOUNDS = {"actors": 60, "programmes": 60, "ties": 2000, "tie_rules": 60, "events": 500}

#: Top-level keys a scenario file may have (the loader's, repeated so the error can list them).
TOP_LEVEL = ("extends", "scenario", "factors", "parameters", "actors", "programmes", "ties", "tie_rules", "events")

_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]")


class UploadError(ScenarioError):
    """An uploaded file cannot be used (too large, not text, not TOML, or an invalid scenario)."""


def display_name(name: object) -> str:
    """The uploaded file's name as shown in messages: its base name, printable, at most 80 characters.

    A browser sends only a base name, but anything may arrive, so folders (``../`` or a drive),
    control characters and length are cut here.
    """
    text = name if isinstance(name, str) else ""
    base = _UNPRINTABLE.sub("", re.split(r"[/\\]", text)[-1]).strip()
    if base in ("", ".", ".."):
        return "upload.toml"
    return base if len(base) <= 80 else base[:77] + "..."


def read_limited(stream: BinaryIO, limit: int = UPLOAD_LIMIT) -> bytes:
    """Read at most `limit` + 1 bytes from `stream` (one more than allowed, to tell an oversized file)."""
    chunks: list[bytes] = []
    wanted = limit + 1
    while wanted > 0:
        chunk = stream.read(wanted)
        if not chunk:
            break
        chunks.append(bytes(chunk[:wanted]))
        wanted -= len(chunks[-1])
    return b"".join(chunks)


def digest_of(data: bytes) -> str:
    """The SHA-256 of an uploaded file's bytes, in hex: the browser keeps the file under it (`colabsim.app.restore`)."""
    return hashlib.sha256(data).hexdigest()


def _text(name: str, data: bytes, limit: int) -> str:
    if len(data) > limit:
        raise UploadError(name, [("", f"the file is larger than {limit // 1024} KiB; a scenario file is a few KiB")])
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UploadError(name, [("", "the file is UTF-16 text; save it as UTF-8 and upload again")])
    if b"\x00" in data:
        message = "this is not a text file (or it is UTF-16 text); upload a scenario file saved as UTF-8"
        raise UploadError(name, [("", message)])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        message = "the file is not UTF-8 text (saved in another encoding?); save it as UTF-8 and upload again"
        raise UploadError(name, [("", message)]) from None


def scenario_from_upload(
    name: object, data: bytes, shipped: Mapping[str, Scenario], limit: int = UPLOAD_LIMIT
) -> Scenario:
    """Validate an uploaded scenario file.

    Args:
        name: The file name the browser gave (only its base name is used, in messages).
        data: The file's bytes, as read by `read_limited`.
        shipped: The scenarios an ``extends`` may name, by file name (e.g. ``"darwin.toml"``).
        limit: Largest size accepted, in bytes.

    Returns:
        The validated scenario (its ``path`` is the display name, not a file on the server).

    Raises:
        UploadError: If the file is too large, not UTF-8 text, not valid TOML, extends a scenario
            that is not shipped, or is not a valid scenario.
    """
    shown = display_name(name)
    try:
        raw: dict[str, Any] = tomllib.loads(_text(shown, data, limit))
    except tomllib.TOMLDecodeError as exc:
        raise UploadError(shown, [("", f"not valid TOML: {exc}")]) from None
    except RecursionError:
        message = "not valid as a scenario: arrays or tables nested hundreds deep; a scenario nests a few levels"
        raise UploadError(shown, [("", message)]) from None
    unknown = sorted(set(raw) - set(TOP_LEVEL))
    if unknown:
        allowed = ", ".join(TOP_LEVEL)
        raise UploadError(shown, [(key, f"unknown key; allowed top-level keys: {allowed}") for key in unknown])
    parent_name = raw.get("extends")
    if parent_name is not None:
        offered = ", ".join(sorted(shipped)) or "none"
        if not isinstance(parent_name, str) or parent_name not in shipped:
            message = f"an uploaded file can extend only a shipped scenario, by file name; one of: {offered}"
            raise UploadError(shown, [("extends", message)])
        parent = shipped[parent_name].spec.model_dump()
        try:
            raw = _merge(parent, raw, Path(shown))
        except ScenarioError as exc:
            raise UploadError(shown, exc.problems) from None
    _check_bounds(shown, raw)
    try:
        return scenario_from_dict(raw, shown)
    except ScenarioError as exc:
        raise UploadError(shown, exc.problems) from None


def _check_bounds(shown: str, raw: Mapping[str, Any]) -> None:
    """Raise `UploadError` if a list of `raw` (merged with what it extends) is longer than `UPLOAD_BOUNDS`."""
    problems = []
    for key, most in UPLOAD_BOUNDS.items():
        entries = raw.get(key)
        if isinstance(entries, list) and len(entries) > most:
            message = (
                f"an uploaded scenario may have at most {most} {key.replace('_', ' ')}, with what it extends"
                f" (this one has {len(entries)}): one server runs every participant's scenario"
            )
            problems.append((key, message))
    if problems:
        raise UploadError(shown, problems)
