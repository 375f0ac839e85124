"""The batch engine: a run's numbers depend only on its seed and factors, never on its batch."""

from pathlib import Path

import numpy as np
import pytest

import colabsim
from colabsim.model.batch import run_batch

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


@pytest.mark.parametrize("name", ["vlissingen", "darwin", "darwin_reformed"])
def test_a_run_alone_and_inside_a_batch_are_identical(name):
    scenario = colabsim.load_scenario(SCENARIOS / f"{name}.toml")
    seeds = [11, 12, 13, 14]
    factor_sets = [{}, {"legal_frame": 0.9}, {"mediation": 0.0, "funds": 0.2}, {"admin_capacity": 1.0}]
    batch = run_batch(scenario, seeds, factor_sets)
    for run, (seed, factors) in enumerate(zip(seeds, factor_sets, strict=True)):
        single = colabsim.simulate(scenario.with_factors(**factors), seed)
        for metric, values in batch.summary.items():
            assert values[run] == single.summary[metric], (metric, run)
        for metric, values in batch.series.items():
            np.testing.assert_array_equal(values[run], single.timeseries[metric].to_numpy(), err_msg=metric)
        final = batch.run_state(run)
        np.testing.assert_array_equal(final.trust, single.ties["trust"].to_numpy())
        np.testing.assert_array_equal(final.commitment, single.actors["commitment"].to_numpy())


def test_results_do_not_depend_on_batch_composition():
    scenario = colabsim.load_scenario(SCENARIOS / "vlissingen.toml")
    big = run_batch(scenario, [5, 6, 7, 8, 9], [{}, {"kinship": 0.1}, {}, {"turnover": 1.0}, {}])
    small = run_batch(scenario, [9, 7], [{}, {}])
    for metric in big.summary:
        assert big.summary[metric][4] == small.summary[metric][0]
        assert big.summary[metric][2] == small.summary[metric][1]


def test_batch_keeps_scenario_overrides_and_holds_them_against_events():
    darwin = colabsim.load_scenario(SCENARIOS / "darwin.toml").with_factors(legal_frame=0.9)
    batch = run_batch(darwin, [1, 2], [{}, {"legal_frame": 0.5}])
    levels = batch.final_levels["legal_frame"]
    assert levels[0, 0] == pytest.approx(0.9)
    assert levels[1, 0] == pytest.approx(0.5)
    plain = run_batch(colabsim.load_scenario(SCENARIOS / "darwin.toml"), [1])
    assert plain.final_levels["legal_frame"][0, 0] == pytest.approx(0.15)


def test_bad_factor_sets_are_clear_errors():
    scenario = colabsim.load_scenario(SCENARIOS / "darwin.toml")
    with pytest.raises(colabsim.ScenarioError, match="unknown factor"):
        run_batch(scenario, [1], [{"luck": 0.5}])
    with pytest.raises(ValueError, match="factor sets"):
        run_batch(scenario, [1, 2], [{}])
    with pytest.raises(ValueError, match="at least one seed"):
        run_batch(scenario, [])


def test_synthetic_networks_are_valid_reproducible_and_run():
    from colabsim.scenario.synthetic import synthetic_scenario

    first = synthetic_scenario(200, seed=3, horizon_years=2)
    second = synthetic_scenario(200, seed=3, horizon_years=2)
    assert first.sha256 == second.sha256
    assert synthetic_scenario(200, seed=4, horizon_years=2).sha256 != first.sha256
    assert len(first.spec.actors) == 200
    result = run_batch(first, [1, 2])
    alone = colabsim.simulate(first, 2)
    assert result.summary["performance"][1] == alone.summary["performance"]
    assert np.all((result.series["trust"] >= 0) & (result.series["trust"] <= 1))
    with pytest.raises(ValueError, match="n_actors"):
        synthetic_scenario(5, seed=1)
