"""One random stream per noise source: how a seed maps to streams, batches, per-source overrides."""

from pathlib import Path

import numpy as np
import pytest

import colabsim
from colabsim.model.batch import run_batch
from colabsim.model.streams import NOISE_SOURCES, BatchSource, batch_streams, run_streams, source_sequences
from colabsim.scenario.loader import scenario_from_dict

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def _draws(streams, size, months=30):
    """Each source's first draws, taken month by month as the engine does."""
    return {
        name: np.concatenate([getattr(streams, name).random(size) for _ in range(months)], axis=-1)
        for name in NOISE_SOURCES
    }


def test_a_seed_maps_to_pcg64_children_of_its_seed_sequence():
    streams = run_streams(42)
    children = np.random.SeedSequence(42).spawn(len(NOISE_SOURCES))
    for name, child in zip(NOISE_SOURCES, children, strict=True):
        expected = np.random.Generator(np.random.PCG64(child)).random(5)
        np.testing.assert_array_equal(getattr(streams, name).random(5), expected, err_msg=name)
    # A SeedSequence is the same as its integer, and handing it in twice gives the same streams.
    sequence = np.random.SeedSequence(42)
    for _ in range(2):
        assert run_streams(sequence).contacts.random(3).tolist() == run_streams(42).contacts.random(3).tolist()


def test_sources_are_independent_streams():
    first = _draws(run_streams(7), (4,), months=1)
    values = [tuple(v) for v in first.values()]
    assert len(set(values)) == len(NOISE_SOURCES)


def test_holding_all_sources_but_one_changes_only_that_sources_draws():
    held = _draws(run_streams(3), (6,))
    redrawn = _draws(run_streams(3, {"contacts": 11}), (6,))
    donor = _draws(run_streams(11), (6,))
    for name in NOISE_SOURCES:
        if name == "contacts":
            assert not np.array_equal(redrawn[name], held[name])
            np.testing.assert_array_equal(redrawn[name], donor[name])
        else:
            np.testing.assert_array_equal(redrawn[name], held[name], err_msg=name)


def test_batch_sources_serve_each_runs_own_stream_in_any_grouping():
    seeds = [5, 6, 7]
    overrides = [{}, {"defection": 99}, {}]
    batch = batch_streams(seeds, overrides)
    # Uneven requests, some larger than a block, must still give each run its stream in order.
    sizes = [(3,), (3, 5), (3, 5000), (3, 2, 3), (3, 0), (3, 9000)]
    got = {name: [getattr(batch, name).random(size) for size in sizes] for name in NOISE_SOURCES}
    for run, seed in enumerate(seeds):
        alone = run_streams(seed, overrides[run])
        for name in NOISE_SOURCES:
            for size, values in zip(sizes, got[name], strict=True):
                np.testing.assert_array_equal(values[run], getattr(alone, name).random(size[1:]), err_msg=name)


def test_draws_handed_out_stay_valid_after_a_refill():
    source = BatchSource(source_sequences(1).values())
    kept = source.random((len(source), 3)).copy()
    view = source.random((len(source), 3))
    copy = view.copy()
    source.random((len(source), 100_000))  # several refills
    np.testing.assert_array_equal(view, copy)
    assert not np.array_equal(kept, copy)


def test_bad_seeds_and_sources_are_clear_errors():
    with pytest.raises(ValueError, match=r"unknown noise source.*contact.*the sources are turnover"):
        run_streams(1, {"contact": 2})
    with pytest.raises(ValueError, match="integer >= 0"):
        run_streams(-1)
    with pytest.raises(ValueError, match="seed of noise source 'turnover'"):
        run_streams(1, {"turnover": 1.5})
    with pytest.raises(ValueError, match="2 sets of noise-source seeds for 1 seeds"):
        batch_streams([1], [{}, {}])
    with pytest.raises(ValueError, match="batch of 2 runs"):
        batch_streams([1, 2]).contacts.random((3, 1))


def test_a_run_with_a_source_override_is_the_same_alone_and_in_a_batch():
    scenario = colabsim.load_scenario(SCENARIOS / "vlissingen.toml")
    batch = run_batch(scenario, [1, 1, 1], source_seeds=[{}, {"contacts": 2}, {"defection": 2}])
    for run, override in enumerate([{}, {"contacts": 2}, {"defection": 2}]):
        single = colabsim.simulate(scenario, 1, source_seeds=override)
        for metric, values in batch.series.items():
            np.testing.assert_array_equal(values[run], single.timeseries[metric].to_numpy(), err_msg=metric)
    # Redrawing a source changes the run; redrawing one the run never uses does not.
    assert not np.array_equal(batch.series["trust"][0], batch.series["trust"][1])
    raw = scenario.spec.model_dump()
    raw["parameters"]["turnover_rate"] = 0.0
    pair = run_batch(scenario_from_dict(raw), [4, 4, 4], source_seeds=[{}, {"turnover": 5}, {"contacts": 5}])
    for metric, values in pair.series.items():
        np.testing.assert_array_equal(values[0], values[1], err_msg=metric)
    assert not np.array_equal(pair.series["trust"][0], pair.series["trust"][2])
