"""Sweeps over a calibration's posterior: ``colabsim sweep EXPERIMENT --posterior RUN --draws N``."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from calibration_support import ROOT, calibrate_tiny

import colabsim
from colabsim.calibration.posterior import load_posterior
from colabsim.calibration.store import CalibrationError
from colabsim.calibration.sweep import sweep_with_posterior
from colabsim.calibration.sweep_answer import PosteriorDesign, answer_sweep
from colabsim.cli import main
from colabsim.experiments.options import ExecutionOptions
from colabsim.experiments.store import StoreError
from colabsim.model.batch import run_batch

SMALL = ROOT / "tests" / "experiments" / "small.toml"

WHAT_IFS = f"""
[experiment]
name = "three legal frames"
scenario = "{ROOT / "scenarios" / "darwin.toml"}"
seed = 3
replications = 2

[factors]
legal_frame = [0.2, 0.9]

[design]
method = "table"
points = [{{legal_frame = 0.2}}, {{legal_frame = 0.9}}, {{legal_frame = 0.55}}]

[outputs]
summary = ["performance", "trust"]
"""


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory):
    return calibrate_tiny(tmp_path_factory.mktemp("posterior-sweep"))


@pytest.fixture
def what_ifs(tmp_path):
    path = tmp_path / "what_ifs.toml"
    path.write_text(WHAT_IFS, encoding="utf-8")
    return path


def _serial(**options):
    return ExecutionOptions(executor="serial", progress=False, **options)


def test_sweep_over_a_posterior_from_the_command_line(calibrated, what_ifs, tmp_path, capsys):
    out = tmp_path / "cli"
    status = main(["sweep", str(what_ifs), "--posterior", str(calibrated), "--draws", "4", "--out", str(out),
                   "--executor", "serial", "-q"])  # fmt: skip
    printed = capsys.readouterr()
    assert status == 0, printed.err
    assert "24 runs" in printed.out and "4 posterior draws" in printed.out and "conditional on the bands" in printed.out
    report = (out / "report.md").read_text()
    assert "conditional on the bands the posterior was calibrated on" in report
    assert "not the coding of the factors" in report and "Each point against the first" in report
    points = pd.read_csv(out / "posterior_points.csv")
    assert len(points) == 3 and (points["q05"] <= points["median"]).all() and (points["median"] <= points["q95"]).all()
    assert np.allclose(points["variance_parameter"] + points["variance_seed"], 1.0)
    comparisons = pd.read_csv(out / "posterior_comparisons.csv")
    assert comparisons["design_point"].tolist() == [1, 2] and comparisons["share_helps"].between(0, 1).all()
    parameters = pd.read_csv(out / "posterior_parameters.csv")
    assert set(parameters["parameter"]) == {"understanding_reach", "success_months"}
    assert {"stays at the prior", "partly", "identified"} >= set(parameters["verdict"])
    assert (out / "runs_report.md").is_file() and (out / "figures" / "performance.png").is_file()
    manifest = json.loads((out / "manifest.json").read_text())
    record = manifest["replicates"]
    assert record["posterior"]["folder"] == str(calibrated.resolve()) and record["draws"] == 4 and record["seed"] == 3
    assert record["posterior"]["calibration"]["bands"] and record["posterior"]["calibration"]["model"]
    assert manifest["status"] == "complete" and manifest["total_runs"] == 24


def test_same_seed_same_numbers_serial_or_two_workers(calibrated, tmp_path):
    serial = sweep_with_posterior(SMALL, calibrated, 3, tmp_path / "serial", _serial(chunk_size=100))
    parallel = sweep_with_posterior(
        SMALL, calibrated, 3, tmp_path / "parallel", ExecutionOptions(workers=2, chunk_size=7, progress=False)
    )
    pd.testing.assert_frame_equal(
        colabsim.load_results(serial.run.directory), colabsim.load_results(tmp_path / "parallel")
    )
    pd.testing.assert_frame_equal(serial.answer.points, parallel.answer.points)
    pd.testing.assert_frame_equal(serial.answer.factors, parallel.answer.factors)
    assert len(serial.answer.factors) == 2 and serial.answer.comparisons.empty  # a grid has no baseline point


def test_every_design_point_runs_the_same_draws_and_seeds(calibrated, tmp_path):
    swept = sweep_with_posterior(SMALL, calibrated, 3, tmp_path / "crn", _serial())
    table = colabsim.load_results(swept.run.directory)
    pairs = ["replication", "seed", "draw", "parameter_understanding_reach", "parameter_success_months"]
    first = table.loc[table["design_point"] == 0, pairs].reset_index(drop=True)
    for point, rows in table.groupby("design_point"):
        pd.testing.assert_frame_equal(rows[pairs].reset_index(drop=True), first, obj=f"design point {point}")
    assert first["seed"].nunique() == 3 * 4 and first["draw"].tolist() == [d for d in range(3) for _ in range(4)]
    posterior = load_posterior(calibrated)
    reach = posterior.coordinates.index("understanding_reach")
    assert set(first["parameter_understanding_reach"]) <= set(posterior.theta[:, reach])
    # A run reproduces alone from its row: its seed, its factor values and its drawn parameters.
    row = table.iloc[29]
    experiment = colabsim.load_experiment(SMALL)
    scenario = experiment.scenario.with_factors(
        legal_frame=row["factor_legal_frame"], commitment=row["factor_commitment"]
    )
    parameters = scenario.parameters.updated(
        {"understanding_reach": row["parameter_understanding_reach"],
         "success_months": int(row["parameter_success_months"])}
    )  # fmt: skip
    alone = run_batch(scenario, [int(row["seed"])], parameters=[parameters], keep_series=False)
    assert alone.summary["performance"][0] == row["performance"]


def test_resume_runs_only_what_is_missing_and_refuses_another_posterior(calibrated, tmp_path, capsys):
    whole = sweep_with_posterior(SMALL, calibrated, 3, tmp_path / "whole", _serial(chunk_size=10))
    out = tmp_path / "broken"
    sweep_with_posterior(SMALL, calibrated, 3, out, _serial(chunk_size=10))
    for part in sorted((out / "parts").glob("summary-*.parquet"))[3:6]:
        part.unlink()
    resumed = sweep_with_posterior(SMALL, calibrated, 3, out, _serial(), resume=True)
    assert resumed.run.ran == 30
    pd.testing.assert_frame_equal(colabsim.load_results(out), colabsim.load_results(whole.run.directory))
    pd.testing.assert_frame_equal(resumed.answer.points, whole.answer.points)
    before = {p.name: p.read_bytes() for p in [*(out / "parts").iterdir(), out / "manifest.json"]}
    with pytest.raises(StoreError, match=r"--draws 3; this call asks for a run with --posterior .* --draws 4"):
        sweep_with_posterior(SMALL, calibrated, 4, out, _serial(), resume=True)
    assert main(["sweep", str(SMALL), "--out", str(out), "--resume", "-q"]) == 2
    assert "with the experiment's own seeds" in capsys.readouterr().err
    assert before == {p.name: p.read_bytes() for p in [*(out / "parts").iterdir(), out / "manifest.json"]}


def test_bad_input_is_a_clear_error_and_loses_nothing(calibrated, tmp_path, capsys):
    plain = tmp_path / "plain"
    colabsim.run_experiment(SMALL, out=plain, options=_serial(), report=False)
    kept = {p.name: p.read_bytes() for p in [*(plain / "parts").iterdir(), plain / "manifest.json"]}
    other_model = tmp_path / "other-model"
    other_model.mkdir()
    for name in ("draws.parquet", "posterior.csv"):
        (other_model / name).write_bytes((calibrated / name).read_bytes())
    state = json.loads((calibrated / "calibration.json").read_text())
    state["model"]["colabsim version"] = "0.0.1"
    (other_model / "calibration.json").write_text(json.dumps(state))
    cases = [
        (["--draws", "3", "--out", str(tmp_path / "a")], "--draws needs --posterior"),
        (["--posterior", str(plain), "--out", str(tmp_path / "b")], "no finished calibration"),
        (["--posterior", str(other_model), "--out", str(tmp_path / "c")], "calibrate again"),
        (["--posterior", str(calibrated), "--out", str(plain), "--resume"], "was run with the experiment's own seeds"),
        (["--posterior", str(calibrated), "--out", str(plain)], "not empty"),
        (["--posterior", str(calibrated), "--draws", "100000", "--out", str(tmp_path / "d")], "fewer --draws"),
    ]
    for options, message in cases:
        assert main(["sweep", str(SMALL), "-q", "--executor", "serial", *options]) == 2, options
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err, err
    assert not any((tmp_path / name).exists() for name in "abcd")
    assert kept == {p.name: p.read_bytes() for p in [*(plain / "parts").iterdir(), plain / "manifest.json"]}
    with pytest.raises(CalibrationError, match="outcome 'happiness'"):
        sweep_with_posterior(SMALL, calibrated, 2, tmp_path / "e", _serial(), outcome="happiness")


def test_a_calibrated_parameter_the_scenario_file_sets_keeps_the_files_value(calibrated, tmp_path):
    scenario = tmp_path / "fixed.toml"
    scenario.write_text(
        f'extends = "{ROOT / "scenarios" / "darwin.toml"}"\n\n[parameters]\nunderstanding_reach = 0.5\n'
    )
    experiment = tmp_path / "fixed_experiment.toml"
    experiment.write_text(WHAT_IFS.replace(str(ROOT / "scenarios" / "darwin.toml"), str(scenario)))
    swept = sweep_with_posterior(experiment, calibrated, 3, tmp_path / "held", _serial())
    table = colabsim.load_results(swept.run.directory)
    assert (table["parameter_understanding_reach"] == 0.5).all() and table["parameter_success_months"].nunique() > 1
    held = swept.answer.parameters.set_index("parameter").loc["understanding_reach"]
    assert held["verdict"] == "held by the scenario file"
    assert (
        "`understanding_reach` in `[parameters]`: the file's value wins"
        in (tmp_path / "held" / "report.md").read_text()
    )


def test_factor_effects_and_their_variance_split_on_known_numbers(calibrated):
    """Outcome = 0.3 x factor + a draw's shift x factor + seed noise: the effect over [0, 1] is 0.3 + shift."""
    rng = np.random.default_rng(1)
    draws, seeds, x = 200, 5, np.linspace(0.0, 1.0, 6)
    shift = rng.normal(0, 0.1, draws)
    posterior = load_posterior(calibrated)
    rows = []
    for p, value in enumerate(x):
        for d in range(draws):
            for s in range(seeds):
                outcome = (0.3 + shift[d]) * value + rng.normal(0, 0.01)
                rows.append({"design_point": p, "draw": d, "replication": d * seeds + s, "status": "ok",
                             "performance": outcome})  # fmt: skip
    theta = np.column_stack([shift, rng.random(draws)])
    design = PosteriorDesign(posterior, theta, seeds, (), "grid")
    answer = answer_sweep(pd.DataFrame(rows), pd.DataFrame({"legal_frame": x}), design, "performance")
    effect = answer.factors.iloc[0]
    assert effect["mean"] == pytest.approx(0.3 + shift.mean(), abs=0.005)
    assert effect["q05"] == pytest.approx(np.quantile(0.3 + shift, 0.05), abs=0.01)
    assert effect["variance_parameter"] > 0.95 and effect["widening"] > 10
    rho = answer.parameters.set_index(["answer", "parameter"])["spearman_rho"]
    assert rho["effect of legal_frame", posterior.coordinates[0]] > 0.95
    assert abs(rho["effect of legal_frame", posterior.coordinates[1]]) < 0.25
