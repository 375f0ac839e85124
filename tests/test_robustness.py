"""Coding robustness: sampling codings, the estimators, start values in the engine, the pipeline."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import colabsim
from colabsim.cli import main
from colabsim.model.batch import run_batch
from colabsim.robustness import analysis
from colabsim.robustness.pipeline import MIN_EACH_SIDE, run_robustness, where_p1_fails
from colabsim.robustness.sampling import coding_dimensions, coding_quantile, sample_codings
from colabsim.robustness.spec import load_robustness, run_scenario
from colabsim.scenario.schema import FactorCoding

HERE = Path(__file__).resolve().parent / "robustness"
STUDY = HERE / "p1_and_renewal.toml"
SERIAL = colabsim.ExecutionOptions(executor="serial", progress=False)


def _coding(value: float, low: float, high: float, distribution: str = "uniform", group: str | None = None):
    return FactorCoding(value=value, range=[low, high], distribution=distribution, group=group)


# --- Sampling -------------------------------------------------------------------------------------


def test_uniform_and_triangular_quantiles_have_known_values() -> None:
    u = np.array([0.0, 0.25, 0.5, 1.0])
    assert np.allclose(coding_quantile(_coding(0.5, 0.2, 0.6), u), [0.2, 0.3, 0.4, 0.6])
    # Symmetric triangle on [0, 1] peaked at 0.5: the median is the mode, the quartile is sqrt(1/8).
    tri = coding_quantile(_coding(0.5, 0.0, 1.0, "triangular"), np.array([0.25, 0.5]))
    assert np.allclose(tri, [np.sqrt(0.125), 0.5])
    # A triangle peaked at its upper end puts half its mass above 1 - sqrt(1/2) of the width.
    assert np.isclose(coding_quantile(_coding(1.0, 0.0, 1.0, "triangular"), np.array([0.5]))[0], np.sqrt(0.5))
    assert np.all(coding_quantile(_coding(0.3, 0.3, 0.3), u) == 0.3)


def test_a_group_is_one_dimension_and_moves_together() -> None:
    codings = {
        "kinship": _coding(0.9, 0.7, 0.95, group="family"),
        "mediation": _coding(0.9, 0.6, 1.0),
        "history": _coding(0.85, 0.6, 0.95, group="family"),
    }
    assert coding_dimensions(codings) == [("kinship", "history"), ("mediation",)]
    frame = sample_codings({"strong": codings}, 50, seed=3)["strong"]
    # Same quantile of each member's own range: the ranks agree exactly.
    assert (frame["kinship"].rank() == frame["history"].rank()).all()
    assert not (frame["kinship"].rank() == frame["mediation"].rank()).all()


def test_a_group_coded_in_two_arms_is_one_reading_in_both() -> None:
    # One sentence about both sister cities codes their central support: the same quantile in both arms.
    strong = {"central_support": _coding(0.6, 0.4, 0.85, group="one_sentence"), "kinship": _coding(0.9, 0.7, 1.0)}
    weak = {"central_support": _coding(0.5, 0.2, 0.6, group="one_sentence"), "kinship": _coding(0.1, 0.0, 0.4)}
    frames = sample_codings({"strong": strong, "weak": weak}, 40, seed=5)
    assert (frames["strong"]["central_support"].rank() == frames["weak"]["central_support"].rank()).all()
    assert not (frames["strong"]["kinship"].rank() == frames["weak"]["kinship"].rank()).all()
    same = {"weak": {"central_support": _coding(0.6, 0.4, 0.85, group="one_sentence")}}
    equal = sample_codings({"strong": strong, **same}, 40, seed=5)
    assert np.allclose(equal["strong"]["central_support"], equal["weak"]["central_support"])


def test_latin_hypercube_has_one_point_per_stratum_and_repeats_with_its_seed() -> None:
    codings = {"legal_frame": _coding(0.5, 0.0, 1.0), "commitment": _coding(0.5, 0.0, 1.0)}
    frames = sample_codings({"weak": codings, "other": {"kinship": _coding(0.5, 0.0, 1.0)}}, 40, seed=11)
    for column in ("legal_frame", "commitment"):
        strata = np.floor(frames["weak"][column].to_numpy() * 40).astype(int)
        assert sorted(strata) == list(range(40))
    again = sample_codings({"weak": codings, "other": {"kinship": _coding(0.5, 0.0, 1.0)}}, 40, seed=11)
    pd.testing.assert_frame_equal(frames["weak"], again["weak"])
    other = sample_codings({"weak": codings, "other": {"kinship": _coding(0.5, 0.0, 1.0)}}, 40, seed=12)
    assert not frames["weak"].equals(other["weak"])


# --- Estimators -----------------------------------------------------------------------------------


def test_p1_verdict_needs_the_band_and_separated_intervals() -> None:
    strong = np.array([[0.6, 0.62, 0.58], [0.6, 0.62, 0.58], [0.6, 0.1, 0.9], [0.61, 0.6, 0.59]])
    weak = np.array([[0.2, 0.21, 0.19], [0.01, 0.02, 0.015], [0.2, 0.21, 0.19], [0.6, 0.59, 0.61]])
    # ratio 3 (in the band) / 40 (above it) / 3 but noisy, CIs overlap / ratio 1.
    assert analysis.pattern_p1(strong, weak, (2.0, 10.0)).tolist() == [True, False, False, False]


def test_flip_probability_is_zero_when_far_and_large_on_the_threshold() -> None:
    rng = np.random.default_rng(0)
    far_strong, far_weak = np.full((1, 10), 0.6) + rng.normal(0, 0.001, (1, 10)), np.full((1, 10), 0.2)
    far_weak = far_weak + rng.normal(0, 0.001, (1, 10))
    assert analysis.flip_probability(far_strong, far_weak, (2.0, 10.0), rng)[0] == 0.0
    # A ratio of 2 exactly, with noise: resampling puts it on either side about half the time.
    edge_strong = 0.4 + rng.normal(0, 0.02, (1, 30))
    edge_weak = 0.2 + rng.normal(0, 0.002, (1, 30))
    flip = analysis.flip_probability(edge_strong, edge_weak, (2.0, 10.0), rng, resamples=400)[0]
    assert 0.2 < flip < 0.8


def test_share_has_the_binomial_error_and_a_wilson_interval() -> None:
    estimate = analysis.share(np.array([True] * 30 + [False] * 10), np.full(40, 0.05))
    assert estimate.share == 0.75 and estimate.codings == 40
    assert np.isclose(estimate.mc_error, np.sqrt(0.75 * 0.25 / 40))
    assert np.isclose(estimate.low, 0.5981, atol=1e-3) and np.isclose(estimate.high, 0.8581, atol=1e-3)
    assert np.isclose(estimate.misclassification, 0.05)
    every = analysis.share(np.ones(20, dtype=bool))
    assert every.share == 1.0 and every.high == 1.0 and 0.80 < every.low < 0.85  # not 100% +- 0


def test_paired_effects_and_quantiles_have_known_answers() -> None:
    base = np.array([[0.1, 0.2, 0.3], [0.5, 0.5, 0.5]])
    effects = analysis.paired_effects(base, base + np.array([[0.05], [-0.1]]))
    assert np.allclose(effects["effect"], [0.05, -0.1])
    assert np.allclose(effects["low"], effects["high"])  # a constant difference has no spread
    noisy = analysis.paired_effects(np.zeros((1, 4)), np.array([[1.0, 2.0, 3.0, 4.0]]))
    half = 3.182446 * np.std([1, 2, 3, 4], ddof=1) / 2  # t(0.975, 3)
    assert np.isclose(noisy["low"][0], 2.5 - half) and np.isclose(noisy["high"][0], 2.5 + half)
    quantiles = analysis.effect_quantiles(pd.Series(np.linspace(0, 1, 101)))
    assert quantiles == pytest.approx({"q05": 0.05, "q25": 0.25, "q50": 0.5, "q75": 0.75, "q95": 0.95})


# --- Start values in the engine -------------------------------------------------------------------


def test_start_values_replace_the_file_value_and_events_still_apply() -> None:
    weak = colabsim.load_scenario(HERE / "weak.toml")
    started = run_batch(weak, [5], start_values=[{"legal_frame": 0.8}], keep_series=False)
    held = run_batch(weak, [5], [{"legal_frame": 0.8}], keep_series=False)
    # The timeline lets the agreement lapse (0.35, then 0.15): a start value follows it, a held value does not.
    assert started.run_levels(0)["legal_frame"] == pytest.approx(0.15)
    assert held.run_levels(0)["legal_frame"] == pytest.approx(0.8)
    # A start value is what the file would have said.
    recoded = colabsim.Scenario(weak.spec.model_copy(update={"factors": {**weak.spec.factors, "legal_frame": 0.8}}))
    alone = colabsim.simulate(recoded, seed=5).summary
    assert float(alone["performance"]) == pytest.approx(float(started.summary["performance"][0]), abs=1e-12)


def test_start_values_are_checked_like_factor_values() -> None:
    weak = colabsim.load_scenario(HERE / "weak.toml")
    with pytest.raises(colabsim.ScenarioError, match="luck"):
        run_batch(weak, [1], start_values=[{"luck": 0.5}])
    with pytest.raises(ValueError, match="2 sets of start values for 1 seeds"):
        run_batch(weak, [1], start_values=[{}, {}])


def test_a_study_of_performance_runs_only_through_the_window() -> None:
    darwin = colabsim.load_scenario(HERE.parents[1] / "scenarios" / "darwin.toml")
    cut = run_scenario(darwin, "performance")
    assert cut.spec.scenario.horizon_years == 11 < darwin.spec.scenario.horizon_years  # 2012-2022 of 2012-2032
    start = [{"legal_frame": 0.5, "commitment": 0.3}] * 2
    full = run_batch(darwin, [3, 4], start_values=start, keep_series=False).summary["performance"]
    short = run_batch(cut, [3, 4], start_values=start, keep_series=False).summary["performance"]
    assert np.allclose(full, short, atol=1e-12)
    assert run_scenario(darwin, "final_performance") is darwin  # other metrics read the whole run


# --- The pipeline ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def study_result(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("robustness") / "study"
    return run_robustness(STUDY, out, options=SERIAL)


def test_every_arm_runs_the_same_codings_with_the_same_seeds(study_result) -> None:
    arms = {arm: colabsim.load_results(study_result.directory / arm) for arm in ("strong", "weak", "what_if")}
    assert all(len(table) == 12 * 4 for table in arms.values())
    for table in arms.values():
        assert (table["seed"].to_numpy() == arms["strong"]["seed"].to_numpy()).all()
    weak, what_if = arms["weak"], arms["what_if"]
    assert np.allclose(weak["factor_commitment"], what_if["factor_commitment"])
    assert "factor_legal_frame" not in what_if  # the what-if's own factor is not sampled
    codings = pd.read_parquet(study_result.directory / "codings.parquet")
    assert np.allclose(codings["weak.commitment"].repeat(4).to_numpy(), weak["factor_commitment"].to_numpy())


def test_the_study_reports_shares_and_effects(study_result) -> None:
    per_coding = study_result.per_coding
    assert len(per_coding) == 12
    assert study_result.p1 is not None and study_result.p1.share == per_coding["p1_holds"].mean()
    assert study_result.what_if is not None
    assert study_result.what_if.helps.share == (per_coding["what_if_effect"] > 0).mean()
    report = (study_result.directory / "report.md").read_text()
    assert "of the coding space" in report and "Monte Carlo" in report and "legal_frame = 0.9" in report
    assert "Where P1 fails" in report and study_result.p1_failures is not None  # 12 codings: too few for a box
    for figure in ("p1_codings.png", "what_if_effects.png"):
        assert (study_result.directory / "figures" / figure).stat().st_size > 1000
    manifest = (study_result.directory / "manifest.json").read_text()
    assert '"sampling_seed"' in manifest and '"root_seed": 7' in manifest


def test_where_p1_fails_is_found_in_the_coding_space() -> None:
    study = load_robustness(STUDY)
    frames = sample_codings({role: s.codings for role, s in study.scenarios.items()}, 400, seed=2)
    codings = pd.concat([frame.add_prefix(f"{role}.") for role, frame in frames.items()], axis=1)
    holds = codings["weak.commitment"].to_numpy() < 0.5  # P1 fails where Darwin is coded committed
    failures = where_p1_fails(study, codings, holds)
    assert failures.box is not None and "weak.commitment" in failures.box.limits
    assert failures.box.limits["weak.commitment"][0] == pytest.approx(0.5, abs=0.03)
    assert failures.box.test_density > 0.9
    # A group enters once, under its first member (history, first in Vlissingen's file) for kinship too.
    grouped = where_p1_fails(study, codings, codings["strong.kinship"].to_numpy() > 0.85)
    assert grouped.box is not None and set(grouped.box.limits) == {"strong.history"}
    assert grouped.stands_for == {"strong.history": ["strong.history", "strong.kinship"]}
    few = where_p1_fails(study, codings, np.arange(400) >= MIN_EACH_SIDE - 1)
    assert few.box is None and "too few" in few.note


def test_the_same_seed_gives_the_same_study_and_resume_adds_nothing(study_result, tmp_path: Path) -> None:
    again = run_robustness(STUDY, tmp_path / "again", options=SERIAL)
    pd.testing.assert_frame_equal(again.per_coding, study_result.per_coding)
    resumed = run_robustness(STUDY, tmp_path / "again", options=SERIAL, resume=True)
    pd.testing.assert_frame_equal(resumed.per_coding, study_result.per_coding)


def test_the_cli_runs_a_study_with_a_what_if_from_the_command_line(tmp_path: Path, capsys) -> None:
    status = main(
        ["robustness", str(STUDY), "--out", str(tmp_path / "cli"), "--executor", "serial", "--what-if", "mediation=0.9"]
    )
    assert status == 0
    printed = capsys.readouterr().out
    assert "P1 holds in" in printed and "the what-if helps in" in printed
    assert "mediation = 0.9" in (tmp_path / "cli" / "report.md").read_text()


# --- Bad input ------------------------------------------------------------------------------------

BASE = """[robustness]
name = "bad"
seed = 1
codings = 4
replications = 2
"""
PAIR = f'[pair]\nstrong = "{HERE / "strong.toml"}"\nweak = "{HERE / "weak.toml"}"\n'

BAD_FILES = {
    "nothing asked": (BASE, "needs [pair]"),
    "unknown key": (BASE + "colour = 1\n" + PAIR, "robustness.colour: unknown key"),
    "unknown metric": (BASE.replace('seed = 1', 'seed = 1\nmetric = "happiness"') + PAIR, "allowed: performance"),
    "too few codings": (BASE.replace("codings = 4", "codings = 1") + PAIR, "robustness.codings"),
    "reversed band": (BASE + PAIR + "ratio = [10.0, 2.0]\n", "0 < low < high"),
    "missing scenario": (BASE + '[pair]\nstrong = "nowhere.toml"\nweak = "nowhere.toml"\n', "pair.strong"),
    "scenario without ranges": (
        BASE + '[pair]\nstrong = "' + str(HERE.parent / "bad_scenarios" / "_base.toml") + '"\nweak = "'
        + str(HERE / "weak.toml") + '"\n',
        "codes no factor with a range",
    ),
    "unknown what-if factor": (BASE + PAIR + '[what_if]\nscenario = "' + str(HERE / "weak.toml") + '"\n'
                               "factors = { luck = 0.5 }\n", "what_if.factors.luck"),
    "what-if out of range": (BASE + PAIR + '[what_if]\nscenario = "' + str(HERE / "weak.toml") + '"\n'
                             "factors = { legal_frame = 1.5 }\n", "allowed: 0.0 to 1.0"),
    "too many runs": (BASE.replace("codings = 4", "codings = 1000000").replace("replications = 2", "replications = 10")
                      + PAIR, "more than the limit"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_robustness_files_are_clear_errors(tmp_path: Path, capsys, case: str) -> None:
    text, expected = BAD_FILES[case]
    path = tmp_path / "study.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(colabsim.ScenarioError) as info:
        load_robustness(path)
    assert expected in str(info.value) and "study.toml" in str(info.value)
    assert main(["robustness", str(path), "--out", str(tmp_path / "out")]) == 2
    assert "Traceback" not in capsys.readouterr().err
    assert not (tmp_path / "out").exists()  # nothing is created for a file that cannot run


def test_a_bad_what_if_on_the_command_line_is_a_clear_error(tmp_path: Path, capsys) -> None:
    assert main(["robustness", str(STUDY), "--out", str(tmp_path / "o"), "--what-if", "luck=0.5"]) == 2
    assert "unknown factor 'luck'" in capsys.readouterr().err


@pytest.mark.parametrize("what_if", ["luck=0.5", "legal_frame=1.5"])
def test_a_bad_what_if_on_a_resumed_study_leaves_its_folder_as_it_was(tmp_path: Path, capsys, what_if: str) -> None:
    out = tmp_path / "earlier"
    out.mkdir()
    (out / "manifest.json").write_text("{}", encoding="utf-8")
    argv = ["robustness", str(STUDY), "--out", str(out), "--resume", "--what-if", what_if]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert ("unknown factor 'luck'" in err or "allowed: 0.0 to 1.0" in err) and "Traceback" not in err
    assert [p.name for p in out.iterdir()] == ["manifest.json"]
    assert (out / "manifest.json").read_text(encoding="utf-8") == "{}"
