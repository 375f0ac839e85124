"""Known answers for the validation's machinery: bands, windows, Shapley values, batches, levers, samples."""

from __future__ import annotations

import math

import numpy as np
import pytest

from colabsim.model.batch import run_batch
from colabsim.scenario.parameters import PARAMETER_BOUNDS, Parameters
from colabsim.stats import Estimate
from colabsim.validation import runs
from colabsim.validation.fingerprint import compare_fingerprints, read_fingerprint, render_fingerprint
from colabsim.validation.levers import lever_events, time_to_half
from colabsim.validation.measure import ratio_estimate, share_estimate
from colabsim.validation.patterns import PATTERNS, Band, judge
from colabsim.validation.runs import Arm, run_arms, window_means
from colabsim.validation.shapley import coalitions, shapley_values
from colabsim.validation.study import STUDY_FILES, StudyError, load_study
from colabsim.validation.technical import SPREAD, sample_parameters
from colabsim.validation.windows import STUDY_WINDOW, Window, window_mean


@pytest.fixture(scope="module")
def study():
    return load_study()


@pytest.mark.parametrize(
    ("band", "estimate", "holds"),
    [
        (Band(0.05, 0.45), Estimate(0.1, 0.06, 0.2), True),
        (Band(0.05, 0.45), Estimate(0.1, 0.04, 0.2), False),  # the CI reaches below the band
        (Band(low=0.15), Estimate(0.2, 0.15, 0.25), True),  # inclusive
        (Band(low=0.0, open=True), Estimate(0.0, 0.0, 0.0), False),  # a CI excluding 0
        (Band(high=0.1, on="value"), Estimate(0.1, 0.0, 0.9), True),  # the point, not the CI
        (Band(low=1.0, on="value"), Estimate(0.99, 1.5, 1.6), False),
        (Band(0.0, 1.0), Estimate(math.nan, math.nan, math.nan), False),  # nothing measured
    ],
)
def test_a_band_holds_for_the_ci_or_the_point_as_it_says(band, estimate, holds):
    assert band.holds(estimate) is holds


def test_bands_read_as_the_report_writes_them():
    assert Band(0.05, 0.45).text() == "CI within [0.05, 0.45]"
    assert Band(low=0.0, open=True).text() == "CI > 0"
    assert Band(high=0.1, on="value").text() == "value <= 0.1"


def test_judging_uses_replacement_bands_and_refuses_a_pattern_measured_in_part():
    estimates = {c.key: Estimate(0.2, 0.16, 0.24) for c in PATTERNS[1].criteria}  # P2 only
    (p2,) = judge(estimates)
    assert p2.pattern.id == "P2" and p2.passed
    (strict,) = judge(estimates, {"p2_drop_share": Band(low=0.2)})
    assert not strict.passed and strict.failing[0].band == Band(low=0.2)
    with pytest.raises(KeyError, match="P1 measured in part"):
        judge({"p1_ratio": Estimate(5, 4, 6)})


def test_every_criterion_key_is_unique():
    keys = [c.key for p in PATTERNS for c in p.criteria]
    assert len(keys) == len(set(keys))


def test_a_window_is_clipped_to_the_months_a_scenario_runs(study):
    unido = study["unido"]  # 2019-2030
    months = STUDY_WINDOW.months(unido)
    assert (months.start, months.stop) == (0, 48)
    assert STUDY_WINDOW.span(unido) == "2019-01 to 2022-12"
    with pytest.raises(ValueError, match="runs no month of the window 1990-01 to 1991-12"):
        Window("1990-01", "1991-12", "before").months(unido)


def test_a_window_mean_leaves_out_months_without_a_value(study):
    series = np.array([[1.0, np.nan, 3.0, 5.0], [np.nan] * 4])
    np.testing.assert_array_equal(window_mean(study["vlissingen"], series, None), [3.0, np.nan])


def test_ratios_and_shares_carry_the_ends_of_their_parts():
    assert ratio_estimate(Estimate(6, 5, 7), Estimate(2, 1, 4)) == Estimate(3, 1.25, 7)
    assert ratio_estimate(Estimate(6, 5, 7), Estimate(1, 0, 2)).high == math.inf
    assert share_estimate(Estimate(0.2, 0.1, 0.3), 2.0) == Estimate(0.1, 0.05, 0.15)
    assert math.isnan(share_estimate(Estimate(0.2, 0.1, 0.3), 0.0).value)


