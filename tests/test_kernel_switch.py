"""Which engine runs: the compiled kernel when numba imports, else the numpy engine, as COLABSIM_KERNEL says.

Each case runs in a fresh interpreter, since the choice is made once per process. "Without numba"
is an interpreter in which ``import numba`` fails, as on a machine where it is not installed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "darwin.toml"

#: Prints which engine ran and a summary value of a two-year run.
PROBE = f"""
import sys
if {{block}}:
    sys.modules["numba"] = None  # import numba now raises ImportError
import colabsim
from colabsim.model import kernel
try:
    used = kernel.available()
except kernel.KernelUnavailableError as exc:
    print("error:", exc)
    raise SystemExit(0)
scenario = colabsim.load_scenario({str(SCENARIO)!r})
result = colabsim.simulate(scenario, 5)
print(used, repr(kernel.unavailable_reason()), "numba" in sys.modules and sys.modules["numba"] is not None,
      round(float(result.summary["performance"]), 9))
"""


def probe(block: bool, setting: str | None) -> str:
    environment = {k: v for k, v in os.environ.items() if k != "COLABSIM_KERNEL"}
    if setting is not None:
        environment["COLABSIM_KERNEL"] = setting
    code = textwrap.dedent(PROBE.replace("{block}", str(block)))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment, check=True)
    return done.stdout.strip()


def test_without_numba_colabsim_runs_the_numpy_engine_and_says_why() -> None:
    out = probe(block=True, setting=None)
    assert out.startswith("False 'numba cannot be imported"), out
    assert out.split()[-2] == "False", "numba must not be imported at all"


def test_required_kernel_without_numba_is_a_clear_error() -> None:
    out = probe(block=True, setting="on")
    assert out.startswith("error: COLABSIM_KERNEL=on but numba cannot be imported"), out


def test_a_setting_that_is_not_understood_is_a_clear_error() -> None:
    out = probe(block=False, setting="fast")
    assert out == "error: COLABSIM_KERNEL='fast' is not understood; use on, off or auto", out


def test_switched_off_and_on_give_the_same_run() -> None:
    pytest.importorskip("numba")
    off = probe(block=False, setting="off")
    on = probe(block=False, setting="on")
    assert off.startswith("False 'switched off by COLABSIM_KERNEL=off'"), off
    assert on.startswith("True ''"), on
    assert off.split()[-1] == on.split()[-1]
