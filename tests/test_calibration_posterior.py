"""Answers over a calibration's posterior: `run` and `compare` with ``--posterior``."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from calibration_support import ROOT, TINY

import colabsim
from colabsim.calibration import run_calibration
from colabsim.calibration.posterior import load_posterior, run_with_posterior
from colabsim.calibration.store import CalibrationError
from colabsim.cli import main
from colabsim.robustness.comparison import CodingRobustness, plan_codings


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
    assert np.isclose(effect["variance_parameter"] + effect["variance_seed"], 1.0) and effect["variance_coding"] == 0
    assert np.isnan(effect["share_codings_helps"])  # no codings sampled: the files' own values
    assert set(answer.parameters["parameter"]) == {"understanding_reach", "success_months"}
    report = (tmp_path / "a" / "report.md").read_text()
    assert "Conditional on the bands" in report and "not the coding of the factors" in report


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


def test_with_codings_the_draws_nest_in_codings_with_common_random_numbers_across_arms(calibrated, tmp_path):
    vlissingen = str(ROOT / "scenarios" / "vlissingen.toml")
    darwin = str(ROOT / "scenarios" / "darwin.toml")
    args = ["--posterior", str(calibrated), "--draws", "3", "-r", "2", "--coding-robustness", "4", "--seed", "3", "-q"]
    assert main(["compare", vlissingen, darwin, *args, "--out", str(tmp_path / "a")]) == 0
    assert main(["compare", vlissingen, darwin, *args, "--out", str(tmp_path / "b"), "-j", "2"]) == 0
    cells = pd.read_parquet(tmp_path / "a" / "cells.parquet")
    pd.testing.assert_frame_equal(cells, pd.read_parquet(tmp_path / "b" / "cells.parquet"))  # serial = parallel
    assert len(cells) == 4 * 3 and set(cells["coding"]) == {0, 1, 2, 3}
    codings = pd.read_parquet(tmp_path / "a" / "codings.parquet")
    assert len(codings) == 4 and codings.filter(like="darwin.").nunique().max() == 4  # coded ranges sampled
    effect = pd.read_csv(tmp_path / "a" / "posterior_effects.csv").iloc[0]
    assert effect["against"] == "vlissingen" and 0 <= effect["share_codings_helps"] <= 1
    assert effect["variance_coding"] > 0
    assert np.isclose(effect[["variance_coding", "variance_parameter", "variance_seed"]].sum(), 1.0)
    p1 = pd.read_csv(tmp_path / "a" / "posterior_patterns.csv").iloc[0]
    assert p1["strong"] == "vlissingen" and 0 <= p1["share_holds"] <= 1
    report = (tmp_path / "a" / "report.md").read_text()
    assert "4 codings sampled" in report and "calibrated on the files' point codings" in report


def test_a_file_compared_with_itself_over_codings_and_draws_shows_no_effect_in_any_cell(calibrated, tmp_path):
    # The same line of the same file takes the same value in both arms, and each (coding, draw) runs the same
    # parameters and seeds in both: so every cell's effect is exactly 0 (common random numbers, one reading).
    darwin = colabsim.load_scenario(ROOT / "scenarios" / "darwin.toml")
    scenarios = [("darwin", darwin), ("again", darwin)]
    plan = plan_codings(scenarios, 2, CodingRobustness(3, 4))
    answer = run_with_posterior(scenarios, load_posterior(calibrated), 2, 2, 2, out=tmp_path / "s", codings=plan)
    cells = pd.read_parquet(tmp_path / "s" / "cells.parquet")
    assert cells["darwin_mean"].nunique() > 1
    assert (cells["darwin_mean"] == cells["again_mean"]).all()
    assert answer.effects.iloc[0]["mean"] == 0 and answer.effects.iloc[0]["share_helps"] == 0


def test_run_samples_codings_with_a_posterior_and_refuses_codings_without_one(calibrated, tmp_path, capsys):
    darwin = str(ROOT / "scenarios" / "darwin.toml")
    args = ["--draws", "2", "-r", "2", "--coding-robustness", "3", "-q"]
    assert main(["run", darwin, "--posterior", str(calibrated), *args, "--out", str(tmp_path / "r")]) == 0
    level = pd.read_csv(tmp_path / "r" / "posterior_levels.csv").iloc[0]
    assert level["variance_coding"] > 0 and np.isclose(level.filter(like="variance_").sum(), 1.0)
    assert main(["run", darwin, *args, "--out", str(tmp_path / "none")]) == 2
    assert "needs --posterior RUN" in capsys.readouterr().err and not (tmp_path / "none").exists()


def test_coding_replications_is_refused_with_a_posterior_before_anything_runs(calibrated, tmp_path, capsys):
    darwin = str(ROOT / "scenarios" / "darwin.toml")
    out = tmp_path / "both"
    status = main(["compare", darwin, darwin, "--posterior", str(calibrated), "--coding-robustness", "20",
                   "--coding-replications", "3", "--out", str(out), "-q"])  # fmt: skip
    assert status == 2 and "-r sets the seeds of each (coding, draw)" in capsys.readouterr().err
    assert not out.exists()


def test_draws_without_a_posterior_is_refused(tmp_path, capsys):
    darwin = str(ROOT / "scenarios" / "darwin.toml")
    for command in (["run", darwin], ["compare", darwin, darwin]):
        assert main([*command, "--draws", "5", "--out", str(tmp_path / command[0]), "-q"]) == 2
        assert "--draws needs --posterior RUN" in capsys.readouterr().err and not (tmp_path / command[0]).exists()
