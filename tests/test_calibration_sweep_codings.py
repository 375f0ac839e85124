"""Sweeps over codings x posterior draws x seeds: ``colabsim sweep EXP --posterior RUN --coding-robustness N``."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from calibration_support import ROOT, calibrate_tiny

import colabsim
from colabsim.calibration.store import CalibrationError
from colabsim.calibration.sweep import sweep_with_posterior
from colabsim.cli import main
from colabsim.experiments.options import ExecutionOptions
from colabsim.experiments.store import StoreError
from colabsim.model.batch import run_batch

SMALL = ROOT / "tests" / "experiments" / "small.toml"
#: What the posterior sweep of `SMALL` with 3 draws gave before codings could be sampled (the same tiny posterior).
EXPECTED = ROOT / "tests" / "expected" / "posterior_sweep"
#: Per run, what makes it the same replicate at every design point.
REPLICATE = ["replication", "seed", "coding", "draw", "parameter_understanding_reach", "parameter_success_months"]


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory):
    return calibrate_tiny(tmp_path_factory.mktemp("posterior-sweep-codings"))


@pytest.fixture(scope="module")
def coded(calibrated, tmp_path_factory):
    """The small sweep over 3 codings x 2 draws x 4 seeds, serially."""
    out = tmp_path_factory.mktemp("coded") / "serial"
    return sweep_with_posterior(SMALL, calibrated, 2, out, _serial(chunk_size=50), coding_robustness=3)


def _serial(**options):
    return ExecutionOptions(executor="serial", progress=False, **options)


def _kept(folder):
    return {p.name: p.read_bytes() for p in [*(folder / "parts").iterdir(), folder / "manifest.json"]}


def test_serial_or_two_workers_give_the_same_runs_and_answers(calibrated, coded, tmp_path):
    parallel = sweep_with_posterior(
        SMALL, calibrated, 2, tmp_path / "parallel", ExecutionOptions(workers=2, chunk_size=7, progress=False),
        coding_robustness=3,
    )  # fmt: skip
    pd.testing.assert_frame_equal(
        colabsim.load_results(coded.run.directory), colabsim.load_results(tmp_path / "parallel")
    )
    for name in ("points", "factors", "parameters"):
        pd.testing.assert_frame_equal(getattr(coded.answer, name), getattr(parallel.answer, name))


def test_every_design_point_runs_the_same_coding_draw_and_seed(calibrated, coded):
    table = colabsim.load_results(coded.run.directory)
    codings = pd.read_parquet(coded.run.directory / "codings.parquet").set_index("coding")
    coded_columns = [c for c in table.columns if c.startswith("coded_")]
    assert len(table) == 9 * 3 * 2 * 4 and len(codings) == 3
    # The design's factors are held by the design, not sampled; the rest of their groups still is.
    assert {"coded_legal_frame", "coded_commitment"}.isdisjoint(coded_columns) and "coded_mutuality" in coded_columns
    first = table.loc[table["design_point"] == 0, REPLICATE + coded_columns].reset_index(drop=True)
    for point, rows in table.groupby("design_point"):
        pd.testing.assert_frame_equal(
            rows[REPLICATE + coded_columns].reset_index(drop=True), first, obj=f"point {point}"
        )
    assert first["seed"].nunique() == 24
    assert first["coding"].tolist() == [r // 8 for r in range(24)] and first["draw"].tolist() == [
        r // 4 % 2 for r in range(24)
    ]
    for row in first.itertuples():
        assert row.coded_mutuality == codings.loc[row.coding, "mutuality"]
    # Each coding has its own draws (resampled 3 x 2 and dealt out), not the same two draws again.
    assert first.drop_duplicates(["coding", "draw"])["parameter_understanding_reach"].nunique() > 2
    # A run reproduces alone: its seed, the design's values held, its coding as start values, its parameters.
    row = table.iloc[150]
    experiment = colabsim.load_experiment(SMALL)
    scenario = experiment.scenario
    start = {c.removeprefix("coded_"): float(row[c]) for c in coded_columns}
    parameters = scenario.parameters.updated(
        {
            "understanding_reach": row["parameter_understanding_reach"],
            "success_months": int(row["parameter_success_months"]),
        }
    )
    design = {"legal_frame": row["factor_legal_frame"], "commitment": row["factor_commitment"]}
    alone = run_batch(
        scenario, [int(row["seed"])], [design], keep_series=False, start_values=[start], parameters=[parameters]
    )
    assert alone.summary["performance"][0] == row["performance"]
    file_values = run_batch(scenario, [int(row["seed"])], [design], keep_series=False, parameters=[parameters])
    assert file_values.summary["performance"][0] != row["performance"]  # the coding changed the run


def test_the_variance_splits_into_coding_parameter_and_seed(coded):
    points, factors = coded.answer.points, coded.answer.factors
    shares = points[["variance_coding", "variance_parameter", "variance_seed"]]
    assert np.allclose(shares.sum(axis=1), 1.0) and (points["variance_coding"] > 0).all()
    # With 3 codings an effect's coding component may be estimated at 0; the levels' is far above noise here.
    assert (factors["variance_coding"] >= 0).all() and factors["share_codings_helps"].between(0, 1).all()
    assert coded.answer.codings == 3 and coded.answer.draws_used == 2
    parameters = coded.answer.parameters.dropna(subset=["spearman_rho"])
    assert set(parameters["parameter"]) == {"understanding_reach", "success_months"}
    report = (coded.run.directory / "report.md").read_text()
    assert "3 codings of the scenario file" in report and "calibrated on the scenario file's point codings" in report
    assert "The design varies `legal_frame`, `commitment`: held at the experiment's values, not sampled" in report
    assert "the coding of the factors within their ranges" in report
    manifest = json.loads((coded.run.directory / "manifest.json").read_text())
    assert manifest["replicates"]["codings"]["codings"] == 3 and manifest["replicates"]["start_values sha256"]


def test_resume_runs_only_what_is_missing_and_refuses_other_codings(calibrated, coded, tmp_path, capsys):
    out = tmp_path / "broken"
    sweep_with_posterior(SMALL, calibrated, 2, out, _serial(chunk_size=50), coding_robustness=3)
    for part in sorted((out / "parts").glob("summary-*.parquet"))[1:3]:
        part.unlink()
    resumed = sweep_with_posterior(SMALL, calibrated, 2, out, _serial(), resume=True, coding_robustness=3)
    assert resumed.run.ran == 100
    pd.testing.assert_frame_equal(colabsim.load_results(out), colabsim.load_results(coded.run.directory))
    pd.testing.assert_frame_equal(resumed.answer.points, coded.answer.points)
    before = _kept(out)
    with pytest.raises(StoreError, match=r"--coding-robustness 3; this call asks for a run .* --coding-robustness 4"):
        sweep_with_posterior(SMALL, calibrated, 2, out, _serial(), resume=True, coding_robustness=4)
    assert main(["sweep", str(SMALL), "--posterior", str(calibrated), "--draws", "2", "--out", str(out), "--resume",
                 "-q"]) == 2  # fmt: skip
    assert "this call asks for a run with --posterior" in capsys.readouterr().err
    assert before == _kept(out)


def test_without_codings_the_numbers_are_those_before_codings_could_be_sampled(calibrated, tmp_path):
    swept = sweep_with_posterior(SMALL, calibrated, 3, tmp_path / "plain", _serial())
    table = colabsim.load_results(swept.run.directory)
    assert "coding" not in table and not any(c.startswith("coded_") for c in table)
    pd.testing.assert_frame_equal(
        table[["run", "seed", "draw", "performance"]], pd.read_csv(EXPECTED / "runs.csv"), check_exact=False, rtol=1e-12
    )
    for name, frame in (("points", swept.answer.points), ("factors", swept.answer.factors)):
        pd.testing.assert_frame_equal(
            frame, pd.read_csv(EXPECTED / f"{name}.csv"), check_exact=False, rtol=1e-12, check_dtype=False
        )
    assert not (tmp_path / "plain" / "codings.parquet").exists()


def test_a_scenario_without_coded_ranges_runs_its_own_values_and_says_so(calibrated, tmp_path, capsys):
    darwin = (ROOT / "scenarios" / "darwin.toml").read_text()
    point = re.sub(r"= \{ value = ([0-9.]+),[^}]*\}", r"= \1", darwin)
    assert "range = [" not in point
    (tmp_path / "point.toml").write_text(point)
    experiment = tmp_path / "point_experiment.toml"
    experiment.write_text(
        SMALL.read_text().replace("../../scenarios/darwin_reformed.toml", str(tmp_path / "point.toml"))
    )
    asked = sweep_with_posterior(experiment, calibrated, 2, tmp_path / "asked", _serial(), coding_robustness=5)
    plain = sweep_with_posterior(experiment, calibrated, 2, tmp_path / "plain", _serial())
    pd.testing.assert_frame_equal(colabsim.load_results(tmp_path / "asked"), colabsim.load_results(tmp_path / "plain"))
    pd.testing.assert_frame_equal(asked.answer.points, plain.answer.points)
    assert asked.answer.codings == 1 and "no coding uncertainty" in asked.notes[0]
    assert "No coding uncertainty" in (tmp_path / "asked" / "report.md").read_text()
    status = main(["sweep", str(experiment), "--posterior", str(calibrated), "--draws", "2", "--coding-robustness", "3",
                   "--out", str(tmp_path / "cli"), "--executor", "serial", "-q"])  # fmt: skip
    assert status == 0 and "codes no factor with a range" in capsys.readouterr().out


def test_bad_input_is_a_clear_error_and_runs_nothing(calibrated, tmp_path, capsys):
    cases = [
        (["--coding-robustness", "3", "--out", str(tmp_path / "a")], "needs --posterior RUN"),
        (["--posterior", str(calibrated), "--draws", "50", "--coding-robustness", "1000", "--out", str(tmp_path / "c")],
         "fewer --draws or --coding-robustness"),
        (["--posterior", str(calibrated), "--draws", "2", "--coding-robustness", "30", "--max-runs", "1000",
          "--out", str(tmp_path / "d")], "above the largest accepted (1,000)"),
    ]  # fmt: skip
    for options, message in cases:
        assert main(["sweep", str(SMALL), "-q", "--executor", "serial", *options]) == 2, options
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err, err
    with pytest.raises(SystemExit, match="2"):
        main(["sweep", str(SMALL), "-q", "--posterior", str(calibrated), "--coding-robustness", "1", "--out",
              str(tmp_path / "b")])  # fmt: skip
    assert "--coding-robustness: must be at least 2" in capsys.readouterr().err
    assert not any((tmp_path / name).exists() for name in "abcd")
    with pytest.raises(CalibrationError, match="codings must be a whole number of at least 2"):
        sweep_with_posterior(SMALL, calibrated, 2, tmp_path / "e", _serial(), coding_robustness=1)
