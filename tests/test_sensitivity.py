"""Sensitivity analysis: the estimators against known answers on in-memory arrays, then the pipeline end to end.

The estimators are checked on designs built and evaluated in memory (no runner, no Parquet, no
figures), with fewer bootstrap resamples than a reported analysis uses; two small runs go through
the whole pipeline: a model function, and a colabsim experiment file.
"""

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from colabsim.experiments import design as designs
from colabsim.experiments.options import ExecutionOptions
from colabsim.sensitivity import Estimation, Problem, analysis, registry_problem
from colabsim.sensitivity.pipeline import (
    MORRIS_SKIPS_MOMENT_INDICES,
    SensitivityError,
    analyse_function,
    run_sensitivity,
)

PI = math.pi
ISHIGAMI = Problem(("x1", "x2", "x3"), ((-PI, PI),) * 3)
WITH_DUMMY = Problem(("x1", "x2", "x3", "dummy"), ((-PI, PI),) * 4)
S1 = {"x1": 0.314, "x2": 0.442, "x3": 0.0}
ST = {"x1": 0.558, "x2": 0.442, "x3": 0.244}
RESAMPLES = 200  # bootstrap resamples in these tests; reported analyses use 1000
ROOT = Path(__file__).resolve().parents[1]


def ishigami(params, rng):
    x1, x2, x3 = params["x1"], params["x2"], params["x3"]
    return {"y": math.sin(x1) + 7.0 * math.sin(x2) ** 2 + 0.1 * x3**4 * math.sin(x1)}


def ishigami_and_a_flat_output(params, rng):
    return {**ishigami(params, rng), "flat": 1.0}


def ishigami_rows(x):
    """Ishigami on every row of a design at once (any columns after the third are ignored)."""
    return np.sin(x[:, 0]) + 7.0 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])


def _index(table, method, index, factor, output="y"):
    row = table[
        (table["method"] == method)
        & (table["index"] == index)
        & (table["factor"] == factor)
        & (table["output"] == output)
    ]
    return row.iloc[0]


def _sobol(problem, base_samples, seed):
    return designs.sobol_design(problem.names, problem.bounds, base_samples, False, seed, problem.groups)


def _replicated(x, model, replications, rng):
    """A results table as the runner writes it: one row per run, design points repeated."""
    points = np.repeat(np.arange(len(x)), replications)
    y = np.array([model(x[p], rng) for p in points])
    return pd.DataFrame({"design_point": points, "status": "ok", "y": y})


@pytest.fixture(scope="module")
def ishigami_design():
    x = _sobol(WITH_DUMMY, 1024, seed=1)
    return x, ishigami_rows(x)


def test_ishigami_sobol_indices_match_the_analytic_values(ishigami_design):
    _, y = ishigami_design
    table = analysis.sobol_indices(WITH_DUMMY, y, "y", False, seed=1, resamples=RESAMPLES)
    for factor in ISHIGAMI.names:
        s1 = _index(table, "sobol", "S1", factor)
        st = _index(table, "sobol", "ST", factor)
        assert s1["value"] == pytest.approx(S1[factor], abs=0.05)
        assert st["value"] == pytest.approx(ST[factor], abs=0.05)
        assert s1["ci_low"] - 0.02 <= S1[factor] <= s1["ci_high"] + 0.02
        assert st["ci_low"] - 0.02 <= ST[factor] <= st["ci_high"] + 0.02
    assert _index(table, "sobol", "ST", "dummy")["value"] == pytest.approx(0.0, abs=1e-9)


def test_convergence_reuses_the_full_estimate_and_halves_the_sample(ishigami_design):
    _, y = ishigami_design
    full = analysis.sobol_indices(WITH_DUMMY, y, "y", False, seed=1, resamples=RESAMPLES)
    table = analysis.sobol_convergence(WITH_DUMMY, y, "y", False, 1, steps=3, resamples=RESAMPLES, full=full)
    assert sorted(table["base_samples"].unique()) == [256, 512, 1024]
    last = table[table["base_samples"] == 1024].drop(columns="base_samples").reset_index(drop=True)
    pd.testing.assert_frame_equal(last, full)
    small = table[(table["base_samples"] == 256) & (table["index"] == "ST")].set_index("factor")["value"]
    assert small["x1"] == pytest.approx(ST["x1"], abs=0.15)  # a quarter of the sample, still near
    assert analysis.sobol_convergence(WITH_DUMMY, y, "y", False, 1, steps=1).empty


