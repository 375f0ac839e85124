"""Grouped reductions (`colabsim.model.rules.segments`): sums, counts, means and any by group."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from colabsim.model.rules.segments import segment_any, segment_count, segment_mean, segment_sum


@st.composite
def segment_cases(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    n = draw(st.integers(1, 6))
    k = draw(st.integers(0, 12))
    lead = draw(st.sampled_from([(), (1,), (3,), (2, 2)]))
    ids = draw(hnp.arrays(np.intp, (k,), elements=st.integers(0, n - 1)))
    values = draw(hnp.arrays(np.float64, (*lead, k), elements=st.floats(-100, 100)))
    mask = draw(hnp.arrays(np.bool_, (*lead, k)))
    return values, mask, ids, n


def _loop_sum(values: np.ndarray, ids: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros((*values.shape[:-1], n))
    for index in np.ndindex(*values.shape[:-1]):
        for j, group in enumerate(ids):
            out[(*index, group)] += values[(*index, j)]
    return out


@settings(max_examples=60)
@given(segment_cases())
def test_segment_reductions_match_python_loop(case: tuple[np.ndarray, np.ndarray, np.ndarray, int]) -> None:
    values, mask, ids, n = case
    lead = values.shape[:-1]
    total = segment_sum(values, ids, n)
    assert total.shape == (*lead, n)
    np.testing.assert_allclose(total, _loop_sum(values, ids, n), atol=1e-9)
    counts = segment_count(mask, ids, n)
    np.testing.assert_array_equal(counts, _loop_sum(mask.astype(float), ids, n))
    mean = segment_mean(values, mask, ids, n, empty=-7.0)
    assert mean.shape == (*lead, n)
    for index in np.ndindex(*lead):
        for group in range(n):
            chosen = [values[(*index, j)] for j in range(len(ids)) if ids[j] == group and mask[(*index, j)]]
            expected = np.mean(chosen) if chosen else -7.0
            assert mean[(*index, group)] == pytest.approx(expected, abs=1e-9)
            assert segment_any(mask, ids, n)[(*index, group)] == bool(chosen)


def test_segment_mean_with_unbatched_mask_and_batched_values() -> None:
    values = np.array([[1.0, 2.0, 3.0, 4.0], [10.0, 20.0, 30.0, 40.0]])  # (B=2, K=4)
    mask = np.array([True, False, True, True])  # shared by the batch
    ids = np.array([0, 0, 1, 1])
    np.testing.assert_allclose(segment_mean(values, mask, ids, 3), [[1.0, 3.5, 0.0], [10.0, 35.0, 0.0]])
    np.testing.assert_allclose(segment_sum(values, ids, 2), [[3.0, 7.0], [30.0, 70.0]])
