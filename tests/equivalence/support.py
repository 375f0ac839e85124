"""Shared helpers of the kernel's equivalence tests: inputs in kernel form, and the comparison.

The numpy rules are the specification; every kernel counterpart must give the same discrete
results exactly and the same floats to `TOLERANCE` (numpy's ``power`` may differ from the C
library's ``pow`` in the last bit). These tests need numba: without it (or with
``COLABSIM_KERNEL=off``) they are skipped, and the numpy engine is tested by the rest of the suite.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from colabsim.model import kernel
from colabsim.model.structure import Structure
from colabsim.scenario.parameters import Parameters

if not kernel.available():
    pytest.skip(f"the compiled kernel is not in use: {kernel.unavailable_reason()}", allow_module_level=True)

from colabsim.model.kernel.layout import (
    KernelStructure,
    Work,
    kernel_structure,
    level_rows,
    new_work,
    parameter_rows,
)
from colabsim.model.kernel.pcg64 import states_of

__all__ = ["TOLERANCE", "Kernel", "assert_same", "stream_pair"]

#: Relative and absolute tolerance of a float computed by a kernel rule against its numpy rule.
TOLERANCE = 1e-12


class Kernel:
    """One structure, factor levels and parameters in kernel form, with scratch space."""

    def __init__(self, structure: Structure, levels: dict[str, float], params: Parameters) -> None:
        self.s: KernelStructure = kernel_structure(structure)
        self.levels = level_rows(levels, 1)[0]
        self.params = parameter_rows(params, 1)[0]
        self.work: Work = new_work(self.s)

    def floats(self, *shape: int) -> np.ndarray:
        """An output array of floats (filled with NaN, so a value the rule forgot to write shows)."""
        return np.full(shape, np.nan)

    def bools(self, *shape: int) -> np.ndarray:
        """An output array of bools."""
        return np.zeros(shape, dtype=np.bool_)

    def ints(self, *shape: int) -> np.ndarray:
        """An output array of int64 (filled with -1)."""
        return np.full(shape, -1, dtype=np.int64)


def stream_pair(seed: int) -> tuple[np.random.Generator, np.ndarray]:
    """A numpy Generator and the kernel's copy of its PCG64 state (the same stream, twice)."""
    generator = np.random.Generator(np.random.PCG64(seed))
    return generator, states_of([generator])[0].copy()


def assert_same(expected: Any, got: Any, name: str) -> None:
    """Discrete values exactly equal, floats to `TOLERANCE`, shapes equal."""
    want = np.asarray(expected)
    have = np.asarray(got)
    assert have.shape == want.shape, f"{name}: shape {have.shape}, numpy gives {want.shape}"
    if want.dtype.kind in "biu":
        np.testing.assert_array_equal(have.astype(want.dtype), want, err_msg=name)
    else:
        np.testing.assert_allclose(have, want, rtol=TOLERANCE, atol=TOLERANCE, err_msg=name)
