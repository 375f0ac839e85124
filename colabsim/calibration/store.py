"""A calibration's run folder: what it was run on, its generations as Parquet, and resuming.

``calibration.json`` records, when the run starts, what the posterior is conditional on: hashes
of the bands, the priors, the study's scenario files, the codebook (docs/coding/codings.toml), the
model (its source, the parameters' defaults, colabsim's version), the calibration file and the
budget, with the root seed. Each finished generation is written at once to
``generations/gen_NNN.parquet`` (through a temporary file, so Ctrl-C never leaves half a file).
``--resume`` reads them back after checking that every recorded hash still holds: a folder from
another model version or other bands is refused with the key that differs, and nothing in it is
touched.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from colabsim.calibration.abc import Generation
from colabsim.calibration.priors import PriorSet
from colabsim.experiments.store import unique_temporary
from colabsim.validation.fingerprint import report_fingerprint

__all__ = [
    "PRIORS_FILE",
    "STATE_FILE",
    "CalibrationError",
    "check_resume",
    "codebook_hash",
    "files_hash",
    "generation_frame",
    "model_version",
    "priors_hash",
    "read_generations",
    "read_priors",
    "write_generation",
    "write_priors",
    "write_state",
]

STATE_FILE = "calibration.json"
#: The priors themselves (``calibration.json`` has their hash), so that a comparison can reweight between runs.
PRIORS_FILE = "priors.json"
_GENERATIONS = "generations"


class CalibrationError(ValueError):
    """A calibration cannot go on as asked (a folder to resume from another model or other bands)."""


def files_hash(files: Iterable[Path]) -> str:
    """SHA-256 of files' names and contents."""
    sha = hashlib.sha256()
    for path in sorted(Path(f) for f in files):
        sha.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return sha.hexdigest()


def codebook_hash(scenario_dir: Path) -> str:
    """SHA-256 of the codebook (docs/coding/codings.toml beside the scenarios), or ``absent``."""
    codebook = scenario_dir.resolve().parent / "docs" / "coding" / "codings.toml"
    return files_hash([codebook]) if codebook.is_file() else "absent"


def model_version(scenario_files: Iterable[Path]) -> dict[str, str]:
    """The model's identity: its source, the scenario layer, the parameters' defaults and colabsim's version."""
    parts = report_fingerprint(scenario_files)
    keep = ("model source", "scenario layer source", "Parameters defaults", "colabsim version")
    return {k: parts[k] for k in keep}


def priors_hash(prior: PriorSet) -> str:
    """SHA-256 of the priors (what a posterior's draws came from)."""
    return hashlib.sha256(json.dumps(prior.rows(), sort_keys=True, default=str).encode()).hexdigest()


def write_priors(folder: Path, prior: PriorSet) -> None:
    """Write ``priors.json``: the priors, so that another run's posterior can be reweighted to them."""
    (folder / PRIORS_FILE).write_text(json.dumps(prior.rows(), indent=2) + "\n", encoding="utf-8")


def read_priors(folder: Path, recorded_hash: str | None) -> PriorSet | None:
    """The priors of the calibration in `folder`, or None if it wrote none or they differ from `recorded_hash`."""
    path = folder / PRIORS_FILE
    if not path.is_file():
        return None
    try:
        prior = PriorSet.from_rows(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError, KeyError):
        return None
    return prior if priors_hash(prior) == recorded_hash else None


def write_state(folder: Path, state: Mapping[str, Any]) -> None:
    """Write ``calibration.json``."""
    (folder / STATE_FILE).write_text(json.dumps(dict(state), indent=2, sort_keys=True) + "\n", encoding="utf-8")


def check_resume(folder: Path, state: Mapping[str, Any]) -> None:
    """Check that `folder` holds a calibration of the same model, bands, priors, scenarios and budget.

    Raises:
        CalibrationError: If the folder is not a calibration's, or a recorded hash or setting
            differs, naming the file, the key, what was recorded and what it is now.
    """
    path = folder / STATE_FILE
    if not path.is_file():
        raise CalibrationError(
            f"{folder}: no {STATE_FILE}, so this is no calibration's folder; --resume continues a "
            "folder that `colabsim calibrate` wrote (or leave out --resume to start one)"
        )
    try:
        recorded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CalibrationError(f"{path}: cannot be read ({exc}); start a new calibration with another --out") from None
    problems = []
    for key, value in _flat(state).items():
        before = _flat(recorded).get(key)
        if before != value:
            problems.append(f"{path}: {key}: recorded {_short(before)}, now {_short(value)}")
    if problems:
        raise CalibrationError(
            "\n".join(problems) + "\nthe posterior in this folder is conditional on what it recorded; it is left as it "
            "is. Start a new calibration with another --out (or restore what changed)."
        )


def _flat(mapping: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in mapping.items():
        if isinstance(value, Mapping):
            flat |= _flat(value, f"{prefix}{key}.")
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _short(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 20 else text[:16] + '..."'


def generation_frame(generation: Generation, coordinates: tuple[str, ...]) -> pd.DataFrame:
    """One generation as a table: a row per particle with its weight, distance, parameters and statistics."""
    frame = pd.DataFrame(generation.theta, columns=list(coordinates))
    frame.insert(0, "distance", generation.distances)
    frame.insert(0, "weight", generation.weights)
    frame.insert(0, "particle", np.arange(len(frame)))
    frame.insert(0, "generation", generation.index)
    for name, values in generation.statistics.items():
        frame[f"stat.{name}"] = values
    return frame


def write_generation(folder: Path, generation: Generation, coordinates: tuple[str, ...]) -> Path:
    """Write a finished generation to ``generations/gen_NNN.parquet`` (atomically), with its bookkeeping."""
    where = folder / _GENERATIONS
    where.mkdir(exist_ok=True)
    path = where / f"gen_{generation.index:03d}.parquet"
    frame = generation_frame(generation, coordinates)
    meta = {
        "epsilon": generation.epsilon,
        "proposed": generation.proposed,
        "seconds": generation.seconds,
        "complete": generation.complete,
    }
    temporary = unique_temporary(path)
    frame.to_parquet(temporary, index=False)
    (where / f"gen_{generation.index:03d}.json").write_text(json.dumps(meta) + "\n", encoding="utf-8")
    temporary.replace(path)
    return path


def read_generations(folder: Path, coordinates: tuple[str, ...]) -> list[Generation]:
    """The finished generations in a folder, in order (a generation whose file is missing ends the list)."""
    found = []
    index = 0
    while (folder / _GENERATIONS / f"gen_{index:03d}.parquet").is_file():
        frame = pd.read_parquet(folder / _GENERATIONS / f"gen_{index:03d}.parquet")
        meta = json.loads((folder / _GENERATIONS / f"gen_{index:03d}.json").read_text(encoding="utf-8"))
        statistics = {c.removeprefix("stat."): frame[c].to_numpy() for c in frame.columns if c.startswith("stat.")}
        found.append(
            Generation(
                index=index,
                epsilon=float(meta["epsilon"]),
                theta=frame[list(coordinates)].to_numpy(dtype=np.float64),
                weights=frame["weight"].to_numpy(dtype=np.float64),
                distances=frame["distance"].to_numpy(dtype=np.float64),
                statistics=statistics,
                proposed=int(meta["proposed"]),
                seconds=float(meta["seconds"]),
                complete=bool(meta["complete"]),
            )
        )
        index += 1
    return found
