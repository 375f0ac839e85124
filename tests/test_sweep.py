"""Experiments at scale: designs, determinism across executors, durable results, resume, failures."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import colabsim
from colabsim import cli
from colabsim.experiments.experiment import load_experiment, run_seed
from colabsim.experiments.options import ExecutionOptions
from colabsim.experiments.store import load_results
from colabsim.workflows import run_experiment

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SMALL = HERE / "experiments" / "small.toml"


def _sweep(out: Path, **options) -> pd.DataFrame:
    run_experiment(SMALL, out=out, options=ExecutionOptions(progress=False, **options), report=False)
    return load_results(out)


def test_design_and_seeds_follow_the_file():
    experiment = load_experiment(SMALL)
    assert experiment.total_runs == 9 * 4
    assert sorted(experiment.points["legal_frame"].unique()) == pytest.approx([0.2, 0.55, 0.9])
    seeds, factor_sets = experiment.run_plan(5, 7)
    assert seeds == [run_seed(7, 5), run_seed(7, 6)]
    assert factor_sets[0] == dict(experiment.points.iloc[1])


def test_a_run_reproduces_alone_from_its_row(tmp_path):
    table = _sweep(tmp_path / "a", executor="serial")
    row = table.iloc[17]
    experiment = load_experiment(SMALL)
    scenario = experiment.scenario.with_factors(
        legal_frame=row["factor_legal_frame"], commitment=row["factor_commitment"]
    )
    alone = colabsim.simulate(scenario, int(row["seed"])).summary
    assert alone["performance"] == row["performance"]
    assert alone["trust"] == row["trust"]


def test_executors_and_chunk_sizes_give_identical_tables(tmp_path):
    serial = _sweep(tmp_path / "serial", executor="serial", chunk_size=36)
    processes = _sweep(tmp_path / "processes", executor="processes", workers=2, chunk_size=5)
    dask = _sweep(tmp_path / "dask", executor="dask", workers=2, chunk_size=7)
    assert len(serial) == 36 and serial["run"].tolist() == list(range(36))
    pd.testing.assert_frame_equal(serial, processes)
    pd.testing.assert_frame_equal(serial, dask)
    series = load_results(tmp_path / "serial", "series")
    assert len(series) == 36 * load_experiment(SMALL).scenario.horizon_months
    pd.testing.assert_frame_equal(series, load_results(tmp_path / "dask", "series"))


def test_a_run_that_raises_is_recorded_and_the_others_go_on(tmp_path):
    def model(params, rng):
        if params["legal_frame"] > 0.8:
            raise FloatingPointError("diverged")
        return {"y": params["commitment"] + rng.random()}

    result = run_experiment(
        SMALL,
        out=tmp_path / "f",
        options=ExecutionOptions(executor="serial", progress=False, chunk_size=10),
        model=model,
    )
    table = result.results()
    failed = table[table["status"] == "error"]
    assert result.failed == len(failed) == 12
    assert set(failed["factor_legal_frame"]) == {0.9}
    assert failed["error"].str.contains("FloatingPointError: diverged").all()
    assert table.loc[table["status"] == "ok", "y"].notna().all()
    report = (tmp_path / "f" / "report.md").read_text()
    assert "Failed runs" in report and "diverged" in report


def test_a_failing_run_in_a_batch_is_isolated(tmp_path, monkeypatch):
    from colabsim.experiments import runner

    bad_seed = run_seed(7, 3)
    real = runner.run_batch

    def flaky(scenario, seeds, factor_sets=None, keep_series=True, **options):
        if bad_seed in seeds:
            raise ValueError("numerical trouble")
        return real(scenario, seeds, factor_sets, keep_series, **options)

    monkeypatch.setattr(runner, "run_batch", flaky)
    table = _sweep(tmp_path / "iso", executor="serial", chunk_size=8)
    assert table.loc[table["seed"] == bad_seed, "status"].item() == "error"
    assert (table["status"] == "ok").sum() == 35
    monkeypatch.setattr(runner, "run_batch", real)
    clean = _sweep(tmp_path / "clean", executor="serial")
    ok = table["status"] == "ok"
    pd.testing.assert_frame_equal(table.loc[ok, ["run", "performance"]], clean.loc[ok, ["run", "performance"]])


def test_killed_then_resumed_has_every_run_exactly_once(many_chunks, tmp_path, numpy_engine):
    total = load_experiment(many_chunks).total_runs
    out = tmp_path / "killed"
    command = [sys.executable, "-m", "colabsim", "sweep", str(many_chunks), "--out", str(out)]
    process = subprocess.Popen(
        [*command, "--executor", "serial", "--chunk-size", "3"], stderr=subprocess.DEVNULL, env=numpy_engine
    )
    deadline = time.time() + 120
    while time.time() < deadline and len(list((out / "parts").glob("summary-*.parquet"))) < 3:
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    parts_before = len(list((out / "parts").glob("summary-*.parquet")))
    assert 3 <= parts_before < total // 3, "killed part-way"
    resumed = subprocess.run(
        [*command, "--resume", "--executor", "processes", "--workers", "2"], capture_output=True, text=True
    )
    assert resumed.returncode == 0, resumed.stderr
    table = load_results(out)
    assert table["run"].tolist() == list(range(total))
    whole = tmp_path / "whole"
    run_experiment(many_chunks, out=whole, options=ExecutionOptions(executor="serial", progress=False), report=False)
    pd.testing.assert_frame_equal(table, load_results(whole))
    manifest = (out / "manifest.json").read_text()
    assert '"resumed": true' in manifest and '"status": "complete"' in manifest


def test_results_are_never_overwritten_and_resume_checks_the_file(tmp_path):
    out = tmp_path / "once"
    _sweep(out, executor="serial")
    with pytest.raises(colabsim.experiments.store.StoreError, match="not empty"):
        _sweep(out, executor="serial")
    other = tmp_path / "other.toml"
    other.write_text(SMALL.read_text().replace("seed = 7", "seed = 8").replace('"../../', f'"{ROOT}/'))
    with pytest.raises(colabsim.experiments.store.StoreError, match="another version"):
        run_experiment(other, out=out, options=ExecutionOptions(executor="serial", progress=False), resume=True)


@pytest.mark.parametrize(
    ("change", "key", "message"),
    [
        ("levels = 3", "design", "needs 'levels'"),
        ("legal_frame = [0.2, 0.9]", "factors", "low < high"),
        ('method = "grid"', "design.method", "must be one of"),
        ("replications = 4", "experiment.replications", "must be a whole number"),
        ('summary = ["performance", "trust", "commitment"]', "outputs.summary", "unknown summary metric"),
        ("[design]", "colour", "unknown key"),
        ('scenario = "../../scenarios/darwin_reformed.toml"', "experiment.scenario", "does not exist"),
    ],
)
def test_bad_experiment_files_are_clear_errors(tmp_path, capsys, change, key, message):
    replacement = {
        "levels = 3": "",
        "legal_frame = [0.2, 0.9]": "legal_frame = [0.9, 0.2]",
        'method = "grid"': 'method = "random"',
        "replications = 4": 'replications = "four"',
        'summary = ["performance", "trust", "commitment"]': 'summary = ["happiness"]',
        "[design]": '[design]\ncolour = "blue"',
        'scenario = "../../scenarios/darwin_reformed.toml"': 'scenario = "nowhere.toml"',
    }[change]
    bad = tmp_path / "bad.toml"
    bad.write_text(SMALL.read_text().replace(change, replacement).replace('"../../', f'"{ROOT}/'))
    status = cli.main(["sweep", str(bad), "--out", str(tmp_path / "o")])  # in-process: an error path
    err = capsys.readouterr().err
    assert status == 2
    assert "Traceback" not in err
    assert "bad.toml" in err and key in err and message in err


def test_cli_sweep_writes_report_and_figures(tmp_path):
    out = tmp_path / "cli"
    result = subprocess.run(
        [sys.executable, "-m", "colabsim", "sweep", str(SMALL), "--out", str(out), "--workers", "2"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "36 runs" in result.stdout and "0 failed" in result.stdout
    assert "run/s" not in result.stderr and "%|" not in result.stderr, "no progress bar when stderr is not a terminal"
    report = (out / "report.md").read_text()
    assert "legal_frame" in report and "figures/performance.png" in report
    assert (out / "figures" / "performance.png").stat().st_size > 5000
    assert (out / "design.parquet").is_file() and (out / "experiment.toml").is_file()
    table = colabsim.load_results(out)
    assert np.isfinite(table["performance"]).all()


def test_replicates_start_values_are_per_replication_and_the_design_wins(tmp_path):
    from dataclasses import replace

    from colabsim.experiments.experiment import Replicates
    from colabsim.experiments.runner import run_experiment as run_plan
    from colabsim.model.batch import run_batch

    plan = load_experiment(SMALL).plan()
    scenario = plan.scenario
    start = ({"mutuality": 0.2, "legal_frame": 0.3}, {"mutuality": 0.5}, {}, {"kinship": 0.1})
    replicates = Replicates(seeds=(11, 12, 13, 14), parameters=(scenario.parameters,) * 4, start_values=start)
    with pytest.raises(ValueError, match="differ in length"):
        Replicates(seeds=(1, 2), parameters=(scenario.parameters,) * 2, start_values=start)
    assert len(replicates.manifest_record()["start_values sha256"]) == 64
    for hold in (True, False):
        out = tmp_path / f"hold-{hold}"
        run_plan(replace(plan, replicates=replicates, hold_factors=hold), out, ExecutionOptions(progress=False))
        table = load_results(out)
        for k in (4, 5):  # design point 1, replications 0 (its legal_frame is the design's) and 1
            row = table.iloc[k]
            design = {"legal_frame": row["factor_legal_frame"], "commitment": row["factor_commitment"]}
            coded = {n: v for n, v in start[int(row["replication"])].items() if n not in design}
            seed = [int(row["seed"])]
            if hold:
                alone = run_batch(scenario, seed, [design], keep_series=False, start_values=[coded])
            else:
                alone = run_batch(scenario, seed, keep_series=False, start_values=[{**coded, **design}])
            assert alone.summary["performance"][0] == row["performance"], (hold, k)
