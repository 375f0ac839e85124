"""The analyst's day: suggestions, baselines, per-scenario overrides, exit codes, locks and Ctrl-C.

Error paths call the CLI in-process (`colabsim.cli.main`); the interrupt tests run a real process,
since signals are what they check, with generous time limits rather than stopwatches.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from colabsim import cli
from colabsim.experiments import runner
from colabsim.experiments.experiment import load_experiment, run_seed
from colabsim.experiments.lock import LOCK_NAME, FolderLock
from colabsim.experiments.options import ExecutionOptions
from colabsim.experiments.store import load_results, unique_temporary
from colabsim.workflows import run_experiment

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCENARIOS = ROOT / "scenarios"
SMALL = HERE / "experiments" / "small.toml"
DARWIN, VLISSINGEN = str(SCENARIOS / "darwin.toml"), str(SCENARIOS / "vlissingen.toml")


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    status = cli.main([str(a) for a in args])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return status, captured.out, captured.err


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (["rn", DARWIN], "unknown command 'rn' (did you mean 'run'?)"),
        (["--quiet", "swep", "x.toml"], "did you mean 'sweep'?"),
        (["run", DARWIN, "--set", "legal_fram=0.5"], "unknown factor 'legal_fram' (did you mean 'legal_frame'?)"),
        (["compare", DARWIN, VLISSINGEN, "--set", "darwn:legal_frame=0.5"], "no scenario 'darwn' (did you mean"),
        (["compare", DARWIN, VLISSINGEN, "--baseline", "vlisingen"], "did you mean 'vlissingen'?"),
        (["run", str(SMALL)], "colabsim sweep"),
        (["compare", DARWIN, str(SMALL)], "is an experiment file"),
        (["sweep", DARWIN], "is a scenario file, not an experiment file; run it with 'colabsim run'"),
        (["sensitivity", DARWIN], "colabsim run"),
        (["sweep", str(SMALL), "--max-runs", "35"], "36 runs, above the limit of 35 runs"),
        (["sweep", str(SMALL), "--resume"], "--resume needs --out"),
    ],
)
def test_bad_input_is_exit_2_with_a_suggestion(capsys, args, phrase):
    status, _, err = run_cli(capsys, *args)
    assert status == cli.EXIT_BAD_INPUT == 2
    assert phrase in err


def test_validate_checks_experiment_and_scenario_files_together(capsys, tmp_path):
    status, out, _ = run_cli(capsys, "validate", DARWIN, SMALL)
    assert status == 0
    assert "ok: " + DARWIN in out and "grid design, 9 points x 4 replications = 36 runs" in out
    status, out, err = run_cli(capsys, "validate", SMALL, HERE / "bad_experiments" / "sobol_not_power_of_two.toml")
    assert status == 2 and "ok: " in out and "power of 2" in err
    status, _, err = run_cli(capsys, "validate", "--max-runs", "10", SMALL)
    assert status == 2 and "--max-runs 36" in err


def test_compare_against_a_baseline_with_an_override_for_one_scenario(capsys, tmp_path):
    out = tmp_path / "cmp"
    status, printed, _ = run_cli(
        capsys, "compare", DARWIN, VLISSINGEN, "-r", "2", "--baseline", "vlissingen",
        "--set", "darwin:legal_frame=0.95", "--set", "kinship=0.5", "--out", out,
    )  # fmt: skip
    assert status == 0, printed
    manifest = json.loads((out / "manifest.json").read_text())
    overrides = {s["label"]: s["overrides"] for s in manifest["scenarios"]}
    assert overrides == {"vlissingen": {"kinship": 0.5}, "darwin": {"legal_frame": 0.95, "kinship": 0.5}}
    assert [s["label"] for s in manifest["scenarios"]] == ["vlissingen", "darwin"], "the baseline first"
    import pandas as pd

    table = pd.read_csv(out / "comparison.csv").set_index(["scenario", "metric"])
    assert table.loc[("vlissingen", "performance"), "diff"] == 0.0
    assert table.loc[("darwin", "performance"), "diff"] != 0.0


def _finished_sweep(out: Path) -> None:
    run_experiment(SMALL, out=out, options=ExecutionOptions(executor="serial", progress=False), report=False)


def test_a_held_folder_is_refused_naming_its_holder_and_force_overrides(capsys, tmp_path):
    out = tmp_path / "held"
    _finished_sweep(out)
    before = sorted(p.name for p in (out / "parts").iterdir())
    with FolderLock(out):
        status, _, err = run_cli(capsys, "sweep", SMALL, "--out", out, "--resume", "--executor", "serial")
        assert status == cli.EXIT_LOCKED == 3
        assert f"process {os.getpid()} on host {socket.gethostname()}" in err and "--force" in err
        assert sorted(p.name for p in (out / "parts").iterdir()) == before, "nothing written meanwhile"
        status, _, err = run_cli(capsys, "sweep", SMALL, "--out", out, "--resume", "--executor", "serial", "--force")
        assert status == 0, err
    assert not (out / LOCK_NAME).exists(), "released when the run ended"


def test_a_stale_lock_is_taken_over_and_recorded(capsys, tmp_path):
    out = tmp_path / "stale"
    _finished_sweep(out)
    gone = {"pid": 999_999_999, "host": "node7", "token": "t", "started": "2026-01-01", "heartbeat": time.time() - 3600}
    (out / LOCK_NAME).write_text(json.dumps(gone))
    status, _, err = run_cli(capsys, "sweep", SMALL, "--out", out, "--resume", "--executor", "serial", "--quiet")
    assert status == 0, err
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["runs"][-1]["took_over_lock_of"] == {"pid": 999_999_999, "host": "node7"}
    assert not (out / LOCK_NAME).exists()


def test_a_live_lock_of_another_host_is_respected(tmp_path):
    from colabsim.experiments.lock import FolderLockedError

    tmp_path.joinpath(LOCK_NAME).write_text(
        json.dumps({"pid": 1, "host": "node7", "token": "t", "started": "now", "heartbeat": time.time()})
    )
    with pytest.raises(FolderLockedError, match="process 1 on host node7"):
        FolderLock(tmp_path).acquire()


def test_temporary_files_are_unique_per_process_and_call(tmp_path):
    first, second = unique_temporary(tmp_path / "manifest.json"), unique_temporary(tmp_path / "manifest.json")
    assert first != second and str(os.getpid()) in first.name and first.name.endswith(".tmp")


def test_some_failed_runs_give_their_own_exit_status(capsys, tmp_path, monkeypatch):
    bad_seed = run_seed(7, 3)
    real = runner.run_batch

    def flaky(scenario, seeds, factor_sets=None, keep_series=True, **options):
        if bad_seed in seeds:
            raise ValueError("numerical trouble")
        return real(scenario, seeds, factor_sets, keep_series, **options)

    monkeypatch.setattr(runner, "run_batch", flaky)
    # Small chunks: only the chunk holding the bad seed is rerun one run at a time.
    status, out, err = run_cli(
        capsys, "sweep", SMALL, "--out", tmp_path / "f", "--executor", "serial", "--chunk-size", "4"
    )
    assert status == cli.EXIT_RUNS_FAILED == 4
    assert "1 failed" in out and "1 runs failed" in err


def _sweep_command(experiment: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "colabsim", "sweep", str(experiment), "--out", str(out), *extra]


def _interruptible() -> None:
    """In the child before it starts: Ctrl-C as a terminal delivers it, whatever the test process inherited.

    A child inherits an ignored SIGINT, and Python then installs no KeyboardInterrupt handler.
    pytest-xdist's workers start with SIGINT ignored (until a test such as a notebook's kernel
    client sets a handler), so in whole-suite runs the sweep ran to its end (exit 0), never alone.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_keeps_finished_runs_marks_the_manifest_and_resume_writes_each_run_once(
    many_chunks, tmp_path, numpy_engine
):
    total = load_experiment(many_chunks).total_runs
    out = tmp_path / "interrupted"
    process = subprocess.Popen(
        _sweep_command(many_chunks, out, "--workers", "2", "--chunk-size", "3"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=numpy_engine,
        preexec_fn=_interruptible,
    )  # fmt: skip
    deadline = time.time() + 240
    while time.time() < deadline and len(list((out / "parts").glob("summary-*.parquet"))) < 2:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)  # generous: the mechanism is tested, not the speed
    assert process.returncode == cli.EXIT_INTERRUPTED == 130, err
    assert "interrupted; finished work is kept" in err and "Traceback" not in err
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"
    assert not (out / LOCK_NAME).exists() and not list(out.rglob("*.tmp"))
    kept = len(list((out / "parts").glob("summary-*.parquet")))
    assert 2 <= kept < total // 3, "stopped part-way, finished chunks kept"
    resumed = subprocess.run(
        _sweep_command(many_chunks, out, "--resume", "--executor", "serial"),
        capture_output=True, text=True, timeout=600, env=numpy_engine,
    )  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr
    table = load_results(out)
    assert table["run"].tolist() == list(range(total)), "every run written exactly once"