def test_morris_ranks_ishigami_and_finds_a_dummy():
    x = designs.morris_design(WITH_DUMMY.names, WITH_DUMMY.bounds, 60, 4, seed=2)
    table = analysis.morris_indices(WITH_DUMMY, x, ishigami_rows(x), "y", 4, seed=2, resamples=RESAMPLES)
    mu = table[table["index"] == "mu_star"].set_index("factor")["value"]
    assert mu["x3"] < min(mu["x1"], mu["x2"]), "x3 acts only through its interaction with x1"
    assert mu["dummy"] == pytest.approx(0.0, abs=1e-9)
    assert mu["x3"] > 10 * mu["dummy"] + 1.0
    assert (table[table["index"] == "mu_star"]["ci_low"] >= 0).all()


def test_a_factor_that_does_nothing_gets_an_interval_including_zero():
    problem = Problem(("a", "b", "idle"), ((0.0, 1.0),) * 3)
    x = _sobol(problem, 512, seed=3)
    results = _replicated(x, lambda p, rng: p[0] + 0.5 * p[1] ** 2 + rng.normal(0.0, 0.05), 2, np.random.default_rng(3))
    y = analysis.replication_means(results, ["y"])["y"].to_numpy()
    table = analysis.sobol_indices(problem, y, "y", False, seed=3, resamples=RESAMPLES)
    idle = _index(table, "sobol", "S1", "idle")
    assert idle["ci_low"] <= 0.0 <= idle["ci_high"]
    assert _index(table, "sobol", "S1", "a")["ci_low"] > 0.3
    # Replication noise that survives averaging shows up in every total index (Jansen's estimator
    # sees it as an effect); the idle factor's ST must not exceed that noise level.
    noise = analysis.noise_share(results, "y") / 2
    assert 0.0 < noise < 0.05
    assert _index(table, "sobol", "ST", "idle")["value"] <= 1.5 * noise
    assert _index(table, "sobol", "ST", "a")["ci_low"] > 0.3


def test_noise_share_is_recovered_for_known_noise():
    sigma = 0.2
    x = _sobol(Problem(("x", "z"), ((0.0, 1.0), (0.0, 1.0))), 256, seed=4)
    results = _replicated(x, lambda p, rng: p[0] + rng.normal(0.0, sigma), 5, np.random.default_rng(4))
    expected = sigma**2 / (1.0 / 12.0 + sigma**2)
    assert analysis.noise_share(results, "y") == pytest.approx(expected, abs=0.04)
    deterministic = _replicated(x, lambda p, rng: p[0], 2, np.random.default_rng(4))
    assert analysis.noise_share(deterministic, "y") == 0.0


@pytest.mark.parametrize("seed", [0, 5])
def test_same_seed_same_indices(ishigami_design, seed):
    """Seed 0 included: SALib seeds only ``if seed:``, so 0 once gave new intervals on every call."""
    x, y = ishigami_design
    rows = analysis.given_data_rows("sobol", WITH_DUMMY, len(y), False)[:256]

    def estimate():
        with analysis.salib_notes():  # delta's notes on so few rows are not this test's concern
            return pd.concat(
                [
                    analysis.sobol_indices(WITH_DUMMY, y, "y", False, seed, resamples=50),
                    analysis.delta_indices(WITH_DUMMY, x[rows], y[rows], "y", seed, resamples=5),
                    analysis.pawn_indices(WITH_DUMMY, x[rows], y[rows], "y", seed),
                ]
            )

    first = estimate()
    np.random.seed(12345)  # noqa: NPY002 (the global generator's state, which SALib reads, must not matter)
    before = np.random.random()  # noqa: NPY002
    np.random.seed(12345)  # noqa: NPY002
    pd.testing.assert_frame_equal(first, estimate())
    assert np.random.random() == before, "the estimators left the global generator as they found it"  # noqa: NPY002
    other = analysis.sobol_indices(WITH_DUMMY, y, "y", False, seed + 1, resamples=50)
    assert not np.allclose(other["ci_low"], first[first["method"] == "sobol"]["ci_low"])


