"""The scenarios a trainer can pick: the shipped files and one's own.

Shipped scenarios are the ``*.toml`` files of the ``scenarios/`` folders found (see
`scenario_dirs`), Vlissingen, Darwin and Darwin reformed first; the person starting the server may
add one file (``colabsim serve FILE``). A participant's own scenario comes by upload
(`Catalog.upload`, see `colabsim.app.upload`), never by a path on the server; a bad file gives the
validation error as text (`UploadError`, naming the uploaded file, the key and what is allowed),
never a traceback.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from colabsim.app.upload import UPLOAD_LIMIT, UploadError, digest_of, display_name, scenario_from_upload
from colabsim.scenario.loader import Scenario, ScenarioError, load_scenario

__all__ = ["MAX_UPLOADS", "Catalog", "Choice", "scenario_dirs"]

#: Shipped scenarios shown first, in this order; other files follow alphabetically.
FIRST = ("vlissingen", "darwin", "darwin_reformed")

#: Environment variable naming extra scenario folders (separated by the path separator).
ENV_DIRS = "COLABSIM_SCENARIOS"

#: Uploaded scenarios one session keeps (a further upload replaces the oldest).
MAX_UPLOADS = 10

#: Prefix of an uploaded scenario's key (a key, not a path: nothing is written to disk).
UPLOAD_KEY = "upload/"


@dataclass(frozen=True)
class Choice:
    """One scenario the picker offers.

    Attributes:
        key: Stable identifier: the file's resolved path, or ``upload/NAME`` for an upload.
        label: What the picker shows.
        scenario: The validated scenario.
        source: An upload's text, as uploaded (the browser keeps it, see `colabsim.app.restore`); "" for a file.
        digest: The SHA-256 of an upload's bytes (`colabsim.app.upload.digest_of`); "" for a file.
    """

    key: str
    label: str
    scenario: Scenario
    source: str = field(default="", repr=False, compare=False)
    digest: str = ""

    @property
    def short(self) -> str:
        """A short name for titles: the file name without ``.toml``."""
        return Path(self.key).stem


def scenario_dirs() -> list[Path]:
    """Folders searched for shipped scenarios, without duplicates.

    ``$COLABSIM_SCENARIOS`` first, then ``./scenarios`` (the working directory), then the
    ``scenarios`` folder beside the installed package (a source checkout).
    """
    candidates = [Path(p) for p in os.environ.get(ENV_DIRS, "").split(os.pathsep) if p]
    candidates.append(Path.cwd() / "scenarios")
    candidates.append(Path(__file__).resolve().parents[2] / "scenarios")
    found: list[Path] = []
    for folder in candidates:
        if folder.is_dir() and folder.resolve() not in found:
            found.append(folder.resolve())
    return found


def _order(path: Path) -> tuple[int, str]:
    return (FIRST.index(path.stem) if path.stem in FIRST else len(FIRST), path.name)


class Catalog:
    """The scenarios of one session: shipped files, then any uploaded.

    Args:
        dirs: Folders with shipped scenarios (default `scenario_dirs`).
        first: A scenario file to offer first and select (``colabsim serve FILE``).

    Attributes:
        choices: The scenarios offered, in picker order.
        problems: One message per shipped file that failed to load (shown, not raised).
    """

    def __init__(self, dirs: list[Path] | None = None, first: str | Path | None = None) -> None:
        """Load the shipped scenarios (and `first`)."""
        self.choices: list[Choice] = []
        self.problems: list[str] = []
        files: list[Path] = []
        for folder in scenario_dirs() if dirs is None else dirs:
            for path in sorted(folder.glob("*.toml"), key=_order):
                if path.resolve() not in files and path.stem != "_base":
                    files.append(path.resolve())
        for path in files:
            try:
                self._add(path, load_scenario(path))
            except ScenarioError as exc:
                self.problems.append(str(exc))
        self.default_key = self.choices[0].key if self.choices else ""
        if first is not None:
            path = Path(first)
            self.default_key = self._add(path, load_scenario(path)).key

    def _add(self, path: Path, scenario: Scenario, key: str = "", data: bytes = b"") -> Choice:
        key = key or str(path.resolve())
        label = scenario.name
        if any(c.label == label and c.key != key for c in self.choices):
            label = f"{label} ({path.name})"
        # An upload that passed validation is UTF-8 (a BOM included), so its text gives back the same bytes.
        choice = Choice(key, label, scenario, data.decode("utf-8"), digest_of(data) if data else "")
        for i, existing in enumerate(self.choices):
            if existing.key == key:
                self.choices[i] = choice
                return choice
        self.choices.append(choice)
        return choice

    def shipped(self) -> dict[str, Scenario]:
        """The scenarios an upload may extend, by file name (the server's files, not uploads)."""
        return {Path(c.key).name: c.scenario for c in self.choices if not c.key.startswith(UPLOAD_KEY)}

    def upload(self, name: object, data: bytes) -> Choice:
        """Validate an uploaded scenario file and offer it (an upload of the same name replaces it).

        Args:
            name: The file name the browser gave.
            data: The bytes read (at most `UPLOAD_LIMIT` + 1, see `colabsim.app.upload.read_limited`).

        Raises:
            UploadError: If the file is too large, not text, not TOML or not a valid scenario.
        """
        if not data:
            raise UploadError(display_name(name), [("", "the file is empty; upload a scenario file (.toml)")])
        scenario = scenario_from_upload(name, data, self.shipped(), UPLOAD_LIMIT)
        key = UPLOAD_KEY + display_name(name)
        uploads = [c for c in self.choices if c.key.startswith(UPLOAD_KEY) and c.key != key]
        if len(uploads) >= MAX_UPLOADS:
            self.choices.remove(uploads[0])
        return self._add(Path(display_name(name)), scenario, key, data)

    def get(self, key: str) -> Choice:
        """The choice with identifier `key`.

        Raises:
            KeyError: If no scenario has that key.
        """
        for choice in self.choices:
            if choice.key == key:
                return choice
        raise KeyError(key)

    def labels(self) -> dict[str, str]:
        """Label by key, in picker order."""
        return {c.key: c.label for c in self.choices}

    def find(self, stem: str) -> Choice | None:
        """The first choice whose file is called ``stem.toml``, if any."""
        return next((c for c in self.choices if c.short == stem), None)
