#!/usr/bin/env python3
"""Set up and run colabsim's everyday tasks with nothing but Python (3.12 or newer).

    python3 dev.py compare   # set up, then compare Vlissingen and Darwin (30 replications, 200 codings), report
    python3 dev.py test      # set up, then run the linter, the type checker and the tests (two processes)

Set-up creates ``.venv`` beside this file and installs colabsim into it (with the development
tools), again only when ``pyproject.toml`` changed. Extra arguments after the task go to the
underlying command, e.g. ``python3 dev.py test -k patterns`` or ``python3 dev.py compare -r 50``
(arguments given to ``test`` replace its default ``-q -n 2 --dist loadfile`` and its second pass).

The compiled kernel's cache goes to ``.venv/numba-cache`` (``NUMBA_CACHE_DIR``, unless already
set): outside the source tree, and one per environment, so per numba version.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".colabsim-installed"
MINIMUM = (3, 12)
#: Where numba caches the compiled kernel (see the module's docstring).
NUMBA_CACHE = VENV / "numba-cache"


def _run(*command: str | Path, environment: dict[str, str] | None = None) -> int:
    shown = " ".join(f"{k}={v}" for k, v in (environment or {}).items())
    print("+", shown, " ".join(str(c) for c in command), flush=True)
    return subprocess.call([str(c) for c in command], cwd=ROOT, env={**os.environ, **(environment or {})})


def setup() -> None:
    """Create the virtual environment and install colabsim with its development tools."""
    if sys.version_info < MINIMUM:
        sys.exit(
            f"colabsim needs Python {MINIMUM[0]}.{MINIMUM[1]} or newer; this is {sys.version.split()[0]}.\n"
            "With pyenv, the .python-version file in this folder selects 3.12 (pyenv install 3.12); "
            "otherwise run this script with a newer interpreter, e.g. python3.12 dev.py ..."
        )
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() == wanted:
        return
    if not (BIN / "python").exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    python = BIN / "python"
    if _run(python, "-m", "pip", "install", "--quiet", "--upgrade", "pip") != 0:
        sys.exit("could not upgrade pip in .venv")
    if _run(python, "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[dev]") != 0:
        sys.exit("could not install colabsim into .venv (see pip's message above)")
    STAMP.write_text(wanted + "\n")


def task_compare(args: list[str]) -> int:
    """The main job: Vlissingen and the reformed Darwin against Darwin (30 runs each, 200 codings), report in runs/."""
    return _run(
        BIN / "colabsim",
        "compare",
        "scenarios/vlissingen.toml",
        "scenarios/darwin.toml",
        "scenarios/darwin_reformed.toml",
        "--replications",
        "30",
        # Differences against Darwin: Vlissingen's over the study's 2017-2022, the reformed Darwin's
        # over the ten years after the recommendations (each scenario's evaluation window).
        "--baseline",
        "darwin",
        # "How sure is this?": the same differences over 200 readings of the evidence (every factor
        # sampled in its coded range, docs/coding.md); about 8 s, P1's share to about +-3%.
        "--coding-robustness",
        "200",
        *args,
    )


#: pytest's options when none are given: two processes (pytest-xdist), each taking whole test files,
#: so a file's module-scoped fixtures are built once (4 min 12 s against 4 min 27 s serially, measured on
#: 2 cores that another session kept busy).
PYTEST_DEFAULTS = ("-q", "-n", "2", "--dist", "loadfile")

#: The tests run a second time on the numpy engine, the specification and the fallback without
#: numba (``COLABSIM_KERNEL=off``): the rules, the engine, batches, streams, the Mesa model and the
#: reference check. The first pass requires the compiled kernel (``COLABSIM_KERNEL=on``), so a
#: broken numba fails here instead of testing the numpy engine twice.
#: Compiles the kernel into numba's cache before the test processes start (they then load it).
WARM_UP = "from colabsim.model.kernel.bridge import warm_up; warm_up()"

NUMPY_PASS = (
    "tests/rules",
    "tests/test_batch.py",
    "tests/test_streams.py",
    "tests/test_model.py",
    "tests/test_model_interventions.py",
    "tests/test_datacollector.py",
    "tests/test_noise_sources.py",
    "tests/test_reference.py",
    "tests/equivalence",
)


def task_test(args: list[str]) -> int:
    """Lint, type-check, check the import layers and test; stop at the first failing stage."""
    for command in (
        (BIN / "ruff", "check", "."),
        (BIN / "ruff", "format", "--check", "."),
        (BIN / "mypy",),
        (BIN / "lint-imports",),
    ):
        status = _run(*command)
        if status != 0:
            return status
    pytest = (BIN / "python", "-m", "pytest")
    if args:
        return _run(*pytest, *args)
    # Compile the kernel once here (or load it from the cache), rather than in each test process.
    status = _run(BIN / "python", "-c", WARM_UP, environment={"COLABSIM_KERNEL": "on"})
    if status != 0:
        return status
    status = _run(*pytest, *PYTEST_DEFAULTS, environment={"COLABSIM_KERNEL": "on"})
    if status != 0:
        return status
    return _run(*pytest, *PYTEST_DEFAULTS, *NUMPY_PASS, environment={"COLABSIM_KERNEL": "off"})


TASKS = {"compare": task_compare, "test": task_test}


def main() -> int:
    """Run the task named on the command line."""
    if len(sys.argv) < 2 or sys.argv[1] not in TASKS:
        print(__doc__)
        return 2
    setup()
    os.environ.setdefault("NUMBA_CACHE_DIR", str(NUMBA_CACHE))
    return TASKS[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
