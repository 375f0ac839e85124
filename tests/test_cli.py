"""The command line: smoke tests through the installed ``colabsim`` console script, error paths in-process.

Starting Python and importing colabsim costs seconds per call, so the error paths call
`colabsim.cli.main` in this process; the console script is still run end to end for each verb here.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from colabsim import cli

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
SCRIPT = shutil.which("colabsim", path=str(Path(sys.executable).parent)) or shutil.which("colabsim")


def colabsim(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    if SCRIPT is None:
        pytest.fail("the colabsim console script is not installed (pip install -e .)")
    return subprocess.run([SCRIPT, *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def in_process(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`colabsim.cli.main` here: exit status, standard output, standard error."""
    try:
        status = cli.main(list(args))
    except SystemExit as exit_:  # argparse's own errors (a bad number) exit from parse_args
        status = int(exit_.code or 0)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_factors_lists_every_registered_factor(capsys):
    from colabsim.scenario.factors import FACTORS

    result = colabsim("factors")
    assert result.returncode == 0
    for name in FACTORS:
        assert name in result.stdout
    status, csv, _ = in_process(capsys, "factors", "--format", "csv")
    assert status == 0
    assert csv.splitlines()[0] == "factor,dimension,category,default,range,meaning"
    assert len(csv.splitlines()) == len(FACTORS) + 1


def test_validate_accepts_the_shipped_scenarios():
    files = sorted(str(p) for p in SCENARIOS.glob("*.toml"))
    result = colabsim("validate", *files)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("ok: ") == len(files)


def test_validate_rejects_a_bad_file_without_traceback(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    text = (SCENARIOS / "darwin.toml").read_text()
    bad.write_text(text.replace("legal_frame = { value = 0.6,", "legal_frame = { value = 1.6,"))
    status, out, err = in_process(capsys, "validate", str(SCENARIOS / "darwin.toml"), str(bad))
    assert status == 2
    assert "Traceback" not in err + out
    assert "bad.toml" in err and "legal_frame" in err and "0.0 to 1.0" in err
    assert "ok: " in out


def test_run_writes_a_complete_run_directory(tmp_path):
    out = tmp_path / "run"
    result = colabsim(
        "run",
        str(SCENARIOS / "darwin.toml"),
        "--seed",
        "0",
        "--replications",
        "3",
        "--set",
        "legal_frame=0.9",
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    for name in ("manifest.json", "timeseries.csv", "summary.csv", "programmes.csv", "report.md"):
        assert (out / name).is_file(), name
    assert (out / "figures" / "performance.png").stat().st_size > 10_000
    assert (out / "figures" / "network_darwin.png").is_file()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["root_seed"] == 0 and len(manifest["seeds"]) == 3
    assert manifest["scenarios"][0]["overrides"] == {"legal_frame": 0.9}
    assert len(manifest["scenarios"][0]["sha256"]) == 64
    assert manifest["environment"]["packages"]["mesa"].startswith("3.")
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary["seed"]) == manifest["seeds"]
    assert {"performance", "final_performance", "trust", "commitment"} <= set(summary.columns)
    timeseries = pd.read_csv(out / "timeseries.csv")
    assert list(timeseries.columns[:4]) == ["scenario", "replication", "seed", "step"]


def test_compare_writes_comparison_with_differences(tmp_path):
    out = tmp_path / "cmp"
    result = colabsim(
        "compare", str(SCENARIOS / "vlissingen.toml"), str(SCENARIOS / "darwin.toml"), "-r", "4", "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(out / "comparison.csv")
    assert {"scenario", "metric", "mean", "ci_low", "ci_high", "diff", "diff_ci_low", "diff_ci_high"} <= set(
        table.columns
    )
    perf = table[(table["metric"] == "performance")].set_index("scenario")
    assert perf.loc["vlissingen", "diff"] == 0.0
    assert perf.loc["darwin", "diff"] == pytest.approx(perf.loc["darwin", "mean"] - perf.loc["vlissingen", "mean"])
    report = (out / "report.md").read_text()
    assert "vlissingen" in report and "darwin" in report and "figures/performance.png" in report


def test_same_seed_same_numbers_from_the_command_line(tmp_path, capsys):
    args = [str(SCENARIOS / "vlissingen.toml"), "-r", "2", "--seed", "5"]
    assert in_process(capsys, "run", *args, "--out", str(tmp_path / "a"))[0] == 0
    assert in_process(capsys, "run", *args, "--out", str(tmp_path / "b"), "--workers", "2")[0] == 0
    pd.testing.assert_frame_equal(
        pd.read_csv(tmp_path / "a" / "summary.csv"), pd.read_csv(tmp_path / "b" / "summary.csv")
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "missing.toml"], "file not found"),
        (["run", "scenarios/darwin.toml", "--set", "legal_frame"], "FACTOR=VALUE"),
        (["run", "scenarios/darwin.toml", "--set", "legal_frame=high"], "not a number"),
        (["run", "scenarios/darwin.toml", "--set", "legalframe=0.5"], "unknown factor"),
        (["run", "scenarios/darwin.toml", "--set", "legal_frame=2"], "out of range"),
        (["run", "scenarios/darwin.toml", "--replications", "0"], "at least 1"),
        (["run", "scenarios/darwin.toml", "--seed", "-3"], "non-negative"),
    ],
)
def test_bad_options_are_clear_errors(args, message, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)  # the paths are relative to the repository, as a user would type them
    status, _, err = in_process(capsys, *args)
    assert status == 2
    assert message in err
    assert "Traceback" not in err


def test_a_bad_option_from_the_console_script_is_exit_2_without_traceback():
    result = colabsim("run", "scenarios/darwin.toml", "--set", "legalframe=0.5")
    assert result.returncode == 2
    assert "unknown factor" in result.stderr and "Traceback" not in result.stderr


def test_an_existing_run_directory_is_never_overwritten(tmp_path, capsys):
    out = tmp_path / "kept"
    out.mkdir()
    (out / "earlier.csv").write_text("precious\n")
    status, _, err = in_process(capsys, "run", str(SCENARIOS / "darwin.toml"), "-r", "1", "--out", str(out))
    assert status == 2 and "not empty" in err
    assert (out / "earlier.csv").read_text() == "precious\n"
