"""Sensitivity analysis through the same pipeline as colabsim's, checked against known answers."""

import math

import numpy as np
import pandas as pd
import pytest

from colabsim.sensitivity import Problem, analysis, registry_problem
from colabsim.sensitivity.pipeline import SensitivityError, analyse_function, run_sensitivity

PI = math.pi
ISHIGAMI = Problem(("x1", "x2", "x3"), ((-PI, PI),) * 3)
S1 = {"x1": 0.314, "x2": 0.442, "x3": 0.0}
ST = {"x1": 0.558, "x2": 0.442, "x3": 0.244}


def ishigami(params, rng):
    x1, x2, x3 = params["x1"], params["x2"], params["x3"]
    return {"y": math.sin(x1) + 7.0 * math.sin(x2) ** 2 + 0.1 * x3**4 * math.sin(x1)}


def _index(result, method, index, factor, output="y"):
    table = result.indices
    row = table[
        (table["method"] == method)
        & (table["index"] == index)
        & (table["factor"] == factor)
        & (table["output"] == output)
    ]
    return row.iloc[0]


@pytest.fixture(scope="module")
def ishigami_sobol(tmp_path_factory):
    return analyse_function(ishigami, ISHIGAMI, "sobol", 1024, seed=1, out=tmp_path_factory.mktemp("sobol"))


def test_ishigami_sobol_indices_match_the_analytic_values(ishigami_sobol):
    for factor in ISHIGAMI.names:
        s1 = _index(ishigami_sobol, "sobol", "S1", factor)
        st = _index(ishigami_sobol, "sobol", "ST", factor)
        assert s1["value"] == pytest.approx(S1[factor], abs=0.05)
        assert st["value"] == pytest.approx(ST[factor], abs=0.05)
        assert s1["ci_low"] - 0.02 <= S1[factor] <= s1["ci_high"] + 0.02
        assert st["ci_low"] - 0.02 <= ST[factor] <= st["ci_high"] + 0.02


def test_ishigami_outputs_are_written_and_ranked(ishigami_sobol):
    directory = ishigami_sobol.directory
    written = pd.read_csv(directory / "indices.csv")
    assert list(written.columns) == ["method", "output", "factor", "index", "value", "ci_low", "ci_high"]
    assert {"sobol", "delta"} <= set(written["method"])
    assert list(ishigami_sobol.ranking("y")["factor"]) == ["x1", "x2", "x3"]
    report = (directory / "report.md").read_text()
    assert "`x1`" in report and "95% CI" in report and "interactions" in report
    assert any(p.name.startswith("convergence_") for p in (directory / "figures").iterdir())
    sizes = sorted(ishigami_sobol.convergence["base_samples"].unique())
    assert sizes == [128, 256, 512, 1024]


def test_morris_ranks_ishigami_and_finds_a_dummy(tmp_path):
    problem = Problem(("x1", "x2", "x3", "dummy"), ((-PI, PI),) * 4)
    result = analyse_function(ishigami, problem, "morris", 60, seed=2, out=tmp_path / "m")
    mu = result.ranking("y", "morris").set_index("factor")["value"]
    assert mu["x3"] < min(mu["x1"], mu["x2"]), "x3 acts only through its interaction with x1"
    assert mu["dummy"] == pytest.approx(0.0, abs=1e-9)
    assert mu["x3"] > 10 * mu["dummy"] + 1.0


def test_a_factor_that_does_nothing_gets_an_interval_including_zero(tmp_path):
    def model(params, rng):
        return {"y": params["a"] + 0.5 * params["b"] ** 2 + rng.normal(0.0, 0.05)}

    problem = Problem(("a", "b", "idle"), ((0.0, 1.0),) * 3)
    result = analyse_function(model, problem, "sobol", 512, seed=3, out=tmp_path / "d", replications=2)
    idle = _index(result, "sobol", "S1", "idle")
    assert idle["ci_low"] <= 0.0 <= idle["ci_high"]
    assert _index(result, "sobol", "S1", "a")["ci_low"] > 0.3
    # Replication noise that survives averaging shows up in every total index (Jansen's estimator
    # sees it as an effect); the idle factor's ST must not exceed that noise level.
    noise = _index(result, "replication", "noise_share", "(all factors)")["value"] / 2
    assert _index(result, "sobol", "ST", "idle")["value"] <= 1.5 * noise
    assert _index(result, "sobol", "ST", "a")["ci_low"] > 0.3


def test_noise_share_is_recovered_for_known_noise(tmp_path):
    sigma = 0.2

    def model(params, rng):
        return {"y": params["x"] + rng.normal(0.0, sigma)}

    result = analyse_function(model, Problem(("x", "z"), ((0.0, 1.0), (0.0, 1.0))), "sobol", 256, seed=4,
                              out=tmp_path / "n", replications=5)  # fmt: skip
    share = _index(result, "replication", "noise_share", "(all factors)")["value"]
    expected = sigma**2 / (1.0 / 12.0 + sigma**2)
    assert share == pytest.approx(expected, abs=0.04)


def test_same_seed_same_indices(tmp_path):
    first = analyse_function(ishigami, ISHIGAMI, "sobol", 128, seed=5, out=tmp_path / "a")
    second = analyse_function(ishigami, ISHIGAMI, "sobol", 128, seed=5, out=tmp_path / "b")
    pd.testing.assert_frame_equal(first.indices, second.indices)


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
    from pathlib import Path

    experiment = Path(__file__).resolve().parent / "experiments" / "small.toml"
    with pytest.raises(SensitivityError, match="morris' or 'sobol"):
        run_sensitivity(experiment, out=tmp_path / "x", progress=False)


def test_colabsim_morris_screening_end_to_end(tmp_path):
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    experiment = tmp_path / "screen.toml"
    experiment.write_text(
        f"""
[experiment]
name = "tiny screening"
scenario = "{root}/scenarios/vlissingen.toml"
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
    result = run_sensitivity(experiment, out=tmp_path / "out", executor="serial", progress=False)
    ranking = result.ranking("performance")
    assert set(ranking["factor"]) == {"funds", "mediation", "legal_frame"}
    assert (ranking["ci_low"] >= 0).all()
    assert len(result.ofat) == 3 * 3
    assert (tmp_path / "out" / "report.md").read_text().count("mu*") >= 1
