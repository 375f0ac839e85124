"""Grouped reductions over index arrays, with an optional leading batch axis.

The model keeps relations as flat index arrays (tie ends, programme memberships) rather than
matrices, so every step costs time in proportion to the number of ties, never the square of the
number of actors. These helpers sum, average or test values by group along the last axis; any
leading axes (a batch of runs) are carried through unchanged.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["segment_any", "segment_count", "segment_mean", "segment_sum"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]


_OFFSETS: dict[tuple[int, int, bytes], IntArray] = {}


def _batch_offsets(rows: int, ids: IntArray, n: int) -> IntArray:
    """Flat bin index of every (row, entry) pair; cached, since a run's index arrays never change."""
    key = (rows, n, ids.tobytes())
    offsets = _OFFSETS.get(key)
    if offsets is None:
        if len(_OFFSETS) > 512:
            _OFFSETS.clear()
        offsets = (np.arange(rows, dtype=np.intp)[:, None] * n + ids[None, :]).ravel()
        _OFFSETS[key] = offsets
    return offsets


def segment_sum(values: NDArray[np.float64] | NDArray[np.bool_], ids: IntArray, n: int) -> FloatArray:
    """Sum `values` (shape ``(..., K)``) into `n` groups given by `ids` (shape ``(K,)``).

    Entries are added in index order whatever the batch shape, so a run's sums are the same to
    the last bit alone or in a batch.

    Returns:
        Array of shape ``(..., n)``; groups with no member sum to 0.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 1:
        return np.bincount(ids, weights=values, minlength=n).astype(np.float64)
    lead = values.shape[:-1]
    rows = int(np.prod(lead))
    summed = np.bincount(_batch_offsets(rows, ids, n), weights=values.reshape(-1), minlength=rows * n)
    return summed.reshape(*lead, n)


def segment_count(mask: NDArray[np.bool_], ids: IntArray, n: int) -> FloatArray:
    """Count the True entries of `mask` (shape ``(..., K)``) per group."""
    return segment_sum(mask, ids, n)


def segment_mean(
    values: FloatArray, mask: NDArray[np.bool_] | FloatArray, ids: IntArray, n: int, empty: float = 0.0
) -> FloatArray:
    """Average `values` per group, counting each entry with its weight in `mask`.

    Args:
        values: Values of shape ``(..., K)``.
        mask: Which entries count (booleans), or how much each counts (weights >= 0, e.g. a
            member's intensity of participation), shape broadcastable to `values`.
        ids: Group of each entry, shape ``(K,)``.
        n: Number of groups.
        empty: Value given to groups whose entries all have weight 0.

    Returns:
        Array of shape ``(..., n)``: ``sum(w * v) / sum(w)`` per group.
    """
    values, weight = np.broadcast_arrays(np.asarray(values, dtype=np.float64), np.asarray(mask, dtype=np.float64))
    total = segment_sum(np.where(weight > 0, values * weight, 0.0), ids, n)
    count = segment_sum(weight, ids, n)
    return np.where(count > 0, total / np.where(count > 0, count, 1.0), empty)


def segment_any(mask: NDArray[np.bool_], ids: IntArray, n: int) -> NDArray[np.bool_]:
    """Return, per group, whether any entry of `mask` (shape ``(..., K)``) is True."""
    return segment_count(mask, ids, n) > 0
