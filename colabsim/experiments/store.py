"""Durable experiment results: Parquet parts written as chunks finish, and a manifest.

Layout of a results directory::

    manifest.json          experiment, hashes, versions, seed, design, executor, timings, counts
    experiment.toml        a copy of the experiment file
    design.parquet         the design points
    parts/summary-000012.parquet   one file per finished chunk (runs 12 * chunk_size ...)
    parts/series-000012.parquet    monthly metrics, if the experiment keeps them

Each part is written to a temporary name unique to the writing process and renamed when complete,
so a killed experiment leaves only whole parts and two processes never write the same temporary
file; `--resume` runs just the chunks that have none. Any Parquet tool reads the parts. While an
experiment writes, its folder holds ``colabsim.lock`` (see `colabsim.experiments.lock`).
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

__all__ = ["ResultStore", "StoreError", "load_results", "unique_temporary"]

_PART = "{kind}-{chunk:06d}.parquet"


class StoreError(ValueError):
    """A results directory cannot be used as asked."""


def unique_temporary(path: Path) -> Path:
    """A temporary name beside `path`, unique to this process and call (``.NAME.PID.RANDOM.tmp``)."""
    return path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")


class ResultStore:
    """One experiment's results directory."""

    def __init__(self, root: Path) -> None:
        """Use `root` (created by `create` or read by `open`)."""
        self.root = Path(root)
        self.parts = self.root / "parts"

    @classmethod
    def create(cls, root: Path) -> ResultStore:
        """Make a new results directory; an existing non-empty one is never overwritten.

        Raises:
            StoreError: If `root` exists and is not empty.
        """
        if root.exists() and (not root.is_dir() or any(root.iterdir())):
            raise StoreError(f"{root} already exists and is not empty; use --resume to continue it, or another --out")
        (root / "parts").mkdir(parents=True, exist_ok=True)
        (root / "figures").mkdir(exist_ok=True)
        return cls(root)

    @classmethod
    def open(cls, root: Path) -> ResultStore:
        """Open an existing results directory (for resuming or reading).

        Raises:
            StoreError: If it has no manifest.
        """
        if not (root / "manifest.json").is_file():
            raise StoreError(f"{root} holds no experiment results (no manifest.json)")
        return cls(root)

    def remove_temporaries(self) -> None:
        """Delete temporary files a killed writer left behind (only while holding the folder's lock)."""
        for stale in [*self.parts.glob("*.tmp"), *self.root.glob(".*.tmp")]:
            stale.unlink(missing_ok=True)

    def manifest(self) -> dict[str, Any]:
        """The manifest as written."""
        return dict(json.loads((self.root / "manifest.json").read_text(encoding="utf-8")))

    def write_manifest(self, content: dict[str, Any]) -> None:
        """Write the manifest atomically."""
        self._atomic_write(self.root / "manifest.json", (json.dumps(content, indent=2, default=str) + "\n").encode())

    def write_part(self, kind: str, chunk: int, frame: pd.DataFrame) -> Path:
        """Write one chunk's table (``summary`` or ``series``) as a whole Parquet file."""
        path = self.parts / _PART.format(kind=kind, chunk=chunk)
        temporary = unique_temporary(path)
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), temporary)
        os.replace(temporary, path)
        return path

    def done_chunks(self) -> set[int]:
        """Chunks whose summary part exists."""
        return {int(p.stem.split("-")[1]) for p in self.parts.glob("summary-*.parquet")}

    def _atomic_write(self, path: Path, data: bytes) -> None:
        temporary = unique_temporary(path)
        temporary.write_bytes(data)
        os.replace(temporary, path)


def load_results(directory: str | Path, table: str = "summary") -> pd.DataFrame:
    """Load an experiment's results as one pandas table, one row per run (sorted by run).

    Args:
        directory: The results directory (``--out`` of ``colabsim sweep``).
        table: ``summary`` (one row per run) or ``series`` (one row per run and month).

    Raises:
        StoreError: If the directory holds no results of that kind.
    """
    store = ResultStore(Path(directory))
    if not store.parts.is_dir():
        raise StoreError(f"{directory} holds no experiment results (no parts/ folder)")
    files = sorted(store.parts.glob(f"{table}-*.parquet"))
    if not files:
        raise StoreError(f"{directory} holds no {table} results")
    frame = pd.concat([pq.read_table(f).to_pandas() for f in files], ignore_index=True)
    keys = ["run", "step"] if table == "series" else ["run"]
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)
