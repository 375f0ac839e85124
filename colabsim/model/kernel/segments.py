"""Kernel counterparts of `colabsim.model.rules.segments`, and numpy's arithmetic where it matters.

Grouped sums add entries in index order from 0.0, as ``np.bincount`` does, so sums are the same to
the last bit. `pairwise_sum` is numpy's own summation of a contiguous axis (``np.sum``, ``mean``):
blocks of eight partial sums up to 128 entries, halves above. `minimum`, `maximum` and `clip`
propagate NaN as numpy's do (Python's ``min`` and ``max`` would drop it).
"""

from __future__ import annotations

import numpy as np

from colabsim.model.kernel._jit import njit

__all__ = [
    "clip",
    "maximum",
    "minimum",
    "pairwise_sum",
    "segment_any",
    "segment_count",
    "segment_mean",
    "segment_sum",
]


@njit
def minimum(a: float, b: float) -> float:
    """``np.minimum`` of two floats (NaN if either is NaN)."""
    if a != a:
        return a
    if b != b:
        return b
    return a if a <= b else b


@njit
def maximum(a: float, b: float) -> float:
    """``np.maximum`` of two floats (NaN if either is NaN)."""
    if a != a:
        return a
    if b != b:
        return b
    return a if a >= b else b


@njit
def clip(a: float, low: float, high: float) -> float:
    """``np.clip`` of a float (``minimum(maximum(a, low), high)``)."""
    return minimum(maximum(a, low), high)


@njit
def _entry(values: np.ndarray, mask: np.ndarray | None, i: int) -> float:
    """``where(mask, values, 0.0)[i]``, or ``values[i]`` without a mask (the branch is compiled away)."""
    if mask is None:
        return values[i]
    return values[i] if mask[i] else 0.0


@njit
def _pairwise_block(values: np.ndarray, mask: np.ndarray | None, start: int, n: int) -> float:
    """Sum at most 128 entries as numpy's pairwise summation does entries (eight partial sums from eight entries on)."""
    if n < 8:
        total = 0.0
        for i in range(start, start + n):
            total += _entry(values, mask, i)
        return total
    r0 = _entry(values, mask, start)
    r1 = _entry(values, mask, start + 1)
    r2 = _entry(values, mask, start + 2)
    r3 = _entry(values, mask, start + 3)
    r4 = _entry(values, mask, start + 4)
    r5 = _entry(values, mask, start + 5)
    r6 = _entry(values, mask, start + 6)
    r7 = _entry(values, mask, start + 7)
    i = start + 8
    stop = start + n - n % 8
    while i < stop:
        r0 += _entry(values, mask, i)
        r1 += _entry(values, mask, i + 1)
        r2 += _entry(values, mask, i + 2)
        r3 += _entry(values, mask, i + 3)
        r4 += _entry(values, mask, i + 4)
        r5 += _entry(values, mask, i + 5)
        r6 += _entry(values, mask, i + 6)
        r7 += _entry(values, mask, i + 7)
        i += 8
    total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < start + n:
        total += _entry(values, mask, i)
        i += 1
    return total


@njit
def pairwise_sum(values: np.ndarray, mask: np.ndarray | None, start: int, n: int, stack: np.ndarray) -> float:
    """Sum ``where(mask, values, 0.0)[start:start + n]`` exactly as numpy does (pairwise summation).

    `mask` may be None (every entry counts) or an array whose nonzero entries count. Above 128
    entries numpy sums the two halves (the first a multiple of 8 long) and adds them; this walks
    the same tree with `stack` (float64, ``(4, 64)``) as its stack of frames, since numba's cache
    cannot hold a recursive function and the kernel allocates nothing.
    """
    if n <= 128:
        return _pairwise_block(values, mask, start, n)
    # Frames of the tree: start, length, the left half's sum once known, whether it is known.
    starts, lengths, lefts, done_left = stack[0], stack[1], stack[2], stack[3]
    top = 0
    starts[0], lengths[0], done_left[0] = start, n, 0.0
    while True:
        length = int(lengths[top])
        if length > 128:
            half = length // 2
            half -= half % 8
            top += 1
            starts[top], lengths[top], done_left[top] = starts[top - 1], half, 0.0
            continue
        value = _pairwise_block(values, mask, int(starts[top]), length)
        top -= 1
        # Hand the finished sum up: a left half waits for its right half, a right half completes its parent.
        while top >= 0 and done_left[top] > 0:
            value = lefts[top] + value
            top -= 1
        if top < 0:
            return value
        lefts[top], done_left[top] = value, 1.0
        half = int(lengths[top]) // 2
        half -= half % 8
        top += 1
        starts[top], lengths[top], done_left[top] = starts[top - 1] + half, lengths[top - 1] - half, 0.0


@njit
def segment_sum(values: np.ndarray, ids: np.ndarray, n: int, out: np.ndarray) -> np.ndarray:
    """Sum `values` (shape ``(K,)``) into `n` groups given by `ids`; writes and returns `out[:n]`."""
    for g in range(n):
        out[g] = 0.0
    for i in range(ids.shape[0]):
        out[ids[i]] += values[i]
    return out


@njit
def segment_count(mask: np.ndarray, ids: np.ndarray, n: int, out: np.ndarray) -> np.ndarray:
    """Count the True entries of `mask` per group; writes and returns `out` (floats)."""
    for g in range(n):
        out[g] = 0.0
    for i in range(ids.shape[0]):
        out[ids[i]] += 1.0 if mask[i] else 0.0
    return out


@njit
def segment_mean(
    values: np.ndarray, mask: np.ndarray, ids: np.ndarray, n: int, empty: float, count: np.ndarray, out: np.ndarray
) -> np.ndarray:
    """Average `values` per group, each entry counted with its weight in `mask` (`empty` for none).

    ``sum(w * v) / sum(w)`` per group; booleans weigh 0 or 1. `count` receives each group's total
    weight (scratch the caller may read).
    """
    for g in range(n):
        out[g] = 0.0
        count[g] = 0.0
    for i in range(ids.shape[0]):
        g = ids[i]
        weight = 1.0 * mask[i]
        out[g] += values[i] * weight if weight > 0 else 0.0
        count[g] += weight
    for g in range(n):
        out[g] = out[g] / count[g] if count[g] > 0 else empty
    return out


@njit
def segment_any(mask: np.ndarray, ids: np.ndarray, n: int, out: np.ndarray) -> np.ndarray:
    """Per group, whether any entry of `mask` is True; writes and returns `out` (bool)."""
    for g in range(n):
        out[g] = False
    for i in range(ids.shape[0]):
        if mask[i]:
            out[ids[i]] = True
    return out
