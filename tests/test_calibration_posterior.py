"""Answers over a calibration's posterior: `run` and `compare` with ``--posterior``."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from calibration_support import ROOT, TINY

import colabsim
from colabsim.calibration import run_calibration
from colabsim.calibration.posterior import _variance_split, load_posterior, run_with_posterior
from colabsim.calibration.store import CalibrationError
from colabsim.cli import main


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("posterior")
    path = folder / "calibration.toml"
    path.write_text(TINY, encoding="utf-8")
    return run_calibration(path, folder / "run").directory


def test_a_comparison_over_posterior_draws_reports_levels_effects_and_their_sources(calibrated, tmp_path):
    posterior = load_posterior(calibrated)
    assert posterior.coordinates == ("understanding_reach", "success_months")
    parameters = posterior.parameters(posterior.theta[:3], colabsim.load_scenario(ROOT / "scenarios" / "darwin.toml")
                                      .parameters)  # fmt: skip
    assert all(isinstance(p.success_months, int) for p in parameters)
    darwin = colabsim.load_scenario(ROOT / "scenarios" / "darwin.toml")
    scenarios = [("darwin", darwin), ("renewed", darwin.with_factors(legal_frame=0.9))]
    answer = run_with_posterior(scenarios, posterior, draws=6, replications=3, seed=4, out=tmp_path / "a")
    again = run_with_posterior(scenarios, posterior, draws=6, replications=3, seed=4, out=tmp_path / "b")
    pd.testing.assert_frame_equal(answer.effects, again.effects)
    effect = answer.effects.iloc[0]
    assert effect["q05"] <= effect["median"] <= effect["q95"] and 0 <= effect["share_helps"] <= 1
    assert np.isclose(effect["variance_parameter"] + effect["variance_seed"], 1.0)
    assert set(answer.parameters["parameter"]) == {"understanding_reach", "success_months"}
    report = (tmp_path / "a" / "report.md").read_text()
    assert "Conditional on the bands" in report and "not the coding of the factors" in report


def test_the_variance_split_tells_parameter_from_seed_noise():
    rng = np.random.default_rng(0)
    by_parameter = rng.normal(size=(200, 1)) + 0.01 * rng.normal(size=(200, 10))
    by_seed = 0.01 * rng.normal(size=(200, 1)) + rng.normal(size=(200, 10))
    assert _variance_split(by_parameter)[0] > 0.95 and _variance_split(by_seed)[1] > 0.95


def test_compare_with_a_posterior_from_the_command_line(calibrated, tmp_path, capsys):
    darwin = str(ROOT / "scenarios" / "darwin.toml")
    status = main(["compare", darwin, darwin, "--set", "darwin_2:legal_frame=0.9", "--posterior", str(calibrated),
                   "--draws", "4", "-r", "2", "--out", str(tmp_path / "c"), "-q"])  # fmt: skip
    assert status == 0, capsys.readouterr().err
    printed = capsys.readouterr().out
    assert "posterior draws" in printed and (tmp_path / "c" / "posterior_effects.csv").is_file()


def test_a_posterior_of_another_model_version_or_other_bands_is_refused(calibrated, tmp_path, capsys):
    darwin = str(ROOT / "scenarios" / "darwin.toml")
    for key, value in (("model", {"colabsim version": "0.0.1"}), ("bands", "0" * 64)):
        copy = tmp_path / key
        copy.mkdir()
        for name in ("draws.parquet", "posterior.csv"):
            (copy / name).write_bytes((calibrated / name).read_bytes())
        state = json.loads((calibrated / "calibration.json").read_text())
        state[key] = {**state[key], **value} if isinstance(value, dict) else value
        (copy / "calibration.json").write_text(json.dumps(state))
        with pytest.raises(CalibrationError, match=f"calibration.json: {key}"):
            load_posterior(copy)
        assert main(["run", darwin, "--posterior", str(copy), "--out", str(tmp_path / f"r-{key}"), "-q"]) == 2
        assert "calibrate again" in capsys.readouterr().err
    assert main(["run", darwin, "--posterior", str(tmp_path), "-q"]) == 2
    assert "no finished calibration" in capsys.readouterr().err


def test_posterior_and_coding_robustness_together_are_refused_before_anything_runs(calibrated, tmp_path, capsys):
    darwin = str(ROOT / "scenarios" / "darwin.toml")
    out = tmp_path / "both"
    status = main(["compare", darwin, darwin, "--posterior", str(calibrated), "--coding-robustness", "20",
                   "--out", str(out), "-q"])  # fmt: skip
    assert status == 2 and "cannot be combined yet" in capsys.readouterr().err
    assert not out.exists()