def test_given_data_rows_are_the_base_samples_of_a_saltelli_design():
    for second_order, block in ((False, 5), (True, 8)):
        x = designs.sobol_design(ISHIGAMI.names, ISHIGAMI.bounds, 64, second_order, seed=6)
        rows = analysis.given_data_rows("sobol", ISHIGAMI, len(x), second_order)
        assert len(rows) == 2 * 64 and len(x) == 64 * block
        base = x[rows]
        # The base samples are distinct points of a Sobol' sequence; the whole design repeats each value.
        assert all(len(np.unique(base[:, j])) == len(base) for j in range(3))
        assert len(np.unique(x[:, 0])) < len(x)
        assert np.array_equal(base[0], x[0]) and np.array_equal(base[1], x[block - 1])
    assert analysis.given_data_rows("morris", ISHIGAMI, 40, False) is None
    with pytest.raises(ValueError, match="latin"):
        analysis.given_data_rows("latin", ISHIGAMI, 40, False)


def test_delta_and_pawn_rank_ishigami_and_a_dummy(ishigami_design):
    x, y = ishigami_design
    rows = analysis.given_data_rows("sobol", WITH_DUMMY, len(y), False)[:1024]
    with analysis.salib_notes():
        delta = analysis.delta_indices(WITH_DUMMY, x[rows], y[rows], "y", seed=7, resamples=10)
    value = delta.set_index("factor")["value"]
    assert value["x2"] > value["x1"] > value["dummy"]
    assert value["x3"] > value["dummy"]
    assert value["dummy"] < 0.5 * value["x1"]
    pawn = analysis.pawn_indices(WITH_DUMMY, x[rows], y[rows], "y", seed=7).set_index("factor")
    assert pawn.loc["x2", "value"] > pawn.loc["x1", "value"] > pawn.loc["dummy", "value"]
    threshold = pawn["ci_high"].iloc[0]
    assert pawn.loc["dummy", "value"] < threshold < pawn.loc["x1", "value"]
    assert threshold == pytest.approx(1.36 * math.sqrt(10 / 1024 + 1 / 1024))