def test_a_second_ctrl_c_during_clean_up_exits_at_once(tmp_path):
    script = textwrap.dedent(
        """
        import os, signal, time
        from colabsim.experiments.executors import second_interrupt_exits
        with second_interrupt_exits():
            os.kill(os.getpid(), signal.SIGINT)  # the second Ctrl-C arrives during a slow clean-up
            time.sleep(60)
        print("clean-up finished")
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=55)
    assert done.returncode == 130 and "clean-up finished" not in done.stdout
    after = textwrap.dedent(
        """
        import signal
        from colabsim.experiments.executors import second_interrupt_exits
        before = signal.getsignal(signal.SIGINT)
        with second_interrupt_exits():
            pass
        print(signal.getsignal(signal.SIGINT) is before)
        """
    )
    restored = subprocess.run([sys.executable, "-c", after], capture_output=True, text=True, timeout=55)
    assert restored.stdout.strip() == "True", "the previous handler comes back"


def test_sensitivity_refuses_a_held_folder_and_force_overrides(capsys, tmp_path):
    experiment = HERE / "experiments" / "tiny_morris.toml"
    out = tmp_path / "held"
    status, _, err = run_cli(capsys, "sensitivity", experiment, "--out", out, "--executor", "serial")
    assert status == 0, err
    with FolderLock(out / "runs"):
        status, _, err = run_cli(capsys, "sensitivity", experiment, "--out", out, "--resume", "--executor", "serial")
        assert status == cli.EXIT_LOCKED == 3
        assert f"process {os.getpid()} on host {socket.gethostname()}" in err and "--force" in err
        status, _, err = run_cli(
            capsys, "sensitivity", experiment, "--out", out, "--resume", "--executor", "serial", "--force"
        )
        assert status == 0, err
    assert not (out / "runs" / LOCK_NAME).exists(), "released when the run ended"
