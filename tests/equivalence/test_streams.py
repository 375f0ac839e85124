"""The kernel's PCG64 draws numpy's doubles, and hands the stream back to numpy where it stopped."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from colabsim.model.kernel.pcg64 import random_into, restore, states_of
from colabsim.model.kernel.run import stream_states
from colabsim.model.streams import NOISE_SOURCES, run_streams, source_sequences

from .support import stream_pair


@settings(max_examples=200)
@given(st.integers(0, 2**128 - 1), st.integers(0, 300), st.integers(0, 50))
def test_kernel_draws_are_numpys_and_numpy_continues_where_the_kernel_stopped(seed: int, n: int, more: int) -> None:
    generator, stream = stream_pair(seed)
    reference = np.random.Generator(np.random.PCG64(seed))
    out = np.empty(n)
    random_into(stream, out)
    np.testing.assert_array_equal(out, reference.random(n))
    restore([generator], stream[None, :])
    np.testing.assert_array_equal(generator.random(more), reference.random(more))


def test_a_runs_stream_states_are_its_noise_sources_streams() -> None:
    seeds = [0, 7, 2**62 + 5]
    overrides = [{}, {"contacts": 3}, {"joining": 0, "turnover": 11}]
    states = stream_states(seeds, overrides)
    for r, seed in enumerate(seeds):
        streams = run_streams(seed, overrides[r])
        for k, name in enumerate(NOISE_SOURCES):
            np.testing.assert_array_equal(states[r, k], states_of([getattr(streams, name)])[0])
        assert list(source_sequences(seed, overrides[r])) == list(NOISE_SOURCES)


@settings(max_examples=100)
@given(st.lists(st.integers(0, 2**128 - 1) | st.integers(0, 2**40), min_size=1, max_size=6))
def test_runs_seeded_in_the_kernel_get_numpys_seed_sequence_streams(seeds: list[int]) -> None:
    fast = stream_states(seeds)
    slow = stream_states(seeds, [{"contacts": s} for s in seeds])  # an override: seeded through numpy
    np.testing.assert_array_equal(fast, slow)
