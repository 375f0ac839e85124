"""Run directories: where a command's results go, and the manifest that makes them reproducible.

A run directory holds ``manifest.json`` (versions, scenarios and their hashes, seeds, overrides,
command, timings), tidy CSV tables, ``figures/`` and ``report.md``. An existing directory with
files in it is never overwritten: results already written are not lost.
"""

from __future__ import annotations

import json
import platform
import sys
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from colabsim.model import kernel

__all__ = ["RunDirError", "environment", "new_run_dir", "write_manifest"]

_PACKAGES = ("colabsim", "mesa", "numpy", "numba", "pandas", "networkx", "scipy", "matplotlib", "pydantic", "SALib")


class RunDirError(ValueError):
    """The output directory cannot be used."""


def new_run_dir(out: Path | None, command: str, root: Path = Path("runs")) -> Path:
    """Create the run directory (and its ``figures/``) and return it.

    Args:
        out: The directory asked for, or None for ``runs/<command>-<UTC timestamp>``.
        command: The command name, used in the default directory name.
        root: Parent of default directories.

    Raises:
        RunDirError: If `out` exists and is not an empty directory.
    """
    if out is None:
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        out = root / f"{command}-{stamp}"
        suffix = 1
        while out.exists():
            suffix += 1
            out = root / f"{command}-{stamp}-{suffix}"
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise RunDirError(f"{out} already exists and is not empty; choose another --out (results there are kept)")
    try:
        (out / "figures").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RunDirError(f"cannot create {out}: {exc.strerror}") from None
    return out


def environment() -> dict[str, Any]:
    """Versions of Python, the platform and the packages results depend on, and the engine that ran.

    ``engine`` is ``kernel`` (the compiled kernel) or ``numpy`` with the reason (no numba,
    ``COLABSIM_KERNEL=off``): the two agree to rounding in the last bit.
    """
    packages: dict[str, str | None] = {}
    for name in _PACKAGES:
        try:
            packages[name] = version(name)
        except PackageNotFoundError:
            packages[name] = None
    engine = "kernel" if kernel.available() else f"numpy ({kernel.unavailable_reason()})"
    return {"python": sys.version.split()[0], "platform": platform.platform(), "packages": packages, "engine": engine}


def write_manifest(run_dir: Path, content: dict[str, Any]) -> Path:
    """Write ``manifest.json`` with `content` plus the environment."""
    path = run_dir / "manifest.json"
    path.write_text(
        json.dumps({**content, "environment": environment()}, indent=2, default=str) + "\n", encoding="utf-8"
    )
    return path