def test_salib_notes_keep_what_salib_says_off_the_console(capsys):
    before = warnings.formatwarning
    x = _sobol(ISHIGAMI, 8, seed=8)  # 16 base points: far too few for delta's bins
    rows = analysis.given_data_rows("sobol", ISHIGAMI, len(x), False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning escaping the block would fail the test
        with analysis.salib_notes() as notes:
            analysis.delta_indices(ISHIGAMI, x[rows], ishigami_rows(x[rows]), "y", seed=8, resamples=3)
            print("printed by an estimator")
    assert not capsys.readouterr().out and not capsys.readouterr().err
    assert "printed by an estimator" in notes
    assert any("Bin Merge Notice" in note or "Dataset" in note for note in notes)
    assert len(notes) == len(set(notes))
    assert warnings.formatwarning is before


def test_estimation_sizes_are_checked():
    with pytest.raises(ValueError, match="resamples"):
        Estimation(resamples=1)
    with pytest.raises(ValueError, match="convergence_steps"):
        Estimation(convergence_steps=-1)


def test_replication_means_and_noise_of_a_table():
    table = pd.DataFrame(
        {"design_point": [0, 0, 1, 1], "status": ["ok", "ok", "ok", "error"], "y": [1.0, 3.0, 10.0, np.nan]}
    )
    assert analysis.replication_means(table, ["y"])["y"].tolist() == [2.0, 10.0]
    single = pd.DataFrame({"design_point": [0, 1], "status": ["ok", "ok"], "y": [1.0, 2.0]})
    assert math.isnan(analysis.noise_share(single, "y"))


def test_registry_problem_groups_by_dimension():
    problem = registry_problem({"legal_frame": [0, 1], "admin_capacity": [0, 1], "kinship": [0, 1]}, True)
    assert problem.groups == ("institutional", "institutional", "environment")
    assert problem.labels == ["institutional", "environment"]
    with pytest.raises(KeyError, match="unknown factor"):
        registry_problem({"luck": [0, 1]})


def test_colabsim_experiment_with_a_grid_design_is_refused(tmp_path):
    experiment = ROOT / "tests" / "experiments" / "small.toml"
    with pytest.raises(SensitivityError, match="morris' or 'sobol"):
        run_sensitivity(experiment, out=tmp_path / "x", options=ExecutionOptions(progress=False))


def test_a_model_function_through_the_whole_pipeline(tmp_path, capsys):
    estimation = Estimation(resamples=100, moment_resamples=3, convergence_steps=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # SALib's notes go to the report, not to the console
        result = analyse_function(
            ishigami_and_a_flat_output, ISHIGAMI, "sobol", 64, seed=1, out=tmp_path / "s", estimation=estimation
        )
    assert not capsys.readouterr().err
    directory = result.directory
    written = pd.read_csv(directory / "indices.csv")
    assert list(written.columns) == ["method", "output", "factor", "index", "value", "ci_low", "ci_high"]
    assert set(written[written["output"] == "y"]["method"]) == {"sobol", "delta", "pawn", "replication"}
    assert not written[(written["output"] == "flat") & written["method"].isin(["delta", "pawn"])].size
    assert "delta and PAWN of flat were not computed: it takes one value over the sample" in result.notes
    assert result.ranking("y")["factor"].iloc[0] in {"x1", "x2"}
    assert sorted(result.convergence["base_samples"].unique()) == [32, 64]
    facts = json.loads((directory / "analysis.json").read_text())
    assert facts["estimation"]["resamples"] == 100 and facts["notes"] == list(result.notes)
    report = (directory / "report.md").read_text()
    assert "`x1`" in report and "95% CI" in report and "interactions" in report and "base samples A and B" in report
    assert all(note in report for note in result.notes)
    names = {p.name for p in (directory / "figures").iterdir()}
    assert {"sobol_y.png", "delta_y.png", "pawn_y.png", "convergence_y.png"} <= names


def test_colabsim_morris_screening_end_to_end(tmp_path, capsys):
    experiment = tmp_path / "screen.toml"
    experiment.write_text(
        f"""
[experiment]
name = "tiny screening"
scenario = "{ROOT.as_posix()}/scenarios/vlissingen.toml"
seed = 3
replications = 2

[factors]
funds = [0.3, 0.9]
mediation = [0.6, 1.0]
legal_frame = [0.6, 1.0]

[design]
method = "morris"
trajectories = 6

[outputs]
summary = ["performance"]

[analysis]
ofat_levels = 3
"""
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = run_sensitivity(
            experiment, out=tmp_path / "out", options=ExecutionOptions(executor="serial", progress=False)
        )
    assert not capsys.readouterr().err
    ranking = result.ranking("performance")
    assert set(ranking["factor"]) == {"funds", "mediation", "legal_frame"}
    assert (ranking["ci_low"] >= 0).all()
    assert len(result.ofat) == 3 * 3
    # delta and PAWN are not valid on a Morris design: skipped, and the report says why.
    assert not result.indices["method"].isin(["delta", "pawn"]).any()
    assert result.notes[0] == MORRIS_SKIPS_MOMENT_INDICES
    report = (tmp_path / "out" / "report.md").read_text()
    assert report.count("mu*") >= 1 and MORRIS_SKIPS_MOMENT_INDICES in report
    facts = json.loads((tmp_path / "out" / "analysis.json").read_text())
    assert MORRIS_SKIPS_MOMENT_INDICES in facts["notes"]
    assert facts["estimation"]["convergence_steps"] == 0, "Morris has no convergence check"
