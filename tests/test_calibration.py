"""The calibration on the model: recovery of a known parameter set, the command line, resume and bad input."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from calibration_support import ROOT, TINY

from colabsim.calibration import load_calibration
from colabsim.calibration.abc import Settings, abc_smc, weighted_quantiles
from colabsim.calibration.priors import PriorSet, ScalarPrior
from colabsim.calibration.simulator import PatternSimulator
from colabsim.calibration.targets import DEFAULT_TARGETS, with_bands
from colabsim.cli import main
from colabsim.scenario.loader import ScenarioError
from colabsim.scenario.parameters import Parameters
from colabsim.validation.study import load_study


@pytest.fixture(scope="module")
def study():
    return load_study(ROOT / "scenarios")


def write(tmp_path: Path, text: str, name: str = "calibration.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_known_parameters_are_recovered_inside_the_90_percent_credible_region(study):
    # Simulate the targets' statistics at a known parameter set, make bands around them, calibrate.
    prior = PriorSet(
        (
            ScalarPrior("understanding_reach", "uniform", 0.4, 1.0, 0.7),
            ScalarPrior("brokered_rate", "uniform", 0.455, 1.0, 0.7275),
        )
    )
    truth = np.array([[0.85, 0.6]])
    simulator = PatternSimulator(study, prior, replications=16)
    observed = simulator.statistics(truth, np.random.SeedSequence(99))
    half = {"p1_darwin_level": 0.02, "p1_ratio": 0.08, "p2_drop_share": 0.015, "p3_closed_share": 0.03}
    value = {k: float(observed[k][0]) for k in half}
    bands = {k: (value[k] - h, value[k] + h) for k, h in half.items() if k != "p1_ratio"}
    bands["p1_ratio"] = (value["p1_ratio"] * np.exp(-half["p1_ratio"]), value["p1_ratio"] * np.exp(half["p1_ratio"]))
    simulator.targets = with_bands(DEFAULT_TARGETS, bands)
    simulator.replications = 4
    settings = Settings(particles=100, generations=5, max_proposals=3000)
    last = list(abc_smc(prior, simulator, settings, np.random.SeedSequence(1)))[-1]
    for k, value in enumerate(truth[0]):
        low, high = weighted_quantiles(last.theta[:, k], last.weights, (0.05, 0.95))
        assert low <= value <= high, (prior.coordinates[k], low, high, value)
    # The posterior learned something: understanding_reach's 90% region is narrower than its prior's (0.54 wide).
    low, high = weighted_quantiles(last.theta[:, 0], last.weights, (0.05, 0.95))
    assert high - low < 0.8 * 0.9 * (1.0 - 0.4)


def test_the_command_line_calibrates_writes_every_part_and_resumes(tmp_path, capsys):
    path = write(tmp_path, TINY)
    out = tmp_path / "run"
    assert main(["calibrate", str(path), "--out", str(out), "-j", "1", "-q"]) == 0
    printed = capsys.readouterr().out
    assert "generation 0" in printed and "report:" in printed
    assert "held out, share of posterior draws" in printed and "coding swap: the structure carries" in printed
    for name in ("draws.parquet", "convergence.csv", "posterior.csv", "predictive_targets.csv",
                 "predictive_held_out.csv", "predictive_held_out_scenarios.csv", "predictive_health_tourism.csv",
                 "predictive_coding_swap.csv", "submodels.csv", "report.md", "calibration.json", "manifest.json",
                 "figures/marginals.png", "figures/pairs.png"):  # fmt: skip
        assert (out / name).is_file(), name
    report = (out / "report.md").read_text()
    assert "Conditional on the bands" in report and "Held out (P4-P8" in report
    for part in ("*The other Table 1.1 scenarios, one by one.*", "*Health against tourism.*", "*The coding swap.*"):
        assert part in report
    state = json.loads((out / "calibration.json").read_text())
    assert {"bands", "priors", "scenarios", "codebook", "model"} <= set(state)
    draws = pd.read_parquet(out / "draws.parquet")
    assert draws["value.success_months"].dtype.kind == "i" and draws["value.success_months"].between(12, 36).all()
    last = draws["generation"].max()
    kept = (out / "generations" / f"gen_{last:03d}.parquet").read_bytes()
    # An interrupted run lost its last generation: --resume makes exactly the same one again.
    (out / "generations" / f"gen_{last:03d}.parquet").unlink()
    assert main(["calibrate", str(path), "--out", str(out), "--resume", "-j", "1", "-q"]) == 0
    again = pd.read_parquet(out / "generations" / f"gen_{last:03d}.parquet")
    before = pd.read_parquet(io.BytesIO(kept))
    assert np.array_equal(again["understanding_reach"].to_numpy(), before["understanding_reach"].to_numpy())


def test_resume_refuses_other_bands_and_keeps_the_folder(tmp_path, capsys):
    path = write(tmp_path, TINY)
    out = tmp_path / "run"
    assert main(["calibrate", str(path), "--out", str(out), "-j", "1", "-q"]) == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    other = write(tmp_path, TINY + "\n[targets.p2_drop_share]\nlow = 0.10\nhigh = 0.45\n", "other.toml")
    capsys.readouterr()
    assert main(["calibrate", str(other), "--out", str(out), "--resume", "-q"]) == 2
    error = capsys.readouterr().err
    assert "calibration.json: bands: recorded" in error and "another --out" in error
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_resume_refuses_a_folder_from_another_model_version(tmp_path, capsys):
    path = write(tmp_path, TINY)
    out = tmp_path / "run"
    assert main(["calibrate", str(path), "--out", str(out), "-j", "1", "-q"]) == 0
    state = json.loads((out / "calibration.json").read_text())
    state["model"]["colabsim version"] = "0.0.1"
    (out / "calibration.json").write_text(json.dumps(state))
    capsys.readouterr()
    assert main(["calibrate", str(path), "--out", str(out), "--resume", "-q"]) == 2
    assert 'model.colabsim version: recorded "0.0.1"' in capsys.readouterr().err


def test_resume_of_a_folder_that_is_no_calibration_says_so(tmp_path, capsys):
    path = write(tmp_path, TINY)
    (tmp_path / "elsewhere").mkdir()
    assert main(["calibrate", str(path), "--out", str(tmp_path / "elsewhere"), "--resume", "-q"]) == 2
    assert "no calibration.json" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("change", "key", "words"),
    [
        (
            '[priors.understanding_reech]\ndistribution = "uniform"\nlow = 0.4\nhigh = 1.0\n',
            "priors.understanding_reech",
            "did you mean 'understanding_reach'",
        ),
        ("[targets.p9_anything]\nlow = 0.1\nhigh = 0.2\n", "targets.p9_anything", "allowed: p1_darwin_level"),
        (
            '[priors.legal_floor]\ndistribution = "uniform"\nlow = 0.2\nhigh = 1.5\n',
            "priors.legal_floor",
            "leaves legal_floor's allowed range [0, 1]",
        ),
        (
            '[priors.legal_floor]\ndistribution = "uniform"\nlow = 0.6\nhigh = 0.9\n',
            "priors.legal_floor",
            "centred on the documented value 0.486",
        ),
        (
            '[priors.turnover_loss]\ndistribution = "integer"\nlow = 0\nhigh = 1\n',
            "priors.turnover_loss.distribution",
            "use distribution = 'uniform' or 'truncnormal'",
        ),
        (
            '[priors.legal_floor]\ndistribution = "normal"\nlow = 0.2\nhigh = 0.7\n',
            "priors.legal_floor.distribution",
            "must be one of",
        ),
        (
            '[priors.legal_floor]\ndistribution = "truncnormal"\nlow = 0.2\nhigh = 0.7\n',
            "priors.legal_floor.sd",
            "needs sd",
        ),
        (
            '[priors.resource_weights]\ndistribution = "dirichlet"\nlow = 0.1\n',
            "priors.resource_weights",
            "concentration only",
        ),
    ],
)
def test_bad_calibration_files_name_the_file_the_key_and_what_is_allowed(tmp_path, capsys, change, key, words):
    path = write(tmp_path, TINY + "\n" + change)
    with pytest.raises(ScenarioError) as caught:
        load_calibration(path)
    message = str(caught.value)
    assert f"{path}: {key}:" in message and words in message
    assert main(["calibrate", str(path), "--out", str(tmp_path / "run"), "-q"]) == 2
    assert "Traceback" not in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_a_dirichlet_prior_of_the_resource_weights_is_read(tmp_path):
    calibration = load_calibration(write(tmp_path, TINY + '\n[priors.resource_weights]\ndistribution = "dirichlet"\n'
                                                          "concentration = 40\n"))  # fmt: skip
    assert calibration.prior.coordinates[-3:] == ("resource_weights.funds", "resource_weights.materials",
                                                  "resource_weights.people")  # fmt: skip


def test_the_shipped_calibration_file_is_valid_and_its_priors_are_centred():
    calibration = load_calibration(ROOT / "experiments" / "calibration.toml")
    assert 1 <= len(calibration.prior.priors) <= 10
    defaults = Parameters()
    for prior in calibration.prior.priors:
        documented = getattr(defaults, prior.name)
        if prior.kind == "uniform":
            assert abs((prior.low + prior.high) / 2 - documented) < 0.01 * documented, prior.name
        else:
            assert prior.mean == documented, prior.name


def test_ctrl_c_keeps_the_finished_generations_and_resume_finishes_the_same_run(tmp_path, capsys, monkeypatch):
    import colabsim.calibration.pipeline as pipeline

    path = write(tmp_path, TINY)
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    assert main(["calibrate", str(path), "--out", str(whole), "-j", "1", "-q"]) == 0
    real = pipeline.write_generation

    def interrupted(folder, generation, coordinates):
        if generation.index == 1:
            raise KeyboardInterrupt
        return real(folder, generation, coordinates)

    monkeypatch.setattr(pipeline, "write_generation", interrupted)
    assert main(["calibrate", str(path), "--out", str(cut), "-j", "1", "-q"]) == 130
    assert "continue with --resume" in capsys.readouterr().err
    assert sorted(p.name for p in (cut / "generations").glob("*.parquet")) == ["gen_000.parquet"]
    monkeypatch.setattr(pipeline, "write_generation", real)
    assert main(["calibrate", str(path), "--out", str(cut), "--resume", "-j", "1", "-q"]) == 0
    a, b = pd.read_parquet(whole / "draws.parquet"), pd.read_parquet(cut / "draws.parquet")
    pd.testing.assert_frame_equal(a, b)
