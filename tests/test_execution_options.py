"""How runs execute is one value, `colabsim.ExecutionOptions`; the old keywords say where they went."""

from __future__ import annotations

from pathlib import Path

import pytest

import colabsim
from colabsim.sensitivity import run_sensitivity

SMALL = Path(__file__).resolve().parent / "experiments" / "small.toml"


@pytest.mark.parametrize(
    "call",
    [
        lambda out: colabsim.run_experiment(SMALL, out=out, executor="serial", workers=2),
        lambda out: colabsim.run_experiment(SMALL, out=out, chunk_size=10),
        lambda out: run_sensitivity(SMALL, out=out, executor="serial", progress=False),
    ],
    ids=["run_experiment executor", "run_experiment chunk_size", "run_sensitivity"],
)
def test_an_old_execution_keyword_is_a_type_error_naming_execution_options(tmp_path, call):
    with pytest.raises(TypeError, match=r"no longer takes .*options=ExecutionOptions\(") as error:
        call(tmp_path / "out")
    assert "from colabsim import ExecutionOptions" in str(error.value)
    assert not (tmp_path / "out").exists(), "refused before anything is written"


def test_an_executor_passed_by_position_is_a_type_error_naming_execution_options(tmp_path):
    with pytest.raises(TypeError, match=r"ExecutionOptions\(executor='serial'\)"):
        colabsim.run_experiment(SMALL, tmp_path / "out", "serial")  # the third argument was the executor


def test_an_unknown_keyword_is_an_ordinary_type_error(tmp_path):
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        colabsim.run_experiment(SMALL, out=tmp_path / "out", colour="blue")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"executor": "threads"}, "ExecutionOptions.executor: 'threads' is not one of serial, processes, dask"),
        ({"workers": 0}, "ExecutionOptions.workers: must be a whole number of at least 1, got 0"),
        ({"chunk_size": 2.5}, "ExecutionOptions.chunk_size: must be a whole number"),
        ({"max_runs": True}, "ExecutionOptions.max_runs: must be a whole number"),
    ],
)
def test_bad_options_name_the_option(options, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        colabsim.ExecutionOptions(**options)


def test_the_options_reach_the_run(tmp_path):
    events = []
    options = colabsim.ExecutionOptions(executor="serial", chunk_size=10, progress=events.append, max_runs=36)
    result = colabsim.run_experiment(SMALL, out=tmp_path / "out", options=options, report=False)
    assert result.ran == 36
    manifest = (tmp_path / "out" / "manifest.json").read_text()
    assert '"chunk_size": 10' in manifest and '"executor": "serial"' in manifest
    assert [e.done for e in events if e.phase == "runs"][-1] == 36
    with pytest.raises(colabsim.ScenarioError, match="above the limit of 35 runs"):
        colabsim.run_experiment(SMALL, out=tmp_path / "too_big", options=colabsim.ExecutionOptions(max_runs=35))