def test_shapley_values_of_known_games():
    players = ["a", "b", "c"]
    weights = {"a": np.array([1.0, 2.0]), "b": np.array([3.0, 0.0]), "c": np.array([0.0, 0.0])}
    additive = {s: sum((weights[p] for p in s), np.zeros(2)) for s in coalitions(players)}
    phi = shapley_values(players, additive)
    for p in players:
        np.testing.assert_allclose(phi[p], weights[p])
    # Only a and b together produce 1: they share it, c gets nothing; the values add up to v(all) - v(none).
    glove = {s: np.array([float({"a", "b"} <= s)]) for s in coalitions(players)}
    phi = shapley_values(players, glove)
    np.testing.assert_allclose([phi["a"][0], phi["b"][0], phi["c"][0]], [0.5, 0.5, 0.0])
    assert len(list(coalitions(players))) == 8


def test_arms_give_what_each_run_gives_alone_however_they_are_batched(study, monkeypatch):
    scenario = study["darwin"]
    arms = [Arm(scenario, (1, 2, 3), {"legal_frame": 0.9}), Arm(scenario, (4, 5)), Arm(study["saiig"], (1, 2))]
    whole = run_arms(arms, window_means({"w": STUDY_WINDOW, "full": None}))
    monkeypatch.setattr(runs, "CHUNK_RUNS", 2)
    chunked = run_arms(arms, window_means({"w": STUDY_WINDOW, "full": None}))
    for arm, first, second in zip(arms, whole, chunked, strict=True):
        alone = run_batch(arm.scenario, list(arm.seeds), [dict(arm.factors)] * len(arm.seeds))
        np.testing.assert_array_equal(first["full"], alone.series["performance"].mean(axis=1))
        np.testing.assert_array_equal(first["w"], second["w"])


def test_an_arm_needs_seeds_and_one_set_of_source_seeds_per_seed(study):
    with pytest.raises(ValueError, match="at least one seed"):
        Arm(study["darwin"], ())
    with pytest.raises(ValueError, match="1 sets of source seeds for 2 seeds"):
        Arm(study["darwin"], (1, 2), source_seeds=({"contacts": 3},))


def test_the_reformed_darwins_levers_are_its_five_recommendation_events(study):
    levers = lever_events(study["darwin_reformed"], study["darwin"])
    assert len(levers) == 5
    assert all(name.startswith("Recommendation") for name in levers)


def test_time_to_half_effect_of_a_ramp_and_of_no_effect():
    ramp = np.minimum(np.arange(120) / 24.0, 1.0)  # reaches its level of 1 after two years
    assert time_to_half(ramp) == pytest.approx(12, abs=3)
    assert math.isnan(time_to_half(np.zeros(120)))


def test_technical_samples_stay_within_a_quarter_of_the_defaults_and_their_bounds():
    table = sample_parameters(20, seed=3)
    defaults = Parameters()
    for name in table.columns:
        centre = float(getattr(defaults, name))
        low, high = PARAMETER_BOUNDS[name]
        assert (
            table[name].between(max(low, centre * (1 - SPREAD)) - 0.5e-9, min(high, centre * (1 + SPREAD)) + 0.5).all()
        )
    assert table["success_months"].dtype.kind == "i"
    assert table.equals(sample_parameters(20, seed=3))


def test_loading_the_study_names_what_is_missing(tmp_path, scenario_dir):
    with pytest.raises(StudyError, match="no such folder"):
        load_study(tmp_path / "nowhere")
    (tmp_path / "vlissingen.toml").write_text((scenario_dir / "vlissingen.toml").read_text())
    with pytest.raises(StudyError, match=r"missing the study's scenario file\(s\) darwin.toml"):
        load_study(tmp_path)
    assert set(load_study(scenario_dir).scenarios) == set(STUDY_FILES)


def test_a_fingerprint_survives_the_report_and_names_the_parts_that_changed():
    parts = {"model source": "a", "scenario files": "b"}
    text = f"# Report\n\n{render_fingerprint(parts)}\n\nbody\n"
    assert read_fingerprint(text) == parts
    assert read_fingerprint("# no fingerprint") is None
    assert compare_fingerprints(parts, {"model source": "a", "scenario files": "c"}) == ["scenario files"]
