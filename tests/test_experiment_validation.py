"""Experiment files checked whole before the first run: one defect per file, each a clear error.

Every file in ``tests/bad_experiments/`` (other than ``_base.toml``, a valid experiment the others
vary) breaks one rule. Loading it must raise `colabsim.ScenarioError` naming the file, the key
path at fault and what is allowed, before any design is built or run is made.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from colabsim import ScenarioError
from colabsim.experiments import experiment as experiment_module
from colabsim.experiments.checks import DEFAULT_MAX_RUNS, design_size
from colabsim.experiments.experiment import load_experiment
from colabsim.experiments.suggest import did_you_mean

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "bad_experiments"

#: file -> (key path the message must name, phrase saying what is wrong or allowed).
BAD_FILES: dict[str, tuple[str, str]] = {
    "invalid_toml_syntax.toml": ("line 1", "not valid TOML"),
    "unknown_top_level_key.toml": ("colour", "allowed keys: experiment, factors, design"),
    "misspelt_table.toml": ("output", "did you mean 'outputs'?"),
    "missing_experiment_table.toml": ("experiment", "required key is missing"),
    "missing_name.toml": ("experiment.name", "required key is missing"),
    "empty_name.toml": ("experiment.name", "at least 1 character"),
    "missing_seed.toml": ("experiment.seed", "required key is missing"),
    "negative_seed.toml": ("experiment.seed", "greater than or equal to 0"),
    "seed_as_string.toml": ("experiment.seed", "must be a whole number"),
    "zero_replications.toml": ("experiment.replications", "greater than or equal to 1"),
    "too_many_replications.toml": ("experiment.replications", "less than or equal to 100000"),
    "misspelt_replications.toml": ("experiment.replicatons", "did you mean 'replications'?"),
    "scenario_missing_file.toml": ("experiment.scenario", "does not exist"),
    "scenario_is_folder.toml": ("experiment.scenario", "is a folder"),
    "scenario_not_toml.toml": ("experiment.scenario", "a scenario is a .toml file"),
    "scenario_invalid.toml": ("experiment.scenario", "factors.kinship"),
    "scenario_is_experiment.toml": ("experiment.scenario", "is an experiment file"),
    "no_factors.toml": ("factors", "at least 1 item"),
    "unknown_factor.toml": ("factors", "did you mean 'legal_frame'?"),
    "reversed_range.toml": ("factors", "low < high"),
    "range_beyond_bounds.toml": ("factors", "high <= 1.0"),
    "range_of_three_values.toml": ("factors", "needs [low, high]"),
    "range_as_number.toml": ("factors.legal_frame", "must be a list"),
    "unknown_method.toml": ("design.method", "must be one of: 'grid', 'lhs', 'sobol', 'morris' or 'table'"),
    "missing_method.toml": ("design.method", "required key is missing"),
    "lhs_without_points.toml": ("design", "needs 'points'"),
    "lhs_zero_points.toml": ("design", "a whole number of points (at least 1)"),
    "lhs_points_as_table.toml": ("design", "a whole number of points"),
    "lhs_with_levels.toml": ("design.levels", "not used by method 'lhs', which reads: points"),
    "lhs_too_large.toml": ("design", "2,000,000,000,000 runs, above the limit of 1,000,000"),
    "grid_without_levels.toml": ("design", "needs 'levels'"),
    "grid_one_level.toml": ("design.levels", "greater than or equal to 2"),
    "grid_too_large.toml": ("design", "1,000,000 points x 2 replications = 2,000,000 runs"),
    "grid_with_points.toml": ("design.points", "not used by method 'grid'"),
    "sobol_not_power_of_two.toml": ("design.base_samples", "power of 2 (e.g. 64 or 128)"),
    "sobol_without_base_samples.toml": ("design", "needs 'base_samples'"),
    "sobol_with_trajectories.toml": ("design.trajectories", "not used by method 'sobol'"),
    "sobol_groups_of_one_dimension.toml": ("design.groups", "at least two dimensions"),
    "sobol_unknown_groups.toml": ("design.groups", "must be one of: 'dimension'"),
    "sobol_second_order_as_string.toml": ("design.second_order", "must be true or false"),
    "morris_odd_levels.toml": ("design", "even number of levels"),
    "morris_without_trajectories.toml": ("design", "needs 'trajectories'"),
    "morris_with_base_samples.toml": ("design.base_samples", "not used by method 'morris'"),
    "morris_one_trajectory.toml": ("design.trajectories", "greater than or equal to 2"),
    "morris_one_factor.toml": ("factors", "at least two varied factors"),
    "table_without_points.toml": ("design", "needs 'points'"),
    "table_point_missing_factor.toml": ("design.points[0]", "needs exactly the varied factors"),
    "table_point_outside_range.toml": ("design.points[1].legal_frame", "outside the factor's range"),
    "empty_summary.toml": ("outputs.summary", "keeps no output"),
    "unknown_summary_metric.toml": ("outputs.summary", "did you mean 'performance'?"),
    "summary_as_string.toml": ("outputs.summary", "must be a list"),
    "unknown_series_metric.toml": ("outputs.series", "unknown monthly metric"),
    "analysed_output_not_kept.toml": ("analysis.outputs", "analysed but not kept"),
    "analysis_misspelt_key.toml": ("analysis.ofat_level", "did you mean 'ofat_levels'?"),
    "analysis_negative_ofat_levels.toml": ("analysis.ofat_levels", "greater than or equal to 0"),
    "set_unknown_factor.toml": ("set.luck", "unknown factor"),
    "set_out_of_range.toml": ("set.kinship", "allowed: 0.0 to 1.0"),
    "set_and_varied.toml": ("set", "both varied and set"),
}


def test_every_bad_file_has_an_expectation_and_there_are_forty():
    on_disk = {p.name for p in BAD.glob("*.toml")} - {"_base.toml"}
    assert on_disk == set(BAD_FILES)
    assert len(on_disk) >= 40


def test_the_base_of_the_bad_files_is_valid():
    # Otherwise a bad file could fail for the base's fault rather than its own.
    experiment = load_experiment(BAD / "_base.toml")
    assert experiment.total_runs == 16 and experiment.factor_names == ["legal_frame", "commitment"]


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_a_bad_experiment_file_is_a_clear_error_before_any_design_is_built(name, monkeypatch):
    def no_design(*args, **kwargs):
        raise AssertionError("the design was built before the file was checked")

    monkeypatch.setattr(experiment_module, "_points", no_design)
    key, phrase = BAD_FILES[name]
    with pytest.raises(ScenarioError) as info:
        load_experiment(BAD / name)
    message = str(info.value)
    assert info.value.path == BAD / name and name in message
    assert key in message, message
    assert phrase in message, message


def test_the_size_limit_is_stated_and_can_be_raised():
    path = BAD / "grid_too_large.toml"
    with pytest.raises(ScenarioError, match=r"--max-runs 2000000") as info:
        load_experiment(path)
    assert "on one core" in str(info.value) and "MB" in str(info.value)
    experiment = load_experiment(BAD / "_base.toml", max_runs=16)
    assert experiment.total_runs == 16
    with pytest.raises(ScenarioError, match="above the limit of 15 runs"):
        load_experiment(BAD / "_base.toml", max_runs=15)


@pytest.mark.parametrize(
    ("design", "points"),
    [
        ({"method": "grid", "levels": 3}, 9),
        ({"method": "lhs", "points": 11}, 11),
        ({"method": "sobol", "base_samples": 8}, 8 * (2 + 2)),
        ({"method": "sobol", "base_samples": 8, "second_order": True}, 8 * (2 * 2 + 2)),
        ({"method": "morris", "trajectories": 5}, 5 * 3),
    ],
)
def test_the_size_computed_before_building_is_the_size_built(tmp_path, design, points):
    base = (BAD / "_base.toml").read_text().replace("../../scenarios/", f"{ROOT}/scenarios/")
    lines = "\n".join(f"{k} = {str(v).lower() if isinstance(v, bool) else repr(v)}" for k, v in design.items())
    path = tmp_path / "e.toml"
    path.write_text(base.replace('method = "lhs"\npoints = 8', lines.replace("'", '"')))
    experiment = load_experiment(path)
    assert design_size(experiment.spec) == len(experiment.points) == points
    assert DEFAULT_MAX_RUNS >= 1_000_000


def test_did_you_mean_finds_the_closest_name_or_nothing():
    assert did_you_mean("legal_fram", ["legal_frame", "leadership"]) == " (did you mean 'legal_frame'?)"
    assert did_you_mean("rn", ["run", "compare", "sweep"]) == " (did you mean 'run'?)"
    assert did_you_mean("zzzz", ["run", "compare"]) == ""
