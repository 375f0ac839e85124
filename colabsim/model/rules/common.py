"""Types shared by the rule functions.

A rule takes arrays whose last axis runs over actors (N), ties (E), programmes (P) or
memberships (M); any leading axes are a batch of runs. Factor levels come as a mapping from factor
name to a float (one run) or to an array of shape ``(B, 1)`` (a batch of B runs), so that they
broadcast against ``(B, E)`` arrays. Random rules draw only through ``rng.random(shape)``, which a
batch engine can serve from one generator per run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

__all__ = ["BoolArray", "FloatArray", "IntArray", "Levels", "UniformSource"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.intp]
Levels = Mapping[str, "float | FloatArray"]


class UniformSource(Protocol):
    """Anything that draws uniform numbers in [0, 1) of a given shape (a numpy Generator does)."""

    def random(self, size: tuple[int, ...]) -> FloatArray:  # pragma: no cover - protocol
        """Return uniform draws of shape `size`."""
        ...
